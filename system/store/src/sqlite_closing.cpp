// The closing of an account in the SQLite store (Ledger::close_account, advance_closings;
// Queries::account_closing): the steps of phil/domain/closing.hpp kept in `closings` and
// `closing_meters`, moved by the bus workers as the outbox and the readers move, and the
// settlement that closes the account when every meter is done.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <phil/domain/closing.hpp>

#include "sqlite_store.hpp"
#include "sqlite_writers.hpp"
#include "status_sql.hpp"

namespace phil::store {

namespace {

using domain::CloseAction;
using domain::CloseStep;
using domain::MeterId;
using sqlite::Db;
using sqlite::Transaction;

using sqlite::from_ms;
using sqlite::to_ms;

using rows::parse_id;
using rows::refused;
using rows::step_command;

/// One row of closing_meters.
struct MeterStepRow {
  std::string account;
  MeterId meter;
  CloseStep step = CloseStep::kRelay;
  std::optional<std::int64_t> relay_command;
  std::optional<std::int64_t> read_request;
  std::optional<std::int64_t> read_after;  ///< ms
  std::optional<std::int64_t> debit_command;
  std::optional<std::string> blocked;
};

constexpr const char* kMeterStepColumns =
    "account, meter, step, relay_command, read_request, read_after, debit_command, blocked";

MeterStepRow meter_step_row(const sqlite::Stmt& s) {
  MeterStepRow r;
  r.account = s.text(0);
  r.meter = parse_id(s.text(1));
  r.step = domain::parse_close_step(s.text(2)).value_or(CloseStep::kRelay);
  r.relay_command = s.opt_int64(3);
  r.read_request = s.opt_int64(4);
  r.read_after = s.opt_int64(5);
  r.debit_command = s.opt_int64(6);
  r.blocked = s.opt_text(7);
  return r;
}

std::optional<MeterStepRow> find_meter_step(Db& db, const std::string& account,
                                            const MeterId& meter) {
  auto s = db.prepare(std::string("SELECT ") + kMeterStepColumns +
                      " FROM closing_meters WHERE account = ?1 AND meter = ?2");
  s->bind(1, account).bind(2, meter.to_string());
  if (!s->step()) return std::nullopt;
  return meter_step_row(*s);
}

/// The closing's operator (the refund and settlement entries are booked as theirs).
std::string closing_operator(Db& db, const std::string& account) {
  auto s = db.prepare("SELECT operator FROM closings WHERE account = ?1");
  s->bind(1, account);
  return s->step() ? s->text(0) : std::string("system");
}

/// The facts of domain::next_close_action for one meter's row.
domain::MeterClosingFacts facts_of(Db& db, const MeterStepRow& row,
                                   const std::optional<MeterId>& money_meter) {
  domain::MeterClosingFacts f;
  f.step = row.step;
  f.blocked = row.blocked.has_value();
  f.relay = step_command(db, row.relay_command);
  f.debit = step_command(db, row.debit_command);
  f.holds_money = money_meter && *money_meter == row.meter;
  {
    auto s = db.prepare("SELECT read_at, balance_fen FROM meters WHERE id = ?1");
    s->bind(1, row.meter.to_string());
    if (s->step()) {
      const auto read_at = s->opt_int64(0);
      f.balance_fen = s->opt_int64(1).value_or(0);
      // A poll after the relay opened reads the final values as well as the read asked for.
      f.read_since_relay = read_at && row.read_after && *read_at > *row.read_after;
    }
  }
  if (!f.read_since_relay && row.read_request) {
    auto s = db.prepare("SELECT state FROM read_requests WHERE id = ?1");
    s->bind(1, *row.read_request);
    f.read_since_relay = s->step() && s->text(0) == "done";
  }
  return f;
}

std::int64_t queue_forced_off(Db& db, const MeterId& meter, TimePoint at) {
  // An operator's pending mode command would undo the trip after it: superseded, as a newer
  // operator command supersedes it.
  {
    auto s = db.prepare(
        "UPDATE outbox SET state = 'superseded', last_error = 'superseded by the account closing', "
        "updated_at = ?2 WHERE meter = ?1 AND kind = 'mode' AND state = 'pending'");
    s->bind(1, meter.to_string()).bind(2, to_ms(at));
    s->run();
  }
  const domain::CommandPayload params{domain::ModePayload{domain::RelayCommand::kForcedOff}};
  return rows::insert_command(db, meter, domain::CommandKind::kMode, 0,
                              domain::encode_payload(params), std::nullopt, at);
}

std::int64_t queue_final_read(Db& db, const MeterId& meter, TimePoint at) {
  auto s = db.prepare(
      "INSERT INTO read_requests (target, bus, state, created_at, updated_at) "
      "VALUES (?1, ?2, 'pending', ?3, ?3) RETURNING id");
  s->bind(1, meter.to_string()).bind(2, meter.bus).bind(3, to_ms(at));
  s->step();
  return s->int64(0);
}

/// Sets `set` (an assignment list that may use ?3 for `value`) on a meter's closing row.
void update_row(Db& db, const MeterStepRow& row, const std::string& set,
                std::optional<std::int64_t> value) {
  auto s = db.prepare("UPDATE closing_meters SET " + set + " WHERE account = ?1 AND meter = ?2");
  s->bind(1, row.account).bind(2, row.meter.to_string());
  if (value) s->bind(3, *value);
  s->run();
}

/// Applies one decision to a meter's row; false if there was nothing to do.
bool apply(Db& db, const MeterStepRow& row, const domain::CloseDecision& d, TimePoint at) {
  switch (d.action) {
    case CloseAction::kWait:
      return false;
    case CloseAction::kQueueRelay:
      update_row(db, row, "relay_command = ?3", queue_forced_off(db, row.meter, at));
      return true;
    case CloseAction::kRequestRead:
      update_row(db, row,
                 "step = 'reading', read_request = ?3, read_after = " + std::to_string(to_ms(at)),
                 queue_final_read(db, row.meter, at));
      return true;
    case CloseAction::kQueueDebit: {
      const auto debit = rows::queue_debit(
          db, row.meter, row.account, {d.debit_fen, domain::DebitPurpose::kClose, std::nullopt},
          closing_operator(db, row.account), at);
      update_row(db, row, "step = 'debit', debit_command = ?3", debit);
      return true;
    }
    case CloseAction::kDone:
      update_row(db, row, "step = 'done'", std::nullopt);
      return true;
    case CloseAction::kBlock: {
      auto s =
          db.prepare("UPDATE closing_meters SET blocked = ?3 WHERE account = ?1 AND meter = ?2");
      s->bind(1, row.account).bind(2, row.meter.to_string()).bind(3, d.reason);
      s->run();
      rows::write_event(db, row.meter, "closing_blocked",
                        "closing of account " + row.account + " stopped at step " +
                            std::string(domain::to_string(row.step)) + ": " + d.reason,
                        at);
      return true;
    }
  }
  return false;
}

/// The account's meters from the closing, in order.
std::vector<MeterId> closing_meters_of(Db& db, const std::string& account) {
  std::vector<MeterId> out;
  auto s = db.prepare("SELECT meter FROM closing_meters WHERE account = ?1 ORDER BY position");
  s->bind(1, account);
  while (s->step())
    out.push_back(parse_id(s->text(0)));
  return out;
}

/// Settles and closes the account (every meter done, or none attached): the settlement entries
/// of domain::settle_close, the meters detached and back to not opened, the closing's figures,
/// an audit row as the operator who asked and an account_closed event. Returns the refund.
std::int64_t finish(Db& db, const std::string& account, const std::optional<MeterId>& money_meter,
                    const std::string& op, TimePoint at) {
  std::int64_t ledger_fen = 0;
  {
    auto s = db.prepare("SELECT balance_fen FROM accounts WHERE id = ?1");
    s->bind(1, account);
    if (s->step()) ledger_fen = s->int64(0);
  }
  domain::CloseSettlementInputs in{ledger_fen, std::nullopt};
  if (money_meter) {
    auto s = db.prepare("SELECT balance_fen FROM meters WHERE id = ?1");
    s->bind(1, money_meter->to_string());
    in.meter_keeps_fen = s->step() ? s->opt_int64(0).value_or(0) : 0;
  }
  const auto settlement = domain::settle_close(in);
  // The row the closing's entries refer to; its figures are added below.
  rows::AuditDraft audit(db, {op, "close_account_done", account, {}}, at);
  if (settlement.refund_fen > 0) {
    rows::append_ledger(db, audit.id(), account, domain::EntryKind::kRefund, std::nullopt,
                        settlement.refund_fen, 0, 0, op, at);
  }
  if (settlement.settle_debit_fen > 0) {
    rows::append_ledger(db, audit.id(), account, domain::EntryKind::kSettleDebit, money_meter,
                        settlement.settle_debit_fen, 0, 0, op, at);
  }
  if (settlement.settle_credit_fen > 0) {
    rows::append_ledger(db, audit.id(), account, domain::EntryKind::kSettleCredit, money_meter,
                        settlement.settle_credit_fen, 0, 0, op, at);
  }
  std::int64_t debited = 0;
  {
    auto s = db.prepare(
        "SELECT COALESCE(SUM(o.amount_fen), 0) FROM closing_meters cm JOIN outbox o "
        "ON o.id = cm.debit_command WHERE cm.account = ?1 AND o.state = 'confirmed'");
    s->bind(1, account);
    if (s->step()) debited = s->int64(0);
  }
  const auto refunded = debited + settlement.refund_fen;
  const auto settled = settlement.settle_credit_fen - settlement.settle_debit_fen;
  {
    auto s = db.prepare("UPDATE meters SET status = " + status_after_account_change_sql(false) +
                        ", billed_energy_wh = NULL, carry = 0 WHERE id IN (SELECT meter FROM "
                        "account_meters WHERE account = ?1 AND detached_at IS NULL)");
    s->bind(1, account);
    s->run();
  }
  {
    auto s = db.prepare(
        "UPDATE account_meters SET detached_at = ?2 WHERE account = ?1 AND detached_at IS NULL");
    s->bind(1, account).bind(2, to_ms(at));
    s->run();
  }
  {
    auto s = db.prepare("UPDATE accounts SET closed_at = ?2 WHERE id = ?1");
    s->bind(1, account).bind(2, to_ms(at));
    s->run();
  }
  {
    auto s = db.prepare(
        "UPDATE closings SET finished_at = ?2, refunded_fen = ?3, settled_fen = ?4, "
        "owed_fen = ?5 WHERE account = ?1");
    s->bind(1, account).bind(2, to_ms(at)).bind(3, refunded).bind(4, settled);
    s->bind(5, settlement.owed_fen);
    s->run();
  }
  audit.details() = {
      {"refunded_fen", refunded}, {"settled_fen", settled}, {"owed_fen", settlement.owed_fen}};
  audit.finish();
  rows::write_event(
      db, money_meter, "account_closed",
      "account " + account + " closed: " + std::to_string(refunded) + " fen to pay back" +
          (settled != 0 ? ", ledger settled to the meter by " + std::to_string(settled) + " fen"
                        : std::string()) +
          (settlement.owed_fen > 0 ? ", the tenant still owes " +
                                         std::to_string(settlement.owed_fen) + " fen: collect it"
                                   : std::string()),
      at);
  return refunded;
}

/// True if every meter of the account's closing is done.
bool all_done(Db& db, const std::string& account) {
  auto s = db.prepare("SELECT 1 FROM closing_meters WHERE account = ?1 AND step <> 'done' LIMIT 1");
  s->bind(1, account);
  return !s->step();
}

}  // namespace

domain::Result<CloseAccountResult> SqliteStore::close_account(const CloseAccountRequest& req) {
  Transaction tx(db_);
  {
    auto s = db_.prepare("SELECT finished_at, started_at FROM closings WHERE account = ?1");
    s->bind(1, req.account);
    if (s->step() && s->is_null(0)) {
      const auto started = s->int64(1);
      CloseAccountResult result;
      result.meters = closing_meters_of(db_, req.account);
      for (const auto& m : result.meters) {
        const auto row = find_meter_step(db_, req.account, m);
        if (!row || !row->blocked) continue;
        const auto step = domain::resume_step(row->step);
        auto u = db_.prepare(
            "UPDATE closing_meters SET blocked = NULL, step = ?3, relay_command = CASE WHEN ?3 = "
            "'relay' THEN NULL ELSE relay_command END, debit_command = NULL, read_request = CASE "
            "WHEN ?3 = 'reading' THEN ?4 ELSE read_request END, read_after = CASE WHEN ?3 = "
            "'reading' THEN ?5 ELSE read_after END WHERE account = ?1 AND meter = ?2");
        u->bind(1, req.account).bind(2, m.to_string()).bind(3, domain::to_string(step));
        if (step == CloseStep::kReading) {
          u->bind(4, queue_final_read(db_, m, req.at));
        } else {
          u->bind_null(4);
        }
        u->bind(5, to_ms(req.at));
        u->run();
        ++result.resumed;
      }
      if (result.resumed == 0) {
        return refused("account " + req.account + " is being closed since " +
                       format_timestamp(from_ms(started), std::chrono::minutes{0}) +
                       " and no step is blocked; account show lists its steps");
      }
      rows::write_audit(
          db_,
          {req.operator_id, "close_account_resume", req.account, {{"resumed", result.resumed}}},
          req.at);
      tx.commit();
      return result;
    }
  }
  auto acc = rows::open_account_balance(db_, req.account);
  if (!acc) return acc.error();
  {
    auto s = db_.prepare(
        "SELECT o.id, o.kind, o.meter FROM outbox o JOIN account_meters am ON am.meter = o.meter "
        "WHERE am.account = ?1 AND am.detached_at IS NULL "
        "AND o.state IN ('pending', 'in_flight') AND o.kind NOT IN ('thresholds', 'price') ORDER "
        "BY o.id "
        "LIMIT 1");  // a thresholds or price download is the device's setting, not the account's
    s->bind(1, req.account);
    if (s->step()) {
      return refused("account " + req.account + ": " + s->text(1) + " command " +
                     std::to_string(s->int64(0)) + " to " + s->text(2) +
                     " is not delivered yet; close after it is confirmed or failed");
    }
  }
  if (acc.value() < 0) {
    return refused("account " + req.account + " owes " + std::to_string(-acc.value()) +
                   " fen; sell that amount first, then close");
  }
  const auto meters = account(req.account)->meters;  // attached now, in order
  {
    auto s =
        db_.prepare("INSERT INTO closings (account, operator, started_at) VALUES (?1, ?2, ?3)");
    s->bind(1, req.account).bind(2, req.operator_id).bind(3, to_ms(req.at));
    s->run();
  }
  const auto money = rows::money_meter(db_, req.account);
  int position = 0;
  for (const auto& m : meters) {
    auto s = db_.prepare(
        "INSERT INTO closing_meters (account, meter, position, step) VALUES (?1, ?2, ?3, 'relay')");
    s->bind(1, req.account).bind(2, m.to_string()).bind(3, position++);
    s->run();
  }
  rows::write_audit(db_,
                    {req.operator_id,
                     "close_account",
                     req.account,
                     {{"meters", rows::join_ids(meters)}, {"balance_fen", acc.value()}}},
                    req.at);
  CloseAccountResult result;
  result.meters = meters;
  if (meters.empty()) {
    result.closed = true;
    result.refunded_fen = finish(db_, req.account, std::nullopt, req.operator_id, req.at);
  } else {
    for (const auto& m : meters) {
      const auto row = find_meter_step(db_, req.account, m);
      apply(db_, *row, domain::next_close_action(facts_of(db_, *row, money)), req.at);
    }
  }
  tx.commit();
  return result;
}

int SqliteStore::advance_closings(const std::string& bus, TimePoint at) {
  std::vector<std::pair<std::string, MeterId>> open;
  {
    auto s = db_.prepare(
        "SELECT cm.account, cm.meter FROM closings c JOIN closing_meters cm "
        "ON cm.account = c.account JOIN meters m ON m.id = cm.meter WHERE c.finished_at IS NULL "
        "AND cm.step <> 'done' AND cm.blocked IS NULL AND m.bus = ?1 ORDER BY cm.account, "
        "cm.position");
    s->bind(1, bus);
    while (s->step())
      open.emplace_back(s->text(0), parse_id(s->text(1)));
  }
  int steps = 0;
  for (const auto& [account, meter] : open) {
    Transaction tx(db_);
    const auto row = find_meter_step(db_, account, meter);
    if (!row || row->step == CloseStep::kDone || row->blocked) continue;
    const auto money = rows::money_meter(db_, account);
    if (!apply(db_, *row, domain::next_close_action(facts_of(db_, *row, money)), at)) continue;
    ++steps;
    bool finished = false;
    {
      auto s = db_.prepare("SELECT finished_at IS NOT NULL FROM closings WHERE account = ?1");
      s->bind(1, account);
      finished = s->step() && s->int64(0) != 0;
    }
    if (!finished && all_done(db_, account)) {
      finish(db_, account, money, closing_operator(db_, account), at);
    }
    tx.commit();
  }
  return steps;
}

std::optional<ClosingRecord> SqliteStore::account_closing(const std::string& account) const {
  ClosingRecord r;
  {
    auto s = db_.prepare(
        "SELECT operator, started_at, finished_at, refunded_fen, settled_fen, owed_fen "
        "FROM closings WHERE account = ?1");
    s->bind(1, account);
    if (!s->step()) return std::nullopt;
    r.account = account;
    r.operator_id = s->text(0);
    r.started_at = from_ms(s->int64(1));
    if (const auto f = s->opt_int64(2)) r.finished_at = from_ms(*f);
    r.refunded_fen = s->opt_int64(3).value_or(0);
    r.settled_fen = s->opt_int64(4).value_or(0);
    r.owed_fen = s->opt_int64(5).value_or(0);
  }
  auto s = db_.prepare(std::string("SELECT ") + kMeterStepColumns +
                       " FROM closing_meters WHERE account = ?1 ORDER BY position");
  s->bind(1, account);
  while (s->step()) {
    const auto row = meter_step_row(*s);
    r.meters.push_back(
        {row.meter, row.step, row.relay_command, row.read_request, row.debit_command, row.blocked});
  }
  return r;
}

}  // namespace phil::store
