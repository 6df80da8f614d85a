// perf_collector_freshness: how old the state the office sees gets with the status scan on
// (issue 14 item 7), and what the scan does to a sale's latency.
//
// The seed site (19 ADF300L-III boxes, 684 meters, one bus at 9600 8N1) behind a paced loopback
// serial line (collector_paced_line.hpp), run by the Collector in real time with the status
// scan on (site defaults: a scan at most every 20 s, reads planned for a 20 ms reply delay) and
// full readings every `poll` (4 minutes here, so the window holds one steady-state reading
// between scans; the seed's 30 minutes only spaces them further). From the end of the first
// scan after the first reading on (start-up, with every meter's first-contact downloads, is
// reported apart), once a second, every meter's state age (now - its state_at) is sampled; the
// figure is the largest over the window. Meanwhile sales arrive every few seconds at random
// moments, each timed from its commit to its credit confirmed by read-back (p50, p99, max).
//
//   perf_collector_freshness --out FILE.json [--smoke]   (--smoke: 2 boxes at 115200, 20 s)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include <phil/domain/clock.hpp>
#include <phil/service/collector.hpp>
#include <phil/service/operations.hpp>
#include <phil/service/system.hpp>

#include "collector_paced_line.hpp"
#include "perf_args.hpp"

namespace {

using SteadyClock = std::chrono::steady_clock;

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = phil::perf::parse_common_args(
      argc, argv, "perf_collector_freshness --out FILE.json [--smoke]");
  if (!args) return 2;
  const bool smoke = args->smoke;
  const int boxes = smoke ? 2 : 19;
  const int baud = smoke ? 115'200 : 9'600;
  const auto window = smoke ? std::chrono::seconds(20) : std::chrono::seconds(330);
  const phil::Millis poll = smoke ? phil::Millis(10'000) : phil::Millis(240'000);
  const auto dir = std::filesystem::temp_directory_path() / "phil-perf-freshness";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  phil::perf::PacedSerialServer server{phil::perf::Line(baud)};
  auto site =
      phil::perf::seed_site(server, baud, boxes, std::string(PHIL_SOURCE_DIR) + "/profiles");
  site.poll_interval = poll;
  site.status_scan = phil::service::StatusScan{};
  if (smoke) site.status_scan->every = phil::Millis(2000);  // a few scans between the readings
  phil::perf::WallClock clock;
  phil::service::System system(site, (dir / "site.db").string(), clock);
  const auto ops = phil::service::Operations::open((dir / "site.db").string(), clock, site);
  const phil::service::Actor bench{"bench", phil::domain::Role::kCashier};
  std::vector<phil::domain::MeterId> meters;
  for (int b = 1; b <= boxes; ++b) {
    for (int c = 1; c <= 36; ++c)
      meters.push_back({"bus1", b, c});
  }
  const int accounts = smoke ? 4 : 60;
  std::vector<phil::domain::MeterId> account_meter;  // account i's one meter, spread over the bus
  for (int i = 0; i < accounts; ++i) {
    account_meter.push_back(meters[static_cast<std::size_t>(i * 11) % meters.size()]);
    phil::service::OpenAccount req;
    req.account = "A" + std::to_string(i);
    req.meters = {account_meter.back()};
    if (const auto r = ops->open_account(bench, req); !r) {
      std::fprintf(stderr, "account %d: %s\n", i, r.error().message.c_str());
      return 1;
    }
  }
  phil::service::Collector collector(system, clock, {phil::Millis(2000), phil::Millis(1000)});
  collector.start();
  // The first full reading (and its serial numbers) gives every meter its first state.
  const auto started = SteadyClock::now();
  const auto first_deadline = started + std::chrono::minutes(5);
  while (system.counters("bus1").polls_completed < 1 && SteadyClock::now() < first_deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  if (system.counters("bus1").polls_completed < 1) {
    std::fprintf(stderr, "the first reading did not finish within 5 minutes\n");
    return 1;
  }
  // Start-up is not the steady state: the first reading stamps each box when it is read, but it
  // also downloads every meter's thresholds (first contact), so it takes minutes and the first
  // boxes' states are that old when it ends. The window starts once a scan has followed it.
  const auto first_reading_s = std::chrono::duration<double>(SteadyClock::now() - started).count();
  while (system.counters("bus1").scans_completed < 1 && SteadyClock::now() < first_deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  if (system.counters("bus1").scans_completed < 1) {
    std::fprintf(stderr, "no status scan followed the first reading\n");
    return 1;
  }
  const auto start_up_s = std::chrono::duration<double>(SteadyClock::now() - started).count();

  std::mt19937_64 rng(7);
  std::vector<double> age_samples_s;
  std::vector<double> latencies_ms;
  double worst_age_s = 0;
  std::string worst_meter;
  int sale = 0;
  auto next_sale = SteadyClock::now() + std::chrono::milliseconds(1000 + rng() % 4000);
  const auto end = SteadyClock::now() + window;
  struct Open {
    int account;
    SteadyClock::time_point t0;
  };
  std::vector<Open> open_sales;
  while (SteadyClock::now() < end) {
    const auto now = clock.now();
    double oldest = 0;
    for (const auto& m : meters) {
      const auto v = system.meter(m);
      if (!v || !v->ever_read) continue;
      const double age = std::chrono::duration<double>(now - v->state_at).count();
      if (age > oldest) oldest = age;
      if (age > worst_age_s) {
        worst_age_s = age;
        worst_meter = m.to_string();
      }
    }
    age_samples_s.push_back(oldest);
    if (SteadyClock::now() >= next_sale) {
      const int a = sale++ % accounts;
      if (!ops->sale(bench, "A" + std::to_string(a), 100)) {
        std::fprintf(stderr, "sale to A%d refused\n", a);
        return 1;
      }
      collector.wake();
      open_sales.push_back({a, SteadyClock::now()});
      next_sale = SteadyClock::now() + std::chrono::milliseconds(1000 + rng() % 7000);
    }
    // Poll the sales' commands every 5 ms for the next second (latency resolution).
    for (int t = 0; t < 200; ++t) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      for (auto it = open_sales.begin(); it != open_sales.end();) {
        const auto& meter = account_meter[static_cast<std::size_t>(it->account)];
        const auto cmds = system.commands(meter, 1);
        if (!cmds.empty() && cmds[0].state == phil::domain::CommandState::kConfirmed) {
          latencies_ms.push_back(
              std::chrono::duration<double, std::milli>(SteadyClock::now() - it->t0).count());
          it = open_sales.erase(it);
        } else {
          ++it;
        }
      }
    }
  }
  collector.stop();
  const auto counters = system.counters("bus1");
  const nlohmann::json j{
      {"benchmark", "collector_freshness"},
      {"smoke", smoke},
      {"boxes", boxes},
      {"meters", meters.size()},
      {"baud", baud},
      {"first_reading_s", first_reading_s},
      {"start_up_s", start_up_s},
      {"window_s", window.count()},
      {"poll_interval_s", poll.count() / 1000},
      {"scan_every_s", site.status_scan->every.count() / 1000},
      {"polls_completed", counters.polls_completed},
      {"scans_completed", counters.scans_completed},
      {"age_samples", age_samples_s.size()},
      {"max_state_age_s", worst_age_s},
      {"max_state_age_meter", worst_meter},
      {"p50_oldest_state_s", percentile(age_samples_s, 0.5)},
      {"sales_confirmed", latencies_ms.size()},
      {"sales_unconfirmed_at_end", open_sales.size()},
      {"credit_p50_ms", percentile(latencies_ms, 0.5)},
      {"credit_p99_ms", percentile(latencies_ms, 0.99)},
      {"credit_max_ms",
       latencies_ms.empty() ? 0.0 : *std::max_element(latencies_ms.begin(), latencies_ms.end())},
      {"target_max_state_age_s", 60},
      {"target_credit_p99_ms", 1000}};
  std::printf("%s\n", j.dump(2).c_str());
  if (!args->out.empty()) std::ofstream(args->out) << j.dump(2) << "\n";
  std::filesystem::remove_all(dir);
  return 0;
}
