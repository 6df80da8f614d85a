#pragma once
// Tariff test data shared by the domain and store tariff tests: local (+08:00) wall time and the
// seed-like time-of-use tariff.
#include <chrono>

#include <phil/common/time.hpp>
#include <phil/domain/tariff.hpp>

namespace phil::test {

/// Local (+08:00) wall time to UTC.
constexpr TimePoint local(int y, unsigned mo, unsigned d, int h, int mi = 0) {
  using std::chrono::hours;
  const std::chrono::sys_days day{std::chrono::year{y} / std::chrono::month{mo} /
                                  std::chrono::day{d}};
  return TimePoint(day) + hours(h) + std::chrono::minutes(mi) - hours(8);
}

/// Seed-like TOU: valley 00:00-08:00, peak 08:00-11:00, sharp 11:00-13:00, flat 13:00-22:00,
/// valley 22:00-24:00; sharp 1.2, peak 0.9, flat 0.6, valley 0.3 yuan/kWh.
inline domain::Tariff tou() {
  using domain::TouRate;
  domain::Tariff t;
  t.rates = {12000, 9000, 6000, 3000};  // sharp, peak, flat, valley
  t.periods = {{0, TouRate::kValley},
               {8 * 60, TouRate::kPeak},
               {11 * 60, TouRate::kSharp},
               {13 * 60, TouRate::kFlat},
               {22 * 60, TouRate::kValley}};
  return t;
}

}  // namespace phil::test
