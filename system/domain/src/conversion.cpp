#include <string>

#include <phil/domain/conversion.hpp>

namespace phil::domain {

SwitchSettlement settle_switch(std::int64_t ledger_fen, std::optional<std::int64_t> meter_fen,
                               std::int64_t offset_fen) {
  SwitchSettlement out;
  if (!meter_fen) return out;
  const auto diff = (*meter_fen - offset_fen) - ledger_fen;
  if (diff > 0) out.settle_credit_fen = diff;
  if (diff < 0) out.settle_debit_fen = -diff;
  return out;
}

ConvertDecision next_convert_action(const ConversionFacts& f) {
  if (!f.attached) {
    return {ConvertAction::kCancel, 0,
            "the meter left the account (or it was closed) before its register was emptied"};
  }
  if (f.debit) {
    switch (f.debit->state) {
      case CommandState::kPending:
      case CommandState::kInFlight:
        return {};
      case CommandState::kConfirmed:
        return {ConvertAction::kDone, 0, {}};
      case CommandState::kFailed:
      case CommandState::kSuperseded:
        if (f.failed_debits + 1 >= kMaxConvertDebits) {
          return {ConvertAction::kBlock, 0,
                  "debit " + std::to_string(f.debit->id) + " failed (" + f.debit->last_error +
                      ") after " + std::to_string(kMaxConvertDebits) +
                      " tries; the register is inert while the meter is host-side, see to the "
                      "meter before it goes back to prepaid mode"};
        }
        return {ConvertAction::kRetry, 0, {}};
    }
    return {};
  }
  // Only in a mode where a register at 0 cannot trip the meter (host billing puts it there).
  if (!f.mode || *f.mode == MeterMode::kPrepaid || *f.mode == MeterMode::kUnknown) return {};
  if (f.balance_fen <= 0) return {ConvertAction::kDone, 0, {}};
  return {ConvertAction::kQueueDebit, f.balance_fen, {}};
}

ConvertBackDecision next_convert_back_action(const ConvertBackFacts& f) {
  if (!f.attached) {
    return {ConvertBackAction::kCancel, 0,
            "the account was closed or got another meter before the way back ended"};
  }
  if (f.command) {
    switch (f.command->state) {
      case CommandState::kPending:
      case CommandState::kInFlight:
        return {};
      case CommandState::kConfirmed:
      case CommandState::kFailed:
      case CommandState::kSuperseded:
        return {ConvertBackAction::kNext, 0, {}};
    }
    return {};
  }
  // Only off prepaid mode, where host billing holds the relay whatever the register shows.
  if (!f.mode || *f.mode == MeterMode::kPrepaid || *f.mode == MeterMode::kUnknown) return {};
  if (f.ledger_fen <= 0) return {};
  const auto diff = f.ledger_fen - f.balance_fen;
  if (diff >= -kConvertBackToleranceFen && diff <= kConvertBackToleranceFen) {
    return {ConvertBackAction::kDone, 0, {}};
  }
  if (f.commands >= kMaxConvertDebits) {
    return {ConvertBackAction::kBlock, 0,
            std::to_string(f.commands) +
                " commands did not bring the meter's register to the "
                "ledger's balance (it holds " +
                std::to_string(f.balance_fen) + " fen, the ledger " + std::to_string(f.ledger_fen) +
                "); the account stays host-side, see to the meter"};
  }
  if (diff > 0) return {ConvertBackAction::kQueueCredit, diff, {}};
  return {ConvertBackAction::kQueueDebit, -diff, {}};
}

}  // namespace phil::domain
