// perf_collector_cycle: how close a poll cycle of the seed site comes to the wire limit.
//
// The seed site: 19 ADF300L-III boxes (36 circuits each) on one RS485 bus at 9600 8N1. The bus is
// reached as RTU over TCP through a loopback "serial server" that paces the line: a request
// occupies the wire for its bytes x character time (10 bits per character at 8N1), the line then
// stays silent t3.5, the reply occupies the wire for its bytes, then t3.5 again. The wire limit
// is the sum of exactly that over the frames of one cycle (the fewest block reads the profile
// allows); the figure is the measured cycle time divided by it.
//
//   perf_collector_cycle --out FILE.json [--smoke]    (--smoke: 2 boxes at 115200 baud)
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include <phil/domain/clock.hpp>
#include <phil/meterlink/adf300.hpp>
#include <phil/meterlink/profile.hpp>
#include <phil/meterlink/rtu_frame.hpp>
#include <phil/meterlink/tcp_master.hpp>
#include <phil/service/system.hpp>

#include "collector_paced_line.hpp"
#include "perf_args.hpp"

namespace {

using SteadyClock = std::chrono::steady_clock;
using phil::perf::Line;
using phil::perf::Micros;
using phil::perf::PacedSerialServer;

/// The wire time of one poll cycle with `plan` per box: request, t3.5, reply, t3.5 per read,
/// plus the one read of the box clock (2 registers) that supervision makes every cycle.
Micros wire_limit(const phil::meterlink::ReadPlan& plan, int boxes, const Line& line) {
  Micros per_box{0};
  auto read = [&](int count) {
    return line.frame(phil::meterlink::rtu_read_request_bytes()) + line.t35 +
           line.frame(phil::meterlink::rtu_read_reply_bytes(static_cast<std::size_t>(count))) +
           line.t35;
  };
  for (const auto& b : plan.blocks)
    per_box += read(b.count);
  per_box += read(2);
  return per_box * boxes;
}

/// Measures one poll cycle of `boxes` boxes through the paced server.
double measure_cycle_ms(int boxes, int baud, const std::string& profiles,
                        const std::filesystem::path& dir) {
  const Line line(baud);
  PacedSerialServer server(line);
  auto site = phil::perf::seed_site(server, baud, boxes, profiles);
  const auto db = (dir / "cycle.db").string();
  std::filesystem::remove(db);
  phil::domain::ManualClock clock(phil::TimePoint(phil::Millis(1'772'294'400'000)));
  phil::service::System system(site, db, clock);
  // The first cycle also sets the clocks (one broadcast) and reads every circuit's serial
  // number once (the baseline of replacement detection); the steady state is the next cycle.
  system.run_iterate();
  clock.advance(site.poll_interval);
  const auto t0 = SteadyClock::now();
  system.run_iterate();
  const auto t1 = SteadyClock::now();
  if (system.counters("bus1").polls_completed != 2) {
    std::fprintf(stderr, "the poll cycle did not complete\n");
    std::exit(1);
  }
  return std::chrono::duration<double, std::milli>(t1 - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const auto args =
      phil::perf::parse_common_args(argc, argv, "perf_collector_cycle --out FILE.json [--smoke]");
  if (!args) return 2;
  const std::string out = args->out;
  const bool smoke = args->smoke;
  const int boxes = smoke ? 2 : 19;
  const int baud = smoke ? 115'200 : 9'600;
  const std::string profiles = std::string(PHIL_SOURCE_DIR) + "/profiles";
  const auto dir = std::filesystem::temp_directory_path() / "phil-perf-collector";
  std::filesystem::create_directories(dir);

  const auto profile = phil::meterlink::load_profile(profiles, "adf300l");
  const phil::meterlink::Adf300Driver driver(profile, "adf300l-iii");
  const Line line(baud);
  const auto limit = wire_limit(driver.poll_plan(), boxes, line);
  const double limit_ms = std::chrono::duration<double, std::milli>(limit).count();
  const double cycle_ms = measure_cycle_ms(boxes, baud, profiles, dir);
  const nlohmann::json j{{"benchmark", "collector_cycle"},
                         {"smoke", smoke},
                         {"boxes", boxes},
                         {"circuits_per_box", driver.circuits()},
                         {"baud", baud},
                         {"reads_per_box", driver.poll_plan().blocks.size()},
                         {"wire_limit_ms", limit_ms},
                         {"cycle_ms", cycle_ms},
                         {"ratio", cycle_ms / limit_ms},
                         {"target_ratio", 1.10}};
  std::printf("%s\n", j.dump(2).c_str());
  if (!out.empty()) std::ofstream(out) << j.dump(2) << "\n";
  std::filesystem::remove_all(dir);
  return 0;
}
