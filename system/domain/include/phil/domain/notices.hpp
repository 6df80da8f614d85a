#pragma once
// Notifications (issue 14 item 4, 报警短信): which SMS an alarm's occurrence gives, to whom, and
// when each may leave. Pure: the store hands over each alarm event (raised or cleared) with what
// is known of its meter's account, these rules decide the messages, and the notifier sends them
// through a gateway. Exactly once per occurrence is the store's part (one notice per alarm, phase
// and phone, written in the transaction that consumes the event); the gateway gets the notice's
// id as an idempotency key so a retry after a lost reply is not a second SMS.
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <phil/common/expected.hpp>
#include <phil/common/time.hpp>
#include <phil/domain/alarms.hpp>

namespace phil::domain {

/// Whom a notice is for: the account's tenant (balance alarms, arrears, restore) or an office
/// subscriber (bus offline, command failed, ... as subscribed).
enum class Audience : std::uint8_t { kTenant, kOffice };
std::string_view to_string(Audience a);  ///< "tenant", "office"
std::optional<Audience> parse_audience(std::string_view s);

/// An alarm event: the alarm raised, or cleared.
enum class NoticePhase : std::uint8_t { kRaised, kCleared };
std::string_view to_string(NoticePhase p);  ///< "raised", "cleared"
std::optional<NoticePhase> parse_notice_phase(std::string_view s);

/// The message a notice carries, which picks its template: a tenant's "alarm1", "alarm2",
/// "arrears", "restore" (arrears cleared: power back), or "office" (any alarm kind raised).
enum class NoticeKind : std::uint8_t { kAlarm1, kAlarm2, kArrears, kRestore, kOffice };
inline constexpr std::size_t kNoticeKindCount = 5;
std::string_view to_string(NoticeKind k);
std::optional<NoticeKind> parse_notice_kind(std::string_view s);

/// A notice's state: pending (to send, at or after its due time), sent (the gateway accepted
/// it), skipped (never sent: no phone, the daily limit, told already) or expired (the gateway
/// kept failing past the give-up age).
enum class NoticeState : std::uint8_t { kPending, kSent, kSkipped, kExpired };
std::string_view to_string(NoticeState s);
std::optional<NoticeState> parse_notice_state(std::string_view s);

/// An alarm event as the store hands it over, with what the notices need of the meter's open
/// account (empty when the target is not a meter or the meter has no open account).
struct NoticeEvent {
  std::int64_t id = 0;     ///< the event (consumed when its notices are written)
  std::int64_t alarm = 0;  ///< the alarm's id
  AlarmKey key;
  NoticePhase phase = NoticePhase::kRaised;
  TimePoint at{};  ///< raised or cleared at
  std::string account;
  std::string tenant;
  std::string phone;
  std::string room;
  std::optional<std::int64_t> balance_fen;    ///< the balance that holds the money, if known
  std::optional<std::int64_t> threshold_fen;  ///< alarm 1 or 2's threshold, for those kinds
  /// The account's tenant was told of this kind already for an occurrence still open (another
  /// meter of a several-meter account raised the same alarm): one SMS per account, not per meter.
  bool account_told = false;
};

/// An office subscriber: a phone and the alarm kinds it wants (raised only).
struct Subscriber {
  std::string phone;
  std::set<AlarmKind> kinds;
  std::string language;  ///< "" = the site's
};

/// Quiet hours in the site's local time: [from, to) minutes after local midnight; from > to
/// spans midnight (22:00-08:00). Tenant notices due inside wait for the end; office ones do not.
struct QuietHours {
  int from_minute = 22 * 60;
  int to_minute = 8 * 60;
};

struct NoticePolicy {
  /// The alarm kinds a tenant is told of (alarm1, alarm2, arrears; the default all three).
  std::set<AlarmKind> tenant_kinds{AlarmKind::kAlarm1, AlarmKind::kAlarm2, AlarmKind::kArrears};
  bool restore = false;  ///< tell the tenant when arrears clears (power back)
  std::vector<Subscriber> office;
  std::optional<QuietHours> quiet;
  int daily_limit = 5;  ///< most notices sent to one phone per local day; 0 = no limit
  std::chrono::minutes utc_offset{0};
  Millis retry_first{30'000};                ///< the first retry's wait after a gateway failure
  Millis retry_max{30LL * 60 * 1000};        ///< the longest wait between tries (doubling up to it)
  Millis give_up_after{24LL * 3600 * 1000};  ///< a notice not sent this long after it was made
                                             ///< expires: a day-old low-balance SMS misleads
};

/// One notice to write for an event.
struct NoticeDraft {
  std::int64_t event = 0;
  std::int64_t alarm = 0;
  NoticePhase phase = NoticePhase::kRaised;
  Audience audience = Audience::kTenant;
  NoticeKind kind = NoticeKind::kAlarm1;
  std::string account;
  std::string phone;
  std::string language;  ///< "" = the site's
  /// Written as skipped with this reason (no phone, told already) instead of pending.
  std::optional<std::string> skip;
};

/// The notices an event gives under `policy`: to the tenant for a kind the policy tells tenants
/// (raised; arrears cleared = restore when `restore`), skipped with a reason when the account has
/// no phone or was told already; to each office subscriber of the kind (raised only). An event
/// that concerns nobody gives none. Reasons are codes ("no_phone", "told_already") the caller
/// turns into text.
std::vector<NoticeDraft> plan_notices(const NoticeEvent& event, const NoticePolicy& policy);

/// What the notifier does with a due pending notice now.
struct SendDecision {
  enum class Verdict : std::uint8_t {
    kSend,    ///< send now
    kHold,    ///< inside quiet hours: due again at `until`
    kLimit,   ///< the phone had its daily limit today: skipped
    kExpire,  ///< older than give_up_after: expired
  };
  Verdict verdict = Verdict::kSend;
  TimePoint until{};
};
/// `sent_today`: notices sent to the phone since the local midnight of `now`.
SendDecision decide_send(TimePoint now, TimePoint created, Audience audience, int sent_today,
                         const NoticePolicy& policy);

/// The local day of `now` in UTC instants: [midnight, next midnight).
std::pair<TimePoint, TimePoint> local_day_span(TimePoint now, std::chrono::minutes utc_offset);

/// When to try again after the `tries`-th failed try (1 = the first): retry_first doubled per
/// try, at most retry_max.
TimePoint next_try(TimePoint now, int tries, const NoticePolicy& policy);

/// The fields a template may name, in the order they are given to it: {tenant} {room} {balance}
/// {threshold} {meter} {account} {alarm} {target} {time}.
inline constexpr std::array<std::string_view, 9> kNoticeFields{
    "tenant", "room", "balance", "threshold", "meter", "account", "alarm", "target", "time"};

/// Why a site file's template cannot be used.
struct TemplateError {
  std::string message;
};

/// A site file's template with named fields ("{tenant}, balance {balance}") as a positional
/// pattern ("{0}, balance {2}") for the text layer's formatter; `{{` and `}}` stay literal
/// braces. An unknown field, an empty or unclosed brace is an error naming it (the text).
Expected<std::string, TemplateError> positional_template(std::string_view named);

}  // namespace phil::domain
