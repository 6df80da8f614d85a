#pragma once
// Test-only: the System against the virtual fleet (tests that link both sides): one clock for
// both sides, the fleet started from YAML, a one-bus site on its port.
#include <memory>
#include <string>

#include <phil/common/shared_time.hpp>
#include <phil/common/yaml.hpp>
#include <phil/domain/clock.hpp>
#include <phil/service/system.hpp>
#include <phil/sim/fleet.hpp>
#include <phil/sim/simulator.hpp>

#include "support/fake_adf300.hpp"

namespace phil::test {

/// One clock for both sides; read from the simulator's serving thread, hence atomic.
class SharedClock final : public domain::Clock, public sim::TimeSource {
 public:
  explicit SharedClock(TimePoint t) : now_(t) {}
  TimePoint now() const override { return now_.now(); }
  void advance(Millis d) { now_.advance(d); }

 private:
  SharedTimePoint now_;
};

/// Simulated time moves on by `d`: the fleet's circuit models to it, then one iteration of the
/// System. How the integration tests on the virtual fleet let time pass.
inline void step(SharedClock& clock, sim::Simulator& sim, service::System& system, Millis d) {
  clock.advance(d);
  sim.advance_to(clock.now());
  system.run_iterate();
}

/// The virtual fleet of `fleet_yaml` (the profiles of `profiles_dir`: the test profiles unless
/// said), its ptys published under `run_dir`, started.
inline std::unique_ptr<sim::Simulator> start_fleet(const char* fleet_yaml,
                                                   const std::string& run_dir,
                                                   const sim::TimeSource& time,
                                                   const std::string& profiles_dir = {}) {
  const auto doc = yaml::Document::load_string(fleet_yaml, "fleet.yaml");
  sim::SimulatorOptions options;
  options.run_dir = run_dir;
  auto sim = std::make_unique<sim::Simulator>(
      sim::parse_fleet(doc.root(), profiles_dir.empty() ? test_profiles_dir() : profiles_dir), time,
      options);
  sim->start();
  return sim;
}

/// A one-bus site "bus1" on `port` (test profiles) with the given boxes.
inline service::SiteConfig one_bus_site(const std::string& name, const std::string& port,
                                        Millis response_timeout,
                                        std::vector<service::BoxConfig> boxes) {
  service::SiteConfig site;
  site.name = name;
  site.profiles_dir = test_profiles_dir();
  service::BusConfig bus;
  bus.id = "bus1";
  bus.port = port;
  bus.response_timeout = response_timeout;
  bus.boxes = std::move(boxes);
  site.buses = {bus};
  return site;
}

}  // namespace phil::test
