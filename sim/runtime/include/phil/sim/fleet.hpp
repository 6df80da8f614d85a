#pragma once
// A fleet description: buses, boxes, circuits and their loads. Parsed from a fleet file
// (adf300-sim --fleet) or from the `fleet:` section of a scenario; both use parse_fleet().
// The schema is documented in sim/README.md. Mode, LoadSpec and CircuitSpec live with the
// circuit model (circuit_spec.hpp) and are available through this header.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/common/yaml.hpp>
#include <phil/sim/circuit_spec.hpp>
#include <phil/sim/line.hpp>
#include <phil/sim/profile.hpp>

namespace phil::sim {

struct BoxSpec {
  int address = 1;                      ///< 1..247
  std::string model;                    ///< a model name of the profile, e.g. "adf300l-iii"
  std::map<int, CircuitSpec> circuits;  ///< configured circuits; the rest idle at defaults
  TouSchedule tou;                      ///< daily time-of-use periods (default: all day flat)
  std::int64_t clock_drift_ppm = 0;     ///< the box clock runs fast (> 0) or slow, in ppm
};

/// How a bus is offered to masters.
enum class Transport : std::uint8_t {
  kPty,         ///< a pseudo-terminal, published as a symlink (`port`)
  kRtuOverTcp,  ///< a transparent serial server: RTU frames in a TCP stream on 127.0.0.1
  kTcp,         ///< a Modbus TCP gateway (MBAP <-> RTU, unit id = box address) on 127.0.0.1
};
/// "pty", "rtu-over-tcp", "tcp" (fleet files, BUS lines, Simulator::transport()), and back.
std::string_view transport_name(Transport t);
std::optional<Transport> transport_from_name(std::string_view name);

/// Line pacing: replies go out at the line's real speed (see Simulator).
struct PacingSpec {
  bool enabled = false;
  std::chrono::microseconds turnaround{0};  ///< the box's think time after t3.5
};

struct BusSpec {
  std::string id;  ///< e.g. "bus1"
  Transport transport = Transport::kPty;
  std::string port;  ///< kPty: symlink path to publish, e.g. "vbus/bus1"
  int tcp_port = 0;  ///< TCP transports: port on 127.0.0.1; 0 = any free port (ephemeral)
  int baud = 9600;
  Parity parity = Parity::kNone;
  int stop_bits = 1;  ///< 1 or 2
  PacingSpec pacing;
  std::vector<BoxSpec> boxes;
};

/// A fault of the fleet, from a fleet file's `faults:` or injected at run time
/// (Simulator::inject_fault). Active from `start` for `duration` of SIMULATED time (0 = until
/// cleared). Frame faults apply to frames served while active; box faults (power loss, clock
/// drift) take effect exactly at their edges; a meter replacement happens once, at `start`.
struct FaultSpec {
  enum class Kind : std::uint8_t {
    kBoxSilent,      ///< box `address` neither hears nor answers (broadcasts included)
    kBusSilent,      ///< nothing on the bus hears or answers anything
    kDropRequest,    ///< a request (for `address`, 0 = any) is lost before any box sees it
    kDropReply,      ///< the request is executed but its reply is lost
    kCorruptCrc,     ///< the reply goes out with a wrong CRC
    kDelay,          ///< the reply goes out `delay` (wall time) later than it would
    kTruncate,       ///< only the first half of the reply goes out
    kNoise,          ///< `noise_bytes` seeded random bytes go out before the reply
    kPowerLoss,      ///< box `address` (0 = every box of the bus) has no supply
    kMeterReplaced,  ///< circuit `circuit` of box `address` gets a new meter, at `start`
    kClockDrift,     ///< box `address` clock gains `drift_ppm` (negative: loses)
  };
  Kind kind = Kind::kBoxSilent;
  std::string bus;    ///< bus id
  int address = 0;    ///< box address; 0 = every box / any frame of the bus
  int circuit = 0;    ///< kMeterReplaced: 1..circuits of the box
  TimePoint start{};  ///< when it begins (simulated time)
  /// Fleet files may give the start as a duration after the simulator's start instead: then
  /// `start_after` holds it and `start_relative` is true, and the Simulator resolves it.
  bool start_relative = false;
  Millis start_after{0};
  Millis duration{0};               ///< simulated time; 0 = until cleared
  int probability_permille = 1000;  ///< frame faults: chance per frame, 0..1000
  Millis delay{0};                  ///< kDelay
  int noise_bytes = 8;              ///< kNoise: 1..256
  std::int64_t drift_ppm = 0;       ///< kClockDrift
  std::uint64_t seed = 0;           ///< which frames a probability picks (deterministic)
};

/// The names of fault kinds in fleet files and `adf300-sim ctl` (e.g. "box_silent"), and back.
std::string_view fault_kind_name(FaultSpec::Kind kind);
std::optional<FaultSpec::Kind> fault_kind_from_name(std::string_view name);

struct FleetSpec {
  std::vector<BusSpec> buses;
  std::chrono::minutes utc_offset{0};       ///< the site's local time (daily load curves, TOU)
  std::map<std::string, Profile> profiles;  ///< by profile id, those the boxes use
  std::vector<FaultSpec> faults;            ///< scheduled faults (fleet file `faults:`)
};

/// Parses a fleet node ({buses: [...]}) strictly; models are looked up in the profiles found in
/// `profiles_dir`. Throws yaml::ConfigError with file:line:col and key on any error.
FleetSpec parse_fleet(const yaml::Node& node, const std::string& profiles_dir);

/// Loads a fleet file whose top level is the fleet node.
FleetSpec load_fleet_file(const std::string& path, const std::string& profiles_dir);

}  // namespace phil::sim
