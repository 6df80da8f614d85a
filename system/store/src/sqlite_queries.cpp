// The Queries role of the SQLite store (see sqlite_store.hpp): meters, accounts, placement in the
// site, the ledger and events (the queries about commands are in sqlite_outbox.cpp).

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sqlite_store.hpp"
#include "sqlite_writers.hpp"

namespace phil::store {

namespace {

using domain::MeterId;

using sqlite::from_ms;

using rows::parse_id;

}  // namespace

std::optional<MeterRecord> SqliteStore::meter(const MeterId& id) const {
  return rows::find_meter(db_, id);
}

std::optional<AccountRecord> SqliteStore::account(const std::string& id) const {
  AccountRecord a;
  {
    auto s = db_.prepare(
        "SELECT id, tenant, phone, room, opened_at, closed_at, balance_fen, mismatch_fen "
        "FROM accounts WHERE id = ?1");
    s->bind(1, id);
    if (!s->step()) return std::nullopt;
    a.id = s->text(0);
    a.tenant = s->text(1);
    a.phone = s->text(2);
    a.room = s->opt_text(3);
    a.opened_at = from_ms(s->int64(4));
    if (auto c = s->opt_int64(5)) a.closed_at = from_ms(*c);
    a.balance_fen = s->int64(6);
    a.mismatch_fen = s->opt_int64(7);
  }
  auto s = db_.prepare(
      "SELECT meter FROM account_meters WHERE account = ?1 AND detached_at IS NULL "
      "ORDER BY position, id");
  s->bind(1, id);
  while (s->step())
    a.meters.push_back(parse_id(s->text(0)));
  return a;
}

std::optional<MeterPlacement> SqliteStore::meter_placement(const MeterId& id) const {
  auto s = db_.prepare(
      "SELECT m.room, COALESCE(r.building, b.building), COALESCE(r.floor, b.floor), "
      "bu.comm_manager, COALESCE(m.alarm1_fen, st.alarm1_fen), "
      "COALESCE(m.alarm2_fen, st.alarm2_fen), COALESCE(m.overload_w, st.overload_w), "
      "COALESCE(m.billing_mode, st.billing_mode), "
      "(SELECT old_meter FROM meter_replacements WHERE new_meter = m.id ORDER BY id DESC LIMIT 1), "
      "(SELECT new_meter FROM meter_replacements WHERE old_meter = m.id ORDER BY id DESC LIMIT 1), "
      "m.onmeter_alarm1_fen, m.onmeter_alarm2_fen, m.onmeter_overload_w, m.onmeter_thresholds_at, "
      "(SELECT id FROM outbox WHERE meter = m.id AND kind = 'thresholds' AND state IN "
      "('pending', 'in_flight') ORDER BY id DESC LIMIT 1), m.swap_detected_at, "
      "m.swap_old_balance_fen "
      "FROM meters m JOIN site st ON st.id = 1 LEFT JOIN rooms r ON r.id = m.room "
      "LEFT JOIN boxes b ON b.bus = m.bus AND b.address = m.box LEFT JOIN buses bu ON bu.id = "
      "m.bus WHERE m.id = ?1");
  s->bind(1, id.to_string());
  if (!s->step()) return std::nullopt;
  MeterPlacement p;
  p.room = s->opt_text(0);
  p.building = s->opt_text(1);
  if (auto f = s->opt_int64(2)) p.floor = static_cast<int>(*f);
  p.comm_manager = s->opt_text(3);
  p.thresholds = {s->int64(4), s->int64(5), s->int64(6)};
  p.billing_mode = domain::parse_billing_mode(s->text(7)).value_or(domain::BillingMode::kMeterSide);
  if (auto o = s->opt_text(8)) p.replaces = parse_id(*o);
  if (auto n = s->opt_text(9)) p.replaced_by = parse_id(*n);
  const auto a1 = s->opt_int64(10);
  const auto a2 = s->opt_int64(11);
  const auto ov = s->opt_int64(12);
  if (a1 && a2 && ov) p.on_meter_thresholds = domain::Thresholds{*a1, *a2, *ov};
  if (auto at = s->opt_int64(13)) p.on_meter_thresholds_at = from_ms(*at);
  p.thresholds_command = s->opt_int64(14);
  if (auto at = s->opt_int64(15)) {
    p.swap_detected_at = from_ms(*at);
    p.swap_action = domain::SwapAction{s->opt_int64(16).value_or(0)};
  }
  auto price = db_.prepare(
      "SELECT payload, updated_at FROM outbox WHERE meter = ?1 AND kind = 'price' "
      "AND state = 'confirmed' ORDER BY id DESC LIMIT 1");
  price->bind(1, id.to_string());
  if (price->step()) {
    auto payload = domain::decode_payload(domain::CommandKind::kPrice, price->text(0));
    if (const auto* t = payload ? std::get_if<domain::PricePayload>(&payload.value()) : nullptr) {
      p.on_meter_prices = *t;
      p.on_meter_prices_at = from_ms(price->int64(1));
    }
  }
  return p;
}

std::vector<domain::BoardRow> SqliteStore::status_board() const {
  // One statement for the whole board (10,000 meters in well under 100 ms, bench/): placement
  // as meter_placement finds it, the open account as find_meter does, the box's identity.
  auto s = db_.prepare(
      "SELECT m.bus, m.box, m.circuit, COALESCE(r.building, b.building), "
      "COALESCE(r.floor, b.floor), m.room, bu.comm_manager, a.id, a.tenant, m.status, "
      "COALESCE(m.billing_mode, st.billing_mode), m.read_at, m.balance_fen, a.balance_fen, "
      "m.relay, m.mode, m.swap_detected_at, bi.mismatch, a.mismatch_fen, m.state_at, "
      "m.metering_only FROM meters m JOIN site st ON st.id = 1 LEFT JOIN rooms r ON r.id = m.room "
      "LEFT JOIN boxes b ON b.bus = m.bus AND b.address = m.box "
      "LEFT JOIN buses bu ON bu.id = m.bus "
      "LEFT JOIN account_meters am ON am.meter = m.id AND am.detached_at IS NULL "
      "LEFT JOIN accounts a ON a.id = am.account AND a.closed_at IS NULL "
      "LEFT JOIN box_identity bi ON bi.bus = m.bus AND bi.address = m.box");
  std::vector<domain::BoardRow> out;
  while (s->step()) {
    domain::BoardRow r;
    r.meter = MeterId{s->text(0), s->integer(1), s->integer(2)};
    r.building = s->opt_text(3);
    if (auto f = s->opt_int64(4)) r.floor = static_cast<int>(*f);
    r.room = s->opt_text(5);
    r.comm_manager = s->opt_text(6);
    r.account = s->opt_text(7);
    if (auto t = s->opt_text(8)) r.tenant = *t;
    r.status = domain::parse_meter_status(s->text(9)).value_or(domain::MeterStatus::kNotOpened);
    r.billing_mode =
        domain::parse_billing_mode(s->text(10)).value_or(domain::BillingMode::kMeterSide);
    if (auto at = s->opt_int64(11)) {
      r.read_at = from_ms(*at);
      r.relay_closed = s->int64(14) != 0;
      r.mode = domain::parse_meter_mode(s->text(15)).value_or(domain::MeterMode::kUnknown);
    }
    if (r.billing_mode == domain::BillingMode::kHostSide) {
      r.balance_fen = s->opt_int64(13);
    } else if (r.read_at) {
      r.balance_fen = s->opt_int64(12);
    }
    if (auto at = s->opt_int64(16)) r.swap_detected_at = from_ms(*at);
    r.box_mismatch = s->opt_text(17);
    r.mismatch_fen = s->opt_int64(18);
    if (auto at = s->opt_int64(19)) r.state_at = from_ms(*at);
    if (s->int64(20) != 0) domain::as_energy_meter(r);
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<std::int64_t> SqliteStore::account_balance_fen(const std::string& account) const {
  auto s = db_.prepare("SELECT balance_fen FROM accounts WHERE id = ?1");
  s->bind(1, account);
  if (!s->step()) return std::nullopt;
  return s->int64(0);
}

namespace {

constexpr const char* kLedgerColumns =
    "seq, account, kind, meter, amount_fen, energy_wh, carry, balance_after_fen, operator, at, "
    "ref_seq, audit_id";

LedgerRecord ledger_row(const sqlite::Stmt& s) {
  LedgerRecord e;
  e.seq = s.int64(0);
  e.account = s.text(1);
  e.kind = domain::parse_entry_kind(s.text(2)).value_or(domain::EntryKind::kSale);
  if (auto m = s.opt_text(3)) e.meter = parse_id(*m);
  e.amount_fen = s.int64(4);
  e.energy_wh = s.int64(5);
  e.carry = s.int64(6);
  e.balance_after_fen = s.int64(7);
  e.operator_id = s.text(8);
  e.at = from_ms(s.int64(9));
  e.ref_seq = s.opt_int64(10);
  e.log_entry = s.opt_int64(11);
  return e;
}

}  // namespace

std::optional<LedgerRecord> SqliteStore::ledger_entry(std::int64_t seq) const {
  auto s = db_.prepare(std::string("SELECT ") + kLedgerColumns + " FROM ledger WHERE seq = ?1");
  s->bind(1, seq);
  if (!s->step()) return std::nullopt;
  return ledger_row(*s);
}

std::vector<LedgerRecord> SqliteStore::ledger(const std::optional<std::string>& account) const {
  auto s = db_.prepare(std::string("SELECT ") + kLedgerColumns +
                       " FROM ledger WHERE ?1 IS NULL OR account = ?1 ORDER BY seq");
  if (account) {
    s->bind(1, *account);
  } else {
    s->bind_null(1);
  }
  std::vector<LedgerRecord> out;
  while (s->step()) {
    out.push_back(ledger_row(*s));
  }
  return out;
}

std::vector<EventRecord> SqliteStore::events(const std::optional<MeterId>& meter_id) const {
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

std::optional<std::string> SqliteStore::meter_serial(const MeterId& id) const {
  auto s = db_.prepare("SELECT serial FROM meters WHERE id = ?1");
  s->bind(1, id.to_string());
  if (!s->step()) return std::nullopt;
  return s->opt_text(0);
}

}  // namespace phil::store
