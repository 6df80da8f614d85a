// End to end through the bench: virtual fleet on real ptys, the system over libmodbus, a real
// SQLite file, one manual clock.
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <phil/bench/runner.hpp>
#include <phil/bench/scenario.hpp>

using ::testing::HasSubstr;
namespace fs = std::filesystem;

namespace {

constexpr const char* kProfiles = PHIL_SOURCE_DIR "/profiles";

// Constant 1200 W at 0.6000 yuan/kWh costs 0.72 yuan an hour: 1.00 yuan lasts 83m20s.
const char* kScenario = R"(name: small
clock: {start: 2026-03-01T00:00:00+08:00, step: 1m}
fleet:
  buses:
    - id: bus1
      port: vbus/bus1
      boxes:
        - address: 3
          model: adf300l-i
          circuits:
            2: {load: {constant: 1200}, price: "METER_PRICE"}
system: {poll_interval: 30m, price: "0.6000"}
accounts:
  - {id: A1, meters: [bus1/3/2], sale: "1.00"}
timeline:
  - expect: {meter: bus1/3/2, relay: closed, within: 1 command}
  - {until: relay(bus1/3/2) == open, max: 1d}
  - expect: {meter: bus1/3/2, status: arrears, within: 1 poll}
  - {at: +1h, sale: {account: A1, amount: "5.00"}}
  - expect: {meter: bus1/3/2, relay: closed, purchase_count: 2, within: 1 command}
LAST_STEP
)";

/// `meter_price`: the price the meter leaves the factory with (the system's is 0.6000).
phil::bench::Scenario load(const std::string& name, const std::string& last_step,
                           const std::string& meter_price = "0.6000") {
  const auto dir = fs::temp_directory_path() / "phil-bench-runner-test";
  fs::create_directories(dir);
  std::string text = kScenario;
  text.replace(text.find("LAST_STEP"), 9, last_step);
  text.replace(text.find("METER_PRICE"), 11, meter_price);
  const auto path = dir / (name + ".yaml");
  std::ofstream(path) << text;
  return phil::bench::load_scenario(path.string(), name, kProfiles);
}

phil::bench::ScenarioResult run(const phil::bench::Scenario& sc) {
  phil::bench::RunOptions opt;
  opt.work_dir = (fs::temp_directory_path() / "phil-bench-runner-test" / "work" / sc.id).string();
  opt.profiles_dir = kProfiles;
  return phil::bench::run_scenario(sc, opt);
}

}  // namespace

TEST(BenchRunner, TripAndRestoreScenarioPassesEndToEnd) {
  const auto r = run(load("pass",
                          "  - expect: {account: A1, matches_meter: bus1/3/2, "
                          "tolerance: \"0.01\", within: 1 poll}"));
  EXPECT_TRUE(r.passed) << r.failure;
  EXPECT_GT(r.frames, 0U);
  EXPECT_GT(r.polls, 0U);
  // Two credits, and the stored thresholds of the box's 12 circuits (their first contact).
  EXPECT_EQ(r.commands, 14U);
  // The meter trips after 83m20s of consumption: the until step ends at the first tick after.
  ASSERT_GE(r.steps.size(), 2U);
  EXPECT_THAT(r.steps[1].detail, HasSubstr("T01:24:00+08:00"));
}

TEST(BenchRunner, AFalseExpectationFailsWithItsLocationAndWhatWasSeen) {
  const auto r = run(load("fail", "  - expect: {meter: bus1/3/2, relay: open}"));
  EXPECT_FALSE(r.passed);
  EXPECT_THAT(r.failure, HasSubstr("fail.yaml:21:5"));
  EXPECT_THAT(r.failure, HasSubstr("relay closed"));
}

TEST(BenchRunner, SameScenarioGivesTheSameResultTwice) {
  const auto sc = load("twice", "  - {at: +3h}");
  const auto a = run(sc);
  const auto b = run(sc);
  ASSERT_TRUE(a.passed) << a.failure;
  ASSERT_EQ(a.steps.size(), b.steps.size());
  for (std::size_t i = 0; i < a.steps.size(); ++i) {
    EXPECT_EQ(a.steps[i].detail, b.steps[i].detail) << i;
    EXPECT_EQ(a.steps[i].finished, b.steps[i].finished) << i;
  }
  EXPECT_EQ(a.frames, b.frames);
}

TEST(BenchRunner, ARemoteCommandIsDeliveredAndAFalseCheckShowsTheCommandSeen) {
  const auto r = run(load("trip",
                          "  - {command: {meter: bus1/3/2, trip}}\n"
                          "  - expect: {meter: bus1/3/2, relay: closed, last_command: failed}"));
  EXPECT_FALSE(r.passed);
  EXPECT_THAT(r.failure, HasSubstr("trip.yaml:22:5"));
  EXPECT_THAT(r.failure, HasSubstr("relay open"));
  EXPECT_THAT(r.failure, HasSubstr("(mode) confirmed"));
  EXPECT_EQ(r.commands, 15U);  // with the 12 circuits' thresholds at first contact
}

TEST(BenchRunner, AScenariosOperatorActsWithItsRoleAndAStepItMayNotTakeFailsNamingTheRole) {
  auto sc = load("cashier", "  - {command: {meter: bus1/3/2, trip}}");
  sc.operator_id = "li";
  sc.operator_role = phil::domain::Role::kCashier;  // sells (the steps above), sends no command
  const auto r = run(sc);
  EXPECT_FALSE(r.passed);
  EXPECT_THAT(r.failure, HasSubstr("li (cashier) may not command: that needs the role engineer"));
}

TEST(BenchRunner, AFaultSilencesTheBoxUntilItIsCleared) {
  const auto r = run(load("silent",
                          "  - {fault: {id: f, kind: box_silent, bus: bus1, box: 3}}\n"
                          "  - expect: {meter: bus1/3/2, failed_cycles: 2, within: 2 polls}\n"
                          "  - {clear_fault: f}\n"
                          "  - expect: {meter: bus1/3/2, failed_cycles: 0, read_age: \"0s\", "
                          "within: 1 poll}\n"
                          "  - expect: {meter: bus1/3/2, no_double_credit: true}"));
  EXPECT_TRUE(r.passed) << r.failure;
  ASSERT_EQ(r.steps.size(), 11U);  // the timeline's 10 and the final check
  EXPECT_THAT(r.steps[6].detail, HasSubstr("failed cycles 2"));
  EXPECT_THAT(r.steps[8].detail, HasSubstr("last read 0s ago"));
}

TEST(BenchRunner, AfterEveryTimelineTheLedgerAndTheMetersAreCheckedToAgree) {
  const auto r = run(load("final", "  - {at: +1h}"));
  ASSERT_TRUE(r.passed) << r.failure;
  const auto& final = r.steps.back();
  EXPECT_EQ(final.text, "final: ledger = meters, no money created or lost");
  EXPECT_TRUE(final.passed);
  EXPECT_EQ(final.mark.line, 1);  // no final_check key: the file's start
  EXPECT_THAT(final.detail, HasSubstr("A1: ledger "));
  EXPECT_THAT(final.detail, HasSubstr("= its entries, meter bus1/3/2 "));
  EXPECT_THAT(final.detail, HasSubstr("in - out: meter 6.00, ledger 6.00"));
  EXPECT_THAT(final.detail, HasSubstr("ledger verified"));
}

// A meter that left the factory with twice the system's price and was never sent a tariff: it
// deducts twice what the ledger charges, so the two part. (A price typed by hand no longer
// parts them: it becomes the meter's own tariff, issue 12.4.)
const char* kTwoHours = "  - {at: +2h}";
const char* kDoublePrice = "1.2000";

TEST(BenchRunner, TheFinalCheckFailsWhenTheMeterAndTheLedgerPart) {
  const auto r = run(load("final-mismatch", kTwoHours, kDoublePrice));
  EXPECT_FALSE(r.passed);
  EXPECT_THAT(r.failure, HasSubstr("final-mismatch.yaml:1:1: final: ledger = meters"));
  EXPECT_THAT(r.failure, HasSubstr("(off by more than 0.01)"));
  EXPECT_THAT(r.failure, HasSubstr("in - out: meter 6.00, ledger 6.00"));
  EXPECT_FALSE(r.steps.back().passed);
}

TEST(BenchRunner, AScenarioOptsOutOfTheFinalCheckWithItsReasonOrWidensItsTolerance) {
  const auto skipped = run(
      load("final-skip", std::string(kTwoHours) + "\nfinal_check: {skip: \"the price differs\"}",
           kDoublePrice));
  ASSERT_TRUE(skipped.passed) << skipped.failure;
  EXPECT_EQ(skipped.steps.back().detail, "not checked: the price differs");
  EXPECT_EQ(skipped.steps.back().mark.line, 22);
  const auto wide =
      run(load("final-wide", std::string(kTwoHours) + "\nfinal_check: {tolerance: \"100.00\"}",
               kDoublePrice));
  EXPECT_TRUE(wide.passed) << wide.failure;
  EXPECT_THAT(wide.steps.back().detail, HasSubstr("within 100.00 a meter"));
}

TEST(BenchRunner, ACloseAccountStepClosesTheAccountAndItsChecksFollowIt) {
  const auto r = run(load("close",
                          "  - expect: {account: A1, closing: none}\n"
                          "  - {close_account: {account: A1}}\n"
                          "  - expect: {account: A1, closing: started}\n"
                          "  - expect: {account: A1, closing: done, within: 1h}\n"
                          "  - expect: {meter: bus1/3/2, relay: open, mode: forced_off, "
                          "balance: \"0.00\", debit_count: 1}\n"
                          "  - expect: {account: A1, balance: \"0.00\", refunded: \"> 4.00\"}\n"
                          "  - {close_account: {account: A1, refused: \"closed\"}}\n"
                          "  - expect: {account: A1, refunded: \"0.01\"}"));
  EXPECT_FALSE(r.passed);  // the last expectation: the refund is more than 0.01
  EXPECT_THAT(r.failure, HasSubstr("close.yaml:28:5"));
  EXPECT_THAT(r.failure, HasSubstr("refunded 5.00"));
  ASSERT_GE(r.steps.size(), 7U);
  EXPECT_THAT(r.steps[6].detail, HasSubstr("closing started on 1 meter(s)"));
  EXPECT_THAT(r.steps[7].detail, HasSubstr("closing started (bus1/3/2 "));
  EXPECT_TRUE(r.steps[11].passed) << r.steps[11].detail;
  EXPECT_THAT(r.steps[11].detail, HasSubstr("close of A1 refused: "));
}
