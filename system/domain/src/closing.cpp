#include <string>

#include <phil/domain/closing.hpp>

#include "enum_names.hpp"

namespace phil::domain {

namespace {

constexpr detail::NameTable<CloseStep, 4> kStepNames{{
    {CloseStep::kRelay, "relay"},
    {CloseStep::kReading, "reading"},
    {CloseStep::kDebit, "debit"},
    {CloseStep::kDone, "done"},
}};

bool open(const StepCommand& c) {
  return c.state == CommandState::kPending || c.state == CommandState::kInFlight;
}

/// A step's command that will never be confirmed: what happened, and what the operator does.
std::string ended_badly(std::string_view what, const StepCommand& c) {
  return std::string(what) + " " + std::to_string(c.id) + " " +
         std::string(c.state == CommandState::kFailed ? "failed" : "was superseded") + ": " +
         c.last_error + "; see to the meter, then run account close again to retry";
}

CloseDecision after_reading(const MeterClosingFacts& f) {
  if (f.holds_money && f.balance_fen > 0) {
    return {CloseAction::kQueueDebit, f.balance_fen, {}};
  }
  return {CloseAction::kDone, 0, {}};
}

}  // namespace

std::string_view to_string(CloseStep s) {
  return detail::name_of(kStepNames, s);
}
std::optional<CloseStep> parse_close_step(std::string_view s) {
  return detail::value_of(kStepNames, s);
}

CloseDecision next_close_action(const MeterClosingFacts& f) {
  if (f.blocked) return {};
  switch (f.step) {
    case CloseStep::kRelay:
      if (!f.relay) return {CloseAction::kQueueRelay, 0, {}};
      if (open(*f.relay)) return {};
      if (f.relay->state == CommandState::kConfirmed) return {CloseAction::kRequestRead, 0, {}};
      return {CloseAction::kBlock, 0, ended_badly("forced-off command", *f.relay)};
    case CloseStep::kReading:
      return f.read_since_relay ? after_reading(f) : CloseDecision{};
    case CloseStep::kDebit:
      if (!f.debit) return after_reading(f);
      if (open(*f.debit)) return {};
      if (f.debit->state == CommandState::kConfirmed) return {CloseAction::kDone, 0, {}};
      return {CloseAction::kBlock, 0, ended_badly("debit", *f.debit)};
    case CloseStep::kDone:
      return {};
  }
  return {};
}

CloseStep resume_step(CloseStep blocked_at) {
  return blocked_at == CloseStep::kDebit ? CloseStep::kReading : blocked_at;
}

CloseSettlement settle_close(const CloseSettlementInputs& in) {
  CloseSettlement out;
  std::int64_t final_fen = in.ledger_fen;
  if (in.meter_keeps_fen) {
    const auto diff = in.ledger_fen - *in.meter_keeps_fen;
    if (diff > 0) out.settle_debit_fen = diff;
    if (diff < 0) out.settle_credit_fen = -diff;
    final_fen = *in.meter_keeps_fen;
  } else if (in.ledger_fen > 0) {
    out.refund_fen = in.ledger_fen;
    final_fen = 0;
  }
  if (final_fen < 0) out.owed_fen = -final_fen;
  return out;
}

}  // namespace phil::domain
