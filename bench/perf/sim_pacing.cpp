// perf_sim_pacing: the simulator's line pacing at 9600 8N1, measured from the master's side of
// real ptys. One master per bus polls its boxes back to back (waiting t3.5 after each reply, as
// a correct master does). Figures: the smallest gap between a request's end on the wire and
// the first reply byte (target >= t3.5), the reply latency distribution (request end to last
// reply byte), and how long replies take against their wire time.
//
//   perf_sim_pacing --out FILE.json [--smoke]   (full: 2 buses x 19 boxes, 30 s; smoke: 1 x 2, 2 s)
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <phil/common/yaml.hpp>
#include <phil/sim/fleet.hpp>
#include <phil/sim/line.hpp>

#include "perf_args.hpp"
#include "sim_serve_support.hpp"

int main(int argc, char** argv) {
  using namespace phil;
  using namespace std::chrono;
  const auto args =
      phil::perf::parse_common_args(argc, argv, "perf_sim_pacing --out FILE.json [--smoke]");
  if (!args) return 2;
  const std::string out = args->out;
  const bool smoke = args->smoke;
  const int buses = smoke ? 1 : 2;
  const int boxes = smoke ? 2 : 19;
  const auto run_for = smoke ? seconds(2) : seconds(30);
  const int turnaround_ms = 0;  // the sim's own gap: t3.5 exactly, nothing added
  const auto line = sim::line_timing(9600, sim::Parity::kNone, 1);

  const auto run_dir = std::filesystem::temp_directory_path() /
                       ("phil_perf_sim_pacing_" + std::to_string(::getpid()));
  const auto doc = yaml::Document::load_string(
      perf::fleet_yaml(buses, boxes, 9600, true, turnaround_ms), "pacing.yaml");
  perf::WallTime time;
  sim::SimulatorOptions options;
  options.run_dir = run_dir.string();
  sim::Simulator simulator(sim::parse_fleet(doc.root(), PHIL_SOURCE_DIR "/profiles"), time,
                           options);
  simulator.start();

  std::vector<perf::Master> masters(static_cast<std::size_t>(buses));
  for (int b = 0; b < buses; ++b) {
    auto& m = masters[static_cast<std::size_t>(b)];
    m.fd = perf::open_raw(simulator.endpoint("bus" + std::to_string(b + 1)));
    if (m.fd < 0) {
      std::fprintf(stderr, "perf_sim_pacing: cannot open bus%d\n", b + 1);
      return 1;
    }
    m.boxes = boxes;
    m.pause = line.t35;
    m.next_send = perf::SteadyClock::now();
  }
  std::vector<double> gaps_us;     // request end -> first reply byte
  std::vector<double> latency_ms;  // request end -> last reply byte
  std::vector<double> stretch;     // (last - first) / wire time of (bytes - 1) characters
  std::uint64_t missed = 0;
  perf::run_masters(masters, perf::SteadyClock::now() + run_for,
                    [&](std::size_t, const perf::Exchange& e) {
                      if (e.missed) {
                        ++missed;
                        return;
                      }
                      const auto end = e.sent + line.frame(e.request_bytes);
                      gaps_us.push_back(duration<double, std::micro>(e.first - end).count());
                      latency_ms.push_back(duration<double, std::milli>(e.last - end).count());
                      stretch.push_back(duration<double>(e.last - e.first).count() /
                                        duration<double>(line.frame(e.reply_bytes - 1)).count());
                    });
  for (auto& m : masters)
    ::close(m.fd);
  simulator.stop();
  std::filesystem::remove_all(run_dir);

  const double t35_us = duration<double, std::micro>(line.t35).count();
  const std::size_t replies = gaps_us.size();
  const double min_gap = replies ? *std::min_element(gaps_us.begin(), gaps_us.end()) : 0;
  nlohmann::json j;
  j["benchmark"] = "sim_pacing";
  j["smoke"] = smoke;
  j["line"] = "9600 8N1";
  j["buses"] = buses;
  j["boxes_per_bus"] = boxes;
  j["seconds"] = run_for.count();
  j["turnaround_ms"] = turnaround_ms;
  j["char_time_us"] = duration<double, std::micro>(line.char_time).count();
  j["t35_us"] = t35_us;
  j["replies"] = replies;
  j["missed"] = missed;
  j["min_gap_us"] = min_gap;
  j["gap_p50_us"] = perf::quantile(gaps_us, 0.5);
  j["gap_p99_us"] = perf::quantile(gaps_us, 0.99);
  j["min_gap_over_t35"] = t35_us > 0 ? min_gap / t35_us : 0;
  j["latency_p50_ms"] = perf::quantile(latency_ms, 0.5);
  j["latency_p99_ms"] = perf::quantile(latency_ms, 0.99);
  j["latency_max_ms"] = latency_ms.empty() ? 0 : latency_ms.back();
  j["reply_time_over_wire_min"] = perf::quantile(stretch, 0.0);
  j["reply_time_over_wire_p50"] = perf::quantile(stretch, 0.5);
  j["reply_time_over_wire_max"] = stretch.empty() ? 0 : stretch.back();
  j["target"] = "min gap >= t3.5";
  j["met"] = replies > 0 && min_gap >= t35_us;
  const std::string text = j.dump(2);
  std::printf("%s\n", text.c_str());
  if (!out.empty()) std::ofstream(out) << text << "\n";
  return replies > 0 ? 0 : 1;
}
