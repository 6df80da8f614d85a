// perf_collector_latency: how long a sale waits for its meter while a poll cycle is running.
//
// The seed site (19 ADF300L-III boxes, one bus at 9600 8N1) behind a paced loopback serial line
// (collector_paced_line.hpp), polled continuously by the Collector (one worker per bus). While
// the cycle runs, sales arrive at random moments; the figure is the time from the sale's commit
// to its credit confirmed by read-back (p50, p99, max). The worker lets a waiting command in
// between two block reads, so a command waits for at most the transaction in flight.
//
//   perf_collector_latency --out FILE.json [--smoke]   (--smoke: 2 boxes at 115200, 5 sales)
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

int main(int argc, char** argv) {
  const auto args =
      phil::perf::parse_common_args(argc, argv, "perf_collector_latency --out FILE.json [--smoke]");
  if (!args) return 2;
  const std::string out = args->out;
  const bool smoke = args->smoke;
  const int boxes = smoke ? 2 : 19;
  const int baud = smoke ? 115'200 : 9'600;
  const int sales = smoke ? 5 : 60;
  const auto dir = std::filesystem::temp_directory_path() / "phil-perf-latency";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  phil::perf::PacedSerialServer server{phil::perf::Line(baud)};
  auto site =
      phil::perf::seed_site(server, baud, boxes, std::string(PHIL_SOURCE_DIR) + "/profiles");
  site.poll_interval = phil::Millis(1000);  // cycles back to back: a sale always meets one
  phil::perf::WallClock clock;
  phil::service::System system(site, (dir / "site.db").string(), clock);
  // The operator's side, as prepaidctl beside prepaidd: the front door on its own connection.
  const auto ops = phil::service::Operations::open((dir / "site.db").string(), clock, site);
  const phil::service::Actor bench{"bench", phil::domain::Role::kCashier};  // opens and sells
  std::vector<phil::domain::MeterId> meters;
  for (int i = 0; i < sales; ++i) {
    const phil::domain::MeterId m{"bus1", 1 + i % boxes, 1 + (i / boxes) % 36};
    meters.push_back(m);
    phil::service::OpenAccount req;
    req.account = "A" + std::to_string(i);
    req.meters = {m};
    if (const auto r = ops->open_account(bench, req); !r) {
      std::fprintf(stderr, "account %d: %s\n", i, r.error().message.c_str());
      return 1;
    }
  }
  phil::service::Collector collector(system, clock, {phil::Millis(2000), phil::Millis(1000)});
  collector.start();
  std::mt19937_64 rng(7);
  std::vector<double> latencies_ms;
  for (int i = 0; i < sales; ++i) {
    // A random moment inside the running cycle.
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 900));
    const auto t0 = std::chrono::steady_clock::now();
    if (!ops->sale(bench, "A" + std::to_string(i), 100)) {
      std::fprintf(stderr, "sale %d refused\n", i);
      return 1;
    }
    collector.wake();  // what the daemon does after an in-process sale
    bool confirmed = false;
    for (int wait = 0; wait < 6000 && !confirmed; ++wait) {  // at most 30 s
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      const auto cmds = system.commands(meters[static_cast<std::size_t>(i)], 1);
      confirmed = !cmds.empty() && cmds[0].state == phil::domain::CommandState::kConfirmed;
    }
    if (!confirmed) {
      std::fprintf(stderr, "sale %d not confirmed within 30 s\n", i);
      return 1;
    }
    latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  collector.stop();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double p) {
    const auto idx = static_cast<std::size_t>(p * static_cast<double>(latencies_ms.size() - 1));
    return latencies_ms[idx];
  };
  const nlohmann::json j{{"benchmark", "collector_latency"},
                         {"smoke", smoke},
                         {"boxes", boxes},
                         {"baud", baud},
                         {"sales", sales},
                         {"polls_completed", system.counters("bus1").polls_completed},
                         {"p50_ms", pct(0.50)},
                         {"p99_ms", pct(0.99)},
                         {"max_ms", latencies_ms.back()},
                         {"target_p99_ms", 1000}};
  std::printf("%s\n", j.dump(2).c_str());
  if (!out.empty()) std::ofstream(out) << j.dump(2) << "\n";
  std::filesystem::remove_all(dir);
  return 0;
}
