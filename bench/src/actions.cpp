// The actions of timeline steps: sales, refunds and reversals, loads, faults, meter
// replacements, commands and on-demand reads.
#include <stdexcept>

#include "run_context.hpp"

namespace phil::bench::detail {

bool Run::money_back(const MoneyBackAction& a, std::string& detail) {
  const std::string what = a.sale ? "reversal" : "refund";
  domain::Result<store::MoneyBack> res =
      domain::Error{domain::ErrorKind::kNotFound,
                    "account " + a.account + " has no sale " + std::to_string(a.sale.value_or(0))};
  if (a.sale) {
    int n = 0;
    for (const auto& e : ops_->ledger(kBench, a.account).value()) {
      if (e.kind == domain::EntryKind::kSale && ++n == *a.sale) {
        res = ops_->reversal(kBench, e.seq);
        break;
      }
    }
  } else {
    res = ops_->refund(kBench, a.account, a.amount_fen);
  }
  if (a.refused) {
    if (res) {
      detail = what + " accepted, expected a refusal saying \"" + *a.refused + "\"";
      return false;
    }
    detail = what + " refused: " + res.error().message;
    return res.error().message.find(*a.refused) != std::string::npos;
  }
  if (!res) {
    detail = what + " refused: " + res.error().message;
    return false;
  }
  if (res.value().command) {
    iterate();
    detail = what + ": debit " + std::to_string(*res.value().command) + " queued at " +
             format_timestamp(clock_.now(), sc_.start.offset);
  } else {
    detail = what + " booked at once (entry " + std::to_string(res.value().seq.value_or(0)) + ")";
  }
  return true;
}

bool Run::act(const Step& step, std::string& detail) {
  if (const auto* sale = std::get_if<SaleAction>(&step.action)) {
    auto res = ops_->sale(kBench, sale->account, sale->amount_fen);
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
  if (const auto* cmd = std::get_if<CommandAction>(&step.action)) {
    auto res = ops_->command(kBench, to_id(cmd->meter), cmd->payload);
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
    auto res = ops_->read_now(kBench, read->target);
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
