#pragma once
// Closing an account (销户, issue 12.2) on its meters, one step after the other, each confirmed
// by reading the meter back, so that an account is closed only once every meter is off and the
// money it held is back in the ledger:
//
//   relay    a forced_off mode command: the relay opens and stays open, so no energy is used
//            from here on and the balance the meter holds no longer moves;
//   reading  the final reading, taken after the relay is confirmed open: the ledger charges up
//            to it (host-side) or mirrors up to it (meter-side), and it gives the balance the
//            meter holds;
//   debit    meter-side, the meter holding the account's money: a debit of that balance, as
//            read, so the refund is what the meter gave up (its confirmation books the refund);
//   done.
//
// The relay goes first (the issue lists the final reading first) because a reading taken while
// the relay is closed is not final: the tenant may still use energy until the meter is off, and
// a debit of a balance that moved meanwhile is refused by the meter.
//
// Comm loss only delays a step: the outbox retries its commands, and a final read that failed is
// replaced by the next poll's reading. A meter that refuses a command (an exception reply), or
// a command superseded by an operator's, blocks its meter's closing with the reason until an
// operator closes the account again, which resumes it. When every meter is done the account is
// settled (settle_close) and closed. Pure.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <phil/domain/outbox.hpp>

namespace phil::domain {

enum class CloseStep : std::uint8_t { kRelay, kReading, kDebit, kDone };

std::string_view to_string(CloseStep s);
std::optional<CloseStep> parse_close_step(std::string_view s);

/// A command a closing step queued, as the outbox has it now.
struct StepCommand {
  std::int64_t id = 0;
  CommandState state = CommandState::kPending;
  std::string last_error;  ///< why it failed or was superseded
};

/// What the store knows of one meter's closing when it advances it.
struct MeterClosingFacts {
  CloseStep step = CloseStep::kRelay;
  bool blocked = false;              ///< waits for an operator (see the header comment)
  std::optional<StepCommand> relay;  ///< the forced_off command of this step, if queued
  /// The meter was read after its relay was confirmed open (or after a resume): by the final
  /// read asked for, or by a poll if that read failed.
  bool read_since_relay = false;
  /// The meter holds the account's money (meter-side, the account's first meter).
  bool holds_money = false;
  std::int64_t balance_fen = 0;      ///< the meter's balance at its last reading
  std::optional<StepCommand> debit;  ///< the debit of this step, if queued
};

enum class CloseAction : std::uint8_t {
  kWait,         ///< nothing to do until the outbox, the reader or a poll moves
  kQueueRelay,   ///< queue the forced_off mode command
  kRequestRead,  ///< relay confirmed: ask for the final read; the step becomes reading
  kQueueDebit,   ///< queue the debit of `debit_fen`; the step becomes debit
  kDone,         ///< this meter's closing is complete
  kBlock,        ///< stop with `reason` until an operator resumes
};

struct CloseDecision {
  CloseAction action = CloseAction::kWait;
  std::int64_t debit_fen = 0;  ///< kQueueDebit: the amount (> 0)
  std::string reason;          ///< kBlock: what happened and what to do
};

/// The next thing to do for one meter's closing. A blocked meter waits (kWait).
CloseDecision next_close_action(const MeterClosingFacts& f);

/// Where an operator's resume restarts a meter blocked at `blocked_at`: the relay step queues a
/// new forced_off command; a refused debit is retried from a new final reading, so its amount is
/// what the meter holds then.
CloseStep resume_step(CloseStep blocked_at);

/// How the account's money is settled when every meter is done.
struct CloseSettlementInputs {
  std::int64_t ledger_fen = 0;  ///< the account's ledger balance (after a close debit's refund)
  /// Meter-side: what the meter holding the money still holds after its debit (its read-back
  /// balance: 0 after a confirmed debit of its whole balance, or a balance <= 0 it was not
  /// debited for). nullopt for a host-side account, where the ledger holds the money.
  std::optional<std::int64_t> meter_keeps_fen;
};

struct CloseSettlement {
  /// Host-side: the balance paid back (a refund entry). Meter-side refunds are the debit's.
  std::int64_t refund_fen = 0;
  /// Meter-side: the meter used more than the ledger mirrored (a settle_debit entry) or less (a
  /// settle_credit entry), so the ledger ends at what the meter holds. One of them is 0.
  std::int64_t settle_debit_fen = 0;
  std::int64_t settle_credit_fen = 0;
  /// The tenant still owes this much (> 0 when the final balance is negative); the account is
  /// closed with that balance, a debt to collect, not money lost.
  std::int64_t owed_fen = 0;
};

/// Meter-side, the meter's balance is the truth: the ledger is settled to what the meter
/// holds. Host-side, the ledger's positive balance is refunded. Either way the account's final
/// balance is 0, or the negative amount owed.
CloseSettlement settle_close(const CloseSettlementInputs& in);

}  // namespace phil::domain
