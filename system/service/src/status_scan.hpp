#pragma once
// The status scan (issue 14 item 7): between full readings, every box's state registers
// (Adf300Driver::state_plan: relay, balance, mode, status bits) read block by block with waiting
// commands let in between, so a meter's state is seconds old while its counters are read at the
// poll interval. Answers are stored as states (PollSink::record_states), relays checked and
// host-side meters held, tripped or closed; a box that does not answer counts a failed cycle as
// in a poll, and one that answers again after failed cycles is read whole at once (poll_box),
// so its recovery is the poll's (serials checked after the outage, held commands sent).
#include <phil/common/time.hpp>

#include "bus_context.hpp"

namespace phil::service::detail {

/// The box's scan plan for its bus (empty when the site has no status scan or the box is an
/// energy meter), from the bus's line: rtu_read_cost at its baud and character size with the
/// site's reply_delay.
meterlink::ReadPlan scan_plan(const SiteConfig& site, const BusConfig& bus,
                              const meterlink::Adf300Driver& driver);

/// Whether a status scan of the bus is due at `now` (scans on, and its time came).
bool scan_due(const BusRuntime& bus, TimePoint now);

/// One status scan of the bus at `now`; false if a stop request cut it short. Boxes not read
/// whole since start-up are left to the poll.
bool status_scan(BusContext& ctx, TimePoint now);

/// The next scan after one (or a poll, which reads every state too) that started at `started`
/// and ended at `ended`.
void schedule_next_scan(BusRuntime& bus, const SiteConfig& site, TimePoint started,
                        TimePoint ended);

}  // namespace phil::service::detail
