#pragma once
// The configuration of one simulated circuit: what a fleet file (or a scenario's `fleet:`) says
// about it. Pure data, shared by the circuit model and the fleet parser; fleet.hpp re-exports it.
#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <phil/common/time.hpp>

namespace phil::sim {

/// The relay mode of a circuit (values as in the profile's `enums.mode` of adf300l).
enum class Mode : std::uint8_t { kPrepaid = 0, kKeepPower = 1, kForcedOff = 2 };

/// Time-of-use rates, in the order of the profile's price_* / energy_* registers and of the
/// rate codes of the tou_schedule register (0 sharp, 1 peak, 2 flat, 3 valley).
enum class Rate : std::uint8_t { kSharp = 0, kPeak = 1, kFlat = 2, kValley = 3 };

/// The phases of a three-phase circuit.
enum class Phase : std::uint8_t { kA = 0, kB = 1, kC = 2 };

/// Largest weight of a phase split (CircuitSpec::phase_split).
inline constexpr std::int64_t kMaxPhaseWeight = 1'000'000;

/// A power time series: (UTC instant, W) points sorted by instant, strictly increasing. The power
/// is a step function: a point's power holds until the next point; before the first point the
/// power is 0, after the last it stays at the last point's power.
using PowerSeries = std::vector<std::pair<TimePoint, std::int64_t>>;

/// What a circuit draws while its relay is closed.
struct LoadSpec {
  enum class Kind : std::uint8_t { kConstant, kDaily, kSeries, kWalk };
  Kind kind = Kind::kConstant;
  std::int64_t power_w = 0;  ///< kConstant: the power; kDaily: the daily peak; kWalk: start
  std::string curve;         ///< kDaily: "residential" | "office" | "shop"
  std::uint64_t seed = 0;    ///< kDaily: jitter seed (same seed, same curve); kWalk: walk seed
  /// kSeries: the points (shared, immutable: many circuits may replay one CSV file).
  std::shared_ptr<const PowerSeries> series;
  /// kWalk: a seeded random walk that starts at power_w when the model starts and, every
  /// walk_interval, moves by -walk_step_w, 0 or +walk_step_w (equally likely), held within
  /// [walk_min_w, walk_max_w].
  std::int64_t walk_min_w = 0;
  std::int64_t walk_max_w = 0;
  std::int64_t walk_step_w = 0;
  Millis walk_interval{60'000};
};

/// One daily period of a time-of-use schedule: from `start_minute` (local minute of the day,
/// 0..1439) until the next period's start, energy is counted and billed at `rate`.
struct TouPeriod {
  std::int16_t start_minute = 0;
  Rate rate = Rate::kFlat;
  bool operator==(const TouPeriod&) const = default;
};

/// A box's daily time-of-use schedule: 1..14 periods with strictly increasing starts. The last
/// period runs past midnight until the first period's start of the next day. The default is one
/// period, all day flat.
struct TouSchedule {
  static constexpr int kMaxPeriods = 14;
  std::array<TouPeriod, kMaxPeriods> periods{};
  int count = 1;
  /// The rate at local minute `minute` (0..1439).
  Rate rate_at(int minute) const;
  bool operator==(const TouSchedule&) const = default;
};

struct CircuitSpec {
  int number = 1;                    ///< 1..circuits of the model
  LoadSpec load;                     ///< default: idle (0 W)
  std::int64_t balance_fen = 0;      ///< initial balance
  std::uint16_t purchase_count = 0;  ///< last accepted credit count
  std::uint16_t debit_count = 0;     ///< last accepted debit count
  std::int64_t price = 6000;         ///< 0.0001 yuan/kWh (6000 = 0.6000 yuan/kWh), every rate
  Mode mode = Mode::kPrepaid;
  std::int64_t alarm1_fen = 2000;  ///< alarm 1 at balance <= this
  std::int64_t alarm2_fen = 500;   ///< alarm 2 at balance <= this
  /// false: a device that sets no status bits at all (the `status` register reads 0), as some
  /// meters in the field do; the system must decide alarms and arrears from the balance.
  bool status_bits = true;
  /// false: a plain energy meter (a profile of kind energy_only; the box sets it): no relay and
  /// no money. It always draws its load (only a power loss stops it), charges nothing, refuses
  /// credits and debits, ignores mode and overload, and its only status condition is power loss.
  bool has_relay = true;
  /// Per-rate prices (0.0001 yuan/kWh), indexed by Rate; each negative entry takes `price`.
  std::array<std::int64_t, 4> prices{-1, -1, -1, -1};
  std::int64_t overload_w = 0;    ///< overload threshold, W; 0 = no overload protection
  Millis overload_delay{60'000};  ///< how long power > threshold lasts before the relay trips
  /// 1: a single-phase circuit; 3: a three-phase circuit (the box sets it from its model's
  /// `phases`). The total power (the load) drives energy and money alike for both.
  int phases = 1;
  /// Three-phase: how the total power divides among phases A, B, C, as integer weights
  /// (0..kMaxPhaseWeight each, not all 0), e.g. {40, 35, 25}; default balanced. Ignored for
  /// single-phase circuits.
  std::array<std::int64_t, 3> phase_split{1, 1, 1};
  /// Supply voltage of every phase, 0.1 V (2200 = 220.0 V); > 0.
  std::int64_t voltage_dv = 2200;
};

}  // namespace phil::sim
