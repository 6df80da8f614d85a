// The reports (issue 14 item 5): the pure arithmetic (a reading interval spread over local days
// and TOU rates, the sales and energy sums), the daily per-meter roll-ups on a real SQLite file
// (written by the collector off the poll path, and rebuilt from the readings to the same rows),
// the reports through Operations (a month's sales equal the ledger's sum for that month; a
// cashier sees only their own shift report; the daily report carries the log's chain head), and
// the one report model rendered as a table, CSV, JSON and xlsx.
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <phil/common/text.hpp>
#include <phil/domain/reports.hpp>
#include <phil/report/report.hpp>
#include <phil/service/collector.hpp>
#include <phil/service/operations.hpp>
#include <phil/service/report_model.hpp>

#include "support/fake_site.hpp"
#include "support/sqlite_count.hpp"
#include "support/tariff_fixtures.hpp"

namespace phil::service {
namespace {

using domain::MeterId;
using domain::TouRate;
using test::local;

constexpr auto kOffset = std::chrono::minutes(480);

Actor manager() {
  return {"boss", domain::Role::kManager};
}
Actor auditor() {
  return {"qa", domain::Role::kAuditor};
}

// ---- the arithmetic ----

TEST(ReportRulesTest, AnIntervalIsSpreadOverLocalDaysAndRatesAndSumsExactly) {
  // 22:00 .. 02:00 local, flat until 22:30, peak until midnight, valley after.
  const std::vector<domain::DailyPeriod> periods{
      {0, TouRate::kValley}, {8 * 60, TouRate::kFlat}, {22 * 60 + 30, TouRate::kPeak}};
  const auto parts =
      domain::spread_energy(local(2026, 3, 1, 22), local(2026, 3, 2, 2), 1001, periods, kOffset);
  ASSERT_EQ(parts.size(), 2U);
  EXPECT_EQ(parts[0].day, "2026-03-01");
  EXPECT_EQ(parts[0].wh[static_cast<int>(TouRate::kFlat)], 125);  // floor(1001 / 8)
  EXPECT_EQ(parts[0].wh[static_cast<int>(TouRate::kPeak)], 375);  // floor(1001 / 2) - 125
  EXPECT_EQ(parts[1].day, "2026-03-02");
  EXPECT_EQ(parts[1].wh[static_cast<int>(TouRate::kValley)], 501);  // the rest
  EXPECT_EQ(parts[0].total() + parts[1].total(), 1001);
}

TEST(ReportRulesTest, AnInstantPutsAllItsEnergyAtItsOwnDayAndRate) {
  const std::vector<domain::DailyPeriod> periods{{0, TouRate::kValley}, {8 * 60, TouRate::kPeak}};
  const auto t = local(2026, 3, 31, 23, 59);
  const auto parts = domain::spread_energy(t, t, 7, periods, kOffset);
  ASSERT_EQ(parts.size(), 1U);
  EXPECT_EQ(parts[0].day, "2026-03-31");
  EXPECT_EQ(parts[0].wh[static_cast<int>(TouRate::kPeak)], 7);
}

TEST(ReportRulesTest, LocalDaysAndTheirStartsFollowTheSitesOffset) {
  EXPECT_EQ(domain::local_day(local(2026, 3, 1, 0), kOffset), "2026-03-01");
  EXPECT_EQ(domain::local_day(local(2026, 3, 1, 0) - Millis(1), kOffset), "2026-02-28");
  EXPECT_EQ(domain::day_start("2026-03-01", kOffset), local(2026, 3, 1, 0));
  for (const auto* bad : {"2026-3-01", "2026-02-30", "2026-03-01x", "", "20260301", "2026-03- 1"})
    EXPECT_FALSE(domain::day_start(bad, kOffset)) << bad;
}

TEST(ReportRulesTest, SalesAreSummedByKindPeriodAndCashierWithPendingApart) {
  using domain::MoneyKind;
  const std::vector<domain::MoneyMove> moves{
      {local(2026, 2, 28, 23), "c1", MoneyKind::kSale, 1000, false},
      {local(2026, 3, 1, 9), "c1", MoneyKind::kSale, 2000, false},
      {local(2026, 3, 1, 10), "c2", MoneyKind::kRefund, 300, false},
      {local(2026, 3, 2, 10), "c2", MoneyKind::kReversal, 2000, false},
      {local(2026, 3, 3, 10), "c1", MoneyKind::kRefund, 50, true},
  };
  const auto by_month = domain::sum_sales(moves, domain::ReportPeriod::kMonth, false, kOffset);
  ASSERT_EQ(by_month.rows.size(), 2U);
  EXPECT_EQ(by_month.rows[0].period, "2026-02");
  EXPECT_EQ(by_month.rows[0].sale_fen, 1000);
  EXPECT_EQ(by_month.rows[1].period, "2026-03");
  EXPECT_EQ(by_month.rows[1].sale_fen, 2000);
  EXPECT_EQ(by_month.rows[1].refund_fen, 300);
  EXPECT_EQ(by_month.rows[1].reversal_fen, 2000);
  EXPECT_EQ(by_month.rows[1].pending_fen, 50);
  EXPECT_EQ(by_month.rows[1].net_fen(), -300);
  EXPECT_EQ(by_month.totals.sale_fen, 3000);
  EXPECT_EQ(by_month.totals.count, 5);
  const auto by_cashier = domain::sum_sales(moves, domain::ReportPeriod::kYear, true, kOffset);
  ASSERT_EQ(by_cashier.rows.size(), 2U);
  EXPECT_EQ(by_cashier.rows[0].cashier, "c1");
  EXPECT_EQ(by_cashier.rows[0].sale_fen, 3000);
  EXPECT_EQ(by_cashier.rows[0].pending_fen, 50);
  EXPECT_EQ(by_cashier.rows[1].cashier, "c2");
  EXPECT_EQ(by_cashier.rows[1].refund_fen, 300);
}

TEST(ReportRulesTest, EnergyIsGroupedByFloorBuildingAccountAndMonth) {
  const std::vector<domain::MeterDay> days{
      {"a/1/1", "2026-03-01", {0, 10, 20, 30}, 60, 36},
      {"a/1/2", "2026-03-01", {1, 0, 0, 0}, 1, 1},
      {"a/1/1", "2026-03-02", {0, 0, 5, 0}, 5, 3},
      {"a/2/1", "2026-04-01", {0, 0, 0, 9}, 9, 2},
  };
  const std::map<std::string, domain::MeterPlace> places{{"a/1/1", {"A1", "b1", 4}},
                                                         {"a/1/2", {"A1", "b1", 5}}};
  const auto floors =
      domain::sum_energy(days, places, domain::ReportPeriod::kMonth, domain::EnergyGroup::kFloor);
  ASSERT_EQ(floors.rows.size(), 3U);
  EXPECT_EQ(floors.rows[0].group, "b1/4");
  EXPECT_EQ(floors.rows[0].energy_wh, 65);
  EXPECT_EQ(floors.rows[0].charge_fen, 39);
  EXPECT_EQ(floors.rows[0].wh[static_cast<int>(TouRate::kFlat)], 25);
  EXPECT_EQ(floors.rows[1].group, "b1/5");
  EXPECT_EQ(floors.rows[2].period, "2026-04");
  EXPECT_EQ(floors.rows[2].group, "-");  // a meter placed nowhere
  EXPECT_EQ(floors.totals.energy_wh, 75);
  const auto accounts =
      domain::sum_energy(days, places, domain::ReportPeriod::kMonth, domain::EnergyGroup::kAccount);
  EXPECT_EQ(accounts.rows[0].group, "A1");
  EXPECT_EQ(accounts.rows[0].energy_wh, 66);
}

// ---- the roll-ups and the reports on a real SQLite file ----

class ReportsTest : public ::testing::Test {
 protected:
  ReportsTest() {
    site_.config.clock_sync.reset();
    site_.config.utc_offset = kOffset;
  }

  void start_with(std::int64_t energy_wh) {
    for (int c = 1; c <= 2; ++c) {
      test::FakeAdf300::Circuit circuit;
      circuit.energy_wh = energy_wh;
      site_.device.set(1, c, circuit);
    }
    site_.start();
  }
  /// A1 opened on bus1/1/1 with 50.00, then `polls` polls after each of which circuits 1 and 2
  /// used `wh1` and `wh2`, and a roll-up pass.
  void open_and_poll(int polls, std::int64_t wh1, std::int64_t wh2) {
    ASSERT_TRUE(site_.desk->open_account("A1", "Li", {MeterId{"bus1", 1, 1}}, 5'000, "c1"));
    site_.step(Millis(1000));
    for (int i = 0; i < polls; ++i) {
      use(1, wh1);
      use(2, wh2);
      site_.step(site_.config.poll_interval);
    }
    site_.system->roll_up();
  }
  /// Circuit `c` of box 1 uses `wh` (a multiple of 10: the register counts 0.01 kWh).
  void use(int c, std::int64_t wh) { site_.device.consume(1, c, wh); }
  std::string rollups() const {
    return test::sql(site_.db,
                     "SELECT group_concat(day || ' ' || meter || ' ' || sharp_wh || ' ' "
                     "|| peak_wh || ' ' || flat_wh || ' ' || valley_wh || ' ' || "
                     "energy_wh || ' ' || charge_fen, '; ') FROM (SELECT * FROM "
                     "meter_days ORDER BY day, meter)");
  }
  Operations& ops() { return site_.desk->ops(); }

  test::FakeSite site_{local(2026, 2, 28, 12)};
};

TEST_F(ReportsTest, RebuildingFromTheReadingsGivesTheRollUpsWrittenAsThePollsWent) {
  start_with(100'000);
  ASSERT_TRUE(ops().add_tariff(manager(), {"tou", {local(2026, 1, 1, 0), test::tou()}, kOffset}));
  ASSERT_TRUE(ops().assign_tariff(manager(), {"tou", std::nullopt, std::nullopt}));
  ASSERT_TRUE(site_.desk->open_account("A1", "Li", {MeterId{"bus1", 1, 1}}, 50'000, "c1"));
  ASSERT_TRUE(site_.desk->open_account("A2", "Wu", {MeterId{"bus1", 1, 2}}, 50'000, "c1"));
  site_.step(Millis(1000));
  // Two days of polls, a roll-up pass now and then (as the collector does).
  for (int i = 0; i < 96; ++i) {
    use(1, 250 + (i % 7) * 30);
    if (i % 3 == 0) use(2, 1'000);
    site_.step(site_.config.poll_interval);
    if (i % 5 == 0) site_.system->roll_up();
  }
  site_.system->roll_up();
  const auto incremental = rollups();
  ASSERT_NE(incremental, "");
  // Both meters' energy is all there (from their first reading to their last), split by rate
  // into parts that add up, and the charges are the ledger's.
  EXPECT_EQ(test::sql(site_.db,
                      "SELECT group_concat(meter || ' ' || e || ' ' || f, '; ') FROM (SELECT "
                      "meter, sum(energy_wh) AS e, sum(charge_fen) AS f FROM meter_days GROUP BY "
                      "meter ORDER BY meter)"),
            test::sql(site_.db,
                      "SELECT group_concat(meter || ' ' || e || ' ' || f, '; ') FROM (SELECT "
                      "r.meter, max(r.energy_wh) - min(r.energy_wh) AS e, (SELECT sum(amount_fen) "
                      "FROM ledger l WHERE l.kind = 'charge' AND l.meter = r.meter) AS f FROM "
                      "readings r GROUP BY r.meter ORDER BY r.meter)"));
  EXPECT_EQ(test::sql(site_.db,
                      "SELECT count(*) FROM meter_days WHERE energy_wh <> sharp_wh + peak_wh + "
                      "flat_wh + valley_wh OR min(sharp_wh, peak_wh, flat_wh, valley_wh) < 0"),
            "0|");
  EXPECT_EQ(test::sql(site_.db, "SELECT sum(charge_fen) > 0 FROM meter_days"), "1|");
  // Days in the site's local time, and energy at more than one rate.
  EXPECT_EQ(test::sql(site_.db, "SELECT min(day), max(day) FROM meter_days"),
            "2026-02-28|2026-03-02|");
  EXPECT_EQ(test::sql(site_.db,
                      "SELECT sum(sharp_wh) > 0, sum(peak_wh) > 0, sum(flat_wh) > 0, "
                      "sum(valley_wh) > 0 FROM meter_days"),
            "1|1|1|1|");

  const auto r = ops().rebuild_reports(manager());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(std::to_string(r.value().readings) + "|",
            test::sql(site_.db, "SELECT count(*) FROM readings"));
  EXPECT_EQ(rollups(), incremental);
  EXPECT_EQ(
      test::sql(site_.db, "SELECT operator, action FROM audit WHERE action = 'rebuild_reports'"),
      "boss|rebuild_reports|");
  // A pass with nothing new adds nothing.
  EXPECT_EQ(site_.system->roll_up().readings, 0);
  EXPECT_EQ(rollups(), incremental);
}

TEST_F(ReportsTest, AReadingCommittedLateBySlowBusIsRolledUpAtTheNextPass) {
  start_with(1'000);
  ASSERT_TRUE(site_.desk->open_account("A1", "Li", {MeterId{"bus1", 1, 1}}, 50'000, "c1"));
  site_.step(Millis(1000));
  const auto ms = [](TimePoint t) {
    return std::to_string(
        std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
  };
  // bus2's first cycle of the day: its one meter's reading, rolled up with bus1's.
  const auto t0 = site_.clock.now();
  const auto slow = [&](TimePoint at, std::int64_t wh) {
    return test::sql(site_.db,
                     "INSERT INTO readings (at, meter, energy_wh, power_w, balance_fen, relay, "
                     "mode, status_bits, purchase_count, purchase_total_fen) VALUES (" +
                         ms(at) + ", 'bus2/1/1', " + std::to_string(wh) +
                         ", 0, 0, 1, 'prepaid', 0, 0, 0)");
  };
  ASSERT_EQ(slow(t0, 7'000), "");
  site_.system->roll_up();
  // bus1 polls on for an hour and is rolled up; bus2's next cycle, read 40 minutes ago, commits
  // only now, far behind what the passes have seen.
  for (int i = 0; i < 4; ++i) {
    use(1, 100);
    site_.step(site_.config.poll_interval);
    site_.system->roll_up();
  }
  ASSERT_GE(site_.clock.now() - t0, std::chrono::minutes(50));
  ASSERT_EQ(slow(t0 + std::chrono::minutes(10), 7'550), "");
  EXPECT_EQ(site_.system->roll_up().readings, 1);
  EXPECT_EQ(test::sql(site_.db, "SELECT sum(energy_wh) FROM meter_days WHERE meter = 'bus2/1/1'"),
            "550|");
  // Counted once: the next pass finds nothing, and a rebuild gives the same rows.
  EXPECT_EQ(site_.system->roll_up().readings, 0);
  const auto incremental = rollups();
  ASSERT_TRUE(ops().rebuild_reports(manager()));
  EXPECT_EQ(rollups(), incremental);
}

TEST_F(ReportsTest, OnlyAManagerOrAnAdminMayRebuildTheRollUps) {
  start_with(0);
  for (const auto role :
       {domain::Role::kCashier, domain::Role::kEngineer, domain::Role::kAuditor}) {
    const auto r = ops().rebuild_reports(Actor{"x", role});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, domain::ErrorKind::kForbidden);
  }
  EXPECT_TRUE(ops().rebuild_reports(Actor{"root", domain::Role::kAdmin}));
}

TEST_F(ReportsTest, TheCollectorRollsUpWhatThePollsReadOffThePollPath) {
  start_with(5'000);
  ASSERT_TRUE(site_.desk->open_account("A1", "Li", {MeterId{"bus1", 1, 1}}, 50'000, "c1"));
  site_.step(Millis(1000));
  use(1, 1'230);
  site_.step(site_.config.poll_interval);
  // The polls wrote readings and charges, and no roll-up: that is the collector's own work.
  EXPECT_EQ(test::sql(site_.db, "SELECT count(*) FROM meter_days"), "0|");
  Collector::Options options;
  options.max_sleep = Millis(20);
  options.checkpoint_every = Millis(20);
  options.rollup_every = Millis(40);
  Collector collector(*site_.system, site_.clock, options);
  collector.start();
  bool rolled = false;
  for (int i = 0; i < 500 && !rolled; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    rolled = test::sql(site_.db, "SELECT sum(energy_wh), sum(charge_fen) > 0 FROM meter_days") ==
             "1230|1|";
  }
  collector.stop();
  EXPECT_TRUE(rolled) << rollups();
}

TEST_F(ReportsTest, AMonthsSalesReportEqualsTheLedgersSumForThatMonth) {
  start_with(1'000);
  const MeterId m1{"bus1", 1, 1};
  const MeterId m2{"bus1", 1, 2};
  const Actor c1{"c1", domain::Role::kCashier};
  const Actor c2{"c2", domain::Role::kCashier};
  // February (local): two first sales, a sale and a refund delivered.
  ASSERT_TRUE(site_.desk->open_account("A1", "Li", {m1}, 5'000, "c1"));
  ASSERT_TRUE(site_.desk->open_account("A2", "Wu", {m2}, 3'000, "c2"));
  site_.step(Millis(1000));
  ASSERT_TRUE(ops().sale(c1, "A1", 2'000));
  site_.step(Millis(1000));
  ASSERT_TRUE(ops().refund(c1, "A1", 500));
  site_.step(Millis(1000));
  // Into March: a sale reversed, and a refund that waits for a silent box.
  while (site_.clock.now() < local(2026, 3, 1, 9))
    site_.step(site_.config.poll_interval);
  const auto sale = ops().sale(c2, "A2", 4'000);
  ASSERT_TRUE(sale);
  site_.step(Millis(1000));
  ASSERT_TRUE(ops().reversal(c2, sale.value()));
  site_.step(Millis(1000));
  site_.step(Millis(1000));
  site_.master.set_silent(1, true);
  ASSERT_TRUE(ops().refund(c1, "A1", 300));
  site_.step(Millis(1000));

  const auto r = ops().sales_report(manager(), {local(2026, 2, 1, 0), local(2026, 4, 1, 0),
                                                domain::ReportPeriod::kMonth, false, std::nullopt});
  ASSERT_TRUE(r) << r.error().message;
  const auto& rows = r.value().sums.rows;
  ASSERT_EQ(rows.size(), 2U);
  const auto ledger_sum = [&](const char* kind, TimePoint from, TimePoint to) {
    auto s = test::sql(site_.db,
                       std::string("SELECT COALESCE(sum(amount_fen), 0) FROM "
                                   "ledger WHERE kind = '") +
                           kind + "' AND at >= " + std::to_string(from.time_since_epoch().count()) +
                           " AND at < " + std::to_string(to.time_since_epoch().count()));
    s.pop_back();  // the separator
    return std::stoll(s);
  };
  const auto feb = std::pair{local(2026, 2, 1, 0), local(2026, 3, 1, 0)};
  const auto mar = std::pair{local(2026, 3, 1, 0), local(2026, 4, 1, 0)};
  EXPECT_EQ(rows[0].period, "2026-02");
  EXPECT_EQ(rows[0].sale_fen, ledger_sum("sale", feb.first, feb.second));
  EXPECT_EQ(rows[0].sale_fen, 10'000);
  EXPECT_EQ(rows[0].refund_fen, ledger_sum("refund", feb.first, feb.second));
  EXPECT_EQ(rows[0].refund_fen, 500);
  EXPECT_EQ(rows[1].period, "2026-03");
  EXPECT_EQ(rows[1].sale_fen, ledger_sum("sale", mar.first, mar.second));
  EXPECT_EQ(rows[1].sale_fen, 4'000);
  EXPECT_EQ(rows[1].reversal_fen, ledger_sum("reversal", mar.first, mar.second));
  EXPECT_EQ(rows[1].reversal_fen, 4'000);
  EXPECT_EQ(rows[1].refund_fen, ledger_sum("refund", mar.first, mar.second));
  EXPECT_EQ(rows[1].pending_fen, 300);  // not in the ledger until the meter confirms
  EXPECT_EQ(r.value().sums.totals.net_fen(), 10'000 - 500 + 4'000 - 4'000);

  // A cashier's shift report holds only their own moves; another's is refused.
  const auto mine = ops().shift_report(c1, "c1", local(2026, 2, 1, 0), local(2026, 4, 1, 0));
  ASSERT_TRUE(mine) << mine.error().message;
  EXPECT_EQ(mine.value().sums.totals.sale_fen, 7'000);
  EXPECT_EQ(mine.value().sums.totals.refund_fen, 500);
  EXPECT_EQ(mine.value().sums.totals.pending_fen, 300);
  const auto theirs = ops().shift_report(c1, "c2", local(2026, 2, 1, 0), local(2026, 4, 1, 0));
  ASSERT_FALSE(theirs);
  EXPECT_EQ(theirs.error().kind, domain::ErrorKind::kForbidden);
  EXPECT_TRUE(ops().shift_report(auditor(), "c2", local(2026, 2, 1, 0), local(2026, 4, 1, 0)));
  // A cashier may not read the office's reports, and an empty period is refused.
  EXPECT_FALSE(ops().sales_report(
      c1, {local(2026, 2, 1, 0), local(2026, 4, 1, 0), domain::ReportPeriod::kDay, false, {}}));
  const auto empty = ops().sales_report(
      manager(),
      {local(2026, 4, 1, 0), local(2026, 4, 1, 0), domain::ReportPeriod::kDay, false, {}});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().kind, domain::ErrorKind::kInvalid);
}

TEST_F(ReportsTest, TheDailyReportHasTheDaysTotalsAndTheLogsChainHead) {
  start_with(1'000);
  open_and_poll(48, 400, 0);
  const auto r = ops().daily_report(auditor(), "2026-02-28");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().sales.sale_fen, 5'000);
  EXPECT_EQ(std::to_string(r.value().energy.energy_wh) + "|",
            test::sql(site_.db, "SELECT sum(energy_wh) FROM meter_days WHERE day = '2026-02-28'"));
  EXPECT_GT(r.value().energy.energy_wh, 0);
  const auto head = ops().log_head(auditor());
  ASSERT_TRUE(head);
  EXPECT_EQ(r.value().log_head.id, head.value().id);
  EXPECT_EQ(r.value().log_head.hash, head.value().hash);
  EXPECT_EQ(r.value().log_head.hash.size(), 64U);
  // The model shows both, as `log verify` prints them.
  const auto table = report::table(to_report(r.value()));
  EXPECT_NE(table.find(head.value().hash), std::string::npos) << table;
  EXPECT_NE(table.find("50.00"), std::string::npos) << table;
  const auto bad = ops().daily_report(auditor(), "2026-02-30");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, domain::ErrorKind::kInvalid);
}

TEST_F(ReportsTest, EnergyStatementAndReadingsComeFromTheRollUpsAndTheMeters) {
  start_with(1'000);
  open_and_poll(10, 100, 70);
  const auto from = local(2026, 2, 28, 0);
  const auto to = local(2026, 3, 1, 0);
  const auto energy = ops().energy_report(
      auditor(), {from, to, domain::ReportPeriod::kDay, domain::EnergyGroup::kAccount});
  ASSERT_TRUE(energy) << energy.error().message;
  ASSERT_EQ(energy.value().sums.rows.size(), 2U);
  EXPECT_EQ(energy.value().sums.rows[0].group, "-");  // bus1/1/2: no account
  EXPECT_EQ(energy.value().sums.rows[0].energy_wh, 700);
  EXPECT_EQ(energy.value().sums.rows[1].group, "A1");
  EXPECT_EQ(energy.value().sums.rows[1].energy_wh, 1'000);
  EXPECT_EQ(energy.value().sums.totals.energy_wh, 1'700);

  const auto st = ops().statement(auditor(), "A1", from, to);
  ASSERT_TRUE(st) << st.error().message;
  ASSERT_EQ(st.value().entries.size(), 1U);  // the first sale; charges are its daily use
  EXPECT_EQ(st.value().entries[0].amount_fen, 5'000);
  EXPECT_EQ(st.value().use.totals.energy_wh, 1'000);
  EXPECT_EQ(st.value().opening_fen, 0);
  EXPECT_EQ(st.value().closing_fen, 5'000 - st.value().use.totals.charge_fen);
  EXPECT_FALSE(ops().statement(auditor(), "nobody", from, to));

  const auto readings = ops().readings_export(auditor());
  ASSERT_TRUE(readings);
  ASSERT_GE(readings.value().rows.size(), 2U);
  EXPECT_EQ(readings.value().rows[0].meter.meter.to_string(), "bus1/1/1");
  EXPECT_EQ(readings.value().rows[0].energy_wh, 2'000);
  EXPECT_EQ(readings.value().rows[1].energy_wh, 1'700);
}

// ---- the model and its renderers ----

report::Report sample() {
  report::Report r;
  r.title = "Sales";
  r.sheet = "sales";
  r.period = "period: a to b";
  r.made_at = "made at: c";
  r.utc_offset = kOffset;
  r.columns = {{"period", report::ColumnType::kText},
               {"sales", report::ColumnType::kMoney},
               {"energy", report::ColumnType::kEnergy},
               {"entries", report::ColumnType::kCount},
               {"at", report::ColumnType::kTime}};
  r.rows = {{std::string("2026-03"), std::int64_t{123456}, std::int64_t{1500}, std::int64_t{3},
             local(2026, 3, 1, 9)},
            {std::string("=cmd, \"x\""), std::int64_t{-5}, report::Cell(), std::int64_t{0},
             report::Cell()}};
  r.totals = {std::string("total"), std::int64_t{123451}, std::int64_t{1500}, std::int64_t{3},
              report::Cell()};
  return r;
}

TEST(ReportRenderTest, CsvKeepsNumbersPlainAndQuotesTextsAgainstFormulas) {
  EXPECT_EQ(report::csv(sample()),
            "\"period\",\"sales\",\"energy\",\"entries\",\"at\"\n"
            "\"2026-03\",1234.56,1.500,3,\"2026-03-01T09:00:00+08:00\"\n"
            "\"'=cmd, \"\"x\"\"\",-0.05,,0,\n"
            "\"total\",1234.51,1.500,3,\n");
}

TEST(ReportRenderTest, JsonHasExactDecimalsAndTheHead) {
  const auto j = report::json(sample());
  EXPECT_NE(j.find("\"title\": \"Sales\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"1234.56\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"-0.05\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"type\": \"money\""), std::string::npos) << j;
}

TEST(ReportRenderTest, TheTableAlignsNumbersRightUnderTheHead) {
  const auto t = report::table(sample());
  EXPECT_EQ(t.substr(0, t.find("\n\n")), "Sales\nperiod: a to b\nmade at: c");
  EXPECT_NE(t.find("1234.56"), std::string::npos) << t;
  EXPECT_NE(t.find("  -0.05"), std::string::npos) << t;
}

TEST(ReportRenderTest, AnXlsxThatCannotBeWrittenSaysWhere) {
  EXPECT_THROW(report::write_xlsx({sample()}, "/nonexistent-folder/x.xlsx"), std::runtime_error);
}

TEST(ReportRenderTest, ChineseHeadersComeFromTheTextLayer) {
  text::set_language(text::Lang::kZhCN);
  SalesReport r;
  const auto zh = to_report(r);
  text::set_language(text::Lang::kEn);
  const auto en = to_report(r);
  EXPECT_EQ(zh.title, "售电报表");
  EXPECT_EQ(zh.columns.at(1).header, "售电(元)");
  EXPECT_EQ(en.columns.at(1).header, "sales");
}

}  // namespace
}  // namespace phil::service
