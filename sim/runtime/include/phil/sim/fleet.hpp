#pragma once
// A fleet description: buses, boxes, circuits and their loads. Parsed from a fleet file
// (adf300-sim --fleet) or from the `fleet:` section of a scenario; both use parse_fleet().
// The schema is documented in sim/README.md. Mode, LoadSpec and CircuitSpec live with the
// circuit model (circuit_spec.hpp) and are available through this header.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <phil/common/yaml.hpp>
#include <phil/sim/circuit_spec.hpp>
#include <phil/sim/profile.hpp>

namespace phil::sim {

struct BoxSpec {
  int address = 1;                      ///< 1..247
  std::string model;                    ///< a model name of the profile, e.g. "adf300l-iii"
  std::map<int, CircuitSpec> circuits;  ///< configured circuits; the rest idle at defaults
  TouSchedule tou;                      ///< daily time-of-use periods (default: all day flat)
  std::int64_t clock_drift_ppm = 0;     ///< the box clock runs fast (> 0) or slow, in ppm
};

struct BusSpec {
  std::string id;    ///< e.g. "bus1"
  std::string port;  ///< symlink path to publish, e.g. "vbus/bus1"
  int baud = 9600;
  std::vector<BoxSpec> boxes;
};

struct FleetSpec {
  std::vector<BusSpec> buses;
  std::chrono::minutes utc_offset{0};       ///< the site's local time (daily load curves, TOU)
  std::map<std::string, Profile> profiles;  ///< by profile id, those the boxes use
};

/// Parses a fleet node ({buses: [...]}) strictly; models are looked up in the profiles found in
/// `profiles_dir`. Throws yaml::ConfigError with file:line:col and key on any error.
FleetSpec parse_fleet(const yaml::Node& node, const std::string& profiles_dir);

/// Loads a fleet file whose top level is the fleet node.
FleetSpec load_fleet_file(const std::string& path, const std::string& profiles_dir);

}  // namespace phil::sim
