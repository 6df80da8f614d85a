#pragma once
// The notifications role (issue 14 item 4): the durable notification outbox. Every alarm raised
// or cleared leaves an event in the transaction that raised or cleared it (a trigger on the
// alarms table, so no writer of alarms can forget it); the notifier turns each event into its
// notices (domain/notices.hpp) in one transaction that also consumes the event, so an event gives
// its notices exactly once across restarts; each notice is then sent until the gateway accepts
// it (retry with backoff), skipped or expired. Used by service::Notifier and Operations (list).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/domain/notices.hpp>

namespace phil::store {

/// A notice to write: the draft with its text made (the tenant's balance as of the event).
struct NoticeWrite {
  domain::NoticeDraft draft;
  std::string language;  ///< "zh_CN" or "en"
  std::string text;
  std::string reason;  ///< for a skipped one: why, as people read it
};

/// A notice as stored.
struct NoticeRecord {
  std::int64_t id = 0;
  std::int64_t alarm = 0;
  domain::NoticePhase phase = domain::NoticePhase::kRaised;
  domain::Audience audience = domain::Audience::kTenant;
  domain::NoticeKind kind = domain::NoticeKind::kAlarm1;
  std::string account;
  std::string phone;
  std::string language;
  std::string text;
  domain::NoticeState state = domain::NoticeState::kPending;
  std::string reason;  ///< skipped / expired: why
  TimePoint created_at{};
  TimePoint due_at{};
  int tries = 0;
  std::string last_error;
  std::optional<TimePoint> sent_at;
};

/// Which notices `notices` lists; each set field narrows it.
struct NoticeFilter {
  std::optional<std::string> account;
  std::optional<std::string> phone;
  std::optional<domain::NoticeKind> kind;
  std::optional<domain::NoticeState> state;
  std::optional<TimePoint> from;  ///< created at or after
  std::optional<TimePoint> to;    ///< created before
  int limit = 1000;               ///< newest kept when more match
};

class Notifications {
 public:
  virtual ~Notifications() = default;

  /// The oldest `limit` alarm events not yet turned into notices, with their meter's open
  /// account (tenant, phone, room, balance that holds the money now, the alarm's threshold) and
  /// whether that account's tenant was told of the same kind for an occurrence still open.
  virtual std::vector<domain::NoticeEvent> notice_events(std::size_t limit) const = 0;
  /// Writes the notices of `events` (each pending, due at `at`, or skipped with its reason) and
  /// consumes the events, in one transaction. A notice the store holds already (the same alarm,
  /// phase, audience and phone) is not written twice.
  virtual void write_notices(const std::vector<std::int64_t>& events,
                             const std::vector<NoticeWrite>& notices, TimePoint at) = 0;
  /// Pending notices due at `now`, oldest due first, at most `limit`.
  virtual std::vector<NoticeRecord> due_notices(TimePoint now, std::size_t limit) const = 0;
  /// When the next pending notice is due (nullopt: none pending).
  virtual std::optional<TimePoint> next_notice_due() const = 0;
  /// Notices sent to `phone` in [from, to).
  virtual int sent_to(const std::string& phone, TimePoint from, TimePoint to) const = 0;
  /// The gateway accepted notice `id` at `at` (its tries counted).
  virtual void notice_sent(std::int64_t id, TimePoint at, int tries) = 0;
  /// Notice `id` waits until `due`: a failed try (`tries` so far, `error`), or quiet hours
  /// (tries unchanged, error empty).
  virtual void notice_later(std::int64_t id, TimePoint due, int tries,
                            const std::string& error) = 0;
  /// Notice `id` ends unsent: skipped (the daily limit) or expired, with the reason.
  virtual void notice_closed(std::int64_t id, domain::NoticeState state, const std::string& reason,
                             TimePoint at) = 0;
  /// The notices `f` selects, oldest first.
  virtual std::vector<NoticeRecord> notices(const NoticeFilter& f) const = 0;
};

}  // namespace phil::store
