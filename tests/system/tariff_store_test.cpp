// Stored tariffs charged by the SQLite store on a real database file: TOU across a period edge
// and midnight, a tier step inside an interval (tier position kept across a reopen), a tariff
// change inside an interval, meter override over the site default, refusals that change
// nothing, and a whole poll cycle (readings and failed boxes) in one record_cycle.
#include <gtest/gtest.h>

#include <phil/domain/tariff.hpp>
#include <phil/store/store.hpp>

#include "support/sqlite_count.hpp"
#include "support/tariff_fixtures.hpp"
#include "support/temp_dir.hpp"

namespace phil::store {
namespace {

using domain::MeterId;
using domain::Tariff;
using domain::TouRate;
using std::chrono::hours;
using std::chrono::minutes;

constexpr BillingRules kRules{6000, 3};

using test::local;
using test::tou;

using test::count_rows;

class TariffStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("site.db");
    store_ = open_sqlite_store(path_);
    store_->register_meters({meter(1), meter(2), meter(3)}, "adf300l-i");
    ASSERT_TRUE(store_->open_account({"A401", "Li", {meter(1)}, 10'000, "cashier", kStart}));
    ASSERT_TRUE(store_->open_account({"A402", "Wang", {meter(2)}, 10'000, "cashier", kStart}));
  }
  static MeterId meter(int circuit) { return MeterId{"bus1", 1, circuit}; }

  void add(const std::string& name, TimePoint from, const Tariff& t) {
    auto r = store_->add_tariff({name, {from, t}, minutes(480), "manager", kStart});
    ASSERT_TRUE(r) << r.error().message;
  }
  void assign(const std::string& name, std::optional<MeterId> m = std::nullopt) {
    auto r = store_->assign_tariff({name, m, "manager", kStart});
    ASSERT_TRUE(r) << r.error().message;
  }
  void read(int circuit, std::int64_t energy_wh, TimePoint at) {
    domain::MeterReading r;
    r.energy_wh = energy_wh;
    r.balance_fen = 5'000;
    r.relay_closed = true;
    r.mode = domain::MeterMode::kPrepaid;
    store_->record_readings({{meter(circuit), r}}, at, kRules);
  }
  /// Charges of an account: (fen, Wh) per charge entry.
  std::vector<std::pair<std::int64_t, std::int64_t>> charges(const std::string& account) {
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    for (const auto& e : store_->ledger(account)) {
      if (e.kind == domain::EntryKind::kCharge) out.emplace_back(e.amount_fen, e.energy_wh);
    }
    return out;
  }

  static constexpr TimePoint kStart{Millis(1'772'294'400'000)};  // 2026-03-01T00:00+08:00
  test::TempDir dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
};

TEST_F(TariffStoreTest, TouIntervalAcrossAPeriodEdgeAndMidnightIsSplitAndCharged) {
  add("tou", kStart, tou());
  assign("tou");
  read(1, 1'000'000, local(2026, 3, 1, 21, 30));
  // 3 h, 1 kWh/h: 21:30-22:00 flat 500 Wh (30 fen), 22:00-24:00 valley 2000 Wh (60 fen),
  // 00:00-00:30 valley 500 Wh (15 fen). The single price would have been 180 fen.
  read(1, 1'003'000, local(2026, 3, 2, 0, 30));
  EXPECT_EQ(charges("A401"), (std::vector<std::pair<std::int64_t, std::int64_t>>{{105, 3000}}));
  EXPECT_EQ(store_->account_balance_fen("A401"), 10'000 - 105);
  EXPECT_TRUE(store_->verify_ledger().empty());
}

TEST_F(TariffStoreTest, TierStepInsideAnIntervalIsChargedAtBothPricesAndTheTierPositionPersists) {
  Tariff t = Tariff::single(5000);
  t.tier_period = domain::TierPeriod::kMonthly;
  t.reset_day = 1;
  t.tiers = {{0, 0}, {10'000, 3000}};  // from 10 kWh in the month: +0.3000 yuan/kWh
  add("tiered", kStart, t);
  assign("tiered");
  read(1, 0, local(2026, 3, 2, 0));
  read(1, 8'000, local(2026, 3, 10, 0));  // 8 kWh at 0.5: 400 fen
  // 4 kWh: 2 kWh at 0.5 (100 fen) up to the step, 2 kWh at 0.8 (160 fen) beyond it.
  read(1, 12'000, local(2026, 3, 12, 0));
  EXPECT_EQ(charges("A401"),
            (std::vector<std::pair<std::int64_t, std::int64_t>>{{400, 8000}, {260, 4000}}));
  const domain::TierState march{local(2026, 3, 1, 0), 12'000};
  EXPECT_EQ(store_->tier_state(meter(1)), march);

  // The position survives a restart; the next month starts from 0 again.
  store_.reset();
  store_ = open_sqlite_store(path_);
  EXPECT_EQ(store_->tier_state(meter(1)), march);
  read(1, 13'000, local(2026, 3, 20, 0));  // 1 kWh, still March: 80 fen
  read(1, 14'000, local(2026, 4, 2, 0));   // 1 kWh over 13 days, across the reset
  const auto c = charges("A401");
  ASSERT_EQ(c.size(), 4U);
  EXPECT_EQ(c[2], (std::pair<std::int64_t, std::int64_t>{80, 1000}));
  // 12 of 13 days in March (923 Wh at 0.8), 1 day in April (77 Wh at 0.5); carry 0 before:
  // 923 x 8000 + 77 x 5000 = 7,769,000 cost units = 77 fen.
  EXPECT_EQ(c[3], (std::pair<std::int64_t, std::int64_t>{77, 1000}));
  const domain::TierState april{local(2026, 4, 1, 0), 77};
  EXPECT_EQ(store_->tier_state(meter(1)), april);
}

TEST_F(TariffStoreTest, TariffChangeInsideAnIntervalSplitsTheInterval) {
  add("standard", kStart, Tariff::single(6000));
  add("standard", local(2026, 3, 1, 12), Tariff::single(8000));  // from noon
  assign("standard", meter(1));
  read(1, 50'000, local(2026, 3, 1, 11));
  read(1, 52'000, local(2026, 3, 1, 13));  // 1 kWh at 0.6 (60 fen) + 1 kWh at 0.8 (80 fen)
  read(1, 53'000, local(2026, 3, 1, 14));  // 1 kWh at 0.8
  EXPECT_EQ(charges("A401"),
            (std::vector<std::pair<std::int64_t, std::int64_t>>{{140, 2000}, {80, 1000}}));
  const auto all = store_->tariffs();
  ASSERT_EQ(all.size(), 1U);
  EXPECT_EQ(all[0].schedule.versions.size(), 2U);
  EXPECT_FALSE(all[0].site_default);
  EXPECT_EQ(all[0].meters, std::vector<MeterId>{meter(1)});
}

TEST_F(TariffStoreTest, MeterTariffOverridesTheSiteDefaultAndNoTariffFallsBackToThePrice) {
  read(1, 0, local(2026, 3, 1, 8));
  read(2, 0, local(2026, 3, 1, 8));
  read(1, 1000, local(2026, 3, 1, 9));  // no tariff stored: rules.price 0.6
  EXPECT_EQ(charges("A401"), (std::vector<std::pair<std::int64_t, std::int64_t>>{{60, 1000}}));
  add("site", kStart, Tariff::single(7000));
  add("cheap", kStart, Tariff::single(3000));
  assign("site");
  assign("cheap", meter(2));
  read(1, 2000, local(2026, 3, 1, 10));
  read(2, 1000, local(2026, 3, 1, 10));
  EXPECT_EQ(charges("A401"),
            (std::vector<std::pair<std::int64_t, std::int64_t>>{{60, 1000}, {70, 1000}}));
  EXPECT_EQ(charges("A402"), (std::vector<std::pair<std::int64_t, std::int64_t>>{{30, 1000}}));
  // Re-assigning the site default replaces it.
  assign("cheap");
  read(1, 3000, local(2026, 3, 1, 11));
  EXPECT_EQ(charges("A401").back(), (std::pair<std::int64_t, std::int64_t>{30, 1000}));
}

TEST_F(TariffStoreTest, BadTariffsAndAssignmentsAreRefusedAndChangeNothing) {
  add("standard", local(2026, 3, 2, 0), Tariff::single(6000));
  const auto audit_rows = count_rows(path_, "audit");
  const auto version_rows = count_rows(path_, "tariff_versions");

  Tariff bad_periods = tou();
  bad_periods.periods[0].start_minute = 30;  // the day must start at 00:00
  auto r = store_->add_tariff({"other", {kStart, bad_periods}, minutes(480), "m", kStart});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("tariff other"), std::string::npos) << r.error().message;

  Tariff tiers_without_period = Tariff::single(6000);
  tiers_without_period.tiers = {{0, 0}, {1000, 100}};
  EXPECT_FALSE(
      store_->add_tariff({"other", {kStart, tiers_without_period}, minutes(480), "m", kStart}));
  // History is append-only: a version not after the latest one is refused.
  r = store_->add_tariff({"standard", {kStart, Tariff::single(1)}, minutes(480), "m", kStart});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("after its latest"), std::string::npos) << r.error().message;
  // Another local time for an existing tariff.
  EXPECT_FALSE(store_->add_tariff(
      {"standard", {local(2026, 4, 1, 0), Tariff::single(1)}, minutes(0), "m", kStart}));
  EXPECT_FALSE(store_->add_tariff({"", {kStart, Tariff::single(1)}, minutes(480), "m", kStart}));

  auto a = store_->assign_tariff({"nosuch", std::nullopt, "m", kStart});
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().kind, domain::ErrorKind::kNotFound);
  a = store_->assign_tariff({"standard", MeterId{"bus9", 1, 1}, "m", kStart});
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("not configured"), std::string::npos);

  EXPECT_EQ(count_rows(path_, "audit"), audit_rows);
  EXPECT_EQ(count_rows(path_, "tariff_versions"), version_rows);
  EXPECT_EQ(count_rows(path_, "tariff_assignments"), 0);
  const auto all = store_->tariffs();
  ASSERT_EQ(all.size(), 1U);
  EXPECT_EQ(all[0].name, "standard");
  ASSERT_EQ(all[0].schedule.versions.size(), 1U);
  EXPECT_EQ(all[0].schedule.versions[0].tariff.rates, Tariff::single(6000).rates);
  EXPECT_EQ(all[0].schedule.versions[0].from, local(2026, 3, 2, 0));
}

TEST_F(TariffStoreTest, RecordCycleStoresReadingsAndFailedBoxesInOneCall) {
  domain::MeterReading r;
  r.energy_wh = 1000;
  r.mode = domain::MeterMode::kPrepaid;
  r.relay_closed = true;
  r.balance_fen = 5'000;
  CycleBatch cycle{{{meter(1), r}, {MeterId{"bus9", 9, 9}, r}}, {meter(2)}};
  store_->record_cycle(cycle, local(2026, 3, 1, 8), kRules);
  cycle.readings[0].second.energy_wh = 2000;
  store_->record_cycle(cycle, local(2026, 3, 1, 9), kRules);
  const auto m1 = store_->meter(meter(1));
  const auto m2 = store_->meter(meter(2));
  ASSERT_TRUE(m1 && m2);
  EXPECT_EQ(m1->last.energy_wh, 2000);
  EXPECT_EQ(m1->failed_cycles, 0);
  EXPECT_EQ(m1->billed_energy_wh, 2000);
  EXPECT_EQ(m2->failed_cycles, 2);
  EXPECT_FALSE(m2->read_at);
  EXPECT_EQ(charges("A401"), (std::vector<std::pair<std::int64_t, std::int64_t>>{{60, 1000}}));
  EXPECT_EQ(count_rows(path_, "readings"), 2);  // the unknown meter is skipped
}

}  // namespace
}  // namespace phil::store
