#include <phil/domain/tou.hpp>

#include "enum_names.hpp"

namespace phil::domain {

namespace {

constexpr detail::NameTable<TouRate, 4> kRateNames{{
    {TouRate::kSharp, "sharp"},
    {TouRate::kPeak, "peak"},
    {TouRate::kFlat, "flat"},
    {TouRate::kValley, "valley"},
}};

constexpr int kMinutesPerDay = 24 * 60;

}  // namespace

std::string_view to_string(TouRate r) {
  return detail::name_of(kRateNames, r);
}
std::optional<TouRate> parse_tou_rate(std::string_view s) {
  return detail::value_of(kRateNames, s);
}

std::optional<std::string> check_daily_periods(const std::vector<DailyPeriod>& periods) {
  if (periods.empty()) return "the daily period table is empty; give at least a row at 00:00";
  if (periods.size() > kMaxDailyPeriods) {
    return "the daily period table has " + std::to_string(periods.size()) +
           " rows; a meter holds at most " + std::to_string(kMaxDailyPeriods) + ", merge some";
  }
  if (periods.front().start_minute != 0) {
    return "the daily period table must start at 00:00 so every minute of the day has a rate";
  }
  for (std::size_t i = 0; i < periods.size(); ++i) {
    const int start = periods[i].start_minute;
    if (start < 0 || start >= kMinutesPerDay) {
      return "period start " + std::to_string(start) + " is outside the day (0..1439 minutes)";
    }
    if (i > 0 && start <= periods[i - 1].start_minute) {
      return "period starts must increase strictly (row " + std::to_string(i + 1) + " starts at " +
             std::to_string(start) + " minutes, not after the row before it); sort the table";
    }
  }
  return std::nullopt;
}

TouRate rate_at(const std::vector<DailyPeriod>& periods, int minute_of_day) {
  TouRate r = periods.front().rate;
  for (const auto& p : periods) {
    if (p.start_minute > minute_of_day) break;
    r = p.rate;
  }
  return r;
}

}  // namespace phil::domain
