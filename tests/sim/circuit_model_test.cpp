// The circuit model: exact energy, the rounding rule, trips, credits and modes.
#include <gtest/gtest.h>

#include <phil/sim/circuit_model.hpp>
#include <phil/sim/load.hpp>
#include <phil/sim/money.hpp>

#include "sim_test_support.hpp"

namespace phil::sim {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::at;

// A literal that parses (a typo throws at start-up and fails the run at once).
const TimePoint kStart = at("2026-03-01T00:00:00+08:00");  // NOLINT(cert-err58-cpp)
constexpr minutes kChina{8 * 60};

CircuitSpec constant(std::int64_t watts, std::int64_t balance_fen, Mode mode = Mode::kPrepaid) {
  CircuitSpec s;
  s.load.kind = LoadSpec::Kind::kConstant;
  s.load.power_w = watts;
  s.balance_fen = balance_fen;
  s.mode = mode;
  return s;
}

CircuitSpec daily(const char* curve, std::int64_t peak, std::uint64_t seed,
                  std::int64_t balance_fen) {
  CircuitSpec s;
  s.load.kind = LoadSpec::Kind::kDaily;
  s.load.curve = curve;
  s.load.power_w = peak;
  s.load.seed = seed;
  s.balance_fen = balance_fen;
  return s;
}

void step_by(CircuitModel& c, Millis step, Millis total) {
  const TimePoint end = c.now() + total;
  while (c.now() < end)
    c.advance_to(std::min(c.now() + step, end));
}

TEST(simCircuitModel, OneHourStepEqualsThreeThousandSixHundredOneSecondSteps) {
  CircuitModel one(constant(1777, 1'000'000), kStart, kChina);
  CircuitModel many(constant(1777, 1'000'000), kStart, kChina);
  one.advance_to(kStart + hours(1));
  step_by(many, seconds(1), hours(1));
  EXPECT_EQ(one.energy_wh(), 1777);
  EXPECT_EQ(many.energy_wh(), one.energy_wh());
  EXPECT_EQ(many.balance_fen(), one.balance_fen());
  EXPECT_EQ(one.balance_fen(), 1'000'000 - 1777 * 6000 / 100'000);
}

TEST(simCircuitModel, DailyCurveIntegratesTheSameForAnyStepSize) {
  CircuitModel one(daily("residential", 2500, 7, 1'000'000), kStart, kChina);
  CircuitModel many(daily("residential", 2500, 7, 1'000'000), kStart, kChina);
  one.advance_to(kStart + hours(7));
  step_by(many, seconds(1), hours(7));
  EXPECT_GT(one.energy_wh(), 0);
  EXPECT_EQ(many.energy_wh(), one.energy_wh());
  EXPECT_EQ(many.balance_fen(), one.balance_fen());
}

TEST(simCircuitModel, TripAtZeroHappensAtTheSameInstantForOneSecondAndOneHourSteps) {
  // 1.00 yuan at 0.6000 yuan/kWh lasts ceil(100 fen * 1e5 / 6000) = 1667 Wh; at 1999 W that
  // takes ceil(1667 * 3600000 mJ / 1999 W) = 3002102 ms (one ms less is 101 mJ short).
  const TimePoint expected = kStart + Millis(3'002'102);
  CircuitModel hourly(constant(1999, 100), kStart, kChina);
  CircuitModel secondly(constant(1999, 100), kStart, kChina);
  step_by(hourly, hours(1), hours(2));
  step_by(secondly, seconds(1), hours(2));
  ASSERT_TRUE(hourly.last_trip().has_value());
  ASSERT_TRUE(secondly.last_trip().has_value());
  EXPECT_EQ(*hourly.last_trip(), expected);
  EXPECT_EQ(*secondly.last_trip(), expected);
  EXPECT_FALSE(hourly.relay_closed());
  EXPECT_EQ(hourly.energy_wh(), 1667);
  EXPECT_EQ(secondly.energy_wh(), 1667);
  EXPECT_LE(hourly.balance_fen(), 0);
  EXPECT_EQ(hourly.balance_fen(), secondly.balance_fen());
}

TEST(simCircuitModel, NoConsumptionWhileTheRelayIsOpen) {
  CircuitModel c(constant(2000, 100), kStart, kChina);
  c.advance_to(kStart + hours(1));
  ASSERT_FALSE(c.relay_closed());
  const auto energy = c.energy_wh();
  const auto balance = c.balance_fen();
  c.advance_to(kStart + hours(240));
  EXPECT_EQ(c.energy_wh(), energy);
  EXPECT_EQ(c.balance_fen(), balance);
  EXPECT_EQ(c.power_w(), 0);
}

TEST(simCircuitModel, CreditWithLastPlusOneIsAcceptedAndClosesTheRelay) {
  CircuitSpec spec = constant(1000, 0);
  spec.purchase_count = 5;
  CircuitModel c(spec, kStart, kChina);
  ASSERT_FALSE(c.relay_closed());
  EXPECT_TRUE(c.credit(6, 5000));
  EXPECT_EQ(c.balance_fen(), 5000);
  EXPECT_EQ(c.purchase_count(), 6);
  EXPECT_EQ(c.purchase_total_fen(), 5000);
  EXPECT_EQ(c.last_purchase_fen(), 5000);
  EXPECT_TRUE(c.relay_closed());
}

TEST(simCircuitModel, CreditWithAWrongCountIsRejectedAndChangesNothing) {
  CircuitSpec spec = constant(1000, 0);
  spec.purchase_count = 5;
  CircuitModel c(spec, kStart, kChina);
  for (std::uint16_t wrong : {std::uint16_t{5}, std::uint16_t{7}, std::uint16_t{0}}) {
    EXPECT_FALSE(c.credit(wrong, 5000)) << wrong;
    EXPECT_EQ(c.balance_fen(), 0);
    EXPECT_EQ(c.purchase_count(), 5);
    EXPECT_EQ(c.purchase_total_fen(), 0);
    EXPECT_EQ(c.last_purchase_fen(), 0);
    EXPECT_FALSE(c.relay_closed());
  }
}

TEST(simCircuitModel, DebitWithLastPlusOneTakesMoneyOffOnce) {
  CircuitSpec spec = constant(1000, 5000);
  spec.debit_count = 2;
  CircuitModel c(spec, kStart, kChina);
  ASSERT_TRUE(c.relay_closed());
  EXPECT_EQ(c.debit(3, 1200), CircuitModel::DebitResult::kApplied);
  EXPECT_EQ(c.balance_fen(), 3800);
  EXPECT_EQ(c.debit_count(), 3);
  EXPECT_EQ(c.last_debit_fen(), 1200);
  EXPECT_EQ(c.debit_total_fen(), 1200);
  EXPECT_EQ(c.debit(3, 1200), CircuitModel::DebitResult::kWrongCount);  // a retry
  EXPECT_EQ(c.balance_fen(), 3800);
  EXPECT_EQ(c.purchase_count(), 0);  // a sequence of its own
  EXPECT_TRUE(c.relay_closed());
}

TEST(simCircuitModel, DebitLargerThanTheBalanceIsRefusedAndChangesNothing) {
  CircuitModel c(constant(1000, 5000), kStart, kChina);
  EXPECT_EQ(c.debit(1, 5001), CircuitModel::DebitResult::kMoreThanBalance);
  EXPECT_EQ(c.debit(1, -1), CircuitModel::DebitResult::kWrongCount);
  EXPECT_EQ(c.balance_fen(), 5000);
  EXPECT_EQ(c.debit_count(), 0);
  EXPECT_EQ(c.debit_total_fen(), 0);
}

TEST(simCircuitModel, DebitOfTheWholeBalanceTripsAPrepaidMeter) {
  CircuitModel c(constant(1000, 5000), kStart, kChina);
  ASSERT_TRUE(c.relay_closed());
  EXPECT_EQ(c.debit(1, 5000), CircuitModel::DebitResult::kApplied);
  EXPECT_EQ(c.balance_fen(), 0);
  EXPECT_FALSE(c.relay_closed());
  EXPECT_EQ(c.last_trip(), kStart);
}

TEST(simCircuitModel, PurchaseCountWrapsFrom65535ToZero) {
  CircuitSpec spec = constant(0, 0);
  spec.purchase_count = 65535;
  CircuitModel c(spec, kStart, kChina);
  EXPECT_TRUE(c.credit(0, 100));
  EXPECT_EQ(c.purchase_count(), 0);
}

TEST(simCircuitModel, CreditThatLeavesArrearsKeepsTheRelayOpen) {
  CircuitModel c(constant(1000, -500), kStart, kChina);
  EXPECT_TRUE(c.credit(1, 300));
  EXPECT_EQ(c.balance_fen(), -200);
  EXPECT_FALSE(c.relay_closed());
}

TEST(simCircuitModel, KeepPowerNeverTripsAndRunsIntoArrears) {
  CircuitModel c(constant(2000, 10, Mode::kKeepPower), kStart, kChina);
  c.advance_to(kStart + hours(10));
  EXPECT_TRUE(c.relay_closed());
  EXPECT_FALSE(c.last_trip().has_value());
  EXPECT_EQ(c.energy_wh(), 20'000);
  EXPECT_EQ(c.balance_fen(), 10 - 20'000 * 6000 / 100'000);
  EXPECT_TRUE(c.status().arrears);
  EXPECT_TRUE(c.status().keep_power);
}

TEST(simCircuitModel, ForcedOffNeverClosesEvenAfterACredit) {
  CircuitModel c(constant(2000, 10'000, Mode::kForcedOff), kStart, kChina);
  EXPECT_FALSE(c.relay_closed());
  EXPECT_TRUE(c.credit(1, 10'000));
  c.advance_to(kStart + hours(10));
  EXPECT_FALSE(c.relay_closed());
  EXPECT_EQ(c.energy_wh(), 0);
  EXPECT_EQ(c.balance_fen(), 20'000);
  EXPECT_TRUE(c.status().forced_off);
}

TEST(simCircuitModel, RestoringPrepaidWithNoBalanceTripsAtOnce) {
  CircuitModel c(constant(2000, 10, Mode::kKeepPower), kStart, kChina);
  c.advance_to(kStart + hours(1));
  c.set_mode(Mode::kPrepaid);
  EXPECT_FALSE(c.relay_closed());
  EXPECT_EQ(c.last_trip(), kStart + hours(1));
}

TEST(simCircuitModel, StatusFlagsFollowTheBalanceThresholds) {
  CircuitModel c(constant(0, 3000), kStart, kChina);  // alarm1 20.00, alarm2 5.00
  EXPECT_FALSE(c.status().alarm1);
  c.set_alarm1_fen(3000);
  EXPECT_TRUE(c.status().alarm1);
  EXPECT_FALSE(c.status().alarm2);
  EXPECT_FALSE(c.status().arrears);
  c.set_alarm2_fen(3000);
  EXPECT_TRUE(c.status().alarm2);
}

TEST(simCircuitModel, OverloadFlagWhenPowerExceedsTheThreshold) {
  CircuitModel c(constant(2000, 3000), kStart, kChina);
  EXPECT_FALSE(c.status().overload);  // 0 = disabled
  c.set_overload_w(1999);
  EXPECT_TRUE(c.status().overload);
  c.set_overload_w(2000);
  EXPECT_FALSE(c.status().overload);
}

TEST(simCircuitModel, FlatPriceIsWhatTheMeterCharges) {
  CircuitModel c(constant(1000, 100'000), kStart, kChina);
  c.set_price(Rate::kPeak, 99'999);
  c.set_price(Rate::kFlat, 10'000);  // 1.0000 yuan/kWh
  c.advance_to(kStart + hours(1));
  EXPECT_EQ(c.balance_fen(), 100'000 - 100);
  EXPECT_EQ(c.energy_wh(Rate::kFlat), 1000);
  EXPECT_EQ(c.energy_wh(Rate::kPeak), 0);
}

TEST(simMoney, ManySmallChargesSumExactlyToTheChargeOfTheirTotalEnergy) {
  for (const std::int64_t price : {1, 6000, 6123, 99'999, 123'457}) {
    ChargeAccumulator split;
    std::int64_t fen = 0;
    std::int64_t total_wh = 0;
    for (std::int64_t i = 0; i < 5000; ++i) {
      const std::int64_t wh = i % 7;  // uneven pieces, zeros included
      fen += split.charge(price, wh);
      total_wh += wh;
    }
    ChargeAccumulator whole;
    EXPECT_EQ(fen, whole.charge(price, total_wh)) << price;
    EXPECT_EQ(fen, price * total_wh / kSubFenPerFen) << price;
    EXPECT_EQ(split.remainder(), whole.remainder()) << price;
  }
}

TEST(simMoney, EnergyIntegratorCarriesMilliJoulesToTheNextWattHour) {
  EnergyIntegrator e;
  EXPECT_EQ(e.add(1, 3'599'999), 0);
  EXPECT_EQ(e.add(1, 1), 1);
  EXPECT_EQ(e.remainder_mj(), 0);
  EXPECT_EQ(e.add(3600, 2500), 2);  // 9e6 mJ = 2.5 Wh
  EXPECT_EQ(e.remainder_mj(), 1'800'000);
}

TEST(simLoad, DailyCurveIsDeterministicBySeed) {
  const LoadSpec a = daily("residential", 2500, 7, 0).load;
  const LoadSpec b = daily("residential", 2500, 7, 0).load;  // made again, not copied
  LoadSpec other = a;
  other.seed = 8;
  int differing = 0;
  for (int slot = 0; slot < kSlotsPerDay; ++slot) {
    const TimePoint t = kStart + Millis(slot * kSlotMs);
    EXPECT_EQ(load_power_w(a, t, kChina), load_power_w(b, t, kChina));
    if (load_power_w(a, t, kChina) != load_power_w(other, t, kChina)) ++differing;
  }
  EXPECT_GT(differing, kSlotsPerDay / 2);
}

TEST(simLoad, DailyCurveRunsInLocalTime) {
  const LoadSpec load = daily("residential", 2500, 7, 0).load;
  // The same local instant seen from two sites: 20:00 local at +08:00 and at UTC.
  const TimePoint eight_pm_china = at("2026-03-01T20:00:00+08:00");
  const TimePoint eight_pm_utc = at("2026-03-01T20:00:00Z");
  EXPECT_EQ(load_power_w(load, eight_pm_china, kChina),
            load_power_w(load, eight_pm_utc, minutes(0)));
  // The evening peak is in the local evening, not the UTC one.
  EXPECT_GT(load_power_w(load, eight_pm_china, kChina),
            2 * load_power_w(load, at("2026-03-01T03:00:00+08:00"), kChina));
  EXPECT_EQ(next_load_change(load, at("2026-03-01T20:07:00+05:45"), minutes(5 * 60 + 45)),
            at("2026-03-01T20:15:00+05:45"));
}

TEST(simLoad, DailyCurvesStayWithinJitterOfThePeak) {
  for (auto name : daily_curve_names()) {
    const LoadSpec load = daily(std::string(name).c_str(), 10'000, 1, 0).load;
    for (int slot = 0; slot < kSlotsPerDay; ++slot) {
      const auto p = load_power_w(load, kStart + Millis(slot * kSlotMs), kChina);
      EXPECT_GE(p, 0);
      EXPECT_LE(p, 11'500) << name << " slot " << slot;
    }
  }
}

TouSchedule valley_night() {
  // 23:00-07:00 valley (across midnight), 07:00 flat, 10:00 peak, 18:00 sharp, 21:00 flat.
  TouSchedule t;
  t.count = 5;
  t.periods[0] = {7 * 60, Rate::kFlat};
  t.periods[1] = {10 * 60, Rate::kPeak};
  t.periods[2] = {18 * 60, Rate::kSharp};
  t.periods[3] = {21 * 60, Rate::kFlat};
  t.periods[4] = {23 * 60, Rate::kValley};
  return t;
}

CircuitSpec tou_priced(std::int64_t watts) {
  CircuitSpec s = constant(watts, 10'000'000);
  s.prices = {12'000, 9'000, 6'000, 3'000};
  return s;
}

TEST(simTou, RateBeforeTheFirstStartIsTheLastPeriodOfThePreviousDay) {
  const TouSchedule t = valley_night();
  EXPECT_EQ(t.rate_at(0), Rate::kValley);
  EXPECT_EQ(t.rate_at(7 * 60 - 1), Rate::kValley);
  EXPECT_EQ(t.rate_at(7 * 60), Rate::kFlat);
  EXPECT_EQ(t.rate_at(23 * 60 + 59), Rate::kValley);
}

TEST(simTou, EnergySplitsAtPeriodEdgesAndAcrossMidnightForAnyStep) {
  // 22:30 to 07:30 next day at 1000 W: 30 min flat, 8 h valley, 30 min flat.
  const TimePoint from = at("2026-03-01T22:30:00+08:00");
  CircuitModel one(tou_priced(1000), from, kChina);
  CircuitModel many(tou_priced(1000), from, kChina);
  one.set_tou(valley_night());
  many.set_tou(valley_night());
  one.advance_to(from + hours(9));
  step_by(many, seconds(7), hours(9));
  EXPECT_EQ(one.energy_wh(Rate::kFlat), 1000);
  EXPECT_EQ(one.energy_wh(Rate::kValley), 8000);
  EXPECT_EQ(one.energy_wh(Rate::kPeak) + one.energy_wh(Rate::kSharp), 0);
  EXPECT_EQ(one.energy_wh(), 9000);
  for (auto r : {Rate::kSharp, Rate::kPeak, Rate::kFlat, Rate::kValley})
    EXPECT_EQ(many.energy_wh(r), one.energy_wh(r));
  // 1 kWh x 0.60 + 8 kWh x 0.30 = 3.00 yuan
  EXPECT_EQ(one.balance_fen(), 10'000'000 - 300);
  EXPECT_EQ(many.balance_fen(), one.balance_fen());
}

TEST(simTou, AWattHourCompletingAfterAnEdgeCountsInTheNewRate) {
  // 1 W from 06:59:00: the first whole Wh completes at 07:59:00, in the flat period.
  const TimePoint from = at("2026-03-01T06:59:00+08:00");
  CircuitModel c(tou_priced(1), from, kChina);
  c.set_tou(valley_night());
  c.advance_to(from + hours(1));
  EXPECT_EQ(c.energy_wh(Rate::kFlat), 1);
  EXPECT_EQ(c.energy_wh(Rate::kValley), 0);
}

TEST(simTou, TripAtZeroUsesThePriceOfTheRateInForce) {
  // 0.60 yuan at 1000 W: flat (0.60/kWh) lasts 1 h; sharp (1.20/kWh) would last 30 min.
  CircuitSpec s = tou_priced(1000);
  s.balance_fen = 60;
  CircuitModel flat(s, at("2026-03-01T07:00:00+08:00"), kChina);
  CircuitModel sharp(s, at("2026-03-01T18:00:00+08:00"), kChina);
  flat.set_tou(valley_night());
  sharp.set_tou(valley_night());
  flat.advance_to(flat.now() + hours(2));
  sharp.advance_to(sharp.now() + hours(2));
  EXPECT_EQ(flat.last_trip(), at("2026-03-01T08:00:00+08:00"));
  EXPECT_EQ(sharp.last_trip(), at("2026-03-01T18:30:00+08:00"));
}

TEST(simOverload, TripsAfterTheDelayAtTheSameInstantForAnyStep) {
  CircuitSpec s = constant(3000, 1'000'000);
  s.overload_w = 2500;
  s.overload_delay = seconds(30);
  CircuitModel one(s, kStart, kChina);
  CircuitModel many(s, kStart, kChina);
  one.advance_to(kStart + minutes(5));
  step_by(many, Millis(700), minutes(5));
  EXPECT_FALSE(one.relay_closed());
  EXPECT_TRUE(one.overload_tripped());
  EXPECT_TRUE(one.status().overload);
  EXPECT_EQ(one.last_overload_trip(), kStart + seconds(30));
  EXPECT_EQ(many.last_overload_trip(), one.last_overload_trip());
  EXPECT_EQ(one.energy_wh(), 25);  // 3000 W x 30 s
  EXPECT_EQ(many.energy_wh(), one.energy_wh());
}

TEST(simOverload, ABriefExcessDoesNotTripAndAModeCommandRecloses) {
  CircuitSpec s = constant(2000, 1'000'000);
  s.overload_w = 2500;
  s.overload_delay = seconds(30);
  CircuitModel c(s, kStart, kChina);
  LoadSpec high = s.load;
  high.power_w = 3000;
  c.set_load(high);
  c.advance_to(kStart + seconds(20));
  c.set_load(s.load);  // back under the threshold before the delay runs out
  c.advance_to(kStart + minutes(2));
  EXPECT_TRUE(c.relay_closed());
  c.set_load(high);
  c.advance_to(kStart + minutes(3));
  EXPECT_FALSE(c.relay_closed());
  EXPECT_EQ(c.last_overload_trip(), kStart + minutes(2) + seconds(30));
  ASSERT_TRUE(c.credit(1, 100));  // a credit does not override the overload trip
  EXPECT_FALSE(c.relay_closed());
  c.set_mode(Mode::kPrepaid);  // restore prepaid: the close command
  EXPECT_TRUE(c.relay_closed());
  EXPECT_FALSE(c.overload_tripped());
}

TEST(simOverload, KeepPowerStillTripsOnOverloadButForcedOffNeverCloses) {
  CircuitSpec s = constant(3000, 1'000'000, Mode::kKeepPower);
  s.overload_w = 2500;
  s.overload_delay = seconds(0);
  CircuitModel c(s, kStart, kChina);
  c.advance_to(kStart + seconds(1));
  EXPECT_FALSE(c.relay_closed());
  c.set_mode(Mode::kForcedOff);
  EXPECT_FALSE(c.relay_closed());
  c.set_mode(Mode::kKeepPower);
  EXPECT_TRUE(c.relay_closed());
}

TEST(simCircuitModel, PowerLossStopsConsumptionAndKeepsTheRelay) {
  CircuitModel c(constant(1000, 1'000'000), kStart, kChina);
  c.set_powered(false);
  c.advance_to(kStart + hours(1));
  EXPECT_EQ(c.energy_wh(), 0);
  EXPECT_EQ(c.power_w(), 0);
  EXPECT_TRUE(c.relay_closed());
  EXPECT_TRUE(c.status().power_loss);
  c.set_powered(true);
  c.advance_to(kStart + hours(2));
  EXPECT_EQ(c.energy_wh(), 1000);
}

TEST(simCircuitModel, WithoutARelayTheCircuitMetersWhateverItsModeMoneyOrOverload) {
  // An energy meter: the settings that would trip a prepaid circuit at once change nothing.
  CircuitSpec spec = constant(2000, 0);
  spec.has_relay = false;
  spec.overload_w = 1000;
  spec.overload_delay = Millis(1000);
  CircuitModel c(spec, kStart, kChina);
  c.advance_to(kStart + hours(5));
  EXPECT_TRUE(c.relay_closed());
  EXPECT_EQ(c.energy_wh(), 10'000);
  EXPECT_EQ(c.balance_fen(), 0);  // nothing charged
  EXPECT_FALSE(c.last_trip().has_value());
  EXPECT_FALSE(c.overload_tripped());
  c.set_mode(Mode::kForcedOff);
  c.advance_to(kStart + hours(6));
  EXPECT_EQ(c.energy_wh(), 12'000);
  EXPECT_FALSE(c.credit(1, 500));
  EXPECT_EQ(c.debit(1, 0), CircuitModel::DebitResult::kWrongCount);
  const StatusFlags s = c.status();
  EXPECT_FALSE(s.arrears || s.alarm1 || s.alarm2 || s.overload || s.forced_off || s.power_loss);
  c.set_powered(false);  // only a power loss stops it
  c.advance_to(kStart + hours(7));
  EXPECT_EQ(c.energy_wh(), 12'000);
  EXPECT_TRUE(c.status().power_loss);
}

TEST(simLoad, SeriesIsAStepFunctionOfItsPoints) {
  LoadSpec l;
  l.kind = LoadSpec::Kind::kSeries;
  l.series = std::make_shared<PowerSeries>(
      PowerSeries{{kStart + hours(1), 500}, {kStart + hours(2), 1500}});
  EXPECT_EQ(load_power_w(l, kStart, kChina), 0);
  EXPECT_EQ(load_power_w(l, kStart + hours(1), kChina), 500);
  EXPECT_EQ(load_power_w(l, kStart + hours(3), kChina), 1500);
  EXPECT_EQ(next_load_change(l, kStart + minutes(61), kChina), kStart + hours(2));
  CircuitSpec s = constant(0, 1'000'000);
  s.load = l;
  CircuitModel c(s, kStart, kChina);
  c.advance_to(kStart + hours(3));
  EXPECT_EQ(c.energy_wh(), 2000);
}

TEST(simLoad, RandomWalkIsDeterministicBoundedAndStepIndependent) {
  CircuitSpec s = constant(0, 100'000'000);
  s.load.kind = LoadSpec::Kind::kWalk;
  s.load.power_w = 1000;
  s.load.walk_min_w = 200;
  s.load.walk_max_w = 1500;
  s.load.walk_step_w = 100;
  s.load.walk_interval = minutes(1);
  s.load.seed = 42;
  CircuitModel one(s, kStart, kChina);
  CircuitModel many(s, kStart, kChina);
  one.advance_to(kStart + hours(6));
  step_by(many, seconds(13), hours(6));
  EXPECT_EQ(one.energy_wh(), many.energy_wh());
  EXPECT_EQ(one.power_w(), many.power_w());
  EXPECT_GE(one.power_w(), 200);
  EXPECT_LE(one.power_w(), 1500);
  EXPECT_GE(one.energy_wh(), 6 * 200);
  EXPECT_LE(one.energy_wh(), 6 * 1500);
  s.load.seed = 43;
  CircuitModel other(s, kStart, kChina);
  other.advance_to(kStart + hours(6));
  EXPECT_NE(other.energy_wh(), one.energy_wh());
}

}  // namespace
}  // namespace phil::sim
