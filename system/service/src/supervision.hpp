#pragma once
// Supervision of a bus's boxes, as their readings come in: meter serials (replacement), relays
// against their commands, box clocks; and the clock-sync broadcast. Raises events for the alarm
// work (meter_replaced, relay_mismatch, clock_drift).
#include <vector>

#include "bus_context.hpp"

namespace phil::service::detail {

/// Before a box's readings are stored: reads the circuits' serial numbers when they may have
/// changed (domain::serials_suspect; `recovered`: the box answers again after failed cycles). A
/// changed serial is a replaced meter: the store raises "meter_replaced" and re-bases its
/// billing, so the reset counters are never charged.
/// Returns whether a meter was found replaced.
bool check_serials(BusContext& ctx, BoxRuntime& box,
                   const std::vector<domain::MeterReading>& readings, bool recovered,
                   TimePoint now);

/// Before a box's poll read and before its readings are stored, when its identity is due (its
/// first contact, as the store says at start-up; after a swap detected on it): reads its `model`
/// and `circuits` registers and records them against the site file's model
/// (PollSink::record_box_identity), which stops billing the box on a mismatch until an operator
/// confirms (issue 12.8). Site key `box_identity_check: false`, or a profile without the registers:
/// nothing is read. A box that answers the read with an error (not silence) is billed unchecked
/// in this run, with a "box_identity_unread" event.
void check_identity(BusContext& ctx, BoxRuntime& box, TimePoint now);

/// Whether the box's identity is still to be read (check on, the profile has the registers, and
/// the store said so at start-up or a swap was detected since).
bool identity_due(BusContext& ctx, BoxRuntime& box);

/// After a box's readings: the relay each circuit reports against what was commanded
/// (domain::relay_mismatch). One "relay_mismatch" event per mismatch, when it appears.
void check_relays(BusContext& ctx, BoxRuntime& box,
                  const std::vector<domain::MeterReading>& readings, TimePoint now);

/// Reads the box clock (once per cycle) and raises "clock_drift" when it is further off than
/// the site's limit; with clock sync on, the bus's next broadcast is brought forward to now.
void check_clock(BusContext& ctx, BoxRuntime& box, TimePoint now);

/// Sets every box's clock on the bus by one broadcast (address 0, no reply), when due.
void clock_sync(BusContext& ctx, TimePoint now);

}  // namespace phil::service::detail
