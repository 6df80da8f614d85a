#pragma once
// A fleet description: buses, boxes, circuits and their loads. Parsed from a fleet file
// (adf300-sim --fleet) or from the `fleet:` section of a scenario; both use parse_fleet().
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <phil/common/yaml.hpp>
#include <phil/sim/profile.hpp>

namespace phil::sim {

enum class Mode : std::uint8_t { kPrepaid = 0, kKeepPower = 1, kForcedOff = 2 };

/// What a circuit draws while its relay is closed.
struct LoadSpec {
  enum class Kind : std::uint8_t { kConstant, kDaily };
  Kind kind = Kind::kConstant;
  std::int64_t power_w = 0;        ///< kConstant: the power; kDaily: the daily peak
  std::string curve;               ///< kDaily: "residential" | "office" | "shop"
  std::uint64_t seed = 0;          ///< kDaily: jitter seed (same seed, same curve)
};

struct CircuitSpec {
  int number = 1;                          ///< 1..circuits of the model
  LoadSpec load;                           ///< default: idle (0 W)
  std::int64_t balance_fen = 0;            ///< initial balance
  std::uint16_t purchase_count = 0;        ///< last accepted credit count
  std::int64_t price = 6000;               ///< 0.0001 yuan/kWh (6000 = 0.6000 yuan/kWh)
  Mode mode = Mode::kPrepaid;
  std::int64_t alarm1_fen = 2000;          ///< alarm 1 at balance <= this
  std::int64_t alarm2_fen = 500;           ///< alarm 2 at balance <= this
};

struct BoxSpec {
  int address = 1;                         ///< 1..247
  std::string model;                       ///< a model name of the profile, e.g. "adf300l-iii"
  std::map<int, CircuitSpec> circuits;     ///< configured circuits; the rest idle at defaults
};

struct BusSpec {
  std::string id;                          ///< e.g. "bus1"
  std::string port;                        ///< symlink path to publish, e.g. "vbus/bus1"
  int baud = 9600;
  std::vector<BoxSpec> boxes;
};

struct FleetSpec {
  std::vector<BusSpec> buses;
  std::chrono::minutes utc_offset{0};        ///< the site's local time (daily load curves, TOU)
  std::map<std::string, Profile> profiles;  ///< by profile id, those the boxes use
};

/// Parses a fleet node ({buses: [...]}) strictly; models are looked up in the profiles found in
/// `profiles_dir`. Throws yaml::ConfigError with file:line:col and key on any error.
FleetSpec parse_fleet(const yaml::Node& node, const std::string& profiles_dir);

/// Loads a fleet file whose top level is the fleet node.
FleetSpec load_fleet_file(const std::string& path, const std::string& profiles_dir);

}  // namespace phil::sim
