// The Notifications role of the SQLite store (see sqlite_store.hpp): the notification outbox of
// schema v23. The events come from triggers on the alarms table, so they are written in the
// transaction that raised or cleared the alarm whoever the writer was.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "sqlite_store.hpp"
#include "sqlite_writers.hpp"

namespace phil::store {

namespace {

using sqlite::Db;
using sqlite::from_ms;
using sqlite::Stmt;
using sqlite::to_ms;

constexpr const char* kNoticeColumns =
    "id, alarm, phase, audience, kind, account, phone, language, text, state, reason, "
    "created_at, due_at, tries, last_error, sent_at";

/// A stored enum column, or the error that the database was changed by hand.
template <typename E, typename Parse>
E parsed(const Db& db, const Stmt& s, int col, Parse parse, std::int64_t id) {
  const auto v = parse(s.text(col));
  if (!v) {
    throw StoreError("database " + db.path() + ": notice " + std::to_string(id) +
                     " holds an unknown value \"" + s.text(col) +
                     "\"; the database was changed by hand");
  }
  return *v;
}

NoticeRecord notice_row(const Db& db, const Stmt& s) {
  NoticeRecord r;
  r.id = s.int64(0);
  r.alarm = s.int64(1);
  r.phase = parsed<domain::NoticePhase>(db, s, 2, domain::parse_notice_phase, r.id);
  r.audience = parsed<domain::Audience>(db, s, 3, domain::parse_audience, r.id);
  r.kind = parsed<domain::NoticeKind>(db, s, 4, domain::parse_notice_kind, r.id);
  r.account = s.text(5);
  r.phone = s.text(6);
  r.language = s.text(7);
  r.text = s.text(8);
  r.state = parsed<domain::NoticeState>(db, s, 9, domain::parse_notice_state, r.id);
  r.reason = s.text(10);
  r.created_at = from_ms(s.int64(11));
  r.due_at = from_ms(s.int64(12));
  r.tries = static_cast<int>(s.int64(13));
  r.last_error = s.text(14);
  if (const auto t = s.opt_int64(15)) r.sent_at = from_ms(*t);
  return r;
}

std::optional<int> opt_int(const Stmt& s, int col) {
  if (const auto v = s.opt_int64(col)) return static_cast<int>(*v);
  return std::nullopt;
}

}  // namespace

std::vector<domain::NoticeEvent> SqliteStore::notice_events(std::size_t limit) const {
  // The meter's open account now (alarm targets name meters, not accounts), the balance that
  // holds its money and its stored thresholds; account_told: a tenant notice of the same kind
  // for this account whose alarm is still open (another meter of the account raised it).
  auto s = db_.prepare(
      "SELECT e.id, e.alarm, e.phase, e.at, a.kind, a.bus, a.box, a.circuit, a.account, "
      "ac.id, ac.tenant, ac.phone, COALESCE(ac.room, m.room, ''), "
      "CASE COALESCE(m.billing_mode, st.billing_mode) WHEN 'host-side' THEN ac.balance_fen "
      "ELSE m.balance_fen END, "
      "CASE a.kind WHEN 'alarm1' THEN COALESCE(m.alarm1_fen, st.alarm1_fen) "
      "WHEN 'alarm2' THEN COALESCE(m.alarm2_fen, st.alarm2_fen) END, "
      "EXISTS (SELECT 1 FROM notices n JOIN alarms o ON o.id = n.alarm "
      "  WHERE n.account = ac.id AND n.audience = 'tenant' AND n.phase = e.phase "
      "  AND o.kind = a.kind AND o.cleared_at IS NULL AND n.alarm <> a.id) "
      "FROM notice_events e JOIN alarms a ON a.id = e.alarm JOIN site st ON st.id = 1 "
      "LEFT JOIN meters m ON m.bus = a.bus AND m.box = a.box AND m.circuit = a.circuit "
      "LEFT JOIN account_meters am ON am.meter = m.id AND am.detached_at IS NULL "
      "LEFT JOIN accounts ac ON ac.id = am.account AND ac.closed_at IS NULL "
      "ORDER BY e.id LIMIT ?1");
  s->bind(1, static_cast<std::int64_t>(limit));
  std::vector<domain::NoticeEvent> out;
  while (s->step()) {
    domain::NoticeEvent e;
    e.id = s->int64(0);
    e.alarm = s->int64(1);
    e.phase = domain::parse_notice_phase(s->text(2)).value_or(domain::NoticePhase::kRaised);
    e.at = from_ms(s->int64(3));
    const auto kind = domain::parse_alarm_kind(s->text(4));
    if (!kind) continue;  // a kind this build does not know concerns nobody it knows
    e.key = {*kind, domain::AlarmTarget{s->text(5), opt_int(*s, 6), opt_int(*s, 7), s->text(8)}};
    e.account = s->opt_text(9).value_or("");
    e.tenant = s->opt_text(10).value_or("");
    e.phone = s->opt_text(11).value_or("");
    e.room = s->text(12);
    e.balance_fen = s->opt_int64(13);
    e.threshold_fen = s->opt_int64(14);
    e.account_told = s->int64(15) != 0;
    out.push_back(std::move(e));
  }
  return out;
}

void SqliteStore::write_notices(const std::vector<std::int64_t>& events,
                                const std::vector<NoticeWrite>& notices, TimePoint at) {
  sqlite::Transaction tx(db_);
  auto insert = db_.prepare(
      "INSERT OR IGNORE INTO notices (alarm, phase, audience, kind, account, phone, language, "
      "text, state, reason, created_at, due_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)");
  for (const auto& n : notices) {
    const auto& d = n.draft;
    insert->reset();
    insert->bind(1, d.alarm)
        .bind(2, domain::to_string(d.phase))
        .bind(3, domain::to_string(d.audience))
        .bind(4, domain::to_string(d.kind))
        .bind(5, d.account)
        .bind(6, d.phone)
        .bind(7, n.language)
        .bind(8, n.text)
        .bind(9, domain::to_string(d.skip ? domain::NoticeState::kSkipped
                                          : domain::NoticeState::kPending))
        .bind(10, n.reason)
        .bind(11, to_ms(at));
    insert->run();
  }
  auto consume = db_.prepare("DELETE FROM notice_events WHERE id = ?1");
  for (const auto id : events) {
    consume->reset();
    consume->bind(1, id);
    consume->run();
  }
  tx.commit();
}

std::vector<NoticeRecord> SqliteStore::due_notices(TimePoint now, std::size_t limit) const {
  auto s = db_.prepare(std::string("SELECT ") + kNoticeColumns +
                       " FROM notices WHERE state = 'pending' AND due_at <= ?1 "
                       "ORDER BY due_at, id LIMIT ?2");
  s->bind(1, to_ms(now)).bind(2, static_cast<std::int64_t>(limit));
  std::vector<NoticeRecord> out;
  while (s->step())
    out.push_back(notice_row(db_, *s));
  return out;
}

std::optional<TimePoint> SqliteStore::next_notice_due() const {
  auto s = db_.prepare("SELECT min(due_at) FROM notices WHERE state = 'pending'");
  if (!s->step()) return std::nullopt;
  if (const auto t = s->opt_int64(0)) return from_ms(*t);
  return std::nullopt;
}

int SqliteStore::sent_to(const std::string& phone, TimePoint from, TimePoint to) const {
  auto s = db_.prepare(
      "SELECT count(*) FROM notices WHERE state = 'sent' AND phone = ?1 AND sent_at >= ?2 "
      "AND sent_at < ?3");
  s->bind(1, phone).bind(2, to_ms(from)).bind(3, to_ms(to));
  s->step();
  return static_cast<int>(s->int64(0));
}

void SqliteStore::notice_sent(std::int64_t id, TimePoint at, int tries) {
  auto s = db_.prepare(
      "UPDATE notices SET state = 'sent', sent_at = ?2, tries = ?3, last_error = '' "
      "WHERE id = ?1 AND state = 'pending'");
  s->bind(1, id).bind(2, to_ms(at)).bind(3, tries);
  s->run();
}

void SqliteStore::notice_later(std::int64_t id, TimePoint due, int tries,
                               const std::string& error) {
  auto s = db_.prepare(
      "UPDATE notices SET due_at = ?2, tries = ?3, last_error = CASE WHEN ?4 = '' THEN "
      "last_error ELSE ?4 END WHERE id = ?1 AND state = 'pending'");
  s->bind(1, id).bind(2, to_ms(due)).bind(3, tries).bind(4, error);
  s->run();
}

void SqliteStore::notice_closed(std::int64_t id, domain::NoticeState state,
                                const std::string& reason, TimePoint at) {
  auto s = db_.prepare(
      "UPDATE notices SET state = ?2, reason = ?3, due_at = ?4 WHERE id = ?1 AND state = "
      "'pending'");
  s->bind(1, id).bind(2, domain::to_string(state)).bind(3, reason).bind(4, to_ms(at));
  s->run();
}

std::vector<NoticeRecord> SqliteStore::notices(const NoticeFilter& f) const {
  std::string sql = std::string("SELECT ") + kNoticeColumns + " FROM notices WHERE 1";
  if (f.account) sql += " AND account = ?1";
  if (f.phone) sql += " AND phone = ?2";
  if (f.kind) sql += " AND kind = ?3";
  if (f.state) sql += " AND state = ?4";
  if (f.from) sql += " AND created_at >= ?5";
  if (f.to) sql += " AND created_at < ?6";
  sql += " ORDER BY id DESC LIMIT ?7";
  auto s = db_.prepare(sql);
  if (f.account) s->bind(1, *f.account);
  if (f.phone) s->bind(2, *f.phone);
  if (f.kind) s->bind(3, domain::to_string(*f.kind));
  if (f.state) s->bind(4, domain::to_string(*f.state));
  if (f.from) s->bind(5, to_ms(*f.from));
  if (f.to) s->bind(6, to_ms(*f.to));
  s->bind(7, f.limit);
  std::vector<NoticeRecord> out;
  while (s->step())
    out.push_back(notice_row(db_, *s));
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace phil::store
