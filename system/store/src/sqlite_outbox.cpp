// The Outbox role of the SQLite store (see sqlite_store.hpp): commands enqueued by operators and
// delivered by the bus workers (attempt, confirm, defer, fail), and the queries about them.

#include <algorithm>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <phil/common/text.hpp>

#include "sqlite_alarms.hpp"
#include "sqlite_prices.hpp"
#include "sqlite_settings.hpp"
#include "sqlite_store.hpp"
#include "sqlite_writers.hpp"

namespace phil::store {

namespace {

using domain::Error;
using domain::ErrorKind;
using domain::MeterId;
using sqlite::Stmt;
using sqlite::Transaction;

using sqlite::to_ms;

using rows::command_from_row;
using rows::kCommandColumns;
using rows::parse_id;
using rows::refused;

/// A command's target as an alarm's: its meter (column `meter_col`), else its box (the bus and
/// box columns from `bus_col` on).
domain::AlarmTarget command_target(const Stmt& s, int meter_col, int bus_col) {
  if (const auto meter = s.opt_text(meter_col))
    return domain::AlarmTarget::of_meter(parse_id(*meter));
  return domain::AlarmTarget::of_box(s.text(bus_col), s.integer(bus_col + 1));
}

/// "bus/box/circuit" of a command's target; circuit 0 for a box (not a parsable meter id).
std::string target_key(const MeterId& t) {
  return t.bus + "/" + std::to_string(t.box) + "/" + std::to_string(t.circuit);
}

std::vector<domain::QueuedCommand> queued(const std::vector<CommandRecord>& open) {
  std::vector<domain::QueuedCommand> q;
  q.reserve(open.size());
  for (const auto& c : open)
    q.push_back({c.id, target_key(c.meter), c.kind, c.next_attempt_at});
  return q;
}

}  // namespace

domain::Result<std::int64_t> SqliteStore::enqueue_command(const CommandRequest& req) {
  Transaction tx(db_);
  auto r = enqueue_in_transaction(req, true);
  if (r) tx.commit();
  return r;
}

domain::Result<std::int64_t> SqliteStore::enqueue_in_transaction(const CommandRequest& req,
                                                                 bool audit) {
  const auto kind = domain::kind_of(req.params);
  const auto& t = req.target;
  if (kind == domain::CommandKind::kCredit) {
    return refused("a credit is written only by a sale, with its ledger entry; use sale");
  }
  if (kind == domain::CommandKind::kDebit) {
    return refused(
        "a debit is written only by a refund or a reversal; use account refund or "
        "account reverse");
  }
  if (auto problem = domain::check_payload(req.params)) {
    return Error{ErrorKind::kInvalid, std::string(domain::to_string(kind)) + " command for " +
                                          target_key(t) + ": " + *problem};
  }
  const bool box_level = domain::is_box_level(kind);
  if (box_level && t.circuit != 0) {
    return refused(std::string(domain::to_string(kind)) + " is a box command; address box " +
                   t.bus + "/" + std::to_string(t.box) + " (circuit 0), not a circuit");
  }
  // A plain energy meter is never commanded: refused here too, for callers without the site
  // file (Operations refuses it first when it has the drivers).
  const auto not_commanded = [&](const std::string& name, const std::string& model) {
    return Error{ErrorKind::kInvalid, text::format(text::Id::kEnergyMeterNotCommanded,
                                                   domain::to_string(kind), name, model)};
  };
  if (box_level) {
    auto s = db_.prepare(
        "SELECT MIN(metering_only), model FROM meters WHERE bus = ?1 AND box = ?2 "
        "HAVING COUNT(*) > 0");
    s->bind(1, t.bus).bind(2, t.box);
    const auto box_name = "box " + t.bus + "/" + std::to_string(t.box);
    if (!s->step()) {
      return refused(box_name + " is not configured at this site; check the bus and address");
    }
    if (s->int64(0) != 0) return not_commanded(box_name, s->text(1));
  } else if (const auto m = t.circuit == 0 ? std::nullopt : meter(t); !m) {
    return refused("meter " + target_key(t) +
                   " is not configured at this site; check the bus, box and circuit");
  } else if (m->metering_only) {
    return not_commanded(target_key(t), m->model);
  }
  if (const auto* th = std::get_if<domain::ThresholdsPayload>(&req.params)) {
    // The stored thresholds are the ones the system derives the meter's status from and keeps
    // on the meter: a thresholds command typed by hand becomes the meter's own stored values.
    auto s = db_.prepare(
        "UPDATE meters SET alarm1_fen = ?2, alarm2_fen = ?3, overload_w = ?4 WHERE id = ?1");
    s->bind(1, target_key(t)).bind(2, th->alarm1_fen).bind(3, th->alarm2_fen);
    s->bind(4, th->overload_w);
    s->run();
    // Never a duplicate: the newest open command already carries these values.
    if (const auto open = settings::newest_open(db_, t); open && open->second == *th) {
      if (!audit) return open->first;
      rows::write_audit(db_,
                        {req.operator_id,
                         "command",
                         target_key(t),
                         {{"id", open->first},
                          {"kind", "thresholds"},
                          {"payload", domain::encode_payload(req.params)},
                          {"already_queued", true}}},
                        req.at);
      return open->first;
    }
  }
  if (const auto* price = std::get_if<domain::PricePayload>(&req.params)) {
    // Tariff = what the meter uses: a price typed by hand becomes the meter's own tariff
    // (sqlite_prices.hpp), so the ledger charges what the meter is told to deduct.
    if (auto r = prices::hand_price(db_, t, *price, req.operator_id, req.at); !r) return r.error();
    // Never a duplicate: the newest open command already carries these prices.
    auto s = db_.prepare(
        "SELECT id, payload FROM outbox WHERE meter = ?1 AND kind = 'price' "
        "AND state IN ('pending', 'in_flight') ORDER BY id DESC LIMIT 1");
    s->bind(1, target_key(t));
    if (s->step() && s->text(1) == domain::encode_payload(req.params)) {
      const auto open = s->int64(0);
      if (!audit) return open;
      rows::write_audit(db_,
                        {req.operator_id,
                         "command",
                         target_key(t),
                         {{"id", open},
                          {"kind", "price"},
                          {"payload", domain::encode_payload(req.params)},
                          {"already_queued", true}}},
                        req.at);
      return open;
    }
  }
  // Only pending ones: an in-flight command may be on the wire and runs to its end.
  if (domain::supersedes(kind)) {
    auto s = db_.prepare(
        "UPDATE outbox SET state = 'superseded', last_error = 'superseded by a newer command', "
        "updated_at = ?5 WHERE bus = ?1 AND box = ?2 AND circuit = ?3 AND kind = ?4 "
        "AND state = 'pending'");
    s->bind(1, t.bus).bind(2, t.box).bind(3, t.circuit).bind(4, domain::to_string(kind));
    s->bind(5, to_ms(req.at));
    s->run();
  }
  const auto payload = domain::encode_payload(req.params);
  const auto id = rows::insert_command(db_, t, kind, 0, payload, std::nullopt, req.at, std::nullopt,
                                       req.operator_id);
  if (audit) {
    rows::write_audit(db_,
                      {req.operator_id,
                       "command",
                       target_key(t),
                       {{"id", id}, {"kind", domain::to_string(kind)}, {"payload", payload}}},
                      req.at);
  }
  return id;
}

std::vector<CommandRecord> SqliteStore::next_commands(const std::string& bus, TimePoint now,
                                                      std::size_t limit) const {
  auto open = open_commands(bus);
  std::vector<CommandRecord> out;
  for (auto i : domain::sendable_heads(queued(open), now, limit))
    out.push_back(std::move(open[i]));
  return out;
}

std::vector<CommandRecord> SqliteStore::open_commands(const std::string& bus) const {
  auto s = db_.prepare(std::string("SELECT ") + kCommandColumns +
                       " FROM outbox WHERE bus = ?1 AND state IN ('pending', 'in_flight') "
                       "ORDER BY id");
  s->bind(1, bus);
  std::vector<CommandRecord> out;
  while (s->step())
    out.push_back(command_from_row(*s));
  return out;
}

bool SqliteStore::try_begin_attempt(std::int64_t command, std::optional<std::uint16_t> assign_count,
                                    TimePoint at) {
  Transaction tx(db_);
  auto s = db_.prepare(
      "UPDATE outbox SET purchase_count = COALESCE(purchase_count, ?2), state = 'in_flight', "
      "attempts = attempts + 1, updated_at = ?3 "
      "WHERE id = ?1 AND state IN ('pending', 'in_flight')");
  s->bind(1, command).bind(3, to_ms(at));
  if (assign_count) {
    s->bind(2, int{*assign_count});
  } else {
    s->bind_null(2);
  }
  s->run();
  if (db_.changes() != 1) return false;
  tx.commit();
  return true;
}

void SqliteStore::begin_attempt(std::int64_t command, std::optional<std::uint16_t> assign_count,
                                TimePoint at) {
  if (!try_begin_attempt(command, assign_count, at)) {
    throw StoreError("outbox command " + std::to_string(command) +
                     " is not open; it was confirmed, failed, superseded or removed meanwhile");
  }
}

void SqliteStore::defer_command(std::int64_t command, const std::string& error,
                                TimePoint next_attempt_at, TimePoint at, int tries) {
  Transaction tx(db_);
  auto s = db_.prepare(
      "UPDATE outbox SET last_error = ?2, next_attempt_at = ?3, updated_at = ?4, tries = ?5 "
      "WHERE id = ?1");
  s->bind(1, command).bind(2, error).bind(3, to_ms(next_attempt_at)).bind(4, to_ms(at));
  s->bind(5, std::max(0, tries));
  s->run();
  tx.commit();
}

void SqliteStore::confirm_command(std::int64_t command, const Readback& rb, TimePoint at,
                                  const BillingRules& rules) {
  Transaction tx(db_);
  std::optional<std::string> meter_key;
  bool found = false;
  std::string kind;
  std::string payload;
  domain::AlarmTarget confirmed_target;
  {
    auto s = db_.prepare(
        "UPDATE outbox SET state = 'confirmed', last_error = '', updated_at = ?2 "
        "WHERE id = ?1 AND state IN ('pending', 'in_flight') "
        "RETURNING meter, kind, payload, bus, box");
    s->bind(1, command).bind(2, to_ms(at));
    if (s->step()) {
      found = true;
      confirmed_target = command_target(*s, 0, 3);
      meter_key = s->opt_text(0);
      kind = s->text(1);
      payload = s->text(2);
    }
  }
  if (!found) {
    throw StoreError("outbox command " + std::to_string(command) + " is not open; cannot confirm");
  }
  // A debit's money is booked now that the meter has given it up (no-op for other kinds).
  rows::book_debit(db_, command, at);
  // The target takes commands again: its command_failed alarm, if any, ends.
  alarms::observe(db_, {{{domain::AlarmKind::kCommandFailed, confirmed_target}, false, "{}"}}, at);
  if (!meter_key) {  // a box-level command: nothing of a circuit to mirror
    tx.commit();
    return;
  }
  if (kind == domain::to_string(domain::CommandKind::kThresholds)) {
    // The read-back showed these values: they are what the meter holds now.
    const auto p = domain::decode_payload(domain::CommandKind::kThresholds, payload);
    if (const auto* t = p ? std::get_if<domain::ThresholdsPayload>(&p.value()) : nullptr) {
      settings::record_confirmed(db_, *meter_key, *t, at);
    }
  }
  if (auto m = meter(parse_id(*meter_key)); m && m->read_at) {
    // The balance that holds the money: the meter's for meter-side, the ledger's for host-side.
    std::optional<std::int64_t> balance = rb.balance_fen;
    if (m->account && m->billing_mode == domain::BillingMode::kHostSide) {
      balance = account_balance_fen(*m->account);
    }
    const auto placement = meter_placement(m->id);
    const auto status =
        domain::derive_status({m->account.has_value(), m->failed_cycles, rules.offline_after,
                               balance, placement ? placement->thresholds : domain::Thresholds{}});
    auto s = db_.prepare(
        "UPDATE meters SET balance_fen = ?2, relay = ?3, purchase_count = ?4, status_bits = ?5, "
        "alarm1 = ?6, alarm2 = ?7, arrears = ?8, status = ?9 WHERE id = ?1");
    s->bind(1, *meter_key).bind(2, rb.balance_fen).bind(3, rb.relay_closed ? 1 : 0);
    s->bind(4, int{rb.purchase_count}).bind(5, int{rb.status_bits});
    s->bind(6, rb.alarm1 ? 1 : 0).bind(7, rb.alarm2 ? 1 : 0).bind(8, rb.arrears ? 1 : 0);
    s->bind(9, domain::to_string(status));
    s->run();
  }
  tx.commit();
}

void SqliteStore::fail_command(std::int64_t command, const std::string& reason, TimePoint at) {
  Transaction tx(db_);
  std::optional<std::string> meter_key;
  bool found = false;
  std::string target;
  bool debit = false;
  std::string account;
  std::int64_t amount = 0;
  domain::AlarmTarget failed_target;
  std::string failed_kind;
  {
    auto s = db_.prepare(
        "UPDATE outbox SET state = 'failed', last_error = ?2, updated_at = ?3 "
        "WHERE id = ?1 AND state IN ('pending', 'in_flight') "
        "RETURNING meter, bus || '/' || box || '/' || circuit, kind = 'debit', "
        "COALESCE(account, ''), amount_fen, bus, box, kind");
    s->bind(1, command).bind(2, reason).bind(3, to_ms(at));
    if (s->step()) {
      found = true;
      failed_target = command_target(*s, 0, 5);
      failed_kind = s->text(7);
      meter_key = s->opt_text(0);
      target = s->text(1);
      debit = s->int64(2) != 0;
      account = s->text(3);
      amount = s->int64(4);
    }
  }
  if (found) {
    const auto meter = meter_key ? std::optional<MeterId>(parse_id(*meter_key)) : std::nullopt;
    if (debit) {
      // Nothing was taken off the meter and nothing is booked: no cash is to be paid out.
      rows::write_event(db_, meter, "debit_cancelled",
                        "debit " + std::to_string(command) + " of " + std::to_string(amount) +
                            " fen (account " + account + ") from " + target +
                            " cancelled, nothing moved: " + reason,
                        at);
    } else {
      rows::write_event(db_, meter, "command_failed",
                        "command " + std::to_string(command) + " to " + target + ": " + reason, at);
    }
    // Open until a later command to the same target is confirmed (confirm_command).
    alarms::observe(
        db_,
        {{{domain::AlarmKind::kCommandFailed, failed_target},
          true,
          nlohmann::json{{"command", command}, {"kind", failed_kind}, {"reason", reason}}.dump()}},
        at);
  }
  tx.commit();
}

std::optional<TimePoint> SqliteStore::next_command_due(const std::string& bus) const {
  // Only the head of each target's queue can be sent; the others wait behind it.
  const auto open = open_commands(bus);
  std::optional<TimePoint> due;
  for (auto i : domain::sendable_heads(queued(open), TimePoint::max(), open.size())) {
    due = due ? std::min(*due, open[i].next_attempt_at) : open[i].next_attempt_at;
  }
  return due;
}

std::vector<CommandRecord> SqliteStore::meter_commands(const MeterId& id, int limit) const {
  auto s = db_.prepare(std::string("SELECT ") + kCommandColumns +
                       " FROM outbox WHERE meter = ?1 ORDER BY id DESC LIMIT ?2");
  s->bind(1, id.to_string()).bind(2, limit);
  std::vector<CommandRecord> out;
  while (s->step())
    out.push_back(command_from_row(*s));
  return out;
}

std::vector<CommandRecord> SqliteStore::account_debits(const std::string& account) const {
  auto s = db_.prepare(std::string("SELECT ") + kCommandColumns +
                       " FROM outbox WHERE account = ?1 AND kind = 'debit' ORDER BY id");
  s->bind(1, account);
  std::vector<CommandRecord> out;
  while (s->step())
    out.push_back(command_from_row(*s));
  return out;
}

std::optional<CommandRecord> SqliteStore::command(std::int64_t id) const {
  auto s = db_.prepare(std::string("SELECT ") + kCommandColumns + " FROM outbox WHERE id = ?1");
  s->bind(1, id);
  if (!s->step()) return std::nullopt;
  return command_from_row(*s);
}

SqliteStore::CommandCounts SqliteStore::command_counts(const std::string& bus) const {
  auto s = db_.prepare(
      "SELECT COALESCE(SUM(state = 'confirmed'), 0), "
      "COALESCE(SUM(state IN ('pending', 'in_flight')), 0) FROM outbox WHERE bus = ?1");
  s->bind(1, bus);
  CommandCounts c;
  if (s->step()) {
    c.confirmed = static_cast<std::uint64_t>(s->int64(0));
    c.open = static_cast<std::uint64_t>(s->int64(1));
  }
  return c;
}

}  // namespace phil::store
