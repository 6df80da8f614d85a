#include "polling.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include <phil/domain/comm.hpp>
#include <phil/domain/supervision.hpp>

#include "delivery.hpp"
#include "host_billing.hpp"
#include "supervision.hpp"

namespace phil::service::detail {

namespace {

using meterlink::LinkError;
using meterlink::LinkErrorKind;

/// Records a reply time and, with adaptive timeouts, sets the box's timeout to
/// domain::adaptive_timeout of the recent replies (k x p99, 50 ms .. configured).
void note_latency(const SiteConfig& site, BoxRuntime& box, Millis took) {
  constexpr std::size_t kWindow = 64;
  if (box.latencies.size() < kWindow) {
    box.latencies.push_back(took);
  } else {
    box.latencies[box.latency_next] = took;
  }
  box.latency_next = (box.latency_next + 1) % kWindow;
  if (!site.adaptive_timeout) return;
  if (const auto t = domain::adaptive_timeout(box.latencies, site.adaptive_timeout_factor,
                                              Millis(50), box.configured_timeout)) {
    box.timeout = *t;
  }
}

/// A box answered the cycle's reads: supervision, storage, host billing, and the commands held
/// for it while it was silent.
void box_answered(BusContext& ctx, BoxRuntime& box, std::vector<domain::MeterReading> readings,
                  bool was_held, TimePoint now) {
  ctx.note_port_works(now);
  // A swap on site (a serial changed, counters went back): the box's identity is read again.
  bool swapped = false;
  for (std::size_t i = 0; i < readings.size() && i < box.last.size(); ++i)
    swapped = swapped || domain::counters_went_back(box.last[i], readings[i]);
  swapped = check_serials(ctx, box, readings, box.failed_cycles > 0, now) || swapped;
  if (swapped) {
    box.identity_due = true;
    box.identity_asked = true;
  }
  check_identity(ctx, box, now);
  store_readings(ctx, box, std::move(readings), now);
  check_relays(ctx, box, box.last, now);
  if (!ctx.is_silent(box)) check_clock(ctx, box, now);
  host_billing(ctx, box, now);
  box_back(ctx, box, was_held, now);
}

}  // namespace

void box_back(BusContext& ctx, BoxRuntime& box, bool was_held, TimePoint now) {
  if (box.failed_cycles > 0) {
    spdlog::info("{}: box {} answers again after {} failed cycle(s)", ctx.bus.config.id,
                 box.address, box.failed_cycles);
  }
  if (box.failed_cycles >= ctx.site().offline_after_cycles) {
    ctx.sink().add_event(std::nullopt, "box_online",
                         "box " + ctx.bus.box_name(box) + " answers again after " +
                             std::to_string(box.failed_cycles) + " failed poll cycles",
                         now);
    observe(ctx, domain::AlarmKind::kBoxOffline,
            domain::AlarmTarget::of_box(ctx.bus.config.id, box.address), false, {}, now);
  }
  box.failed_cycles = 0;
  if (!ctx.is_silent(box)) {
    BusContext::mark_answering(box);
    // Recovery: the commands held for this box go at once, not after their backoff.
    if (was_held) deliver(ctx, now, true, box.address);
  }
}

/// A box did not answer the cycle: one failed cycle more (offline after offline_after). While
/// the bus's port is unavailable its boxes' data is just as stale (the failed cycles count, so
/// their meters go offline), but the port was reported once for all of them: no line per box.
void box_failed(BusContext& ctx, BoxRuntime& box, const LinkError& error, TimePoint now) {
  const auto& site = ctx.site();
  ctx.sink().record_failed_cycle(box.meters, now, ctx.shared.rules(box));
  ++box.failed_cycles;
  if (box.failed_cycles >= site.offline_after_cycles) box.hold_for_poll = true;
  if (box.failed_cycles == site.offline_after_cycles) {
    ctx.sink().add_event(std::nullopt, "box_offline",
                         "box " + ctx.bus.box_name(box) + " did not answer " +
                             std::to_string(box.failed_cycles) +
                             " poll cycles in a row: " + error.message,
                         now);
    observe(ctx, domain::AlarmKind::kBoxOffline,
            domain::AlarmTarget::of_box(ctx.bus.config.id, box.address), true,
            {{"failed_cycles", box.failed_cycles}, {"error", error.message}}, now);
  }
  if (ctx.bus.port_unavailable) return;
  if (box.failed_cycles == 1) {
    spdlog::warn("{}: box {} did not answer: {}", ctx.bus.config.id, box.address, error.message);
  } else if (box.failed_cycles == site.offline_after_cycles) {
    spdlog::warn("{}: box {} is offline after {} failed cycles in a row", ctx.bus.config.id,
                 box.address, box.failed_cycles);
  }
}

/// After a cycle: the line (serial server, gateway) is down when every box is offline; each
/// change is a "bus_offline" / "bus_online" event.
void note_line_state(BusContext& ctx, TimePoint now) {
  auto& bus = ctx.bus;
  const bool line_down = !bus.boxes.empty() && boxes_offline(ctx.site(), bus) == bus.boxes.size();
  if (line_down == bus.line_offline) return;
  ctx.sink().add_event(std::nullopt, line_down ? "bus_offline" : "bus_online",
                       "bus " + bus.config.id + " (" + bus.master->describe() + "): " +
                           (line_down ? "every box is offline; check the line and the serial "
                                        "server or gateway"
                                      : "boxes answer again"),
                       now);
  observe(ctx, domain::AlarmKind::kBusOffline, domain::AlarmTarget::of_bus(bus.config.id),
          line_down, {{"line", bus.master->describe()}}, now);
  if (line_down && bus.port_unavailable) {
    // Already said: the port is missing or busy (BusContext::note_port).
  } else if (line_down) {
    spdlog::warn(
        "{}: every box is offline: the line or {} is down; check its power, cabling "
        "and network",
        bus.config.id, bus.master->describe());
  } else {
    spdlog::info("{}: the line answers again ({})", bus.config.id, bus.master->describe());
  }
  bus.line_offline = line_down;
}

meterlink::LinkResult<std::vector<std::vector<std::uint16_t>>> read_blocks(
    BusContext& ctx, BoxRuntime& box, const meterlink::ReadPlan& plan) {
  std::vector<std::vector<std::uint16_t>> words;
  words.reserve(plan.blocks.size());
  const auto& monotonic = ctx.shared.monotonic;
  for (const auto& block : plan.blocks) {
    // Not an I/O error and not the box's: the worker stops; no request was sent.
    if (ctx.stopping()) return LinkError{LinkErrorKind::kIo, 0, "stopping"};
    deliver_waiting(ctx);
    if (ctx.is_silent(box)) {
      return LinkError{LinkErrorKind::kTimeout, 0, "did not answer a command in this cycle"};
    }
    ctx.use(box);
    const auto t0 = monotonic.now();
    auto r = meterlink::Adf300Driver::read_block(ctx.master(), box.address, block);
    if (!r) return r.error();
    note_latency(ctx.site(), box, std::chrono::duration_cast<Millis>(monotonic.now() - t0));
    words.push_back(std::move(r.value()));
  }
  return words;
}

meterlink::LinkResult<std::vector<domain::MeterReading>> read_box(BusContext& ctx,
                                                                  BoxRuntime& box) {
  auto words = read_blocks(ctx, box, box.driver->poll_plan());
  if (!words) return words.error();
  return box.driver->decode_poll(words.value(), box.address);
}

void store_readings(BusContext& ctx, BoxRuntime& box, std::vector<domain::MeterReading> readings,
                    TimePoint now) {
  std::vector<std::pair<domain::MeterId, domain::MeterReading>> rows;
  for (std::size_t i = 0; i < readings.size(); ++i)
    rows.emplace_back(box.meters[i], readings[i]);
  ctx.sink().record_readings(rows, now, ctx.shared.rules(box));
  box.last = std::move(readings);
}

bool poll_box(BusContext& ctx, BoxRuntime& box, TimePoint now) {
  std::optional<LinkError> error;
  if (ctx.port_failed()) {
    error = *ctx.port_failed();  // one attempt to open the port per cycle, not one per box
  } else if (ctx.is_silent(box)) {
    error = LinkError{LinkErrorKind::kTimeout, 0, "did not answer earlier in this cycle"};
  } else {
    const bool was_held = BusContext::held(box, now);
    // At its first contact the box says what it is before its circuits are read: a box of
    // another model may not answer the poll's registers at all.
    check_identity(ctx, box, now);
    auto r = read_box(ctx, box);
    if (ctx.stopping()) return false;
    if (r) {
      // Stamped when this box was read, not when the cycle began: a cycle of a long bus at
      // 9600 baud takes most of a minute, and a state's age is measured from it.
      box_answered(ctx, box, std::move(r.value()), was_held, ctx.shared.clock.now());
      return true;
    }
    error = r.error();
    box.last_error = error->message;
    ctx.note_port(*error, now);
    if (silent(*error)) ctx.mark_silent(box, now);
  }
  box_failed(ctx, box, *error, now);
  return true;
}

bool poll(BusContext& ctx, TimePoint now) {
  for (auto& box : ctx.bus.boxes) {
    if (ctx.stopping() || !poll_box(ctx, box, now)) return false;
  }
  note_line_state(ctx, now);
  ++ctx.bus.polls_completed;
  spdlog::debug("{}: poll cycle {} done", ctx.bus.config.id, ctx.bus.polls_completed);
  return true;
}

void schedule_next_poll(BusRuntime& bus, TimePoint now, TimePoint after) {
  const auto slot =
      domain::next_poll_slot(bus.next_poll, now, bus.poll_interval, bus.offset, after);
  bus.next_poll = slot.next;
  bus.cycles_missed += slot.missed;
}

std::size_t boxes_offline(const SiteConfig& site, const BusRuntime& bus) {
  return static_cast<std::size_t>(std::count_if(
      bus.boxes.begin(), bus.boxes.end(),
      [&](const BoxRuntime& b) { return b.failed_cycles >= site.offline_after_cycles; }));
}

}  // namespace phil::service::detail
