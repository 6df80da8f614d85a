#include <algorithm>
#include <cstdio>
#include <tuple>

#include <phil/domain/reports.hpp>

namespace phil::domain {

namespace {

using std::chrono::days;
using std::chrono::minutes;

__extension__ using U128 = unsigned __int128;

/// The share of `wh` (>= 0) used in [t0, t) of an interval [t0, t1), t0 <= t <= t1, t0 < t1
/// (cumulative floor).
std::int64_t share(std::int64_t wh, TimePoint t0, TimePoint t1, TimePoint t) {
  const auto done = static_cast<U128>((t - t0).count());
  const auto all = static_cast<U128>((t1 - t0).count());
  return static_cast<std::int64_t>(static_cast<U128>(wh) * done / all);
}

void add_to_day(std::vector<DayEnergy>& out, const std::string& day, TouRate rate,
                std::int64_t wh) {
  if (out.empty() || out.back().day != day) out.push_back({day, {}});
  out.back().wh.at(static_cast<std::size_t>(rate)) += wh;
}

void add(SalesRow& row, const MoneyMove& m) {
  ++row.count;
  if (m.pending) {
    row.pending_fen += m.fen;
    return;
  }
  switch (m.kind) {
    case MoneyKind::kSale:
      row.sale_fen += m.fen;
      break;
    case MoneyKind::kRefund:
      row.refund_fen += m.fen;
      break;
    case MoneyKind::kReversal:
      row.reversal_fen += m.fen;
      break;
  }
}

void add(EnergyRow& row, const MeterDay& d) {
  for (std::size_t r = 0; r < row.wh.size(); ++r)
    row.wh.at(r) += d.wh.at(r);
  row.energy_wh += d.energy_wh;
  row.charge_fen += d.charge_fen;
}

std::string group_of(const MeterDay& d, const std::map<std::string, MeterPlace>& places,
                     EnergyGroup g) {
  if (g == EnergyGroup::kMeter) return d.meter;
  if (g == EnergyGroup::kSite) return "site";
  const auto it = places.find(d.meter);
  if (it == places.end()) return "-";
  const auto& p = it->second;
  switch (g) {
    case EnergyGroup::kAccount:
      return p.account.value_or("-");
    case EnergyGroup::kFloor:
      return p.building && p.floor ? *p.building + "/" + std::to_string(*p.floor) : "-";
    case EnergyGroup::kBuilding:
      return p.building.value_or("-");
    case EnergyGroup::kMeter:
    case EnergyGroup::kSite:
      break;
  }
  return "-";
}

}  // namespace

std::string local_day(TimePoint t, minutes utc_offset) {
  const std::chrono::year_month_day ymd{std::chrono::floor<days>(t + utc_offset)};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::optional<TimePoint> day_start(const std::string& day, minutes utc_offset) {
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  char tail = 0;
  for (std::size_t i = 0; i < day.size(); ++i) {
    const bool dash = i == 4 || i == 7;
    if (dash ? day[i] != '-' : (day[i] < '0' || day[i] > '9')) return std::nullopt;
  }
  if (day.size() != 10 || std::sscanf(day.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3)
    return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m},
                                        std::chrono::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return TimePoint{std::chrono::sys_days{ymd}} - utc_offset;
}

std::int64_t DayEnergy::total() const {
  std::int64_t sum = 0;
  for (const auto v : wh)
    sum += v;
  return sum;
}

std::vector<DayEnergy> spread_energy(TimePoint t0, TimePoint t1, std::int64_t wh,
                                     const std::vector<DailyPeriod>& periods, minutes utc_offset) {
  std::vector<DayEnergy> out;
  const auto minute_of = [&](TimePoint t) {
    const auto local = t + utc_offset;
    return static_cast<int>(
        std::chrono::floor<minutes>(local - std::chrono::floor<days>(local)).count());
  };
  if (t1 <= t0) {
    add_to_day(out, local_day(t0, utc_offset), rate_at(periods, minute_of(t0)), wh);
    return out;
  }
  // The cuts in (t0, t1): local midnights and period starts, in order.
  TimePoint from = t0;
  std::int64_t before = 0;
  while (from < t1) {
    const auto local = from + utc_offset;
    const auto midnight = std::chrono::floor<days>(local);
    TimePoint next = TimePoint{midnight + days{1}} - utc_offset;
    const int minute = minute_of(from);
    for (const auto& p : periods) {
      if (p.start_minute > minute) {
        next = std::min(next, TimePoint{midnight + minutes{p.start_minute}} - utc_offset);
        break;
      }
    }
    const TimePoint to = std::min(next, t1);
    const std::int64_t upto = share(wh, t0, t1, to);
    add_to_day(out, local_day(from, utc_offset), rate_at(periods, minute), upto - before);
    before = upto;
    from = to;
  }
  return out;
}

std::string_view to_string(ReportPeriod p) {
  switch (p) {
    case ReportPeriod::kDay:
      return "day";
    case ReportPeriod::kMonth:
      return "month";
    case ReportPeriod::kYear:
      return "year";
  }
  return "day";
}

std::optional<ReportPeriod> parse_report_period(std::string_view s) {
  for (const auto p : {ReportPeriod::kDay, ReportPeriod::kMonth, ReportPeriod::kYear}) {
    if (to_string(p) == s) return p;
  }
  return std::nullopt;
}

std::string period_of(const std::string& day, ReportPeriod p) {
  switch (p) {
    case ReportPeriod::kDay:
      return day;
    case ReportPeriod::kMonth:
      return day.substr(0, 7);
    case ReportPeriod::kYear:
      return day.substr(0, 4);
  }
  return day;
}

SalesSums sum_sales(const std::vector<MoneyMove>& moves, ReportPeriod by, bool by_cashier,
                    minutes utc_offset) {
  std::map<std::pair<std::string, std::string>, SalesRow> rows;
  SalesSums out;
  for (const auto& m : moves) {
    const auto period = period_of(local_day(m.at, utc_offset), by);
    auto& row = rows[{period, by_cashier ? m.cashier : std::string()}];
    row.period = period;
    if (by_cashier) row.cashier = m.cashier;
    add(row, m);
    add(out.totals, m);
  }
  out.rows.reserve(rows.size());
  for (auto& [key, row] : rows)
    out.rows.push_back(std::move(row));
  return out;
}

std::string_view to_string(EnergyGroup g) {
  switch (g) {
    case EnergyGroup::kMeter:
      return "meter";
    case EnergyGroup::kAccount:
      return "account";
    case EnergyGroup::kFloor:
      return "floor";
    case EnergyGroup::kBuilding:
      return "building";
    case EnergyGroup::kSite:
      return "site";
  }
  return "meter";
}

std::optional<EnergyGroup> parse_energy_group(std::string_view s) {
  for (const auto g : {EnergyGroup::kMeter, EnergyGroup::kAccount, EnergyGroup::kFloor,
                       EnergyGroup::kBuilding, EnergyGroup::kSite}) {
    if (to_string(g) == s) return g;
  }
  return std::nullopt;
}

EnergySums sum_energy(const std::vector<MeterDay>& days,
                      const std::map<std::string, MeterPlace>& places, ReportPeriod by,
                      EnergyGroup group) {
  std::map<std::pair<std::string, std::string>, EnergyRow> rows;
  EnergySums out;
  for (const auto& d : days) {
    const auto period = period_of(d.day, by);
    auto name = group_of(d, places, group);
    auto& row = rows[{period, name}];
    row.period = period;
    row.group = std::move(name);
    add(row, d);
    add(out.totals, d);
  }
  out.rows.reserve(rows.size());
  for (auto& [key, row] : rows)
    out.rows.push_back(std::move(row));
  return out;
}

}  // namespace phil::domain
