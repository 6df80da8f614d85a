// Tariffs and the charge of a reading interval: every form (single, TOU, tiered monthly and
// yearly, TOU with tiers, a tariff history) and every split (period edge, midnight, tier step,
// tier reset, tariff change).
#include <numeric>
#include <random>

#include <gtest/gtest.h>

#include <phil/domain/money.hpp>
#include <phil/domain/tariff.hpp>

#include "support/tariff_fixtures.hpp"

namespace phil::domain {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

using test::local;
using test::tou;

Tariff tiered_monthly(Tariff t, int reset_day) {
  t.tier_period = TierPeriod::kMonthly;
  t.reset_day = reset_day;
  t.tiers = {{0, 0}, {2000, 500}, {4000, 3000}};  // +0.05 from 2 kWh, +0.30 from 4 kWh
  return t;
}

TariffSchedule schedule(Tariff t) {
  return TariffSchedule{{{TimePoint{}, std::move(t)}}, minutes(480)};
}

std::int64_t energy_of(const IntervalCharge& c) {
  return std::accumulate(c.pieces.begin(), c.pieces.end(), std::int64_t{0},
                         [](std::int64_t s, const ChargePiece& p) { return s + p.energy_wh; });
}

TEST(TariffSingle, OneKilowattHourAtSixtyFenIsOnePieceOfSixtyFen) {
  const auto c = charge_interval(schedule(Tariff::single(6000)), local(2026, 3, 1, 10),
                                 local(2026, 3, 1, 10, 30), 1000, 0, {});
  EXPECT_EQ(c.fen, 60);
  EXPECT_EQ(c.carry, 0);
  ASSERT_FALSE(c.pieces.empty());
  EXPECT_EQ(energy_of(c), 1000);
}

TEST(TariffSingle, AnyCutOfAnIntervalSumsExactlyToTheUncutCharge) {
  const auto s = schedule(Tariff::single(5873));
  const auto t0 = local(2026, 3, 1, 23, 10);
  const auto t1 = local(2026, 3, 2, 1, 40);  // spans midnight: cut there too
  const auto whole = charge_interval(s, t0, t1, 12'345, 777, {});
  std::mt19937 rng(42);
  for (int round = 0; round < 50; ++round) {
    // Random cut instants; energy per part as a meter would read it at those instants.
    std::vector<std::int64_t> cuts{0, (t1 - t0).count()};
    for (int k = 0; k < 4; ++k)
      cuts.push_back(std::uniform_int_distribution<std::int64_t>(0, (t1 - t0).count())(rng));
    std::sort(cuts.begin(), cuts.end());
    std::int64_t fen = 0;
    std::int64_t carry = 777;
    std::int64_t read_before = 0;
    for (std::size_t i = 1; i < cuts.size(); ++i) {
      const std::int64_t read = 12'345 * cuts[i] / cuts.back();
      const auto part = charge_interval(s, t0 + Millis(cuts[i - 1]), t0 + Millis(cuts[i]),
                                        read - read_before, carry, {});
      fen += part.fen;
      carry = part.carry;
      read_before = read;
    }
    EXPECT_EQ(fen, whole.fen);
    EXPECT_EQ(carry, whole.carry);
  }
}

TEST(TariffTou, IntervalInsideOnePeriodIsChargedAtThatRate) {
  const auto c =
      charge_interval(schedule(tou()), local(2026, 3, 1, 9), local(2026, 3, 1, 9, 30), 1000, 0, {});
  ASSERT_EQ(c.pieces.size(), 1U);
  EXPECT_EQ(c.pieces[0].rate, TouRate::kPeak);
  EXPECT_EQ(c.fen, 90);
}

TEST(TariffTou, PeriodIsChosenInLocalTimeNotUtc) {
  // 01:00 UTC is 09:00 at +08:00: peak, not valley.
  const auto t0 = TimePoint(std::chrono::sys_days{std::chrono::year{2026} / 3 / 1}) + hours(1);
  const auto c = charge_interval(schedule(tou()), t0, t0 + minutes(30), 1000, 0, {});
  EXPECT_EQ(c.pieces.at(0).rate, TouRate::kPeak);
}

TEST(TariffTou, IntervalAcrossAPeriodEdgeIsSplitInProportionToTime) {
  const auto c = charge_interval(schedule(tou()), local(2026, 3, 1, 7, 30),
                                 local(2026, 3, 1, 8, 30), 1000, 0, {});
  ASSERT_EQ(c.pieces.size(), 2U);
  EXPECT_EQ(c.pieces[0].rate, TouRate::kValley);
  EXPECT_EQ(c.pieces[0].energy_wh, 500);
  EXPECT_EQ(c.pieces[0].to, local(2026, 3, 1, 8));
  EXPECT_EQ(c.pieces[1].rate, TouRate::kPeak);
  EXPECT_EQ(c.pieces[1].energy_wh, 500);
  EXPECT_EQ(c.fen, 15 + 45);  // 0.5 kWh x 0.30 + 0.5 kWh x 0.90
}

TEST(TariffTou, IntervalAcrossMidnightAndSeveralPeriodsKeepsEveryWattHour) {
  Tariff t = tou();
  t.periods = {{0, TouRate::kValley}, {8 * 60, TouRate::kPeak}, {22 * 60, TouRate::kFlat}};
  const auto c =
      charge_interval(schedule(t), local(2026, 3, 1, 21), local(2026, 3, 2, 9), 12'001, 0, {});
  // 21-22 peak (1 h), 22-24 flat (2 h), 00-08 valley (8 h), 08-09 peak (1 h).
  ASSERT_EQ(c.pieces.size(), 4U);
  EXPECT_EQ(c.pieces[0].rate, TouRate::kPeak);
  EXPECT_EQ(c.pieces[1].rate, TouRate::kFlat);
  EXPECT_EQ(c.pieces[2].rate, TouRate::kValley);
  EXPECT_EQ(c.pieces[2].from, local(2026, 3, 2, 0));
  EXPECT_EQ(c.pieces[3].rate, TouRate::kPeak);
  EXPECT_EQ(energy_of(c), 12'001);
  EXPECT_EQ(c.pieces[1].energy_wh, 2000);
}

TEST(TariffTou, CuttingAtThePriceEdgesGivesTheSameChargeAsOneInterval) {
  const auto s = schedule(tou());
  const auto whole =
      charge_interval(s, local(2026, 3, 1, 7), local(2026, 3, 1, 9), 2000, 12'345, {});
  const auto a = charge_interval(s, local(2026, 3, 1, 7), local(2026, 3, 1, 8), 1000, 12'345, {});
  const auto b = charge_interval(s, local(2026, 3, 1, 8), local(2026, 3, 1, 9), 1000, a.carry, {});
  EXPECT_EQ(a.fen + b.fen, whole.fen);
  EXPECT_EQ(b.carry, whole.carry);
}

TEST(TariffTiers, APieceCrossingATierStepIsCutAtTheStep) {
  const auto s = schedule(tiered_monthly(Tariff::single(6000), 1));
  const TierState before{local(2026, 3, 1, 0), 1500};
  const auto c =
      charge_interval(s, local(2026, 3, 10, 10), local(2026, 3, 10, 10, 30), 1000, 0, before);
  ASSERT_EQ(c.pieces.size(), 2U);
  EXPECT_EQ(c.pieces[0].tier, 0U);
  EXPECT_EQ(c.pieces[0].energy_wh, 500);
  EXPECT_EQ(c.pieces[1].tier, 1U);
  EXPECT_EQ(c.pieces[1].price, 6500);
  EXPECT_EQ(c.fen, 30 + 32);  // 0.5 kWh x 0.60 + 0.5 kWh x 0.65 = 0.3250: 32 fen, 50000 carried
  EXPECT_EQ(c.carry, 50'000);
  EXPECT_EQ(c.tier.used_wh, 2500);
}

TEST(TariffTiers, OneIntervalCanClimbSeveralSteps) {
  const auto s = schedule(tiered_monthly(Tariff::single(6000), 1));
  const auto c = charge_interval(s, local(2026, 3, 2, 0), local(2026, 3, 2, 1), 5000, 0,
                                 TierState{local(2026, 3, 1, 0), 0});
  ASSERT_EQ(c.pieces.size(), 3U);
  EXPECT_EQ(c.pieces[0].energy_wh, 2000);
  EXPECT_EQ(c.pieces[1].energy_wh, 2000);
  EXPECT_EQ(c.pieces[2].energy_wh, 1000);
  EXPECT_EQ(c.pieces[2].price, 9000);
  EXPECT_EQ(c.fen, 120 + 130 + 90);
}

TEST(TariffTiers, MonthlyResetOnItsDayStartsTheNextPeriodAtTierOne) {
  const auto s = schedule(tiered_monthly(Tariff::single(6000), 15));
  // Deep in tier 3 of the period that began on 15 Feb; the interval crosses 15 Mar 00:00 local.
  const TierState before{local(2026, 2, 15, 0), 9000};
  const auto c = charge_interval(s, local(2026, 3, 14, 23), local(2026, 3, 15, 1), 2000, 0, before);
  ASSERT_EQ(c.pieces.size(), 2U);
  EXPECT_EQ(c.pieces[0].tier, 2U);
  EXPECT_EQ(c.pieces[0].energy_wh, 1000);
  EXPECT_EQ(c.pieces[1].tier, 0U);
  EXPECT_EQ(c.pieces[1].from, local(2026, 3, 15, 0));
  EXPECT_EQ(c.tier, (TierState{local(2026, 3, 15, 0), 1000}));
  EXPECT_EQ(c.fen, 90 + 60);
}

TEST(TariffTiers, PeriodStartFollowsTheResetDayAcrossYearEnd) {
  Tariff m = tiered_monthly(Tariff::single(6000), 20);
  EXPECT_EQ(tier_period_start(m, minutes(480), local(2026, 1, 5, 12)), local(2025, 12, 20, 0));
  EXPECT_EQ(tier_period_start(m, minutes(480), local(2026, 1, 20, 0)), local(2026, 1, 20, 0));
  Tariff y = m;
  y.tier_period = TierPeriod::kYearly;
  y.reset_month = 7;
  y.reset_day = 1;
  EXPECT_EQ(tier_period_start(y, minutes(480), local(2026, 3, 1, 0)), local(2025, 7, 1, 0));
  EXPECT_EQ(tier_period_start(y, minutes(480), local(2026, 7, 1, 0)), local(2026, 7, 1, 0));
  EXPECT_FALSE(tier_period_start(Tariff::single(1), minutes(480), local(2026, 7, 1, 0)));
}

TEST(TariffTiers, YearlyTiersKeepAccumulatingAcrossMonths) {
  Tariff t = tiered_monthly(Tariff::single(6000), 1);
  t.tier_period = TierPeriod::kYearly;
  t.reset_month = 1;
  const auto s = schedule(t);
  auto c = charge_interval(s, local(2026, 1, 31, 23), local(2026, 2, 1, 1), 3000, 0, {});
  EXPECT_EQ(c.tier, (TierState{local(2026, 1, 1, 0), 3000}));  // no reset on 1 Feb
  c = charge_interval(s, local(2026, 12, 31, 23), local(2027, 1, 1, 1), 2000, 0, c.tier);
  EXPECT_EQ(c.pieces.front().tier, 1U);
  EXPECT_EQ(c.tier, (TierState{local(2027, 1, 1, 0), 1000}));
}

TEST(TariffTouAndTiers, PriceIsTheTouRatePlusTheTierSurcharge) {
  const auto s = schedule(tiered_monthly(tou(), 1));
  const auto c = charge_interval(s, local(2026, 3, 5, 7, 30), local(2026, 3, 5, 8, 30), 2000, 0,
                                 TierState{local(2026, 3, 1, 0), 1500});
  // 07:30-08:00 valley 1000 Wh: 500 in tier 1 at 0.30, 500 in tier 2 at 0.35;
  // 08:00-08:30 peak 1000 Wh in tier 2 at 0.95.
  ASSERT_EQ(c.pieces.size(), 3U);
  EXPECT_EQ(c.pieces[0].price, 3000);
  EXPECT_EQ(c.pieces[1].price, 3500);
  EXPECT_EQ(c.pieces[2].price, 9500);
  EXPECT_EQ(c.fen, 15 + 17 + 95);  // 0.15 + 0.175 (17 fen, 50000 carried) + 0.95
  EXPECT_EQ(c.carry, 50'000);
}

TEST(TariffSchedule, ATariffChangeInsideAnIntervalSplitsItAtTheChange) {
  TariffSchedule s{{{TimePoint{}, Tariff::single(6000)},
                    {local(2026, 4, 1, 0) + minutes(15), Tariff::single(8000)}},
                   minutes(480)};
  const auto c = charge_interval(s, local(2026, 4, 1, 0), local(2026, 4, 1, 0, 30), 1000, 0, {});
  ASSERT_EQ(c.pieces.size(), 2U);
  EXPECT_EQ(c.pieces[0].price, 6000);
  EXPECT_EQ(c.pieces[1].price, 8000);
  EXPECT_EQ(c.fen, 30 + 40);
  EXPECT_EQ(&s.at(local(2026, 3, 1, 0)), &s.versions[0].tariff);
}

TEST(TariffAssignments, AMetersOwnAssignmentOverridesTheSiteAtEachInstant) {
  const std::vector<TariffAssignment> site{{local(2026, 3, 1, 0), 1}, {local(2026, 3, 1, 13), 3}};
  const std::vector<TariffAssignment> own{{local(2026, 3, 1, 12), 2}};
  // Site tariff 1 until the meter's own 2 takes over at 12:00; the site's change to 3 at 13:00
  // does not reach the meter.
  EXPECT_EQ(tariff_spans(own, site, local(2026, 3, 1, 11), local(2026, 3, 1, 14)),
            (std::vector<TariffSpan>{{local(2026, 3, 1, 11), 1}, {local(2026, 3, 1, 12), 2}}));
  // Without an own assignment the site's change cuts the interval.
  EXPECT_EQ(tariff_spans({}, site, local(2026, 3, 1, 11), local(2026, 3, 1, 14)),
            (std::vector<TariffSpan>{{local(2026, 3, 1, 11), 1}, {local(2026, 3, 1, 13), 3}}));
  // Before the first assignment no tariff; one that names the tariff in force cuts nothing;
  // an assignment at the interval's end does not reach into it.
  EXPECT_EQ(
      tariff_spans({}, {{local(2026, 3, 1, 12), 1}}, local(2026, 3, 1, 11), local(2026, 3, 1, 14)),
      (std::vector<TariffSpan>{{local(2026, 3, 1, 11), std::nullopt}, {local(2026, 3, 1, 12), 1}}));
  EXPECT_EQ(tariff_spans({{local(2026, 3, 1, 12), 1}, {local(2026, 3, 1, 14), 4}}, site,
                         local(2026, 3, 1, 11), local(2026, 3, 1, 14)),
            (std::vector<TariffSpan>{{local(2026, 3, 1, 11), 1}}));
}

TEST(TariffAssignments, JoinedSchedulesChargeAnAssignmentChangeLikeAVersionChange) {
  const TariffSchedule a{
      {{TimePoint{}, Tariff::single(6000)}, {local(2026, 3, 1, 12, 30), Tariff::single(7000)}},
      minutes(480)};
  const TariffSchedule b{{{TimePoint{}, Tariff::single(8000)},
                          {local(2026, 3, 1, 11, 30), Tariff::single(9000)},
                          {local(2026, 3, 1, 13, 30), Tariff::single(10000)}},
                         minutes(480)};
  // a until 13:00 (its change at 12:30 included), then b as it is from 13:00 on.
  const auto joined = join_schedules({{local(2026, 3, 1, 11), &a}, {local(2026, 3, 1, 13), &b}});
  ASSERT_EQ(joined.versions.size(), 4U);
  EXPECT_FALSE(check_schedule(joined));
  EXPECT_EQ(joined.versions[0].from, local(2026, 3, 1, 11));
  EXPECT_EQ(joined.versions[1].from, local(2026, 3, 1, 12, 30));
  EXPECT_EQ(joined.versions[2].from, local(2026, 3, 1, 13));
  EXPECT_EQ(joined.versions[2].tariff.rates, Tariff::single(9000).rates);
  EXPECT_EQ(joined.versions[3].from, local(2026, 3, 1, 13, 30));
  // 3 kWh over 11:00-14:00: 1.5 kWh at 0.6, 0.5 at 0.7, 0.5 at 0.9, 0.5 at 1.0.
  const auto c = charge_interval(joined, local(2026, 3, 1, 11), local(2026, 3, 1, 14), 3000, 0, {});
  EXPECT_EQ(c.fen, 90 + 35 + 45 + 50);
  EXPECT_THROW(join_schedules({}), std::invalid_argument);
}

TEST(TariffCharge, AnInstantOrZeroEnergyIntervalIsHandled) {
  const auto s = schedule(tou());
  const auto t = local(2026, 3, 1, 9);
  auto c = charge_interval(s, t, t, 1000, 0, {});
  EXPECT_EQ(c.fen, 90);
  c = charge_interval(s, local(2026, 3, 1, 0), local(2026, 3, 2, 0), 0, 5, {});
  EXPECT_EQ(c.fen, 0);
  EXPECT_EQ(c.carry, 5);
  EXPECT_THROW(charge_interval(s, t, t - minutes(1), 1, 0, {}), std::invalid_argument);
  EXPECT_THROW(charge_interval(s, t, t, -1, 0, {}), std::invalid_argument);
}

TEST(TariffCharge, RandomIntervalsNeverLoseOrInventEnergyOrMoney) {
  std::mt19937_64 rng(7);
  const auto s = TariffSchedule{{{TimePoint{}, tiered_monthly(tou(), 3)},
                                 {local(2026, 6, 1, 12), Tariff::single(6000)},
                                 {local(2026, 7, 1, 0), tiered_monthly(tou(), 28)}},
                                minutes(480)};
  for (int i = 0; i < 300; ++i) {
    const auto t0 = local(2026, 5, 1, 0) +
                    Millis(std::uniform_int_distribution<std::int64_t>(0, 90LL * 86'400'000)(rng));
    const auto t1 =
        t0 + Millis(std::uniform_int_distribution<std::int64_t>(0, 3LL * 86'400'000)(rng));
    const auto e = std::uniform_int_distribution<std::int64_t>(0, 200'000)(rng);
    const auto carry = std::uniform_int_distribution<std::int64_t>(0, kCostUnitsPerFen - 1)(rng);
    const auto c = charge_interval(s, t0, t1, e, carry, {});
    ASSERT_EQ(energy_of(c), e);
    // Money: total cost units in = fen out + carry out.
    std::int64_t units = carry;
    for (const auto& p : c.pieces) {
      units += p.price * p.energy_wh;
      ASSERT_LE(p.from, p.to);
      ASSERT_EQ(p.price,
                s.at(p.from).rates[static_cast<std::size_t>(p.rate)] +
                    (s.at(p.from).tiers.empty() ? 0 : s.at(p.from).tiers[p.tier].surcharge));
    }
    ASSERT_EQ(units, c.fen * kCostUnitsPerFen + c.carry);
  }
}

TEST(TariffCheck, RefusesBadShapesWithAReason) {
  EXPECT_FALSE(check_tariff(tou()));
  EXPECT_FALSE(check_tariff(tiered_monthly(tou(), 28)));
  auto bad = tou();
  bad.periods = {{60, TouRate::kFlat}};
  EXPECT_TRUE(check_tariff(bad));
  bad = tiered_monthly(tou(), 29);
  EXPECT_NE(check_tariff(bad)->find("reset day"), std::string::npos);
  bad = tiered_monthly(tou(), 1);
  bad.tiers = {{0, 0}, {0, 10}};
  EXPECT_NE(check_tariff(bad)->find("increase"), std::string::npos);
  bad = tou();
  bad.tiers = {{0, 0}};
  EXPECT_NE(check_tariff(bad)->find("tier period"), std::string::npos);
  bad = Tariff::single(kMaxPrice + 1);
  EXPECT_TRUE(check_tariff(bad));
  TariffSchedule s{{{local(2026, 2, 1, 0), tou()}, {local(2026, 1, 1, 0), tou()}}, minutes(480)};
  EXPECT_NE(check_schedule(s)->find("increasing"), std::string::npos);
  EXPECT_TRUE(check_schedule(TariffSchedule{}));
}

}  // namespace
}  // namespace phil::domain
