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
  auto s = db_.prepare("UPDATE operators SET disabled_at = ?2 WHERE id = ?1");
  s->bind(1, id).bind(2, to_ms(at));
  s->run();
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

}  // namespace phil::store
