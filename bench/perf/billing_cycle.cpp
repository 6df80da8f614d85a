// perf_billing: one poll cycle of N meters (record_cycle: reading rows, charges, meter
// state, one transaction) timed over several cycles on a real SQLite file (WAL,
// synchronous=FULL), and the database growth per meter-year of 30-minute readings.
// With --no-accounts no meter belongs to an account: readings are stored (rows, meter state,
// status) but nothing is charged, which measures ingestion alone. --history N first stores N
// cycles untimed, so the timed cycles run on a database holding that much history (a month of
// 30-minute cycles is 1,440). The store is opened as the daemon opens it
// (Checkpoints::kByCaller): the write-ahead log is copied into the file after each cycle, off
// the poll path as the collector's checkpoint thread does, and that copy is timed apart.
// Usage: perf_billing [--smoke] [--out FILE.json] [--meters N] [--cycles N] [--history N]
//                     [--no-accounts]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <phil/store/store.hpp>

namespace {

using phil::Millis;
using phil::TimePoint;
using phil::domain::MeterId;
using Clock = std::chrono::steady_clock;

/// CPU time of this process (all threads), ms: unlike the wall time it does not count waiting
/// for the disk or for other processes on a busy machine.
double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

std::uintmax_t db_bytes(const std::filesystem::path& db) {
  std::uintmax_t n = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ec;
    const auto s = std::filesystem::file_size(db.string() + suffix, ec);
    if (!ec) n += s;
  }
  return n;
}

// Built with += rather than "x" + std::to_string(n): GCC 12 at -O3 warns falsely (-Wrestrict) on
// the latter.
std::string account_id(int n) {
  std::string s = "A";
  s += std::to_string(n);
  return s;
}
std::string bus_id(int n) {
  std::string s = "bus";
  s += std::to_string(n);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  bool smoke = false;
  bool accounts = true;
  std::string out;
  int meters = 10'000;
  int cycles = 30;
  int history = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--smoke") {
      smoke = true;
    } else if (a == "--out" && i + 1 < argc) {
      out = argv[++i];
    } else if (a == "--meters" && i + 1 < argc) {
      meters = std::stoi(argv[++i]);
    } else if (a == "--cycles" && i + 1 < argc) {
      cycles = std::stoi(argv[++i]);
    } else if (a == "--history" && i + 1 < argc) {
      history = std::stoi(argv[++i]);
    } else if (a == "--no-accounts") {
      accounts = false;
    } else {
      std::fprintf(stderr,
                   "unknown argument %s; use --smoke, --out FILE, --meters N, --cycles N, "
                   "--history N, --no-accounts\n",
                   a.c_str());
      return 2;
    }
  }
  if (smoke) {
    meters = 300;
    cycles = 3;
  }
  const auto dir = std::filesystem::temp_directory_path() /
                   ("perf-billing-" + std::to_string(Clock::now().time_since_epoch().count()));
  std::filesystem::create_directories(dir);
  const auto db = dir / "site.db";
  std::vector<double> cycle_ms;
  std::vector<double> cycle_cpu_ms;
  std::vector<double> checkpoint_ms;
  std::uintmax_t bytes_before = 0;
  std::uintmax_t bytes_after = 0;
  {
    constexpr auto kMode = phil::store::Checkpoints::kByCaller;
    auto store = phil::store::open_sqlite_store(db.string(), kMode);
    // 36 circuits per box, 247 boxes per bus.
    std::vector<MeterId> ids;
    ids.reserve(static_cast<std::size_t>(meters));
    for (int n = 0; n < meters; ++n) {
      ids.push_back(MeterId{bus_id(n / (36 * 247) + 1), (n / 36) % 247 + 1, n % 36 + 1});
    }
    store->register_meters(ids, "adf300l-iii", false);
    const TimePoint t0{Millis(1'772'294'400'000)};
    for (int n = 0; accounts && n < meters; ++n) {
      auto r = store->open_account(
          {account_id(n), "", {ids[static_cast<std::size_t>(n)]}, 0, "bench", t0});
      if (!r) {
        std::fprintf(stderr, "setup failed: %s\n", r.error().message.c_str());
        return 1;
      }
    }
    const phil::store::BillingRules rules{6000, 3};
    phil::store::CycleBatch batch;
    batch.readings.resize(ids.size());
    auto cycle = [&](int c) {
      for (std::size_t i = 0; i < ids.size(); ++i) {
        auto& [id, r] = batch.readings[i];
        id = ids[i];
        r.energy_wh = 1'000'000 + c * 370 + static_cast<std::int64_t>(i % 97);
        // What a meter-side meter holds: its own deduction at the same price (the check then
        // finds no mismatch to write, as on a healthy site).
        r.balance_fen = 90'000 - std::int64_t{c} * 370 * 6000 / 100'000;
        r.relay_closed = true;
        r.mode = phil::domain::MeterMode::kPrepaid;
      }
      store->record_cycle(batch, t0 + Millis(std::int64_t{c} * 1'800'000), rules);
    };
    for (int c = 0; c <= history; ++c) {  // baselines, then the history
      cycle(c);
      store->checkpoint();
    }
    // Size after a checkpoint (closing the last connection writes the WAL into the file).
    store.reset();
    bytes_before = db_bytes(db);
    store = phil::store::open_sqlite_store(db.string(), kMode);
    for (int c = history + 1; c <= history + cycles; ++c) {
      const auto start = Clock::now();
      const double cpu_start = cpu_ms();
      cycle(c);
      cycle_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      cycle_cpu_ms.push_back(cpu_ms() - cpu_start);
      const auto copy_start = Clock::now();
      store->checkpoint();
      checkpoint_ms.push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - copy_start).count());
    }
  }
  // Closing the last connection checkpoints the WAL into the file.
  bytes_after = db_bytes(db);
  std::filesystem::remove_all(dir);

  std::sort(cycle_ms.begin(), cycle_ms.end());
  const double median = cycle_ms[cycle_ms.size() / 2];
  const double worst = cycle_ms.back();
  std::sort(cycle_cpu_ms.begin(), cycle_cpu_ms.end());
  const double cpu_median = cycle_cpu_ms[cycle_cpu_ms.size() / 2];
  std::sort(checkpoint_ms.begin(), checkpoint_ms.end());
  const double checkpoint_median = checkpoint_ms[checkpoint_ms.size() / 2];
  const double per_second = meters / (median / 1000.0);
  const double bytes_per_reading =
      static_cast<double>(bytes_after - bytes_before) / (static_cast<double>(meters) * cycles);
  const double bytes_per_meter_year = bytes_per_reading * 2 * 24 * 365;
  std::printf(
      "%s, meters %d, history %d cycles, timed cycles %d: cycle median %.1f ms (worst %.1f ms; "
      "CPU median %.1f ms), %.0f readings/s; checkpoint after it (off the poll path) median "
      "%.1f ms; %.0f bytes/reading, %.2f MB per meter-year\n",
      accounts ? "charged" : "not charged (no accounts)", meters, history, cycles, median, worst,
      cpu_median, per_second, checkpoint_median, bytes_per_reading, bytes_per_meter_year / 1e6);
  if (!out.empty()) {
    std::ofstream f(out);
    f << "{\"benchmark\": \"billing\", \"charged\": " << (accounts ? "true" : "false")
      << ", \"meters\": " << meters << ", \"history_cycles\": " << history
      << ", \"cycles\": " << cycles << ", \"cycle_ms_median\": " << median
      << ", \"cycle_ms_worst\": " << worst << ", \"cycle_cpu_ms_median\": " << cpu_median
      << ", \"readings_per_s\": " << per_second
      << ", \"checkpoint_ms_median\": " << checkpoint_median
      << ", \"bytes_per_reading\": " << bytes_per_reading
      << ", \"bytes_per_meter_year\": " << bytes_per_meter_year
      << ", \"targets\": {\"readings_per_s\": 200000, \"cycle_ms\": 100}}\n";
    if (!f) {
      std::fprintf(stderr, "cannot write %s\n", out.c_str());
      return 1;
    }
  }
  return 0;
}
