#include "status_scan.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "host_billing.hpp"
#include "polling.hpp"
#include "supervision.hpp"

namespace phil::service::detail {

namespace {

using meterlink::LinkError;
using meterlink::LinkErrorKind;

/// Bits on the wire per byte: start, data, parity, stop.
int bits_per_char(const BusConfig& bus) {
  return 1 + bus.data_bits + (bus.parity == 'N' ? 0 : 1) + bus.stop_bits;
}

/// Reads and stores one box's state; the error if it did not answer or its words do not decode.
std::optional<LinkError> scan_box(BusContext& ctx, BoxRuntime& box) {
  auto words = read_blocks(ctx, box, box.state_plan);
  if (!words) return words.error();
  // When this box's state was read, not when the scan began: a scan of a long bus takes tens
  // of seconds, and state_at is what the office's "age" is measured from.
  const auto now = ctx.shared.clock.now();
  auto states = box.driver->decode_states(box.state_plan, words.value(), box.address);
  if (!states) return states.error();
  ctx.note_port_works(now);
  std::vector<std::pair<domain::MeterId, domain::StateReading>> rows;
  rows.reserve(states.value().size());
  for (std::size_t i = 0; i < states.value().size() && i < box.meters.size(); ++i) {
    rows.emplace_back(box.meters[i], states.value()[i]);
    if (i < box.last.size()) domain::apply_state(box.last[i], states.value()[i]);
  }
  ctx.sink().record_states(rows, now, ctx.shared.rules(box));
  check_relays(ctx, box, box.last, now);
  host_billing(ctx, box, now);
  if (!ctx.is_silent(box)) BusContext::mark_answering(box);
  return std::nullopt;
}

}  // namespace

meterlink::ReadPlan scan_plan(const SiteConfig& site, const BusConfig& bus,
                              const meterlink::Adf300Driver& driver) {
  if (!site.status_scan) return {};
  // A Modbus TCP gateway reaches its boxes over RS485 at the bus's baud too.
  return driver.state_plan(meterlink::rtu_read_cost(
      bus.baud, bits_per_char(bus),
      std::chrono::duration_cast<std::chrono::microseconds>(site.status_scan->reply_delay)));
}

bool scan_due(const BusRuntime& bus, TimePoint now) {
  return bus.next_scan && *bus.next_scan <= now;
}

bool status_scan(BusContext& ctx, TimePoint now) {
  for (auto& box : ctx.bus.boxes) {
    if (ctx.stopping()) return false;
    // Never read whole in this run (its first contact is the poll's), or nothing to scan.
    if (box.last.empty() || box.state_plan.blocks.empty()) continue;
    if (box.failed_cycles > 0) {
      // Silent before: read whole, so an answer recovers it as a poll does.
      if (!poll_box(ctx, box, now)) return false;
      continue;
    }
    std::optional<LinkError> error;
    if (ctx.port_failed()) {
      error = *ctx.port_failed();
    } else if (ctx.is_silent(box)) {
      error = LinkError{LinkErrorKind::kTimeout, 0, "did not answer earlier in this cycle"};
    } else {
      error = scan_box(ctx, box);
      if (ctx.stopping()) return false;
      if (!error) continue;
      box.last_error = error->message;
      ctx.note_port(*error, now);
      if (silent(*error)) ctx.mark_silent(box, now);
    }
    box_failed(ctx, box, *error, now);
  }
  note_line_state(ctx, now);
  ++ctx.bus.scans_completed;
  spdlog::debug("{}: status scan {} done", ctx.bus.config.id, ctx.bus.scans_completed);
  return true;
}

void schedule_next_scan(BusRuntime& bus, const SiteConfig& site, TimePoint started,
                        TimePoint ended) {
  if (!site.status_scan) return;
  bus.next_scan = std::max(started + site.status_scan->every, ended);
}

}  // namespace phil::service::detail
