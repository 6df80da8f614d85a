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

const TimePoint kStart = at("2026-03-01T00:00:00+08:00");
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
  LoadSpec a{LoadSpec::Kind::kDaily, 2500, "residential", 7};
  LoadSpec b = a;
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
  const LoadSpec load{LoadSpec::Kind::kDaily, 2500, "residential", 7};
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
    const LoadSpec load{LoadSpec::Kind::kDaily, 10'000, std::string(name), 1};
    for (int slot = 0; slot < kSlotsPerDay; ++slot) {
      const auto p = load_power_w(load, kStart + Millis(slot * kSlotMs), kChina);
      EXPECT_GE(p, 0);
      EXPECT_LE(p, 11'500) << name << " slot " << slot;
    }
  }
}

}  // namespace
}  // namespace phil::sim
