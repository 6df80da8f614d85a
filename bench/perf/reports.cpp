// perf_reports: the office's reports (issue 14 item 5) on a SQLite file of 10,000 meters with one
// year of 30-minute readings, generated here (perf_site.hpp's 10 blocks; --smoke: one block and a
// week). Goals: a month's energy report of every meter < 1 s, the year's sales report < 1 s, the
// readings export as xlsx < 2 s.
//
// The year is written as the system writes it: each day's readings (every meter every 30
// minutes, 17,520 a year each) and charges (one per account a day: the poll books one a reading,
// which only makes the ledger larger, not the reports' look-ups) committed, then a roll-up pass
// (the collector's, every minute) — so the generation also measures a pass over a day. Sales: each
// account buys once a month from one of four cashiers; one account in 97 is refunded monthly.
// The reports then run through Operations as prepaidctl runs them (UTC: no site file); each is
// timed 5 times (median, max). Last, `report rebuild` of the whole year is timed once.
// Usage: perf_reports [--smoke] [--out FILE.json]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <sqlite3.h>

#include <phil/report/report.hpp>
#include <phil/service/operations.hpp>
#include <phil/service/report_model.hpp>
#include <phil/store/store.hpp>

#include "perf_args.hpp"
#include "perf_site.hpp"

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::int64_t kSlotMs = 1'800'000;
constexpr std::int64_t kYear0 = 1'735'689'600'000;  // 2025-01-01T00:00:00Z

struct Meter {
  std::string id;
  std::string account;  ///< empty: no account
  std::int64_t energy_wh = 100'000;
};

/// The bench's own connection for the bulk writes (the store keeps its own).
class Writer {
 public:
  explicit Writer(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) fail("open");
    exec("PRAGMA cache_size = -262144; PRAGMA synchronous = NORMAL;");
    reading_ = prepare(
        "INSERT INTO readings (at, meter, energy_wh, power_w, balance_fen, relay, mode, "
        "status_bits, purchase_count, purchase_total_fen) VALUES (?1, ?2, ?3, 0, 5000, 1, "
        "'prepaid', 0, 0, 0)");
    money_ = prepare(
        "INSERT INTO ledger (account, kind, meter, amount_fen, energy_wh, balance_after_fen, "
        "operator, at) VALUES (?1, ?2, ?3, ?4, ?5, 5000, ?6, ?7)");
  }
  ~Writer() {
    sqlite3_finalize(reading_);
    sqlite3_finalize(money_);
    sqlite3_close(db_);
  }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(sql);
  }
  void reading(std::int64_t at, const std::string& meter, std::int64_t wh) {
    sqlite3_bind_int64(reading_, 1, at);
    sqlite3_bind_text(reading_, 2, meter.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_int64(reading_, 3, wh);
    run(reading_);
  }
  void money(const std::string& account, const char* kind, const std::string& meter,
             std::int64_t fen, std::int64_t wh, const std::string& op, std::int64_t at) {
    sqlite3_bind_text(money_, 1, account.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(money_, 2, kind, -1, SQLITE_STATIC);
    if (meter.empty()) {
      sqlite3_bind_null(money_, 3);
    } else {
      sqlite3_bind_text(money_, 3, meter.c_str(), -1, SQLITE_STATIC);
    }
    sqlite3_bind_int64(money_, 4, fen);
    sqlite3_bind_int64(money_, 5, wh);
    sqlite3_bind_text(money_, 6, op.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_int64(money_, 7, at);
    run(money_);
  }

 private:
  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &s, nullptr) != SQLITE_OK) fail(sql);
    return s;
  }
  void run(sqlite3_stmt* s) {
    if (sqlite3_step(s) != SQLITE_DONE) fail("insert");
    sqlite3_reset(s);
  }
  [[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "perf_reports: %s: %s\n", what, sqlite3_errmsg(db_));
    std::exit(1);
  }
  sqlite3* db_ = nullptr;
  sqlite3_stmt* reading_ = nullptr;
  sqlite3_stmt* money_ = nullptr;
};

std::vector<Meter> meters_of(const phil::domain::SiteModel& m) {
  std::vector<Meter> out;
  for (const auto& meter : m.meters)
    out.push_back({meter.id.to_string(), "", 100'000});
  for (const auto& a : m.accounts) {
    const auto id = a.meters.front().to_string();
    for (auto& meter : out)
      if (meter.id == id) meter.account = a.id;
  }
  return out;
}

/// One day of readings and charges in one transaction, then its sales.
void write_day(Writer& w, std::vector<Meter>& meters, int day) {
  const std::int64_t start = kYear0 + day * kDayMs;
  w.exec("BEGIN");
  std::vector<std::int64_t> used(meters.size(), 0);
  for (int slot = 0; slot < 48; ++slot) {
    for (std::size_t i = 0; i < meters.size(); ++i) {
      // 0 to 490 Wh a half hour, in the register's 10 Wh steps, varying by meter, hour and day.
      const auto wh =
          static_cast<std::int64_t>(
              (i * 7 + static_cast<std::size_t>(slot) * 13 + static_cast<std::size_t>(day)) % 50) *
          10;
      meters[i].energy_wh += wh;
      used[i] += wh;
      w.reading(start + slot * kSlotMs, meters[i].id, meters[i].energy_wh);
    }
  }
  for (std::size_t i = 0; i < meters.size(); ++i) {
    if (meters[i].account.empty()) continue;
    w.money(meters[i].account, "charge", meters[i].id, (used[i] * 6 + 5) / 10, used[i], "poll",
            start + kDayMs - 1000);
  }
  for (std::size_t i = 0; i < meters.size(); ++i) {
    const auto& a = meters[i].account;
    if (a.empty()) continue;
    const auto n = static_cast<int>(i);
    const auto at = start + std::int64_t{9} * 3'600'000 + std::int64_t{n % 480} * 60'000;
    const auto cashier = "c" + std::to_string(n % 4 + 1);
    if (day % 30 == n % 30) w.money(a, "sale", "", 10'000, 0, cashier, at);
    if (n % 97 == 0 && day % 30 == (n + 15) % 30) w.money(a, "refund", "", 2'000, 0, cashier, at);
  }
  w.exec("COMMIT");
}

struct Timing {
  double median_ms = 0;
  double max_ms = 0;
};

Timing time_of(int calls, const std::function<bool()>& f) {
  std::vector<double> ms;
  for (int i = 0; i < calls; ++i) {
    const auto t0 = Clock::now();
    if (!f()) {
      std::fprintf(stderr, "perf_reports: a report failed\n");
      std::exit(1);
    }
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms.back()};
}

phil::TimePoint at(std::int64_t ms) {
  return phil::TimePoint{phil::Millis(ms)};
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = phil::perf::parse_common_args(argc, argv, "perf_reports [--smoke] [--out F]");
  if (!args) return 2;
  const int buildings = args->smoke ? 1 : 10;
  const int days = args->smoke ? 7 : 365;
  constexpr int kCalls = 5;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("perf-reports-" + std::to_string(Clock::now().time_since_epoch().count()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "site.db").string();
  const auto site = phil::perf::office_site(buildings);
  auto meters = meters_of(site);

  auto store = phil::store::open_sqlite_store(path);
  if (auto r = store->import_site(site, "bench", at(kYear0 - kDayMs)); !r) {
    std::fprintf(stderr, "import failed: %s\n", r.error().message.c_str());
    return 1;
  }
  std::vector<double> pass_ms;
  double write_s = 0;
  {
    Writer w(path);
    for (int d = 0; d < days; ++d) {
      const auto t0 = Clock::now();
      write_day(w, meters, d);
      const auto t1 = Clock::now();
      store->roll_up(std::chrono::minutes(0));
      pass_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t1).count());
      write_s += std::chrono::duration<double>(t1 - t0).count();
    }
    // The meters' state as the last poll left it (the readings export and the board read it).
    w.exec(
        "UPDATE meters SET read_at = (SELECT max(at) FROM readings), relay = 1, mode = 'prepaid', "
        "balance_fen = 5000, power_w = 0, status = 'normal', energy_wh = (SELECT r.energy_wh FROM "
        "readings r WHERE r.meter = meters.id AND r.at = (SELECT max(at) FROM readings))");
  }
  std::sort(pass_ms.begin(), pass_ms.end());

  const auto end = kYear0 + days * kDayMs;
  phil::domain::ManualClock clock{at(end + 3'600'000)};
  phil::service::Operations ops(*store, clock);
  const phil::service::Actor manager{"bench", phil::domain::Role::kManager};
  // The last whole month written (the smoke run's week), every meter.
  const std::int64_t month_from = args->smoke ? kYear0 : kYear0 + 334 * kDayMs;  // 2025-12-01
  std::size_t energy_rows = 0;
  const auto energy = time_of(kCalls, [&] {
    const auto r =
        ops.energy_report(manager, {at(month_from), at(end), phil::domain::ReportPeriod::kMonth,
                                    phil::domain::EnergyGroup::kMeter});
    if (r) energy_rows = r.value().sums.rows.size();
    return static_cast<bool>(r);
  });
  std::size_t sales_rows = 0;
  std::int64_t sales_fen = 0;
  const auto sales = time_of(kCalls, [&] {
    const auto r = ops.sales_report(
        manager, {at(kYear0), at(end), phil::domain::ReportPeriod::kMonth, true, std::nullopt});
    if (r) {
      sales_rows = r.value().sums.rows.size();
      sales_fen = r.value().sums.totals.sale_fen;
    }
    return static_cast<bool>(r);
  });
  const auto xlsx_path = (dir / "readings.xlsx").string();
  std::size_t export_rows = 0;
  const auto xlsx = time_of(kCalls, [&] {
    const auto r = ops.readings_export(manager);
    if (!r) return false;
    export_rows = r.value().rows.size();
    phil::report::write_xlsx({phil::service::to_report(r.value())}, xlsx_path);
    return true;
  });
  const auto xlsx_bytes = std::filesystem::file_size(xlsx_path);
  const auto t_rebuild = Clock::now();
  const auto rebuilt = ops.rebuild_reports(manager);
  const double rebuild_s = std::chrono::duration<double>(Clock::now() - t_rebuild).count();
  if (!rebuilt) return 1;
  const auto db_bytes = std::filesystem::file_size(path);
  store.reset();
  std::filesystem::remove_all(dir);

  char json[1536];
  std::snprintf(
      json, sizeof json,
      "{\"benchmark\": \"reports\", \"meters\": %zu, \"days\": %d, \"readings\": %lld, "
      "\"db_mb\": %.0f, \"write_day_s_mean\": %.2f, \"rollup_pass_ms_median\": %.0f, "
      "\"rollup_pass_ms_max\": %.0f, "
      "\"energy_month_all_meters_ms_median\": %.1f, \"energy_month_all_meters_ms_max\": %.1f, "
      "\"energy_rows\": %zu, \"sales_year_by_month_and_cashier_ms_median\": %.1f, "
      "\"sales_year_ms_max\": %.1f, \"sales_rows\": %zu, \"sales_total_fen\": %lld, "
      "\"readings_export_xlsx_ms_median\": %.1f, \"readings_export_xlsx_ms_max\": %.1f, "
      "\"export_rows\": %zu, \"xlsx_kb\": %.0f, \"rebuild_year_s\": %.1f, "
      "\"goals_ms\": {\"energy_month\": 1000, \"sales_year\": 1000, \"readings_xlsx\": 2000}}\n",
      meters.size(), days, static_cast<long long>(rebuilt.value().readings),
      static_cast<double>(db_bytes) / 1e6, write_s / days, pass_ms[pass_ms.size() / 2],
      pass_ms.back(), energy.median_ms, energy.max_ms, energy_rows, sales.median_ms, sales.max_ms,
      sales_rows, static_cast<long long>(sales_fen), xlsx.median_ms, xlsx.max_ms, export_rows,
      static_cast<double>(xlsx_bytes) / 1e3, rebuild_s);
  std::fputs(json, stdout);
  if (!args->out.empty()) std::ofstream(args->out) << json;
  return 0;
}
