// Converting an account between meter-side and host-side billing in the SQLite store
// (phil/domain/conversion.hpp): the switch, in the transaction of the operation that gives a
// meter-side account a second meter or that the site file declares (rows::convert_to_host_side),
// and the emptying of the money meter's register that follows; the way back
// (rows::start_convert_back) and the filling of the register with the ledger's money; both moved
// by the bus workers (Ledger::advance_conversions; Queries::meter_conversion).

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <phil/common/decimal.hpp>
#include <phil/domain/conversion.hpp>

#include "sqlite_prices.hpp"
#include "sqlite_store.hpp"
#include "sqlite_writers.hpp"

namespace phil::store {

namespace {

using domain::ConvertAction;
using domain::MeterId;
using sqlite::Db;
using sqlite::Transaction;

using sqlite::from_ms;
using sqlite::to_ms;

using rows::parse_id;

/// One open row of conversions.
struct OpenConversion {
  std::int64_t id = 0;
  MeterId meter;
  std::string account;
  std::int64_t read_after = 0;  ///< ms
  std::optional<std::int64_t> debit_command;
  int failed_debits = 0;
  bool back = false;  ///< direction meter_side: the way back
  int commands = 0;
};

/// The meter's newest reading after `read_after` (ms): its mode and balance.
std::optional<std::pair<domain::MeterMode, std::int64_t>> reading_after(Db& db,
                                                                        const MeterId& meter,
                                                                        std::int64_t read_after) {
  auto s = db.prepare("SELECT read_at, mode, balance_fen FROM meters WHERE id = ?1");
  s->bind(1, meter.to_string());
  if (!s->step()) return std::nullopt;
  const auto read_at = s->opt_int64(0);
  if (!read_at || *read_at <= read_after) return std::nullopt;
  return std::pair{
      domain::parse_meter_mode(s->opt_text(1).value_or("")).value_or(domain::MeterMode::kUnknown),
      s->opt_int64(2).value_or(0)};
}

domain::ConversionFacts facts_of(Db& db, const OpenConversion& c) {
  domain::ConversionFacts f;
  {
    auto s = db.prepare(
        "SELECT 1 FROM account_meters am JOIN accounts a ON a.id = am.account "
        "WHERE am.account = ?1 AND am.meter = ?2 AND am.detached_at IS NULL "
        "AND a.closed_at IS NULL");
    s->bind(1, c.account).bind(2, c.meter.to_string());
    f.attached = s->step();
  }
  if (const auto r = reading_after(db, c.meter, c.read_after)) {
    f.mode = r->first;
    f.balance_fen = r->second;
  }
  f.debit = rows::step_command(db, c.debit_command);
  f.failed_debits = c.failed_debits;
  return f;
}

domain::ConvertBackFacts back_facts_of(Db& db, const OpenConversion& c) {
  domain::ConvertBackFacts f;
  {
    // Still attached to the open account, and its only meter.
    auto s = db.prepare(
        "SELECT a.balance_fen, (SELECT count(*) FROM account_meters o WHERE o.account = "
        "am.account AND o.detached_at IS NULL) FROM account_meters am JOIN accounts a ON a.id = "
        "am.account WHERE am.account = ?1 AND am.meter = ?2 AND am.detached_at IS NULL "
        "AND a.closed_at IS NULL");
    s->bind(1, c.account).bind(2, c.meter.to_string());
    f.attached = s->step() && s->int64(1) == 1;
    if (f.attached) f.ledger_fen = s->int64(0);
  }
  if (const auto r = reading_after(db, c.meter, c.read_after)) {
    f.mode = r->first;
    f.balance_fen = r->second;
  }
  f.command = rows::step_command(db, c.debit_command);
  f.commands = c.commands;
  return f;
}

void finish(Db& db, const OpenConversion& c, const std::string& outcome,
            std::optional<std::int64_t> emptied_fen, const std::string& why, TimePoint at) {
  auto s = db.prepare(
      "UPDATE conversions SET finished_at = ?2, outcome = ?3, emptied_fen = ?4, why = ?5 "
      "WHERE id = ?1");
  s->bind(1, c.id).bind(2, to_ms(at)).bind(3, outcome);
  if (emptied_fen) {
    s->bind(4, *emptied_fen);
  } else {
    s->bind_null(4);
  }
  if (why.empty()) {
    s->bind_null(5);
  } else {
    s->bind(5, why);
  }
  s->run();
}

/// Applies one decision; false if there was nothing to do.
bool apply(Db& db, const OpenConversion& c, const domain::ConversionFacts& f,
           const domain::ConvertDecision& d, TimePoint at) {
  switch (d.action) {
    case ConvertAction::kWait:
      return false;
    case ConvertAction::kQueueDebit: {
      const auto debit = rows::queue_debit(
          db, c.meter, c.account, {d.debit_fen, domain::DebitPurpose::kConvert, std::nullopt},
          std::string(kSystemOperator), at);
      auto s = db.prepare("UPDATE conversions SET debit_command = ?2 WHERE id = ?1");
      s->bind(1, c.id).bind(2, debit);
      s->run();
      return true;
    }
    case ConvertAction::kRetry: {
      auto s = db.prepare(
          "UPDATE conversions SET debit_command = NULL, failed_debits = failed_debits + 1, "
          "read_after = ?2 WHERE id = ?1");
      s->bind(1, c.id).bind(2, to_ms(at));
      s->run();
      return true;
    }
    case ConvertAction::kDone: {
      std::int64_t emptied = 0;
      if (f.debit && f.debit->state == domain::CommandState::kConfirmed) {
        auto s = db.prepare("SELECT amount_fen FROM outbox WHERE id = ?1");
        s->bind(1, f.debit->id);
        if (s->step()) emptied = s->int64(0);
      }
      finish(db, c, "emptied", emptied, "", at);
      rows::write_event(db, c.meter, "register_emptied",
                        "meter " + c.meter.to_string() + " of host-side account " + c.account +
                            ": its balance register was emptied (" + format_decimal(emptied, 2) +
                            " yuan taken off; the ledger holds the account's money)",
                        at);
      return true;
    }
    case ConvertAction::kCancel:
      finish(db, c, "cancelled", std::nullopt, d.reason, at);
      return true;
    case ConvertAction::kBlock:
      finish(db, c, "blocked", std::nullopt, d.reason, at);
      rows::write_event(db, c.meter, "conversion_blocked",
                        "emptying the register of meter " + c.meter.to_string() + " (account " +
                            c.account + ") stopped: " + d.reason,
                        at);
      return true;
  }
  return false;
}

/// The way back is done: the meter holds the ledger's money (within the tolerance). It is billed
/// meter-side from here, its balance check baseline the difference left, and it goes back to
/// prepaid mode with the prices of its tariff in force.
void fill_done(Db& db, const OpenConversion& c, std::int64_t moved_fen, TimePoint at) {
  std::int64_t ledger_fen = 0;
  std::int64_t meter_fen = 0;
  {
    auto s = db.prepare(
        "SELECT a.balance_fen, m.balance_fen FROM accounts a, meters m WHERE a.id = ?1 AND "
        "m.id = ?2");
    s->bind(1, c.account).bind(2, c.meter.to_string());
    if (s->step()) {
      ledger_fen = s->int64(0);
      meter_fen = s->opt_int64(1).value_or(0);
    }
  }
  {
    auto s = db.prepare("UPDATE meters SET billing_mode = 'meter-side' WHERE id = ?1");
    s->bind(1, c.meter.to_string());
    s->run();
  }
  {
    auto s = db.prepare("UPDATE accounts SET balance_offset_fen = ?2 WHERE id = ?1");
    s->bind(1, c.account).bind(2, meter_fen - ledger_fen);
    s->run();
  }
  const std::string op(kSystemOperator);
  rows::insert_command(db, c.meter, domain::CommandKind::kMode, 0,
                       domain::encode_payload(domain::ModePayload{domain::RelayCommand::kPrepaid}),
                       std::nullopt, at, std::nullopt, op);
  prices::sync(db, prices::InForce(db), c.meter, op, "back to meter-side billing", at);
  finish(db, c, "filled", moved_fen, "", at);
  rows::write_event(db, c.meter, "billing_mode_switched",
                    "account " + c.account + " is billed meter-side again: meter " +
                        c.meter.to_string() + " holds its " + format_decimal(meter_fen, 2) +
                        " yuan (" + format_decimal(moved_fen, 2) +
                        " yuan put onto it) and goes back to prepaid mode",
                    at);
  rows::write_audit(
      db,
      {op,
       "billing_mode",
       c.account,
       {{"mode", "meter-side"}, {"meters", c.meter.to_string()}, {"moved_fen", moved_fen}}},
      at);
}

/// Applies one decision of the way back; false if there was nothing to do.
bool apply_back(Db& db, const OpenConversion& c, const domain::ConvertBackFacts& f,
                const domain::ConvertBackDecision& d, TimePoint at) {
  using domain::ConvertBackAction;
  const std::string op(kSystemOperator);
  std::int64_t moved = 0;
  {
    auto s = db.prepare("SELECT moved_fen FROM conversions WHERE id = ?1");
    s->bind(1, c.id);
    if (s->step()) moved = s->int64(0);
  }
  switch (d.action) {
    case ConvertBackAction::kWait:
      return false;
    case ConvertBackAction::kQueueCredit:
    case ConvertBackAction::kQueueDebit: {
      const auto command =
          d.action == ConvertBackAction::kQueueCredit
              ? rows::insert_command(
                    db, c.meter, domain::CommandKind::kCredit, d.amount_fen,
                    domain::encode_payload(domain::CreditPayload{d.amount_fen, true}), std::nullopt,
                    at, std::nullopt, op)
              : rows::queue_debit(db, c.meter, c.account,
                                  {d.amount_fen, domain::DebitPurpose::kConvert, std::nullopt}, op,
                                  at);
      auto s = db.prepare(
          "UPDATE conversions SET debit_command = ?2, commands = commands + 1 WHERE id = ?1");
      s->bind(1, c.id).bind(2, command);
      s->run();
      return true;
    }
    case ConvertBackAction::kNext: {
      if (f.command && f.command->state == domain::CommandState::kConfirmed) {
        auto s = db.prepare("SELECT kind, amount_fen FROM outbox WHERE id = ?1");
        s->bind(1, f.command->id);
        if (s->step()) moved += s->text(0) == "credit" ? s->int64(1) : -s->int64(1);
      }
      auto s = db.prepare(
          "UPDATE conversions SET debit_command = NULL, moved_fen = ?2, read_after = ?3 "
          "WHERE id = ?1");
      s->bind(1, c.id).bind(2, moved).bind(3, to_ms(at));
      s->run();
      return true;
    }
    case ConvertBackAction::kDone:
      fill_done(db, c, moved, at);
      return true;
    case ConvertBackAction::kCancel:
    case ConvertBackAction::kBlock:
      finish(db, c, d.action == ConvertBackAction::kCancel ? "cancelled" : "blocked", moved,
             d.reason, at);
      rows::write_event(db, c.meter, "conversion_blocked",
                        "the way back of account " + c.account +
                            " to meter-side billing on meter " + c.meter.to_string() +
                            " stopped (it stays host-side): " + d.reason,
                        at);
      return true;
  }
  return false;
}

/// Accounts on `bus` billed meter-side whose money meter has a tiered tariff in force at `at`
/// (its own assignment, else the site's; the version in force): the meter cannot apply tiers, so
/// the account must be host-side. With the tariff's name.
std::vector<std::pair<std::string, std::string>> tiered_meter_side(Db& db, const std::string& bus,
                                                                   TimePoint at) {
  auto s = db.prepare(
      "WITH money AS (SELECT am.account, am.meter FROM account_meters am "
      "JOIN accounts a ON a.id = am.account AND a.closed_at IS NULL "
      "JOIN meters m ON m.id = am.meter JOIN site st ON st.id = 1 "
      "WHERE am.detached_at IS NULL AND m.bus = ?1 "
      "AND COALESCE(m.billing_mode, st.billing_mode) = 'meter-side' "
      "AND am.position = (SELECT MIN(position) FROM account_meters "
      "WHERE account = am.account AND detached_at IS NULL)), "
      "assigned AS (SELECT money.account, COALESCE("
      "(SELECT tariff FROM tariff_assignments WHERE meter = money.meter AND from_at <= ?2 "
      "ORDER BY from_at DESC LIMIT 1), "
      "(SELECT tariff FROM tariff_assignments WHERE meter IS NULL AND from_at <= ?2 "
      "ORDER BY from_at DESC LIMIT 1)) AS tariff FROM money) "
      "SELECT a.account, t.name FROM assigned a JOIN tariffs t ON t.id = a.tariff "
      "WHERE (SELECT v.tier_period FROM tariff_versions v WHERE v.tariff = a.tariff "
      "AND v.from_at <= ?2 ORDER BY v.from_at DESC LIMIT 1) <> 'none' ORDER BY a.account");
  s->bind(1, bus).bind(2, to_ms(at));
  std::vector<std::pair<std::string, std::string>> out;
  while (s->step())
    out.emplace_back(s->text(0), s->text(1));
  return out;
}

}  // namespace

namespace rows {

std::optional<std::string> open_money_command(Db& db, const std::string& account) {
  auto s = db.prepare(
      "SELECT o.kind, o.id, o.meter FROM account_meters am JOIN outbox o ON o.meter = am.meter "
      "WHERE am.account = ?1 AND am.detached_at IS NULL AND o.kind IN ('credit', 'debit') "
      "AND o.state IN ('pending', 'in_flight') ORDER BY o.id LIMIT 1");
  s->bind(1, account);
  if (!s->step()) return std::nullopt;
  return s->text(0) + " " + std::to_string(s->int64(1)) + " to meter " + s->text(2);
}

nlohmann::json convert_to_host_side(Db& db, AuditDraft& audit, const std::string& account,
                                    const std::vector<MeterId>& meters, const std::string& reason,
                                    const std::string& operator_id, TimePoint at) {
  const auto money = money_meter(db, account);  // before the switch: meter-side or not
  nlohmann::json figures{{"host_side", make_host_side(db, meters)}};
  if (!money) return figures;
  std::int64_t ledger_fen = 0;
  std::int64_t offset_fen = 0;
  {
    auto s = db.prepare("SELECT balance_fen, balance_offset_fen FROM accounts WHERE id = ?1");
    s->bind(1, account);
    if (s->step()) {
      ledger_fen = s->int64(0);
      offset_fen = s->opt_int64(1).value_or(0);
    }
  }
  std::optional<std::int64_t> meter_fen;
  {
    auto s = db.prepare("SELECT balance_fen FROM meters WHERE id = ?1 AND read_at IS NOT NULL");
    s->bind(1, money->to_string());
    if (s->step()) meter_fen = s->opt_int64(0);
  }
  const auto settle = domain::settle_switch(ledger_fen, meter_fen, offset_fen);
  if (settle.settle_debit_fen > 0) {
    append_ledger(db, audit.id(), account, domain::EntryKind::kSettleDebit, money,
                  settle.settle_debit_fen, 0, 0, operator_id, at);
  }
  if (settle.settle_credit_fen > 0) {
    append_ledger(db, audit.id(), account, domain::EntryKind::kSettleCredit, money,
                  settle.settle_credit_fen, 0, 0, operator_id, at);
  }
  const auto settled = settle.settle_credit_fen - settle.settle_debit_fen;
  {
    auto s = db.prepare(
        "INSERT INTO conversions (meter, account, reason, started_at, settled_fen, read_after) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?4)");
    s->bind(1, money->to_string()).bind(2, account).bind(3, reason).bind(4, to_ms(at));
    s->bind(5, settled);
    s->run();
  }
  const auto took = ledger_fen + settled;
  write_event(
      db, money, "billing_mode_switched",
      "account " + account + " is billed host-side (" + reason + "): the ledger holds its " +
          format_decimal(took, 2) + " yuan" +
          (meter_fen ? ", what meter " + money->to_string() + " held at its last reading" +
                           (settled != 0 ? " (settled by " + format_decimal(settled, 2) + " yuan)"
                                         : std::string())
                     : std::string(" (meter " + money->to_string() + " never read)")) +
          "; the meter's register is emptied next",
      at);
  figures["ledger_took_fen"] = took;
  return figures;
}

std::optional<std::string> start_convert_back(Db& db, const std::string& account,
                                              const MeterId& meter, const std::string& reason,
                                              TimePoint at) {
  {
    auto s =
        db.prepare("SELECT direction FROM conversions WHERE meter = ?1 AND finished_at IS NULL");
    s->bind(1, meter.to_string());
    if (s->step()) {
      return s->text(0) == "meter_side"
                 ? std::optional<std::string>()  // already on its way back
                 : "its register is still being emptied after the account became host-side";
    }
  }
  const prices::InForce in_force(db);  // the tariff returned points into it
  if (const auto* t = in_force.tariff(meter.to_string(), at);
      t && t->tier_period != domain::TierPeriod::kNone) {
    return std::string("its tariff in force is tiered, which the meter cannot apply");
  }
  auto s = db.prepare(
      "INSERT INTO conversions (meter, account, direction, reason, started_at, settled_fen, "
      "read_after) VALUES (?1, ?2, 'meter_side', ?3, ?4, 0, ?4)");
  s->bind(1, meter.to_string()).bind(2, account).bind(3, reason).bind(4, to_ms(at));
  s->run();
  write_event(db, meter, "billing_mode_switching",
              "account " + account + " goes back to meter-side billing (" + reason +
                  "): the ledger's money is put onto meter " + meter.to_string() +
                  " first; until then it is billed host-side",
              at);
  return std::nullopt;
}

void cancel_convert_back(Db& db, const MeterId& meter, const std::string& why, TimePoint at) {
  auto s = db.prepare(
      "UPDATE conversions SET finished_at = ?2, outcome = 'cancelled', why = ?3 WHERE meter = ?1 "
      "AND finished_at IS NULL AND direction = 'meter_side' RETURNING account");
  s->bind(1, meter.to_string()).bind(2, to_ms(at)).bind(3, why);
  if (!s->step()) return;
  const auto account = s->text(0);
  write_event(db, meter, "conversion_blocked",
              "the way back of account " + account + " to meter-side billing on meter " +
                  meter.to_string() + " was cancelled (" + why +
                  "): it stays host-side; what was put onto the meter is not money while it is",
              at);
}

}  // namespace rows

int SqliteStore::advance_conversions(const std::string& bus, TimePoint at) {
  int steps = 0;
  // A tiered tariff in force (assigned, or a version taking effect) converts the account; one
  // with a credit or debit on its way waits for a later call.
  for (const auto& [account, tariff] : tiered_meter_side(db_, bus, at)) {
    Transaction tx(db_);
    if (rows::open_money_command(db_, account)) continue;
    rows::AuditDraft audit(db_,
                           {std::string(kSystemOperator),
                            "billing_mode",
                            account,
                            {{"mode", "host-side"}, {"tariff", tariff}}},
                           at);
    audit.details().update(rows::convert_to_host_side(
        db_, audit, account, this->account(account)->meters,
        "tiered tariff " + tariff + " in force", std::string(kSystemOperator), at));
    audit.finish();
    tx.commit();
    ++steps;
  }
  std::vector<OpenConversion> open;
  {
    auto s = db_.prepare(
        "SELECT c.id, c.meter, c.account, c.read_after, c.debit_command, c.failed_debits, "
        "c.direction = 'meter_side', c.commands "
        "FROM conversions c JOIN meters m ON m.id = c.meter "
        "WHERE c.finished_at IS NULL AND m.bus = ?1 ORDER BY c.id");
    s->bind(1, bus);
    while (s->step()) {
      open.push_back({s->int64(0), parse_id(s->text(1)), s->text(2), s->int64(3), s->opt_int64(4),
                      static_cast<int>(s->int64(5)), s->int64(6) != 0,
                      static_cast<int>(s->int64(7))});
    }
  }
  for (const auto& c : open) {
    Transaction tx(db_);
    if (c.back) {
      const auto f = back_facts_of(db_, c);
      if (!apply_back(db_, c, f, domain::next_convert_back_action(f), at)) continue;
    } else {
      const auto f = facts_of(db_, c);
      if (!apply(db_, c, f, domain::next_convert_action(f), at)) continue;
    }
    ++steps;
    tx.commit();
  }
  return steps;
}

std::optional<ConversionRecord> SqliteStore::meter_conversion(const MeterId& meter) const {
  auto s = db_.prepare(
      "SELECT c.account, c.reason, c.started_at, c.settled_fen, c.debit_command, "
      "c.failed_debits, c.finished_at, c.outcome, c.emptied_fen, c.why, "
      "c.direction = 'meter_side', c.moved_fen "
      "FROM conversions c WHERE c.meter = ?1 ORDER BY c.id DESC LIMIT 1");
  s->bind(1, meter.to_string());
  if (!s->step()) return std::nullopt;
  ConversionRecord r;
  r.meter = meter;
  r.account = s->text(0);
  r.reason = s->text(1);
  r.started_at = from_ms(s->int64(2));
  r.settled_fen = s->int64(3);
  r.debit_command = s->opt_int64(4);
  r.failed_debits = static_cast<int>(s->int64(5));
  if (const auto f = s->opt_int64(6)) r.finished_at = from_ms(*f);
  r.outcome = s->opt_text(7).value_or("");
  r.emptied_fen = s->opt_int64(8);
  r.why = s->opt_text(9).value_or("");
  r.back = s->int64(10) != 0;
  r.moved_fen = s->int64(11);
  return r;
}

}  // namespace phil::store
