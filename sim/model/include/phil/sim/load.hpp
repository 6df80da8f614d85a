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
inline constexpr std::int64_t kSlotMs = 15 * 60 * 1000;

/// The names accepted as LoadSpec::curve.
std::span<const std::string_view> daily_curve_names();
bool is_daily_curve(std::string_view name);

/// The 96 permille points of a named curve; throws std::invalid_argument for an unknown name.
const std::array<std::int64_t, kSlotsPerDay>& daily_curve(std::string_view name);

/// splitmix64 finaliser: a well-mixed 64-bit hash, used for the jitter.
std::uint64_t splitmix64(std::uint64_t x);

/// Power in W (>= 0) drawn at `t` by `load` at a site whose local time is UTC + `utc_offset`.
/// Throws std::invalid_argument for an unknown curve (the fleet parser rejects those first).
std::int64_t load_power_w(const LoadSpec& load, TimePoint t, std::chrono::minutes utc_offset);

/// The first instant after `t` at which load_power_w may change: the next local 15-minute
/// boundary for daily curves, TimePoint::max() for constant loads.
TimePoint next_load_change(const LoadSpec& load, TimePoint t, std::chrono::minutes utc_offset);

}  // namespace phil::sim
