// perf_sim_capacity: how many circuits one simulator process serves in real time with every
// reply on time. BUSES pty buses of BOXES ADF300L-III boxes (36 circuits each, daily loads),
// served by one in-process Simulator on the wall clock, its models stepped every second as
// adf300-sim does; one master per bus (client threads in the same process, sharing the 2 cores)
// polls its boxes at the rate a 9600-baud line carries: a 120-register read every
// PERIOD = wire time of request + reply + 2 x t3.5 (~271 ms), the head-end's continuous cycle.
//
// On time: unpaced, the whole reply within 100 ms of the request (a real box answers in tens
// of ms; masters wait 500-1000 ms); paced (--paced, 9600 8N1 pacing), the last reply byte
// within 50 ms of when the line would deliver it (request end + t3.5 + wire time). Missed: no
// whole reply within 1 s. Memory: RSS growth from before the fleet is parsed to the end of the
// run, per circuit.
//
//   perf_sim_capacity --out FILE.json [--smoke] [--paced] [--buses N] [--boxes N] [--seconds S]
//                     [--threads T]   (default 100 buses x 19 boxes, 60 s, 2 client threads;
//                                      smoke: 3 buses x 2 boxes, 4 s)
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <malloc.h>
#include <nlohmann/json.hpp>

#include <phil/common/yaml.hpp>
#include <phil/sim/fleet.hpp>
#include <phil/sim/line.hpp>

#include "sim_serve_support.hpp"

int main(int argc, char** argv) {
  using namespace phil;
  using namespace std::chrono;
  std::string out;
  bool smoke = false;
  bool paced = false;
  int buses = 100;
  int boxes = 19;
  int run_s = 60;
  int threads = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto number = [&] { return i + 1 < argc ? std::atoi(argv[++i]) : 0; };
    if (a == "--smoke") {
      smoke = true;
    } else if (a == "--paced") {
      paced = true;
    } else if (a == "--out" && i + 1 < argc) {
      out = argv[++i];
    } else if (a == "--buses") {
      buses = number();
    } else if (a == "--boxes") {
      boxes = number();
    } else if (a == "--seconds") {
      run_s = number();
    } else if (a == "--threads") {
      threads = number();
    } else {
      std::fprintf(stderr,
                   "usage: perf_sim_capacity --out FILE.json [--smoke] [--paced] [--buses N] "
                   "[--boxes N] [--seconds S] [--threads T]\n");
      return 2;
    }
  }
  if (smoke) {
    buses = 3;
    boxes = 2;
    run_s = 4;
  }
  if (buses < 1 || boxes < 1 || boxes > 247 || run_s < 1 || threads < 1) {
    std::fprintf(stderr,
                 "perf_sim_capacity: --buses, --boxes (1..247), --seconds and "
                 "--threads must be positive\n");
    return 2;
  }
  const auto line = sim::line_timing(9600, sim::Parity::kNone, 1);
  const auto reads = perf::box_poll_reads();
  const std::size_t full_reply = 5 + 2 * 120;
  const auto period = line.frame(8 + full_reply) + 2 * line.t35;

  const auto run_dir = std::filesystem::temp_directory_path() /
                       ("phil_perf_sim_capacity_" + std::to_string(::getpid()));
  const std::int64_t rss_before = perf::rss_bytes();
  perf::WallTime time;
  sim::SimulatorOptions options;
  options.run_dir = run_dir.string();
  sim::Simulator simulator(
      [&] {  // the YAML document is gone before memory is measured
        const auto doc = yaml::Document::load_string(perf::fleet_yaml(buses, boxes, 9600, paced, 0),
                                                     "capacity.yaml");
        return sim::parse_fleet(doc.root(), PHIL_SOURCE_DIR "/profiles");
      }(),
      time, options);
  simulator.start();
  ::malloc_trim(0);  // give the parser's freed memory back, so RSS counts what the fleet holds
  const std::int64_t rss_started = perf::rss_bytes();

  // Models stepped every wall second, as adf300-sim's main does; how long each step takes.
  std::atomic<bool> stop{false};
  std::vector<double> step_ms;
  std::thread ticker([&] {
    auto next = perf::SteadyClock::now();
    while (!stop) {
      next += seconds(1);
      std::this_thread::sleep_until(next);
      const auto t0 = perf::SteadyClock::now();
      simulator.advance_to(time.now());
      step_ms.push_back(duration<double, std::milli>(perf::SteadyClock::now() - t0).count());
    }
  });

  // Masters, spread over the client threads and staggered over one period.
  std::vector<std::vector<perf::Master>> groups(static_cast<std::size_t>(threads));
  const auto t_start = perf::SteadyClock::now() + milliseconds(200);
  for (int b = 0; b < buses; ++b) {
    perf::Master m;
    m.fd = perf::open_raw(simulator.endpoint("bus" + std::to_string(b + 1)));
    if (m.fd < 0) {
      std::fprintf(stderr, "perf_sim_capacity: cannot open bus%d\n", b + 1);
      return 1;
    }
    m.boxes = boxes;
    m.period = duration_cast<nanoseconds>(period);
    m.next_send = t_start + duration_cast<perf::SteadyClock::duration>(period * b / buses);
    groups[static_cast<std::size_t>(b % threads)].push_back(m);
  }
  std::mutex mu;
  std::vector<double> latency_ms;  // request written -> whole reply read
  std::uint64_t late = 0;
  std::uint64_t missed = 0;
  std::uint64_t behind = 0;  // replies so late the next request could not go out on schedule
  const auto until = t_start + seconds(run_s);
  std::vector<std::thread> clients;
  for (auto& g : groups) {
    clients.emplace_back([&, &g = g] {
      std::vector<double> mine;
      std::uint64_t my_late = 0;
      std::uint64_t my_missed = 0;
      std::uint64_t my_behind = 0;
      perf::run_masters(g, until, [&](std::size_t, const perf::Exchange& e) {
        if (e.missed) {
          ++my_missed;
          return;
        }
        const auto took = e.last - e.sent;
        mine.push_back(duration<double, std::milli>(took).count());
        const auto due = paced ? line.frame(e.request_bytes) + line.t35 +
                                     line.frame(e.reply_bytes) + milliseconds(50)
                               : nanoseconds(milliseconds(100));
        if (took > due) ++my_late;
        if (took > period) ++my_behind;
      });
      std::lock_guard lock(mu);
      latency_ms.insert(latency_ms.end(), mine.begin(), mine.end());
      late += my_late;
      missed += my_missed;
      behind += my_behind;
    });
  }
  for (auto& c : clients)
    c.join();
  const std::int64_t rss_end = perf::rss_bytes();
  stop = true;
  ticker.join();
  const auto answered = [&] {
    std::uint64_t n = 0;
    for (int b = 1; b <= buses; ++b)
      n += simulator.frames_answered("bus" + std::to_string(b));
    return n;
  }();
  for (auto& g : groups) {
    for (auto& m : g)
      ::close(m.fd);
  }
  simulator.stop();
  std::filesystem::remove_all(run_dir);

  const std::int64_t circuits = std::int64_t{buses} * boxes * 36;
  const std::size_t replies = latency_ms.size();
  const double expected_requests = static_cast<double>(buses) *
                                   duration<double>(seconds(run_s)).count() /
                                   duration<double>(period).count();
  nlohmann::json j;
  j["benchmark"] = "sim_capacity";
  j["smoke"] = smoke;
  j["paced"] = paced;
  j["buses"] = buses;
  j["boxes_per_bus"] = boxes;
  j["circuits"] = circuits;
  j["seconds"] = run_s;
  j["client_threads"] = threads;
  j["period_ms"] = duration<double, std::milli>(period).count();
  j["reads_per_box"] = reads.size();
  j["requests_scheduled"] = expected_requests;
  j["replies"] = replies;
  j["frames_answered"] = answered;
  j["late"] = late;
  j["missed"] = missed;
  j["behind_schedule"] = behind;
  j["latency_p50_ms"] = perf::quantile(latency_ms, 0.5);
  j["latency_p99_ms"] = perf::quantile(latency_ms, 0.99);
  j["latency_max_ms"] = latency_ms.empty() ? 0 : latency_ms.back();
  j["model_step_p50_ms"] = perf::quantile(step_ms, 0.5);
  j["model_step_max_ms"] = step_ms.empty() ? 0 : step_ms.back();
  j["rss_before_mb"] = static_cast<double>(rss_before) / 1048576.0;
  j["rss_started_mb"] = static_cast<double>(rss_started) / 1048576.0;
  j["rss_end_mb"] = static_cast<double>(rss_end) / 1048576.0;
  j["bytes_per_circuit"] =
      static_cast<double>(rss_end - rss_before) / static_cast<double>(circuits);
  j["circuits_served_on_time"] = (late == 0 && missed == 0 && replies > 0) ? circuits : 0;
  j["target"] = "68,400 circuits (100 x 19 x 36), every reply on time";
  j["met"] = circuits >= 68'400 && late == 0 && missed == 0 && replies > 0;
  const std::string text = j.dump(2);
  std::printf("%s\n", text.c_str());
  if (!out.empty()) std::ofstream(out) << text << "\n";
  return replies > 0 ? 0 : 1;
}
