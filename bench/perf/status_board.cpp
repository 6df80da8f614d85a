// perf_status_board: Operations::status_board on a SQLite file of 10,000 meters (issue 14 item
// 1; goal < 100 ms): 10 buildings of 40 floors, one adf300l-iii box of 25 meters a floor, each
// meter in a room, 9,000 of them in accounts, every one read with a balance, relay and mode and
// a status of each kind. The whole board (one store query, then filter, count, group) and a
// filtered one (one building), wall time per call, median and extremes of 20 calls.
// Usage: perf_status_board [--smoke] [--out FILE.json]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <phil/service/operations.hpp>
#include <phil/store/store.hpp>

#include "perf_args.hpp"
#include "perf_site.hpp"
#include "support/sqlite_count.hpp"

namespace {

using Clock = std::chrono::steady_clock;

constexpr phil::TimePoint kT0{phil::Millis(1'796'457'600'000)};  // 2026-12-05T08:00:00Z

}  // namespace

int main(int argc, char** argv) {
  const auto args =
      phil::perf::parse_common_args(argc, argv, "perf_status_board [--smoke] [--out F]");
  if (!args) return 2;
  const int buildings = args->smoke ? 1 : 10;
  const int calls = args->smoke ? 3 : 20;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("perf-board-" + std::to_string(Clock::now().time_since_epoch().count()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "site.db").string();
  std::vector<double> whole;
  std::vector<double> filtered;
  std::size_t meters = 0;
  {
    auto store = phil::store::open_sqlite_store(path);
    if (auto r = store->import_site(phil::perf::office_site(buildings), "bench", kT0); !r) {
      std::fprintf(stderr, "import failed: %s\n", r.error().message.c_str());
      return 1;
    }
    // What the polls stored: every meter read; statuses of each kind, by its circuit.
    const auto err = phil::test::sql(
        path,
        "UPDATE meters SET read_at = 1796457600000, energy_wh = 1000, power_w = 0, relay = 1, "
        "mode = 'prepaid', balance_fen = 10000 - circuit * 400, status = CASE "
        "WHEN circuit > 23 THEN 'not_opened' WHEN circuit = 23 AND box % 2 = 1 THEN 'not_opened' "
        "WHEN circuit = 22 THEN 'offline' WHEN circuit >= 20 THEN 'arrears' "
        "WHEN circuit >= 15 THEN 'alarm2' WHEN circuit >= 10 THEN 'alarm1' ELSE 'normal' END;");
    if (err.rfind("error", 0) == 0) {
      std::fprintf(stderr, "%s\n", err.c_str());
      return 1;
    }
    phil::domain::ManualClock clock{kT0 + phil::Millis(600'000)};
    phil::service::Operations ops(*store, clock);
    const phil::service::Actor actor{"bench", phil::domain::Role::kAuditor};
    for (int i = 0; i < calls; ++i) {
      const auto t0 = Clock::now();
      const auto b = ops.status_board(actor, {});
      whole.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      if (!b) return 1;
      meters = b.value().counts.total;
      const auto t1 = Clock::now();
      const auto f = ops.status_board(actor, {.building = "b1"});
      filtered.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t1).count());
      if (!f) return 1;
    }
  }
  std::filesystem::remove_all(dir);
  const auto [lo, hi] = std::minmax_element(whole.begin(), whole.end());
  char json[512];
  std::snprintf(json, sizeof json,
                "{\"benchmark\": \"status_board\", \"meters\": %zu, \"calls\": %d, "
                "\"wall_ms_median\": %.1f, \"wall_ms_min\": %.1f, \"wall_ms_max\": %.1f, "
                "\"one_building_ms_median\": %.1f, \"goal_ms\": 100}\n",
                meters, calls, phil::perf::median(whole), *lo, *hi, phil::perf::median(filtered));
  std::fputs(json, stdout);
  if (!args->out.empty()) std::ofstream(args->out) << json;
  return 0;
}
