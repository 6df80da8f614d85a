// The meter changes of the SiteAdmin role of the SQLite store (see sqlite_store.hpp): meter
// replacement and move.
//
// What moves when (the rules operators rely on):
//   - Meter replacement: the old meter's last stored reading is final (charges up to it are
//     already booked by record_readings), unless the operator gives a manual final reading (a
//     dead meter): that one is stored and charged by the poll path (billing::write_cycle) first,
//     in the same transaction. For a meter-side old meter, the balance of its final reading
//     (if positive) leaves it by a transfer_out and reaches the new meter by a transfer_in of
//     the same account referring to it; if the new meter is meter-side too, a credit of that
//     amount is queued to it with the transfer_in (its purchase count is decided at delivery
//     from the new meter's own count, as for every credit). A host-side meter holds no money:
//     nothing is transferred, the account's balance serves the new meter as it is.
//   - Moving a meter: only the meter moves (its energy from its last reading on is charged to
//     the new account). Money moves only when asked (with_balance): the balance the meter last
//     reported, from the old account to the new one by transfer_out/transfer_in.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>

#include <phil/common/decimal.hpp>
#include <phil/common/text.hpp>
#include <phil/domain/money.hpp>

#include "sqlite_billing.hpp"
#include "sqlite_store.hpp"
#include "sqlite_writers.hpp"
#include "status_sql.hpp"

namespace phil::store {

namespace {

using domain::Error;
using domain::MeterId;
using sqlite::Db;
using sqlite::Transaction;

using sqlite::to_ms;

using rows::not_found;
using rows::refused;

std::string not_configured(const MeterId& id) {
  return "meter " + id.to_string() +
         " is not configured at this site; check the bus, box and circuit (site import adds "
         "meters)";
}

/// The open command to `meter`, as "kind command id", if any; a thresholds or price download (a
/// setting of the device, not of the account) does not hold a replacement or a move up.
std::optional<std::string> open_command(Db& db, const MeterId& meter) {
  auto s = db.prepare(
      "SELECT kind, id FROM outbox WHERE meter = ?1 AND state IN ('pending', 'in_flight') "
      "AND kind NOT IN ('thresholds', 'price') ORDER BY id LIMIT 1");
  s->bind(1, meter.to_string());
  if (!s->step()) return std::nullopt;
  return s->text(0) + " command " + std::to_string(s->int64(1));
}

std::optional<std::int64_t> open_balance(Db& db, const std::string& account) {
  auto s = db.prepare("SELECT balance_fen FROM accounts WHERE id = ?1 AND closed_at IS NULL");
  s->bind(1, account);
  if (!s->step()) return std::nullopt;
  return s->int64(0);
}

/// "12.345 kWh": `wh` (>= 0) exactly, for messages.
std::string kwh(std::int64_t wh) {
  const auto frac = std::to_string(1000 + wh % 1000);
  return std::to_string(wh / 1000) + "." + frac.substr(1) + " kWh";
}

// ---- the manual final reading of a replaced meter ----

struct ManualCharge {
  std::int64_t energy_wh = 0;          ///< charged
  std::int64_t fen = 0;                ///< charged
  std::int64_t final_balance_fen = 0;  ///< the meter's final balance register, given or derived
};

/// The circuit trips above its overload threshold: it cannot have drawn more than that all the
/// time since its last reading (a slipped decimal point is caught here).
std::optional<Error> check_overload(Db& db, const MeterRecord& m, const ManualFinalReading& manual,
                                    TimePoint at) {
  const auto name = m.id.to_string();
  auto s = db.prepare(
      "SELECT COALESCE(m.overload_w, s.overload_w, 0) FROM meters m LEFT JOIN site s ON s.id = 1 "
      "WHERE m.id = ?1");
  s->bind(1, name);
  // Clamped so that the products below stay far from overflow (10 MW, 3000 years).
  const auto overload_w = std::min<std::int64_t>(s->step() ? s->int64(0) : 0, 10'000'000);
  const auto ms = std::min<std::int64_t>(
      std::chrono::duration_cast<Millis>(at - *m.read_at).count(), 100'000'000'000'000);
  const auto used = manual.energy_wh - m.last.energy_wh;
  const auto allowed_wh = overload_w * (ms / 3'600'000) + overload_w * (ms % 3'600'000) / 3'600'000;
  if (overload_w > 0 && used > allowed_wh) {
    return refused("final energy " + kwh(manual.energy_wh) + " of meter " + name + " is " +
                   kwh(used) + " above its last reading " + std::to_string(ms / 60'000) +
                   " min ago, more than its overload threshold of " + std::to_string(overload_w) +
                   " W could draw in that time (" + kwh(allowed_wh) +
                   "); read the meter's energy display again");
  }
  return std::nullopt;
}

/// The checks of a manual final reading of `m` (see ManualFinalReading), in the order an
/// operator fixes them; nullopt if it may be charged.
std::optional<Error> check_manual_reading(Db& db, const MeterRecord& m,
                                          const ManualFinalReading& manual, TimePoint at) {
  const auto name = m.id.to_string();
  if (manual.energy_wh < 0 || manual.energy_wh > ManualFinalReading::kMaxEnergyWh) {
    return refused("final energy " + std::to_string(manual.energy_wh) + " Wh of meter " + name +
                   " is out of range (0 .. " + std::to_string(ManualFinalReading::kMaxEnergyWh) +
                   " Wh); read the meter's energy display again");
  }
  const auto floor = std::max(m.last.energy_wh, m.billed_energy_wh.value_or(0));
  if (manual.energy_wh < floor) {
    return refused("final energy " + kwh(manual.energy_wh) + " of meter " + name +
                   " is below the " + kwh(floor) +
                   " already read and billed; energy never goes back: read the meter's energy "
                   "display again");
  }
  if (at < *m.read_at) {
    return refused("the final reading of meter " + name +
                   " is dated before its last stored reading; check the clock");
  }
  if (auto overload = check_overload(db, m, manual, at)) return overload;
  if (manual.balance_fen) {
    if (m.billing_mode != domain::BillingMode::kMeterSide) {
      return refused("meter " + name +
                     " is host-side and holds no money; give no final balance for it");
    }
    if (std::abs(*manual.balance_fen) > ManualFinalReading::kMaxBalanceFen) {
      return refused("final balance " + std::to_string(*manual.balance_fen) + " fen of meter " +
                     name + " is out of range; read the meter's balance display again");
    }
  }
  if (manual.price && (*manual.price < 0 || *manual.price > domain::kMaxPrice)) {
    return refused("price " + std::to_string(*manual.price) +
                   " (0.0001 yuan/kWh) is out of range (0 .. " + std::to_string(domain::kMaxPrice) +
                   ")");
  }
  return std::nullopt;
}

/// The charge of a manual final reading of `m` (in open account `account`), inside the caller's
/// transaction: checks it (check_manual_reading), then stores it as a one-reading poll batch,
/// charged by the very code that charges polls (billing::write_cycle), keeping the meter's failed
/// cycles and status. A refusal before the charge writes nothing; one after it (no price where
/// no tariff applies) leaves the caller's transaction to be rolled back.
domain::Result<ManualCharge> charge_manual_reading(Db& db, const MeterRecord& m,
                                                   const std::string& account,
                                                   const ManualFinalReading& manual, TimePoint at) {
  if (auto refusal = check_manual_reading(db, m, manual, at)) return *refusal;
  const auto name = m.id.to_string();
  const bool meter_side = m.billing_mode == domain::BillingMode::kMeterSide;
  const auto energy = manual.energy_wh - m.billed_energy_wh.value_or(manual.energy_wh);
  const auto balance_fen = [&db, &account] {
    auto s = db.prepare("SELECT balance_fen FROM accounts WHERE id = ?1");
    s->bind(1, account);
    if (!s->step()) throw StoreError("account " + account + " vanished during a replacement");
    return s->int64(0);
  };
  const auto before = balance_fen();
  auto reading = m.last;
  reading.energy_wh = manual.energy_wh;
  if (manual.balance_fen) reading.balance_fen = *manual.balance_fen;
  const auto charge = [&](std::int64_t price) {
    (void)billing::write_cycle(db, {{m.id, reading}}, {}, at,
                               BillingRules{price, domain::kDefaultOfflineAfter});
    return before - balance_fen();
  };
  std::int64_t fen = 0;
  if (manual.price || energy == 0) {
    fen = charge(manual.price.value_or(0));
  } else {
    // No price: the stored tariffs must price the whole interval. Whether they do is what the
    // poll path says: charged at the two ends of the price range, the charges agree.
    db.exec("SAVEPOINT manual_reading");
    const auto at_max = charge(domain::kMaxPrice);
    db.exec("ROLLBACK TO manual_reading");
    fen = charge(0);
    db.exec("RELEASE manual_reading");
    if (fen != at_max) {
      return refused("meter " + name + " has no stored tariff for (all of) the time since its " +
                     "last reading, so the " + kwh(energy) +
                     " of its final reading need a price; give the price it is charged at "
                     "(prepaidctl meter replace --price)");
    }
  }
  ManualCharge out;
  out.energy_wh = energy;
  out.fen = fen;
  out.final_balance_fen = reading.balance_fen;
  if (meter_side && !manual.balance_fen) {
    // What the meter shows had it deducted the same as the ledger did.
    out.final_balance_fen = m.last.balance_fen - out.fen;
    auto s = db.prepare("UPDATE readings SET balance_fen = ?3 WHERE at = ?1 AND meter = ?2");
    s->bind(1, to_ms(at)).bind(2, name).bind(3, out.final_balance_fen);
    s->run();
  }
  auto s = db.prepare(
      "UPDATE meters SET failed_cycles = ?2, status = ?3, balance_fen = ?4 WHERE id = ?1");
  s->bind(1, name).bind(2, m.failed_cycles).bind(3, domain::to_string(m.status));
  s->bind(4, out.final_balance_fen);
  s->run();
  return out;
}

// ---- replacement ----

/// Why `old_m` cannot be replaced by `new_m` now, if it cannot.
std::optional<Error> check_replacement(Db& db, const ReplaceMeterRequest& req,
                                       const MeterRecord& old_m, const MeterRecord& new_m) {
  const auto old_name = req.old_meter.to_string();
  const auto new_name = req.new_meter.to_string();
  if (!old_m.account) {
    return refused("meter " + old_name +
                   " is not in an open account, so there is nothing to carry over; open an "
                   "account on " +
                   new_name + " instead");
  }
  if (!old_m.read_at) {
    if (req.manual) {
      return refused("meter " + old_name +
                     " was never read, so there is no reading to charge a manual final reading "
                     "from; close the account and open one on " +
                     new_name + " instead");
    }
    return refused("meter " + old_name +
                   " was never read, so it has no final reading; read it (prepaidctl read-now " +
                   old_name + ") before replacing it");
  }
  if (!req.manual && (old_m.failed_cycles > 0 || old_m.status == domain::MeterStatus::kOffline)) {
    return refused("meter " + old_name + " did not answer its last " +
                   std::to_string(old_m.failed_cycles) +
                   " poll(s), so its last stored reading may not be final; restore its "
                   "communication and read it, or give its final reading by hand");
  }
  if (auto busy = open_command(db, req.old_meter)) {
    return refused("meter " + old_name + ": " + *busy +
                   " is not delivered yet; replace it after it is confirmed or failed");
  }
  if (new_m.account) {
    return refused("meter " + new_name + " already belongs to open account " + *new_m.account +
                   "; give a meter that is not opened");
  }
  return std::nullopt;
}

/// The old meter's money to the new one (transfer_out, transfer_in and, to a meter-side new
/// meter, its credit); returns the transfer_out's seq, if money moved.
std::optional<std::int64_t> transfer_to_new_meter(Db& db, rows::AuditDraft& audit,
                                                  const ReplaceMeterRequest& req,
                                                  const MeterRecord& new_m,
                                                  ReplaceMeterResult& result) {
  if (result.transferred_fen <= 0) return std::nullopt;
  const auto out_seq =
      rows::append_ledger(db, audit.id(), result.account, domain::EntryKind::kTransferOut,
                          req.old_meter, result.transferred_fen, 0, 0, req.operator_id, req.at);
  const auto in_seq = rows::append_ledger(
      db, audit.id(), result.account, domain::EntryKind::kTransferIn, req.new_meter,
      result.transferred_fen, 0, 0, req.operator_id, req.at, out_seq);
  if (new_m.billing_mode == domain::BillingMode::kMeterSide) {
    result.credit_command =
        rows::queue_credit(db, req.new_meter, result.transferred_fen, in_seq, req.at);
  }
  return out_seq;
}

/// The new meter takes the old one's place in the account (same position); the old meter
/// leaves billing, the new one is billed from its own first reading on.
void swap_attachment(Db& db, const ReplaceMeterRequest& req, const std::string& account) {
  const auto old_name = req.old_meter.to_string();
  const auto new_name = req.new_meter.to_string();
  int position = 0;
  {
    auto s = db.prepare(
        "UPDATE account_meters SET detached_at = ?2 WHERE meter = ?1 AND detached_at IS NULL "
        "RETURNING position");
    s->bind(1, old_name).bind(2, to_ms(req.at));
    if (!s->step()) throw StoreError("meter " + old_name + " lost its account attachment");
    position = s->integer(0);
  }
  {
    auto s = db.prepare(
        "INSERT INTO account_meters (account, meter, position, attached_at) "
        "VALUES (?1, ?2, ?3, ?4)");
    s->bind(1, account).bind(2, new_name).bind(3, position).bind(4, to_ms(req.at));
    s->run();
  }
  auto s = db.prepare(
      "UPDATE meters SET billed_energy_wh = NULL, carry = 0, status = CASE "
      "WHEN id = ?1 THEN " +
      status_after_account_change_sql(false) + " ELSE " + status_after_account_change_sql(true) +
      " END WHERE id IN (?1, ?2)");
  s->bind(1, old_name).bind(2, new_name);
  s->run();
}

/// The replacement's row (meter_replacements), its events on both meters and its audit row.
void record_replacement(Db& db, rows::AuditDraft& audit, const ReplaceMeterRequest& req,
                        const ReplaceMeterResult& result, std::optional<std::int64_t> out_seq) {
  const auto& account = result.account;
  const auto old_name = req.old_meter.to_string();
  const auto new_name = req.new_meter.to_string();
  {
    auto s = db.prepare(
        "INSERT INTO meter_replacements (old_meter, new_meter, account, final_read_at, "
        "final_energy_wh, final_balance_fen, transferred_fen, transfer_out_seq, credit_command, "
        "operator, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    s->bind(1, old_name).bind(2, new_name).bind(3, account).bind(4, to_ms(result.final_read_at));
    s->bind(5, result.final_energy_wh).bind(6, result.final_balance_fen);
    s->bind(7, result.transferred_fen).bind(8, out_seq).bind(9, result.credit_command);
    s->bind(10, req.operator_id).bind(11, to_ms(req.at));
    s->run();
  }
  const auto details = "account " + account + ": " + old_name + " replaced by " + new_name +
                       "; final reading " +
                       (result.manual ? "(manual, by " + req.operator_id + ") " : "") +
                       std::to_string(result.final_energy_wh) + " Wh, " +
                       std::to_string(result.final_balance_fen) + " fen" +
                       (result.manual ? "; charged " + std::to_string(result.charged_energy_wh) +
                                            " Wh, " + std::to_string(result.charged_fen) + " fen"
                                      : "") +
                       "; transferred " + std::to_string(result.transferred_fen) + " fen";
  rows::write_event(db, req.old_meter, "meter_replacement", details, req.at);
  rows::write_event(db, req.new_meter, "meter_replacement", details, req.at);
  auto& d = audit.details();
  d["account"] = account;
  d["new"] = new_name;
  d["final_energy_wh"] = result.final_energy_wh;
  if (result.manual) {
    d["final_reading"] = "manual";
    d["final_balance_fen"] = result.final_balance_fen;
    d["charged_wh"] = result.charged_energy_wh;
    d["charged_fen"] = result.charged_fen;
  }
  d["transferred_fen"] = result.transferred_fen;
  if (result.credit_command) d["credit_command"] = *result.credit_command;
  audit.finish();
}

// ---- move ----

/// Why `m` (in `from_account`) cannot move to req.to_account now, if it cannot.
std::optional<Error> check_move(Db& db, const MoveMeterRequest& req,
                                const std::string& from_account) {
  const auto name = req.meter.to_string();
  if (req.to_account == from_account) {
    return refused("meter " + name + " already belongs to account " + req.to_account);
  }
  {
    auto s = db.prepare("SELECT closed_at FROM accounts WHERE id = ?1");
    s->bind(1, req.to_account);
    if (!s->step()) {
      return not_found("account " + req.to_account +
                       " does not exist; check the id or open it first");
    }
    if (!s->is_null(0)) {
      return refused("account " + req.to_account +
                     " is closed; a meter can only move to an open account");
    }
  }
  for (const auto& account : {from_account, req.to_account}) {
    if (auto acc = rows::open_account_balance(db, account); !acc) return acc.error();
  }
  {
    auto s = db.prepare(
        "SELECT count(*) FROM account_meters WHERE account = ?1 AND detached_at IS NULL");
    s->bind(1, from_account);
    if (s->step() && s->int64(0) <= 1) {
      return refused("meter " + name + " is the only meter of account " + from_account +
                     "; close that account (its balance is refunded) before moving the meter");
    }
  }
  if (auto busy = open_command(db, req.meter)) {
    return refused("meter " + name + ": " + *busy +
                   " is not delivered yet; move it after it is confirmed or failed");
  }
  // The account it joins becomes host-side: the ledger takes what its meter holds, which is
  // only known once no credit or debit is on its way to that meter.
  if (const auto open = rows::open_money_command(db, req.to_account)) {
    return refused("account " + req.to_account + ": " + *open +
                   " is not delivered yet; move the meter after it is confirmed or failed");
  }
  return std::nullopt;
}

/// The refusal of a transfer of `fen` above `max_fen` (the site's max_amount).
std::optional<Error> transfer_over_limit(std::int64_t fen, std::int64_t max_fen) {
  if (fen <= max_fen) return std::nullopt;
  return Error{domain::ErrorKind::kInvalid,
               text::format(text::Id::kAmountOverLimit, "transfer", format_decimal(fen, 2),
                            format_decimal(max_fen, 2),
                            "refund part of the balance first, or raise max_amount in the site "
                            "file; nothing was written")};
}

/// The money that moves with the meter (with_balance: what it last reported, if positive; the
/// old account must hold it), or a refusal.
domain::Result<std::int64_t> balance_to_move(Db& db, const MoveMeterRequest& req,
                                             const MeterRecord& m,
                                             const std::string& from_account) {
  if (!req.with_balance) return std::int64_t{0};
  const auto name = req.meter.to_string();
  if (m.billing_mode == domain::BillingMode::kHostSide) {
    return refused("meter " + name +
                   " is billed host-side: its account's money is in the ledger, not on the "
                   "meter; move it without its balance (a refund and a sale move money between "
                   "accounts)");
  }
  if (!m.read_at || m.failed_cycles > 0) {
    return refused("meter " + name +
                   (m.read_at ? " did not answer its last poll" : " was never read") +
                   ", so its balance is not known; read it first or move it without its "
                   "balance");
  }
  const auto transferred = std::max<std::int64_t>(0, m.last.balance_fen);
  const auto from_balance = open_balance(db, from_account).value_or(0);
  if (transferred > from_balance) {
    return refused("meter " + name + " reports " + std::to_string(transferred) +
                   " fen but account " + from_account + " holds only " +
                   std::to_string(from_balance) +
                   " fen; reconcile the account first or move the meter without its balance");
  }
  return transferred;
}

/// The meter leaves its account and joins the end of req.to_account's list.
void reattach(Db& db, const MoveMeterRequest& req) {
  const auto name = req.meter.to_string();
  {
    auto s = db.prepare(
        "UPDATE account_meters SET detached_at = ?2 WHERE meter = ?1 AND detached_at IS NULL");
    s->bind(1, name).bind(2, to_ms(req.at));
    s->run();
  }
  auto s = db.prepare(
      "INSERT INTO account_meters (account, meter, position, attached_at) VALUES (?1, ?2, "
      "(SELECT COALESCE(MAX(position), -1) + 1 FROM account_meters WHERE account = ?1), ?3)");
  s->bind(1, req.to_account).bind(2, name).bind(3, to_ms(req.at));
  s->run();
}

}  // namespace

domain::Result<ReplaceMeterResult> SqliteStore::replace_meter(const ReplaceMeterRequest& req) {
  if (req.old_meter == req.new_meter) {
    return refused("old and new meter are both " + req.old_meter.to_string() +
                   "; give the meter that replaces it as NEW");
  }
  Transaction tx(db_);
  const auto old_m = rows::find_meter(db_, req.old_meter);
  if (!old_m) return not_found(not_configured(req.old_meter));
  const auto new_m = rows::find_meter(db_, req.new_meter);
  if (!new_m) return not_found(not_configured(req.new_meter));
  if (auto refusal = check_replacement(db_, req, *old_m, *new_m)) return *refusal;
  const auto& account = *old_m->account;
  if (auto acc = rows::open_account_balance(db_, account); !acc) return acc.error();
  const bool old_holds_money = old_m->billing_mode == domain::BillingMode::kMeterSide;
  ReplaceMeterResult result;
  result.account = account;
  result.final_read_at = *old_m->read_at;
  result.final_energy_wh = old_m->last.energy_wh;
  result.final_balance_fen = old_m->last.balance_fen;
  if (req.manual) {
    auto charged = charge_manual_reading(db_, *old_m, account, *req.manual, req.at);
    if (!charged) return charged.error();
    result.manual = true;
    result.final_read_at = req.at;
    result.final_energy_wh = req.manual->energy_wh;
    result.final_balance_fen = charged.value().final_balance_fen;
    result.charged_energy_wh = charged.value().energy_wh;
    result.charged_fen = charged.value().fen;
  }
  result.transferred_fen =
      old_holds_money ? std::max<std::int64_t>(0, result.final_balance_fen) : 0;
  // Refusals after the manual reading's charge: the transaction is not committed.
  if (auto bad = transfer_over_limit(result.transferred_fen, req.max_transfer_fen)) return *bad;
  if (new_m->billing_mode == domain::BillingMode::kMeterSide &&
      result.transferred_fen > req.max_credit_fen) {
    return Error{domain::ErrorKind::kInvalid,
                 text::format(text::Id::kTransferOverRegister,
                              format_decimal(result.transferred_fen, 2), req.new_meter.to_string(),
                              format_decimal(std::max<std::int64_t>(0, req.max_credit_fen), 2))};
  }
  rows::AuditDraft audit(db_, {req.operator_id, "replace_meter", req.old_meter.to_string(), {}},
                         req.at);
  const auto out_seq = transfer_to_new_meter(db_, audit, req, *new_m, result);
  swap_attachment(db_, req, account);
  // In an account of several meters the new meter is billed host-side, as the others are.
  if (const auto acc = this->account(account); acc && acc->meters.size() > 1) {
    if (const auto switched = rows::make_host_side(db_, acc->meters); !switched.empty()) {
      rows::write_event(
          db_, req.new_meter, "billing_mode_switched",
          "billed host-side: account " + account + " has several meters; host_side=" + switched,
          req.at);
    }
  }
  record_replacement(db_, audit, req, result, out_seq);
  tx.commit();
  return result;
}

domain::Result<MoveMeterResult> SqliteStore::move_meter(const MoveMeterRequest& req) {
  const auto name = req.meter.to_string();
  Transaction tx(db_);
  const auto m = rows::find_meter(db_, req.meter);
  if (!m) return not_found(not_configured(req.meter));
  if (!m->account) {
    return refused("meter " + name +
                   " is not in an open account; open an account on it (account open) instead");
  }
  MoveMeterResult result;
  result.from_account = *m->account;
  result.meter_balance_fen = m->read_at ? m->last.balance_fen : 0;
  if (auto refusal = check_move(db_, req, result.from_account)) return *refusal;
  auto transferred = balance_to_move(db_, req, *m, result.from_account);
  if (!transferred) return transferred.error();
  if (auto bad = transfer_over_limit(transferred.value(), req.max_transfer_fen)) return *bad;
  result.transferred_fen = transferred.value();
  rows::AuditDraft audit(db_,
                         {req.operator_id,
                          "move_meter",
                          name,
                          {{"from", result.from_account}, {"to", req.to_account}}},
                         req.at);
  if (result.transferred_fen > 0) {
    const auto out =
        rows::append_ledger(db_, audit.id(), result.from_account, domain::EntryKind::kTransferOut,
                            req.meter, result.transferred_fen, 0, 0, req.operator_id, req.at);
    rows::append_ledger(db_, audit.id(), req.to_account, domain::EntryKind::kTransferIn, req.meter,
                        result.transferred_fen, 0, 0, req.operator_id, req.at, out);
  }
  reattach(db_, req);
  // The account it joins has several meters now: billed host-side (the ledger holds its money).
  if (const auto joined = account(req.to_account); joined && joined->meters.size() > 1) {
    audit.details().update(rows::convert_to_host_side(db_, audit, req.to_account, joined->meters,
                                                      "meter " + name + " moved in",
                                                      req.operator_id, req.at));
  }
  const auto details = "from account " + result.from_account + " to " + req.to_account +
                       "; money moved " + std::to_string(result.transferred_fen) +
                       " fen (meter reported " + std::to_string(result.meter_balance_fen) + " fen)";
  rows::write_event(db_, req.meter, "meter_moved", details, req.at);
  audit.details()["transferred_fen"] = result.transferred_fen;
  audit.finish();
  tx.commit();
  return result;
}

}  // namespace phil::store
