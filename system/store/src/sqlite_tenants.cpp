// The TenantAccess role of the SQLite store (phil/store/tenant_access.hpp).
#include <string>

#include "sqlite_store.hpp"
#include "sqlite_writers.hpp"

namespace phil::store {

namespace {

using sqlite::from_ms;
using sqlite::to_ms;
using sqlite::Transaction;

/// The actor a tenant's own rows name: never an operator's id.
std::string tenant_actor(const std::string& account) {
  return "tenant:" + account;
}

}  // namespace

domain::Result<void> SqliteStore::set_tenant_password(const std::string& account,
                                                      const std::string& hash,
                                                      const std::string& by, TimePoint at) {
  Transaction tx(db_);
  auto a = db_.prepare("SELECT closed_at FROM accounts WHERE id = ?1");
  a->bind(1, account);
  if (!a->step()) return rows::not_found("account " + account + " does not exist");
  if (a->opt_int64(0)) return rows::refused("account " + account + " is closed");
  auto s = db_.prepare(
      "INSERT INTO tenant_credentials (account, password_hash, failures, locked_until, set_at, "
      "set_by) VALUES (?1, ?2, 0, NULL, ?3, ?4) ON CONFLICT (account) DO UPDATE SET "
      "password_hash = excluded.password_hash, failures = 0, locked_until = NULL, "
      "set_at = excluded.set_at, set_by = excluded.set_by");
  s->bind(1, account).bind(2, hash).bind(3, to_ms(at)).bind(4, by);
  s->run();
  auto r = db_.prepare(
      "UPDATE tenant_sessions SET revoked_at = ?2 WHERE account = ?1 AND revoked_at IS NULL");
  r->bind(1, account).bind(2, to_ms(at));
  r->run();
  rows::write_audit(db_, {by, "tenant_passwd", account, {}}, at);
  tx.commit();
  return {};
}

std::optional<TenantCredential> SqliteStore::tenant_credential(const std::string& account) const {
  auto s = db_.prepare(
      "SELECT account, password_hash, failures, locked_until, set_at, set_by FROM "
      "tenant_credentials WHERE account = ?1");
  s->bind(1, account);
  if (!s->step()) return std::nullopt;
  TenantCredential c;
  c.account = s->text(0);
  c.password_hash = s->text(1);
  c.failures = static_cast<int>(s->int64(2));
  if (const auto l = s->opt_int64(3)) c.locked_until = from_ms(*l);
  c.set_at = from_ms(s->int64(4));
  c.set_by = s->text(5);
  return c;
}

void SqliteStore::record_tenant_login(const std::string& account,
                                      const std::optional<domain::LoginDecision>& d, TimePoint at) {
  Transaction tx(db_);
  const auto who = tenant_actor(account);
  if (!d) {
    rows::write_audit(db_, {who, "tenant_login", account, {}, "no_password"}, at);
    tx.commit();
    return;
  }
  auto s = db_.prepare(
      "UPDATE tenant_credentials SET failures = ?2, locked_until = ?3 WHERE account = ?1");
  s->bind(1, account).bind(2, d->failures);
  if (d->locked_until) {
    s->bind(3, to_ms(*d->locked_until));
  } else {
    s->bind_null(3);
  }
  s->run();
  rows::write_audit(db_,
                    {who,
                     "tenant_login",
                     account,
                     {{"failures", d->failures}},
                     std::string(domain::to_string(d->outcome))},
                    at);
  tx.commit();
}

void SqliteStore::add_tenant_session(const TenantSessionRecord& r) {
  Transaction tx(db_);
  auto s = db_.prepare(
      "INSERT INTO tenant_sessions (token_hash, account, created_at, last_used_at, expires_at, "
      "revoked_at) VALUES (?1, ?2, ?3, ?4, ?5, NULL)");
  s->bind(1, r.token_hash).bind(2, r.account).bind(3, to_ms(r.times.created_at));
  s->bind(4, to_ms(r.times.last_used_at)).bind(5, to_ms(r.expires_at));
  s->run();
  tx.commit();
}

std::optional<TenantSessionRecord> SqliteStore::tenant_session(
    const std::string& token_hash) const {
  auto s = db_.prepare(
      "SELECT token_hash, account, created_at, last_used_at, expires_at, revoked_at FROM "
      "tenant_sessions WHERE token_hash = ?1");
  s->bind(1, token_hash);
  if (!s->step()) return std::nullopt;
  TenantSessionRecord r;
  r.token_hash = s->text(0);
  r.account = s->text(1);
  r.times.created_at = from_ms(s->int64(2));
  r.times.last_used_at = from_ms(s->int64(3));
  r.expires_at = from_ms(s->int64(4));
  if (const auto v = s->opt_int64(5)) r.times.revoked_at = from_ms(*v);
  return r;
}

void SqliteStore::touch_tenant_session(const std::string& token_hash, TimePoint at) {
  Transaction tx(db_);
  auto s = db_.prepare("UPDATE tenant_sessions SET last_used_at = ?2 WHERE token_hash = ?1");
  s->bind(1, token_hash).bind(2, to_ms(at));
  s->run();
  tx.commit();
}

void SqliteStore::end_tenant_session(const std::string& token_hash, TimePoint at) {
  Transaction tx(db_);
  auto s = db_.prepare(
      "UPDATE tenant_sessions SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL");
  s->bind(1, token_hash).bind(2, to_ms(at));
  s->run();
  tx.commit();
}

}  // namespace phil::store
