// `adf300-sim ctl` verbs against a running fleet on a pty: what they show is what a Modbus
// master reads, what they set is what it reads next, and bad input changes nothing.
#include <algorithm>
#include <chrono>
#include <mutex>
#include <regex>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <modbus.h>
#include <nlohmann/json.hpp>

#include <phil/sim/control.hpp>
#include <phil/sim/simulator.hpp>

#include "sim_pty_fixture.hpp"

namespace phil::sim {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Circuit 2 of the adf300l map: balance (i32), relay, mode at +0x10..+0x13; status at +0x0F.
constexpr int kC2Balance = kC2 + 0x10;
constexpr int kC2Status = kC2 + 0x0F;

class simControl : public simSimulatorOverPty {
 protected:
  // A credit as the billing system writes it: count and amount in one FC10.
  void credit(int base, std::uint16_t count, std::uint32_t fen) {
    const std::uint16_t words[3] = {count, static_cast<std::uint16_t>(fen >> 16),
                                    static_cast<std::uint16_t>(fen & 0xFFFF)};
    ASSERT_EQ(modbus_write_registers(master(), base + 0x14, 3, words), 3) << modbus_strerror(errno);
  }
  std::string run(const std::string& line) { return control_command(*sim_, line); }
  std::vector<std::string> trace_lines() {
    std::lock_guard lock(trace_mu_);
    return trace_;
  }
};

TEST_F(simControl, ShowDecodesEveryRegisterWithItsUnitAfterACredit) {
  credit(kC1, 1, 5000);
  const std::string shown = run("show bus1/1/1");
  EXPECT_THAT(shown, StartsWith("OK\nmeter bus1/1/1 adf300l-iii at 2026-03-01T00:00:00+08:00\n"));
  EXPECT_THAT(shown, ContainsRegex("\n  purchase_count +1\n"));
  EXPECT_THAT(shown, ContainsRegex("\n  purchase_amount +50.00 yuan\n"));
  EXPECT_THAT(shown, ContainsRegex("\n  purchase_total +50.00 yuan\n"));
  EXPECT_THAT(shown, ContainsRegex("\n  balance +70.00 yuan\n"));
  EXPECT_THAT(shown, ContainsRegex("\n  relay +closed\n"));
  EXPECT_THAT(shown, ContainsRegex("\n  power +1200 W\n"));
  EXPECT_THAT(shown, ContainsRegex("\n  price_flat +0.6000 yuan/kWh\n"));
  EXPECT_THAT(shown, ContainsRegex("\n  serial +300001001001\n"));
  EXPECT_THAT(shown, Not(HasSubstr("password")));

  const std::string json = run("show bus1/1/1 --json");
  ASSERT_THAT(json, StartsWith("OK\n"));
  const auto j = nlohmann::json::parse(json.substr(3));
  EXPECT_EQ(j["registers"]["balance"]["value"], "70.00");
  EXPECT_EQ(j["registers"]["balance"]["raw"], 7000);
  EXPECT_EQ(j["registers"]["balance"]["unit"], "yuan");
  EXPECT_EQ(j["registers"]["purchase_total"]["value"], "50.00");
  EXPECT_EQ(j["registers"]["mode"]["writable"], true);
}

TEST_F(simControl, ShowOfABoxHasItsClockTouTableAndCircuits) {
  const std::string shown = run("show bus1/1");
  EXPECT_THAT(shown, StartsWith("OK\nbox bus1/1 adf300l-iii"));
  EXPECT_THAT(shown, ContainsRegex("\n  clock +2026-03-01T00:00:00\\+08:00\n"));
  EXPECT_THAT(shown, ContainsRegex("\n  tou_schedule +00:00 flat\n"));
  EXPECT_THAT(shown, ContainsRegex("\n  baud +9600 bps\n"));
  EXPECT_THAT(shown, HasSubstr("\n  c1 balance 20.00 relay closed power 1200 W"));
  EXPECT_THAT(shown, HasSubstr("\n  c36 balance 0.00 relay open"));
}

TEST_F(simControl, ShowRefusesWhatIsNotInTheFleet) {
  EXPECT_THAT(run("show bus1/1/37"),
              StartsWith("ERROR box bus1/1 (adf300l-iii) has circuits 1..36"));
  EXPECT_THAT(run("show bus1/2/1"), StartsWith("ERROR no box at address 2 on bus bus1"));
  EXPECT_THAT(run("show bus9/1"), StartsWith("ERROR no bus \"bus9\""));
  EXPECT_THAT(run("show bus1"), StartsWith("ERROR \"bus1\" is not a meter or box"));
  EXPECT_THAT(run("show bus1/1/x"), StartsWith("ERROR \"bus1/1/x\" is not a meter or box"));
  EXPECT_THAT(run("show bus1/1 --yaml"), StartsWith("ERROR show takes"));
}

TEST_F(simControl, SetBalanceIsWhatTheMasterReadsNextAndClosesThePrepaidRelay) {
  std::vector<std::uint16_t> before = read(kC2Balance, 3);
  ASSERT_EQ(before.size(), 3U);
  EXPECT_EQ(before[2], 0);  // relay open: no money
  EXPECT_EQ(run("set bus1/1/2 balance 12.34"), "OK\n");
  const auto after = read(kC2Balance, 3);
  ASSERT_EQ(after.size(), 3U);
  EXPECT_EQ(u32(after, 0), 1234);
  EXPECT_EQ(after[2], 1);  // closed
  EXPECT_EQ(run("set bus1/1/2 balance -3.00"), "OK\n");
  EXPECT_EQ(sim_->circuit("bus1", 1, 2)->balance_fen, -300);
  EXPECT_FALSE(sim_->circuit("bus1", 1, 2)->relay_closed);  // a prepaid trip
}

TEST_F(simControl, SetRefusesBadInputClearlyAndChangesNothing) {
  const auto before = *sim_->circuit("bus1", 1, 1);
  EXPECT_THAT(run("set bus1/1/1 balance 30000000.00"),
              HasSubstr("outside the register's range -21474836.48..21474836.47 yuan"));
  EXPECT_THAT(run("set bus1/1/1 balance 1.234"), HasSubstr("at most 2 decimals"));
  EXPECT_THAT(run("set bus1/1/1 balance lots"), HasSubstr("takes a number in yuan"));
  EXPECT_THAT(run("set bus1/1/1 mode sleepy"), HasSubstr("takes one of forced_off, keep_power"));
  EXPECT_THAT(run("set bus1/1/1 voltage 230"), HasSubstr("measured, not set"));
  EXPECT_THAT(run("set bus1/1/1 purchase_count 9"), HasSubstr("only with a credit or debit"));
  EXPECT_THAT(run("set bus1/1/1 alarm1 1"), HasSubstr("derived by the model"));
  EXPECT_THAT(run("set bus1/1/1 colour red"), HasSubstr("no register or status flag \"colour\""));
  EXPECT_THAT(run("set bus1/1/99 balance 1.00"), HasSubstr("ERROR \"bus1/1/99\" is not a meter"));
  EXPECT_THAT(run("set bus1/7/1 balance 1.00"), HasSubstr("ERROR no meter bus1/7/1"));
  EXPECT_THAT(run("set bus1/1/1 overload_threshold -5"), HasSubstr("outside the register's range"));
  EXPECT_THAT(run("set bus1/1 tou_schedule 08:00=peak,07:00=flat"), HasSubstr("increasing"));
  EXPECT_THAT(run("set bus1/1 address 300"), HasSubstr("the box refused address = 300"));
  EXPECT_THAT(run("set bus1/1/1 balance"), HasSubstr("ERROR set takes METER|BOX NAME VALUE"));
  const auto after = *sim_->circuit("bus1", 1, 1);
  EXPECT_EQ(after.balance_fen, before.balance_fen);
  EXPECT_EQ(after.mode, before.mode);
  EXPECT_EQ(read(0x0002, 1), std::vector<std::uint16_t>{1});  // still at address 1
}

TEST_F(simControl, SettingsGoThroughTheBoxAsAModbusWriteWould) {
  EXPECT_EQ(run("set bus1/1/1 mode forced_off"), "OK\n");
  EXPECT_EQ(read(kC1 + 0x12, 2), (std::vector<std::uint16_t>{0, 2}));  // relay open, forced off
  EXPECT_EQ(run("set bus1/1/1 price_flat 1.2500"), "OK\n");
  EXPECT_EQ(u32(read(0x2000 + 0x0A, 2), 0), 12500);
  EXPECT_EQ(run("set bus1/1 clock 2026-03-01T08:30:00+08:00"), "OK\n");  // a timestamp
  EXPECT_THAT(run("show bus1/1"), ContainsRegex("\n  clock +2026-03-01T08:30:00\\+08:00\n"));
  EXPECT_THAT(run("set bus1/1 clock soon"), HasSubstr("or a timestamp like"));
  EXPECT_EQ(run("set bus1/1 tou_schedule 00:00=valley,08:00=peak"), "OK\n");
  EXPECT_THAT(run("show bus1/1"), ContainsRegex("tou_schedule +00:00 valley, 08:00 peak"));
}

TEST_F(simControl, NotOpenedIsAFlagTheModelLeavesToTheTechnician) {
  ASSERT_EQ(read(kC2Status, 1).size(), 1U);
  EXPECT_EQ(read(kC2Status, 1)[0] & 0x80, 0);
  EXPECT_EQ(run("set bus1/1/2 not_opened 1"), "OK\n");
  EXPECT_EQ(read(kC2Status, 1)[0] & 0x80, 0x80);
  EXPECT_THAT(run("show bus1/1/2"), ContainsRegex("status +0x[0-9A-F]{4} .*not_opened"));
  EXPECT_THAT(run("set bus1/1/2 not_opened maybe"), HasSubstr("takes 1 or 0"));
  EXPECT_EQ(run("set bus1/1/2 not_opened off"), "OK\n");
  EXPECT_EQ(read(kC2Status, 1)[0] & 0x80, 0);
}

TEST_F(simControl, SettingTheEnergyIsAMeterResetOrOneRateCorrected) {
  time_.advance(std::chrono::hours(2));  // 2.4 kWh, all flat
  EXPECT_EQ(run("set bus1/1/1 energy_total 0"), "OK\n");
  EXPECT_EQ(u32(read(kC1, 10), 0), 0);
  EXPECT_EQ(run("set bus1/1/1 energy_peak 1.50"), "OK\n");
  const auto words = read(kC1, 10);  // total, sharp, peak, flat, valley
  EXPECT_EQ(u32(words, 0), 150);
  EXPECT_EQ(u32(words, 4), 150);
  EXPECT_THAT(run("set bus1/1/1 energy_total -1"), HasSubstr("outside the register's range"));
}

TEST_F(simControl, LoadChangesThePowerTheMasterReads) {
  EXPECT_EQ(run("set bus1/1/1 balance 1000.00"), "OK\n");  // never trips here
  EXPECT_EQ(run("load bus1/1/1 constant=2500"), "OK\n");
  EXPECT_EQ(u32(read(kC1 + 0x0C, 2), 0), 2500);
  EXPECT_EQ(run("load bus1/1/1 daily=office peak_w=3000 seed=7"), "OK\n");
  time_.advance(std::chrono::hours(10));  // 10:00 local: office hours
  const auto office = u32(read(kC1 + 0x0C, 2), 0);
  EXPECT_GT(office, 0);
  EXPECT_LE(office, 3000 * 115 / 100);
  EXPECT_THAT(run("load bus1/1/1 constant=20000000"), HasSubstr("out of range"));
  EXPECT_THAT(run("load bus1/1/1 daily=factory peak_w=1"), HasSubstr("no daily curve"));
  EXPECT_THAT(run("load bus1/1/1 daily=office"), HasSubstr("either constant=W or daily"));
  EXPECT_THAT(run("load bus1/1/1 constant=1 daily=shop peak_w=1"), HasSubstr("either"));
  EXPECT_THAT(run("load bus1/1 constant=1"), HasSubstr("is not a meter"));
  EXPECT_THAT(run("load bus1/2/1 constant=1"), HasSubstr("no meter bus1/2/1"));
  EXPECT_EQ(u32(read(kC1 + 0x0C, 2), 0), office);  // the refused loads changed nothing
}

TEST_F(simControl, WatchStreamsACreditAndATripStampedWithSimulatedTime) {
  std::mutex mu;
  std::vector<std::string> lines;
  const auto reply = control(*sim_, "watch bus1/1/2");
  EXPECT_EQ(reply.text, "OK watching bus1/1/2\n");
  ASSERT_TRUE(reply.watch.has_value());
  const auto id = sim_->watch(*reply.watch, [&](const std::string& l) {
    std::lock_guard lock(mu);
    lines.push_back(l);
  });
  credit(kC2, 1, 10);  // 0.10 yuan at 800 W and 0.60 yuan/kWh: about 12.5 minutes
  time_.advance(std::chrono::hours(1));
  sim_->advance_to(time_.now());
  credit(kC1, 1, 100);  // another meter: not in scope
  sim_->advance_to(time_.now());
  sim_->unwatch(id);
  EXPECT_EQ(run("set bus1/1/2 balance 5.00"), "OK\n");  // after unwatch: not seen
  std::lock_guard lock(mu);
  const std::string all = [&] {
    std::string s;
    for (const auto& l : lines)
      s += l + "\n";
    return s;
  }();
  EXPECT_THAT(all, HasSubstr("2026-03-01T00:00:00+08:00 bus1/1/2 credit #1 +0.10 yuan, balance "
                             "0.10 yuan\n"));
  EXPECT_THAT(all, HasSubstr("2026-03-01T00:00:00+08:00 bus1/1/2 relay closed\n"));
  // The trip at its own instant, minutes into the hour, not at the hour the models moved to.
  EXPECT_THAT(all, ContainsRegex("2026-03-01T00:1[0-4]:[0-9]{2}\\+08:00 bus1/1/2 relay open: "
                                 "balance ran out, balance -?0.0[0-9] yuan\n"));
  EXPECT_THAT(all, ContainsRegex("00:1[0-4]:[0-9]{2}\\+08:00 bus1/1/2 balance -?0.0[0-9] yuan: "
                                 "arrears"));
  EXPECT_THAT(all, Not(HasSubstr("bus1/1/1")));
  EXPECT_THAT(all, Not(HasSubstr("balance 5.00")));
}

TEST_F(simControl, WatchOfABoxSeesItsPowerLossAtTheFaultsInstant) {
  std::vector<std::string> lines;
  const auto id = sim_->watch(MeterId{"bus1", 1, 0}, [&](const std::string& l) {
    lines.push_back(l);  // only the test thread moves the models here
  });
  EXPECT_EQ(run("fault power_loss bus1 address=1 start=10m duration=5m"), "OK fault 1\n");
  time_.advance(std::chrono::hours(1));
  sim_->advance_to(time_.now());
  sim_->unwatch(id);
  EXPECT_THAT(lines, ::testing::Contains("2026-03-01T00:10:00+08:00 bus1/1 power lost"));
  EXPECT_THAT(lines, ::testing::Contains("2026-03-01T00:15:00+08:00 bus1/1 power back"));
  EXPECT_THROW((void)sim_->watch(MeterId{"bus1", 9, 0}, [](const std::string&) {}),
               std::invalid_argument);
  EXPECT_THAT(run("watch bus1/1/x"), HasSubstr("ERROR"));
}

TEST_F(simControl, TraceNamesTheRegistersAndMarksCreditsAndSettings) {
  (void)read(kC1, 30);
  credit(kC1, 1, 5000);
  ASSERT_EQ(modbus_write_register(master(), kC1 + 0x13, 1), 1);
  const auto lines = trace_lines();
  const auto has = [&](const std::string& text) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& l) { return l.find(text) != std::string::npos; });
  };
  EXPECT_TRUE(has("read start 0x1000 count 30 [c1.energy_total .. c1.debit_total, 19 registers]"));
  EXPECT_TRUE(has("[credit c1 #1 +50.00 yuan]"));
  EXPECT_TRUE(has("[setting c1.mode=keep_power]"));
}

TEST_F(simControl, TraceFilterKeepsOnlyTheExchangesAskedFor) {
  EXPECT_EQ(run("trace on box=1 exceptions"), "OK trace on box=1 exceptions\n");
  (void)read(kC1, 2);  // fine: filtered out
  std::uint16_t out[1] = {};
  EXPECT_EQ(modbus_read_registers(master(), 0x5000, 1, out), -1);  // exception 02
  auto lines = trace_lines();
  ASSERT_EQ(lines.size(), 2U) << ::testing::PrintToString(lines);
  EXPECT_THAT(lines[0], HasSubstr("<- 01 03 50 00"));
  EXPECT_THAT(lines[1], HasSubstr("exception 02"));
  EXPECT_EQ(run("trace on fc=16"), "OK trace on fc=16\n");
  (void)read(kC1, 2);
  EXPECT_EQ(trace_lines().size(), 2U);
  EXPECT_EQ(run("trace off"), "OK trace off\n");
  credit(kC1, 1, 100);
  EXPECT_EQ(trace_lines().size(), 2U);
  EXPECT_EQ(run("trace"), "OK trace off\n");
  EXPECT_THAT(run("trace on box=0"), HasSubstr("ERROR bad trace filter"));
  EXPECT_THAT(run("trace on bus=bus9"), HasSubstr("ERROR no bus \"bus9\""));
  EXPECT_THAT(run("trace maybe"), HasSubstr("ERROR trace takes"));
}

class FakeClock final : public ClockControl {
 public:
  std::int64_t speed() const override { return speed_; }
  void set_speed(std::int64_t s) override { speed_ = s; }

 private:
  std::int64_t speed_ = 7;
};

TEST_F(simControl, TimeAndSpeedGoThroughTheClock) {
  FakeClock clock;
  EXPECT_EQ(control(*sim_, "time", &clock).text, "OK sim time 2026-03-01T00:00:00+08:00 speed 7\n");
  EXPECT_EQ(control(*sim_, "speed 3600", &clock).text,
            "OK speed 3600 from 2026-03-01T00:00:00+08:00\n");
  EXPECT_EQ(clock.speed(), 3600);
  EXPECT_THAT(control(*sim_, "speed 0", &clock).text, HasSubstr("1..1000000"));
  EXPECT_THAT(control(*sim_, "speed fast", &clock).text, HasSubstr("ERROR"));
  EXPECT_EQ(clock.speed(), 3600);
  EXPECT_EQ(run("time"), "OK sim time 2026-03-01T00:00:00+08:00 speed manual\n");
  EXPECT_THAT(run("speed 10"), HasSubstr("ERROR this simulator's time is not its own"));
}

TEST(simMeterId, ParsesBusesBoxesAndMetersAndRefusesTheRest) {
  const auto m = parse_meter_id("bus1/4/3");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->bus, "bus1");
  EXPECT_EQ(m->address, 4);
  EXPECT_EQ(m->circuit, 3);
  EXPECT_EQ(m->text(), "bus1/4/3");
  EXPECT_EQ(parse_meter_id("bus1/4")->text(), "bus1/4");
  EXPECT_EQ(parse_meter_id("bus1")->text(), "bus1");
  for (const char* bad : {"", "/4", "bus1/0", "bus1/248", "bus1/4/0", "bus1/4/65", "bus1/4x",
                          "bus1/4/3/2", "bus1/+4", "bus1//3"}) {
    EXPECT_FALSE(parse_meter_id(bad)) << bad;
  }
}

}  // namespace
}  // namespace phil::sim
