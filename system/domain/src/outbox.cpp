#include <algorithm>

#include <phil/domain/outbox.hpp>

#include "enum_names.hpp"

namespace phil::domain {

namespace {

constexpr detail::NameTable<CommandKind, 4> kKindNames{{
    {CommandKind::kCredit, "credit"},
    {CommandKind::kPrice, "price"},
    {CommandKind::kThresholds, "thresholds"},
    {CommandKind::kMode, "mode"},
}};

constexpr detail::NameTable<CommandState, 5> kStateNames{{
    {CommandState::kPending, "pending"},
    {CommandState::kInFlight, "in_flight"},
    {CommandState::kConfirmed, "confirmed"},
    {CommandState::kFailed, "failed"},
    {CommandState::kSuperseded, "superseded"},
}};

}  // namespace

std::string_view to_string(CommandKind k) {
  return detail::name_of(kKindNames, k);
}
std::optional<CommandKind> parse_command_kind(std::string_view s) {
  return detail::value_of(kKindNames, s);
}
std::string_view to_string(CommandState s) {
  return detail::name_of(kStateNames, s);
}
std::optional<CommandState> parse_command_state(std::string_view s) {
  return detail::value_of(kStateNames, s);
}

bool is_terminal(CommandState s) {
  return s == CommandState::kConfirmed || s == CommandState::kFailed ||
         s == CommandState::kSuperseded;
}

CreditDecision decide_credit(std::optional<std::uint16_t> assigned, std::uint16_t meter_count) {
  // The register wraps at 2^16; the arithmetic is done in 16 bits on purpose.
  if (!assigned) {
    return CreditDecision{
        CreditAction::kWrite, static_cast<std::uint16_t>(meter_count + 1U), true, {}};
  }
  if (meter_count == *assigned) return CreditDecision{CreditAction::kConfirm, *assigned, false, {}};
  if (static_cast<std::uint16_t>(meter_count + 1U) == *assigned) {
    return CreditDecision{CreditAction::kWrite, *assigned, false, {}};
  }
  return CreditDecision{CreditAction::kFail, *assigned, false,
                        "purchase_count conflict: credit was assigned count " +
                            std::to_string(*assigned) + " but the meter reports " +
                            std::to_string(meter_count) +
                            "; another party changed the meter. Check the meter's purchase "
                            "history and re-issue the sale by hand if it was not applied"};
}

Millis retry_delay(int attempts) {
  constexpr Millis kFirst{5'000};
  constexpr Millis kMax{300'000};
  const int doublings = std::clamp(attempts - 1, 0, 16);
  return std::min(kMax, kFirst * (std::int64_t{1} << doublings));
}

}  // namespace phil::domain
