#pragma once
// Host-side billing of a box's meters: the system holds a host-side meter at keep_power so it
// never trips by itself, trips it when its account's ledger balance is <= 0 and closes it again
// (keep_power) once a sale brings the balance back (domain::decide_host_relay). All meters of an
// account move together.
#include <optional>

#include "bus_context.hpp"

namespace phil::service::detail {

/// Queues the trip, close or hold each host-side meter of `box` needs (`only`: that meter
/// alone) and, with it, each other meter of the same account that needs the same, with its
/// "host_trip" / "host_close" / "host_hold" event. Never while another mode command of the meter
/// is open (an operator's wins), nor on a closing account.
void host_billing(BusContext& ctx, const BoxRuntime& box, TimePoint now,
                  const std::optional<domain::MeterId>& only = std::nullopt);

}  // namespace phil::service::detail
