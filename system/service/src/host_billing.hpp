#pragma once
// Host-side billing of a box's meters: the system trips a meter whose account's ledger balance
// is <= 0 and closes it again once a sale brings the balance back (domain::decide_host_relay).
#include <optional>

#include "bus_context.hpp"

namespace phil::service::detail {

/// Queues the trip or close each host-side meter of `box` needs (`only`: that meter alone),
/// with its "host_trip" / "host_close" event. Never while another mode command of the meter is
/// open (an operator's wins).
void host_billing(BusContext& ctx, const BoxRuntime& box, TimePoint now,
                  const std::optional<domain::MeterId>& only = std::nullopt);

}  // namespace phil::service::detail
