// Stored tariffs charged by the SQLite store on a real database file: TOU across a period edge
// and midnight, a tier step inside an interval (tier position kept across a reopen), a tariff
// change inside an interval, meter override over the site default, assignments as history (an
// assignment inside an interval cuts it), one tier ladder per account (several meters, in one
// cycle, a new tenant starting at zero), refusals that change nothing, the v8 migration, and a
// whole poll cycle (readings and failed boxes) in one record_cycle.
#include <utility>

#include <gtest/gtest.h>

#include <phil/domain/tariff.hpp>
#include <phil/store/store.hpp>

#include "support/closing_driver.hpp"
#include "support/meter_counts.hpp"
#include "support/sqlite_count.hpp"
#include "support/tariff_fixtures.hpp"
#include "support/temp_dir.hpp"

namespace phil::store {
namespace {

using domain::MeterId;
using domain::Tariff;
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
    store_->register_meters({meter(1), meter(2), meter(3)}, "adf300l-i", false);
    ASSERT_TRUE(store_->open_account({"A401", "Li", {meter(1)}, 10'000, "cashier", kStart}));
    ASSERT_TRUE(store_->open_account({"A402", "Wang", {meter(2)}, 10'000, "cashier", kStart}));
  }
  static MeterId meter(int circuit) { return MeterId{"bus1", 1, circuit}; }

  void add(const std::string& name, TimePoint from, const Tariff& t) {
    auto r = store_->add_tariff({name, {from, t}, minutes(480), "manager", kStart});
    ASSERT_TRUE(r) << r.error().message;
  }
  void assign(const std::string& name, std::optional<MeterId> m = std::nullopt,
              TimePoint at = kStart, std::optional<TimePoint> from = std::nullopt) {
    auto r = store_->assign_tariff({name, std::move(m), "manager", at, from});
    ASSERT_TRUE(r) << r.error().message;
  }
  static domain::MeterReading reading(std::int64_t energy_wh) {
    domain::MeterReading r;
    r.energy_wh = energy_wh;
    r.balance_fen = 5'000;
    r.relay_closed = true;
    r.mode = domain::MeterMode::kPrepaid;
    return r;
  }
  void read(int circuit, std::int64_t energy_wh, TimePoint at) {
    const auto id = meter(circuit);
    store_->record_readings({{id, test::counted(*store_, id, reading(energy_wh))}}, at, kRules);
  }
  /// Charges of a meter: (fen, Wh) per charge entry.
  std::vector<std::pair<std::int64_t, std::int64_t>> meter_charges(const std::string& account,
                                                                   int circuit) {
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    for (const auto& e : store_->ledger(account)) {
      if (e.kind == domain::EntryKind::kCharge && e.meter == meter(circuit)) {
        out.emplace_back(e.amount_fen, e.energy_wh);
      }
    }
    return out;
  }
  /// Charges of an account: (fen, Wh) per charge entry.
  std::vector<std::pair<std::int64_t, std::int64_t>> charges(const std::string& account) {
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    for (const auto& e : store_->ledger(account)) {
      if (e.kind == domain::EntryKind::kCharge) out.emplace_back(e.amount_fen, e.energy_wh);
    }
    return out;
  }

  /// 0.5 yuan/kWh; from 10 kWh in the month (from the 1st): +0.3000 yuan/kWh.
  static Tariff tiered() {
    Tariff t = Tariff::single(5000);
    t.tier_period = domain::TierPeriod::kMonthly;
    t.reset_day = 1;
    t.tiers = {{0, 0}, {10'000, 3000}};
    return t;
  }
  /// Opens `account` on `circuits` with no sale.
  void open(const std::string& account, const std::vector<int>& circuits, TimePoint at = kStart) {
    std::vector<MeterId> ids;
    ids.reserve(circuits.size());
    for (int c : circuits)
      ids.push_back(meter(c));
    auto r = store_->open_account({account, "tenant", ids, 0, "cashier", at});
    ASSERT_TRUE(r) << r.error().message;
  }

  /// Account A403 on meters 3 and 4 (one household), the site default `tiered`.
  void tiered_household() {
    store_->register_meters({meter(4)}, "adf300l-i", false);
    open("A403", {3, 4});
    add("tiered", kStart, tiered());
    assign("tiered");
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
  add("tiered", kStart, tiered());
  assign("tiered");
  read(1, 0, local(2026, 3, 2, 0));
  read(1, 8'000, local(2026, 3, 10, 0));  // 8 kWh at 0.5: 400 fen
  // 4 kWh: 2 kWh at 0.5 (100 fen) up to the step, 2 kWh at 0.8 (160 fen) beyond it.
  read(1, 12'000, local(2026, 3, 12, 0));
  EXPECT_EQ(charges("A401"),
            (std::vector<std::pair<std::int64_t, std::int64_t>>{{400, 8000}, {260, 4000}}));
  const domain::TierState march{local(2026, 3, 1, 0), 12'000};
  EXPECT_EQ(store_->tier_state("A401"), march);

  // The position survives a restart; the next month starts from 0 again.
  store_.reset();
  store_ = open_sqlite_store(path_);
  EXPECT_EQ(store_->tier_state("A401"), march);
  read(1, 13'000, local(2026, 3, 20, 0));  // 1 kWh, still March: 80 fen
  read(1, 14'000, local(2026, 4, 2, 0));   // 1 kWh over 13 days, across the reset
  const auto c = charges("A401");
  ASSERT_EQ(c.size(), 4U);
  EXPECT_EQ(c[2], (std::pair<std::int64_t, std::int64_t>{80, 1000}));
  // 12 of 13 days in March (923 Wh at 0.8), 1 day in April (77 Wh at 0.5); carry 0 before:
  // 923 x 8000 + 77 x 5000 = 7,769,000 cost units = 77 fen.
  EXPECT_EQ(c[3], (std::pair<std::int64_t, std::int64_t>{77, 1000}));
  const domain::TierState april{local(2026, 4, 1, 0), 77};
  EXPECT_EQ(store_->tier_state("A401"), april);
  EXPECT_EQ(store_->tier_state("A402"), domain::TierState{});
  EXPECT_FALSE(store_->tier_state("nosuch"));
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
  // A new site default takes over from its assignment on.
  assign("cheap", std::nullopt, local(2026, 3, 1, 10));
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

using Charges = std::vector<std::pair<std::int64_t, std::int64_t>>;

TEST_F(TariffStoreTest, AnAssignmentInsideAnIntervalChargesTheEnergyBeforeItAtTheOldTariff) {
  add("standard", kStart, Tariff::single(6000));
  add("dear", kStart, Tariff::single(8000));
  assign("standard");
  read(1, 50'000, local(2026, 3, 1, 11));
  assign("dear", meter(1), local(2026, 3, 1, 12));
  // 1 kWh before the assignment at 0.6 (60 fen), 1 kWh after it at 0.8 (80 fen); the whole
  // interval at the new tariff would have been 160 fen.
  read(1, 52'000, local(2026, 3, 1, 13));
  // An assignment made now for later: the energy until its start stays at the tariff in force.
  assign("standard", meter(1), local(2026, 3, 1, 13, 30), local(2026, 3, 1, 15));
  read(1, 53'000, local(2026, 3, 1, 14));  // 1 kWh at 0.8
  read(1, 55'000, local(2026, 3, 1, 16));  // 1 kWh at 0.8 (until 15:00), 1 kWh at 0.6
  EXPECT_EQ(charges("A401"), (Charges{{140, 2000}, {80, 1000}, {140, 2000}}));
  EXPECT_TRUE(store_->verify_ledger().empty());

  // The history is kept; each target's latest assignment is its current one.
  const auto all = store_->tariffs();
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[0].name, "dear");
  EXPECT_TRUE(all[0].meters.empty());
  EXPECT_EQ(all[0].assignments, (std::vector<TariffAssignmentRecord>{
                                    {meter(1), local(2026, 3, 1, 12), local(2026, 3, 1, 12)}}));
  EXPECT_EQ(all[1].name, "standard");
  EXPECT_TRUE(all[1].site_default);
  EXPECT_EQ(all[1].meters, std::vector<MeterId>{meter(1)});
  EXPECT_EQ(all[1].assignments, (std::vector<TariffAssignmentRecord>{
                                    {std::nullopt, kStart, kStart},
                                    {meter(1), local(2026, 3, 1, 15), local(2026, 3, 1, 13, 30)}}));
}

TEST_F(TariffStoreTest, ASiteDefaultChangeDoesNotAffectAMeterWithItsOwnAssignment) {
  add("standard", kStart, Tariff::single(6000));
  add("dear", kStart, Tariff::single(8000));
  add("cheap", kStart, Tariff::single(3000));
  assign("standard");
  assign("cheap", meter(2));
  read(1, 0, local(2026, 3, 1, 11));
  read(2, 0, local(2026, 3, 1, 11));
  assign("dear", std::nullopt, local(2026, 3, 1, 12));
  read(1, 2000, local(2026, 3, 1, 13));
  read(2, 2000, local(2026, 3, 1, 13));
  EXPECT_EQ(charges("A401"), (Charges{{140, 2000}}));  // 1 kWh at 0.6, 1 kWh at 0.8
  EXPECT_EQ(charges("A402"), (Charges{{60, 2000}}));   // its own 0.3 throughout
}

TEST_F(TariffStoreTest, AFirstAssignmentInsideAnIntervalLeavesTheEnergyBeforeItAtThePrice) {
  add("dear", kStart, Tariff::single(8000));
  read(1, 0, local(2026, 3, 1, 11));
  assign("dear", std::nullopt, local(2026, 3, 1, 12));
  read(1, 2000, local(2026, 3, 1, 13));  // 1 kWh at rules.price 0.6, 1 kWh at 0.8
  EXPECT_EQ(charges("A401"), (Charges{{140, 2000}}));
}

TEST_F(TariffStoreTest, AssignmentsInThePastBeforeTheLatestOrInAnotherLocalTimeAreRefused) {
  add("standard", kStart, Tariff::single(6000));
  auto r = store_->add_tariff({"utc", {kStart, Tariff::single(6000)}, minutes(0), "m", kStart});
  ASSERT_TRUE(r) << r.error().message;
  assign("standard", meter(1), local(2026, 3, 2, 0));
  const auto audit_rows = count_rows(path_, "audit");

  auto a = store_->assign_tariff(
      {"standard", meter(2), "m", local(2026, 3, 2, 0), local(2026, 3, 1, 23)});
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("not in the past"), std::string::npos) << a.error().message;
  a = store_->assign_tariff({"standard", meter(1), "m", local(2026, 3, 2, 0)});
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("must take effect after it"), std::string::npos)
      << a.error().message;
  a = store_->assign_tariff({"utc", meter(2), "m", local(2026, 3, 3, 0)});
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("one local time"), std::string::npos) << a.error().message;

  EXPECT_EQ(count_rows(path_, "audit"), audit_rows);
  EXPECT_EQ(count_rows(path_, "tariff_assignments"), 1);
}

TEST_F(TariffStoreTest, TwoMetersOfOneAccountClimbOneTierLadder) {
  tiered_household();
  read(3, 0, local(2026, 3, 2, 0));
  read(4, 0, local(2026, 3, 2, 0));
  read(3, 8'000, local(2026, 3, 5, 0));  // 8 kWh at 0.5: 400 fen
  // 4 kWh: 2 kWh at 0.5 up to the account's 10 kWh (100 fen), 2 kWh at 0.8 (160 fen).
  read(4, 4'000, local(2026, 3, 6, 0));
  EXPECT_EQ(meter_charges("A403", 3), (Charges{{400, 8000}}));
  EXPECT_EQ(meter_charges("A403", 4), (Charges{{260, 4000}}));
  EXPECT_EQ(store_->tier_state("A403"), (domain::TierState{local(2026, 3, 1, 0), 12'000}));
}

TEST_F(TariffStoreTest, MetersOfOneAccountReadInOneCycleClimbItsLadderInReadingOrder) {
  tiered_household();
  store_->record_cycle({{{meter(4), reading(0)}, {meter(3), reading(0)}}, {}}, local(2026, 3, 2, 0),
                       kRules);
  store_->record_cycle({{{meter(4), reading(6'000)}, {meter(3), reading(6'000)}}, {}},
                       local(2026, 3, 3, 0), kRules);
  // Meter 4 is read first: 6 kWh at 0.5 (300 fen). Meter 3 then finds the account at 6 kWh:
  // 4 kWh at 0.5 (200 fen), 2 kWh at 0.8 (160 fen).
  EXPECT_EQ(meter_charges("A403", 4), (Charges{{300, 6000}}));
  EXPECT_EQ(meter_charges("A403", 3), (Charges{{360, 6000}}));
  const domain::TierState march{local(2026, 3, 1, 0), 12'000};
  EXPECT_EQ(store_->tier_state("A403"), march);
  store_.reset();
  store_ = open_sqlite_store(path_);
  EXPECT_EQ(store_->tier_state("A403"), march);
  EXPECT_TRUE(store_->verify_ledger().empty());
}

TEST_F(TariffStoreTest, ANewAccountOnAMeterUsedByAPreviousTenantStartsAtTierOne) {
  add("tiered", kStart, tiered());
  assign("tiered");
  open("A403", {3});
  auto sale = store_->sale({"A403", 10'000, "cashier", kStart});
  ASSERT_TRUE(sale) << sale.error().message;
  ASSERT_TRUE(test::deliver(*store_, sale.value(), {}, kStart, kRules));
  read(3, 0, local(2026, 3, 2, 0));
  read(3, 12'000, local(2026, 3, 10, 0));  // 10 kWh at 0.5, 2 kWh at 0.8: 660 fen
  EXPECT_EQ(charges("A403"), (Charges{{660, 12'000}}));
  auto closed = store_->close_account({"A403", "manager", local(2026, 3, 10, 1)});
  ASSERT_TRUE(closed) << closed.error().message;
  test::drive_closings(*store_, "bus1", local(2026, 3, 10, 1), kRules);
  ASSERT_TRUE(store_->account_closing("A403")->finished_at);

  open("A405", {3}, local(2026, 3, 11, 0));
  read(3, 12'000, local(2026, 3, 11, 0));  // the new tenant's baseline
  read(3, 13'000, local(2026, 3, 12, 0));  // 1 kWh at 0.5: the new household's first
  EXPECT_EQ(charges("A405"), (Charges{{50, 1000}}));
  EXPECT_EQ(store_->tier_state("A405"), (domain::TierState{local(2026, 3, 1, 0), 1000}));
  EXPECT_EQ(store_->tier_state("A403"), (domain::TierState{local(2026, 3, 1, 0), 12'000}));
}

TEST_F(TariffStoreTest, AMovedMeterLeavesItsTierUsageWithTheAccountItLeft) {
  tiered_household();
  read(4, 0, local(2026, 3, 2, 0));
  read(4, 12'000, local(2026, 3, 10, 0));  // A403 reaches tier 2
  // A402 becomes host-side: the ledger takes what its meter holds once its credit is there.
  for (const auto& cmd : store_->open_commands("bus1")) {
    ASSERT_TRUE(test::deliver(*store_, cmd.id, {}, local(2026, 3, 10, 0), kRules));
  }
  auto moved = store_->move_meter({meter(4), "A402", false, "manager", local(2026, 3, 10, 1)});
  ASSERT_TRUE(moved) << moved.error().message;
  read(4, 12'000, local(2026, 3, 11, 0));
  read(4, 13'000, local(2026, 3, 12, 0));  // A402's first kWh: tier 1
  EXPECT_EQ(charges("A402"), (Charges{{50, 1000}}));
  EXPECT_EQ(store_->tier_state("A403"), (domain::TierState{local(2026, 3, 1, 0), 12'000}));
}

/// v8 keeps tariff assignments as history and the tier position per account. A v7 file (built
/// from this build's by test::undo_schema_to) keeps its assignments, effective from when they were
/// made, and each open account gets the position of its meters in their latest tier period.
TEST_F(TariffStoreTest, MigrationV8KeepsTheAssignmentsAndMovesTierPositionsToTheAccounts) {
  store_->register_meters({meter(4), meter(5)}, "adf300l-i", false);
  open("A403", {3, 4, 5});
  add("standard", kStart, Tariff::single(6000));
  add("cheap", kStart, Tariff::single(3000));
  assign("standard", std::nullopt, local(2026, 3, 1, 1));
  assign("cheap", meter(2), local(2026, 3, 1, 2));
  store_.reset();
  ASSERT_EQ(test::undo_schema_to(path_, sqlite_schema_version(), 7), "");
  const auto ms = [](TimePoint t) { return std::to_string(t.time_since_epoch().count()); };
  const auto feb = ms(local(2026, 2, 1, 0));
  const auto march = ms(local(2026, 3, 1, 0));
  ASSERT_EQ(test::sql(path_, "UPDATE meters SET tier_period_start = " + feb +
                                 ", tier_used_wh = 900 WHERE id IN ('bus1/1/1', 'bus1/1/3');"
                                 "UPDATE meters SET tier_period_start = " +
                                 march +
                                 ", tier_used_wh = 2000 WHERE id = 'bus1/1/4';"
                                 "UPDATE meters SET tier_period_start = " +
                                 march + ", tier_used_wh = 1500 WHERE id = 'bus1/1/5';"),
            "");
  store_ = open_sqlite_store(path_);
  EXPECT_EQ(test::sql(path_, "PRAGMA user_version"), std::to_string(sqlite_schema_version()) + "|");

  const auto all = store_->tariffs();
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[0].name, "cheap");
  EXPECT_EQ(all[0].meters, std::vector<MeterId>{meter(2)});
  EXPECT_EQ(all[0].assignments, (std::vector<TariffAssignmentRecord>{
                                    {meter(2), local(2026, 3, 1, 2), local(2026, 3, 1, 2)}}));
  EXPECT_TRUE(all[1].site_default);
  EXPECT_EQ(all[1].assignments, (std::vector<TariffAssignmentRecord>{
                                    {std::nullopt, local(2026, 3, 1, 1), local(2026, 3, 1, 1)}}));
  // The one in the latest period counts: March, meters 4 and 5.
  EXPECT_EQ(store_->tier_state("A403"), (domain::TierState{local(2026, 3, 1, 0), 3500}));
  EXPECT_EQ(store_->tier_state("A401"), (domain::TierState{local(2026, 2, 1, 0), 900}));
  EXPECT_EQ(store_->tier_state("A402"), domain::TierState{});

  // And they still charge: meter 1 the site's 0.6, meter 2 its own 0.3.
  read(1, 0, local(2026, 3, 1, 8));
  read(2, 0, local(2026, 3, 1, 8));
  read(1, 1000, local(2026, 3, 1, 9));
  read(2, 1000, local(2026, 3, 1, 9));
  EXPECT_EQ(charges("A401"), (Charges{{60, 1000}}));
  EXPECT_EQ(charges("A402"), (Charges{{30, 1000}}));
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

/// A tiered tariff cannot be applied by the meter (issue 12.3): once one is in force for the meter
/// that holds a meter-side account's money, the account becomes host-side (the ledger takes what
/// the meter held), not before, and not while a credit is on its way to that meter.
TEST_F(TariffStoreTest, ATieredTariffInForceMakesAMeterSideAccountHostSide) {
  for (const auto& cmd : store_->open_commands("bus1")) {
    if (cmd.meter != meter(1)) continue;
    ASSERT_TRUE(test::deliver(*store_, cmd.id, {}, kStart, kRules));
  }
  read(1, 1000, kStart);  // the balance check's baseline: the meter agrees with the ledger
  add("tiered", kStart, tiered());
  const auto from = local(2026, 3, 2, 0);
  assign("tiered", meter(1), kStart, from);
  assign("tiered", std::nullopt, kStart, from);  // the site's: A402 too
  EXPECT_EQ(store_->advance_conversions("bus1", from - std::chrono::milliseconds(1)), 0);
  EXPECT_EQ(store_->meter(meter(1))->billing_mode, domain::BillingMode::kMeterSide);
  EXPECT_GE(store_->advance_conversions("bus1", from), 1);
  EXPECT_EQ(store_->meter(meter(1))->billing_mode, domain::BillingMode::kHostSide);
  const auto conv = store_->meter_conversion(meter(1));
  ASSERT_TRUE(conv);
  EXPECT_EQ(conv->reason, "tiered tariff tiered in force");
  EXPECT_EQ(conv->settled_fen, 0);
  EXPECT_EQ(store_->account_balance_fen("A401"), 10'000);  // what the meter held for A401
  // A402's credit is still on its way: it stays meter-side until that is decided.
  EXPECT_EQ(store_->meter(meter(2))->billing_mode, domain::BillingMode::kMeterSide);
  EXPECT_FALSE(store_->meter_conversion(meter(2)));
  for (const auto& cmd : store_->open_commands("bus1")) {
    if (cmd.meter != meter(2)) continue;
    ASSERT_TRUE(test::deliver(*store_, cmd.id, {}, from, kRules));
  }
  EXPECT_GE(store_->advance_conversions("bus1", from + hours(1)), 1);
  EXPECT_EQ(store_->meter(meter(2))->billing_mode, domain::BillingMode::kHostSide);
  EXPECT_TRUE(store_->verify_ledger().empty());
}

}  // namespace
}  // namespace phil::store
