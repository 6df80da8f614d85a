#pragma once
// Load profiles of simulated circuits: what a circuit would draw if its relay were closed.
// Pure functions of (load, instant, site offset): no state, no clock reads, deterministic.
//
// Daily curves have 96 points (one per 15 minutes of LOCAL time), each in permille of the peak,
// and the power is constant within a slot. Each slot of each local day gets a deterministic
// jitter of -15%..+15% from splitmix64(seed, local day, slot): the same seed gives the same
// curve on every run and every machine.
#include <array>
#include <chrono>
#include <cstdint>
#include <span>
#include <string_view>

#include <phil/common/time.hpp>
#include <phil/sim/circuit_spec.hpp>

namespace phil::sim {

inline constexpr int kSlotsPerDay = 96;
inline constexpr std::int64_t kSlotMs = std::int64_t{15} * 60 * 1000;

/// The names accepted as LoadSpec::curve.
std::span<const std::string_view> daily_curve_names();
bool is_daily_curve(std::string_view name);

/// The 96 permille points of a named curve; throws std::invalid_argument for an unknown name.
const std::array<std::int64_t, kSlotsPerDay>& daily_curve(std::string_view name);

/// splitmix64 finaliser: a well-mixed 64-bit hash, used for the jitter.
std::uint64_t splitmix64(std::uint64_t x);

/// Power in W (>= 0) drawn at `t` by `load` at a site whose local time is UTC + `utc_offset`.
/// Throws std::invalid_argument for an unknown curve (the fleet parser rejects those first).
/// A random walk (kWalk) has state, kept by the circuit model (WalkState below): here it is its
/// start power.
std::int64_t load_power_w(const LoadSpec& load, TimePoint t, std::chrono::minutes utc_offset);

/// The first instant after `t` at which load_power_w may change: the next local 15-minute
/// boundary for daily curves, the next point of a series, TimePoint::max() for constant loads
/// and random walks (whose steps WalkState times).
TimePoint next_load_change(const LoadSpec& load, TimePoint t, std::chrono::minutes utc_offset);

/// The state of a seeded random walk (LoadSpec::Kind::kWalk). Deterministic: the same load and
/// origin give the same walk, whatever steps the caller advances by.
class WalkState {
 public:
  WalkState() = default;
  /// A walk of `load` starting at `origin` at load.power_w (clamped to [min, max]).
  WalkState(const LoadSpec& load, TimePoint origin);
  /// Power at `t` (>= the last instant asked; earlier instants give the current power).
  std::int64_t power_at(const LoadSpec& load, TimePoint t);
  /// The next instant after `t` at which the walk moves.
  TimePoint next_change(const LoadSpec& load, TimePoint t) const;

 private:
  TimePoint origin_{};
  std::int64_t step_index_ = 0;  // steps taken since origin_
  std::int64_t power_w_ = 0;
};

/// The next local minute-of-day boundary after `t` at which `schedule` may change rate.
TimePoint next_tou_change(const TouSchedule& schedule, TimePoint t,
                          std::chrono::minutes utc_offset);
/// The rate of `schedule` at instant `t`.
Rate tou_rate_at(const TouSchedule& schedule, TimePoint t, std::chrono::minutes utc_offset);

}  // namespace phil::sim
