// Box identity (issue 12.8) in the SQLite store: what each box reports of itself against the
// site file (PollSink), an operator's confirmation of a mismatch (SiteAdmin) and the look-up
// (Queries); and completing an on-site meter swap, `meter replace --in-place` (SiteAdmin).
//
// What moves when: a mismatch stops billing the box (sqlite_billing.cpp charges none of its
// meters; the bus worker delivers no credit or debit to them) until confirm_box. An on-site
// swap leaves on the meter the balance its old device held at its last reading; complete_swap
// moves it onto the new device as a replacement does (transfer_out and transfer_in on the
// meter, a credit queued with the transfer_in, confirmed by read-back at delivery).
#include "sqlite_box_identity.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

#include <phil/common/decimal.hpp>
#include <phil/common/text.hpp>

#include "sqlite_alarms.hpp"
#include "sqlite_store.hpp"
#include "sqlite_writers.hpp"

namespace phil::store {

namespace identity {

void swap_detected(sqlite::Db& db, const domain::MeterId& meter, TimePoint at) {
  {
    auto s = db.prepare(
        "UPDATE meters SET swap_detected_at = ?2, swap_old_balance_fen = COALESCE(balance_fen, 0) "
        "WHERE id = ?1 AND swap_detected_at IS NULL");
    s->bind(1, meter.to_string()).bind(2, sqlite::to_ms(at));
    s->run();
  }
  // Open until the swap is completed (SqliteStore::complete_swap).
  alarms::observe(
      db, {{{domain::AlarmKind::kMeterSwapped, domain::AlarmTarget::of_meter(meter)}, true, "{}"}},
      at);
  auto s = db.prepare(
      "INSERT INTO box_identity (bus, address, check_due) VALUES (?1, ?2, 1) "
      "ON CONFLICT (bus, address) DO UPDATE SET check_due = 1");
  s->bind(1, meter.bus).bind(2, meter.box);
  s->run();
}

std::set<std::pair<std::string, int>> stopped_boxes(sqlite::Db& db) {
  std::set<std::pair<std::string, int>> out;
  auto s = db.prepare("SELECT bus, address FROM box_identity WHERE mismatch IS NOT NULL");
  while (s->step())
    out.emplace(s->text(0), s->integer(1));
  return out;
}

}  // namespace identity

namespace {

using rows::not_found;
using rows::refused;
using sqlite::Db;
using sqlite::Transaction;

std::string box_name(const std::string& bus, int address) {
  return bus + "/" + std::to_string(address);
}

std::optional<BoxIdentityRecord> load_identity(Db& db, const std::string& bus, int address) {
  auto s = db.prepare(
      "SELECT check_due, model_code, circuits, read_at, mismatch, mismatch_at, confirmed_code, "
      "confirmed_circuits, confirmed_by, confirmed_at FROM box_identity "
      "WHERE bus = ?1 AND address = ?2");
  s->bind(1, bus).bind(2, address);
  if (!s->step()) return std::nullopt;
  BoxIdentityRecord r;
  r.bus = bus;
  r.address = address;
  r.check_due = s->int64(0) != 0;
  if (!s->is_null(1) && !s->is_null(2))
    r.reported = domain::BoxIdentity{s->integer(1), s->integer(2)};
  if (auto t = s->opt_int64(3)) r.read_at = sqlite::from_ms(*t);
  if (!s->is_null(4)) r.mismatch = s->text(4);
  if (auto t = s->opt_int64(5)) r.mismatch_at = sqlite::from_ms(*t);
  if (!s->is_null(6) && !s->is_null(7)) {
    r.confirmed = domain::BoxIdentity{s->integer(6), s->integer(7)};
  }
  if (!s->is_null(8)) r.confirmed_by = s->text(8);
  if (auto t = s->opt_int64(9)) r.confirmed_at = sqlite::from_ms(*t);
  return r;
}

bool box_configured(Db& db, const std::string& bus, int address) {
  auto s = db.prepare("SELECT 1 FROM meters WHERE bus = ?1 AND box = ?2 LIMIT 1");
  s->bind(1, bus).bind(2, address);
  return s->step();
}

}  // namespace

bool SqliteStore::box_identity_due(const std::string& bus, int address) {
  const auto r = load_identity(db_, bus, address);
  return !r || r->check_due || !r->reported;
}

std::optional<std::string> SqliteStore::record_box_identity(const std::string& bus, int address,
                                                            const domain::ExpectedBox& expected,
                                                            const domain::BoxIdentity& read,
                                                            TimePoint at) {
  Transaction tx(db_);
  const auto was = load_identity(db_, bus, address);
  const auto why = domain::box_identity_mismatch(
      expected, read, was ? was->confirmed : std::optional<domain::BoxIdentity>{});
  std::optional<std::string> stopped = was ? was->mismatch : std::nullopt;
  {
    auto s = db_.prepare(
        "INSERT INTO box_identity (bus, address, check_due, model_code, circuits, read_at) "
        "VALUES (?1, ?2, 0, ?3, ?4, ?5) ON CONFLICT (bus, address) DO UPDATE SET check_due = 0, "
        "model_code = excluded.model_code, circuits = excluded.circuits, "
        "read_at = excluded.read_at");
    s->bind(1, bus).bind(2, address).bind(3, read.model_code).bind(4, read.circuits);
    s->bind(5, sqlite::to_ms(at));
    s->run();
  }
  if (why && !stopped) {
    auto s = db_.prepare(
        "UPDATE box_identity SET mismatch = ?3, mismatch_at = ?4 WHERE bus = ?1 AND address = ?2");
    s->bind(1, bus).bind(2, address).bind(3, *why).bind(4, sqlite::to_ms(at));
    s->run();
    const auto name = box_name(bus, address);
    rows::write_event(db_, std::nullopt, "box_identity_mismatch",
                      "box " + name + ": " + *why +
                          "; billing of its meters is stopped (no charges, no credits or debits "
                          "delivered; reads go on) until an operator checks the box and confirms "
                          "it (prepaidctl box confirm " +
                          name + ") or corrects the site file",
                      at);
    stopped = why;
  }
  tx.commit();
  return stopped;
}

std::optional<BoxIdentityRecord> SqliteStore::box_identity(const std::string& bus,
                                                           int address) const {
  return load_identity(db_, bus, address);
}

domain::Result<BoxIdentityRecord> SqliteStore::confirm_box(const std::string& bus, int address,
                                                           const std::string& operator_id,
                                                           TimePoint at) {
  const auto name = box_name(bus, address);
  Transaction tx(db_);
  if (!box_configured(db_, bus, address)) {
    return not_found("box " + name +
                     " is not configured at this site; check the bus and the box address");
  }
  auto was = load_identity(db_, bus, address);
  if (!was || !was->mismatch || !was->reported) {
    return refused("box " + name +
                   " has no identity mismatch waiting for a confirmation: nothing to confirm");
  }
  {
    auto s = db_.prepare(
        "UPDATE box_identity SET confirmed_code = model_code, confirmed_circuits = circuits, "
        "confirmed_by = ?3, confirmed_at = ?4, mismatch = NULL, mismatch_at = NULL "
        "WHERE bus = ?1 AND address = ?2");
    s->bind(1, bus).bind(2, address).bind(3, operator_id).bind(4, sqlite::to_ms(at));
    s->run();
  }
  {
    // The credits and debits that waited for the confirmation go at the bus worker's next look.
    auto s = db_.prepare(
        "UPDATE outbox SET next_attempt_at = ?3 WHERE state = 'pending' AND kind IN ('credit', "
        "'debit') AND next_attempt_at > ?3 AND meter IN (SELECT id FROM meters WHERE bus = ?1 "
        "AND box = ?2)");
    s->bind(1, bus).bind(2, address).bind(3, sqlite::to_ms(at));
    s->run();
  }
  const auto what = "model code " + std::to_string(was->reported->model_code) + ", " +
                    std::to_string(was->reported->circuits) + " circuits";
  rows::write_event(db_, std::nullopt, "box_identity_confirmed",
                    "box " + name + " confirmed by " + operator_id + " as it reports itself (" +
                        what + "); billing of its meters goes on",
                    at);
  rows::write_audit(db_,
                    {operator_id,
                     "confirm_box",
                     name,
                     {{"model_code", was->reported->model_code},
                      {"circuits", was->reported->circuits},
                      {"mismatch", *was->mismatch}}},
                    at);
  tx.commit();
  auto out = load_identity(db_, bus, address);
  return *out;
}

domain::Result<CompleteSwapResult> SqliteStore::complete_swap(const CompleteSwapRequest& req) {
  const auto name = req.meter.to_string();
  Transaction tx(db_);
  const auto m = rows::find_meter(db_, req.meter);
  if (!m) {
    return not_found("meter " + name +
                     " is not configured at this site; check the bus, box and circuit");
  }
  CompleteSwapResult result;
  {
    auto s = db_.prepare(
        "SELECT swap_detected_at, swap_old_balance_fen FROM meters WHERE id = ?1 AND "
        "swap_detected_at IS NOT NULL");
    s->bind(1, name);
    if (!s->step()) {
      return refused("no on-site swap was detected on meter " + name +
                     ": nothing to complete in place; to replace it by another meter give OLD "
                     "and NEW (prepaidctl meter replace OLD NEW)");
    }
    result.detected_at = sqlite::from_ms(s->int64(0));
    result.old_balance_fen = s->int64(1);
  }
  result.account = m->account;
  const bool meter_side = m->billing_mode == domain::BillingMode::kMeterSide;
  const auto fen = m->account ? domain::swap_credit_fen({result.old_balance_fen}, meter_side) : 0;
  // The transfer's entries refer to it; its figures are added below.
  rows::AuditDraft audit(db_, {req.operator_id, "replace_meter_in_place", name, {}}, req.at);
  if (fen > 0) {
    if (auto acc = rows::open_account_balance(db_, *m->account); !acc) return acc.error();
    if (fen > req.max_transfer_fen) {
      return domain::Error{
          domain::ErrorKind::kInvalid,
          text::format(text::Id::kAmountOverLimit, "transfer", format_decimal(fen, 2),
                       format_decimal(req.max_transfer_fen, 2),
                       "refund part of the balance first, or raise max_amount in the site file; "
                       "nothing was written")};
    }
    if (fen > req.max_credit_fen) {
      return domain::Error{
          domain::ErrorKind::kInvalid,
          text::format(text::Id::kTransferOverRegister, format_decimal(fen, 2), name,
                       format_decimal(std::max<std::int64_t>(0, req.max_credit_fen), 2))};
    }
    const auto out_seq =
        rows::append_ledger(db_, audit.id(), *m->account, domain::EntryKind::kTransferOut,
                            req.meter, fen, 0, 0, req.operator_id, req.at);
    const auto in_seq =
        rows::append_ledger(db_, audit.id(), *m->account, domain::EntryKind::kTransferIn, req.meter,
                            fen, 0, 0, req.operator_id, req.at, out_seq);
    result.credit_command = rows::queue_credit(db_, req.meter, fen, in_seq, req.at);
    result.credited_fen = fen;
  }
  {
    auto s = db_.prepare(
        "UPDATE meters SET swap_detected_at = NULL, swap_old_balance_fen = NULL WHERE id = ?1");
    s->bind(1, name);
    s->run();
  }
  const auto details =
      std::string("on-site swap completed in place by ") + req.operator_id +
      "; old device's last balance " + std::to_string(result.old_balance_fen) + " fen, " +
      (result.credit_command
           ? "credited to the new device by credit command " +
                 std::to_string(*result.credit_command)
           : std::string(meter_side && m->account ? "nothing to credit" : "no money on the meter"));
  rows::write_event(db_, req.meter, "swap_completed", details, req.at);
  alarms::observe(
      db_,
      {{{domain::AlarmKind::kMeterSwapped, domain::AlarmTarget::of_meter(req.meter)}, false, "{}"}},
      req.at);
  auto& d = audit.details();
  d["account"] = m->account.value_or("");
  d["old_balance_fen"] = result.old_balance_fen;
  d["credited_fen"] = result.credited_fen;
  if (result.credit_command) d["credit_command"] = *result.credit_command;
  audit.finish();
  tx.commit();
  return result;
}

}  // namespace phil::store
