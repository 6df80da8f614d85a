// plan_tariff_charge: the energy-delta rules of plan_charge (baseline, replaced meter) with the
// interval priced by a tariff schedule and the meter's tier position carried.
#include <gtest/gtest.h>

#include <phil/domain/billing.hpp>

namespace phil::domain {
namespace {

constexpr TimePoint kT0{Millis(1'772'294'400'000)};  // 2026-03-01T00:00+08:00

TariffSchedule tiered() {
  Tariff t = Tariff::single(5000);
  t.tier_period = TierPeriod::kMonthly;
  t.tiers = {{0, 0}, {1000, 5000}};
  return TariffSchedule{{{kT0, t}}};
}

TEST(BillingPlan, FirstReadingIsTheBaselineAndLeavesTheTierPositionAlone) {
  const TierState tier{kT0, 300};
  const auto p = plan_tariff_charge(tiered(), {std::nullopt, 5000, 7, tier, kT0, kT0 + Millis(1)});
  EXPECT_EQ(p.plan.event, EnergyEvent::kBaseline);
  EXPECT_EQ(p.plan.fen, 0);
  EXPECT_EQ(p.plan.carry, 7);
  EXPECT_EQ(p.plan.billed_energy_wh, 5000);
  EXPECT_EQ(p.tier, tier);
}

TEST(BillingPlan, EnergyGoingBackIsAReplacedMeterAndNothingIsCharged) {
  const TierState tier{kT0, 300};
  const auto p = plan_tariff_charge(tiered(), {9000, 100, 0, tier, kT0, kT0 + Millis(1)});
  EXPECT_EQ(p.plan.event, EnergyEvent::kMeterReplaced);
  EXPECT_EQ(p.plan.energy_wh, 0);
  EXPECT_EQ(p.plan.billed_energy_wh, 100);
  EXPECT_EQ(p.tier, tier);
}

TEST(BillingPlan, DeltaIsChargedOverTheIntervalAcrossATierStep) {
  // 500 Wh at 0.5 up to the step at 1 kWh, 500 Wh at 1.0 beyond: 25 + 50 fen.
  const auto p = plan_tariff_charge(tiered(), {1000, 2000, 0, TierState{kT0, 500},
                                               kT0 + Millis(3'600'000), kT0 + Millis(7'200'000)});
  EXPECT_EQ(p.plan.event, EnergyEvent::kNone);
  EXPECT_EQ(p.plan.energy_wh, 1000);
  EXPECT_EQ(p.plan.fen, 75);
  EXPECT_EQ(p.tier, (TierState{kT0, 1500}));
}

TEST(BillingPlan, ClockSetBackChargesAtTheInstantOfTheNewReading) {
  const auto p = plan_tariff_charge(
      tiered(), {1000, 1200, 0, TierState{}, kT0 + Millis(7'200'000), kT0 + Millis(3'600'000)});
  EXPECT_EQ(p.plan.energy_wh, 200);
  EXPECT_EQ(p.plan.fen, 10);
}

}  // namespace
}  // namespace phil::domain
