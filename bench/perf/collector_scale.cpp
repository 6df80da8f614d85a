// perf_collector_scale: 200 buses at 115200 baud on loopback, each behind its own paced serial
// line (collector_paced_line.hpp), polled by the Collector on schedule (cycles spread over the
// interval, the site default). The figures: slots of the schedule that passed without their
// cycle (the System counts them: a cycle that starts a whole interval late or more), the worst
// lateness of a cycle start against its slot, and cycles run per bus.
//
//   perf_collector_scale --out FILE.json [--smoke]   (--smoke: 5 buses, 12 s)
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <phil/domain/clock.hpp>
#include <phil/service/collector.hpp>
#include <phil/service/system.hpp>

#include "collector_paced_line.hpp"
#include "perf_args.hpp"

namespace {

class WallClock final : public phil::domain::Clock {
 public:
  phil::TimePoint now() const override {
    return std::chrono::time_point_cast<phil::Millis>(std::chrono::system_clock::now());
  }
};

}  // namespace

int main(int argc, char** argv) {
  const auto args =
      phil::perf::parse_common_args(argc, argv, "perf_collector_scale --out FILE.json [--smoke]");
  if (!args) return 2;
  const std::string out = args->out;
  const bool smoke = args->smoke;
  spdlog::set_level(spdlog::level::warn);
  const int buses = smoke ? 5 : 200;
  const int boxes = 2;  // 72 circuits per bus
  const phil::Millis interval(10'000);
  const auto run = std::chrono::seconds(smoke ? 12 : 65);
  const auto dir = std::filesystem::temp_directory_path() / "phil-perf-scale";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  std::vector<std::unique_ptr<phil::perf::PacedSerialServer>> servers;
  phil::service::SiteConfig site;
  site.name = "scale";
  site.profiles_dir = std::string(PHIL_SOURCE_DIR) + "/profiles";
  // The paced line's boxes are plain register memory (no model register): their identity is
  // not checked, as before issue 12.8, so the figures stay comparable.
  site.box_identity_check = false;
  site.poll_interval = interval;
  for (int b = 0; b < buses; ++b) {
    servers.push_back(std::make_unique<phil::perf::PacedSerialServer>(phil::perf::Line(115'200)));
    phil::service::BusConfig bus;
    bus.id = "bus" + std::to_string(b + 1);
    bus.transport = phil::service::Transport::kRtuOverTcp;
    bus.port = "127.0.0.1:" + std::to_string(servers.back()->port());
    bus.baud = 115'200;
    bus.response_timeout = phil::Millis(1000);
    for (int x = 1; x <= boxes; ++x)
      bus.boxes.push_back({x, "adf300l-iii", "adf300l"});
    site.buses.push_back(bus);
  }
  WallClock clock;
  phil::service::System system(site, (dir / "site.db").string(), clock);
  phil::service::Collector collector(system, clock, {phil::Millis(500), phil::Millis(1000)});
  const auto t0 = std::chrono::steady_clock::now();
  collector.start();
  std::this_thread::sleep_for(run);
  collector.stop();
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  // Cycles the schedule asked for: at 0, interval, 2 x interval, ... within the run.
  const auto expected = static_cast<std::uint64_t>(
      std::chrono::duration_cast<phil::Millis>(elapsed).count() / interval.count() + 1);
  std::uint64_t min_polls = UINT64_MAX;
  std::uint64_t max_polls = 0;
  std::uint64_t missed = 0;
  int missed_buses = 0;
  phil::Millis worst_lateness{0};
  for (const auto& bus : site.buses) {
    const auto c = system.counters(bus.id);
    min_polls = std::min(min_polls, c.polls_completed);
    max_polls = std::max(max_polls, c.polls_completed);
    missed += c.cycles_missed;
    // A slot of the schedule passed without its cycle, or a cycle started a whole interval late.
    // (cycles_min/max are for information: a spread bus's slots lie up to one interval later
    // than the first bus's, and the last cycle may still be running when the run ends.)
    if (c.cycles_missed > 0 || c.worst_start_lateness >= interval) ++missed_buses;
    worst_lateness = std::max(worst_lateness, c.worst_start_lateness);
  }
  const nlohmann::json j{{"benchmark", "collector_scale"},
                         {"smoke", smoke},
                         {"buses", buses},
                         {"boxes_per_bus", boxes},
                         {"baud", 115'200},
                         {"poll_interval_ms", interval.count()},
                         {"run_ms", std::chrono::duration_cast<phil::Millis>(elapsed).count()},
                         {"cycles_expected_per_bus", expected},
                         {"cycles_min", min_polls},
                         {"cycles_max", max_polls},
                         {"cycles_missed", missed},
                         {"worst_start_lateness_ms", worst_lateness.count()},
                         {"buses_with_a_missed_cycle", missed_buses},
                         {"target_missed", 0}};
  std::printf("%s\n", j.dump(2).c_str());
  if (!out.empty()) std::ofstream(out) << j.dump(2) << "\n";
  std::filesystem::remove_all(dir);
  return missed_buses == 0 ? 0 : 1;
}
