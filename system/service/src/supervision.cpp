#include "supervision.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include <phil/domain/supervision.hpp>

#include "polling.hpp"

namespace phil::service::detail {

bool check_serials(BusContext& ctx, BoxRuntime& box,
                   const std::vector<domain::MeterReading>& readings, bool recovered,
                   TimePoint now) {
  if (!box.driver->has_serial()) return false;
  if (!domain::serials_suspect(!box.serials.empty(), recovered, box.last, readings)) return false;
  // Block by block like a poll: at start-up this reads every box's serials (several reads per
  // box), and a sale must not wait behind all of them.
  auto words = read_blocks(ctx, box, box.driver->serial_plan());
  auto r = words ? box.driver->decode_serials(words.value(), box.address)
                 : meterlink::LinkResult<std::vector<std::string>>{words.error()};
  if (!r) {
    if (silent(r.error())) ctx.mark_silent(box, now);
    box.serials.clear();  // try again next cycle
    spdlog::warn("{}: serial numbers of box {} not read: {}", ctx.bus.config.id, box.address,
                 r.error().message);
    return false;
  }
  if (r.value() == box.serials) return false;
  std::vector<std::pair<domain::MeterId, std::string>> rows;
  for (std::size_t i = 0; i < r.value().size() && i < box.meters.size(); ++i) {
    rows.emplace_back(box.meters[i], r.value()[i]);
  }
  const auto replaced = ctx.sink().record_serials(rows, now);
  for (const auto& id : replaced) {
    spdlog::warn(
        "{}: meter replaced (serial changed); billing re-based, nothing charged for "
        "the new meter's counters; action required: prepaidctl meter replace {} --in-place",
        id.to_string(), id.to_string());
  }
  box.serials = std::move(r.value());
  return !replaced.empty();
}

bool identity_due(BusContext& ctx, BoxRuntime& box) {
  if (!ctx.site().box_identity_check || !box.driver->has_identity()) return false;
  if (!box.identity_asked) {
    box.identity_due = ctx.sink().box_identity_due(ctx.bus.config.id, box.address);
    box.identity_asked = true;
  }
  return box.identity_due;
}

void check_identity(BusContext& ctx, BoxRuntime& box, TimePoint now) {
  if (!identity_due(ctx, box) || ctx.is_silent(box)) return;
  const auto& bus_id = ctx.bus.config.id;
  auto r = box.driver->read_identity(ctx.master(), box.address);
  if (!r) {
    spdlog::warn("{}: identity of box {} not read: {}", bus_id, box.address, r.error().message);
    if (silent(r.error())) {
      ctx.mark_silent(box, now);
      return;  // still due: read again at the next answered poll
    }
    // The box answered, but not with its identity (an exception, a value that does not decode):
    // it is not checked in this run, and nothing waits for it; the store keeps it due, so the
    // next start tries again.
    ctx.sink().add_event(
        std::nullopt, "box_identity_unread",
        "box " + ctx.bus.box_name(box) + ": its model and circuits registers could not be read (" +
            r.error().message + "); it is billed unchecked. Check the profile's box registers",
        now);
    box.identity_due = false;
    return;
  }
  auto expected = box.driver->expected_identity();
  expected.highest_circuit = static_cast<int>(box.meters.size());
  const auto stopped =
      ctx.sink().record_box_identity(bus_id, box.address, expected, r.value(), now);
  box.identity_due = false;
  if (stopped) {
    spdlog::warn(
        "{}: box {} is not the box the site file expects: {}; its billing is stopped until an "
        "operator confirms it (prepaidctl box confirm {})",
        bus_id, box.address, *stopped, ctx.bus.box_name(box));
  }
}

void check_relays(BusContext& ctx, BoxRuntime& box,
                  const std::vector<domain::MeterReading>& readings, TimePoint now) {
  if (box.driver->energy_only()) return;  // no relay
  for (std::size_t i = 0; i < readings.size() && i < box.meters.size(); ++i) {
    const int circuit = static_cast<int>(i) + 1;
    const auto it = box.commanded.find(circuit);
    const auto why = domain::relay_mismatch(
        readings[i], it == box.commanded.end() ? std::nullopt : std::optional(it->second));
    if (!why) {
      if (box.relay_mismatch.erase(circuit) > 0) {
        spdlog::info("{}: relay agrees with its command again", box.meters[i].to_string());
        observe(ctx, domain::AlarmKind::kRelayMismatch,
                domain::AlarmTarget::of_meter(box.meters[i]), false, {}, now);
      }
      continue;
    }
    if (!box.relay_mismatch.insert(circuit).second) continue;  // raised already
    ctx.sink().add_event(box.meters[i], "relay_mismatch",
                         *why + "; check the relay and the wiring of the circuit", now);
    observe(ctx, domain::AlarmKind::kRelayMismatch, domain::AlarmTarget::of_meter(box.meters[i]),
            true, {{"why", *why}}, now);
    spdlog::warn("{}: relay mismatch: {}", box.meters[i].to_string(), *why);
  }
}

void check_clock(BusContext& ctx, BoxRuntime& box, TimePoint now) {
  if (!box.driver->has_clock()) return;
  const auto& site = ctx.site();
  const auto& bus_id = ctx.bus.config.id;
  auto c = box.driver->read_clock(ctx.master(), box.address);
  if (!c) {
    if (silent(c.error())) ctx.mark_silent(box, now);
    spdlog::warn("{}: clock of box {} not read: {}", bus_id, box.address, c.error().message);
    return;
  }
  // The read happens a moment after `now`: allow for the time the cycle took so far.
  const auto off_s = c.value() - ctx.shared.local_seconds(ctx.shared.clock.now());
  const bool drifting = std::abs(off_s) * 1000 > site.clock_drift_limit.count();
  if (drifting != box.clock_drifting) {
    observe(ctx, domain::AlarmKind::kClockDrift, domain::AlarmTarget::of_box(bus_id, box.address),
            drifting, {{"offset_s", off_s}, {"limit", format_duration(site.clock_drift_limit)}},
            now);
  }
  if (drifting && !box.clock_drifting) {
    ctx.sink().add_event(std::nullopt, "clock_drift",
                         "box " + ctx.bus.box_name(box) + " clock is " + std::to_string(off_s) +
                             " s off (limit " + format_duration(site.clock_drift_limit) + "); " +
                             (site.clock_sync ? "a clock sync is sent now"
                                              : "clock sync is off: send a clock command"),
                         now);
    spdlog::warn("{}: box {} clock is {} s off", bus_id, box.address, off_s);
    if (site.clock_sync) ctx.bus.next_clock_sync = now;
  } else if (!drifting && box.clock_drifting) {
    spdlog::info("{}: box {} clock is within the limit again", bus_id, box.address);
  }
  box.clock_drifting = drifting;
}

void clock_sync(BusContext& ctx, TimePoint now) {
  auto& bus = ctx.bus;
  const auto& interval = ctx.site().clock_sync;
  if (!interval || bus.boxes.empty()) return;
  if (bus.next_clock_sync && *bus.next_clock_sync > now) return;
  bus.next_clock_sync = now + *interval;
  // The first box with a clock register says where the clock is (an energy meter has none).
  const auto with_clock = std::find_if(bus.boxes.begin(), bus.boxes.end(),
                                       [](const BoxRuntime& b) { return b.driver->has_clock(); });
  if (with_clock == bus.boxes.end()) return;
  const auto frame =
      with_clock->driver->clock_frame(ctx.shared.local_seconds(ctx.shared.clock.now()));
  if (!frame) return;
  auto r = ctx.master().broadcast_write(frame->start, frame->values);
  if (!r) {
    // An unavailable port is the bus's, reported once; anything else is worth a line each time.
    if (!ctx.note_port(r.error(), now)) {
      spdlog::warn("{}: clock sync broadcast not sent: {}", bus.config.id, r.error().message);
    }
    return;
  }
  ++bus.clock_syncs;
  // Every box needs a moment to act on the broadcast before the next request.
  if (ctx.shared.turnaround) ctx.shared.monotonic.sleep_for(*ctx.shared.turnaround);
  spdlog::info("{}: clocks set by broadcast", bus.config.id);
}

}  // namespace phil::service::detail
