#pragma once
// Command delivery: the outbox's sendable commands of a bus go to their meters, each confirmed by
// reading it back (credits by their purchase_count; settings by their registers), deferred with
// backoff when the box does not take it, failed when it never will.
#include <optional>

#include "bus_context.hpp"

namespace phil::service::detail {

/// Sends the sendable heads of the bus's targets at `now` (`force`: every open head regardless
/// of its own backoff, as a poll cycle does; `only_box`: of that box only). A box that does not
/// answer is held: nothing is sent to it before its backoff expires or (offline) a poll finds it
/// answering.
void deliver(BusContext& ctx, TimePoint now, bool force,
             std::optional<int> only_box = std::nullopt);

/// Between two transactions of a poll cycle: commands that became sendable (a sale made while
/// the cycle runs) go next, so a command waits for at most the transaction in flight.
void deliver_waiting(BusContext& ctx);

}  // namespace phil::service::detail
