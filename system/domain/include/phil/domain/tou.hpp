#pragma once
// Time-of-use rates and the daily period table, shared by tariffs (what the system charges) and
// the price / TOU-schedule commands (what a meter is told). Pure.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phil::domain {

/// The four TOU rates, in the meter's register order (ADF300 tou_schedule: 0 sharp .. 3 valley).
enum class TouRate : std::uint8_t { kSharp = 0, kPeak = 1, kFlat = 2, kValley = 3 };
inline constexpr int kTouRates = 4;

std::string_view to_string(TouRate r);
std::optional<TouRate> parse_tou_rate(std::string_view s);

/// One row of a daily period table: from `start_minute` (0..1439, local time of day) until the
/// next row's start (or midnight), `rate` applies.
struct DailyPeriod {
  int start_minute = 0;
  TouRate rate = TouRate::kFlat;
  bool operator==(const DailyPeriod&) const = default;
};

/// Most rows a daily table may have (the ADF300 tou_schedule holds 14).
inline constexpr std::size_t kMaxDailyPeriods = 14;

/// Checks a daily table: 1..kMaxDailyPeriods rows, the first at minute 0, starts strictly
/// increasing and below 1440. Returns a message saying what is wrong and how to fix it, or
/// nullopt if the table is valid.
std::optional<std::string> check_daily_periods(const std::vector<DailyPeriod>& periods);

/// The rate in force at `minute_of_day` (0..1439) under a valid table.
TouRate rate_at(const std::vector<DailyPeriod>& periods, int minute_of_day);

}  // namespace phil::domain
