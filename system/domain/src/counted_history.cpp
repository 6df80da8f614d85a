#include <algorithm>
#include <cstddef>

#include <phil/domain/counted_history.hpp>

namespace phil::domain {

namespace {

/// How far `to` is ahead of `from` on a 16-bit counter: 0 .. 65535.
int count_ahead(std::uint16_t from, std::uint16_t to) {
  return (int{to} - int{from} + 0x10000) % 0x10000;
}

/// Counts more than half the counter's range ahead are taken as behind (the counter cannot wrap
/// that far between two commands of one meter).
constexpr int kMaxAhead = 0x7FFF;

/// A confirmed command that has its count.
struct Counted {
  const CountedCommand* command = nullptr;
  std::uint16_t count = 0;
};

/// One count register of a meter as verify_counts walks it: its last confirmed command and how
/// many of the meter's swaps have given it a new device's first count.
struct CountRegister {
  std::optional<Counted> last;
  std::size_t swaps_taken = 0;

  /// Whether a swap not taken yet came at or after `since` (when the register's last
  /// command was confirmed): the count after it is a new device's, and the swap is taken.
  bool take_swap(const std::vector<TimePoint>& swaps, TimePoint since) {
    for (auto i = swaps_taken; i < swaps.size(); ++i) {
      if (swaps[i] >= since) {
        swaps_taken = i + 1;
        return true;
      }
    }
    return false;
  }
  /// Whether a swap not taken by this register came at or after `since`: the device
  /// in the meter's place now may never have seen the command confirmed then.
  [[nodiscard]] bool swapped_since(const std::vector<TimePoint>& swaps, TimePoint since) const {
    return std::any_of(swaps.begin() + static_cast<std::ptrdiff_t>(swaps_taken), swaps.end(),
                       [&](TimePoint t) { return t >= since; });
  }
};

}  // namespace

std::vector<std::string> verify_counts(const CountedHistory& history) {
  std::vector<std::string> problems;
  const auto where = [&](const CountedCommand& c) {
    return std::string(to_string(c.kind)) + " " + std::to_string(c.id) + " of meter " +
           history.meter;
  };
  CountRegister credits;
  CountRegister debits;
  for (const auto& c : history.confirmed) {
    if (!c.count) {
      problems.push_back(where(c) +
                         " is confirmed but was never given a count, so it was never written to "
                         "the meter; restore the database from a backup");
      continue;
    }
    const Counted now{&c, *c.count};
    auto& reg = c.kind == CommandKind::kDebit ? debits : credits;
    if (const auto last = reg.last) {
      const int ahead = count_ahead(last->count, now.count);
      if ((ahead == 0 || ahead > kMaxAhead) && !reg.take_swap(history.swaps, last->command->at)) {
        problems.push_back(where(c) + " has count " + std::to_string(now.count) + " after " +
                           std::string(to_string(last->command->kind)) + " " +
                           std::to_string(last->command->id) + " with count " +
                           std::to_string(last->count) +
                           ": the meter accepts each count once and in rising order, so one of "
                           "them was never applied (restore the database from a backup), unless "
                           "the meter's counters were reset on site in between without a swap "
                           "being detected (check the device)");
      }
    }
    reg.last = now;
  }
  const auto& last = credits.last;
  if (last && history.meter_purchase_count &&
      !credits.swapped_since(history.swaps, last->command->at) &&
      count_ahead(last->count, *history.meter_purchase_count) > kMaxAhead) {
    problems.push_back(where(*last->command) + " has count " + std::to_string(last->count) +
                       " but the meter last reported purchase count " +
                       std::to_string(*history.meter_purchase_count) +
                       ": either the credit was never applied (a forged row: restore the database "
                       "from a backup) or the meter's counters were reset on site without a swap "
                       "being detected (check the device)");
  }
  return problems;
}

}  // namespace phil::domain
