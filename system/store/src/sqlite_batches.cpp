// The CommandBatches role of the SQLite store (see sqlite_store.hpp): a batch is its row, one
// member row per meter and ONE system log row; each member's command is queued exactly as
// enqueue_command queues a single one (enqueue_in_transaction), under a savepoint so that a
// member the store refuses changes nothing and the others go on.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sqlite_store.hpp"
#include "sqlite_writers.hpp"

namespace phil::store {

namespace {

using domain::Error;
using domain::ErrorKind;
using sqlite::Db;
using sqlite::Stmt;
using sqlite::Transaction;

using sqlite::from_ms;
using sqlite::to_ms;

void insert_member(Db& db, std::int64_t batch, std::int64_t position, const domain::MeterId& m,
                   std::optional<std::int64_t> command, const std::string& refusal) {
  auto s = db.prepare(
      "INSERT INTO command_batch_members (batch, position, meter, command, refusal) "
      "VALUES (?1, ?2, ?3, ?4, ?5)");
  s->bind(1, batch).bind(2, position).bind(3, m.to_string());
  if (command) {
    s->bind(4, *command);
  } else {
    s->bind(5, refusal);
  }
  s->run();
}

constexpr const char* kBatchColumns =
    "b.id, b.kind, b.payload, b.selection, b.operator, b.created_at";

BatchRecord batch_from_row(const Stmt& s) {
  BatchRecord b;
  b.id = s.int64(0);
  const auto kind = s.text(1);
  const auto k = domain::parse_command_kind(kind);
  if (!k) throw StoreError("command batch " + std::to_string(b.id) + " has unknown kind " + kind);
  b.kind = *k;
  b.payload = s.text(2);
  b.selection = s.text(3);
  b.operator_id = s.text(4);
  b.created_at = from_ms(s.int64(5));
  return b;
}

}  // namespace

domain::Result<BatchOutcome> SqliteStore::enqueue_batch(const BatchRequest& req) {
  const auto kind = domain::kind_of(req.params);
  if (!domain::batchable(kind)) {
    return Error{ErrorKind::kInvalid,
                 std::string(domain::to_string(kind)) +
                     " cannot be sent as a batch; a batch sends trip, close, keep-power, "
                     "restore-prepaid, thresholds or price"};
  }
  if (auto problem = domain::check_payload(req.params)) {
    return Error{ErrorKind::kInvalid,
                 "batch " + std::string(domain::to_string(kind)) + " command: " + *problem};
  }
  std::vector<domain::MeterId> all;
  all.reserve(req.members.size());
  for (const auto& m : req.members)
    all.push_back(m.meter);
  if (auto problem = domain::check_batch_members(all)) {
    return Error{ErrorKind::kInvalid,
                 "batch " + std::string(domain::to_string(kind)) + " command: " + *problem};
  }
  const auto payload = domain::encode_payload(req.params);
  Transaction tx(db_);
  std::int64_t batch = 0;
  {
    auto s = db_.prepare(
        "INSERT INTO command_batches (kind, payload, selection, operator, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id");
    s->bind(1, domain::to_string(kind)).bind(2, payload).bind(3, req.selection);
    s->bind(4, req.operator_id).bind(5, to_ms(req.at));
    if (!s->step()) throw StoreError("inserting a command batch returned no id");
    batch = s->int64(0);
  }
  BatchOutcome out{batch, 0, 0};
  auto members = nlohmann::json::array();
  auto refusals = nlohmann::json::array();
  std::int64_t position = 0;
  for (const auto& [m, counter_refusal] : req.members) {
    std::string refusal = counter_refusal;
    if (refusal.empty()) {
      db_.exec("SAVEPOINT batch_member");
      auto r = enqueue_in_transaction({m, req.params, req.operator_id, req.at}, false);
      if (r) {
        db_.exec("RELEASE batch_member");
        insert_member(db_, batch, ++position, m, r.value(), "");
        members.push_back({{"meter", m.to_string()}, {"command", r.value()}});
        ++out.queued;
        continue;
      }
      db_.exec("ROLLBACK TO batch_member; RELEASE batch_member");
      refusal = r.error().message;
    }
    insert_member(db_, batch, ++position, m, std::nullopt, refusal);
    refusals.push_back({{"meter", m.to_string()}, {"reason", refusal}});
    ++out.refused;
  }
  rows::write_audit(db_,
                    {req.operator_id,
                     "command_batch",
                     "batch " + std::to_string(batch),
                     {{"id", batch},
                      {"kind", domain::to_string(kind)},
                      {"payload", payload},
                      {"selection", req.selection},
                      {"members", std::move(members)},
                      {"refused", std::move(refusals)}}},
                    req.at);
  tx.commit();
  return out;
}

std::optional<BatchRecord> SqliteStore::command_batch(std::int64_t id) const {
  auto s = db_.prepare(std::string("SELECT ") + kBatchColumns +
                       " FROM command_batches b WHERE b.id = ?1");
  s->bind(1, id);
  if (!s->step()) return std::nullopt;
  auto b = batch_from_row(*s);
  auto m = db_.prepare(std::string("SELECT bm.meter, bm.refusal, ") + rows::kCommandColumns +
                       " FROM command_batch_members bm LEFT JOIN outbox ON outbox.id = bm.command "
                       "WHERE bm.batch = ?1 ORDER BY bm.position");
  m->bind(1, id);
  while (m->step()) {
    BatchMemberRecord rec;
    rec.meter = rows::parse_id(m->text(0));
    if (const auto refusal = m->opt_text(1)) {
      rec.refusal = *refusal;
      b.progress.add(std::nullopt);
    } else {
      rec.command = rows::command_from_row(*m, 2);
      b.progress.add(rec.command->state);
    }
    b.members.push_back(std::move(rec));
  }
  return b;
}

std::vector<BatchRecord> SqliteStore::command_batches(std::size_t limit) const {
  auto s = db_.prepare(std::string("SELECT ") + kBatchColumns +
                       " FROM command_batches b ORDER BY b.id DESC LIMIT ?1");
  s->bind(1, static_cast<std::int64_t>(limit));
  std::vector<BatchRecord> out;
  while (s->step())
    out.push_back(batch_from_row(*s));
  for (auto& b : out) {
    auto states = db_.prepare(
        "SELECT o.state FROM command_batch_members bm LEFT JOIN outbox o ON o.id = bm.command "
        "WHERE bm.batch = ?1");
    states->bind(1, b.id);
    while (states->step()) {
      const auto state = states->opt_text(0);
      // A member with a command whose state no longer parses counts as failed, as the outbox's.
      b.progress.add(
          state ? domain::parse_command_state(*state).value_or(domain::CommandState::kFailed)
                : std::optional<domain::CommandState>{});
    }
  }
  return out;
}

}  // namespace phil::store
