// System: the wiring of the bus runtime's parts (bus_context.hpp lists them) into one object.
// Per bus and iteration: deliver pending meter commands first, then run read requests, then the
// poll cycle when the bus is due.
#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <spdlog/spdlog.h>

#include <phil/meterlink/adf300.hpp>
#include <phil/meterlink/modbus_master.hpp>
#include <phil/meterlink/rtu_master.hpp>
#include <phil/meterlink/tcp_master.hpp>
#include <phil/service/site_registration.hpp>
#include <phil/service/system.hpp>
#include <phil/store/store.hpp>

#include "bus_context.hpp"
#include "delivery.hpp"
#include "polling.hpp"
#include "read_now.hpp"
#include "status_scan.hpp"
#include "supervision.hpp"

namespace phil::service {

namespace {

using detail::BoxRuntime;
using detail::BusContext;
using detail::BusRuntime;
using domain::MeterId;

MeterView to_view(const store::MeterRecord& m) {
  MeterView v;
  v.id = m.id;
  v.ever_read = m.read_at.has_value();
  if (m.read_at) v.read_at = *m.read_at;
  if (m.state_at) v.state_at = *m.state_at;
  v.energy_wh = m.last.energy_wh;
  v.meter_balance_fen = m.last.balance_fen;
  v.relay_closed = m.last.relay_closed;
  v.mode = m.last.mode;
  v.status = m.status;
  v.purchase_count = m.last.purchase_count;
  v.account = m.account;
  v.power_w = m.last.power_w;
  v.failed_cycles = m.failed_cycles;
  return v;
}

/// A box's runtime from its configuration and its profile: the driver, the meters of its
/// circuits, and its response timeout (the site file's wins; else the profile's timing; else
/// the default).
BoxRuntime make_box(const SiteConfig& site, const BusConfig& bus, const BoxConfig& box_config,
                    const meterlink::Profile& profile) {
  BoxRuntime box;
  box.address = box_config.address;
  box.driver = std::make_unique<meterlink::Adf300Driver>(profile, box_config.model);
  box.state_plan = detail::scan_plan(site, bus, *box.driver);
  box.timeout = bus.response_timeout;
  if (!bus.response_timeout_set && profile.timing.response_timeout) {
    box.timeout = *profile.timing.response_timeout;
  }
  box.configured_timeout = box.timeout;
  for (int n = 1; n <= box.driver->circuits(); ++n) {
    box.meters.push_back(MeterId{bus.id, box.address, n});
  }
  return box;
}

/// Spread: the k-th of n buses with the same interval starts its cycles k/n into it.
void spread_cycles(std::vector<BusRuntime>& buses) {
  std::map<std::int64_t, std::vector<BusRuntime*>> by_interval;
  for (auto& b : buses)
    by_interval[b.poll_interval.count()].push_back(&b);
  for (auto& [interval, group] : by_interval) {
    for (std::size_t k = 0; k < group.size(); ++k) {
      group[k]->offset =
          Millis(interval * static_cast<std::int64_t>(k) / static_cast<std::int64_t>(group.size()));
    }
  }
}

}  // namespace

std::unique_ptr<meterlink::ModbusMaster> default_master(const BusConfig& bus) {
  if (bus.transport == Transport::kRtu) {
    return std::make_unique<meterlink::RtuMaster>(meterlink::RtuSettings{
        bus.port, bus.baud, bus.parity, bus.data_bits, bus.stop_bits, bus.response_timeout});
  }
  const auto hp = meterlink::parse_host_port(bus.port);
  if (!hp) {
    throw std::invalid_argument(
        "bus " + bus.id + ": port \"" + bus.port + "\" is not HOST:PORT, which transport " +
        std::string(to_string(bus.transport)) + " needs; fix the site file");
  }
  meterlink::TcpSettings ts{hp->first, hp->second, bus.response_timeout};
  if (bus.transport == Transport::kTcp) return std::make_unique<meterlink::ModbusTcpMaster>(ts);
  return std::make_unique<meterlink::RtuOverTcpMaster>(ts);
}

struct System::Impl {
  SiteConfig site;
  const domain::Clock& clock;
  MasterFactory make_master;
  std::unique_ptr<store::Store> store;                    ///< the System's own connection
  std::vector<std::unique_ptr<store::Store>> bus_stores;  ///< one connection per bus
  std::vector<BusRuntime> buses;
  mutable std::mutex mutex;
  std::atomic<bool> stopping{false};
  detail::SystemShared shared;
  /// The notifier's own connection and gateway: a send may block for the gateway's timeout,
  /// which must hold up neither the buses nor the System's own connection.
  std::unique_ptr<store::Store> notice_store;
  std::unique_ptr<notify::Gateway> gateway;
  std::unique_ptr<Notifier> notifier;
  mutable std::mutex notify_mutex;

  Impl(SiteConfig s, const store::StoreFactory& stores, const domain::Clock& c,
       MasterFactory masters, const domain::MonotonicClock& monotonic)
      : site(std::move(s)),
        clock(c),
        make_master(std::move(masters)),
        store(stores(store::Checkpoints::kByCaller)),
        shared{site, clock, monotonic, stopping, std::nullopt} {
    std::map<std::string, meterlink::Profile> profiles;
    for (const auto& bc : site.buses) {
      auto& db = *bus_stores.emplace_back(stores(store::Checkpoints::kByCaller));
      BusRuntime bus(bc, {db, db, db, db, db});
      bus.poll_interval = bc.poll_interval.value_or(site.poll_interval);
      bus.master = make_master(bc);
      for (const auto& box_config : bc.boxes) {
        auto it = profiles.find(box_config.profile);
        if (it == profiles.end()) {
          it = profiles
                   .emplace(box_config.profile,
                            meterlink::load_profile(site.profiles_dir, box_config.profile))
                   .first;
        }
        if (!shared.turnaround && it->second.timing.turnaround) {
          shared.turnaround = it->second.timing.turnaround;
        }
        auto box = make_box(site, bc, box_config, it->second);
        bus.boxes.push_back(std::move(box));
      }
      buses.push_back(std::move(bus));
    }
    register_site(*store, site, site_file_actor(), clock.now());
    notice_store = stores(store::Checkpoints::kByCaller);
    if (site.notify) gateway = notify::make_gateway(site.notify->gateway);
    notifier = std::make_unique<Notifier>(*notice_store, clock, site.notify, gateway.get());
    // What the last run kept: each box's command backoff, what supervision raised, its comm
    // state (so a restart repeats no event and sends nothing to a box still in its backoff).
    for (auto& bus : buses) {
      for (auto& box : bus.boxes)
        detail::restore_supervision(bus, box, site.offline_after_cycles);
      detail::restore_line(bus, site.offline_after_cycles);
    }
    if (site.spread_cycles) spread_cycles(buses);
  }

  BusRuntime* bus(const std::string& id) {
    for (auto& b : buses) {
      if (b.config.id == id) return &b;
    }
    return nullptr;
  }
  const BusRuntime* bus(const std::string& id) const {
    for (const auto& b : buses) {
      if (b.config.id == id) return &b;
    }
    return nullptr;
  }

  void advance_closings(BusContext& ctx, TimePoint now) const {
    if (ctx.stopping()) return;
    ctx.ledger().advance_closings(ctx.bus.config.id, now);
  }

  /// One iteration of a bus at `now` (the caller holds the bus's lock).
  void run_bus(BusRuntime& bus, TimePoint now) {
    BusContext ctx(shared, bus);
    run_bus(ctx, now);
    detail::save_supervision(ctx);
  }

  void run_bus(BusContext& ctx, TimePoint now) {
    auto& bus = ctx.bus;
    const bool poll_due = !bus.next_poll || *bus.next_poll <= now;
    detail::clock_sync(ctx, now);
    // Account closings step around delivery and the reads: a forced_off queued is delivered in
    // this iteration, its confirmation asks for the final read, which the reads below serve.
    advance_closings(ctx, now);
    // Commands first: a sale reaches the meter before any further polling. A poll cycle retries
    // every open command regardless of its backoff.
    detail::deliver(ctx, now, poll_due);
    advance_closings(ctx, now);
    detail::stored_read_requests(ctx, now);
    advance_closings(ctx, now);
    if (!poll_due) {
      if (!bus.read_requested.empty()) detail::read_requested(ctx, now);
      // The light scan between full readings; the commands above went first, and go in
      // between its reads.
      if (detail::scan_due(bus, now) && detail::status_scan(ctx, now)) {
        detail::schedule_next_scan(bus, site, now, clock.now());
      }
      return;
    }
    bus.read_requested.clear();  // the cycle reads every box anyway
    if (bus.next_poll) bus.worst_lateness = std::max(bus.worst_lateness, now - *bus.next_poll);
    if (!detail::poll(ctx, now)) return;
    // A register to empty after a switch to host-side: the debit of the balance just read is
    // sent at once, as a meter in keep_power keeps counting it down and refuses a debit of more
    // than it holds.
    if (!ctx.stopping() && ctx.ledger().advance_conversions(bus.config.id, now) > 0) {
      detail::deliver(ctx, now, false);
      ctx.ledger().advance_conversions(bus.config.id, now);  // a refusal is counted at once
    }
    const auto after = clock.now();
    detail::schedule_next_poll(bus, now, after);
    detail::schedule_next_scan(bus, site, now, after);  // the poll read every state
  }
};

System::System(SiteConfig site, const store::StoreFactory& stores, const domain::Clock& clock,
               MasterFactory masters, const domain::MonotonicClock& monotonic)
    : impl_(std::make_unique<Impl>(std::move(site), stores, clock, std::move(masters), monotonic)) {
}

System::System(SiteConfig site, const store::StoreFactory& stores, const domain::Clock& clock,
               MasterFactory masters)
    : System(std::move(site), stores, clock, std::move(masters), detail::steady_monotonic_clock()) {
}

System::System(SiteConfig site, const store::StoreFactory& stores, const domain::Clock& clock)
    : System(std::move(site), stores, clock, default_master) {}

System::System(SiteConfig site, const std::string& db_path, const domain::Clock& clock)
    : System(std::move(site), store::sqlite_store_factory(db_path), clock, default_master) {}

System::System(SiteConfig site, const std::string& db_path, const domain::Clock& clock,
               MasterFactory masters)
    : System(std::move(site), store::sqlite_store_factory(db_path), clock, std::move(masters)) {}

System::System(SiteConfig site, const std::string& db_path, const domain::Clock& clock,
               MasterFactory masters, const domain::MonotonicClock& monotonic)
    : System(std::move(site), store::sqlite_store_factory(db_path), clock, std::move(masters),
             monotonic) {}

System::~System() = default;

void System::run_iterate() {
  const auto now = impl_->clock.now();
  for (auto& bus : impl_->buses) {
    std::lock_guard lock(*bus.mutex);
    impl_->run_bus(bus, now);
  }
  (void)notify();  // what the pass did is in the store; the bench reads it there
  checkpoint();
}

NotifyPass System::notify() {
  std::lock_guard lock(impl_->notify_mutex);
  return impl_->notifier->run_iterate();
}

std::optional<TimePoint> System::next_notice_due() const {
  std::lock_guard lock(impl_->notify_mutex);
  return impl_->notifier->next_due();
}

std::int64_t System::checkpoint() {
  std::lock_guard lock(impl_->mutex);
  return impl_->store->checkpoint();
}

store::RollupSummary System::roll_up() {
  std::lock_guard lock(impl_->mutex);
  return impl_->store->roll_up(impl_->site.utc_offset);
}

void System::request_stop() {
  impl_->stopping = true;
}

void System::run_bus_iterate(const std::string& bus_id) {
  auto* bus = impl_->bus(bus_id);
  if (!bus) throw std::invalid_argument("run_bus_iterate: no bus " + bus_id);
  std::lock_guard lock(*bus->mutex);
  impl_->run_bus(*bus, impl_->clock.now());
}

std::vector<std::string> System::bus_ids() const {
  std::vector<std::string> out;
  for (const auto& bus : impl_->buses)
    out.push_back(bus.config.id);
  return out;
}

TimePoint System::next_due(const std::string& bus_id) const {
  auto* bus = impl_->bus(bus_id);
  if (!bus) throw std::invalid_argument("next_due: no bus " + bus_id);
  std::lock_guard lock(*bus->mutex);
  const auto now = impl_->clock.now();
  if (!bus->read_requested.empty()) return now;
  auto due = bus->next_poll.value_or(now);
  if (bus->next_scan) due = std::min(due, *bus->next_scan);
  if (auto c = bus->store.outbox.next_command_due(bus->config.id)) due = std::min(due, *c);
  return due;
}

TimePoint System::next_due() const {
  std::optional<TimePoint> due;
  for (const auto& bus : impl_->buses) {
    const auto t = next_due(bus.config.id);
    due = due ? std::min(*due, t) : t;
  }
  return due.value_or(impl_->clock.now() + impl_->site.poll_interval);
}

domain::Result<void> System::read_now(std::string_view target) {
  auto r = detail::resolve_read_target(impl_->buses, std::string(target));
  if (!r) return r.error();
  auto& [bus, boxes] = r.value();
  std::lock_guard lock(*bus->mutex);
  bus->read_requested.insert(boxes.begin(), boxes.end());
  return {};
}

std::optional<ReadRequestView> System::read_request(std::int64_t id) const {
  std::lock_guard lock(impl_->mutex);
  const auto r = impl_->store->read_request(id);
  if (!r) return std::nullopt;
  return ReadRequestView{r->id, r->target, r->state, r->result};
}

std::vector<EventView> System::events(const std::optional<domain::MeterId>& meter) const {
  std::lock_guard lock(impl_->mutex);
  std::vector<EventView> out;
  for (auto& e : impl_->store->events(meter))
    out.push_back({e.meter, std::move(e.kind), std::move(e.details), e.at});
  return out;
}

std::optional<MeterView> System::meter(const domain::MeterId& id) const {
  std::lock_guard lock(impl_->mutex);
  auto m = impl_->store->meter(id);
  if (!m) return std::nullopt;
  return to_view(*m);
}

std::optional<std::int64_t> System::account_balance_fen(const std::string& account_id) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->store->account_balance_fen(account_id);
}

BusCounters System::counters(const std::string& bus_id) const {
  std::lock_guard lock(impl_->mutex);
  BusCounters c;
  for (const auto& bus : impl_->buses) {
    if (bus.config.id != bus_id) continue;
    std::lock_guard bus_lock(*bus.mutex);
    c.polls_completed = bus.polls_completed;
    c.scans_completed = bus.scans_completed;
    c.boxes_offline = detail::boxes_offline(impl_->site, bus);
    c.line_offline = bus.line_offline;
    c.port_unavailable = bus.port_unavailable;
    c.cycles_missed = bus.cycles_missed;
    c.worst_start_lateness = bus.worst_lateness;
    c.clock_syncs = bus.clock_syncs;
    c.response_timeout = bus.timeout_in_force;
  }
  const auto cc = impl_->store->command_counts(bus_id);
  c.commands_confirmed = cc.confirmed;
  c.commands_pending = cc.open;
  return c;
}

std::vector<std::string> System::verify_ledger() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->store->verify_ledger();
}

void System::log(const store::LogEvent& e) {
  std::lock_guard lock(impl_->mutex);
  impl_->store->record(e, impl_->clock.now());
}

std::vector<CommandView> System::commands(const domain::MeterId& id, int limit) const {
  std::lock_guard lock(impl_->mutex);
  std::vector<CommandView> out;
  for (const auto& c : impl_->store->meter_commands(id, limit)) {
    out.push_back(
        {c.id, c.kind, c.amount_fen, c.purchase_count, c.state, c.attempts, c.last_error});
  }
  return out;
}

const SiteConfig& System::site() const {
  return impl_->site;
}

}  // namespace phil::service
