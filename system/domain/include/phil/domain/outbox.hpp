#pragma once
// The command outbox: every change that must reach a meter is a durable row written in the same
// transaction as the ledger change (or operator action) that caused it, then delivered by the
// bus worker and confirmed by reading the meter back.
//
// State machine:  pending -> in_flight -> confirmed
//                                      -> failed(reason)
//                 pending -> superseded                (a later command made it pointless)
//                 in_flight -> in_flight               (retry after a lost request or reply)
//                 pending -> failed(reason)            (undeliverable: meter not configured, ...)
// Only PENDING commands are superseded: an in-flight one may already be on the wire, so it runs
// to confirmed or failed, and the newer command is sent after it.
//
// Targets: a command addresses one circuit (meter), or a whole box (circuit 0) for the box-level
// registers (TOU schedule, clock).
//
// Order and priority: commands of one target form a queue; the head of a target's queue is its
// open command with the smallest (priority, id) and only the head may be sent. A bus sends the
// heads of its targets in (priority, id) order. Priorities (smaller first):
//   0 mode (trip / close / keep-power: safety and the tenant's supply),
//   1 credit and debit (money: what the tenant paid for, and what is paid back),
//   2 thresholds, 3 price and TOU schedule, 4 clock.
// Credits and debits are never reordered among themselves (one priority, id order) and never
// superseded: each carries its own count (below).
//
// Supersede rule (supersedes()): a new command of kind K for target T supersedes every PENDING
// command of kind K for T, except credits and debits. A newer mode, price table, threshold set, TOU
// table or clock sync makes the older one pointless: only the last value written matters.
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/domain/reading.hpp>
#include <phil/domain/result.hpp>
#include <phil/domain/tou.hpp>

namespace phil::domain {

enum class CommandKind : std::uint8_t {
  kCredit,       ///< meter: CreditPayload; carries a purchase_count
  kPrice,        ///< meter: PricePayload (the four TOU prices of the circuit)
  kThresholds,   ///< meter: ThresholdsPayload (alarm 1, alarm 2, overload)
  kMode,         ///< meter: ModePayload (keep_power / prepaid / forced_off / close)
  kTouSchedule,  ///< box: TouSchedulePayload (the daily period table of the box)
  kClock,        ///< box: ClockPayload (set the box clock to the deliverer's now)
  kDebit,        ///< meter: DebitPayload; carries a debit_count (money taken off the meter)
};

enum class CommandState : std::uint8_t { kPending, kInFlight, kConfirmed, kFailed, kSuperseded };

std::string_view to_string(CommandKind k);
std::optional<CommandKind> parse_command_kind(std::string_view s);
std::string_view to_string(CommandState s);
std::optional<CommandState> parse_command_state(std::string_view s);

/// True for confirmed, failed and superseded: the command will never be sent again.
bool is_terminal(CommandState s);

/// True if the kind addresses a whole box (target circuit 0), false if one circuit.
bool is_box_level(CommandKind k);

/// Delivery priority, smaller first (see the header comment): mode 0, credit and debit 1,
/// thresholds 2, price and TOU schedule 3, clock 4.
int priority(CommandKind k);

/// True if a new command of kind `k` makes older PENDING commands of the same kind and target
/// pointless (every kind but credit and debit).
bool supersedes(CommandKind k);

// ---- Payloads -----------------------------------------------------------------------------------

struct CreditPayload {
  std::int64_t amount_fen = 0;  ///< > 0
  /// The way back of a conversion (conversion.hpp): the ledger's money put onto the meter,
  /// with no sale entry ("purpose=convert" in the stored payload).
  bool convert = false;
  bool operator==(const CreditPayload&) const = default;
};

/// Why money is taken off a meter. Each books its ledger entry only once the meter confirms.
enum class DebitPurpose : std::uint8_t {
  kRefund,    ///< money paid back to the tenant (退电): a refund entry
  kReversal,  ///< a delivered sale cancelled (冲正): a reversal entry referring to the sale
  kClose,     ///< what the meter holds when its account is closed (销户): a refund entry
  /// What the meter's register still holds after its account became host-side (conversion.hpp):
  /// the ledger took that money at the switch, so its confirmation books no entry.
  kConvert,
};
std::string_view to_string(DebitPurpose p);
/// A debit's state as the operator and the reports name it: "pending" (pending or in flight:
/// no cash yet), "confirmed" (booked: pay out) or "cancelled" (failed or superseded: nothing
/// moved).
std::string_view debit_state(CommandState s);
std::optional<DebitPurpose> parse_debit_purpose(std::string_view s);

/// Money taken off a meter-side meter (the meter holds the account's money). Written as one
/// FC10 write of (debit_count, debit_amount), exactly once by its count as a credit is.
struct DebitPayload {
  std::int64_t amount_fen = 0;  ///< > 0
  DebitPurpose purpose = DebitPurpose::kRefund;
  std::optional<std::int64_t> ref_seq;  ///< a reversal's sale entry (> 0); only for reversals
  bool operator==(const DebitPayload&) const = default;
};

/// The circuit's four prices, 0.0001 yuan/kWh each (0 .. kMaxPrice of money.hpp), indexed by
/// TouRate (sharp, peak, flat, valley). A single-price tariff sends the same price four times.
struct PricePayload {
  std::array<std::int64_t, kTouRates> prices{};
  bool operator==(const PricePayload&) const = default;
};

/// Balance alarm thresholds (fen; the meter raises alarm 1 at or below alarm1_fen, alarm 2 at or
/// below alarm2_fen; 0 <= alarm2_fen <= alarm1_fen) and the overload threshold (W; 0: no overload
/// protection, as the site's default).
struct ThresholdsPayload {
  std::int64_t alarm1_fen = 0;
  std::int64_t alarm2_fen = 0;
  std::int64_t overload_w = 0;
  bool operator==(const ThresholdsPayload&) const = default;
};

/// Remote control of a circuit's relay (seed: 保电, 恢复预付费, 拉闸, 合闸). On an ADF300 each is a
/// write of the `mode` register; what confirms it is in mode_confirmed().
enum class RelayCommand : std::uint8_t {
  kKeepPower,  ///< relay held closed whatever the balance (mode keep_power)
  kPrepaid,    ///< restore prepaid mode: the meter trips by itself at zero (mode prepaid)
  kForcedOff,  ///< trip: relay held open (mode forced_off)
  kClose,      ///< end a trip: back to prepaid mode AND the relay must read closed
};
std::string_view to_string(RelayCommand c);
std::optional<RelayCommand> parse_relay_command(std::string_view s);
/// The mode register value that carries the command (kClose is written as kPrepaid).
MeterMode target_mode(RelayCommand c);
/// True if a read-back of (mode, relay) shows the command applied: the mode register equals
/// target_mode(c), and for kClose the relay is also closed (a meter in arrears keeps it open:
/// not confirmed; the deliverer decides whether to retry or fail).
bool mode_confirmed(RelayCommand c, MeterMode mode, bool relay_closed);

struct ModePayload {
  RelayCommand relay = RelayCommand::kPrepaid;
  bool operator==(const ModePayload&) const = default;
};

/// The box's daily TOU period table (valid per check_daily_periods of tou.hpp).
struct TouSchedulePayload {
  std::vector<DailyPeriod> periods;
  bool operator==(const TouSchedulePayload&) const = default;
};

/// Clock sync carries no value: the deliverer writes its own clock's now at delivery time (in the
/// box's local time), so a command that waited in the queue never sets a stale time.
struct ClockPayload {
  bool operator==(const ClockPayload&) const = default;
};

using CommandPayload = std::variant<CreditPayload, PricePayload, ThresholdsPayload, ModePayload,
                                    TouSchedulePayload, ClockPayload, DebitPayload>;

CommandKind kind_of(const CommandPayload& p);

/// Checks the payload's ranges (see each struct). Returns a message saying what is wrong and what
/// to do, or nullopt if valid.
std::optional<std::string> check_payload(const CommandPayload& p);

/// Canonical text form stored in the outbox's payload column, space-separated key=value:
///   credit:       amount_fen=2000
///   price:        sharp=12000 peak=9000 flat=6000 valley=3000
///   thresholds:   alarm1_fen=2000 alarm2_fen=500 overload_w=4000
///   mode:         relay=forced_off            (keep_power | prepaid | forced_off | close)
///   tou_schedule: periods=00:00/valley,08:00/peak,22:00/valley
///   clock:        (empty)
///   debit:        amount_fen=2000 purpose=refund   (purpose=reversal ref_seq=12)
std::string encode_payload(const CommandPayload& p);
/// Parses the text form of a payload of kind `k`; an error (kInvalid) names the key and value.
Result<CommandPayload> decode_payload(CommandKind k, std::string_view text);

// ---- Queue order
// ----------------------------------------------------------------------------------

/// What ordering needs of an open (pending or in-flight) command.
struct QueuedCommand {
  std::int64_t id = 0;
  std::string target;  ///< "bus/box/circuit" of the meter, or "bus/box/0" for the box
  CommandKind kind = CommandKind::kCredit;
  TimePoint next_attempt_at{};
};

/// The commands that may be sent at `now`: the head of each target's queue (smallest (priority,
/// id)) whose next_attempt_at <= now, in (priority, id) order, at most `limit`. Returns indices
/// into `open`. A head that is not due yet blocks its target: nothing behind it is sent.
std::vector<std::size_t> sendable_heads(const std::vector<QueuedCommand>& open, TimePoint now,
                                        std::size_t limit);

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
/// The same rule for a debit, by its own count (debit_count): a debit is taken off exactly once.
CreditDecision decide_debit(std::optional<std::uint16_t> assigned, std::uint16_t meter_count);

/// What reading a meter back after a credit tells (meterlink decodes it, the store mirrors it).
struct CreditReadback {
  std::uint16_t purchase_count = 0;
  std::uint16_t debit_count = 0;  ///< 0 on a meter without debit registers
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
