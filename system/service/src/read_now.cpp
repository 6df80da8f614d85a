#include "read_now.hpp"

#include <utility>

#include <spdlog/spdlog.h>

#include <phil/service/site_registration.hpp>

#include "host_billing.hpp"
#include "polling.hpp"
#include "supervision.hpp"

namespace phil::service::detail {

namespace {

/// The boxes a read-now target names on `bus`, or why it names none.
domain::Result<std::set<int>> resolve_target(const BusRuntime& bus, const std::string& text) {
  std::vector<BoxCircuits> layout;
  for (const auto& b : bus.boxes)
    layout.push_back({b.address, b.driver->circuits()});
  return read_target_boxes(bus.config.id, layout, text);
}

/// One on-demand read of a box: readings stored (serials checked first). Returns what
/// happened, for a stored read request.
domain::Result<void> read_box_now(BusContext& ctx, BoxRuntime& box, TimePoint now) {
  const auto& bus_id = ctx.bus.config.id;
  if (ctx.is_silent(box)) {
    return domain::Error{domain::ErrorKind::kIo,
                         "box " + ctx.bus.box_name(box) +
                             " did not answer earlier in this cycle: " + box.last_error};
  }
  ctx.use(box);
  auto r = box.driver->read_box(ctx.master(), box.address);
  if (!r) {
    if (silent(r.error())) ctx.mark_silent(box, now);
    box.last_error = r.error().message;
    spdlog::warn("{}: read-now of box {} failed: {}", bus_id, box.address, r.error().message);
    return domain::Error{domain::ErrorKind::kIo,
                         "box " + ctx.bus.box_name(box) + ": " + r.error().message};
  }
  check_serials(ctx, box, r.value(), false, now);
  store_readings(ctx, box, std::move(r.value()), now);
  host_billing(ctx, box, now);
  if (!ctx.is_silent(box)) BusContext::mark_answering(box);
  spdlog::info("{}: box {} read on demand", bus_id, box.address);
  return {};
}

}  // namespace

void read_requested(BusContext& ctx, TimePoint now) {
  const auto wanted = std::exchange(ctx.bus.read_requested, {});
  for (auto& box : ctx.bus.boxes) {
    if (ctx.stopping()) return;
    if (!wanted.contains(box.address) || ctx.is_silent(box)) continue;
    (void)read_box_now(ctx, box, now);
  }
}

void stored_read_requests(BusContext& ctx, TimePoint now) {
  auto& bus = ctx.bus;
  for (const auto& req : ctx.reads().pending_read_requests(bus.config.id)) {
    if (ctx.stopping()) return;
    const auto boxes = resolve_target(bus, req.target);
    if (!boxes) {
      ctx.reads().finish_read_request(req.id, false, boxes.error().message, now);
      continue;
    }
    std::string result;
    bool ok = true;
    for (auto& box : bus.boxes) {
      if (!boxes->contains(box.address)) continue;
      auto r = read_box_now(ctx, box, now);
      if (!result.empty()) result += "; ";
      if (r) {
        result += "box " + bus.box_name(box) + " read";
      } else {
        ok = false;
        result += r.error().message;
      }
    }
    ctx.reads().finish_read_request(req.id, ok, result, now);
  }
}

domain::Result<std::pair<BusRuntime*, std::set<int>>> resolve_read_target(
    std::vector<BusRuntime>& buses, const std::string& text) {
  const auto bus_id = text.substr(0, text.find('/'));
  BusRuntime* bus = nullptr;
  for (auto& b : buses) {
    if (b.config.id == bus_id) {
      bus = &b;
      break;
    }
  }
  if (!bus) {
    return domain::Error{domain::ErrorKind::kNotFound,
                         "read-now " + text + ": no bus \"" + bus_id +
                             "\" in the site; give BUS, BUS/BOX or BUS/BOX/CIRCUIT"};
  }
  auto boxes = resolve_target(*bus, text);
  if (!boxes) return domain::Error{domain::ErrorKind::kNotFound, std::move(boxes).error().message};
  return std::make_pair(bus, std::move(boxes).value());
}

}  // namespace phil::service::detail
