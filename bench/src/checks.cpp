// The evaluation of a scenario's checks: the meter's truth from the simulator, the system's
// view and the ledger through Operations.
#include <algorithm>
#include <optional>
#include <utility>
#include <variant>

#include "run_context.hpp"

namespace phil::bench::detail {

namespace {

std::string mode_word(sim::Mode m) {
  switch (m) {
    case sim::Mode::kPrepaid:
      return "prepaid";
    case sim::Mode::kKeepPower:
      return "keep_power";
    case sim::Mode::kForcedOff:
      return "forced_off";
  }
  return "?";
}

/// "" for equality (the plain value reads best), else the operator and a space.
std::string op_text(Op op) {
  switch (op) {
    case Op::kEq:
      return "";
    case Op::kNe:
      return "!= ";
    case Op::kLt:
      return "< ";
    case Op::kLe:
      return "<= ";
    case Op::kGt:
      return "> ";
    case Op::kGe:
      return ">= ";
  }
  return "";
}

bool compare(std::int64_t actual, Op op, std::int64_t expected, std::int64_t tolerance) {
  switch (op) {
    case Op::kEq:
      return actual >= expected - tolerance && actual <= expected + tolerance;
    case Op::kNe:
      return actual < expected - tolerance || actual > expected + tolerance;
    case Op::kLt:
      return actual < expected;
    case Op::kLe:
      return actual <= expected;
    case Op::kGt:
      return actual > expected;
    case Op::kGe:
      return actual >= expected;
  }
  return false;
}

/// The bench's own reading of the ledger's entry kinds: +1 money in, -1 money out (refunds,
/// reversals, transfers) or used (charges, settle_debit); kept apart from the store's signs so
/// the final check does not trust what it checks.
int entry_sign(domain::EntryKind k) {
  switch (k) {
    case domain::EntryKind::kSale:
    case domain::EntryKind::kTransferIn:
    case domain::EntryKind::kSettleCredit:
      return 1;
    case domain::EntryKind::kCharge:
    case domain::EntryKind::kRefund:
    case domain::EntryKind::kReversal:
    case domain::EntryKind::kTransferOut:
    case domain::EntryKind::kSettleDebit:
      return -1;
  }
  return 0;
}

/// An account's money by where it went, from its ledger entries.
struct Flows {
  std::int64_t in = 0;     ///< sales
  std::int64_t out = 0;    ///< refunds and reversals
  std::int64_t used = 0;   ///< charges and settlements (settle_debit - settle_credit)
  std::int64_t moved = 0;  ///< transfers in - out (meter replacement, meter move)
  std::int64_t sum = 0;    ///< every entry with its sign
  bool transfers = false;
};

Flows flows_of(const std::vector<store::LedgerRecord>& entries) {
  Flows f;
  for (const auto& e : entries) {
    const std::int64_t signed_fen = entry_sign(e.kind) * e.amount_fen;
    f.sum += signed_fen;
    switch (e.kind) {
      case domain::EntryKind::kSale:
        f.in += e.amount_fen;
        break;
      case domain::EntryKind::kRefund:
      case domain::EntryKind::kReversal:
        f.out += e.amount_fen;
        break;
      case domain::EntryKind::kCharge:
      case domain::EntryKind::kSettleDebit:
      case domain::EntryKind::kSettleCredit:
        f.used -= signed_fen;
        break;
      case domain::EntryKind::kTransferIn:
      case domain::EntryKind::kTransferOut:
        f.moved += signed_fen;
        f.transfers = true;
        break;
    }
  }
  return f;
}

}  // namespace

bool Run::holds(const Check& c, std::string& seen) const {
  if (c.quantity == Quantity::kLedgerConsistent) {
    const auto problems = ops_->verify_ledger(as(domain::Action::kQuery)).value();
    if (problems.empty()) {
      seen = "ledger verified: every account's invariant holds";
      return true;
    }
    seen = "ledger: " + problems.front();
    return false;
  }
  if (c.quantity == Quantity::kLedgerBalance || c.quantity == Quantity::kLedgerMatchesMeter) {
    const auto found = ops_->account_balance_fen(as(domain::Action::kQuery), c.account);
    if (!found) {
      seen = "account " + c.account + " not found in the system";
      return false;
    }
    const std::optional<std::int64_t> ledger = found.value();
    std::int64_t expected = c.number;
    if (c.quantity == Quantity::kLedgerMatchesMeter) {
      const auto v = sim_.circuit(c.meter.bus, c.meter.box, c.meter.circuit);
      if (!v) {
        seen = "meter " + c.meter.to_string() + " does not exist in the fleet";
        return false;
      }
      expected = v->balance_fen;
    }
    seen = "ledger balance " + format_decimal(*ledger, 2) + ", expected " + op_text(c.op) +
           format_decimal(expected, 2);
    return compare(*ledger, c.op, expected, c.tolerance);
  }
  switch (c.quantity) {
    case Quantity::kLastCommand:
    case Quantity::kOpenCommands:
      return command_holds(c, seen);
    case Quantity::kNoDoubleCredit:
      return credited_once(c.meter, seen);
    case Quantity::kEvent:
      return event_holds(c, seen);
    case Quantity::kSms:
      return sms_holds(c, seen);
    case Quantity::kClosing:
    case Quantity::kRefunded:
      return closing_holds(c, seen);
    case Quantity::kFinalAccount:
      return account_agrees(c, seen);
    case Quantity::kSystemPurchaseCount:
    case Quantity::kFailedCycles:
    case Quantity::kReadAge:
      return view_number_holds(c, seen);
    default:
      break;
  }
  if (c.quantity == Quantity::kStatus || c.quantity == Quantity::kSystemRelay ||
      c.quantity == Quantity::kSystemBalance || c.quantity == Quantity::kSystemEnergy) {
    const auto found = system_meter(c, seen);
    if (!found) return false;
    const auto& m = *found;
    if (c.quantity == Quantity::kSystemEnergy) {
      seen = "system energy " + format_decimal(m.last.energy_wh, 3) + " kWh";
      return compare(m.last.energy_wh, c.op, c.number, c.tolerance);
    }
    if (c.quantity == Quantity::kSystemBalance) {
      seen = "system balance " + format_decimal(m.last.balance_fen, 2);
      return compare(m.last.balance_fen, c.op, c.number, c.tolerance);
    }
    const std::string word = c.quantity == Quantity::kStatus
                                 ? std::string(domain::to_string(m.status))
                                 : (m.last.relay_closed ? "closed" : "open");
    seen = (c.quantity == Quantity::kStatus ? "status " : "system relay ") + word;
    return (word == c.word) == (c.op == Op::kEq);
  }
  const auto v = sim_.circuit(c.meter.bus, c.meter.box, c.meter.circuit);
  if (!v) {
    seen = "meter " + c.meter.to_string() + " does not exist in the fleet";
    return false;
  }
  switch (c.quantity) {
    case Quantity::kRelay: {
      const std::string word = v->relay_closed ? "closed" : "open";
      seen = "relay " + word + ", balance " + format_decimal(v->balance_fen, 2);
      return (word == c.word) == (c.op == Op::kEq);
    }
    case Quantity::kMode: {
      const std::string word = mode_word(v->mode);
      seen = "mode " + word;
      return (word == c.word) == (c.op == Op::kEq);
    }
    case Quantity::kBalance:
      seen = "balance " + format_decimal(v->balance_fen, 2);
      return compare(v->balance_fen, c.op, c.number, c.tolerance);
    case Quantity::kEnergy:
      seen = "energy " + format_decimal(v->energy_wh, 3) + " kWh";
      return compare(v->energy_wh, c.op, c.number, c.tolerance);
    case Quantity::kPower:
      seen = "power " + std::to_string(v->power_w) + " W";
      return compare(v->power_w, c.op, c.number, c.tolerance);
    case Quantity::kPurchaseCount:
      seen = "purchase_count " + std::to_string(v->purchase_count);
      return compare(v->purchase_count, c.op, c.number, 0);
    case Quantity::kPurchaseTotal:
      seen = "purchase_total " + format_decimal(v->purchase_total_fen, 2);
      return compare(v->purchase_total_fen, c.op, c.number, c.tolerance);
    case Quantity::kDebitCount:
      seen = "debit_count " + std::to_string(v->debit_count);
      return compare(v->debit_count, c.op, c.number, 0);
    case Quantity::kDebitTotal:
      seen = "debit_total " + format_decimal(v->debit_total_fen, 2);
      return compare(v->debit_total_fen, c.op, c.number, c.tolerance);
    default:
      seen = "unsupported check";
      return false;
  }
}

std::optional<store::MeterRecord> Run::system_meter(const Check& c, std::string& seen) const {
  auto found = ops_->meter(as(domain::Action::kQuery), to_id(c.meter));
  if (!found) {
    seen = "the system does not know meter " + c.meter.to_string();
    return std::nullopt;
  }
  return std::move(found.value());
}

bool Run::view_number_holds(const Check& c, std::string& seen) const {
  const auto found = system_meter(c, seen);
  if (!found) return false;
  const auto& m = *found;
  if (c.quantity == Quantity::kSystemPurchaseCount) {
    seen = "system purchase_count " + std::to_string(m.last.purchase_count);
    return compare(m.last.purchase_count, c.op, c.number, 0);
  }
  if (c.quantity == Quantity::kFailedCycles) {
    seen = "failed cycles " + std::to_string(m.failed_cycles);
    return compare(m.failed_cycles, c.op, c.number, 0);
  }
  if (!m.read_at) {
    seen = "never read by the system";
    return false;
  }
  const auto age = std::chrono::duration_cast<Millis>(clock_.now() - *m.read_at);
  seen = "last read " + format_duration(age) + " ago, at " +
         format_timestamp(*m.read_at, sc_.start.offset);
  return compare(age.count(), c.op, c.number, 0);
}

bool Run::command_holds(const Check& c, std::string& seen) const {
  const auto cmds =
      ops_->meter_commands(as(domain::Action::kQuery), to_id(c.meter), kAllCommands).value();
  if (c.quantity == Quantity::kOpenCommands) {
    const auto open = std::count_if(cmds.begin(), cmds.end(), [](const store::CommandRecord& v) {
      return v.state == domain::CommandState::kPending ||
             v.state == domain::CommandState::kInFlight;
    });
    seen = std::to_string(open) + " open command(s)";
    return compare(open, c.op, c.number, 0);
  }
  if (cmds.empty()) {
    seen = "no command for " + c.meter.to_string();
    return false;
  }
  const auto& last = cmds.front();
  const std::string state(domain::to_string(last.state));
  seen = "last command " + std::to_string(last.id) + " (" +
         std::string(domain::to_string(last.kind)) + ") " + state + " after " +
         std::to_string(last.attempts) + " attempt(s)" +
         (last.last_error.empty() ? "" : ", last error: " + last.last_error);
  return (state == c.word) == (c.op == Op::kEq);
}

bool Run::credited_once(const MeterRef& m, std::string& seen) const {
  const auto v = sim_.circuit(m.bus, m.box, m.circuit);
  if (!v) {
    seen = "meter " + m.to_string() + " does not exist in the fleet";
    return false;
  }
  std::int64_t confirmed = 0;
  std::int64_t open = 0;
  const auto cmds =
      ops_->meter_commands(as(domain::Action::kQuery), to_id(m), kAllCommands).value();
  for (const auto& cmd : cmds) {
    if (cmd.kind != domain::CommandKind::kCredit) continue;
    if (cmd.state == domain::CommandState::kConfirmed) confirmed += cmd.amount_fen;
    if (cmd.state == domain::CommandState::kPending ||
        cmd.state == domain::CommandState::kInFlight) {
      ++open;
    }
  }
  seen = "meter purchase_total " + format_decimal(v->purchase_total_fen, 2) +
         ", confirmed credits " + format_decimal(confirmed, 2);
  bool ok = v->purchase_total_fen == confirmed && open == 0;
  if (open > 0) seen += ", " + std::to_string(open) + " credit(s) still open";
  for (const auto& a : sc_.accounts) {
    if (a.meters.empty() || a.meters.front().to_string() != m.to_string()) continue;
    std::int64_t sales = 0;
    const auto entries = ops_->ledger(as(domain::Action::kQuery), a.id).value();
    for (const auto& e : entries) {
      if (e.kind == domain::EntryKind::kSale) sales += e.amount_fen;
    }
    seen += ", sales to " + a.id + " " + format_decimal(sales, 2);
    ok = ok && sales == confirmed;
  }
  return ok;
}

bool Run::sms_holds(const Check& c, std::string& seen) const {
  store::NoticeFilter f;
  f.account = c.account;
  f.kind = domain::parse_notice_kind(c.word);
  const auto all = ops_->notices(as(domain::Action::kQuery), f).value();
  const auto sent = std::count_if(all.begin(), all.end(), [](const store::NoticeRecord& n) {
    return n.state == domain::NoticeState::kSent;
  });
  seen = std::to_string(sent) + " " + c.word + " SMS sent to " + c.account + " of " +
         std::to_string(all.size()) + " notice(s)";
  if (!all.empty()) {
    const auto& last = all.back();
    seen += "; last " + std::string(domain::to_string(last.state)) + ": " + last.text +
            (last.reason.empty() ? "" : " (" + last.reason + ")") +
            (last.last_error.empty() ? "" : " [" + last.last_error + "]");
  }
  return compare(sent, c.op, c.number, 0);
}

bool Run::event_holds(const Check& c, std::string& seen) const {
  const auto events = ops_->events(as(domain::Action::kQuery), to_id(c.meter)).value();
  const auto n = std::count_if(events.begin(), events.end(),
                               [&](const store::EventRecord& e) { return e.kind == c.word; });
  seen = std::to_string(n) + " " + c.word + " event(s) of " + std::to_string(events.size());
  for (const auto& e : events) {
    if (e.kind == c.word) {
      seen += "; first at " + format_timestamp(e.at, sc_.start.offset) + ": " + e.details;
      break;
    }
  }
  return (n > 0) == (c.op == Op::kEq);
}

bool Run::closing_holds(const Check& c, std::string& seen) const {
  const auto found = ops_->account_closing(as(domain::Action::kQuery), c.account);
  if (!found) {
    seen = "account " + c.account + ": " + found.error().message;
    return false;
  }
  const auto& closing = found.value();
  std::string word = "none";
  std::string steps;
  if (closing) {
    word = closing->finished_at ? "done" : "started";
    for (const auto& m : closing->meters) {
      steps += (steps.empty() ? " (" : ", ") + m.meter.to_string() + " " +
               std::string(domain::to_string(m.step));
      if (m.blocked) {
        word = "blocked";
        steps += " BLOCKED: " + *m.blocked;
      }
    }
    if (!steps.empty()) steps += ")";
  }
  if (c.quantity == Quantity::kClosing) {
    seen = "closing " + word + steps;
    return (word == c.word) == (c.op == Op::kEq);
  }
  if (!closing || !closing->finished_at) {
    seen = "no refund yet: closing " + word + steps;
    return false;
  }
  seen = "refunded " + format_decimal(closing->refunded_fen, 2) + ", settled " +
         format_decimal(closing->settled_fen, 2) + ", owed " + format_decimal(closing->owed_fen, 2);
  return compare(closing->refunded_fen, c.op, c.number, c.tolerance);
}

bool Run::account_agrees(const Check& c, std::string& seen) const {
  const auto found = ops_->account(as(domain::Action::kQuery), c.account);
  if (!found) {
    seen = c.account + ": " + found.error().message;
    return false;
  }
  const auto& account = found.value();
  const Flows f = flows_of(ops_->ledger(as(domain::Action::kQuery), c.account).value());
  seen = c.account + ": ledger " + format_decimal(account.balance_fen, 2);
  if (f.sum != account.balance_fen) {
    seen += " but its entries add up to " + format_decimal(f.sum, 2) + " (sales " +
            format_decimal(f.in, 2) + ", refunds and reversals " + format_decimal(f.out, 2) +
            ", charges and settlements " + format_decimal(f.used, 2) + ", transfers " +
            format_decimal(f.moved, 2) + ")";
    return false;
  }
  // The meter that holds the money: the account's first meter now, or when closed the first one
  // its closing switched off.
  std::optional<domain::MeterId> money_meter;
  if (!account.meters.empty()) money_meter = account.meters.front();
  if (!money_meter) {
    const auto closing = ops_->account_closing(as(domain::Action::kQuery), c.account).value();
    if (closing && !closing->meters.empty()) money_meter = closing->meters.front().meter;
  }
  if (!money_meter) {
    seen += " = its entries, no meter";
    return true;
  }
  const auto meter = ops_->meter(as(domain::Action::kQuery), *money_meter);
  if (meter && meter.value().billing_mode == domain::BillingMode::kHostSide) {
    seen += " = its entries (host-side: the ledger holds the money)";
    return true;
  }
  const MeterRef ref{money_meter->bus, money_meter->box, money_meter->circuit};
  const auto v = sim_.circuit(ref.bus, ref.box, ref.circuit);
  if (!v) {
    seen += ": meter " + ref.to_string() + " does not exist in the fleet";
    return false;
  }
  seen += " = its entries, meter " + ref.to_string() + " " + format_decimal(v->balance_fen, 2);
  bool ok = compare(account.balance_fen, Op::kEq, v->balance_fen, c.tolerance);
  if (!ok) seen += " (off by more than " + format_decimal(c.tolerance, 2) + ")";
  // Money in and out of the meter is what the ledger says went in and out, to the fen. A
  // replaced meter starts from zero and a transfer moves money between meters: not comparable.
  const bool replaced = std::any_of(sc_.timeline.begin(), sc_.timeline.end(), [&](const Step& s) {
    const auto* r = std::get_if<ReplaceMeterAction>(&s.action);
    return r != nullptr && r->meter.to_string() == ref.to_string();
  });
  // A conversion moved money between the ledger and the register by commands with no sale or
  // refund entry (the emptying, the way back).
  const auto conversion = ops_->meter_conversion(as(domain::Action::kQuery), *money_meter);
  if (replaced || f.transfers || (conversion && conversion.value())) {
    seen += "; in/out not compared (meter replaced, money transferred or converted)";
    return ok;
  }
  const std::int64_t meter_net = v->purchase_total_fen - v->debit_total_fen;
  seen += "; in - out: meter " + format_decimal(meter_net, 2) + ", ledger " +
          format_decimal(f.in - f.out, 2) + "; used: meter " +
          format_decimal(meter_net - v->balance_fen, 2) + ", ledger " + format_decimal(f.used, 2);
  if (meter_net != f.in - f.out) {
    seen += " (the meter did not take in or give out what the ledger says)";
    ok = false;
  }
  return ok;
}

bool Run::all_hold(const std::vector<Check>& checks, std::string& seen) const {
  seen.clear();
  bool ok = true;
  for (const auto& c : checks) {
    std::string one;
    ok = holds(c, one) && ok;
    seen += (seen.empty() ? "" : "; ") + one;
  }
  return ok;
}

}  // namespace phil::bench::detail
