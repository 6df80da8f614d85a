// The Ledger role of the SQLite store (see sqlite_store.hpp): opening and closing accounts, sales,
// refunds and reversals, each one transaction with its audit row; and the ledger's verification.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <phil/domain/counted_history.hpp>

#include "sqlite_store.hpp"
#include "sqlite_writers.hpp"
#include "status_sql.hpp"

namespace phil::store {

namespace {

using domain::Error;
using domain::ErrorKind;
using domain::MeterId;
using sqlite::Db;
using sqlite::Transaction;

using sqlite::to_ms;

using rows::open_account_balance;
using rows::parse_id;
using rows::refused;

/// The id of a credit of the account still open in the outbox, if any.
std::optional<std::int64_t> open_credit_of(Db& db, const std::string& account) {
  auto s = db.prepare(
      "SELECT o.id FROM outbox o JOIN ledger l ON l.seq = o.ledger_seq WHERE l.account = ?1 "
      "AND o.kind = 'credit' AND o.state IN ('pending', 'in_flight') ORDER BY o.id LIMIT 1");
  s->bind(1, account);
  if (s->step()) return s->int64(0);
  return std::nullopt;
}

/// Refused while a debit of the account is open: its balance is not settled on the meter yet.
std::optional<Error> debit_in_progress(Db& db, const std::string& account, std::string_view what) {
  if (auto busy = rows::open_debit_of(db, account)) {
    return refused("account " + account + " has debit " + std::to_string(*busy) +
                   " still being taken off its meter; " + std::string(what) +
                   " after it is confirmed or cancelled (account show lists it)");
  }
  return std::nullopt;
}

/// The transfer entries' pairing (domain::verify_transfers).
std::vector<std::string> verify_transfers(Db& db) {
  std::vector<domain::TransferEntry> transfers;
  auto s = db.prepare(
      "SELECT seq, account, kind, amount_fen, ref_seq FROM ledger "
      "WHERE kind IN ('transfer_in', 'transfer_out') ORDER BY seq");
  while (s->step()) {
    transfers.push_back(
        {s->int64(0), s->text(1),
         domain::parse_entry_kind(s->text(2)).value_or(domain::EntryKind::kTransferOut),
         s->int64(3), s->opt_int64(4)});
  }
  auto problems = domain::verify_transfers(transfers);
  for (auto& p : problems)
    p += "; restore the database from a backup";
  return problems;
}

/// Every meter's confirmed credits and debits against the counts the meter applies
/// (domain::verify_counts), with the meters' on-site swaps.
std::vector<std::string> verify_counts(Db& db) {
  std::map<std::string, domain::CountedHistory> histories;
  {
    auto s = db.prepare(
        "SELECT meter, id, kind, purchase_count, updated_at FROM outbox WHERE kind IN ('credit', "
        "'debit') AND state = 'confirmed' AND meter IS NOT NULL ORDER BY meter, id");
    while (s->step()) {
      auto& h = histories[s->text(0)];
      h.meter = s->text(0);
      const auto count = s->opt_int64(3);
      h.confirmed.push_back(
          {s->int64(1),
           domain::parse_command_kind(s->text(2)).value_or(domain::CommandKind::kCredit),
           count ? std::optional<std::uint16_t>(static_cast<std::uint16_t>(*count)) : std::nullopt,
           sqlite::from_ms(s->int64(4))});
    }
  }
  {
    auto s = db.prepare(
        "SELECT id, purchase_count FROM meters WHERE read_at IS NOT NULL AND purchase_count IS "
        "NOT NULL");
    while (s->step()) {
      if (auto h = histories.find(s->text(0)); h != histories.end()) {
        h->second.meter_purchase_count = static_cast<std::uint16_t>(s->int64(1));
      }
    }
  }
  {
    // Completed: the audit rows are in the log's chain, none is made up without breaking it. Not
    // completed yet: the meter shows "action required" until it is.
    auto s = db.prepare(
        "SELECT target, at FROM audit WHERE action = 'replace_meter_in_place' AND outcome = 'ok' "
        "UNION ALL SELECT id, swap_detected_at FROM meters WHERE swap_detected_at IS NOT NULL "
        "ORDER BY 2");
    while (s->step()) {
      if (auto h = histories.find(s->text(0)); h != histories.end()) {
        h->second.swaps.push_back(sqlite::from_ms(s->int64(1)));
      }
    }
  }
  std::vector<std::string> problems;
  for (const auto& [meter, history] : histories) {
    for (auto& p : domain::verify_counts(history))
      problems.push_back(std::move(p));
  }
  return problems;
}

}  // namespace

domain::Result<void> SqliteStore::open_account(const OpenAccountRequest& req) {
  return open_account(req, TenantContact{});
}

domain::Result<void> SqliteStore::open_account(const OpenAccountRequest& req,
                                               const TenantContact& contact) {
  Transaction tx(db_);
  auto opened = rows::open_account(db_, req, contact);
  if (opened) tx.commit();
  return opened;
}

domain::Result<std::int64_t> SqliteStore::sale(const SaleRequest& req) {
  if (req.amount_fen <= 0) {
    // Bad input rather than a rule's refusal: no sale of nothing or less is meant.
    return Error{ErrorKind::kInvalid, "sale amount must be positive (got " +
                                          std::to_string(req.amount_fen) +
                                          " fen); enter an amount such as 100.00"};
  }
  Transaction tx(db_);
  std::optional<std::int64_t> closed;
  {
    auto s = db_.prepare("SELECT closed_at FROM accounts WHERE id = ?1");
    s->bind(1, req.account);
    if (!s->step()) {
      return Error{ErrorKind::kNotFound,
                   "account " + req.account + " does not exist; check the id or open it first"};
    }
    closed = s->opt_int64(0);
  }
  if (closed) return refused("account " + req.account + " is closed; no sale is possible");
  if (auto acc = open_account_balance(db_, req.account); !acc) return acc.error();
  if (account(req.account)->meters.empty()) {
    return refused("account " + req.account + " has no meter to credit; attach a meter first");
  }
  const auto audit_id = rows::write_audit(
      db_, {req.operator_id, "sale", req.account, {{"amount_fen", req.amount_fen}}}, req.at);
  const auto command =
      rows::write_sale(db_, audit_id, req.account, req.amount_fen, req.operator_id, req.at);
  tx.commit();
  return command.value_or(kNoCredit);
}

domain::Result<MoneyBack> SqliteStore::refund(const RefundRequest& req) {
  if (req.amount_fen <= 0) {
    return Error{ErrorKind::kInvalid, "refund amount must be positive (got " +
                                          std::to_string(req.amount_fen) +
                                          " fen); enter an amount such as 10.00"};
  }
  Transaction tx(db_);
  auto acc = open_account_balance(db_, req.account);
  if (!acc) return acc.error();
  if (auto busy = open_credit_of(db_, req.account)) {
    return refused("account " + req.account + " has credit " + std::to_string(*busy) +
                   " not yet delivered to its meter; refund after it is confirmed or failed");
  }
  if (auto busy = debit_in_progress(db_, req.account, "refund")) return *busy;
  if (req.amount_fen > acc.value()) {
    return refused("refund of " + std::to_string(req.amount_fen) + " fen is more than the " +
                   std::to_string(acc.value()) + " fen left on account " + req.account);
  }
  MoneyBack back{req.amount_fen, std::nullopt, std::nullopt};
  rows::AuditDraft audit(
      db_, {req.operator_id, "refund", req.account, {{"amount_fen", req.amount_fen}}}, req.at);
  if (const auto meter = rows::money_meter(db_, req.account)) {
    // The meter holds the money: it is booked when the meter confirms the debit.
    back.command = rows::queue_debit(db_, *meter, req.account,
                                     {req.amount_fen, domain::DebitPurpose::kRefund, std::nullopt},
                                     req.operator_id, req.at);
    audit.details()["debit"] = *back.command;
  } else {
    back.seq = rows::append_ledger(db_, audit.id(), req.account, domain::EntryKind::kRefund,
                                   std::nullopt, req.amount_fen, 0, 0, req.operator_id, req.at);
  }
  audit.finish();
  tx.commit();
  return back;
}

domain::Result<MoneyBack> SqliteStore::reversal(const ReversalRequest& req) {
  Transaction tx(db_);
  std::string account;
  std::int64_t amount = 0;
  std::optional<std::string> meter_key;
  {
    auto s = db_.prepare("SELECT account, amount_fen, meter, kind FROM ledger WHERE seq = ?1");
    s->bind(1, req.sale_seq);
    const auto entry = "ledger entry " + std::to_string(req.sale_seq);
    const std::string what_to_do =
        "; give the seq of the sale to reverse (account show lists them)";
    if (!s->step()) return Error{ErrorKind::kNotFound, entry + " does not exist" + what_to_do};
    if (s->text(3) != "sale") {
      return Error{ErrorKind::kNotFound,
                   entry + " is a " + s->text(3) + ", not a sale" + what_to_do};
    }
    account = s->text(0);
    amount = s->int64(1);
    meter_key = s->opt_text(2);
  }
  const std::string what = "sale " + std::to_string(req.sale_seq) + " (" + account + ", " +
                           std::to_string(amount) + " fen)";
  {
    auto s = db_.prepare("SELECT seq FROM ledger WHERE kind = 'reversal' AND ref_seq = ?1");
    s->bind(1, req.sale_seq);
    if (s->step()) {
      return refused(what + " was already reversed by entry " + std::to_string(s->int64(0)));
    }
  }
  auto acc = open_account_balance(db_, account);
  if (!acc) return acc.error();
  if (auto busy = debit_in_progress(db_, account, "reverse " + what)) return *busy;
  std::optional<std::int64_t> command;
  std::string state;
  bool count_assigned = false;
  {
    auto s = db_.prepare(
        "SELECT id, state, purchase_count IS NOT NULL FROM outbox WHERE ledger_seq = ?1");
    s->bind(1, req.sale_seq);
    if (s->step()) {
      command = s->int64(0);
      state = s->text(1);
      count_assigned = s->int64(2) != 0;
    }
  }
  const bool undelivered = command && state == "pending" && !count_assigned;
  if (command && !undelivered && (state == "pending" || state == "in_flight")) {
    return refused(what + ": its credit " + std::to_string(*command) +
                   " is being written to the meter; reverse it after it is confirmed or failed");
  }
  if (!undelivered && state != "failed") {
    auto s = db_.prepare("SELECT last_charge_seq FROM accounts WHERE id = ?1");
    s->bind(1, account);
    const bool charged = s->step() && s->opt_int64(0).value_or(0) > req.sale_seq;
    if (charged || acc.value() < amount) {
      return refused(what +
                     " is already (partly) consumed: the account was charged since, "
                     "balance " +
                     std::to_string(acc.value()) + " fen; use a refund of what is left instead");
    }
  }
  rows::AuditDraft audit(
      db_,
      {req.operator_id, "reversal", account, {{"sale_seq", req.sale_seq}, {"amount_fen", amount}}},
      req.at);
  // A confirmed credit is on the meter: a meter-side account gets it back by a debit, and the
  // reversal is booked when the meter confirms it.
  if (command && state == "confirmed") {
    if (const auto meter = rows::money_meter(db_, account)) {
      const auto debit = rows::queue_debit(db_, *meter, account,
                                           {amount, domain::DebitPurpose::kReversal, req.sale_seq},
                                           req.operator_id, req.at);
      audit.details()["debit"] = debit;
      audit.finish();
      tx.commit();
      return MoneyBack{amount, std::nullopt, debit};
    }
  }
  if (undelivered) {
    auto s = db_.prepare(
        "UPDATE outbox SET state = 'superseded', last_error = ?2, updated_at = ?3 "
        "WHERE id = ?1 AND state = 'pending'");
    s->bind(1, *command).bind(2, "sale reversed by " + req.operator_id).bind(3, to_ms(req.at));
    s->run();
  }
  if (undelivered) audit.details()["credit_cancelled"] = *command;
  const auto seq =
      rows::append_ledger(db_, audit.id(), account, domain::EntryKind::kReversal,
                          meter_key ? std::optional<MeterId>(parse_id(*meter_key)) : std::nullopt,
                          amount, 0, 0, req.operator_id, req.at, req.sale_seq);
  audit.finish();
  tx.commit();
  return MoneyBack{amount, seq, std::nullopt};
}

std::vector<std::string> SqliteStore::verify_ledger() const {
  std::vector<domain::JournalEntry> journal;
  for (const auto& e : ledger(std::nullopt)) {
    journal.push_back({e.seq, e.account, e.kind, e.amount_fen, e.balance_after_fen});
  }
  std::map<std::string, std::int64_t> balances;
  {
    auto s = db_.prepare("SELECT id, balance_fen FROM accounts");
    while (s->step())
      balances[s->text(0)] = s->int64(1);
  }
  auto problems = domain::verify_journal(journal, balances);
  for (auto& p : verify_transfers(db_))
    problems.push_back(std::move(p));
  // Links between the journal and the outbox: written together, so one without the other means
  // a half-applied operation or a hand edit.
  auto s = db_.prepare(
      "SELECT 'sale ' || l.seq || ' (account ' || l.account || ') has no credit command' "
      "FROM ledger l WHERE l.kind = 'sale' AND l.meter IS NOT NULL AND NOT EXISTS "
      "(SELECT 1 FROM outbox o WHERE o.ledger_seq = l.seq AND o.kind = 'credit') "
      "UNION ALL SELECT 'credit command ' || o.id || ' has no sale entry' FROM outbox o "
      "WHERE o.kind = 'credit' AND o.payload NOT LIKE '%purpose=convert%' AND NOT EXISTS (SELECT 1 "
      "FROM ledger l WHERE l.seq = "
      "o.ledger_seq AND l.kind IN ('sale', 'transfer_in') AND l.amount_fen = o.amount_fen) "
      "UNION ALL SELECT 'reversal ' || r.seq || ' does not match a sale of its account and "
      "amount' FROM ledger r WHERE r.kind = 'reversal' AND NOT EXISTS (SELECT 1 FROM ledger l "
      "WHERE l.seq = r.ref_seq AND l.kind = 'sale' AND l.account = r.account AND "
      "l.amount_fen = r.amount_fen AND l.seq < r.seq) "
      "UNION ALL SELECT 'debit ' || o.id || ' is confirmed but has no matching ' || "
      "CASE WHEN o.ref_seq IS NULL THEN 'refund' ELSE 'reversal' END || ' entry' FROM outbox o "
      "WHERE o.kind = 'debit' AND o.state = 'confirmed' AND o.payload NOT LIKE '%purpose=convert%' "
      "AND NOT EXISTS (SELECT 1 FROM ledger l "
      "WHERE l.seq = o.ledger_seq AND l.account = o.account AND l.amount_fen = o.amount_fen AND "
      "l.kind = CASE WHEN o.ref_seq IS NULL THEN 'refund' ELSE 'reversal' END) "
      "UNION ALL SELECT 'debit ' || o.id || ' is not confirmed but has ledger entry ' || "
      "o.ledger_seq FROM outbox o WHERE o.kind = 'debit' AND o.state <> 'confirmed' AND "
      "o.ledger_seq IS NOT NULL");
  while (s->step())
    problems.push_back(s->text(0) + "; restore the database from a backup");
  // The outbox against the counts the meters applied: a forged confirmed credit is caught even
  // when its sale, balance and outbox row agree with each other.
  for (auto& p : verify_counts(db_))
    problems.push_back(std::move(p));
  // Every entry against the system log row it refers to, and the log's chain.
  for (auto& p : verify_log(std::nullopt).problems)
    problems.push_back(std::move(p));
  return problems;
}

}  // namespace phil::store
