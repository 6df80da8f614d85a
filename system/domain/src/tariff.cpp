#include <algorithm>
#include <set>
#include <stdexcept>

#include <phil/domain/money.hpp>
#include <phil/domain/tariff.hpp>

namespace phil::domain {

namespace {

using std::chrono::days;
using std::chrono::floor;
using std::chrono::minutes;
using std::chrono::sys_days;
using std::chrono::year_month_day;

// 128-bit intermediate for energy x elapsed time; both GCC and Clang provide it.
__extension__ using U128 = unsigned __int128;

/// floor(total * part / whole) for 0 <= part <= whole, whole > 0, total >= 0.
std::int64_t share(std::int64_t total, std::int64_t part, std::int64_t whole) {
  const U128 v = static_cast<U128>(total) * static_cast<U128>(part) / static_cast<U128>(whole);
  return static_cast<std::int64_t>(v);
}

int local_minute_of_day(TimePoint t, minutes offset) {
  const auto local = t + offset;
  return static_cast<int>((floor<minutes>(local) - floor<days>(local)).count());
}

TimePoint local_day_start_utc(sys_days local_day, minutes offset) {
  return TimePoint(local_day) - offset;
}

/// Local civil date of the tier period start containing `local_day`.
year_month_day period_start_date(const Tariff& t, year_month_day d) {
  using std::chrono::month;
  using std::chrono::year;
  const std::chrono::day reset{static_cast<unsigned>(t.reset_day)};
  if (t.tier_period == TierPeriod::kMonthly) {
    year_month_day start{d.year(), d.month(), reset};
    if (d.day() < reset) start = start - std::chrono::months(1);
    return start;
  }
  year_month_day start{d.year(), month{static_cast<unsigned>(t.reset_month)}, reset};
  if (d < start) start = start - std::chrono::years(1);
  return start;
}

year_month_day next_period_date(const Tariff& t, year_month_day start) {
  return t.tier_period == TierPeriod::kMonthly ? start + std::chrono::months(1)
                                               : start + std::chrono::years(1);
}

std::size_t tier_index(const Tariff& t, std::int64_t used) {
  std::size_t i = 0;
  while (i + 1 < t.tiers.size() && t.tiers[i + 1].from_wh <= used)
    ++i;
  return i;
}

}  // namespace

Tariff Tariff::single(std::int64_t price) {
  Tariff t;
  t.rates = {price, price, price, price};
  return t;
}

std::optional<std::string> check_tariff(const Tariff& t) {
  if (auto p = check_daily_periods(t.periods)) return p;
  std::int64_t max_surcharge = 0;
  if (t.tier_period == TierPeriod::kNone) {
    if (!t.tiers.empty()) return "tiers are given but no tier period; say monthly or yearly";
  } else {
    if (t.tiers.empty() || t.tiers.front().from_wh != 0) {
      return "a tiered tariff needs its first tier from 0 kWh";
    }
    for (std::size_t i = 0; i < t.tiers.size(); ++i) {
      if (t.tiers[i].surcharge < 0) return "a tier surcharge must not be negative";
      if (i > 0 && t.tiers[i].from_wh <= t.tiers[i - 1].from_wh) {
        return "tier steps must increase strictly (tier " + std::to_string(i + 1) + ")";
      }
      max_surcharge = std::max(max_surcharge, t.tiers[i].surcharge);
    }
    if (t.reset_day < 1 || t.reset_day > 28) {
      return "tier reset day " + std::to_string(t.reset_day) +
             " must be 1..28 so that every month has it";
    }
    if (t.reset_month < 1 || t.reset_month > 12) {
      return "tier reset month " + std::to_string(t.reset_month) + " must be 1..12";
    }
  }
  for (int i = 0; i < kTouRates; ++i) {
    const auto r = t.rates[static_cast<std::size_t>(i)];
    if (r < 0 || r > kMaxPrice - max_surcharge) {
      return std::string(to_string(static_cast<TouRate>(i))) + " rate " + std::to_string(r) +
             " (plus the largest tier surcharge) is outside 0.." + std::to_string(kMaxPrice) +
             " (0.0001 yuan/kWh)";
    }
  }
  return std::nullopt;
}

const Tariff& TariffSchedule::at(TimePoint t) const {
  const TariffVersion* v = &versions.front();
  for (const auto& candidate : versions) {
    if (candidate.from > t) break;
    v = &candidate;
  }
  return v->tariff;
}

std::optional<std::string> check_schedule(const TariffSchedule& s) {
  if (s.versions.empty()) return "no tariff is defined; add one";
  for (std::size_t i = 0; i < s.versions.size(); ++i) {
    if (i > 0 && s.versions[i].from <= s.versions[i - 1].from) {
      return "tariff versions must take effect in strictly increasing order";
    }
    if (auto p = check_tariff(s.versions[i].tariff)) {
      return "tariff version " + std::to_string(i + 1) + ": " + *p;
    }
  }
  return std::nullopt;
}

std::vector<TariffSpan> tariff_spans(const std::vector<TariffAssignment>& own,
                                     const std::vector<TariffAssignment>& site, TimePoint t0,
                                     TimePoint t1) {
  auto in_force = [](const std::vector<TariffAssignment>& list,
                     TimePoint t) -> std::optional<std::int64_t> {
    std::optional<std::int64_t> out;
    for (const auto& a : list) {
      if (a.from > t) break;
      out = a.tariff;
    }
    return out;
  };
  auto tariff_at = [&](TimePoint t) {
    auto mine = in_force(own, t);
    return mine ? mine : in_force(site, t);
  };
  std::vector<TariffSpan> out{{t0, tariff_at(t0)}};
  std::set<TimePoint> edges;
  for (const auto* list : {&own, &site}) {
    for (const auto& a : *list) {
      if (a.from > t0 && a.from < t1) edges.insert(a.from);
    }
  }
  for (const auto e : edges) {
    if (auto t = tariff_at(e); t != out.back().tariff) out.push_back({e, t});
  }
  return out;
}

TariffSchedule join_schedules(const std::vector<SchedulePart>& parts) {
  if (parts.empty()) throw std::invalid_argument("join_schedules: no part");
  TariffSchedule out;
  out.utc_offset = parts.back().schedule->utc_offset;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto& part = parts[i];
    const bool last = i + 1 == parts.size();
    if (i > 0 && part.from <= parts[i - 1].from) {
      throw std::invalid_argument("join_schedules: parts out of order");
    }
    out.versions.push_back({part.from, part.schedule->at(part.from)});
    for (const auto& v : part.schedule->versions) {
      if (v.from > part.from && (last || v.from < parts[i + 1].from)) out.versions.push_back(v);
    }
  }
  return out;
}

std::optional<TimePoint> tier_period_start(const Tariff& t, minutes utc_offset, TimePoint at) {
  if (t.tier_period == TierPeriod::kNone) return std::nullopt;
  const year_month_day d{floor<days>(at + utc_offset)};
  return local_day_start_utc(sys_days(period_start_date(t, d)), utc_offset);
}

namespace {

/// Every instant in (t0, t1) where the price may change: a version taking effect, a TOU period
/// starting on any local day of the interval (of every version in force in it), a tier period
/// starting.
std::set<TimePoint> price_edges(const TariffSchedule& schedule, TimePoint t0, TimePoint t1) {
  const auto off = schedule.utc_offset;
  std::set<TimePoint> edges;
  auto consider = [&](TimePoint e) {
    if (e > t0 && e < t1) edges.insert(e);
  };
  std::set<int> starts;  // period starts of every version in force somewhere in the interval
  for (std::size_t i = 0; i < schedule.versions.size(); ++i) {
    const auto& v = schedule.versions[i];
    const bool before_end = v.from < t1 || i == 0;
    const bool after_start =
        i + 1 == schedule.versions.size() || schedule.versions[i + 1].from > t0;
    if (!before_end || !after_start) continue;
    consider(v.from);
    for (const auto& p : v.tariff.periods)
      starts.insert(p.start_minute);
    if (v.tariff.tier_period != TierPeriod::kNone) {
      const year_month_day first{floor<days>(t0 + off)};
      for (auto d = period_start_date(v.tariff, first);; d = next_period_date(v.tariff, d)) {
        const auto e = local_day_start_utc(sys_days(d), off);
        if (e >= t1) break;
        consider(e);
      }
    }
  }
  if (t1 > t0) {
    for (auto day = floor<days>(t0 + off); TimePoint(day) - off < t1; day += days(1)) {
      for (int m : starts)
        consider(local_day_start_utc(day, off) + minutes(m));
    }
  }
  return edges;
}

}  // namespace

IntervalCharge charge_interval(const TariffSchedule& schedule, TimePoint t0, TimePoint t1,
                               std::int64_t energy_wh, std::int64_t carry, const TierState& tier) {
  if (schedule.versions.empty()) throw std::invalid_argument("charge_interval: empty schedule");
  if (t1 < t0) throw std::invalid_argument("charge_interval: interval ends before it starts");
  if (energy_wh < 0 || energy_wh > kMaxChargeEnergyWh || carry < 0 || carry >= kCostUnitsPerFen) {
    throw std::invalid_argument("charge_interval: energy or carry out of range");
  }
  const auto off = schedule.utc_offset;
  const auto edges = price_edges(schedule, t0, t1);

  IntervalCharge out;
  out.carry = carry;
  out.tier = tier;
  const std::int64_t whole = (t1 - t0).count();
  std::int64_t charged_wh = 0;
  TimePoint from = t0;
  auto charge_segment = [&](TimePoint to) {
    const std::int64_t cum = whole == 0 ? energy_wh : share(energy_wh, (to - t0).count(), whole);
    std::int64_t x = cum - charged_wh;
    charged_wh = cum;
    const Tariff& t = schedule.at(from);
    const auto rate = rate_at(t.periods, local_minute_of_day(from, off));
    const auto base = t.rates[static_cast<std::size_t>(rate)];
    if (t.tier_period == TierPeriod::kNone) {
      out.tier = TierState{};
    } else if (const auto ps = tier_period_start(t, off, from); out.tier.period_start != ps) {
      out.tier = TierState{ps, 0};
    }
    while (x > 0) {
      std::size_t idx = 0;
      std::int64_t take = x;
      std::int64_t surcharge = 0;
      if (t.tier_period != TierPeriod::kNone) {
        idx = tier_index(t, out.tier.used_wh);
        surcharge = t.tiers[idx].surcharge;
        if (idx + 1 < t.tiers.size()) {
          take = std::min(x, t.tiers[idx + 1].from_wh - out.tier.used_wh);
        }
        out.tier.used_wh += take;
      }
      const auto price = base + surcharge;
      const auto a = accrue(price, take, out.carry);
      if (!a) throw std::invalid_argument("charge_interval: price out of range");
      out.fen += a->fen;
      out.carry = a->carry;
      out.pieces.push_back({from, to, rate, idx, take, price});
      x -= take;
    }
    from = to;
  };
  for (auto e : edges)
    charge_segment(e);
  charge_segment(t1);
  return out;
}

}  // namespace phil::domain
