#include <algorithm>
#include <map>
#include <utility>

#include <phil/domain/alarms.hpp>

#include "enum_names.hpp"

namespace phil::domain {

namespace {

constexpr detail::NameTable<AlarmKind, kAlarmKindCount> kAlarmKindNames{{
    {AlarmKind::kAlarm1, "alarm1"},
    {AlarmKind::kAlarm2, "alarm2"},
    {AlarmKind::kArrears, "arrears"},
    {AlarmKind::kOverloadTrip, "overload_trip"},
    {AlarmKind::kMeterOffline, "meter_offline"},
    {AlarmKind::kBoxOffline, "box_offline"},
    {AlarmKind::kBusOffline, "bus_offline"},
    {AlarmKind::kRelayMismatch, "relay_mismatch"},
    {AlarmKind::kBalanceMismatch, "balance_mismatch"},
    {AlarmKind::kClockDrift, "clock_drift"},
    {AlarmKind::kMeterSwapped, "meter_swapped"},
    {AlarmKind::kCommandFailed, "command_failed"},
    {AlarmKind::kStatusBitsMismatch, "status_bits_mismatch"},
}};

}  // namespace

std::string_view to_string(AlarmKind k) {
  return detail::name_of(kAlarmKindNames, k);
}
std::optional<AlarmKind> parse_alarm_kind(std::string_view s) {
  return detail::value_of(kAlarmKindNames, s);
}

AlarmTarget AlarmTarget::of_meter(const MeterId& m) {
  return {m.bus, m.box, m.circuit, {}};
}
AlarmTarget AlarmTarget::of_box(std::string bus, int address) {
  return {std::move(bus), address, std::nullopt, {}};
}
AlarmTarget AlarmTarget::of_bus(std::string bus) {
  return {std::move(bus), std::nullopt, std::nullopt, {}};
}
AlarmTarget AlarmTarget::of_account(std::string account) {
  return {{}, std::nullopt, std::nullopt, std::move(account)};
}

std::optional<MeterId> AlarmTarget::meter() const {
  if (bus.empty() || !box || !circuit) return std::nullopt;
  return MeterId{bus, *box, *circuit};
}

std::string AlarmTarget::to_string() const {
  if (bus.empty()) return "account " + account;
  std::string out = bus;
  if (box) out += "/" + std::to_string(*box);
  if (box && circuit) out += "/" + std::to_string(*circuit);
  return out;
}

AlarmChanges alarm_changes(const std::vector<OpenAlarm>& open, const std::vector<AlarmSeen>& seen) {
  std::map<AlarmKey, const AlarmSeen*> verdict;  // holding wins over not holding
  for (const auto& s : seen) {
    auto& v = verdict[s.key];
    if (v == nullptr || (s.holds && !v->holds)) v = &s;
  }
  std::map<AlarmKey, std::int64_t> open_by_key;
  for (const auto& a : open)
    open_by_key.emplace(a.key, a.id);
  AlarmChanges out;
  for (const auto& [key, s] : verdict) {
    const auto it = open_by_key.find(key);
    if (s->holds && it == open_by_key.end()) out.raise.push_back(*s);
    if (!s->holds && it != open_by_key.end()) out.clear.push_back(it->second);
  }
  std::sort(out.clear.begin(), out.clear.end());
  return out;
}

std::vector<AlarmSeen> status_alarms(const MeterId& meter, MeterStatus status,
                                     const std::function<std::string()>& details) {
  const auto target = AlarmTarget::of_meter(meter);
  auto seen = [&](AlarmKind kind, bool holds) {
    return AlarmSeen{{kind, target}, holds, holds ? details() : "{}"};
  };
  if (status == MeterStatus::kOffline) return {seen(AlarmKind::kMeterOffline, true)};
  return {seen(AlarmKind::kMeterOffline, false),
          seen(AlarmKind::kAlarm1, status == MeterStatus::kAlarm1),
          seen(AlarmKind::kAlarm2, status == MeterStatus::kAlarm2),
          seen(AlarmKind::kArrears, status == MeterStatus::kArrears)};
}

std::vector<OfflineTarget> offline_report(const std::vector<AlarmSpan>& alarms, TimePoint from,
                                          TimePoint to) {
  auto rank = [](AlarmKind k) {
    return k == AlarmKind::kBusOffline ? 0 : k == AlarmKind::kBoxOffline ? 1 : 2;
  };
  std::map<std::pair<int, AlarmKey>, OfflineTarget> by_target;
  for (const auto& a : alarms) {
    const auto k = a.key.kind;
    if (k != AlarmKind::kMeterOffline && k != AlarmKind::kBoxOffline &&
        k != AlarmKind::kBusOffline) {
      continue;
    }
    const auto end = a.cleared_at.value_or(to);
    if (a.raised_at >= to || (a.cleared_at && *a.cleared_at < from)) continue;
    auto& t = by_target[{rank(k), a.key}];
    t.kind = k;
    t.target = a.key.target;
    t.spells.push_back(a);
    const auto lo = std::max(a.raised_at, from);
    const auto hi = std::min(end, to);
    if (hi > lo) t.total += hi - lo;
  }
  std::vector<OfflineTarget> out;
  out.reserve(by_target.size());
  for (auto& [key, t] : by_target) {
    std::sort(t.spells.begin(), t.spells.end(),
              [](const AlarmSpan& x, const AlarmSpan& y) { return x.raised_at < y.raised_at; });
    t.still_offline = !t.spells.back().cleared_at.has_value();
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace phil::domain
