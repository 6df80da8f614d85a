// SQLite implementation of Store (every role on one connection). Every public operation that
// writes is one transaction (BEGIN IMMEDIATE ... COMMIT); readers see committed data only. The
// rows several parts write (ledger, outbox, audit, events) are written by sqlite_writers.hpp.
#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include <phil/domain/billing.hpp>
#include <phil/store/sqlite_file.hpp>
#include <phil/store/store.hpp>

#include "schema.hpp"
#include "sqlite.hpp"
#include "sqlite_billing.hpp"
#include "sqlite_store_admin.hpp"
#include "sqlite_writers.hpp"
#include "status_sql.hpp"

namespace phil::store {

namespace {

using domain::Error;
using domain::ErrorKind;
using domain::MeterId;
using sqlite::Db;
using sqlite::Stmt;
using sqlite::Transaction;

using sqlite::from_ms;
using sqlite::to_ms;

using rows::parse_id;
using rows::refused;

constexpr const char* kCommandColumns =
    "id, bus, box, circuit, kind, priority, amount_fen, payload, purchase_count, state, attempts, "
    "last_error, next_attempt_at, created_at, updated_at";

CommandRecord command_from_row(const Stmt& s) {
  CommandRecord c;
  c.id = s.int64(0);
  c.meter = MeterId{s.text(1), s.integer(2), s.integer(3)};
  const auto kind = s.text(4);
  const auto k = domain::parse_command_kind(kind);
  if (!k) throw StoreError("outbox command " + std::to_string(c.id) + " has unknown kind " + kind);
  c.kind = *k;
  c.priority = s.integer(5);
  c.amount_fen = s.int64(6);
  c.payload = s.text(7);
  auto params = domain::decode_payload(c.kind, c.payload);
  if (!params) {
    throw StoreError("outbox command " + std::to_string(c.id) + ": " + params.error().message +
                     "; the database was changed by hand, restore it from a backup");
  }
  c.params = std::move(params.value());
  if (auto pc = s.opt_int64(8)) c.purchase_count = static_cast<std::uint16_t>(*pc);
  c.state = domain::parse_command_state(s.text(9)).value_or(domain::CommandState::kFailed);
  c.attempts = s.integer(10);
  c.last_error = s.text(11);
  c.next_attempt_at = from_ms(s.int64(12));
  c.created_at = from_ms(s.int64(13));
  c.updated_at = from_ms(s.int64(14));
  return c;
}

/// "bus/box/circuit" of a command's target; circuit 0 for a box (not a parsable meter id).
std::string target_key(const MeterId& t) {
  return t.bus + "/" + std::to_string(t.box) + "/" + std::to_string(t.circuit);
}

class SqliteStore final : public Store {
 public:
  SqliteStore(const std::string& path, Checkpoints checkpoints) : db_(path) {
    configure(checkpoints);
    migrate();
  }

  void register_meters(const std::vector<MeterId>& ids, const std::string& model) override {
    Transaction tx(db_);
    for (const auto& id : ids) {
      auto s = db_.prepare(
          "INSERT INTO meters (id, bus, box, circuit, model) VALUES (?1, ?2, ?3, ?4, ?5) "
          "ON CONFLICT (id) DO UPDATE SET model = excluded.model");
      s->bind(1, id.to_string()).bind(2, id.bus).bind(3, id.box).bind(4, id.circuit).bind(5, model);
      s->run();
    }
    tx.commit();
  }

  int set_billing_mode(const std::vector<MeterId>& ids, domain::BillingMode mode,
                       const std::string& operator_id, TimePoint at) override {
    Transaction tx(db_);
    std::vector<MeterId> changed;
    const std::string mode_name(domain::to_string(mode));
    for (const auto& id : ids) {
      auto s = db_.prepare("SELECT billing_mode IS ?2 FROM meters WHERE id = ?1");
      s->bind(1, id.to_string()).bind(2, mode_name);
      if (!s->step()) {
        throw StoreError("set_billing_mode: meter " + id.to_string() +
                         " is not registered; register the site's meters first");
      }
      if (s->int64(0) != 0) continue;
      auto u = db_.prepare("UPDATE meters SET billing_mode = ?2 WHERE id = ?1");
      u->bind(1, id.to_string()).bind(2, mode_name);
      u->run();
      changed.push_back(id);
    }
    if (!changed.empty()) {
      rows::write_audit(db_, operator_id, "billing_mode",
                        "mode=" + mode_name + " meters=" + rows::join_ids(changed), at);
    }
    tx.commit();
    return static_cast<int>(changed.size());
  }

  std::optional<MeterRecord> meter(const MeterId& id) const override {
    return rows::find_meter(db_, id);
  }

  domain::Result<void> open_account(const OpenAccountRequest& req) override {
    return open_account(req, TenantContact{});
  }

  domain::Result<void> open_account(const OpenAccountRequest& req,
                                    const TenantContact& contact) override {
    Transaction tx(db_);
    auto opened = rows::open_account(db_, req, contact);
    if (opened) tx.commit();
    return opened;
  }

  domain::Result<std::int64_t> sale(const SaleRequest& req) override {
    if (req.amount_fen <= 0) {
      return refused("sale amount must be positive (got " + std::to_string(req.amount_fen) +
                     " fen); enter an amount such as 100.00");
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
    std::optional<MeterId> first;
    {
      auto s = db_.prepare(
          "SELECT meter FROM account_meters WHERE account = ?1 AND detached_at IS NULL "
          "ORDER BY position LIMIT 1");
      s->bind(1, req.account);
      if (s->step()) first = parse_id(s->text(0));
    }
    if (!first) {
      return refused("account " + req.account + " has no meter to credit; attach a meter first");
    }
    rows::write_audit(db_, req.operator_id, "sale",
                      "account=" + req.account + " amount_fen=" + std::to_string(req.amount_fen),
                      req.at);
    const auto command =
        rows::write_sale(db_, req.account, *first, req.amount_fen, req.operator_id, req.at);
    tx.commit();
    return command;
  }

  domain::Result<std::int64_t> refund(const RefundRequest& req) override {
    if (req.amount_fen <= 0) {
      return refused("refund amount must be positive (got " + std::to_string(req.amount_fen) +
                     " fen); enter an amount such as 10.00");
    }
    Transaction tx(db_);
    auto acc = open_account_balance(req.account);
    if (!acc) return acc.error();
    if (auto busy = open_credit_of(req.account)) {
      return refused("account " + req.account + " has credit " + std::to_string(*busy) +
                     " not yet delivered to its meter; refund after it is confirmed or failed");
    }
    if (req.amount_fen > acc.value()) {
      return refused("refund of " + std::to_string(req.amount_fen) + " fen is more than the " +
                     std::to_string(acc.value()) + " fen left on account " + req.account);
    }
    const auto seq = rows::append_ledger(db_, req.account, domain::EntryKind::kRefund, std::nullopt,
                                         req.amount_fen, 0, 0, req.operator_id, req.at);
    rows::write_audit(db_, req.operator_id, "refund",
                      "account=" + req.account + " amount_fen=" + std::to_string(req.amount_fen) +
                          " seq=" + std::to_string(seq),
                      req.at);
    tx.commit();
    return seq;
  }

  domain::Result<std::int64_t> reversal(const ReversalRequest& req) override {
    Transaction tx(db_);
    std::string account;
    std::int64_t amount = 0;
    std::optional<std::string> meter_key;
    {
      auto s = db_.prepare(
          "SELECT account, amount_fen, meter FROM ledger WHERE seq = ?1 AND kind = 'sale'");
      s->bind(1, req.sale_seq);
      if (!s->step()) {
        return Error{ErrorKind::kNotFound, "ledger entry " + std::to_string(req.sale_seq) +
                                               " is not a sale; give the seq of the sale to "
                                               "reverse (account show lists them)"};
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
    auto acc = open_account_balance(account);
    if (!acc) return acc.error();
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
    if (undelivered) {
      auto s = db_.prepare(
          "UPDATE outbox SET state = 'superseded', last_error = ?2, updated_at = ?3 "
          "WHERE id = ?1 AND state = 'pending'");
      s->bind(1, *command).bind(2, "sale reversed by " + req.operator_id).bind(3, to_ms(req.at));
      s->run();
    }
    const auto seq =
        rows::append_ledger(db_, account, domain::EntryKind::kReversal,
                            meter_key ? std::optional<MeterId>(parse_id(*meter_key)) : std::nullopt,
                            amount, 0, 0, req.operator_id, req.at, req.sale_seq);
    rows::write_audit(db_, req.operator_id, "reversal",
                      "sale_seq=" + std::to_string(req.sale_seq) + " account=" + account +
                          " amount_fen=" + std::to_string(amount) + " seq=" + std::to_string(seq) +
                          (undelivered ? " credit_cancelled=" + std::to_string(*command) : ""),
                      req.at);
    tx.commit();
    return seq;
  }

  domain::Result<CloseAccountResult> close_account(const CloseAccountRequest& req) override {
    Transaction tx(db_);
    auto acc = open_account_balance(req.account);
    if (!acc) return acc.error();
    {
      auto s = db_.prepare(
          "SELECT o.id, o.kind, o.meter FROM outbox o JOIN account_meters am ON am.meter = o.meter "
          "WHERE am.account = ?1 AND am.detached_at IS NULL "
          "AND o.state IN ('pending', 'in_flight') ORDER BY o.id LIMIT 1");
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
    CloseAccountResult result;
    if (acc.value() > 0) {
      result.refunded_fen = acc.value();
      rows::append_ledger(db_, req.account, domain::EntryKind::kRefund, std::nullopt, acc.value(),
                          0, 0, req.operator_id, req.at);
    }
    {
      auto s = db_.prepare("UPDATE meters SET status = " + status_after_account_change_sql(false) +
                           ", billed_energy_wh = NULL, carry = 0 WHERE id IN (SELECT meter FROM "
                           "account_meters WHERE account = ?1 AND detached_at IS NULL)");
      s->bind(1, req.account);
      s->run();
    }
    {
      auto s = db_.prepare(
          "UPDATE account_meters SET detached_at = ?2 WHERE account = ?1 AND detached_at IS NULL");
      s->bind(1, req.account).bind(2, to_ms(req.at));
      s->run();
    }
    {
      auto s = db_.prepare("UPDATE accounts SET closed_at = ?2 WHERE id = ?1");
      s->bind(1, req.account).bind(2, to_ms(req.at));
      s->run();
    }
    rows::write_audit(
        db_, req.operator_id, "close_account",
        "account=" + req.account + " refunded_fen=" + std::to_string(result.refunded_fen), req.at);
    tx.commit();
    return result;
  }

  void record_readings(const std::vector<std::pair<MeterId, domain::MeterReading>>& readings,
                       TimePoint at, const BillingRules& rules) override {
    store_cycle(readings, {}, at, rules);
  }

  void record_failed_cycle(const std::vector<MeterId>& ids, TimePoint at,
                           const BillingRules& rules) override {
    store_cycle({}, ids, at, rules);
  }

  std::int64_t checkpoint() override { return db_.checkpoint(); }

  void record_cycle(const CycleBatch& cycle, TimePoint at, const BillingRules& rules) override {
    store_cycle(cycle.readings, cycle.failed, at, rules);
  }

  /// The polling path, one transaction: the batch written in bulk (sqlite_billing.cpp), then the
  /// meter-side balance check.
  void store_cycle(const billing::Readings& readings, const std::vector<MeterId>& failed,
                   TimePoint at, const BillingRules& rules) {
    Transaction tx(db_);
    const auto read = billing::write_cycle(db_, readings, failed, at, rules);
    admin_.check_balances(read, at);  // meter-side balance check (sqlite_store_admin.cpp)
    tx.commit();
  }

  domain::Result<void> add_tariff(const TariffRequest& req) override {
    return billing::add_tariff(db_, req);
  }
  domain::Result<void> assign_tariff(const TariffAssignRequest& req) override {
    return billing::assign_tariff(db_, req);
  }
  std::vector<TariffRecord> tariffs() const override { return billing::tariffs(db_); }
  std::optional<domain::TierState> tier_state(const std::string& account) const override {
    return billing::tier_state(db_, account);
  }

  domain::Result<std::int64_t> enqueue_command(const CommandRequest& req) override {
    const auto kind = domain::kind_of(req.params);
    const auto& t = req.target;
    if (kind == domain::CommandKind::kCredit) {
      return refused("a credit is written only by a sale, with its ledger entry; use sale");
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
    Transaction tx(db_);
    if (box_level) {
      auto s = db_.prepare("SELECT 1 FROM meters WHERE bus = ?1 AND box = ?2 LIMIT 1");
      s->bind(1, t.bus).bind(2, t.box);
      if (!s->step()) {
        return refused("box " + t.bus + "/" + std::to_string(t.box) +
                       " is not configured at this site; check the bus and address");
      }
    } else if (t.circuit == 0 || !meter(t)) {
      return refused("meter " + target_key(t) +
                     " is not configured at this site; check the bus, box and circuit");
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
    const auto id = rows::insert_command(db_, t, kind, 0, payload, std::nullopt, req.at);
    rows::write_audit(db_, req.operator_id, "command",
                      "id=" + std::to_string(id) + " target=" + target_key(t) +
                          " kind=" + std::string(domain::to_string(kind)) + " " + payload,
                      req.at);
    tx.commit();
    return id;
  }

  std::vector<CommandRecord> next_commands(const std::string& bus, TimePoint now,
                                           std::size_t limit) const override {
    auto open = open_commands(bus);
    std::vector<CommandRecord> out;
    for (auto i : domain::sendable_heads(queued(open), now, limit))
      out.push_back(std::move(open[i]));
    return out;
  }

  std::optional<CommandRecord> command(std::int64_t id) const override {
    auto s = db_.prepare(std::string("SELECT ") + kCommandColumns + " FROM outbox WHERE id = ?1");
    s->bind(1, id);
    if (!s->step()) return std::nullopt;
    return command_from_row(*s);
  }

  std::vector<CommandRecord> open_commands(const std::string& bus) const override {
    auto s = db_.prepare(std::string("SELECT ") + kCommandColumns +
                         " FROM outbox WHERE bus = ?1 AND state IN ('pending', 'in_flight') "
                         "ORDER BY id");
    s->bind(1, bus);
    std::vector<CommandRecord> out;
    while (s->step())
      out.push_back(command_from_row(*s));
    return out;
  }

  std::vector<CommandRecord> meter_commands(const MeterId& id, int limit) const override {
    auto s = db_.prepare(std::string("SELECT ") + kCommandColumns +
                         " FROM outbox WHERE meter = ?1 ORDER BY id DESC LIMIT ?2");
    s->bind(1, id.to_string()).bind(2, limit);
    std::vector<CommandRecord> out;
    while (s->step())
      out.push_back(command_from_row(*s));
    return out;
  }

  bool try_begin_attempt(std::int64_t command, std::optional<std::uint16_t> assign_count,
                         TimePoint at) override {
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

  void begin_attempt(std::int64_t command, std::optional<std::uint16_t> assign_count,
                     TimePoint at) override {
    if (!try_begin_attempt(command, assign_count, at)) {
      throw StoreError("outbox command " + std::to_string(command) +
                       " is not open; it was confirmed, failed, superseded or removed meanwhile");
    }
  }

  void defer_command(std::int64_t command, const std::string& error, TimePoint next_attempt_at,
                     TimePoint at) override {
    Transaction tx(db_);
    auto s = db_.prepare(
        "UPDATE outbox SET last_error = ?2, next_attempt_at = ?3, updated_at = ?4 WHERE id = ?1");
    s->bind(1, command).bind(2, error).bind(3, to_ms(next_attempt_at)).bind(4, to_ms(at));
    s->run();
    tx.commit();
  }

  void confirm_command(std::int64_t command, const Readback& rb, TimePoint at,
                       const BillingRules& rules) override {
    Transaction tx(db_);
    std::optional<std::string> meter_key;
    bool found = false;
    {
      auto s = db_.prepare(
          "UPDATE outbox SET state = 'confirmed', last_error = '', updated_at = ?2 "
          "WHERE id = ?1 AND state IN ('pending', 'in_flight') RETURNING meter");
      s->bind(1, command).bind(2, to_ms(at));
      if (s->step()) {
        found = true;
        meter_key = s->opt_text(0);
      }
    }
    if (!found) {
      throw StoreError("outbox command " + std::to_string(command) +
                       " is not open; cannot confirm");
    }
    if (!meter_key) {  // a box-level command: nothing of a circuit to mirror
      tx.commit();
      return;
    }
    if (auto m = meter(parse_id(*meter_key)); m && m->read_at) {
      auto last = m->last;
      last.balance_fen = rb.balance_fen;
      last.relay_closed = rb.relay_closed;
      last.purchase_count = rb.purchase_count;
      last.status_bits = rb.status_bits;
      last.alarm1 = rb.alarm1;
      last.alarm2 = rb.alarm2;
      last.arrears = rb.arrears;
      const auto status = domain::derive_status(
          {m->account.has_value(), m->failed_cycles, rules.offline_after, last});
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

  void fail_command(std::int64_t command, const std::string& reason, TimePoint at) override {
    Transaction tx(db_);
    std::optional<std::string> meter_key;
    bool found = false;
    std::string target;
    {
      auto s = db_.prepare(
          "UPDATE outbox SET state = 'failed', last_error = ?2, updated_at = ?3 "
          "WHERE id = ?1 AND state IN ('pending', 'in_flight') "
          "RETURNING meter, bus || '/' || box || '/' || circuit");
      s->bind(1, command).bind(2, reason).bind(3, to_ms(at));
      if (s->step()) {
        found = true;
        meter_key = s->opt_text(0);
        target = s->text(1);
      }
    }
    if (found) {
      rows::write_event(db_,
                        meter_key ? std::optional<MeterId>(parse_id(*meter_key)) : std::nullopt,
                        "command_failed",
                        "command " + std::to_string(command) + " to " + target + ": " + reason, at);
    }
    tx.commit();
  }

  CommandCounts command_counts(const std::string& bus) const override {
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

  std::optional<TimePoint> next_command_due(const std::string& bus) const override {
    // Only the head of each target's queue can be sent; the others wait behind it.
    const auto open = open_commands(bus);
    std::optional<TimePoint> due;
    for (auto i : domain::sendable_heads(queued(open), TimePoint::max(), open.size())) {
      due = due ? std::min(*due, open[i].next_attempt_at) : open[i].next_attempt_at;
    }
    return due;
  }

  std::optional<std::int64_t> account_balance_fen(const std::string& account) const override {
    auto s = db_.prepare("SELECT balance_fen FROM accounts WHERE id = ?1");
    s->bind(1, account);
    if (!s->step()) return std::nullopt;
    return s->int64(0);
  }

  std::vector<LedgerRecord> ledger(const std::optional<std::string>& account) const override {
    auto s = db_.prepare(
        "SELECT seq, account, kind, meter, amount_fen, energy_wh, carry, balance_after_fen, "
        "operator, at, ref_seq FROM ledger WHERE ?1 IS NULL OR account = ?1 ORDER BY seq");
    if (account) {
      s->bind(1, *account);
    } else {
      s->bind_null(1);
    }
    std::vector<LedgerRecord> out;
    while (s->step()) {
      LedgerRecord e;
      e.seq = s->int64(0);
      e.account = s->text(1);
      e.kind = domain::parse_entry_kind(s->text(2)).value_or(domain::EntryKind::kSale);
      if (auto m = s->opt_text(3)) e.meter = parse_id(*m);
      e.amount_fen = s->int64(4);
      e.energy_wh = s->int64(5);
      e.carry = s->int64(6);
      e.balance_after_fen = s->int64(7);
      e.operator_id = s->text(8);
      e.at = from_ms(s->int64(9));
      e.ref_seq = s->opt_int64(10);
      out.push_back(std::move(e));
    }
    return out;
  }

  std::vector<std::string> verify_ledger() const override {
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
    for (auto& p : admin_.verify_transfers())
      problems.push_back(std::move(p));
    // Links between the journal and the outbox: written together, so one without the other means
    // a half-applied operation or a hand edit.
    auto s = db_.prepare(
        "SELECT 'sale ' || l.seq || ' (account ' || l.account || ') has no credit command' "
        "FROM ledger l WHERE l.kind = 'sale' AND NOT EXISTS "
        "(SELECT 1 FROM outbox o WHERE o.ledger_seq = l.seq AND o.kind = 'credit') "
        "UNION ALL SELECT 'credit command ' || o.id || ' has no sale entry' FROM outbox o "
        "WHERE o.kind = 'credit' AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.seq = "
        "o.ledger_seq AND l.kind IN ('sale', 'transfer_in') AND l.amount_fen = o.amount_fen) "
        "UNION ALL SELECT 'reversal ' || r.seq || ' does not match a sale of its account and "
        "amount' FROM ledger r WHERE r.kind = 'reversal' AND NOT EXISTS (SELECT 1 FROM ledger l "
        "WHERE l.seq = r.ref_seq AND l.kind = 'sale' AND l.account = r.account AND "
        "l.amount_fen = r.amount_fen AND l.seq < r.seq)");
    while (s->step())
      problems.push_back(s->text(0) + "; restore the database from a backup");
    return problems;
  }

  // ---- site model and meter administration: sqlite_store_admin.cpp ----
  domain::Result<ImportSummary> import_site(const domain::SiteModel& model,
                                            const std::string& operator_id, TimePoint at) override {
    return admin_.import_site(model, operator_id, at);
  }
  domain::SiteSettings site_settings() const override { return admin_.site_settings(); }
  domain::Result<ReplaceMeterResult> replace_meter(const ReplaceMeterRequest& req) override {
    return admin_.replace_meter(req);
  }
  domain::Result<MoveMeterResult> move_meter(const MoveMeterRequest& req) override {
    return admin_.move_meter(req);
  }
  std::optional<AccountRecord> account(const std::string& id) const override {
    return admin_.account(id);
  }
  std::optional<MeterPlacement> meter_placement(const MeterId& id) const override {
    return admin_.meter_placement(id);
  }

  std::vector<EventRecord> events(const std::optional<MeterId>& meter_id) const override {
    auto s = db_.prepare(
        "SELECT id, meter, kind, details, at FROM events WHERE ?1 IS NULL OR meter = ?1 "
        "ORDER BY id");
    if (meter_id) {
      s->bind(1, meter_id->to_string());
    } else {
      s->bind_null(1);
    }
    std::vector<EventRecord> out;
    while (s->step()) {
      EventRecord e;
      e.id = s->int64(0);
      if (auto m = s->opt_text(1)) e.meter = parse_id(*m);
      e.kind = s->text(2);
      e.details = s->text(3);
      e.at = from_ms(s->int64(4));
      out.push_back(std::move(e));
    }
    return out;
  }

  void add_event(const std::optional<MeterId>& meter_id, const std::string& kind,
                 const std::string& details, TimePoint at) override {
    rows::write_event(db_, meter_id, kind, details, at);
  }

  std::optional<std::string> meter_serial(const MeterId& id) const override {
    auto s = db_.prepare("SELECT serial FROM meters WHERE id = ?1");
    s->bind(1, id.to_string());
    if (!s->step()) return std::nullopt;
    return s->opt_text(0);
  }

  std::vector<MeterId> record_serials(const std::vector<std::pair<MeterId, std::string>>& serials,
                                      TimePoint at) override {
    Transaction tx(db_);
    std::vector<MeterId> replaced;
    for (const auto& [id, serial] : serials) {
      const auto old = meter_serial(id);
      if (old && *old == serial) continue;
      if (old) {
        replaced.push_back(id);
        rows::write_event(
            db_, id, "meter_replaced",
            "serial changed from " + *old + " to " + serial +
                "; billing re-based on the new meter's first reading (its counters are not "
                "charged); check the balance on the new meter",
            at);
      }
      auto s =
          db_.prepare(old ? "UPDATE meters SET serial = ?2, billed_energy_wh = NULL WHERE id = ?1"
                          : "UPDATE meters SET serial = ?2 WHERE id = ?1");
      s->bind(1, id.to_string()).bind(2, serial);
      s->run();
    }
    tx.commit();
    return replaced;
  }

  std::int64_t request_read(const std::string& target, const std::string& operator_id,
                            TimePoint at) override {
    Transaction tx(db_);
    auto s = db_.prepare(
        "INSERT INTO read_requests (target, bus, state, created_at, updated_at) "
        "VALUES (?1, ?2, 'pending', ?3, ?3) RETURNING id");
    s->bind(1, target).bind(2, target.substr(0, target.find('/'))).bind(3, to_ms(at));
    if (!s->step()) throw StoreError("database " + db_.path() + ": read request not stored");
    const auto id = s->int64(0);
    s->reset();  // finish the INSERT ... RETURNING before the audit row
    rows::write_audit(db_, operator_id, "read_now",
                      "id=" + std::to_string(id) + " target=" + target, at);
    tx.commit();
    return id;
  }

  std::vector<ReadRequest> pending_read_requests(const std::string& bus) const override {
    auto s = db_.prepare(
        "SELECT id, target, bus, state, result, created_at, updated_at FROM read_requests "
        "WHERE bus = ?1 AND state = 'pending' ORDER BY id");
    s->bind(1, bus);
    std::vector<ReadRequest> out;
    while (s->step())
      out.push_back(read_request_row(*s));
    return out;
  }

  void finish_read_request(std::int64_t id, bool ok, const std::string& result,
                           TimePoint at) override {
    auto s = db_.prepare(
        "UPDATE read_requests SET state = ?2, result = ?3, updated_at = ?4 WHERE id = ?1");
    s->bind(1, id).bind(2, std::string(ok ? "done" : "failed")).bind(3, result);
    s->bind(4, to_ms(at));
    s->run();
  }

  std::optional<ReadRequest> read_request(std::int64_t id) const override {
    auto s = db_.prepare(
        "SELECT id, target, bus, state, result, created_at, updated_at FROM read_requests "
        "WHERE id = ?1");
    s->bind(1, id);
    if (!s->step()) return std::nullopt;
    return read_request_row(*s);
  }

 private:
  template <typename Stmt>
  static ReadRequest read_request_row(const Stmt& s) {
    ReadRequest r;
    r.id = s.int64(0);
    r.target = s.text(1);
    r.bus = s.text(2);
    r.state = s.text(3);
    r.result = s.text(4);
    r.created_at = from_ms(s.int64(5));
    r.updated_at = from_ms(s.int64(6));
    return r;
  }

  void configure(Checkpoints checkpoints) {
    // WAL lets prepaidctl write while prepaidd reads; FULL makes a committed sale survive power
    // loss; the busy timeout (set at open, sqlite::kBusyTimeoutMs) lets the two processes take
    // turns instead of failing.
    if (db_.pragma_text("journal_mode = WAL") != "wal") {
      throw StoreError("database " + db_.path() +
                       ": cannot switch to WAL journal mode; put the file on a local disk");
    }
    db_.exec("PRAGMA synchronous = FULL");
    db_.exec("PRAGMA foreign_keys = ON");
    // A poll cycle of 10,000 meters touches far more pages than the 2 MB default cache holds.
    db_.exec("PRAGMA cache_size = -65536");
    // A poll cycle of 10,000 meters writes ~1,000 pages: at SQLite's default every such commit
    // would also copy the log into the file and fsync it.
    if (checkpoints == Checkpoints::kByCaller) db_.exec("PRAGMA wal_autocheckpoint = 16384");
  }

  void migrate() {
    const auto& all = schema::migrations();
    const auto latest = static_cast<std::int64_t>(all.size());
    const auto check = [&](std::int64_t current) {
      if (current > latest) {
        throw StoreError("database " + db_.path() + " has schema version " +
                         std::to_string(current) + " but this build knows only up to " +
                         std::to_string(latest) + "; use a newer prepaid-hil build");
      }
    };
    auto current = db_.pragma_int("user_version");
    check(current);
    if (current == latest) return;  // the usual open: no write lock taken
    // The version is read again under the write lock: two processes opening an old or new file
    // at once would otherwise both run the same migration, and the second fail half-way.
    Transaction tx(db_);
    current = db_.pragma_int("user_version");
    check(current);
    for (auto v = static_cast<std::size_t>(current); v < all.size(); ++v) {
      db_.exec(std::string(all[v]));
      db_.exec("PRAGMA user_version = " + std::to_string(v + 1));
    }
    tx.commit();
  }

  /// The ledger balance of an open account; kNotFound or refused (closed) otherwise.
  domain::Result<std::int64_t> open_account_balance(const std::string& account) {
    auto s = db_.prepare("SELECT closed_at, balance_fen FROM accounts WHERE id = ?1");
    s->bind(1, account);
    if (!s->step()) {
      return Error{ErrorKind::kNotFound,
                   "account " + account + " does not exist; check the id or open it first"};
    }
    if (!s->is_null(0)) return refused("account " + account + " is closed");
    return s->int64(1);
  }

  /// The id of a credit of the account still open in the outbox, if any.
  std::optional<std::int64_t> open_credit_of(const std::string& account) {
    auto s = db_.prepare(
        "SELECT o.id FROM outbox o JOIN ledger l ON l.seq = o.ledger_seq WHERE l.account = ?1 "
        "AND o.kind = 'credit' AND o.state IN ('pending', 'in_flight') ORDER BY o.id LIMIT 1");
    s->bind(1, account);
    if (s->step()) return s->int64(0);
    return std::nullopt;
  }

  static std::vector<domain::QueuedCommand> queued(const std::vector<CommandRecord>& open) {
    std::vector<domain::QueuedCommand> q;
    q.reserve(open.size());
    for (const auto& c : open)
      q.push_back({c.id, target_key(c.meter), c.kind, c.next_attempt_at});
    return q;
  }

  mutable Db db_;
  mutable admin::Admin admin_{db_};
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::string& path, Checkpoints checkpoints) {
  return std::make_unique<SqliteStore>(path, checkpoints);
}

StoreFactory sqlite_store_factory(std::string path) {
  return [path = std::move(path)](Checkpoints checkpoints) {
    return open_sqlite_store(path, checkpoints);
  };
}

int sqlite_schema_version() {
  return static_cast<int>(schema::migrations().size());
}

std::optional<int> sqlite_file_schema_version(const std::string& path) {
  sqlite3* db = nullptr;
  std::optional<int> version;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
      version = sqlite3_column_int(s, 0);
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return version;
}

}  // namespace phil::store
