#include <set>

#include <phil/domain/command_batch.hpp>

namespace phil::domain {

bool batchable(CommandKind k) {
  return k == CommandKind::kMode || k == CommandKind::kThresholds || k == CommandKind::kPrice;
}

std::optional<std::string> check_batch_members(std::span<const MeterId> meters) {
  if (meters.empty()) {
    return "the selection holds no meter; widen the filters or check the meters file";
  }
  if (meters.size() > kMaxBatchMembers) {
    return "the selection holds " + std::to_string(meters.size()) + " meters, more than " +
           std::to_string(kMaxBatchMembers) + " a batch may hold; narrow it";
  }
  std::set<MeterId> seen;
  for (const auto& m : meters) {
    if (m.circuit == 0) {
      return "box " + m.bus + "/" + std::to_string(m.box) +
             " is not a meter; a batch addresses circuits (bus/box/circuit)";
    }
    if (!seen.insert(m).second) return "meter " + m.to_string() + " is listed twice";
  }
  return std::nullopt;
}

void BatchProgress::add(std::optional<CommandState> state) {
  if (!state) {
    ++refused;
    return;
  }
  switch (*state) {
    case CommandState::kPending:
      ++pending;
      return;
    case CommandState::kInFlight:
      ++in_flight;
      return;
    case CommandState::kConfirmed:
      ++confirmed;
      return;
    case CommandState::kFailed:
      ++failed;
      return;
    case CommandState::kSuperseded:
      ++superseded;
      return;
  }
}

std::size_t BatchProgress::total() const {
  return refused + pending + in_flight + confirmed + failed + superseded;
}

}  // namespace phil::domain
