#pragma once
// Converting an account from meter-side to host-side billing (issue 12.3): one place holds an
// account's money, so when a meter-side account gets a second meter (a meter move, a replacement)
// the money its meter holds moves into the ledger, once:
//
//   switch  in the operation that makes the account host-side: the ledger is settled to what the
//           money meter held at its last reading (settle_switch), and every meter of the account
//           is billed host-side from that reading on. From here the ledger holds the money and
//           the meter's balance register is no longer money;
//   hold    host-side billing takes the relay off prepaid mode (keep_power while there is money,
//           forced_off in arrears), so that emptying the register cannot trip the meter;
//   empty   a debit (purpose convert) of what the register holds at a reading taken in that mode.
//           It books nothing: the ledger took the money at the switch. It leaves the register at
//           0, so the meter cannot hand out that money again if it is ever back in prepaid mode.
//
// The register keeps counting down in keep_power, so a debit of the balance read a moment ago may
// be refused (more than the balance); it is retried from the next reading, up to
// kMaxConvertDebits times. Comm loss only delays it.
//
// The way back (host-side to meter-side: the site file declares a single-meter account's meter
// meter-side again) moves the ledger's money onto the meter, once:
//
//   fill    while the meter is still billed host-side (off prepaid mode), a credit (or a debit)
//           of the difference between the ledger's balance and what the register holds at a
//           reading, marked convert: it books nothing, the ledger keeps mirroring the account;
//   check   a reading after it is confirmed decides again: a sale booked meanwhile is filled by
//           one more command; within kConvertBackToleranceFen the meter holds the account's
//           money and the meter is switched to meter-side billing and back to prepaid mode.
//
// It waits while the ledger is at or below 0 (a meter cannot hold a debt: a sale first), and
// gives up after kMaxConvertDebits commands (blocked: the account stays host-side, nothing lost).
// Pure.
#include <cstdint>
#include <optional>
#include <string>

#include <phil/domain/closing.hpp>
#include <phil/domain/reading.hpp>

namespace phil::domain {

/// Debits tried before an emptying is given up (blocked, with an event): the register is inert
/// while the meter is host-side, so a blocked emptying loses no money.
inline constexpr int kMaxConvertDebits = 5;

/// The ledger entries of the switch: the ledger (which mirrored the meter) ends at what the meter
/// held for the tenant. One of them is 0.
struct SwitchSettlement {
  std::int64_t settle_debit_fen = 0;   ///< the meter held less than the ledger mirrored
  std::int64_t settle_credit_fen = 0;  ///< the meter held more
};

/// `meter_fen`: the money meter's balance at its last reading, nullopt if never read (the ledger
/// is then taken as it is). `offset_fen`: the part of the meter's balance that was never the
/// account's (credit it held when the account was opened: the balance check's baseline).
SwitchSettlement settle_switch(std::int64_t ledger_fen, std::optional<std::int64_t> meter_fen,
                               std::int64_t offset_fen);

/// What the store knows of one meter's emptying when it advances it.
struct ConversionFacts {
  /// The meter is still in the account and the account is open.
  bool attached = true;
  /// The relay mode and balance of the meter's newest reading taken after the emptying started
  /// (or after its last debit failed); nullopt: no such reading yet.
  std::optional<MeterMode> mode;
  std::int64_t balance_fen = 0;
  std::optional<StepCommand> debit;  ///< the debit queued, if any
  int failed_debits = 0;             ///< debits that failed or were superseded so far
};

enum class ConvertAction : std::uint8_t {
  kWait,        ///< nothing to do until the outbox, host billing or a poll moves
  kQueueDebit,  ///< queue the debit of `debit_fen`
  kRetry,       ///< the debit failed: count it and wait for a newer reading
  kDone,        ///< the register is empty (confirmed, or it held nothing)
  kCancel,      ///< the meter left the account: nothing more to empty for it
  kBlock,       ///< give up with `reason` (see kMaxConvertDebits)
};

struct ConvertDecision {
  ConvertAction action = ConvertAction::kWait;
  std::int64_t debit_fen = 0;  ///< kQueueDebit: the amount (> 0)
  std::string reason;          ///< kBlock, kCancel: what happened
};

/// The next thing to do for one meter's emptying.
ConvertDecision next_convert_action(const ConversionFacts& f);

/// A register within this of the ledger holds the account's money (sub-fen rounding of the
/// meter's own deduction against the ledger's charges).
inline constexpr std::int64_t kConvertBackToleranceFen = 1;

/// What the store knows of one meter's way back when it advances it.
struct ConvertBackFacts {
  /// The meter is still the only meter of the open account.
  bool attached = true;
  /// The meter's newest reading taken after the way back started (or after its last command
  /// ended): its relay mode and balance; nullopt: no such reading yet.
  std::optional<MeterMode> mode;
  std::int64_t balance_fen = 0;
  std::int64_t ledger_fen = 0;         ///< the account's ledger balance now
  std::optional<StepCommand> command;  ///< the credit or debit queued, if any
  int commands = 0;                    ///< commands queued so far (confirmed or not)
};

enum class ConvertBackAction : std::uint8_t {
  kWait,         ///< nothing to do until the outbox or a poll moves (or a sale: arrears)
  kQueueCredit,  ///< queue a convert credit of `amount_fen`
  kQueueDebit,   ///< queue a convert debit of `amount_fen`
  kNext,         ///< the command ended (confirmed or failed): decide again at a newer reading
  kDone,         ///< the meter holds the ledger's balance: switch it to meter-side
  kCancel,       ///< the account is no longer a single-meter open account
  kBlock,        ///< give up with `reason`: the account stays host-side
};

struct ConvertBackDecision {
  ConvertBackAction action = ConvertBackAction::kWait;
  std::int64_t amount_fen = 0;  ///< kQueueCredit, kQueueDebit: > 0
  std::string reason;           ///< kCancel, kBlock: what happened
};

/// The next thing to do for one meter's way back to meter-side.
ConvertBackDecision next_convert_back_action(const ConvertBackFacts& f);

}  // namespace phil::domain
