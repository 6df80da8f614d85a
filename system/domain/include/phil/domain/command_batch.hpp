#pragma once
// Batch commands (issue 14 item 2): one remote command sent to many meters at once (trip every
// meter in arrears on floor 4, a new price for a building). Each member gets its own outbox
// command, delivered and confirmed as a single one is; the batch only groups them. These are the
// batch's rules, free of I/O: which kinds a batch may send, which lists of meters make a batch,
// and how its progress is counted.
#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include <phil/domain/meter_id.hpp>
#include <phil/domain/outbox.hpp>

namespace phil::domain {

/// The most meters one batch may hold: the largest site the system is sized for (10,000 meters)
/// with room to spare. A bigger selection is a mistake (or two batches).
inline constexpr std::size_t kMaxBatchMembers = 20'000;

/// The kinds a batch may send: relay mode (trip, close, keep power, restore prepaid),
/// thresholds and price. Credits and debits are money (sales and refunds, one account at a
/// time); TOU tables and the clock address boxes, not meters.
bool batchable(CommandKind k);

/// Why `meters` cannot be a batch, or nullopt: none, more than kMaxBatchMembers, a box
/// (circuit 0) rather than a meter, or a meter listed twice (the first repeat is named).
std::optional<std::string> check_batch_members(std::span<const MeterId> meters);

/// A batch's members by where they are: refused by the counter's checks when it was sent
/// (never queued), or their command's state.
struct BatchProgress {
  std::size_t refused = 0;
  std::size_t pending = 0;
  std::size_t in_flight = 0;
  std::size_t confirmed = 0;
  std::size_t failed = 0;
  std::size_t superseded = 0;

  /// Counts one member: nullopt for a refused one, else its command's state.
  void add(std::optional<CommandState> state);
  std::size_t total() const;
  /// True when no member's command will be sent again (none pending or in flight).
  bool done() const { return pending == 0 && in_flight == 0; }
  bool operator==(const BatchProgress&) const = default;
};

}  // namespace phil::domain
