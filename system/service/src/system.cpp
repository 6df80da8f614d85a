// The billing-and-control loop: per bus, deliver pending meter commands first, then poll every
// box when the bus is due, storing readings, charges and status.
#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include <spdlog/spdlog.h>

#include <phil/meterlink/adf300.hpp>
#include <phil/meterlink/modbus_master.hpp>
#include <phil/meterlink/rtu_master.hpp>
#include <phil/service/system.hpp>
#include <phil/store/store.hpp>

namespace phil::service {

namespace {

using domain::MeterId;
using meterlink::LinkError;
using meterlink::LinkErrorKind;

struct BoxRuntime {
  int address = 0;
  std::unique_ptr<meterlink::Adf300Driver> driver;
  std::vector<MeterId> meters;
  int failed_cycles = 0;  ///< for logging transitions only; the store keeps the truth
};

struct BusRuntime {
  BusConfig config;
  Millis poll_interval{};
  std::unique_ptr<meterlink::ModbusMaster> master;
  std::vector<BoxRuntime> boxes;
  std::optional<TimePoint> next_poll;  ///< nullopt: never polled, due at once
  std::uint64_t polls_completed = 0;

  BoxRuntime* box(int address) {
    for (auto& b : boxes) {
      if (b.address == address) return &b;
    }
    return nullptr;
  }
};

std::unique_ptr<meterlink::ModbusMaster> rtu_master(const BusConfig& bus) {
  return std::make_unique<meterlink::RtuMaster>(meterlink::RtuSettings{
      bus.port, bus.baud, bus.parity, bus.data_bits, bus.stop_bits, bus.response_timeout});
}

/// A timeout or garbled reply: the box is not answering properly; no further request to it this
/// cycle. An exception is an answer.
bool silent(const LinkError& e) {
  return e.kind != LinkErrorKind::kException;
}

MeterView to_view(const store::MeterRecord& m) {
  MeterView v;
  v.id = m.id;
  v.ever_read = m.read_at.has_value();
  if (m.read_at) v.read_at = *m.read_at;
  v.energy_wh = m.last.energy_wh;
  v.meter_balance_fen = m.last.balance_fen;
  v.relay_closed = m.last.relay_closed;
  v.mode = std::string(domain::to_string(m.last.mode));
  v.status = std::string(domain::to_string(m.status));
  v.purchase_count = m.last.purchase_count;
  v.account = m.account;
  v.power_w = m.last.power_w;
  v.failed_cycles = m.failed_cycles;
  return v;
}

}  // namespace

struct System::Impl {
  SiteConfig site;
  const domain::Clock& clock;
  MasterFactory make_master;
  std::unique_ptr<store::Store> store;
  std::vector<BusRuntime> buses;
  mutable std::mutex mutex;

  Impl(SiteConfig s, const std::string& db_path, const domain::Clock& c, MasterFactory masters)
      : site(std::move(s)),
        clock(c),
        make_master(std::move(masters)),
        store(store::open_sqlite_store(db_path)) {
    std::map<std::string, meterlink::Profile> profiles;
    for (const auto& bc : site.buses) {
      BusRuntime bus;
      bus.config = bc;
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
        BoxRuntime box;
        box.address = box_config.address;
        box.driver = std::make_unique<meterlink::Adf300Driver>(it->second, box_config.model);
        for (int n = 1; n <= box.driver->circuits(); ++n) {
          box.meters.push_back(MeterId{bc.id, box.address, n});
        }
        store->register_meters(box.meters, box_config.model);
        bus.boxes.push_back(std::move(box));
      }
      buses.push_back(std::move(bus));
    }
  }

  store::BillingRules rules() const { return {site.price, site.offline_after_cycles}; }

  BusRuntime* bus(const std::string& id) {
    for (auto& b : buses) {
      if (b.config.id == id) return &b;
    }
    return nullptr;
  }

  // ---- command delivery ----

  /// Records an attempt that did not complete; a silent box is skipped for the rest of the cycle.
  void defer(BusRuntime& bus, const store::CommandRecord& cmd, const std::string& why,
             bool box_silent, int attempts, TimePoint now, std::set<int>& dead) {
    if (box_silent) dead.insert(cmd.meter.box);
    const auto next = now + domain::retry_delay(std::max(1, attempts));
    store->defer_command(cmd.id, why, next, now);
    spdlog::warn("{}: command {} ({} {}) not delivered yet: {}; next try by {}", bus.config.id,
                 cmd.id, domain::to_string(cmd.kind), cmd.meter.to_string(), why,
                 format_timestamp(next, std::chrono::minutes(0)));
  }

  void confirm(const store::CommandRecord& cmd, const meterlink::CreditState& s, TimePoint now) {
    store->confirm_command(cmd.id, s, now, rules());
    spdlog::info("credit {} of {} fen confirmed on {} (purchase_count {}, balance {} fen)", cmd.id,
                 cmd.amount_fen, cmd.meter.to_string(), s.purchase_count, s.balance_fen);
  }

  void fail(const store::CommandRecord& cmd, const std::string& reason, TimePoint now) {
    store->fail_command(cmd.id, reason, now);
    spdlog::error("command {} on {} failed: {}", cmd.id, cmd.meter.to_string(), reason);
  }

  /// One delivery attempt of a credit. True when the command reached a final state.
  bool deliver_credit(BusRuntime& bus, BoxRuntime& box, const store::CommandRecord& cmd,
                      TimePoint now, std::set<int>& dead) {
    auto& master = *bus.master;
    const auto& driver = *box.driver;
    const int circuit = cmd.meter.circuit;
    auto before = driver.read_credit_state(master, box.address, circuit);
    if (!before) {
      defer(bus, cmd, "reading purchase_count: " + before.error().message, silent(before.error()),
            cmd.attempts, now, dead);
      return false;
    }
    const auto decision = domain::decide_credit(cmd.purchase_count, before.value().purchase_count);
    if (decision.action == domain::CreditAction::kConfirm) {
      confirm(cmd, before.value(), now);
      return true;
    }
    if (decision.action == domain::CreditAction::kFail) {
      fail(cmd, decision.reason, now);
      return true;
    }
    // Durable before the write: after a crash or a lost reply, the same count is decided on.
    store->begin_attempt(
        cmd.id, decision.assign ? std::optional<std::uint16_t>(decision.count) : std::nullopt, now);
    const int attempts = cmd.attempts + 1;
    const auto written =
        driver.write_credit(master, box.address, circuit, decision.count, cmd.amount_fen);
    if (!written && silent(written.error())) {
      // Request or reply lost: the meter's purchase_count decides next time, never a new count.
      defer(bus, cmd, "writing credit: " + written.error().message, true, attempts, now, dead);
      return false;
    }
    auto after = driver.read_credit_state(master, box.address, circuit);
    if (!after) {
      defer(bus, cmd, "reading back: " + after.error().message, silent(after.error()), attempts,
            now, dead);
      return false;
    }
    const auto check = domain::decide_credit(decision.count, after.value().purchase_count);
    if (check.action == domain::CreditAction::kConfirm) {
      confirm(cmd, after.value(), now);
      return true;
    }
    if (check.action == domain::CreditAction::kFail) {
      fail(cmd, check.reason, now);
      return true;
    }
    defer(bus, cmd,
          written ? std::string("meter acknowledged but did not apply the credit")
                  : "meter refused the credit: " + written.error().message,
          false, attempts, now, dead);
    return false;
  }

  void deliver(BusRuntime& bus, TimePoint now, bool force, std::set<int>& dead) {
    std::set<MeterId> blocked;  // commands of one meter go strictly in order
    for (const auto& cmd : store->open_commands(bus.config.id)) {
      if (blocked.contains(cmd.meter)) continue;
      auto* box = bus.box(cmd.meter.box);
      if (!box || cmd.meter.circuit > box->driver->circuits()) {
        fail(cmd, "meter " + cmd.meter.to_string() + " is not configured on bus " + bus.config.id,
             now);
        continue;
      }
      if (cmd.kind != domain::CommandKind::kCredit) {
        fail(cmd,
             std::string("command kind ") + std::string(domain::to_string(cmd.kind)) +
                 " is not supported by this version",
             now);
        continue;
      }
      if (!force && cmd.next_attempt_at > now) {
        blocked.insert(cmd.meter);
        continue;
      }
      if (dead.contains(cmd.meter.box)) {
        // No request to a box that is silent this cycle; wait like the command that found out.
        defer(bus, cmd, "box " + std::to_string(cmd.meter.box) + " did not answer in this cycle",
              true, cmd.attempts, now, dead);
        blocked.insert(cmd.meter);
        continue;
      }
      if (!deliver_credit(bus, *box, cmd, now, dead)) blocked.insert(cmd.meter);
    }
  }

  // ---- polling ----

  void poll(BusRuntime& bus, TimePoint now, std::set<int>& dead) {
    for (auto& box : bus.boxes) {
      std::optional<LinkError> error;
      if (dead.contains(box.address)) {
        error = LinkError{LinkErrorKind::kTimeout, 0, "did not answer earlier in this cycle"};
      } else {
        auto r = box.driver->read_box(*bus.master, box.address);
        if (r) {
          std::vector<std::pair<MeterId, domain::MeterReading>> readings;
          for (std::size_t i = 0; i < r.value().size(); ++i) {
            readings.emplace_back(box.meters[i], r.value()[i]);
          }
          store->record_readings(readings, now, rules());
          if (box.failed_cycles > 0) {
            spdlog::info("{}: box {} answers again after {} failed cycle(s)", bus.config.id,
                         box.address, box.failed_cycles);
          }
          box.failed_cycles = 0;
          continue;
        }
        error = r.error();
        if (silent(*error)) dead.insert(box.address);
      }
      store->record_failed_cycle(box.meters, now, rules());
      ++box.failed_cycles;
      if (box.failed_cycles == 1) {
        spdlog::warn("{}: box {} did not answer: {}", bus.config.id, box.address, error->message);
      } else if (box.failed_cycles == site.offline_after_cycles) {
        spdlog::warn("{}: box {} is offline after {} failed cycles in a row", bus.config.id,
                     box.address, box.failed_cycles);
      }
    }
    ++bus.polls_completed;
    spdlog::debug("{}: poll cycle {} done", bus.config.id, bus.polls_completed);
  }

  void run_bus(BusRuntime& bus, TimePoint now) {
    const bool poll_due = !bus.next_poll || *bus.next_poll <= now;
    std::set<int> dead;  // boxes that did not answer in this cycle
    // Commands first: a sale reaches the meter before any further polling. A poll cycle retries
    // every open command regardless of its backoff.
    deliver(bus, now, poll_due, dead);
    if (!poll_due) return;
    poll(bus, now, dead);
    // Keep the schedule anchored to the first poll; if we fell behind, restart from now.
    TimePoint next = bus.next_poll ? *bus.next_poll + bus.poll_interval : now + bus.poll_interval;
    if (next <= now) next = now + bus.poll_interval;
    bus.next_poll = next;
  }
};

System::System(SiteConfig site, const std::string& db_path, const domain::Clock& clock)
    : System(std::move(site), db_path, clock, rtu_master) {}

System::System(SiteConfig site, const std::string& db_path, const domain::Clock& clock,
               MasterFactory masters)
    : impl_(std::make_unique<Impl>(std::move(site), db_path, clock, std::move(masters))) {}

System::~System() = default;

domain::Result<void> System::open_account(const std::string& account_id, const std::string& tenant,
                                          const std::vector<domain::MeterId>& meters,
                                          std::int64_t first_sale_fen,
                                          const std::string& operator_id) {
  std::lock_guard lock(impl_->mutex);
  auto r = impl_->store->open_account(
      {account_id, tenant, meters, first_sale_fen, operator_id, impl_->clock.now()});
  if (r) spdlog::info("account {} opened by {}", account_id, operator_id);
  return r;
}

domain::Result<void> System::sale(const std::string& account_id, std::int64_t amount_fen,
                                  const std::string& operator_id) {
  std::lock_guard lock(impl_->mutex);
  auto r = impl_->store->sale({account_id, amount_fen, operator_id, impl_->clock.now()});
  if (!r) return r.error();
  spdlog::info("sale of {} fen to {} by {}; credit {} queued", amount_fen, account_id, operator_id,
               r.value());
  return {};
}

void System::run_iterate() {
  std::lock_guard lock(impl_->mutex);
  const auto now = impl_->clock.now();
  for (auto& bus : impl_->buses)
    impl_->run_bus(bus, now);
}

TimePoint System::next_due() const {
  std::lock_guard lock(impl_->mutex);
  const auto now = impl_->clock.now();
  std::optional<TimePoint> due;
  auto consider = [&](TimePoint t) { due = due ? std::min(*due, t) : t; };
  for (const auto& bus : impl_->buses) {
    consider(bus.next_poll.value_or(now));
    if (auto c = impl_->store->next_command_due(bus.config.id)) consider(*c);
  }
  return due.value_or(now + impl_->site.poll_interval);
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
    if (bus.config.id == bus_id) c.polls_completed = bus.polls_completed;
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

std::vector<CommandView> System::commands(const domain::MeterId& id, int limit) const {
  std::lock_guard lock(impl_->mutex);
  std::vector<CommandView> out;
  for (const auto& c : impl_->store->meter_commands(id, limit)) {
    out.push_back({c.id, std::string(domain::to_string(c.kind)), c.amount_fen, c.purchase_count,
                   std::string(domain::to_string(c.state)), c.attempts, c.last_error});
  }
  return out;
}

const SiteConfig& System::site() const {
  return impl_->site;
}

}  // namespace phil::service
