#pragma once
// The count registers of a meter that obeys, for store tests that deliver commands by hand: the
// meter holds the count of the last credit (purchase_count) and of the last debit (debit_count)
// it applied; a bus worker assigns the next one (register + 1) before the first write, and every
// read-back and reading shows the registers as they are (domain/outbox.hpp). Deliveries made so
// leave what `ledger verify` (domain::verify_counts) expects of a real meter.
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>

#include <phil/store/store.hpp>

namespace phil::test {

/// A meter's count registers.
struct MeterCounts {
  std::uint16_t purchase = 0;
  std::uint16_t debit = 0;
};

/// The registers of `meter` after the credits and debits confirmed on it (0 before any).
inline MeterCounts meter_counts(const store::Store& store, const domain::MeterId& meter) {
  std::optional<std::uint16_t> purchase;
  std::optional<std::uint16_t> debit;
  bool purchase_found = false;
  bool debit_found = false;
  // Newest first: the first confirmed credit and debit are the last the meter applied; the
  // newest commands are looked at first, more only while one is not found.
  for (int limit = 16;; limit *= 4) {
    const auto commands = store.meter_commands(meter, limit);
    for (const auto& c : commands) {
      if (c.state != domain::CommandState::kConfirmed) continue;
      if (c.kind == domain::CommandKind::kCredit && !purchase_found) {
        purchase = c.purchase_count;
        purchase_found = true;
      }
      if (c.kind == domain::CommandKind::kDebit && !debit_found) {
        debit = c.purchase_count;
        debit_found = true;
      }
    }
    if ((purchase_found && debit_found) || std::ssize(commands) < limit ||
        limit > std::numeric_limits<int>::max() / 4) {
      break;
    }
  }
  return {purchase.value_or(0), debit.value_or(0)};
}

/// `values` (a reading or a read-back) showing the registers of `meter` as they are.
template <typename Values>
Values counted(const store::Store& store, const domain::MeterId& meter, Values values) {
  const auto counts = meter_counts(store, meter);
  values.purchase_count = counts.purchase;
  values.debit_count = counts.debit;
  return values;
}

/// Delivers command `id` as a bus worker does to a meter that applies it: a credit or a debit
/// gets the next count of its register (unless it has one), the attempt is begun, and it is
/// confirmed with `rb` showing the meter's registers after it. Returns false (nothing done) if
/// the command is not open any more.
inline bool deliver(store::Store& store, std::int64_t id, store::Readback rb, TimePoint at,
                    const store::BillingRules& rules) {
  const auto c = store.command(id);
  if (!c) return false;
  rb = counted(store, c->meter, rb);
  std::optional<std::uint16_t> assign;
  if (c->kind == domain::CommandKind::kCredit) {
    assign = c->purchase_count.value_or(static_cast<std::uint16_t>(rb.purchase_count + 1U));
    rb.purchase_count = *assign;
  } else if (c->kind == domain::CommandKind::kDebit) {
    assign = c->purchase_count.value_or(static_cast<std::uint16_t>(rb.debit_count + 1U));
    rb.debit_count = *assign;
  }
  if (!store.try_begin_attempt(id, assign, at)) return false;
  store.confirm_command(id, rb, at, rules);
  return true;
}

}  // namespace phil::test
