// In-memory fakes of the store's roles (see memory_store.hpp).
#include "support/memory_store.hpp"

#include <algorithm>
#include <set>

#include <phil/domain/billing.hpp>
#include <phil/domain/ledger.hpp>

namespace phil::store::test {

namespace {

using domain::Error;
using domain::ErrorKind;
using domain::MeterId;
using Lock = std::lock_guard<std::recursive_mutex>;

Error refused(std::string message) {
  return Error{ErrorKind::kRefused, std::move(message)};
}

Error not_modelled(const std::string& what) {
  return refused(what + " is not modelled by the in-memory store; test it on the SQLite store");
}

bool is_open(const CommandRecord& c) {
  return c.state == domain::CommandState::kPending || c.state == domain::CommandState::kInFlight;
}

std::string target_key(const MeterId& t) {
  return t.bus + "/" + std::to_string(t.box) + "/" + std::to_string(t.circuit);
}

std::vector<CommandRecord> open_of(const MemoryData& d, const std::string& bus) {
  std::vector<CommandRecord> out;
  for (const auto& c : d.commands) {
    if (c.meter.bus == bus && is_open(c)) out.push_back(c);
  }
  return out;
}

std::vector<std::size_t> heads(const std::vector<CommandRecord>& open, TimePoint now,
                               std::size_t limit) {
  std::vector<domain::QueuedCommand> q;
  q.reserve(open.size());
  for (const auto& c : open)
    q.push_back({c.id, target_key(c.meter), c.kind, c.next_attempt_at});
  return domain::sendable_heads(q, now, limit);
}

void derive(const MemoryData& d, MemoryData::Meter& m, const BillingRules& rules) {
  auto& r = m.record;
  // As the SQLite store: the ledger's balance for a host-side meter, else the meter's; the
  // site's thresholds (the in-memory store keeps no per-meter overrides).
  std::optional<std::int64_t> balance;
  if (r.read_at) balance = r.last.balance_fen;
  if (r.account && r.billing_mode == domain::BillingMode::kHostSide) {
    if (const auto it = d.accounts.find(*r.account); it != d.accounts.end()) {
      balance = it->second.balance_fen;
    }
  }
  r.status = domain::derive_status({r.account.has_value(), r.failed_cycles, rules.offline_after,
                                    balance, d.settings.thresholds});
}

}  // namespace

// ---- shared data ----

MemoryData::Meter* MemoryData::meter(const MeterId& id) {
  const auto it = meters.find(id);
  return it == meters.end() ? nullptr : &it->second;
}

CommandRecord* MemoryData::command(std::int64_t id) {
  if (id < 1 || id > static_cast<std::int64_t>(commands.size())) return nullptr;
  return &commands[static_cast<std::size_t>(id - 1)];
}

std::int64_t MemoryData::append_ledger(const std::string& account, domain::EntryKind kind,
                                       const std::optional<MeterId>& meter, std::int64_t amount_fen,
                                       const std::string& operator_id, TimePoint at) {
  auto& a = accounts.at(account);
  a.balance_fen += domain::balance_sign(kind) * amount_fen;
  LedgerRecord e;
  e.seq = static_cast<std::int64_t>(ledger.size()) + 1;
  e.account = account;
  e.kind = kind;
  e.meter = meter;
  e.amount_fen = amount_fen;
  e.balance_after_fen = a.balance_fen;
  e.operator_id = operator_id;
  e.at = at;
  ledger.push_back(e);
  return e.seq;
}

std::int64_t MemoryData::insert_command(const MeterId& target, const domain::CommandPayload& params,
                                        TimePoint at) {
  CommandRecord c;
  c.id = static_cast<std::int64_t>(commands.size()) + 1;
  c.meter = target;
  c.kind = domain::kind_of(params);
  c.priority = domain::priority(c.kind);
  if (const auto* credit = std::get_if<domain::CreditPayload>(&params)) {
    c.amount_fen = credit->amount_fen;
  }
  c.payload = domain::encode_payload(params);
  c.params = params;
  c.next_attempt_at = at;
  c.created_at = at;
  c.updated_at = at;
  commands.push_back(c);
  return c.id;
}

void MemoryData::add_event(const std::optional<MeterId>& meter, const std::string& kind,
                           const std::string& details, TimePoint at) {
  events.push_back({static_cast<std::int64_t>(events.size()) + 1, meter, kind, details, at});
}

// ---- Outbox ----

domain::Result<std::int64_t> MemoryOutbox::enqueue_command(const CommandRequest& req) {
  Lock lock(d_.mutex);
  const auto kind = domain::kind_of(req.params);
  const auto& t = req.target;
  if (kind == domain::CommandKind::kCredit) {
    return refused("a credit is written only by a sale, with its ledger entry; use sale");
  }
  if (auto problem = domain::check_payload(req.params)) {
    return Error{ErrorKind::kInvalid, *problem};
  }
  if (domain::is_box_level(kind)) {
    const bool known =
        t.circuit == 0 && std::any_of(d_.meters.begin(), d_.meters.end(), [&](const auto& m) {
          return m.first.bus == t.bus && m.first.box == t.box;
        });
    if (!known) return refused("box " + target_key(t) + " is not configured");
  } else if (t.circuit == 0 || !d_.meter(t)) {
    return refused("meter " + target_key(t) + " is not configured");
  }
  if (domain::supersedes(kind)) {
    for (auto& c : d_.commands) {
      if (c.meter == t && c.kind == kind && c.state == domain::CommandState::kPending) {
        c.state = domain::CommandState::kSuperseded;
        c.last_error = "superseded by a newer command";
        c.updated_at = req.at;
      }
    }
  }
  const auto id = d_.insert_command(t, req.params, req.at);
  d_.commands.back().operator_id = req.operator_id;
  d_.audit.push_back(req.operator_id + " command " + std::to_string(id));
  return id;
}

std::vector<CommandRecord> MemoryOutbox::next_commands(const std::string& bus, TimePoint now,
                                                       std::size_t limit) const {
  Lock lock(d_.mutex);
  auto open = open_of(d_, bus);
  std::vector<CommandRecord> out;
  for (auto i : heads(open, now, limit))
    out.push_back(open[i]);
  return out;
}

std::vector<CommandRecord> MemoryOutbox::open_commands(const std::string& bus) const {
  Lock lock(d_.mutex);
  return open_of(d_, bus);
}

bool MemoryOutbox::try_begin_attempt(std::int64_t command,
                                     std::optional<std::uint16_t> assign_count, TimePoint at) {
  Lock lock(d_.mutex);
  auto* c = d_.command(command);
  if (!c || !is_open(*c)) return false;
  if (!c->purchase_count) c->purchase_count = assign_count;
  c->state = domain::CommandState::kInFlight;
  ++c->attempts;
  c->updated_at = at;
  return true;
}

void MemoryOutbox::begin_attempt(std::int64_t command, std::optional<std::uint16_t> assign_count,
                                 TimePoint at) {
  if (!try_begin_attempt(command, assign_count, at)) {
    throw StoreError("outbox command " + std::to_string(command) + " is not open");
  }
}

void MemoryOutbox::defer_command(std::int64_t command, const std::string& error,
                                 TimePoint next_attempt_at, TimePoint at, int tries) {
  Lock lock(d_.mutex);
  if (auto* c = d_.command(command)) {
    c->tries = tries;
    c->last_error = error;
    c->next_attempt_at = next_attempt_at;
    c->updated_at = at;
  }
}

void MemoryOutbox::confirm_command(std::int64_t command, const Readback& rb, TimePoint at,
                                   const BillingRules& rules) {
  Lock lock(d_.mutex);
  auto* c = d_.command(command);
  if (!c || !is_open(*c)) {
    throw StoreError("outbox command " + std::to_string(command) + " is not open; cannot confirm");
  }
  c->state = domain::CommandState::kConfirmed;
  c->last_error.clear();
  c->updated_at = at;
  auto* m = c->meter.circuit == 0 ? nullptr : d_.meter(c->meter);
  if (!m || !m->record.read_at) return;
  auto& last = m->record.last;
  last.balance_fen = rb.balance_fen;
  last.relay_closed = rb.relay_closed;
  last.purchase_count = rb.purchase_count;
  last.status_bits = rb.status_bits;
  last.alarm1 = rb.alarm1;
  last.alarm2 = rb.alarm2;
  last.arrears = rb.arrears;
  derive(d_, *m, rules);
}

void MemoryOutbox::fail_command(std::int64_t command, const std::string& reason, TimePoint at) {
  Lock lock(d_.mutex);
  auto* c = d_.command(command);
  if (!c || !is_open(*c)) return;
  c->state = domain::CommandState::kFailed;
  c->last_error = reason;
  c->updated_at = at;
  d_.add_event(
      c->meter.circuit == 0 ? std::nullopt : std::optional<MeterId>(c->meter), "command_failed",
      "command " + std::to_string(command) + " to " + target_key(c->meter) + ": " + reason, at);
}

std::optional<TimePoint> MemoryOutbox::next_command_due(const std::string& bus) const {
  Lock lock(d_.mutex);
  const auto open = open_of(d_, bus);
  std::optional<TimePoint> due;
  for (auto i : heads(open, TimePoint::max(), open.size()))
    due = due ? std::min(*due, open[i].next_attempt_at) : open[i].next_attempt_at;
  return due;
}

// ---- PollSink ----

void MemoryPollSink::record_readings(
    const std::vector<std::pair<MeterId, domain::MeterReading>>& readings, TimePoint at,
    const BillingRules& rules) {
  Lock lock(d_.mutex);
  for (const auto& [id, r] : readings) {
    auto* m = d_.meter(id);
    if (!m) continue;
    auto& rec = m->record;
    if (rec.account) {
      const auto plan =
          domain::plan_charge({rec.billed_energy_wh, r.energy_wh, rules.price, rec.carry});
      if (plan.event == domain::EnergyEvent::kMeterReplaced) {
        d_.add_event(id, "meter_replaced", "energy went back", at);
      }
      if (plan.energy_wh > 0) {
        const auto seq =
            d_.append_ledger(*rec.account, domain::EntryKind::kCharge, id, plan.fen, "system", at);
        auto& e = d_.ledger[static_cast<std::size_t>(seq - 1)];
        e.energy_wh = plan.energy_wh;
        e.carry = plan.carry;
      }
      rec.billed_energy_wh = plan.billed_energy_wh;
      rec.carry = plan.carry;
    }
    rec.last = r;
    rec.read_at = at;
    if (rec.failed_cycles >= rules.offline_after) {
      d_.add_event(id, "meter_online", "answers again", at);
    }
    rec.failed_cycles = 0;
    derive(d_, *m, rules);
  }
}

void MemoryPollSink::record_failed_cycle(const std::vector<MeterId>& ids, TimePoint at,
                                         const BillingRules& rules) {
  Lock lock(d_.mutex);
  for (const auto& id : ids) {
    if (auto* m = d_.meter(id)) {
      if (++m->record.failed_cycles == rules.offline_after) {
        d_.add_event(id, "meter_offline", "no answer", at);
      }
      derive(d_, *m, rules);
    }
  }
}

void MemoryPollSink::record_cycle(const CycleBatch& cycle, TimePoint at,
                                  const BillingRules& rules) {
  Lock lock(d_.mutex);
  record_readings(cycle.readings, at, rules);
  record_failed_cycle(cycle.failed, at, rules);
}

void MemoryPollSink::record_states(
    const std::vector<std::pair<MeterId, domain::StateReading>>& states, TimePoint at,
    const BillingRules& rules) {
  Lock lock(d_.mutex);
  for (const auto& [id, s] : states) {
    auto* m = d_.meter(id);
    if (!m || !m->record.read_at) continue;
    domain::apply_state(m->record.last, s);
    if (m->record.failed_cycles >= rules.offline_after) {
      d_.add_event(id, "meter_online", "answers again", at);
    }
    m->record.failed_cycles = 0;
    derive(d_, *m, rules);
  }
}

void MemoryPollSink::add_event(const std::optional<MeterId>& meter, const std::string& kind,
                               const std::string& details, TimePoint at) {
  Lock lock(d_.mutex);
  d_.add_event(meter, kind, details, at);
}

void MemoryPollSink::observe_alarms(const std::vector<domain::AlarmSeen>& seen, TimePoint /*at*/) {
  Lock lock(d_.mutex);
  d_.alarms_seen.insert(d_.alarms_seen.end(), seen.begin(), seen.end());
}

std::vector<MeterId> MemoryPollSink::record_serials(
    const std::vector<std::pair<MeterId, std::string>>& serials, TimePoint at) {
  Lock lock(d_.mutex);
  std::vector<MeterId> replaced;
  for (const auto& [id, serial] : serials) {
    auto* m = d_.meter(id);
    if (!m || m->serial == serial) continue;
    if (m->serial) {
      replaced.push_back(id);
      d_.add_event(id, "meter_replaced", "serial changed from " + *m->serial + " to " + serial, at);
      m->record.billed_energy_wh.reset();
    }
    m->serial = serial;
  }
  return replaced;
}

// ---- ReadRequests ----

void MemoryPollSink::save_box_supervision(const std::string& bus, int address,
                                          const BoxSupervision& state) {
  Lock lock(d_.mutex);
  d_.boxes[{bus, address}] = state;
}

BoxSupervision MemoryPollSink::box_supervision(const std::string& bus, int address) {
  Lock lock(d_.mutex);
  const auto it = d_.boxes.find({bus, address});
  return it == d_.boxes.end() ? BoxSupervision{} : it->second;
}

bool MemoryPollSink::box_identity_due(const std::string& /*bus*/, int /*address*/) {
  return false;
}

std::optional<std::string> MemoryPollSink::record_box_identity(
    const std::string& /*bus*/, int /*address*/, const domain::ExpectedBox& /*expected*/,
    const domain::BoxIdentity& /*read*/, TimePoint /*at*/) {
  return std::nullopt;
}

std::int64_t MemoryReadRequests::request_read(const std::string& target,
                                              const std::string& /*operator_id*/, TimePoint at) {
  Lock lock(d_.mutex);
  ReadRequest r;
  r.id = static_cast<std::int64_t>(d_.reads.size()) + 1;
  r.target = target;
  r.bus = target.substr(0, target.find('/'));
  r.state = "pending";
  r.created_at = at;
  r.updated_at = at;
  d_.reads.push_back(r);
  return r.id;
}

std::vector<ReadRequests::ReadRequest> MemoryReadRequests::pending_read_requests(
    const std::string& bus) const {
  Lock lock(d_.mutex);
  std::vector<ReadRequest> out;
  for (const auto& r : d_.reads) {
    if (r.bus == bus && r.state == "pending") out.push_back(r);
  }
  return out;
}

void MemoryReadRequests::finish_read_request(std::int64_t id, bool ok, const std::string& result,
                                             TimePoint at) {
  Lock lock(d_.mutex);
  if (id < 1 || id > static_cast<std::int64_t>(d_.reads.size())) return;
  auto& r = d_.reads[static_cast<std::size_t>(id - 1)];
  r.state = ok ? "done" : "failed";
  r.result = result;
  r.updated_at = at;
}

std::optional<ReadRequests::ReadRequest> MemoryReadRequests::read_request(std::int64_t id) const {
  Lock lock(d_.mutex);
  if (id < 1 || id > static_cast<std::int64_t>(d_.reads.size())) return std::nullopt;
  return d_.reads[static_cast<std::size_t>(id - 1)];
}

// ---- Queries ----

std::optional<MeterRecord> MemoryQueries::meter(const MeterId& id) const {
  Lock lock(d_.mutex);
  const auto* m = d_.meter(id);
  return m ? std::optional<MeterRecord>(m->record) : std::nullopt;
}

std::optional<AccountRecord> MemoryQueries::account(const std::string& id) const {
  Lock lock(d_.mutex);
  const auto it = d_.accounts.find(id);
  if (it == d_.accounts.end()) return std::nullopt;
  const auto& a = it->second;
  return AccountRecord{id,          a.tenant,      a.contact.phone, a.contact.room, a.opened_at,
                       a.closed_at, a.balance_fen, a.meters,        std::nullopt};
}

std::optional<MeterPlacement> MemoryQueries::meter_placement(const MeterId& id) const {
  Lock lock(d_.mutex);
  const auto* m = d_.meter(id);
  if (!m) return std::nullopt;
  MeterPlacement p;
  p.thresholds = d_.settings.thresholds;
  p.billing_mode = m->record.billing_mode;
  return p;
}

std::optional<std::int64_t> MemoryQueries::account_balance_fen(const std::string& account) const {
  Lock lock(d_.mutex);
  const auto it = d_.accounts.find(account);
  if (it == d_.accounts.end()) return std::nullopt;
  return it->second.balance_fen;
}

std::vector<LedgerRecord> MemoryQueries::ledger(const std::optional<std::string>& account) const {
  Lock lock(d_.mutex);
  std::vector<LedgerRecord> out;
  for (const auto& e : d_.ledger) {
    if (!account || e.account == *account) out.push_back(e);
  }
  return out;
}

std::optional<LedgerRecord> MemoryQueries::ledger_entry(std::int64_t seq) const {
  Lock lock(d_.mutex);
  for (const auto& e : d_.ledger) {
    if (e.seq == seq) return e;
  }
  return std::nullopt;
}

std::vector<EventRecord> MemoryQueries::events(const std::optional<MeterId>& meter) const {
  Lock lock(d_.mutex);
  std::vector<EventRecord> out;
  for (const auto& e : d_.events) {
    if (!meter || e.meter == meter) out.push_back(e);
  }
  return out;
}

std::optional<std::string> MemoryQueries::meter_serial(const MeterId& id) const {
  Lock lock(d_.mutex);
  const auto* m = d_.meter(id);
  return m ? m->serial : std::nullopt;
}

std::vector<CommandRecord> MemoryQueries::account_debits(const std::string& /*account*/) const {
  return {};  // refunds and reversals are not modelled here (MemoryLedger): no debits
}

std::vector<CommandRecord> MemoryQueries::meter_commands(const MeterId& id, int limit) const {
  Lock lock(d_.mutex);
  std::vector<CommandRecord> out;
  for (auto it = d_.commands.rbegin();
       it != d_.commands.rend() && static_cast<int>(out.size()) < limit; ++it) {
    if (it->meter == id) out.push_back(*it);
  }
  return out;
}

std::optional<CommandRecord> MemoryQueries::command(std::int64_t id) const {
  Lock lock(d_.mutex);
  const auto* c = d_.command(id);
  return c ? std::optional<CommandRecord>(*c) : std::nullopt;
}

std::vector<domain::BoardRow> MemoryQueries::status_board() const {
  Lock lock(d_.mutex);
  std::vector<domain::BoardRow> out;
  for (const auto& [id, m] : d_.meters) {
    domain::BoardRow r;
    r.meter = id;
    r.account = m.record.account;
    r.status = m.record.status;
    r.billing_mode = m.record.billing_mode;
    if (m.record.read_at) {
      r.read_at = m.record.read_at;
      r.balance_fen = m.record.last.balance_fen;
      r.relay_closed = m.record.last.relay_closed;
      r.mode = m.record.last.mode;
    }
    if (m.record.metering_only) domain::as_energy_meter(r);
    out.push_back(std::move(r));
  }
  return out;
}

Queries::CommandCounts MemoryQueries::command_counts(const std::string& bus) const {
  Lock lock(d_.mutex);
  CommandCounts n;
  for (const auto& c : d_.commands) {
    if (c.meter.bus != bus) continue;
    if (c.state == domain::CommandState::kConfirmed) ++n.confirmed;
    if (is_open(c)) ++n.open;
  }
  return n;
}

std::optional<ClosingRecord> MemoryQueries::account_closing(const std::string& /*account*/) const {
  return std::nullopt;  // closing is not modelled
}

std::optional<ConversionRecord> MemoryQueries::meter_conversion(
    const domain::MeterId& /*meter*/) const {
  return std::nullopt;  // conversion is not modelled
}

std::optional<BoxIdentityRecord> MemoryQueries::box_identity(const std::string& /*bus*/,
                                                             int /*address*/) const {
  return std::nullopt;  // box identity is not modelled
}

// ---- Ledger ----

domain::Result<void> MemoryLedger::open_account(const OpenAccountRequest& req) {
  return open_account(req, TenantContact{});
}

domain::Result<void> MemoryLedger::open_account(const OpenAccountRequest& req,
                                                const TenantContact& contact) {
  Lock lock(d_.mutex);
  if (req.account.empty()) return refused("account id is empty");
  if (req.meters.empty()) return refused("account " + req.account + " has no meter");
  if (req.first_sale_fen < 0) return refused("first sale must not be negative");
  if (d_.accounts.contains(req.account)) {
    return refused("account " + req.account + " already exists");
  }
  std::set<MeterId> seen;
  for (const auto& id : req.meters) {
    const auto* m = d_.meter(id);
    if (!seen.insert(id).second) return refused("meter " + id.to_string() + " is listed twice");
    if (!m) return refused("meter " + id.to_string() + " is not configured at this site");
    if (m->record.account) {
      return refused("meter " + id.to_string() + " already belongs to open account " +
                     *m->record.account);
    }
  }
  d_.accounts[req.account] = {req.tenant, contact, req.at, std::nullopt, 0, req.meters};
  for (const auto& id : req.meters) {
    auto& rec = d_.meter(id)->record;
    rec.account = req.account;
    rec.billed_energy_wh.reset();
    rec.carry = 0;
    rec.status = domain::status_after_account_change(rec.status, true);
  }
  d_.audit.push_back(req.operator_id + " open_account " + req.account);
  if (req.first_sale_fen > 0) {
    d_.append_ledger(req.account, domain::EntryKind::kSale, req.meters.front(), req.first_sale_fen,
                     req.operator_id, req.at);
    d_.insert_command(req.meters.front(), domain::CreditPayload{req.first_sale_fen}, req.at);
  }
  return {};
}

domain::Result<std::int64_t> MemoryLedger::sale(const SaleRequest& req) {
  Lock lock(d_.mutex);
  if (req.amount_fen <= 0) {
    return domain::Error{domain::ErrorKind::kInvalid, "sale amount must be positive"};
  }
  const auto it = d_.accounts.find(req.account);
  if (it == d_.accounts.end()) {
    return Error{ErrorKind::kNotFound, "account " + req.account + " does not exist"};
  }
  if (it->second.closed_at) return refused("account " + req.account + " is closed");
  const auto meter = it->second.meters.front();
  d_.append_ledger(req.account, domain::EntryKind::kSale, meter, req.amount_fen, req.operator_id,
                   req.at);
  d_.audit.push_back(req.operator_id + " sale " + req.account);
  return d_.insert_command(meter, domain::CreditPayload{req.amount_fen}, req.at);
}

domain::Result<MoneyBack> MemoryLedger::refund(const RefundRequest& /*req*/) {
  return not_modelled("refund");
}

domain::Result<MoneyBack> MemoryLedger::reversal(const ReversalRequest& /*req*/) {
  return not_modelled("reversal");
}

domain::Result<CloseAccountResult> MemoryLedger::close_account(const CloseAccountRequest& /*req*/) {
  return not_modelled("closing an account");
}

int MemoryLedger::advance_closings(const std::string& /*bus*/, TimePoint /*at*/) {
  return 0;
}

int MemoryLedger::advance_conversions(const std::string& /*bus*/, TimePoint /*at*/) {
  return 0;  // conversion is not modelled
}

std::vector<std::string> MemoryLedger::verify_ledger() const {
  Lock lock(d_.mutex);
  std::vector<domain::JournalEntry> journal;
  for (const auto& e : d_.ledger)
    journal.push_back({e.seq, e.account, e.kind, e.amount_fen, e.balance_after_fen});
  std::map<std::string, std::int64_t> balances;
  for (const auto& [id, a] : d_.accounts)
    balances[id] = a.balance_fen;
  return domain::verify_journal(journal, balances);
}

// ---- SiteAdmin ----

void MemorySiteAdmin::register_meters(const std::vector<MeterId>& ids, const std::string& model,
                                      bool metering_only) {
  Lock lock(d_.mutex);
  for (const auto& id : ids) {
    auto& m = d_.meters[id];
    if (m.record.model.empty()) {
      m.record.id = id;
      m.record.billing_mode = d_.settings.billing_mode;
    }
    m.record.model = model;
    m.record.metering_only = metering_only;
  }
}

int MemorySiteAdmin::set_billing_mode(const std::vector<MeterId>& ids, domain::BillingMode mode,
                                      const std::string& operator_id, TimePoint /*at*/) {
  Lock lock(d_.mutex);
  int changed = 0;
  for (const auto& id : ids) {
    auto* m = d_.meter(id);
    if (!m) throw StoreError("set_billing_mode: meter " + id.to_string() + " is not registered");
    if (m->record.billing_mode == mode) continue;
    m->record.billing_mode = mode;
    ++changed;
  }
  if (changed > 0) d_.audit.push_back(operator_id + " billing_mode");
  return changed;
}

domain::Result<ImportSummary> MemorySiteAdmin::import_site(const domain::SiteModel& /*model*/,
                                                           const std::string& /*operator_id*/,
                                                           TimePoint /*at*/) {
  return not_modelled("site import");
}

domain::SiteSettings MemorySiteAdmin::site_settings() const {
  Lock lock(d_.mutex);
  return d_.settings;
}

domain::Result<ReplaceMeterResult> MemorySiteAdmin::replace_meter(
    const ReplaceMeterRequest& /*req*/) {
  return not_modelled("meter replacement");
}

domain::Result<MoveMeterResult> MemorySiteAdmin::move_meter(const MoveMeterRequest& /*req*/) {
  return not_modelled("moving a meter");
}

domain::Result<CompleteSwapResult> MemorySiteAdmin::complete_swap(
    const CompleteSwapRequest& /*req*/) {
  return not_modelled("completing a meter swap");
}

domain::Result<BoxIdentityRecord> MemorySiteAdmin::confirm_box(const std::string& /*bus*/,
                                                               int /*address*/,
                                                               const std::string& /*operator_id*/,
                                                               TimePoint /*at*/) {
  return not_modelled("confirming a box");
}

// ---- the factory ----

StoreFactory MemoryStore::factory() {
  return [this](Checkpoints checkpoints) -> std::unique_ptr<Store> {
    ++opened[checkpoints];
    return std::make_unique<RoleStore>(roles());
  };
}

}  // namespace phil::store::test
