#pragma once
// Time points and durations shared by every part. Both sides take time from an injected source;
// nothing reads the wall clock except the production clocks named WallClock.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace phil {

using Millis = std::chrono::milliseconds;
/// A UTC instant with millisecond resolution.
using TimePoint = std::chrono::sys_time<Millis>;

/// Parses a duration such as "30m", "1h30m", "90s", "3d", "250ms" or "2w". Units: ms, s, m, h,
/// d, w. Returns nullopt on anything else (no sign, no fractions, no spaces).
std::optional<Millis> parse_duration(std::string_view text);

/// Formats a duration in the same grammar, e.g. "1h30m"; zero is "0s".
std::string format_duration(Millis d);

/// An ISO-8601 timestamp with an explicit offset, e.g. "2026-03-01T00:00:00+08:00" or
/// "2026-03-01T00:00:00Z". Seconds are required; fractions are not accepted.
struct ZonedTime {
  TimePoint utc;
  std::chrono::minutes offset{0};  ///< local = utc + offset
};
std::optional<ZonedTime> parse_timestamp(std::string_view text);

/// Formats `t` in local time at `offset`, e.g. "2026-03-01T08:30:00+08:00".
std::string format_timestamp(TimePoint t, std::chrono::minutes offset);

}  // namespace phil
