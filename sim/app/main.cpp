// adf300-sim: serves a virtual ADF300 fleet on pseudo-terminals in (optionally accelerated)
// real time. The only place in sim/ that reads the wall clock.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <functional>
#include <iostream>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <phil/common/time.hpp>
#include <phil/common/yaml.hpp>
#include <phil/sim/fleet.hpp>
#include <phil/sim/simulator.hpp>

namespace {

// start + (wall time elapsed since launch) x speed.
class WallTime final : public phil::sim::TimeSource {
 public:
  WallTime(phil::TimePoint start, std::int64_t speed)
      : start_(start), origin_(std::chrono::steady_clock::now()), speed_(speed) {}
  phil::TimePoint now() const override {
    const auto elapsed =
        std::chrono::duration_cast<phil::Millis>(std::chrono::steady_clock::now() - origin_);
    return start_ + elapsed * speed_;
  }

 private:
  phil::TimePoint start_;
  std::chrono::steady_clock::time_point origin_;
  std::int64_t speed_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Virtual ADF300 fleet: one Modbus-RTU slave pty per bus"};
  std::string fleet_file;
  std::string profiles_dir = PHIL_DEFAULT_PROFILES_DIR;
  std::string run_dir = ".";
  std::int64_t speed = 1;
  std::string start_text;
  bool trace = false;
  app.add_option("--fleet", fleet_file, "fleet file (YAML, see sim/README.md)")->required();
  app.add_option("--profiles", profiles_dir, "directory of device profiles")->capture_default_str();
  app.add_option("--run-dir", run_dir, "directory relative bus ports are created in")
      ->capture_default_str();
  app.add_option("--speed", speed, "simulated seconds per wall-clock second")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1'000'000}))
      ->capture_default_str();
  app.add_option("--start", start_text,
                 "simulated start time, e.g. 2026-03-01T00:00:00+08:00 (default: now)");
  app.add_flag("--trace", trace, "print every frame with its decoding to stderr");
  CLI11_PARSE(app, argc, argv);

  phil::TimePoint start =
      std::chrono::time_point_cast<phil::Millis>(std::chrono::system_clock::now());
  if (!start_text.empty()) {
    const auto parsed = phil::parse_timestamp(start_text);
    if (!parsed) {
      std::cerr << "--start: invalid timestamp \"" << start_text
                << "\"; write it like 2026-03-01T00:00:00+08:00\n";
      return 2;
    }
    start = parsed->utc;
  }

  phil::sim::FleetSpec fleet;
  try {
    fleet = phil::sim::load_fleet_file(fleet_file, profiles_dir);
  } catch (const phil::yaml::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }

  const WallTime time(start, speed);
  phil::sim::SimulatorOptions options;
  options.run_dir = run_dir;
  if (trace) options.trace = [](const std::string& line) { std::cerr << line << std::endl; };
  std::vector<std::string> bus_ids;
  for (const auto& b : fleet.buses)
    bus_ids.push_back(b.id);
  // Signals are caught before anything is served, so a stop always removes the symlinks.
  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const boost::system::error_code&, int) { io.stop(); });
  try {
    phil::sim::Simulator sim(std::move(fleet), time, options);
    sim.start();
    for (const auto& id : bus_ids) {
      std::cout << "BUS " << id << " pty " << sim.endpoint(id) << std::endl;  // flushes
    }

    boost::asio::steady_timer tick(io);
    std::function<void()> step = [&] {
      tick.expires_after(std::chrono::seconds(1));
      tick.async_wait([&](const boost::system::error_code& ec) {
        if (ec) return;
        sim.advance_to(time.now());
        step();
      });
    };
    step();
    io.run();
    sim.stop();
  } catch (const std::exception& e) {
    std::cerr << "adf300-sim: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
