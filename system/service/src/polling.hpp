#pragma once
// Polling: a bus's poll cycle reads every box block by block (the driver's poll plan), letting
// waiting commands in between the blocks, and stores readings, charges, status and comm loss.
#include <cstddef>
#include <cstdint>
#include <vector>

#include <phil/meterlink/read_plan.hpp>

#include "bus_context.hpp"

namespace phil::service::detail {

/// Reads `plan` from a box one block (one transaction) at a time, delivering waiting commands
/// before each block: a command never waits for more than one transaction on its bus. Each
/// reply time feeds the box's adaptive timeout. Fails at once for a box silent in this
/// iteration, and when a stop is requested.
meterlink::LinkResult<std::vector<std::vector<std::uint16_t>>> read_blocks(
    BusContext& ctx, BoxRuntime& box, const meterlink::ReadPlan& plan);

/// Reads one box's poll plan block by block (read_blocks) and decodes it.
meterlink::LinkResult<std::vector<domain::MeterReading>> read_box(BusContext& ctx, BoxRuntime& box);

/// Stores a box's readings (per circuit, circuit 1 first) and keeps them as its last ones.
void store_readings(BusContext& ctx, BoxRuntime& box, std::vector<domain::MeterReading> readings,
                    TimePoint now);

/// One box's part of a poll cycle at `now`: its identity when due, its poll plan read, and the
/// box answered (supervision, storage, host billing) or one failed cycle more. False if a stop
/// request cut it short.
bool poll_box(BusContext& ctx, BoxRuntime& box, TimePoint now);

/// The box did not answer a cycle (a poll's or a status scan's): one failed cycle more, the box
/// offline after offline_after of them in a row.
void box_failed(BusContext& ctx, BoxRuntime& box, const meterlink::LinkError& error, TimePoint now);

/// A box answered a cycle after failed ones: its comm state recovered (box_online, the alarm
/// cleared, the line's state), and the commands held for it while it was silent sent now.
void box_back(BusContext& ctx, BoxRuntime& box, bool was_held, TimePoint now);

/// After a cycle: the line (serial server, gateway) is down when every box is offline.
void note_line_state(BusContext& ctx, TimePoint now);

/// One poll cycle at `now`; false if a stop request cut it short (then it does not count).
bool poll(BusContext& ctx, TimePoint now);

/// After a completed cycle that started at `now` and ended at `after`: the next one
/// (domain::next_poll_slot: anchored slots; those that passed are counted as missed).
void schedule_next_poll(BusRuntime& bus, TimePoint now, TimePoint after);

/// Boxes of the bus with offline_after failed cycles in a row or more.
std::size_t boxes_offline(const SiteConfig& site, const BusRuntime& bus);

}  // namespace phil::service::detail
