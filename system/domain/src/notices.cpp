#include <algorithm>
#include <chrono>

#include <phil/domain/notices.hpp>

#include "enum_names.hpp"

namespace phil::domain {

namespace {

constexpr detail::NameTable<Audience, 2> kAudienceNames{{
    {Audience::kTenant, "tenant"},
    {Audience::kOffice, "office"},
}};
constexpr detail::NameTable<NoticePhase, 2> kPhaseNames{{
    {NoticePhase::kRaised, "raised"},
    {NoticePhase::kCleared, "cleared"},
}};
constexpr detail::NameTable<NoticeKind, kNoticeKindCount> kNoticeKindNames{{
    {NoticeKind::kAlarm1, "alarm1"},
    {NoticeKind::kAlarm2, "alarm2"},
    {NoticeKind::kArrears, "arrears"},
    {NoticeKind::kRestore, "restore"},
    {NoticeKind::kOffice, "office"},
}};
constexpr detail::NameTable<NoticeState, 4> kNoticeStateNames{{
    {NoticeState::kPending, "pending"},
    {NoticeState::kSent, "sent"},
    {NoticeState::kSkipped, "skipped"},
    {NoticeState::kExpired, "expired"},
}};

/// The tenant's message for an event, if the policy tells tenants of it.
std::optional<NoticeKind> tenant_kind(const NoticeEvent& e, const NoticePolicy& policy) {
  if (e.phase == NoticePhase::kCleared) {
    if (policy.restore && e.key.kind == AlarmKind::kArrears) return NoticeKind::kRestore;
    return std::nullopt;
  }
  if (!policy.tenant_kinds.contains(e.key.kind)) return std::nullopt;
  switch (e.key.kind) {
    case AlarmKind::kAlarm1:
      return NoticeKind::kAlarm1;
    case AlarmKind::kAlarm2:
      return NoticeKind::kAlarm2;
    case AlarmKind::kArrears:
      return NoticeKind::kArrears;
    default:
      return std::nullopt;  // only the balance alarms have a tenant's message
  }
}

Millis minutes_of_day(TimePoint t, std::chrono::minutes utc_offset) {
  const auto local = t.time_since_epoch() + utc_offset;
  const auto day = std::chrono::floor<std::chrono::days>(local);
  return std::chrono::duration_cast<Millis>(local - day);
}

}  // namespace

std::string_view to_string(Audience a) {
  return detail::name_of(kAudienceNames, a);
}
std::optional<Audience> parse_audience(std::string_view s) {
  return detail::value_of(kAudienceNames, s);
}
std::string_view to_string(NoticePhase p) {
  return detail::name_of(kPhaseNames, p);
}
std::optional<NoticePhase> parse_notice_phase(std::string_view s) {
  return detail::value_of(kPhaseNames, s);
}
std::string_view to_string(NoticeKind k) {
  return detail::name_of(kNoticeKindNames, k);
}
std::optional<NoticeKind> parse_notice_kind(std::string_view s) {
  return detail::value_of(kNoticeKindNames, s);
}
std::string_view to_string(NoticeState s) {
  return detail::name_of(kNoticeStateNames, s);
}
std::optional<NoticeState> parse_notice_state(std::string_view s) {
  return detail::value_of(kNoticeStateNames, s);
}

std::vector<NoticeDraft> plan_notices(const NoticeEvent& event, const NoticePolicy& policy) {
  std::vector<NoticeDraft> out;
  const auto draft = [&](Audience audience, NoticeKind kind) {
    NoticeDraft d;
    d.event = event.id;
    d.alarm = event.alarm;
    d.phase = event.phase;
    d.audience = audience;
    d.kind = kind;
    d.account = event.account;
    return d;
  };
  // A meter without an open account has no tenant to tell.
  if (const auto kind = tenant_kind(event, policy); kind && !event.account.empty()) {
    auto d = draft(Audience::kTenant, *kind);
    d.phone = event.phone;
    if (event.phone.empty()) {
      d.skip = "no_phone";
    } else if (event.account_told && event.phase == NoticePhase::kRaised) {
      d.skip = "told_already";
    }
    out.push_back(std::move(d));
  }
  if (event.phase == NoticePhase::kRaised) {
    std::set<std::string> phones;  // a phone listed twice gets one notice
    for (const auto& s : policy.office) {
      if (!s.kinds.contains(event.key.kind) || !phones.insert(s.phone).second) continue;
      auto d = draft(Audience::kOffice, NoticeKind::kOffice);
      d.phone = s.phone;
      d.language = s.language;
      out.push_back(std::move(d));
    }
  }
  return out;
}

std::pair<TimePoint, TimePoint> local_day_span(TimePoint now, std::chrono::minutes utc_offset) {
  const auto local = now.time_since_epoch() + utc_offset;
  const auto midnight = std::chrono::floor<std::chrono::days>(local);
  const TimePoint start{std::chrono::duration_cast<TimePoint::duration>(midnight - utc_offset)};
  return {start, start + std::chrono::days(1)};
}

SendDecision decide_send(TimePoint now, TimePoint created, Audience audience, int sent_today,
                         const NoticePolicy& policy) {
  if (now - created >= policy.give_up_after) return {SendDecision::Verdict::kExpire, now};
  if (audience == Audience::kTenant && policy.quiet &&
      policy.quiet->from_minute != policy.quiet->to_minute) {
    const Millis from = std::chrono::minutes(policy.quiet->from_minute);
    const Millis to = std::chrono::minutes(policy.quiet->to_minute);
    const auto m = minutes_of_day(now, policy.utc_offset);
    const bool spans_midnight = from > to;
    const bool inside = spans_midnight ? (m >= from || m < to) : (m >= from && m < to);
    if (inside) {
      // Until the end of the quiet hours: today's `to`, or tomorrow's when they span midnight
      // and it is before midnight.
      auto until = now - m + to;
      if (spans_midnight && m >= from) until += std::chrono::days(1);
      return {SendDecision::Verdict::kHold, until};
    }
  }
  if (policy.daily_limit > 0 && sent_today >= policy.daily_limit) {
    return {SendDecision::Verdict::kLimit, now};
  }
  return {SendDecision::Verdict::kSend, now};
}

TimePoint next_try(TimePoint now, int tries, const NoticePolicy& policy) {
  Millis wait = policy.retry_first;
  for (int i = 1; i < tries && wait < policy.retry_max; ++i)
    wait *= 2;
  return now + std::min(wait, policy.retry_max);
}

Expected<std::string, TemplateError> positional_template(std::string_view named) {
  std::string out;
  for (std::size_t i = 0; i < named.size(); ++i) {
    const char c = named[i];
    if ((c == '{' || c == '}') && i + 1 < named.size() && named[i + 1] == c) {
      out += c;
      out += c;
      ++i;
      continue;
    }
    if (c == '}') {
      return TemplateError{"a lone '}' at position " + std::to_string(i + 1) +
                           "; write }} for a brace"};
    }
    if (c != '{') {
      out += c;
      continue;
    }
    const auto close = named.find('}', i);
    if (close == std::string_view::npos) {
      return TemplateError{"a '{' at position " + std::to_string(i + 1) +
                           " is not closed; write {{ for a brace"};
    }
    const auto field = named.substr(i + 1, close - i - 1);
    const auto it = std::find(kNoticeFields.begin(), kNoticeFields.end(), field);
    if (it == kNoticeFields.end()) {
      std::string known;
      for (const auto f : kNoticeFields)
        known += (known.empty() ? "{" : ", {") + std::string(f) + "}";
      return TemplateError{"unknown field {" + std::string(field) + "}; known: " + known};
    }
    out += "{" + std::to_string(it - kNoticeFields.begin()) + "}";
    i = close;
  }
  return out;
}

}  // namespace phil::domain
