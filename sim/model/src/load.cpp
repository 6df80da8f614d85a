#include <algorithm>
#include <stdexcept>
#include <string>

#include <phil/sim/load.hpp>

namespace phil::sim {

namespace {

using Curve = std::array<std::int64_t, kSlotsPerDay>;

// Hourly anchors in permille of the peak; the 15-minute points interpolate linearly between
// consecutive hours (hour 23 towards hour 0 of the next day), so the curve has no steps of more
// than a quarter of an hour's change.
constexpr Curve expand(const std::array<std::int64_t, 24>& hourly) {
  Curve out{};
  for (std::size_t h = 0; h < 24; ++h) {
    const std::int64_t a = hourly[h];
    const std::int64_t b = hourly[(h + 1) % 24];
    for (std::size_t q = 0; q < 4; ++q) {
      out[h * 4 + q] = a + (b - a) * static_cast<std::int64_t>(q) / 4;
    }
  }
  return out;
}

// Apartment: low at night, a breakfast bump, a long evening peak (cooking, heating, TV).
constexpr Curve kResidential =
    expand({150, 120, 110, 100, 100, 120, 250, 450, 400,  300, 250, 280,
            350, 300, 250, 250, 300, 450, 700, 900, 1000, 950, 700, 350});
// Office: base load out of hours, full from 9 to 18 with a lunch dip.
constexpr Curve kOffice = expand({80,  80,  80,   80,  80,  80,  100, 300, 700, 950, 1000, 950,
                                  700, 900, 1000, 950, 900, 700, 400, 200, 120, 100, 80,   80});
// Shop: open 10 to 22, busiest in the evening.
constexpr Curve kShop = expand({60,  60,  60,  60,  60,  60,  60,   80,   150, 400, 750, 800,
                                850, 800, 800, 800, 850, 900, 1000, 1000, 950, 800, 300, 100});

constexpr std::string_view kNames[] = {"residential", "office", "shop"};

constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

std::int64_t local_ms(TimePoint t, std::chrono::minutes utc_offset) {
  return t.time_since_epoch().count() + utc_offset.count() * 60'000;
}

}  // namespace

std::span<const std::string_view> daily_curve_names() {
  return kNames;
}

bool is_daily_curve(std::string_view name) {
  for (auto n : kNames) {
    if (n == name) return true;
  }
  return false;
}

const Curve& daily_curve(std::string_view name) {
  if (name == "residential") return kResidential;
  if (name == "office") return kOffice;
  if (name == "shop") return kShop;
  throw std::invalid_argument("unknown daily load curve \"" + std::string(name) +
                              "\"; use residential, office or shop");
}

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

std::int64_t load_power_w(const LoadSpec& load, TimePoint t, std::chrono::minutes utc_offset) {
  if (load.kind == LoadSpec::Kind::kConstant || load.kind == LoadSpec::Kind::kWalk) {
    return load.power_w > 0 ? load.power_w : 0;
  }
  if (load.kind == LoadSpec::Kind::kSeries) {
    if (!load.series || load.series->empty()) return 0;
    const auto& s = *load.series;
    auto it = std::upper_bound(s.begin(), s.end(), t,
                               [](TimePoint a, const auto& point) { return a < point.first; });
    if (it == s.begin()) return 0;
    return std::max<std::int64_t>(std::prev(it)->second, 0);
  }
  const Curve& curve = daily_curve(load.curve);
  const std::int64_t local = local_ms(t, utc_offset);
  const std::int64_t day = floor_div(local, kDayMs);
  const std::int64_t slot = (local - day * kDayMs) / kSlotMs;
  const std::uint64_t h = splitmix64(splitmix64(load.seed ^ static_cast<std::uint64_t>(day)) ^
                                     static_cast<std::uint64_t>(slot));
  const std::int64_t jitter_permille = 850 + static_cast<std::int64_t>(h % 301);
  const std::int64_t base = load.power_w * curve[static_cast<std::size_t>(slot)] / 1000;
  const std::int64_t p = base * jitter_permille / 1000;
  return p > 0 ? p : 0;
}

TimePoint next_load_change(const LoadSpec& load, TimePoint t, std::chrono::minutes utc_offset) {
  if (load.kind == LoadSpec::Kind::kConstant || load.kind == LoadSpec::Kind::kWalk) {
    return TimePoint::max();
  }
  if (load.kind == LoadSpec::Kind::kSeries) {
    if (!load.series) return TimePoint::max();
    const auto& s = *load.series;
    auto it = std::upper_bound(s.begin(), s.end(), t,
                               [](TimePoint a, const auto& point) { return a < point.first; });
    return it == s.end() ? TimePoint::max() : it->first;
  }
  const std::int64_t local = local_ms(t, utc_offset);
  const std::int64_t next_local = (floor_div(local, kSlotMs) + 1) * kSlotMs;
  return t + Millis(next_local - local);
}

WalkState::WalkState(const LoadSpec& load, TimePoint origin)
    : origin_(origin), power_w_(std::clamp(load.power_w, load.walk_min_w, load.walk_max_w)) {}

std::int64_t WalkState::power_at(const LoadSpec& load, TimePoint t) {
  const std::int64_t interval = std::max<std::int64_t>(load.walk_interval.count(), 1);
  if (t < origin_) return power_w_;
  const std::int64_t target = (t - origin_).count() / interval;
  // One hash per step: a walk is stepped forward only, at most once per interval.
  while (step_index_ < target) {
    ++step_index_;
    const std::uint64_t h =
        splitmix64(load.seed ^ splitmix64(static_cast<std::uint64_t>(step_index_)));
    const std::int64_t move = static_cast<std::int64_t>(h % 3) - 1;
    power_w_ = std::clamp(power_w_ + move * load.walk_step_w, load.walk_min_w, load.walk_max_w);
  }
  return power_w_;
}

TimePoint WalkState::next_change(const LoadSpec& load, TimePoint t) const {
  const std::int64_t interval = std::max<std::int64_t>(load.walk_interval.count(), 1);
  if (t < origin_) return origin_;
  const std::int64_t k = (t - origin_).count() / interval + 1;
  return origin_ + Millis(k * interval);
}

Rate TouSchedule::rate_at(int minute) const {
  // The period in force is the last one started at or before `minute`; before the first start
  // of the day, the last period of the previous day is still running.
  Rate rate = periods[static_cast<std::size_t>(count - 1)].rate;
  for (int i = 0; i < count; ++i) {
    if (periods[static_cast<std::size_t>(i)].start_minute <= minute) {
      rate = periods[static_cast<std::size_t>(i)].rate;
    }
  }
  return rate;
}

Rate tou_rate_at(const TouSchedule& schedule, TimePoint t, std::chrono::minutes utc_offset) {
  const std::int64_t local = local_ms(t, utc_offset);
  const std::int64_t day = floor_div(local, kDayMs);
  return schedule.rate_at(static_cast<int>((local - day * kDayMs) / 60'000));
}

TimePoint next_tou_change(const TouSchedule& schedule, TimePoint t,
                          std::chrono::minutes utc_offset) {
  if (schedule.count <= 1) return TimePoint::max();
  const std::int64_t local = local_ms(t, utc_offset);
  const std::int64_t day = floor_div(local, kDayMs);
  const std::int64_t in_day = local - day * kDayMs;
  std::int64_t next = kDayMs + schedule.periods[0].start_minute * 60'000LL;  // tomorrow's first
  for (int i = 0; i < schedule.count; ++i) {
    const std::int64_t start =
        schedule.periods[static_cast<std::size_t>(i)].start_minute * 60'000LL;
    if (start > in_day) {
      next = start;
      break;
    }
  }
  return t + Millis(next - in_day);
}

}  // namespace phil::sim
