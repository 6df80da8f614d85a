#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <phil/bench/scenario.hpp>

using ::testing::HasSubstr;
namespace fs = std::filesystem;

namespace {

constexpr const char* kProfiles = PHIL_SOURCE_DIR "/profiles";

const char* kValid = R"(name: t
clock: {start: 2026-03-01T00:00:00+08:00}
fleet:
  buses:
    - id: bus1
      port: vbus/bus1
      boxes:
        - {address: 1, model: adf300l-i}
accounts:
  - {id: A1, meters: [bus1/1/1], sale: "20.00"}
timeline:
  - {until: relay(bus1/1/1) == open, max: 1d}
  - expect: {meter: bus1/1/1, status: arrears, within: 1 poll}
  - {at: +2h, sale: {account: A1, amount: "100.00"}}
  - expect: {account: A1, matches_meter: bus1/1/1, tolerance: "0.01"}
)";

class ScenarioLoader : public ::testing::Test {
 protected:
  std::string write(const std::string& text) {
    const auto dir = fs::temp_directory_path() / "phil-bench-loader-test";
    fs::create_directories(dir);
    const auto path =
        dir /
        (std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + ".yaml");
    std::ofstream(path) << text;
    return path.string();
  }

  std::string error_of(const std::string& text) {
    const auto path = write(text);
    try {
      (void)phil::bench::load_scenario(path, "t", kProfiles);
    } catch (const phil::yaml::ConfigError& e) {
      return e.what();
    }
    return "no error";
  }

  /// Loading `text` with `from` replaced by `to` fails at line `line` saying `what`.
  void expect_error(const std::string& text, const std::string& from, const std::string& to,
                    int line, const std::string& what) {
    const auto msg = error_of(replace(text, from, to));
    EXPECT_THAT(msg, HasSubstr(".yaml:" + std::to_string(line) + ":")) << to;
    EXPECT_THAT(msg, HasSubstr(what)) << to;
  }

  static std::string replace(std::string s, const std::string& from, const std::string& to) {
    const auto pos = s.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    return s.replace(pos, from.size(), to);
  }
};

}  // namespace

TEST_F(ScenarioLoader, LoadsAValidScenarioIntoSteps) {
  const auto sc = phil::bench::load_scenario(write(kValid), "t", kProfiles);
  EXPECT_EQ(sc.name, "t");
  ASSERT_EQ(sc.timeline.size(), 4U);
  EXPECT_EQ(sc.timeline[0].kind, phil::bench::Step::Kind::kUntil);
  EXPECT_EQ(sc.timeline[1].within.kind, phil::bench::Within::Kind::kPolls);
  EXPECT_EQ(sc.timeline[2].kind, phil::bench::Step::Kind::kAction);
  EXPECT_EQ(sc.timeline[2].at_relative, phil::Millis(2 * 3600 * 1000));
  EXPECT_EQ(sc.timeline[3].checks.at(0).tolerance, 1);
  EXPECT_EQ(sc.accounts.at(0).first_sale_fen, 2000);
  EXPECT_EQ(sc.fleet.utc_offset, std::chrono::minutes(480));
  EXPECT_FALSE(sc.system.billing);  // not declared: the database decides
}

TEST_F(ScenarioLoader, SystemSettingsAreRead) {
  const auto sc = phil::bench::load_scenario(
      write(replace(kValid, "accounts:",
                    "system: {poll_interval: 15m, response_timeout: 100ms, offline_after: 2, "
                    "price: \"0.8000\", billing: host}\naccounts:")),
      "t", kProfiles);
  EXPECT_EQ(sc.system.poll_interval, phil::Millis(15 * 60 * 1000));
  EXPECT_EQ(sc.system.response_timeout, phil::Millis(100));
  EXPECT_EQ(sc.system.offline_after, 2);
  EXPECT_EQ(sc.system.price, 8000);
  EXPECT_EQ(sc.system.billing, phil::domain::BillingMode::kHostSide);
  EXPECT_THAT(error_of(replace(kValid, "accounts:", "system: {billing: card}\naccounts:")),
              HasSubstr("system.billing: invalid value \"card\"; expected one of: meter, host"));
}

TEST_F(ScenarioLoader, TheOperatorIsQaWithEachActionsRoleUnlessTheScenarioNamesThem) {
  const auto plain = phil::bench::load_scenario(write(kValid), "t", kProfiles);
  EXPECT_EQ(plain.operator_id, "qa");
  EXPECT_FALSE(plain.operator_role);
  const auto named = phil::bench::load_scenario(
      write(replace(kValid, "accounts:", "operator: {id: li, role: manager}\naccounts:")), "t",
      kProfiles);
  EXPECT_EQ(named.operator_id, "li");
  EXPECT_EQ(named.operator_role, phil::domain::Role::kManager);
  EXPECT_THAT(error_of(replace(kValid, "accounts:", "operator: {role: janitor}\naccounts:")),
              HasSubstr("invalid value \"janitor\""));
  EXPECT_THAT(error_of(replace(kValid, "accounts:", "operator: {name: li}\naccounts:")),
              HasSubstr("unknown key \"name\""));
}

TEST_F(ScenarioLoader, TheShippedScenarioIsValid) {
  const auto sc = phil::bench::load_scenario(
      std::string(PHIL_SOURCE_DIR) + "/scenarios/arrears/trip-and-restore.yaml", "x", kProfiles);
  EXPECT_FALSE(sc.timeline.empty());
}

TEST_F(ScenarioLoader, SyntaxErrorGivesFileLineColumn) {
  const auto msg = error_of(replace(kValid, "max: 1d}", "max: 1d"));
  EXPECT_THAT(msg, HasSubstr(".yaml:"));
  EXPECT_THAT(msg, HasSubstr("YAML syntax error"));
}

TEST_F(ScenarioLoader, UnknownKeyInAStepIsRejectedWithLocationAndKey) {
  const auto msg = error_of(replace(kValid, "within: 1 poll", "within: 1 poll, colour: red"));
  EXPECT_THAT(msg, HasSubstr(":13:"));
  EXPECT_THAT(msg, HasSubstr("timeline[1].expect.colour: unknown key"));
}

TEST_F(ScenarioLoader, WrongTypeIsRejectedWithLocationAndKey) {
  const auto msg = error_of(replace(kValid, "max: 1d", "max: soon"));
  EXPECT_THAT(msg, HasSubstr(":12:"));
  EXPECT_THAT(msg, HasSubstr("timeline[0].max: invalid value \"soon\""));
}

TEST_F(ScenarioLoader, UnknownMeterIsNamed) {
  const auto msg = error_of(replace(kValid, "status: arrears", "status: arrears, x: 1"));
  EXPECT_THAT(msg, HasSubstr("unknown key \"x\""));
  const auto msg2 = error_of(replace(kValid, "meter: bus1/1/1, status", "meter: bus9/1/1, status"));
  EXPECT_THAT(msg2, HasSubstr("no bus \"bus9\""));
}

TEST_F(ScenarioLoader, BadValuesAreExplained) {
  EXPECT_THAT(error_of(replace(kValid, "status: arrears", "status: red")),
              HasSubstr("expected one of: not_opened, normal"));
  EXPECT_THAT(error_of(replace(kValid, "within: 1 poll", "within: soon")),
              HasSubstr("N poll(s), N command(s), N scan(s) or a duration"));
  EXPECT_THAT(error_of(replace(kValid, "relay(bus1/1/1) == open", "relay(bus1/1/1) == ajar")),
              HasSubstr("expected one of: open, closed"));
  EXPECT_THAT(error_of(replace(kValid, "amount: \"100.00\"", "amount: \"100.001\"")),
              HasSubstr("at most 2 digits"));
  EXPECT_THAT(error_of(replace(kValid, "account: A1, amount", "account: B7, amount")),
              HasSubstr("unknown account \"B7\""));
}

TEST_F(ScenarioLoader, AWindowOfScansNeedsTheStatusScanOn) {
  expect_error(kValid, "within: 1 poll", "within: 2 scans", 13,
               "a window of status scans needs system.status_scan");
  auto on = replace(kValid, "accounts:", "system: {status_scan: {every: 20s}}\naccounts:");
  on = replace(on, "within: 1 poll", "within: 2 scans");
  const auto sc = phil::bench::load_scenario(write(on), "t", kProfiles);
  EXPECT_EQ(sc.timeline[1].within.kind, phil::bench::Within::Kind::kScans);
  EXPECT_EQ(sc.timeline[1].within.count, 2);
}

// ---- timeline actions and system-view expectations -------------------------------------------

namespace {

// Line numbers matter: the tests below look for them in the messages.
const char* kActions = R"(name: actions
clock: {start: 2026-03-01T00:00:00+08:00}
fleet:
  buses:
    - id: bus1
      port: vbus/bus1
      boxes:
        - {address: 1, model: adf300l-i}
        - {address: 2, model: adf300l-i}
accounts:
  - {id: A1, meters: [bus1/1/1], sale: "20.00"}
timeline:
  - {at: +1h, fault: {id: quiet, kind: box_silent, bus: bus1, box: 1, duration: 2h}}
  - {fault: {kind: drop_reply, bus: bus1, probability: "0.25", seed: 7}}
  - {fault: {kind: delay, bus: bus1, box: 2, delay: 300ms}}
  - {fault: {kind: noise, bus: bus1, bytes: 4}}
  - {fault: {kind: drift, bus: bus1, box: 2, ppm: -500}}
  - {fault: {kind: power_loss, bus: bus1}}
  - {clear_fault: quiet}
  - {clear_fault: fault2}
  - {clear_fault: all}
  - {replace_meter: bus1/2/12}
  - {command: {meter: bus1/1/1, trip}}
  - {command: {meter: bus1/1/1, close}}
  - {command: {meter: bus1/1/1, keep_power: true}}
  - {command: {meter: bus1/1/1, restore_prepaid}}
  - {command: {meter: bus1/1/1, price: "0.8000"}}
  - {command: {meter: bus1/1/1, price: {sharp: "1.2", peak: "0.9", flat: "0.6", valley: "0.3"}}}
  - {command: {meter: bus1/1/1, thresholds: {alarm1: "20.00", alarm2: "5.00", overload: 4000}}}
  - {read_now: bus1}
  - {read_now: bus1/2}
  - {read_now: bus1/2/3}
  - expect: {meter: bus1/1/1, last_command: confirmed, open_commands: 0, system_purchase_count: 1}
  - expect: {meter: bus1/1/1, failed_cycles: ">= 3", read_age: "< 30m", no_double_credit: true}
  - expect: {meter: bus1/1/1, event: meter_replaced}
  - expect: {meter: bus1/1/1, event: "!= credit_conflict", status: offline}
  - {until: "status(bus1/1/1) == offline", max: 3h}
)";

template <typename T>
const T& action(const phil::bench::Scenario& sc, std::size_t i) {
  EXPECT_EQ(sc.timeline.at(i).kind, phil::bench::Step::Kind::kAction) << i;
  const auto* a = std::get_if<T>(&sc.timeline.at(i).action);
  if (a == nullptr) throw std::runtime_error("step " + std::to_string(i) + " is another action");
  return *a;
}

}  // namespace

TEST_F(ScenarioLoader, FaultStepsMapToTheFleetsFaultSpec) {
  using K = phil::sim::FaultSpec::Kind;
  const auto sc = phil::bench::load_scenario(write(kActions), "t", kProfiles);
  const auto& silent = action<phil::bench::FaultAction>(sc, 0);
  EXPECT_EQ(silent.name, "quiet");
  EXPECT_EQ(silent.fault.kind, K::kBoxSilent);
  EXPECT_EQ(silent.fault.bus, "bus1");
  EXPECT_EQ(silent.fault.address, 1);
  EXPECT_EQ(silent.fault.duration, phil::Millis(2 * 3600 * 1000));
  EXPECT_EQ(sc.timeline[0].at_relative, phil::Millis(3600 * 1000));
  const auto& drop = action<phil::bench::FaultAction>(sc, 1);
  EXPECT_EQ(drop.name, "fault2");  // unnamed faults are numbered in order
  EXPECT_EQ(drop.fault.kind, K::kDropReply);
  EXPECT_EQ(drop.fault.address, 0);
  EXPECT_EQ(drop.fault.probability_permille, 250);
  EXPECT_EQ(drop.fault.seed, 7U);
  EXPECT_EQ(drop.fault.duration, phil::Millis(0));  // until cleared
  EXPECT_EQ(action<phil::bench::FaultAction>(sc, 2).fault.delay, phil::Millis(300));
  EXPECT_EQ(action<phil::bench::FaultAction>(sc, 3).fault.noise_bytes, 4);
  EXPECT_EQ(action<phil::bench::FaultAction>(sc, 4).fault.kind, K::kClockDrift);
  EXPECT_EQ(action<phil::bench::FaultAction>(sc, 4).fault.drift_ppm, -500);
  EXPECT_EQ(action<phil::bench::FaultAction>(sc, 5).fault.kind, K::kPowerLoss);
  EXPECT_EQ(action<phil::bench::ClearFaultAction>(sc, 6).name, "quiet");
  EXPECT_EQ(action<phil::bench::ClearFaultAction>(sc, 7).name, "fault2");
  EXPECT_EQ(action<phil::bench::ClearFaultAction>(sc, 8).name, "");  // all
  EXPECT_EQ(action<phil::bench::ReplaceMeterAction>(sc, 9).meter.to_string(), "bus1/2/12");
}

TEST_F(ScenarioLoader, CommandStepsCarryTheSystemsPayloads) {
  using phil::domain::RelayCommand;
  const auto sc = phil::bench::load_scenario(write(kActions), "t", kProfiles);
  auto relay = [&](std::size_t i) {
    return std::get<phil::domain::ModePayload>(action<phil::bench::CommandAction>(sc, i).payload)
        .relay;
  };
  EXPECT_EQ(relay(10), RelayCommand::kForcedOff);
  EXPECT_EQ(relay(11), RelayCommand::kClose);
  EXPECT_EQ(relay(12), RelayCommand::kKeepPower);
  EXPECT_EQ(relay(13), RelayCommand::kPrepaid);
  EXPECT_EQ(action<phil::bench::CommandAction>(sc, 10).meter.to_string(), "bus1/1/1");
  const auto flat =
      std::get<phil::domain::PricePayload>(action<phil::bench::CommandAction>(sc, 14).payload);
  EXPECT_EQ(flat.prices, (std::array<std::int64_t, 4>{8000, 8000, 8000, 8000}));
  const auto tou =
      std::get<phil::domain::PricePayload>(action<phil::bench::CommandAction>(sc, 15).payload);
  EXPECT_EQ(tou.prices, (std::array<std::int64_t, 4>{12000, 9000, 6000, 3000}));
  const auto th =
      std::get<phil::domain::ThresholdsPayload>(action<phil::bench::CommandAction>(sc, 16).payload);
  EXPECT_EQ(th, (phil::domain::ThresholdsPayload{2000, 500, 4000}));
  EXPECT_EQ(action<phil::bench::ReadNowAction>(sc, 17).target, "bus1");
  EXPECT_EQ(action<phil::bench::ReadNowAction>(sc, 18).target, "bus1/2");
  EXPECT_EQ(action<phil::bench::ReadNowAction>(sc, 19).target, "bus1/2/3");
  EXPECT_THAT(sc.timeline[10].text, HasSubstr("command trip to bus1/1/1"));
}

TEST_F(ScenarioLoader, SystemViewQuantitiesAreChecks) {
  using Q = phil::bench::Quantity;
  const auto sc = phil::bench::load_scenario(write(kActions), "t", kProfiles);
  const auto& a = sc.timeline.at(20).checks;
  ASSERT_EQ(a.size(), 3U);
  EXPECT_EQ(a[0].quantity, Q::kSystemPurchaseCount);
  EXPECT_EQ(a[0].number, 1);
  EXPECT_EQ(a[1].quantity, Q::kLastCommand);
  EXPECT_EQ(a[1].word, "confirmed");
  EXPECT_EQ(a[2].quantity, Q::kOpenCommands);
  const auto& b = sc.timeline.at(21).checks;
  ASSERT_EQ(b.size(), 3U);
  EXPECT_EQ(b[0].quantity, Q::kFailedCycles);
  EXPECT_EQ(b[0].op, phil::bench::Op::kGe);
  EXPECT_EQ(b[1].quantity, Q::kReadAge);
  EXPECT_EQ(b[1].op, phil::bench::Op::kLt);
  EXPECT_EQ(b[1].number, 30 * 60 * 1000);
  EXPECT_EQ(b[2].quantity, Q::kNoDoubleCredit);
  const auto& c = sc.timeline.at(22).checks;
  EXPECT_EQ(c.at(0).quantity, Q::kEvent);
  EXPECT_EQ(c.at(0).word, "meter_replaced");
  const auto& d = sc.timeline.at(23).checks;
  EXPECT_EQ(d.at(1).quantity, Q::kEvent);
  EXPECT_EQ(d.at(1).op, phil::bench::Op::kNe);
  EXPECT_EQ(d.at(0).word, "offline");
  EXPECT_EQ(sc.timeline.at(24).checks.at(0).word, "offline");
}

TEST_F(ScenarioLoader, EveryShippedScenarioIsValid) {
  int n = 0;
  for (const auto& e :
       fs::recursive_directory_iterator(std::string(PHIL_SOURCE_DIR) + "/scenarios")) {
    if (e.path().extension() != ".yaml") continue;
    EXPECT_NO_THROW((void)phil::bench::load_scenario(e.path().string(), "x", kProfiles))
        << e.path();
    ++n;
  }
  EXPECT_GE(n, 7);
}

TEST_F(ScenarioLoader, UnknownKeyInAFaultIsRejectedWithLocationAndKey) {
  expect_error(kActions, "duration: 2h}", "duration: 2h, colour: red}", 13,
               "timeline[0].fault.colour: unknown key");
}

TEST_F(ScenarioLoader, UnknownFaultKindListsTheKinds) {
  expect_error(kActions, "kind: box_silent", "kind: lightning", 13,
               "timeline[0].fault.kind: invalid value \"lightning\"; expected one of: "
               "box_silent, bus_silent, drop_request, drop_reply, corrupt_crc, delay, truncate, "
               "noise, power_loss, drift");
}

TEST_F(ScenarioLoader, FaultOnABusOrBoxNotInTheFleetIsNamed) {
  expect_error(kActions, "bus: bus1, box: 1, duration", "bus: bus7, box: 1, duration", 13,
               "no bus \"bus7\"");
  expect_error(kActions, "bus: bus1, box: 1, duration", "bus: bus1, box: 9, duration", 13,
               "no box at address 9");
}

TEST_F(ScenarioLoader, FaultKeysThatDoNotApplyOrAreMissingAreErrors) {
  expect_error(kActions, "box: 1, duration: 2h", "box: 1, ppm: 5", 13,
               "`ppm` does not apply to a box_silent fault");
  expect_error(kActions, "box: 2, delay: 300ms", "box: 2", 15, "a delay fault needs `delay`");
  expect_error(kActions, "box: 1, duration: 2h", "box: 1, probability: \"0.5\"", 13,
               "`probability` does not apply to a box_silent fault");
  expect_error(kActions, "kind: drift, bus: bus1, box: 2,", "kind: drift, bus: bus1,", 17,
               "a drift fault needs `box`");
  expect_error(kActions, "probability: \"0.25\"", "probability: \"1.5\"", 14, "outside 0..1");
  expect_error(kActions, "{kind: power_loss, bus: bus1}",
               "{id: quiet, kind: power_loss, bus: bus1}", 18, "duplicate fault id \"quiet\"");
}

TEST_F(ScenarioLoader, ClearingAFaultNoEarlierStepInjectedIsAnError) {
  expect_error(kActions, "{clear_fault: quiet}", "{clear_fault: loud}", 19, "no fault \"loud\"");
}

TEST_F(ScenarioLoader, MeterNotInTheFleetIsRejectedInEveryAction) {
  expect_error(kActions, "{replace_meter: bus1/2/12}", "{replace_meter: bus1/2/13}", 22,
               "has circuits 1-12");
  expect_error(kActions, "{meter: bus1/1/1, trip}", "{meter: bus1/3/1, trip}", 23,
               "no box at address 3");
  expect_error(kActions, "{read_now: bus1/2}", "{read_now: bus1/5}", 31, "has no such box");
  expect_error(kActions, "{read_now: bus1}", "{read_now: bus2}", 30, "no bus \"bus2\"");
}

TEST_F(ScenarioLoader, BadCommandsAreExplained) {
  EXPECT_THAT(error_of(replace(kActions, "{meter: bus1/1/1, trip}", "{meter: bus1/1/1}")),
              HasSubstr("exactly one of: trip, close"));
  EXPECT_THAT(
      error_of(replace(kActions, "{meter: bus1/1/1, trip}", "{meter: bus1/1/1, trip, close}")),
      HasSubstr("exactly one of"));
  EXPECT_THAT(
      error_of(replace(kActions, "{meter: bus1/1/1, trip}", "{meter: bus1/1/1, trip: false}")),
      HasSubstr("takes no value"));
  EXPECT_THAT(error_of(replace(kActions, "{meter: bus1/1/1, trip}", "{meter: bus1/1/1, reboot}")),
              HasSubstr("timeline[10].command.reboot: unknown key"));
  // The system's own payload check: alarm 2 above alarm 1.
  const auto msg = error_of(replace(kActions, "alarm2: \"5.00\"", "alarm2: \"50.00\""));
  EXPECT_THAT(msg, HasSubstr(".yaml:29:"));
  EXPECT_THAT(msg, HasSubstr("alarm"));
}

TEST_F(ScenarioLoader, AStepDoesOneAction) {
  const auto msg = error_of(replace(kActions, "{replace_meter: bus1/2/12}",
                                    "{replace_meter: bus1/2/12, read_now: bus1}"));
  EXPECT_THAT(msg, HasSubstr(".yaml:22:"));
  EXPECT_THAT(msg, HasSubstr("does one action"));
}

TEST_F(ScenarioLoader, BadExpectationValuesAreExplained) {
  EXPECT_THAT(error_of(replace(kActions, "read_age: \"< 30m\"", "read_age: \"< soon\"")),
              HasSubstr("expected a duration"));
  EXPECT_THAT(error_of(replace(kActions, "last_command: confirmed", "last_command: done")),
              HasSubstr("expected one of: pending, in_flight, confirmed, failed, superseded"));
  EXPECT_THAT(error_of(replace(kActions, "event: meter_replaced", "event: \"Meter Replaced\"")),
              HasSubstr("expected a kind such as meter_replaced"));
  EXPECT_THAT(error_of(replace(kActions, "no_double_credit: true", "no_double_credit: false")),
              HasSubstr("expected one of: true"));
}

TEST_F(ScenarioLoader, CloseAccountStepAndItsChecks) {
  const std::string text =
      replace(kValid, "  - expect: {account: A1, matches_meter: bus1/1/1, tolerance: \"0.01\"}",
              "  - {at: +1h, close_account: {account: A1}}\n"
              "  - expect: {account: A1, closing: done, refunded: \"99.80\", within: 1h}\n"
              "  - {close_account: {account: A1, refused: \"closed\"}}\n"
              "  - expect: {account: A1, closing: \"!= blocked\", refunded: \">= 1.00\"}");
  const auto sc = phil::bench::load_scenario(write(text), "t", kProfiles);
  ASSERT_EQ(sc.timeline.size(), 7U);
  const auto* close = std::get_if<phil::bench::CloseAccountAction>(&sc.timeline[3].action);
  ASSERT_NE(close, nullptr);
  EXPECT_EQ(close->account, "A1");
  EXPECT_FALSE(close->refused);
  EXPECT_EQ(sc.timeline[3].text, "at +1h: close account A1");
  const auto& done = sc.timeline[4].checks;
  ASSERT_EQ(done.size(), 2U);
  EXPECT_EQ(done[0].quantity, phil::bench::Quantity::kClosing);
  EXPECT_EQ(done[0].word, "done");
  EXPECT_EQ(done[0].account, "A1");
  EXPECT_EQ(done[1].quantity, phil::bench::Quantity::kRefunded);
  EXPECT_EQ(done[1].number, 9980);
  const auto* refused = std::get_if<phil::bench::CloseAccountAction>(&sc.timeline[5].action);
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->refused, "closed");
  EXPECT_EQ(sc.timeline[6].checks[0].op, phil::bench::Op::kNe);
  EXPECT_EQ(sc.timeline[6].checks[1].op, phil::bench::Op::kGe);
  EXPECT_EQ(sc.timeline[6].checks[1].number, 100);
}

TEST_F(ScenarioLoader, MoveMeterStepNamesTheMeterAndTheAccountItJoins) {
  const std::string text =
      replace(kValid, "  - expect: {account: A1, matches_meter: bus1/1/1, tolerance: \"0.01\"}",
              "  - {at: +1h, move_meter: {meter: bus1/1/1, to: A1}}\n"
              "  - {move_meter: {meter: bus1/1/1, to: A1, refused: \"already belongs\"}}");
  const auto sc = phil::bench::load_scenario(write(text), "t", kProfiles);
  ASSERT_EQ(sc.timeline.size(), 5U);
  const auto* move = std::get_if<phil::bench::MoveMeterAction>(&sc.timeline[3].action);
  ASSERT_NE(move, nullptr);
  EXPECT_EQ(move->meter.to_string(), "bus1/1/1");
  EXPECT_EQ(move->to_account, "A1");
  EXPECT_FALSE(move->refused);
  EXPECT_EQ(sc.timeline[3].text, "at +1h: move meter bus1/1/1 to A1");
  const auto* refused = std::get_if<phil::bench::MoveMeterAction>(&sc.timeline[4].action);
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->refused, "already belongs");
}

TEST_F(ScenarioLoader, BadMoveMeterStepsAreRefusedWithLocationAndKey) {
  const std::string step =
      "  - expect: {account: A1, matches_meter: bus1/1/1, tolerance: \"0.01\"}";
  expect_error(kValid, step, "  - {move_meter: {meter: bus1/1/1, to: A9}}", 15,
               "unknown account \"A9\"");
  expect_error(kValid, step, "  - {move_meter: {meter: bus9/1/1, to: A1}}", 15, "no bus \"bus9\"");
  expect_error(kValid, step, "  - {move_meter: {meter: bus1/1/1}}", 15, "to");
  expect_error(kValid, step, "  - {move_meter: {meter: bus1/1/1, to: A1, with_balance: true}}", 15,
               "timeline[3].move_meter.with_balance: unknown key");
  expect_error(kValid, step,
               "  - {move_meter: {meter: bus1/1/1, to: A1}, sale: {account: A1, amount: 1}}", 15,
               "does one action");
}

TEST_F(ScenarioLoader, TariffStepAssignsAnUndatedVersionToAMeterOrTheSite) {
  const std::string text = replace(
      kValid, "  - expect: {account: A1, matches_meter: bus1/1/1, tolerance: \"0.01\"}",
      "  - {at: +1h, tariff: {to: bus1/1/1, version: {name: stepped, price: \"0.6000\", tiers: "
      "{period: monthly, steps: [{from_kwh: 0, surcharge: \"0\"}, {from_kwh: 1, surcharge: "
      "\"0.1000\"}]}}}}\n"
      "  - {tariff: {to: site, version: {name: flat, price: \"0.7000\"}}}");
  const auto sc = phil::bench::load_scenario(write(text), "t", kProfiles);
  ASSERT_EQ(sc.timeline.size(), 5U);
  const auto* tiered = std::get_if<phil::bench::TariffAction>(&sc.timeline[3].action);
  ASSERT_NE(tiered, nullptr);
  ASSERT_TRUE(tiered->meter);
  EXPECT_EQ(tiered->meter->to_string(), "bus1/1/1");
  EXPECT_EQ(tiered->name, "stepped");
  EXPECT_EQ(tiered->tariff.tier_period, phil::domain::TierPeriod::kMonthly);
  ASSERT_EQ(tiered->tariff.tiers.size(), 2U);
  EXPECT_EQ(tiered->tariff.tiers[1].from_wh, 1000);
  EXPECT_EQ(tiered->tariff.tiers[1].surcharge, 1000);
  EXPECT_EQ(sc.timeline[3].text, "at +1h: tariff stepped assigned to bus1/1/1");
  const auto* site = std::get_if<phil::bench::TariffAction>(&sc.timeline[4].action);
  ASSERT_NE(site, nullptr);
  EXPECT_FALSE(site->meter);
  EXPECT_EQ(site->tariff.rates[0], 7000);
}

TEST_F(ScenarioLoader, BadTariffStepsAreRefusedWithLocationAndKey) {
  const std::string step =
      "  - expect: {account: A1, matches_meter: bus1/1/1, tolerance: \"0.01\"}";
  // The version takes effect when the step runs: a date of its own is an error.
  expect_error(kValid, step,
               "  - {tariff: {to: site, version: {name: t, from: 2026-03-01T00:00:00+08:00, "
               "price: \"0.6\"}}}",
               15, "timeline[3].tariff.version.from: unknown key");
  expect_error(kValid, step, "  - {tariff: {to: bus9/1/1, version: {name: t, price: \"0.6\"}}}", 15,
               "no bus \"bus9\"");
  expect_error(kValid, step, "  - {tariff: {version: {name: t, price: \"0.6\"}}}", 15, "to");
  expect_error(kValid, step, "  - {tariff: {to: site, version: {name: t, price: \"0.12345\"}}}", 15,
               "timeline[3].tariff.version.price");
  expect_error(kValid, step,
               "  - {tariff: {to: site, version: {name: t, price: \"0.6\"}}, read_now: bus1}", 15,
               "does one action");
}

TEST_F(ScenarioLoader, RestartStepMayChangeTheBillingOfOneBoxOrEveryBus) {
  const std::string text =
      replace(kValid, "  - expect: {account: A1, matches_meter: bus1/1/1, tolerance: \"0.01\"}",
              "  - {at: +1h, restart: {billing: host, box: bus1/1}}\n"
              "  - {restart: {billing: meter}}\n"
              "  - {restart: {}}");
  const auto sc = phil::bench::load_scenario(write(text), "t", kProfiles);
  ASSERT_EQ(sc.timeline.size(), 6U);
  const auto* box = std::get_if<phil::bench::RestartAction>(&sc.timeline[3].action);
  ASSERT_NE(box, nullptr);
  EXPECT_EQ(box->billing, phil::domain::BillingMode::kHostSide);
  ASSERT_TRUE(box->box);
  EXPECT_EQ(box->box->first, "bus1");
  EXPECT_EQ(box->box->second, 1);
  EXPECT_EQ(sc.timeline[3].text, "at +1h: restart the system with host-side billing on box bus1/1");
  const auto* all = std::get_if<phil::bench::RestartAction>(&sc.timeline[4].action);
  ASSERT_NE(all, nullptr);
  EXPECT_EQ(all->billing, phil::domain::BillingMode::kMeterSide);
  EXPECT_FALSE(all->box);
  const auto* plain = std::get_if<phil::bench::RestartAction>(&sc.timeline[5].action);
  ASSERT_NE(plain, nullptr);
  EXPECT_FALSE(plain->billing);
}

TEST_F(ScenarioLoader, BadRestartStepsAreRefusedWithLocationAndKey) {
  const std::string step =
      "  - expect: {account: A1, matches_meter: bus1/1/1, tolerance: \"0.01\"}";
  expect_error(kValid, step, "  - {restart: {billing: both}}", 15, "timeline[3].restart.billing");
  expect_error(kValid, step, "  - {restart: {box: bus1/1}}", 15, "give billing: meter|host too");
  expect_error(kValid, step, "  - {restart: {billing: host, box: bus9/1}}", 15, "no bus \"bus9\"");
  expect_error(kValid, step, "  - {restart: {billing: host, at: 1}}", 15,
               "timeline[3].restart.at: unknown key");
}

TEST_F(ScenarioLoader, BadCloseAccountStepsAreRefusedWithLocationAndKey) {
  const std::string step =
      "  - expect: {account: A1, matches_meter: bus1/1/1, tolerance: \"0.01\"}";
  expect_error(kValid, step, "  - {close_account: {account: A1, amount: \"1.00\"}}", 15,
               "timeline[3].close_account.amount: unknown key");
  expect_error(kValid, step, "  - {close_account: {account: A9}}", 15, "unknown account \"A9\"");
  expect_error(kValid, step, "  - {close_account: {refused: x}}", 15, "account");
  expect_error(kValid, step, "  - {close_account: {account: A1}, sale: {account: A1, amount: 1}}",
               15, "does one action");
  expect_error(kValid, step, "  - expect: {account: A1, closing: finished}", 15,
               "invalid closing \"finished\"; expected one of: none, started, blocked, done");
  expect_error(kValid, step, "  - expect: {account: A1, closing: \"> done\"}", 15,
               "compared with == or != only");
  expect_error(kValid, step, "  - expect: {account: A1, refunded: lots}", 15,
               "invalid refunded \"lots\"");
  expect_error(kValid, step, "  - expect: {account: A1, closed: true}", 15,
               "timeline[3].expect.closed: unknown key");
}

TEST_F(ScenarioLoader, TheFinalCheckTakesAToleranceOrAReasonToSkipIt) {
  const auto plain = phil::bench::load_scenario(write(kValid), "t", kProfiles);
  EXPECT_EQ(plain.final_check.tolerance_fen, 1);
  EXPECT_FALSE(plain.final_check.skip);
  EXPECT_EQ(plain.final_check.mark.line, 1);
  const auto wide = phil::bench::load_scenario(
      write(replace(kValid, "timeline:", "final_check: {tolerance: \"0.05\"}\ntimeline:")), "t",
      kProfiles);
  EXPECT_EQ(wide.final_check.tolerance_fen, 5);
  EXPECT_EQ(wide.final_check.mark.line, 11);
  const auto skipped = phil::bench::load_scenario(
      write(replace(kValid,
                    "timeline:", "final_check:\n  skip: \"a mismatch on purpose\"\ntimeline:")),
      "t", kProfiles);
  EXPECT_EQ(skipped.final_check.skip, "a mismatch on purpose");
}

TEST_F(ScenarioLoader, ABadFinalCheckIsRefusedWithLocationAndKey) {
  expect_error(kValid, "timeline:", "final_check: {skip: why, colour: red}\ntimeline:", 11,
               "final_check.colour: unknown key");
  expect_error(kValid, "timeline:", "final_check: {skip: \"\"}\ntimeline:", 11,
               "say why the final check is skipped");
  expect_error(kValid, "timeline:", "final_check: {skip: why, tolerance: \"0.05\"}\ntimeline:", 11,
               "a skipped final check takes no tolerance");
  expect_error(kValid, "timeline:", "final_check: {tolerance: \"-0.05\"}\ntimeline:", 11,
               "tolerance must be 0.00 or more");
  expect_error(kValid, "timeline:", "final_check: {tolerance: lots}\ntimeline:", 11,
               "final_check.tolerance");
}
