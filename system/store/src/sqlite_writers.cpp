// The rows every part of the SQLite store writes the same way (see sqlite_writers.hpp).
#include "sqlite_writers.hpp"

#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include <phil/domain/supervision.hpp>
#include <phil/store/common.hpp>

#include "audit_chain.hpp"
#include "status_sql.hpp"

namespace phil::store::rows {

using domain::Error;
using domain::ErrorKind;
using domain::MeterId;
using sqlite::Db;
using sqlite::Stmt;

using sqlite::from_ms;
using sqlite::to_ms;

namespace {

constexpr const char* kMeterColumns =
    "m.bus, m.box, m.circuit, m.model, m.read_at, m.energy_wh, m.power_w, m.balance_fen, "
    "m.relay, m.mode, m.status_bits, m.alarm1, m.alarm2, m.arrears, m.purchase_count, "
    "m.purchase_amount_fen, m.purchase_total_fen, m.status, m.failed_cycles, "
    "m.billed_energy_wh, m.carry, "
    "(SELECT am.account FROM account_meters am JOIN accounts a ON a.id = am.account "
    " WHERE am.meter = m.id AND am.detached_at IS NULL AND a.closed_at IS NULL), "
    "COALESCE(m.billing_mode, (SELECT billing_mode FROM site WHERE id = 1), 'meter-side'), "
    "m.state_at, m.metering_only";

MeterRecord meter_from_row(const Stmt& s) {
  MeterRecord m;
  m.id = MeterId{s.text(0), s.integer(1), s.integer(2)};
  m.model = s.text(3);
  if (auto at = s.opt_int64(4)) {
    m.read_at = from_ms(*at);
    auto& r = m.last;
    r.energy_wh = s.int64(5);
    r.power_w = s.int64(6);
    r.balance_fen = s.int64(7);
    r.relay_closed = s.int64(8) != 0;
    r.mode = domain::parse_meter_mode(s.text(9)).value_or(domain::MeterMode::kUnknown);
    r.status_bits = static_cast<std::uint16_t>(s.int64(10));
    r.alarm1 = s.int64(11) != 0;
    r.alarm2 = s.int64(12) != 0;
    r.arrears = s.int64(13) != 0;
    r.purchase_count = static_cast<std::uint16_t>(s.int64(14));
    r.purchase_amount_fen = s.int64(15);
    r.purchase_total_fen = s.int64(16);
  }
  m.status = domain::parse_meter_status(s.text(17)).value_or(domain::MeterStatus::kNotOpened);
  m.failed_cycles = s.integer(18);
  m.billed_energy_wh = s.opt_int64(19);
  m.carry = s.int64(20);
  m.account = s.opt_text(21);
  m.billing_mode = domain::parse_billing_mode(s.text(22)).value_or(domain::BillingMode::kMeterSide);
  if (auto at = s.opt_int64(23)) m.state_at = from_ms(*at);
  m.metering_only = s.int64(24) != 0;
  return m;
}

/// Refuses a malformed phone or a room not in the site model.
domain::Result<void> check_contact(Db& db, const TenantContact& contact) {
  if (auto p = domain::check_phone(contact.phone)) return refused(*p);
  if (contact.room) {
    auto s = db.prepare("SELECT 1 FROM rooms WHERE id = ?1");
    s->bind(1, *contact.room);
    if (!s->step()) {
      return refused("room " + *contact.room +
                     " is not in the site model; check the room or import the site first");
    }
  }
  return {};
}

void write_contact(Db& db, const std::string& account, const TenantContact& contact) {
  auto s = db.prepare("UPDATE accounts SET phone = ?2, room = ?3 WHERE id = ?1");
  s->bind(1, account).bind(2, contact.phone);
  bind_opt(*s, 3, contact.room);
  s->run();
}

}  // namespace

const char* const kCommandColumns =
    "id, bus, box, circuit, kind, priority, amount_fen, payload, purchase_count, state, attempts, "
    "last_error, next_attempt_at, created_at, updated_at, ledger_seq, tries, operator";

CommandRecord command_from_row(const Stmt& s, int first) {
  const auto col = [first](int i) { return first + i; };
  CommandRecord c;
  c.id = s.int64(col(0));
  c.meter = MeterId{s.text(col(1)), s.integer(col(2)), s.integer(col(3))};
  const auto kind = s.text(col(4));
  const auto k = domain::parse_command_kind(kind);
  if (!k) throw StoreError("outbox command " + std::to_string(c.id) + " has unknown kind " + kind);
  c.kind = *k;
  c.priority = s.integer(col(5));
  c.amount_fen = s.int64(col(6));
  c.payload = s.text(col(7));
  auto params = domain::decode_payload(c.kind, c.payload);
  if (!params) {
    throw StoreError("outbox command " + std::to_string(c.id) + ": " + params.error().message +
                     "; the database was changed by hand, restore it from a backup");
  }
  c.params = std::move(params.value());
  if (auto pc = s.opt_int64(col(8))) c.purchase_count = static_cast<std::uint16_t>(*pc);
  c.state = domain::parse_command_state(s.text(col(9))).value_or(domain::CommandState::kFailed);
  c.attempts = s.integer(col(10));
  c.last_error = s.text(col(11));
  c.next_attempt_at = from_ms(s.int64(col(12)));
  c.created_at = from_ms(s.int64(col(13)));
  c.updated_at = from_ms(s.int64(col(14)));
  c.ledger_seq = s.opt_int64(col(15));
  c.tries = s.integer(col(16));
  c.operator_id = s.opt_text(col(17));
  return c;
}

Error refused(std::string message) {
  return Error{ErrorKind::kRefused, std::move(message)};
}

Error not_found(std::string message) {
  return Error{ErrorKind::kNotFound, std::move(message)};
}

MeterId parse_id(const std::string& s) {
  auto id = MeterId::parse(s);
  if (!id) throw StoreError("database holds a malformed meter id \"" + s + "\"");
  return *id;
}

std::string join_ids(const std::vector<MeterId>& ids) {
  std::string out;
  for (const auto& id : ids) {
    if (!out.empty()) out += ",";
    out += id.to_string();
  }
  return out;
}

void bind_opt(Stmt& s, int i, const std::optional<std::string>& v) {
  if (v) {
    s.bind(i, *v);
  } else {
    s.bind_null(i);
  }
}

void bind_opt(Stmt& s, int i, const std::optional<int>& v) {
  if (v) {
    s.bind(i, *v);
  } else {
    s.bind_null(i);
  }
}

std::optional<MeterRecord> find_meter(Db& db, const MeterId& id) {
  auto s = db.prepare(std::string("SELECT ") + kMeterColumns + " FROM meters m WHERE m.id = ?1");
  s->bind(1, id.to_string());
  if (!s->step()) return std::nullopt;
  return meter_from_row(*s);
}

std::string json_details(const nlohmann::json& details) {
  // `{}` in an Audit's braces makes a JSON null; a row's details are always an object.
  if (details.is_null()) return "{}";
  return details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::int64_t write_audit(Db& db, const Audit& row, TimePoint at) {
  return audit::insert_row(db, row.operator_id, row.action, row.target, row.outcome,
                           json_details(row.details), to_ms(at));
}

AuditDraft::AuditDraft(Db& db, Audit row, TimePoint at) : db_(db), row_(std::move(row)), at_(at) {}

std::int64_t AuditDraft::id() {
  if (!id_) id_ = write_audit(db_, row_, at_);
  return *id_;
}

void AuditDraft::finish() {
  if (!id_) {
    id();
    return;
  }
  auto s = db_.prepare("UPDATE audit SET details = ?2, outcome = ?3 WHERE id = ?1");
  s->bind(1, *id_).bind(2, json_details(row_.details)).bind(3, row_.outcome);
  s->run();
}

void write_event(Db& db, const std::optional<MeterId>& id, const std::string& kind,
                 const std::string& details, TimePoint at) {
  auto s = db.prepare("INSERT INTO events (meter, kind, details, at) VALUES (?1, ?2, ?3, ?4)");
  if (id) {
    s->bind(1, id->to_string());
  } else {
    s->bind_null(1);
  }
  s->bind(2, kind).bind(3, details).bind(4, to_ms(at));
  s->run();
}

std::int64_t append_ledger(Db& db, std::int64_t audit_id, const std::string& account,
                           domain::EntryKind kind, const std::optional<MeterId>& meter_id,
                           std::int64_t amount_fen, std::int64_t energy_wh, std::int64_t carry,
                           const std::string& op, TimePoint at,
                           std::optional<std::int64_t> ref_seq) {
  std::int64_t balance = 0;
  {
    auto s = db.prepare(
        "UPDATE accounts SET balance_fen = balance_fen + ?2 WHERE id = ?1 RETURNING balance_fen");
    s->bind(1, account).bind(2, domain::balance_sign(kind) * amount_fen);
    if (!s->step()) throw StoreError("ledger entry for unknown account " + account);
    balance = s->int64(0);
  }
  auto s = db.prepare(
      "INSERT INTO ledger (seq, account, kind, meter, amount_fen, energy_wh, carry, "
      "balance_after_fen, operator, at, ref_seq, audit_id) "
      "VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM ledger), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
      "?9, ?10, ?11) RETURNING seq");
  s->bind(11, audit_id);
  s->bind(1, account).bind(2, domain::to_string(kind));
  if (meter_id) {
    s->bind(3, meter_id->to_string());
  } else {
    s->bind_null(3);
  }
  s->bind(10, ref_seq);
  s->bind(4, amount_fen).bind(5, energy_wh).bind(6, carry).bind(7, balance).bind(8, op);
  s->bind(9, to_ms(at));
  if (!s->step()) throw StoreError("ledger insert returned no sequence number");
  return s->int64(0);
}

std::int64_t insert_command(Db& db, const MeterId& t, domain::CommandKind kind,
                            std::int64_t amount_fen, const std::string& payload,
                            std::optional<std::int64_t> ledger_seq, TimePoint at,
                            const std::optional<DebitOrigin>& origin,
                            const std::optional<std::string>& operator_id) {
  auto s = db.prepare(
      "INSERT INTO outbox (meter, bus, box, circuit, kind, priority, amount_fen, payload, "
      "ledger_seq, state, next_attempt_at, created_at, updated_at, account, operator, ref_seq) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'pending', ?10, ?10, ?10, ?11, ?12, ?13) "
      "RETURNING id");
  if (origin) {
    s->bind(11, origin->account).bind(12, origin->operator_id).bind(13, origin->ref_seq);
  } else {
    s->bind_null(11);
    bind_opt(*s, 12, operator_id);
    s->bind_null(13);
  }
  if (t.circuit == 0) {
    s->bind_null(1);
  } else {
    s->bind(1, t.to_string());
  }
  s->bind(2, t.bus).bind(3, t.box).bind(4, t.circuit).bind(5, domain::to_string(kind));
  s->bind(6, domain::priority(kind)).bind(7, amount_fen).bind(8, payload).bind(9, ledger_seq);
  s->bind(10, to_ms(at));
  if (!s->step()) throw StoreError("outbox insert returned no id");
  return s->int64(0);
}

std::int64_t queue_credit(Db& db, const MeterId& meter, std::int64_t amount_fen,
                          std::int64_t ledger_seq, TimePoint at) {
  return insert_command(db, meter, domain::CommandKind::kCredit, amount_fen,
                        domain::encode_payload(domain::CreditPayload{amount_fen}), ledger_seq, at);
}

std::int64_t queue_debit(Db& db, const MeterId& meter, const std::string& account,
                         const domain::DebitPayload& debit, const std::string& op, TimePoint at) {
  return insert_command(db, meter, domain::CommandKind::kDebit, debit.amount_fen,
                        domain::encode_payload(debit), std::nullopt, at,
                        DebitOrigin{account, op, debit.ref_seq});
}

domain::Result<std::int64_t> open_account_balance(Db& db, const std::string& account) {
  std::int64_t balance = 0;
  {
    auto s = db.prepare("SELECT closed_at, balance_fen FROM accounts WHERE id = ?1");
    s->bind(1, account);
    if (!s->step()) {
      return not_found("account " + account + " does not exist; check the id or open it first");
    }
    if (!s->is_null(0)) return refused("account " + account + " is closed");
    balance = s->int64(1);
  }
  auto s = db.prepare("SELECT 1 FROM closings WHERE account = ?1 AND finished_at IS NULL");
  s->bind(1, account);
  if (s->step()) {
    return refused("account " + account +
                   " is being closed; its money moves only by the closing (account show lists "
                   "its steps)");
  }
  return balance;
}

std::optional<std::int64_t> open_debit_of(Db& db, const std::string& account) {
  auto s = db.prepare(
      "SELECT id FROM outbox WHERE account = ?1 AND kind = 'debit' "
      "AND state IN ('pending', 'in_flight') ORDER BY id LIMIT 1");
  s->bind(1, account);
  if (s->step()) return s->int64(0);
  return std::nullopt;
}

std::optional<MeterId> money_meter(Db& db, const std::string& account) {
  auto s = db.prepare(
      "SELECT am.meter, COALESCE(m.billing_mode, st.billing_mode) = 'meter-side' "
      "FROM account_meters am JOIN meters m ON m.id = am.meter JOIN site st ON st.id = 1 "
      "WHERE am.account = ?1 AND am.detached_at IS NULL ORDER BY am.position LIMIT 1");
  s->bind(1, account);
  if (!s->step() || s->int64(1) == 0) return std::nullopt;
  return parse_id(s->text(0));
}

std::optional<std::int64_t> book_debit(Db& db, std::int64_t command, TimePoint at) {
  std::string account;
  std::string op;
  std::string meter;
  std::int64_t amount = 0;
  std::optional<std::int64_t> ref_seq;
  std::string payload;
  {
    auto s = db.prepare(
        "SELECT account, operator, meter, amount_fen, ref_seq, payload FROM outbox "
        "WHERE id = ?1 AND kind = 'debit'");
    s->bind(1, command);
    if (!s->step()) return std::nullopt;
    account = s->text(0);
    op = s->text(1);
    meter = s->text(2);
    amount = s->int64(3);
    ref_seq = s->opt_int64(4);
    payload = s->text(5);
  }
  if (const auto decoded = domain::decode_payload(domain::CommandKind::kDebit, payload);
      decoded &&
      std::get<domain::DebitPayload>(decoded.value()).purpose == domain::DebitPurpose::kConvert) {
    // The ledger took this money when the account became host-side (conversion.hpp).
    write_event(db, parse_id(meter), "debit_confirmed",
                "debit " + std::to_string(command) + " (" + payload + ") of account " + account +
                    " taken off the meter's register; no entry: the ledger already holds it",
                at);
    return std::nullopt;
  }
  const auto kind = ref_seq ? domain::EntryKind::kReversal : domain::EntryKind::kRefund;
  // The operator's action was logged when the debit was queued; its booking, now, is the
  // system's, naming who asked.
  nlohmann::json details{{"command", command},
                         {"meter", meter},
                         {"amount_fen", amount},
                         {"kind", domain::to_string(kind)},
                         {"asked_by", op}};
  if (ref_seq) details["sale_seq"] = *ref_seq;
  const auto audit_id = write_audit(
      db, {std::string(kSystemOperator), "debit_confirmed", account, std::move(details)}, at);
  const auto seq =
      append_ledger(db, audit_id, account, kind, parse_id(meter), amount, 0, 0, op, at, ref_seq);
  {
    auto s = db.prepare("UPDATE outbox SET ledger_seq = ?2 WHERE id = ?1");
    s->bind(1, command).bind(2, seq);
    s->run();
  }
  write_event(db, parse_id(meter), "debit_confirmed",
              "debit " + std::to_string(command) + " (" + payload + ") of account " + account +
                  " taken off the meter; ledger entry " + std::to_string(seq) +
                  ": the cash may be paid out",
              at);
  return seq;
}

namespace {

/// The kinds of a meter's host-billing events, oldest first (domain::tripped_by_host).
bool tripped_by_host(Db& db, const MeterId& id) {
  auto s = db.prepare(
      "SELECT kind FROM events WHERE meter = ?1 AND kind IN ('host_trip', 'host_close', "
      "'host_hold') ORDER BY id");
  s->bind(1, id.to_string());
  std::vector<std::string> kinds;
  while (s->step())
    kinds.push_back(s->text(0));
  const std::vector<std::string_view> views(kinds.begin(), kinds.end());
  return domain::tripped_by_host(views);
}

bool mode_command_open(Db& db, const MeterId& id) {
  auto s = db.prepare(
      "SELECT 1 FROM outbox WHERE meter = ?1 AND kind = 'mode' AND state IN ('pending', "
      "'in_flight') LIMIT 1");
  s->bind(1, id.to_string());
  return s->step();
}

/// A sale to a host-side account whose balance is now above 0: each of its meters the system
/// tripped is closed again (keep_power), with a host_close event, as host-side billing would at
/// its next reading; now, so that all of them close together on the sale. Who tripped it is
/// asked of the events, not of the stored mode, which may predate the trip's delivery.
void close_host_meters(Db& db, const std::string& account, std::int64_t balance_fen, TimePoint at) {
  std::vector<MeterId> meters;
  {
    auto s = db.prepare(
        "SELECT meter FROM account_meters WHERE account = ?1 AND detached_at IS NULL "
        "ORDER BY position");
    s->bind(1, account);
    while (s->step())
      meters.push_back(parse_id(s->text(0)));
  }
  for (const auto& id : meters) {
    const auto m = find_meter(db, id);
    if (!m || m->billing_mode != domain::BillingMode::kHostSide) continue;
    const auto action = domain::decide_host_relay(
        balance_fen, domain::MeterMode::kForcedOff, [&] { return tripped_by_host(db, id); },
        [] { return true; });
    if (action != domain::HostRelayAction::kClose || mode_command_open(db, id)) continue;
    const domain::CommandPayload params{domain::ModePayload{domain::relay_command(*action)}};
    const auto command =
        insert_command(db, id, domain::CommandKind::kMode, 0, domain::encode_payload(params),
                       std::nullopt, at, std::nullopt, std::string(kSystemOperator));
    write_event(db, id, std::string(domain::to_string(*action)),
                "account " + account + " balance " + std::to_string(balance_fen) +
                    " fen after a sale; command " + std::to_string(command) + " queued",
                at);
  }
}

}  // namespace

std::optional<std::int64_t> write_sale(Db& db, std::int64_t audit_id, const std::string& account,
                                       std::int64_t amount_fen, const std::string& op,
                                       TimePoint at) {
  if (const auto meter = money_meter(db, account)) {
    const auto seq = append_ledger(db, audit_id, account, domain::EntryKind::kSale, meter,
                                   amount_fen, 0, 0, op, at);
    return queue_credit(db, *meter, amount_fen, seq, at);
  }
  // Host-side: the ledger holds the money; no meter is credited.
  append_ledger(db, audit_id, account, domain::EntryKind::kSale, std::nullopt, amount_fen, 0, 0, op,
                at);
  auto s = db.prepare("SELECT balance_fen FROM accounts WHERE id = ?1");
  s->bind(1, account);
  if (s->step() && s->int64(0) > 0) close_host_meters(db, account, s->int64(0), at);
  return std::nullopt;
}

/// An account of several meters is billed host-side (issue 12.3): the ledger holds its money
/// and the system trips and closes all its meters together. Its meter-side meters are switched
/// to host-side as it opens (nothing to move: a new account's money is its first sale, to come).
std::optional<domain::StepCommand> step_command(Db& db, std::optional<std::int64_t> id) {
  if (!id) return std::nullopt;
  auto s = db.prepare("SELECT state, last_error FROM outbox WHERE id = ?1");
  s->bind(1, *id);
  if (!s->step()) return std::nullopt;
  return domain::StepCommand{
      *id, domain::parse_command_state(s->text(0)).value_or(domain::CommandState::kFailed),
      s->text(1)};
}

std::string make_host_side(Db& db, const std::vector<MeterId>& meters) {
  std::vector<MeterId> switched;
  for (const auto& id : meters) {
    const auto m = find_meter(db, id);
    if (!m || m->billing_mode == domain::BillingMode::kHostSide) continue;
    auto u = db.prepare("UPDATE meters SET billing_mode = 'host-side' WHERE id = ?1");
    u->bind(1, id.to_string());
    u->run();
    switched.push_back(id);
  }
  return join_ids(switched);
}

domain::Result<void> open_account(Db& db, const OpenAccountRequest& req,
                                  const TenantContact& contact) {
  if (req.account.empty()) return refused("account id is empty; give an id such as A401");
  if (req.meters.empty()) {
    return refused("account " + req.account + " has no meter; give at least one meter");
  }
  if (req.first_sale_fen < 0) {
    return refused("first sale must not be negative (got " + std::to_string(req.first_sale_fen) +
                   " fen)");
  }
  {
    auto s = db.prepare("SELECT 1 FROM accounts WHERE id = ?1");
    s->bind(1, req.account);
    if (s->step()) {
      return refused("account " + req.account + " already exists; choose another id");
    }
  }
  if (auto bad = check_contact(db, contact); !bad) return bad.error();
  std::set<MeterId> seen;
  for (const auto& id : req.meters) {
    if (!seen.insert(id).second) {
      return refused("meter " + id.to_string() + " is listed twice; list each meter once");
    }
    auto m = find_meter(db, id);
    if (!m) {
      return refused("meter " + id.to_string() +
                     " is not configured at this site; check the bus, box and circuit");
    }
    if (m->account) {
      return refused("meter " + id.to_string() + " already belongs to open account " + *m->account +
                     "; close that account first");
    }
  }
  {
    auto s = db.prepare("INSERT INTO accounts (id, tenant, opened_at) VALUES (?1, ?2, ?3)");
    s->bind(1, req.account).bind(2, req.tenant).bind(3, to_ms(req.at));
    s->run();
  }
  write_contact(db, req.account, contact);
  const auto switched = req.meters.size() > 1 ? make_host_side(db, req.meters) : std::string();
  int position = 0;
  for (const auto& id : req.meters) {
    auto s = db.prepare(
        "INSERT INTO account_meters (account, meter, position, attached_at) "
        "VALUES (?1, ?2, ?3, ?4)");
    s->bind(1, req.account).bind(2, id.to_string()).bind(3, position++).bind(4, to_ms(req.at));
    s->run();
    // Billing starts at the first reading after opening; status follows the account.
    auto u = db.prepare("UPDATE meters SET billed_energy_wh = NULL, carry = 0, status = " +
                        status_after_account_change_sql(true) + " WHERE id = ?1");
    u->bind(1, id.to_string());
    u->run();
  }
  nlohmann::json details{{"tenant", req.tenant},
                         {"meters", join_ids(req.meters)},
                         {"first_sale_fen", req.first_sale_fen}};
  if (!contact.phone.empty()) details["phone"] = contact.phone;
  if (contact.room) details["room"] = *contact.room;
  if (!switched.empty()) details["host_side"] = switched;
  const auto audit_id =
      write_audit(db, {req.operator_id, "open_account", req.account, std::move(details)}, req.at);
  if (req.first_sale_fen > 0) {
    write_sale(db, audit_id, req.account, req.first_sale_fen, req.operator_id, req.at);
  }
  return {};
}

}  // namespace phil::store::rows
