// The Operators role of the SQLite store (phil/store/operators.hpp).
#include <string>
#include <vector>

#include <phil/common/time.hpp>

#include "sqlite_store.hpp"
#include "sqlite_writers.hpp"

namespace phil::store {

namespace {

using sqlite::from_ms;
using sqlite::to_ms;
using sqlite::Transaction;

constexpr const char* kColumns =
    "id, name, role, password_hash, failures, locked_until, disabled_at, created_at, created_by";

OperatorRecord row_of(sqlite::Stmt& s) {
  OperatorRecord r;
  r.id = s.text(0);
  r.name = s.text(1);
  // The table's CHECK admits only the five names.
  r.role = domain::parse_role(s.text(2)).value_or(domain::Role::kAuditor);
  r.password_hash = s.text(3);
  r.failures = static_cast<int>(s.int64(4));
  if (const auto l = s.opt_int64(5)) r.locked_until = from_ms(*l);
  if (const auto d = s.opt_int64(6)) r.disabled_at = from_ms(*d);
  r.created_at = from_ms(s.int64(7));
  r.created_by = s.text(8);
  return r;
}

constexpr const char* kSessionColumns =
    "token_hash, operator, created_at, last_used_at, expires_at, revoked_at";

/// Revokes every session of `id` still open (a change of the operator ends them).
void revoke_sessions_of(sqlite::Db& db, const std::string& id, TimePoint at) {
  auto s =
      db.prepare("UPDATE sessions SET revoked_at = ?2 WHERE operator = ?1 AND revoked_at IS NULL");
  s->bind(1, id).bind(2, to_ms(at));
  s->run();
}

/// The refusal when `op` is the last enabled admin and would stop being one by `what`.
std::optional<domain::Error> last_admin(sqlite::Db& db, const OperatorRecord& op,
                                        std::string_view what) {
  if (op.role != domain::Role::kAdmin || op.disabled_at) return std::nullopt;
  auto s =
      db.prepare("SELECT COUNT(*) FROM operators WHERE role = 'admin' AND disabled_at IS NULL");
  s->step();
  if (s->int64(0) > 1) return std::nullopt;
  return domain::Error{domain::ErrorKind::kRefused,
                       "operator " + op.id + " is the last enabled admin and cannot " +
                           std::string(what) + "; add another admin first"};
}

}  // namespace

domain::Result<void> SqliteStore::add_operator(const OperatorRecord& op, const std::string& by,
                                               TimePoint at) {
  Transaction tx(db_);
  if (operator_record(op.id)) {
    return rows::refused("operator " + op.id +
                         " exists (ids are never reused, even of a disabled operator); choose "
                         "another id");
  }
  auto s = db_.prepare(std::string("INSERT INTO operators (") + kColumns +
                       ") VALUES (?1, ?2, ?3, ?4, 0, NULL, NULL, ?5, ?6)");
  s->bind(1, op.id).bind(2, op.name).bind(3, std::string(domain::to_string(op.role)));
  s->bind(4, op.password_hash).bind(5, to_ms(at)).bind(6, by);
  s->run();
  rows::write_audit(
      db_, {by, "operator_add", op.id, {{"name", op.name}, {"role", domain::to_string(op.role)}}},
      at);
  tx.commit();
  return {};
}

std::optional<OperatorRecord> SqliteStore::operator_record(const std::string& id) const {
  auto s = db_.prepare(std::string("SELECT ") + kColumns + " FROM operators WHERE id = ?1");
  s->bind(1, id);
  if (!s->step()) return std::nullopt;
  return row_of(*s);
}

std::vector<OperatorRecord> SqliteStore::operators() const {
  auto s = db_.prepare(std::string("SELECT ") + kColumns + " FROM operators ORDER BY id");
  std::vector<OperatorRecord> out;
  while (s->step())
    out.push_back(row_of(*s));
  return out;
}

domain::Result<void> SqliteStore::set_password_hash(const std::string& id, const std::string& hash,
                                                    const std::string& by, TimePoint at) {
  Transaction tx(db_);
  const auto op = operator_record(id);
  if (!op) return rows::not_found("no operator " + id + "; prepaidctl operator list shows them");
  if (op->disabled_at) return rows::refused("operator " + id + " is disabled");
  auto s = db_.prepare(
      "UPDATE operators SET password_hash = ?2, failures = 0, locked_until = NULL WHERE id = ?1");
  s->bind(1, id).bind(2, hash);
  s->run();
  revoke_sessions_of(db_, id, at);
  rows::write_audit(db_, {by, "operator_passwd", id, {}}, at);
  tx.commit();
  return {};
}

domain::Result<void> SqliteStore::disable_operator(const std::string& id, const std::string& by,
                                                   TimePoint at) {
  Transaction tx(db_);
  const auto op = operator_record(id);
  if (!op) return rows::not_found("no operator " + id + "; prepaidctl operator list shows them");
  if (op->disabled_at) return rows::refused("operator " + id + " is already disabled");
  if (auto last = last_admin(db_, *op, "be disabled")) return *last;
  auto s = db_.prepare("UPDATE operators SET disabled_at = ?2 WHERE id = ?1");
  s->bind(1, id).bind(2, to_ms(at));
  s->run();
  revoke_sessions_of(db_, id, at);
  rows::write_audit(db_, {by, "operator_disable", id, {}}, at);
  tx.commit();
  return {};
}

void SqliteStore::record_login(const std::string& id, const std::optional<domain::LoginDecision>& d,
                               TimePoint at) {
  Transaction tx(db_);
  if (!d) {
    rows::write_audit(db_, {id, "login", id, {}, "unknown_operator"}, at);
    tx.commit();
    return;
  }
  auto s = db_.prepare("UPDATE operators SET failures = ?2, locked_until = ?3 WHERE id = ?1");
  s->bind(1, id).bind(2, d->failures);
  if (d->locked_until) {
    s->bind(3, to_ms(*d->locked_until));
  } else {
    s->bind_null(3);
  }
  s->run();
  rows::write_audit(
      db_,
      {id, "login", id, {{"failures", d->failures}}, std::string(domain::to_string(d->outcome))},
      at);
  if (d->outcome == domain::LoginOutcome::kLockedNow && d->locked_until) {
    rows::write_audit(db_,
                      {id,
                       "operator_locked",
                       id,
                       {{"until", format_timestamp(*d->locked_until, {})},
                        {"until_ms", to_ms(*d->locked_until)},
                        {"after_failures", domain::kMaxLoginFailures}}},
                      at);
  }
  tx.commit();
}

domain::Result<void> SqliteStore::set_role(const std::string& id, domain::Role role,
                                           const std::string& by, TimePoint at) {
  Transaction tx(db_);
  const auto op = operator_record(id);
  if (!op) return rows::not_found("no operator " + id + "; prepaidctl operator list shows them");
  if (op->disabled_at) return rows::refused("operator " + id + " is disabled");
  if (op->role == role) {
    return rows::refused("operator " + id + " has the role " +
                         std::string(domain::to_string(role)) + " already");
  }
  if (auto last = last_admin(db_, *op, "lose the role admin")) return *last;
  auto s = db_.prepare("UPDATE operators SET role = ?2 WHERE id = ?1");
  s->bind(1, id).bind(2, std::string(domain::to_string(role)));
  s->run();
  revoke_sessions_of(db_, id, at);
  rows::write_audit(db_,
                    {by,
                     "operator_role",
                     id,
                     {{"from", domain::to_string(op->role)}, {"to", domain::to_string(role)}}},
                    at);
  tx.commit();
  return {};
}

void SqliteStore::add_session(const SessionRecord& r) {
  Transaction tx(db_);
  auto s = db_.prepare(std::string("INSERT INTO sessions (") + kSessionColumns +
                       ") VALUES (?1, ?2, ?3, ?4, ?5, NULL)");
  s->bind(1, r.token_hash).bind(2, r.operator_id).bind(3, to_ms(r.times.created_at));
  s->bind(4, to_ms(r.times.last_used_at)).bind(5, to_ms(r.expires_at));
  s->run();
  tx.commit();
}

std::optional<SessionRecord> SqliteStore::session(const std::string& token_hash) const {
  auto s = db_.prepare(std::string("SELECT ") + kSessionColumns +
                       " FROM sessions WHERE token_hash = ?1");
  s->bind(1, token_hash);
  if (!s->step()) return std::nullopt;
  SessionRecord r;
  r.token_hash = s->text(0);
  r.operator_id = s->text(1);
  r.times.created_at = from_ms(s->int64(2));
  r.times.last_used_at = from_ms(s->int64(3));
  r.expires_at = from_ms(s->int64(4));
  if (const auto v = s->opt_int64(5)) r.times.revoked_at = from_ms(*v);
  return r;
}

void SqliteStore::touch_session(const std::string& token_hash, TimePoint at) {
  Transaction tx(db_);
  auto s = db_.prepare("UPDATE sessions SET last_used_at = ?2 WHERE token_hash = ?1");
  s->bind(1, token_hash).bind(2, to_ms(at));
  s->run();
  tx.commit();
}

void SqliteStore::end_session(const std::string& token_hash, TimePoint at) {
  Transaction tx(db_);
  const auto r = session(token_hash);
  if (!r || r->times.revoked_at) return;
  auto s = db_.prepare("UPDATE sessions SET revoked_at = ?2 WHERE token_hash = ?1");
  s->bind(1, token_hash).bind(2, to_ms(at));
  s->run();
  rows::write_audit(db_, {r->operator_id, "logout", r->operator_id, {}}, at);
  tx.commit();
}

void SqliteStore::record_session_refused(const SessionRecord& r, domain::SessionState why,
                                         TimePoint at) {
  Transaction tx(db_);
  rows::write_audit(
      db_,
      {r.operator_id, "session_refused", r.operator_id, {}, std::string(domain::to_string(why))},
      at);
  tx.commit();
}

}  // namespace phil::store
