#include "bus_context.hpp"

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

#include <spdlog/spdlog.h>

#include <phil/domain/comm.hpp>

namespace phil::service::detail {

namespace {

class SteadyMonotonicClock final : public domain::MonotonicClock {
 public:
  std::chrono::nanoseconds now() const override {
    return std::chrono::steady_clock::now().time_since_epoch();
  }
  void sleep_for(Millis d) const override { std::this_thread::sleep_for(d); }
};

}  // namespace

BoxRuntime* BusRuntime::box(int address) {
  for (auto& b : boxes) {
    if (b.address == address) return &b;
  }
  return nullptr;
}

const BoxRuntime* BusRuntime::box(int address) const {
  for (const auto& b : boxes) {
    if (b.address == address) return &b;
  }
  return nullptr;
}

std::string BusRuntime::box_name(const BoxRuntime& box) const {
  return config.id + "/" + std::to_string(box.address);
}

std::int64_t SystemShared::local_seconds(TimePoint t) const {
  const auto ms =
      t.time_since_epoch().count() + static_cast<std::int64_t>(site.utc_offset.count()) * 60'000;
  return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

bool silent(const meterlink::LinkError& e) {
  return meterlink::did_not_answer(e.kind);
}

bool BusContext::note_port(const meterlink::LinkError& e, TimePoint now) {
  if (e.kind != meterlink::LinkErrorKind::kPortUnavailable) return false;
  port_failed_ = e;
  if (bus.port_unavailable) return true;  // reported when it first failed
  bus.port_unavailable = true;
  spdlog::warn("{}: port {} missing or busy, nothing sent to its boxes: {}", bus.config.id,
               bus.master->describe(), e.message);
  sink().add_event(std::nullopt, "bus_port_unavailable", "bus " + bus.config.id + ": " + e.message,
                   now);
  return true;
}

void BusContext::note_port_works(TimePoint now) {
  if (!bus.port_unavailable) return;
  bus.port_unavailable = false;
  spdlog::info("{}: port {} works again", bus.config.id, bus.master->describe());
  sink().add_event(std::nullopt, "bus_port_available",
                   "bus " + bus.config.id + ": " + bus.master->describe(), now);
}

void BusContext::mark_silent(BoxRuntime& box, TimePoint now) {
  if (!silent_.insert(box.address).second) return;
  ++box.silent_runs;
  box.hold_until = now + domain::silent_box_backoff(box.silent_runs, bus.poll_interval);
  if (box.failed_cycles >= site().offline_after_cycles) box.hold_for_poll = true;
}

void BusContext::mark_answering(BoxRuntime& box) {
  box.silent_runs = 0;
  box.hold_until.reset();
  box.hold_for_poll = false;
}

bool BusContext::held(const BoxRuntime& box, TimePoint now) {
  return box.hold_for_poll || (box.hold_until && now < *box.hold_until);
}

TimePoint BusContext::release_time(const BoxRuntime& box, TimePoint now) const {
  const auto poll =
      bus.next_poll && *bus.next_poll > now ? *bus.next_poll : now + bus.poll_interval;
  if (box.hold_for_poll || !box.hold_until) return poll;
  return std::min(poll, std::max(*box.hold_until, now + Millis(1)));
}

void BusContext::use(const BoxRuntime& box) {
  if (bus.timeout_in_force != box.timeout) {
    bus.master->set_response_timeout(box.timeout);
    bus.timeout_in_force = box.timeout;
  }
}

namespace {

store::BoxSupervision supervision_of(const BoxRuntime& box) {
  return {box.silent_runs, box.hold_until, box.clock_drifting, box.relay_mismatch, box.commanded};
}

}  // namespace

void observe(const BusContext& ctx, domain::AlarmKind kind, domain::AlarmTarget target, bool holds,
             const nlohmann::json& details, TimePoint now) {
  ctx.sink().observe_alarms(
      {{{kind, std::move(target)}, holds, details.is_object() ? details.dump() : "{}"}}, now);
}

void restore_supervision(BusRuntime& bus, BoxRuntime& box, int offline_after) {
  auto s = bus.store.sink.box_supervision(bus.config.id, box.address);
  box.silent_runs = s.silent_runs;
  box.hold_until = s.hold_until;
  box.clock_drifting = s.clock_drifting;
  box.relay_mismatch = s.relay_mismatch;
  box.commanded = s.commanded;
  box.saved = std::move(s);
  if (!box.meters.empty()) {
    if (const auto m = bus.store.queries.meter(box.meters.front())) {
      box.failed_cycles = m->failed_cycles;
    }
  }
  box.hold_for_poll = box.failed_cycles >= offline_after;
}

void restore_line(BusRuntime& bus, int offline_after) {
  bus.line_offline = !bus.boxes.empty() &&
                     std::all_of(bus.boxes.begin(), bus.boxes.end(),
                                 [&](const auto& b) { return b.failed_cycles >= offline_after; });
}

void save_supervision(BusContext& ctx) {
  for (auto& box : ctx.bus.boxes) {
    auto now = supervision_of(box);
    if (box.saved && *box.saved == now) continue;
    ctx.sink().save_box_supervision(ctx.bus.config.id, box.address, now);
    box.saved = std::move(now);
  }
}

const domain::MonotonicClock& steady_monotonic_clock() {
  static const SteadyMonotonicClock clock;
  return clock;
}

}  // namespace phil::service::detail
