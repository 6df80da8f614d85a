// The ReadRequests role of the SQLite store (see sqlite_store.hpp): read-now requests stored by one
// process (prepaidctl) and served by the bus worker of another (prepaidd).

#include <optional>
#include <string>
#include <vector>

#include "sqlite_store.hpp"
#include "sqlite_writers.hpp"

namespace phil::store {

namespace {

using sqlite::Stmt;
using sqlite::Transaction;

using sqlite::from_ms;
using sqlite::to_ms;

ReadRequests::ReadRequest read_request_row(const Stmt& s) {
  ReadRequests::ReadRequest r;
  r.id = s.int64(0);
  r.target = s.text(1);
  r.bus = s.text(2);
  r.state = s.text(3);
  r.result = s.text(4);
  r.created_at = from_ms(s.int64(5));
  r.updated_at = from_ms(s.int64(6));
  return r;
}

}  // namespace

std::int64_t SqliteStore::request_read(const std::string& target, const std::string& operator_id,
                                       TimePoint at) {
  Transaction tx(db_);
  auto s = db_.prepare(
      "INSERT INTO read_requests (target, bus, state, created_at, updated_at) "
      "VALUES (?1, ?2, 'pending', ?3, ?3) RETURNING id");
  s->bind(1, target).bind(2, target.substr(0, target.find('/'))).bind(3, to_ms(at));
  if (!s->step()) throw StoreError("database " + db_.path() + ": read request not stored");
  const auto id = s->int64(0);
  s->reset();  // finish the INSERT ... RETURNING before the audit row
  rows::write_audit(db_, {operator_id, "read_now", target, {{"id", id}}}, at);
  tx.commit();
  return id;
}

std::vector<SqliteStore::ReadRequest> SqliteStore::pending_read_requests(
    const std::string& bus) const {
  auto s = db_.prepare(
      "SELECT id, target, bus, state, result, created_at, updated_at FROM read_requests "
      "WHERE bus = ?1 AND state = 'pending' ORDER BY id");
  s->bind(1, bus);
  std::vector<ReadRequests::ReadRequest> out;
  while (s->step())
    out.push_back(read_request_row(*s));
  return out;
}

void SqliteStore::finish_read_request(std::int64_t id, bool ok, const std::string& result,
                                      TimePoint at) {
  auto s = db_.prepare(
      "UPDATE read_requests SET state = ?2, result = ?3, updated_at = ?4 WHERE id = ?1");
  s->bind(1, id).bind(2, std::string(ok ? "done" : "failed")).bind(3, result);
  s->bind(4, to_ms(at));
  s->run();
}

std::optional<SqliteStore::ReadRequest> SqliteStore::read_request(std::int64_t id) const {
  auto s = db_.prepare(
      "SELECT id, target, bus, state, result, created_at, updated_at FROM read_requests "
      "WHERE id = ?1");
  s->bind(1, id);
  if (!s->step()) return std::nullopt;
  return read_request_row(*s);
}

}  // namespace phil::store
