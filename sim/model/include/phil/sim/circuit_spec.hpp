#pragma once
// The configuration of one simulated circuit: what a fleet file (or a scenario's `fleet:`) says
// about it. Pure data, shared by the circuit model and the fleet parser; fleet.hpp re-exports it.
#include <cstdint>
#include <string>

namespace phil::sim {

/// The relay mode of a circuit (values as in the profile's `enums.mode` of adf300l).
enum class Mode : std::uint8_t { kPrepaid = 0, kKeepPower = 1, kForcedOff = 2 };

/// What a circuit draws while its relay is closed.
struct LoadSpec {
  enum class Kind : std::uint8_t { kConstant, kDaily };
  Kind kind = Kind::kConstant;
  std::int64_t power_w = 0;  ///< kConstant: the power; kDaily: the daily peak
  std::string curve;         ///< kDaily: "residential" | "office" | "shop"
  std::uint64_t seed = 0;    ///< kDaily: jitter seed (same seed, same curve)
};

struct CircuitSpec {
  int number = 1;                    ///< 1..circuits of the model
  LoadSpec load;                     ///< default: idle (0 W)
  std::int64_t balance_fen = 0;      ///< initial balance
  std::uint16_t purchase_count = 0;  ///< last accepted credit count
  std::int64_t price = 6000;         ///< 0.0001 yuan/kWh (6000 = 0.6000 yuan/kWh)
  Mode mode = Mode::kPrepaid;
  std::int64_t alarm1_fen = 2000;  ///< alarm 1 at balance <= this
  std::int64_t alarm2_fen = 500;   ///< alarm 2 at balance <= this
};

}  // namespace phil::sim
