#pragma once
// Ledger verification against the counts a meter applies (issue 13 item 4): a meter accepts each
// credit (and debit) count once and in rising order, so a confirmed command it never applied
// shows in the counts even when its ledger, balance and outbox rows were forged consistently.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/domain/outbox.hpp>

namespace phil::domain {

/// One confirmed credit or debit of a meter, as ledger verification sees it.
struct CountedCommand {
  std::int64_t id = 0;
  CommandKind kind = CommandKind::kCredit;  ///< kCredit or kDebit
  std::optional<std::uint16_t> count;       ///< the count assigned before its first write
  TimePoint at{};                           ///< when it was confirmed
};

/// A meter's confirmed credits and debits in outbox id order (the order they were delivered:
/// credits and debits are never reordered, see the header comment), the purchase_count the
/// meter last reported (nullopt if it was never read), and the times of the meter's on-site
/// swaps, in order: when each was completed (`meter replace --in-place`, in the system log), or
/// detected for one not completed yet.
struct CountedHistory {
  std::string meter;  ///< the meter's id, for the messages
  std::vector<CountedCommand> confirmed;
  std::optional<std::uint16_t> meter_purchase_count;
  std::vector<TimePoint> swaps;
};

/// Checks that the history agrees with the counts the meter applies (decide_credit's rule), so a
/// confirmed command that the meter never applied is found even when its ledger, balance and
/// outbox rows were forged consistently:
///   - every confirmed credit and debit has an assigned count;
///   - per register (purchase_count for credits, debit_count for debits), the counts rise in id
///     order, by 1 or more (another head-end or a card may take counts in between), mod 2^16:
///     a repeated or falling count is a command the meter cannot have applied;
///   - the meter's last reported purchase_count is not behind its last confirmed credit (the
///     confirmation itself read the count back).
/// An on-site swap puts a new device with counters of its own in the meter's place: per
/// register, one count that does not rise is taken as the new device's first for each swap,
/// where the command before it was confirmed no later than the swap's time; and a swap at or
/// after the last confirmed credit, not taken by a credit so, leaves the meter's purchase_count
/// uncompared (the device that reports it took none of those credits).
/// Returns one message per finding (what, which meter and command, what to do); empty if all
/// agree.
std::vector<std::string> verify_counts(const CountedHistory& history);

}  // namespace phil::domain
