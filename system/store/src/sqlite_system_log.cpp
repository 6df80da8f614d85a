// SqliteStore: the SystemLog role (phil/store/system_log.hpp). Rows are written and sealed by
// audit_chain.hpp; this file lists them and verifies the chain and the ledger against it.
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit_chain.hpp"
#include "sqlite_store.hpp"
#include "sqlite_writers.hpp"

namespace phil::store {

using sqlite::from_ms;
using sqlite::to_ms;
using sqlite::Transaction;

namespace {

/// `text` as a JSON object's canonical text; anything else kept as {"text": text}.
std::string details_object(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) j = nlohmann::json{{"text", text}};
  return rows::json_details(j);
}

std::string row_name(std::int64_t id, const std::string& action, const std::string& target) {
  return "system log row " + std::to_string(id) + " (" + action +
         (target.empty() ? std::string() : " " + target) + ")";
}

constexpr const char* kWhatToDo =
    "; the database was changed outside prepaid-hil: compare with a backup and the chain head "
    "kept outside the database";

/// The ledger digest of every system log row, recomputed from the entries that refer to it, and
/// the problems of entries that refer to no row. An entry of a row after another row's means
/// the ledger was reordered: a row's entries are written together, in one transaction.
struct LedgerDigests {
  std::map<std::int64_t, std::string> by_row;
  std::map<std::int64_t, std::int64_t> first_seq;
  std::int64_t entries = 0;
  std::vector<std::string> problems;
};

LedgerDigests ledger_digests(sqlite::Db& db) {
  LedgerDigests out;
  auto s = db.prepare(
      "SELECT seq, account, kind, COALESCE(meter, ''), amount_fen, energy_wh, carry, "
      "balance_after_fen, operator, at, ref_seq, audit_id FROM ledger ORDER BY seq");
  std::optional<std::int64_t> current;
  std::unique_ptr<audit::Hasher> h;
  const auto close = [&] {
    if (current) out.by_row[*current] = h->hex();
    current.reset();
  };
  while (s->step()) {
    ++out.entries;
    const auto seq = s->int64(0);
    const auto row = s->opt_int64(11);
    if (!row) {
      out.problems.push_back("ledger entry " + std::to_string(seq) +
                             " refers to no system log row (written outside prepaid-hil)" +
                             kWhatToDo);
      continue;
    }
    if (row != current) {
      close();
      if (out.by_row.count(*row) != 0) {
        out.problems.push_back(
            "ledger entry " + std::to_string(seq) + " of system log row " + std::to_string(*row) +
            " comes after another row's entries: " + "the ledger was reordered" + kWhatToDo);
      }
      current = row;
      h = std::make_unique<audit::Hasher>();
      out.first_seq.emplace(*row, seq);
    }
    const auto account = s->text(1);
    const auto kind = s->text(2);
    const auto meter = s->text(3);
    const auto op = s->text(8);
    audit::add_entry(*h, {seq, account, kind, meter, s->int64(4), s->int64(5), s->int64(6),
                          s->int64(7), op, s->int64(9), s->opt_int64(10)});
  }
  close();
  return out;
}

}  // namespace

void SqliteStore::record(const LogEvent& e, TimePoint at) {
  Transaction tx(db_);
  audit::insert_row(db_, e.operator_id, e.action, e.target, e.outcome, details_object(e.details),
                    to_ms(at));
  tx.commit();
}

std::vector<LogRow> SqliteStore::log(const LogFilter& f) const {
  std::string sql =
      "SELECT id, at, operator, action, target, outcome, details, ledger_digest, "
      "COALESCE(hash, '') FROM audit WHERE 1";
  if (f.from) sql += " AND at >= ?1";
  if (f.to) sql += " AND at < ?2";
  if (f.operator_id) sql += " AND operator = ?3";
  if (f.action) sql += " AND action = ?4";
  if (f.target) sql += " AND target = ?5";
  if (f.id) sql += " AND id = ?7";
  sql += " ORDER BY id DESC LIMIT ?6";
  auto s = db_.prepare(sql);
  if (f.from) s->bind(1, to_ms(*f.from));
  if (f.to) s->bind(2, to_ms(*f.to));
  if (f.operator_id) s->bind(3, *f.operator_id);
  if (f.action) s->bind(4, *f.action);
  if (f.target) s->bind(5, *f.target);
  if (f.id) s->bind(7, *f.id);
  s->bind(6, std::clamp(f.limit, 1, 100000));
  std::vector<LogRow> out;
  while (s->step()) {
    out.push_back({s->int64(0), from_ms(s->int64(1)), s->text(2), s->text(3), s->text(4),
                   s->text(5), s->text(6), s->opt_text(7), s->text(8)});
  }
  std::reverse(out.begin(), out.end());
  return out;
}

ChainHead SqliteStore::log_head() const {
  auto s = db_.prepare("SELECT id, COALESCE(hash, '') FROM audit ORDER BY id DESC LIMIT 1");
  if (!s->step()) return {0, std::string(audit::kGenesis)};
  return {s->int64(0), s->text(1)};
}

LogCheck SqliteStore::verify_log(const std::optional<ChainHead>& kept) const {
  LogCheck check;
  auto digests = ledger_digests(db_);
  check.ledger_entries = digests.entries;
  check.problems = std::move(digests.problems);
  std::string prev(audit::kGenesis);
  auto s = db_.prepare(
      "SELECT id, at, operator, action, target, outcome, details, ledger_digest, hash FROM audit "
      "ORDER BY id");
  while (s->step()) {
    ++check.rows;
    const auto id = s->int64(0);
    const auto op = s->text(2);
    const auto action = s->text(3);
    const auto target = s->text(4);
    const auto outcome = s->text(5);
    const auto details = s->text(6);
    const auto stored_digest = s->opt_text(7);
    const auto hash = s->opt_text(8);
    const auto name = row_name(id, action, target);
    std::optional<std::string_view> digest;
    if (stored_digest) digest = *stored_digest;
    if (!hash) {
      check.problems.push_back(name + " is not sealed (no hash)" + kWhatToDo);
    } else if (audit::row_hash(prev, {id, s->int64(1), op, action, target, outcome, details,
                                      digest}) != *hash) {
      check.problems.push_back(name +
                               ": its hash does not match its content and the row before it "
                               "(a row edited, inserted, deleted or moved here)" +
                               kWhatToDo);
    }
    prev = hash.value_or("");
    check.head = {id, prev};
    const auto computed = digests.by_row.find(id);
    const bool has_entries = computed != digests.by_row.end();
    if (stored_digest && !has_entries) {
      check.problems.push_back(name +
                               " recorded ledger entries, but none refers to it now "
                               "(deleted or moved to another row)" +
                               kWhatToDo);
    } else if (!stored_digest && has_entries) {
      check.problems.push_back("ledger entries from seq " + std::to_string(digests.first_seq[id]) +
                               " refer to " + name + ", which recorded none (entries added)" +
                               kWhatToDo);
    } else if (has_entries && computed->second != *stored_digest) {
      check.problems.push_back("the ledger entries of " + name +
                               " differ from what it recorded (an amount, balance, account or "
                               "seq changed, or an entry added or deleted)" +
                               kWhatToDo);
    }
    digests.by_row.erase(id);
  }
  for (const auto& [row, unused] : digests.by_row) {
    check.problems.push_back("ledger entries from seq " + std::to_string(digests.first_seq[row]) +
                             " refer to system log row " + std::to_string(row) +
                             ", which does not exist (the log was cut or emptied)" + kWhatToDo);
  }
  if (check.rows == 0) check.head = {0, std::string(audit::kGenesis)};
  if (kept) {
    // The empty log's head (0) precedes every chain.
    bool found = kept->id == 0 && kept->hash == audit::kGenesis;
    if (kept->id > 0) {
      auto q = db_.prepare("SELECT hash FROM audit WHERE id = ?1");
      q->bind(1, kept->id);
      found = q->step() && q->opt_text(0) == kept->hash;
    }
    if (!found) {
      check.problems.push_back("the chain head kept outside the database (" +
                               std::to_string(kept->id) + ":" + kept->hash +
                               ") is not in the chain now: the history up to it was rewritten "
                               "or cut off" +
                               kWhatToDo);
    }
  }
  return check;
}

}  // namespace phil::store
