#pragma once
// On-demand reads ("read-now"): boxes read outside the poll schedule, asked for in this process
// (System::read_now) or stored in the database by another (System::request_read, prepaidctl).
// A box that does not answer one is logged, not counted as a failed cycle.
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <phil/domain/result.hpp>

#include "bus_context.hpp"

namespace phil::service::detail {

/// Reads the boxes asked for by System::read_now since the last run (bus.read_requested).
void read_requested(BusContext& ctx, TimePoint now);

/// Runs the read requests stored for the bus by another process and stores each one's result.
void stored_read_requests(BusContext& ctx, TimePoint now);

/// The bus and boxes a read-now target ("BUS", "BUS/BOX", "BUS/BOX/CIRCUIT") names; kNotFound
/// if the site has no such bus, box or circuit.
domain::Result<std::pair<BusRuntime*, std::set<int>>> resolve_read_target(
    std::vector<BusRuntime>& buses, const std::string& text);

}  // namespace phil::service::detail
