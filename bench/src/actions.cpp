// The actions of timeline steps: sales, refunds and reversals, account closings, meter moves,
// loads, faults, meter replacements, commands and on-demand reads.
#include <optional>
#include <stdexcept>

#include "run_context.hpp"

namespace phil::bench::detail {

namespace {

/// The outcome of a money step written with `refused: "text"` (it passes if refused with a
/// message containing the text), or of one refused without it (it fails); nullopt when the
/// step was accepted as expected and goes on.
template <typename T>
std::optional<bool> refusal_outcome(const std::string& what, const domain::Result<T>& res,
                                    const std::optional<std::string>& refused,
                                    std::string& detail) {
  if (refused && res) {
    detail = what + " accepted, expected a refusal saying \"" + *refused + "\"";
    return false;
  }
  if (res) return std::nullopt;
  detail = what + " refused: " + res.error().message;
  return refused && res.error().message.find(*refused) != std::string::npos;
}

}  // namespace

bool Run::money_back(const MoneyBackAction& a, std::string& detail) {
  const std::string what = a.sale ? "reversal" : "refund";
  domain::Result<store::MoneyBack> res =
      domain::Error{domain::ErrorKind::kNotFound,
                    "account " + a.account + " has no sale " + std::to_string(a.sale.value_or(0))};
  if (a.sale) {
    int n = 0;
    for (const auto& e : ops_->ledger(as(domain::Action::kQuery), a.account).value()) {
      if (e.kind == domain::EntryKind::kSale && ++n == *a.sale) {
        res = ops_->reversal(as(domain::Action::kReversal), e.seq);
        break;
      }
    }
  } else {
    res = ops_->refund(as(domain::Action::kRefund), a.account, a.amount_fen);
  }
  if (const auto refusal = refusal_outcome(what, res, a.refused, detail)) return *refusal;
  if (res.value().command) {
    iterate();
    detail = what + ": debit " + std::to_string(*res.value().command) + " queued at " +
             format_timestamp(clock_.now(), sc_.start.offset);
  } else {
    detail = what + " booked at once (entry " + std::to_string(res.value().seq.value_or(0)) + ")";
  }
  return true;
}

bool Run::close_account(const CloseAccountAction& a, std::string& detail) {
  const auto res = ops_->close_account(as(domain::Action::kCloseAccount), a.account);
  if (const auto refusal = refusal_outcome("close of " + a.account, res, a.refused, detail)) {
    return *refusal;
  }
  const auto& r = res.value();
  if (r.closed) {
    detail = "closed at once (no meter), refunded " + format_decimal(r.refunded_fen, 2);
    return true;
  }
  // Like a sale, the first step (the relay forced off) is taken at once.
  iterate();
  detail = std::string(r.resumed > 0 ? "closing resumed on " : "closing started on ") +
           std::to_string(r.resumed > 0 ? r.resumed : static_cast<int>(r.meters.size())) +
           " meter(s) at " + format_timestamp(clock_.now(), sc_.start.offset);
  return true;
}

bool Run::move_meter(const MoveMeterAction& a, std::string& detail) {
  const auto res =
      ops_->move_meter(as(domain::Action::kMoveMeter), to_id(a.meter), a.to_account, false);
  const auto what = "move of " + a.meter.to_string() + " to " + a.to_account;
  if (const auto refusal = refusal_outcome(what, res, a.refused, detail)) return *refusal;
  detail = "moved from " + res.value().from_account + " at " +
           format_timestamp(clock_.now(), sc_.start.offset);
  return true;
}

bool Run::tariff(const TariffAction& a, std::string& detail) {
  const auto now = clock_.now();
  auto res =
      ops_->add_tariff(as(domain::Action::kAddTariff), {a.name, {now, a.tariff}, sc_.start.offset});
  if (res) {
    res = ops_->assign_tariff(
        as(domain::Action::kAssignTariff),
        {a.name, a.meter ? std::optional(to_id(*a.meter)) : std::nullopt, std::nullopt});
  }
  if (!res) {
    detail = "tariff " + a.name + " refused: " + res.error().message;
    return false;
  }
  // The price downloads it queued go out at once, like a sale's credit.
  iterate();
  detail = "in force from " + format_timestamp(now, sc_.start.offset);
  return true;
}

bool Run::restart(const RestartAction& a, std::string& detail) {
  if (a.billing) {
    for (auto& bus : site_.buses) {
      if (!a.box) {
        bus.billing = a.billing;
        bus.box_billing.clear();
      } else if (bus.id == a.box->first) {
        bus.box_billing[a.box->second] = *a.billing;
      }
    }
  }
  system_.reset();  // the daemon stops: its bus connections close
  system_ = std::make_unique<service::System>(site_, db_, clock_);
  iterate();
  detail = "started again at " + format_timestamp(clock_.now(), sc_.start.offset);
  return true;
}

bool Run::act(const Step& step, std::string& detail) {
  if (const auto* sale = std::get_if<SaleAction>(&step.action)) {
    auto res = ops_->sale(as(domain::Action::kSale), sale->account, sale->amount_fen);
    if (sale->refused) {
      if (res) {
        detail = "sale accepted (credit " + std::to_string(res.value()) +
                 "), expected a refusal saying \"" + *sale->refused + "\"";
        return false;
      }
      detail = "sale refused: " + res.error().message;
      return res.error().message.find(*sale->refused) != std::string::npos;
    }
    if (!res) {
      detail = "sale refused: " + res.error().message;
      return false;
    }
    // A sale is pushed to the meter at once: the system delivers it in this iteration.
    iterate();
    detail = "sold at " + format_timestamp(clock_.now(), sc_.start.offset);
    return true;
  }
  if (const auto* money = std::get_if<MoneyBackAction>(&step.action))
    return money_back(*money, detail);
  if (const auto* close = std::get_if<CloseAccountAction>(&step.action))
    return close_account(*close, detail);
  if (const auto* move = std::get_if<MoveMeterAction>(&step.action))
    return move_meter(*move, detail);
  if (const auto* t = std::get_if<TariffAction>(&step.action)) return tariff(*t, detail);
  if (const auto* r = std::get_if<RestartAction>(&step.action)) return restart(*r, detail);
  if (const auto* load = std::get_if<LoadAction>(&step.action)) {
    if (!sim_.set_load(load->meter.bus, load->meter.box, load->meter.circuit, load->load)) {
      detail = "no such circuit " + load->meter.to_string();
      return false;
    }
    detail = "load changed at " + format_timestamp(clock_.now(), sc_.start.offset);
    return true;
  }
  if (const auto* f = std::get_if<FaultAction>(&step.action)) {
    sim::FaultSpec spec = f->fault;
    spec.start = clock_.now();
    try {
      faults_[f->name] = sim_.inject_fault(spec);
    } catch (const std::invalid_argument& e) {
      detail = std::string("fault refused by the fleet: ") + e.what();
      return false;
    }
    detail = "injected at " + format_timestamp(clock_.now(), sc_.start.offset);
    return true;
  }
  if (const auto* clear = std::get_if<ClearFaultAction>(&step.action)) {
    if (clear->name.empty()) {
      sim_.clear_faults();
      faults_.clear();
    } else {
      const auto it = faults_.find(clear->name);
      if (it == faults_.end() || !sim_.clear_fault(it->second)) {
        detail = "fault " + clear->name + " was not injected (its step did not run)";
        return false;
      }
      faults_.erase(it);
    }
    detail = "cleared at " + format_timestamp(clock_.now(), sc_.start.offset);
    return true;
  }
  if (const auto* r = std::get_if<ReplaceMeterAction>(&step.action)) {
    if (!sim_.replace_meter(r->meter.bus, r->meter.box, r->meter.circuit)) {
      detail = "no such circuit " + r->meter.to_string();
      return false;
    }
    detail = "meter replaced at " + format_timestamp(clock_.now(), sc_.start.offset);
    return true;
  }
  if (const auto* r = std::get_if<ReplaceInPlaceAction>(&step.action)) {
    auto res = ops_->replace_meter_in_place(as(domain::Action::kReplaceMeter), to_id(r->meter));
    if (!res) {
      detail = "meter replace --in-place refused: " + res.error().message;
      return false;
    }
    iterate();  // its credit, like a sale's, is delivered at once
    detail = "swap completed in place at " + format_timestamp(clock_.now(), sc_.start.offset) +
             ": " + format_decimal(res.value().credited_fen, 2) + " credited";
    return true;
  }
  if (const auto* c = std::get_if<ConfirmBoxAction>(&step.action)) {
    auto res = ops_->confirm_box(as(domain::Action::kConfirmBox), c->bus, c->address);
    if (!res) {
      detail = "box confirm refused: " + res.error().message;
      return false;
    }
    iterate();  // what waited for the confirmation (credits, debits) goes at once
    detail = "box confirmed at " + format_timestamp(clock_.now(), sc_.start.offset);
    return true;
  }
  if (const auto* cmd = std::get_if<CommandAction>(&step.action)) {
    auto res = ops_->command(as(domain::Action::kCommand), to_id(cmd->meter), cmd->payload);
    if (const auto refusal = refusal_outcome("command", res, cmd->refused, detail)) {
      return *refusal;
    }
    if (!res) {
      detail = "command refused: " + res.error().message;
      return false;
    }
    // Like a sale, a command is delivered at once: before any further polling.
    iterate();
    detail = "command " + std::to_string(res.value()) + " queued at " +
             format_timestamp(clock_.now(), sc_.start.offset);
    return true;
  }
  if (const auto* read = std::get_if<ReadNowAction>(&step.action)) {
    auto res = ops_->read_now(as(domain::Action::kReadNow), read->target);
    if (!res) {
      detail = "read-now refused: " + res.error().message;
      return false;
    }
    iterate();
    detail = "read at " + format_timestamp(clock_.now(), sc_.start.offset);
    return true;
  }
  detail = "nothing to do";
  return true;
}

}  // namespace phil::bench::detail
