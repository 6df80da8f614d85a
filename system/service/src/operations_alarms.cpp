// Operations: alarms (issue 14 item 3) and the SMS they gave (item 4). The alarms are raised and
// cleared by the bus runtime and the store (store::Alarms, PollSink::observe_alarms); this is the
// front door to list and acknowledge them.
#include <chrono>
#include <utility>
#include <vector>

#include <phil/common/text.hpp>
#include <phil/common/time.hpp>
#include <phil/service/notifier.hpp>
#include <phil/service/operations.hpp>

namespace phil::service {

std::string alarm_kind_name(domain::AlarmKind kind) {
  return text::format(alarm_kind_text(kind));
}

std::string alarm_target_name(const domain::AlarmTarget& target) {
  if (target.bus.empty()) return text::format(text::Id::kAlarmAccount, target.account);
  return target.to_string();
}

domain::Result<AlarmList> Operations::alarms(const Actor& actor,
                                             const store::AlarmFilter& filter) const {
  for (const auto* t : {&filter.bus, &filter.account}) {
    if (*t) {
      if (auto bad = check_text("alarm filter", **t, TextLimits::kId)) return *bad;
    }
  }
  auto g = begin(actor, Action::kQuery);
  if (!g) return g.error();
  AlarmList out;
  out.alarms = store_.alarms(filter);
  out.as_of = clock_.now();
  out.utc_offset = utc_offset();
  return out;
}

domain::Result<std::vector<store::NoticeRecord>> Operations::notices(
    const Actor& actor, const store::NoticeFilter& filter) const {
  for (const auto* t : {&filter.account, &filter.phone}) {
    if (*t) {
      if (auto bad = check_text("notice filter", **t, TextLimits::kId)) return *bad;
    }
  }
  auto g = begin(actor, Action::kQuery);
  if (!g) return g.error();
  return store_.notices(filter);
}

domain::Result<store::AlarmRecord> Operations::ack_alarm(const Actor& actor, std::int64_t id) {
  auto g = begin(actor, Action::kAckAlarm);
  if (!g) return g.error();
  store::AlarmFilter f;
  f.id = id;
  const auto found = store_.alarms(f);
  if (found.empty()) {
    return domain::Error{domain::ErrorKind::kNotFound, text::format(text::Id::kAlarmUnknown, id)};
  }
  const auto offset = utc_offset();
  const auto& a = found.front();
  if (a.acknowledged_by && a.acknowledged_at) {
    return domain::Error{domain::ErrorKind::kRefused,
                         text::format(text::Id::kAlarmAckedAlready, id, *a.acknowledged_by,
                                      format_timestamp(*a.acknowledged_at, offset))};
  }
  return store_.ack_alarm(id, actor.id, clock_.now());
}

domain::Result<OfflineReport> Operations::offline_report(const Actor& actor, TimePoint from,
                                                         TimePoint to) const {
  const auto offset = utc_offset();
  if (from >= to) {
    return domain::Error{domain::ErrorKind::kInvalid,
                         text::format(text::Id::kOfflineBadPeriod, format_timestamp(from, offset),
                                      format_timestamp(to, offset))};
  }
  auto g = begin(actor, Action::kReport);
  if (!g) return g.error();
  std::vector<domain::AlarmSpan> spans;
  for (const auto kind : {domain::AlarmKind::kMeterOffline, domain::AlarmKind::kBoxOffline,
                          domain::AlarmKind::kBusOffline}) {
    store::AlarmFilter f;
    f.kind = kind;
    f.from = from;
    f.to = to;
    for (auto& a : store_.alarms(f))
      spans.push_back({std::move(a.key), a.raised_at, a.cleared_at});
  }
  OfflineReport out;
  out.targets = domain::offline_report(spans, from, to);
  out.from = from;
  out.to = to;
  out.utc_offset = offset;
  out.made_at = clock_.now();
  return out;
}

}  // namespace phil::service
