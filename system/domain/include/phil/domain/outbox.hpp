#pragma once
// The command outbox: every change that must reach a meter is a durable row written in the same
// transaction as the ledger change that caused it, then delivered by the bus worker and confirmed
// by reading the meter back. Commands of one meter are delivered strictly in order: a command
// waits until every earlier command of its meter is confirmed, failed or superseded.
//
// State machine:  pending -> in_flight -> confirmed
//                                      -> failed(reason)
//                 pending | in_flight -> superseded   (a later command made it pointless)
//                 in_flight -> in_flight               (retry after a lost request or reply)
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <phil/common/time.hpp>

namespace phil::domain {

enum class CommandKind : std::uint8_t {
  kCredit,      ///< payload: amount, fen; carries a purchase_count
  kPrice,       ///< payload: price table (later)
  kThresholds,  ///< payload: alarm and overload thresholds (later)
  kMode,        ///< payload: prepaid | keep_power | forced_off (later)
};

enum class CommandState : std::uint8_t { kPending, kInFlight, kConfirmed, kFailed, kSuperseded };

std::string_view to_string(CommandKind k);
std::optional<CommandKind> parse_command_kind(std::string_view s);
std::string_view to_string(CommandState s);
std::optional<CommandState> parse_command_state(std::string_view s);

/// True for confirmed, failed and superseded: the command will never be sent again.
bool is_terminal(CommandState s);

// ---- Credit delivery: exactly once ------------------------------------------------------------
//
// A credit's purchase_count is assigned ONCE, before its first write: the meter's current count
// + 1 (mod 2^16, the register is 16 bits), persisted before the write. The meter accepts a credit
// only when its count is exactly last + 1, so on every later attempt the meter's count tells
// what happened to the earlier writes:
//   meter == assigned       -> the credit was applied (reply lost or confirmed late): confirm,
//                              never send again;
//   meter == assigned - 1   -> not applied (request lost or refused): (re)send the SAME count;
//   anything else           -> someone else changed the meter's count (another head-end, a
//                              card, a replaced meter): fail with a conflict for an operator.
// A credit is never re-issued under a new count.

enum class CreditAction : std::uint8_t {
  kWrite,    ///< write (count, amount); `count` is the one to write
  kConfirm,  ///< the meter has applied the credit
  kFail,     ///< conflict; `reason` says what was found
};

struct CreditDecision {
  CreditAction action = CreditAction::kWrite;
  std::uint16_t count = 0;  ///< kWrite: count to write (assign it first if it was not yet)
  bool assign = false;      ///< kWrite: true if `count` is newly assigned and must be persisted
  std::string reason;       ///< kFail: what was found, for the operator
};

/// Decides the next step for a credit from its assigned count (nullopt before the first write)
/// and the purchase_count just read from the meter.
CreditDecision decide_credit(std::optional<std::uint16_t> assigned, std::uint16_t meter_count);

/// What reading a meter back after a credit tells (meterlink decodes it, the store mirrors it).
struct CreditReadback {
  std::uint16_t purchase_count = 0;
  std::int64_t balance_fen = 0;
  bool relay_closed = false;
  std::uint16_t status_bits = 0;  ///< the status register, so alarms clear with the credit
  bool alarm1 = false;
  bool alarm2 = false;
  bool arrears = false;
};

/// Wait before retrying a command after `attempts` failed attempts (>= 1): 5 s doubling per
/// attempt, at most 5 minutes. A poll cycle retries pending commands regardless.
Millis retry_delay(int attempts);

}  // namespace phil::domain
