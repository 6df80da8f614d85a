#pragma once
// A daily period table as text: how a tou_schedule payload writes it and an operator types it.
#include <string_view>
#include <vector>

#include <phil/domain/result.hpp>
#include <phil/domain/tou.hpp>

namespace phil::domain {

/// "HH:MM/rate,..." (e.g. "00:00/valley,08:00/peak,22:00/valley"), checked by
/// check_daily_periods. A refusal (kInvalid) says which row, as typed, is wrong and why.
Result<std::vector<DailyPeriod>> parse_daily_periods(std::string_view text);

}  // namespace phil::domain
