// The billing-and-control loop: per bus, deliver pending meter commands first, then poll every
// box when the bus is due, storing readings, charges and status.
#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <spdlog/spdlog.h>

#include <phil/meterlink/adf300.hpp>
#include <phil/meterlink/modbus_master.hpp>
#include <phil/meterlink/rtu_master.hpp>
#include <phil/meterlink/tcp_master.hpp>
#include <phil/service/system.hpp>
#include <phil/store/store.hpp>

namespace phil::service {

namespace {

using domain::MeterId;
using meterlink::LinkError;
using meterlink::LinkErrorKind;
using meterlink::LinkResult;

struct BoxRuntime {
  int address = 0;
  std::unique_ptr<meterlink::Adf300Driver> driver;
  std::vector<MeterId> meters;
  int failed_cycles = 0;  ///< for logging transitions only; the store keeps the truth
};

/// Everything one bus worker touches. `mutex` serialises the work on the bus (one transaction at
/// a time on the wire) and guards the fields below it; buses never share a master or a store
/// connection, so different buses run in parallel.
struct BusRuntime {
  BusConfig config;
  Millis poll_interval{};
  std::unique_ptr<meterlink::ModbusMaster> master;
  std::unique_ptr<store::Store> store;  ///< this bus's own connection to the database
  std::vector<BoxRuntime> boxes;
  std::unique_ptr<std::mutex> mutex = std::make_unique<std::mutex>();
  std::optional<TimePoint> next_poll;  ///< nullopt: never polled, due at once
  std::uint64_t polls_completed = 0;
  std::set<int> read_requested;  ///< boxes to read at the next run, whatever the schedule
  bool line_offline = false;     ///< every box offline at the end of the last cycle

  BoxRuntime* box(int address) {
    for (auto& b : boxes) {
      if (b.address == address) return &b;
    }
    return nullptr;
  }
};

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

std::unique_ptr<meterlink::ModbusMaster> default_master(const BusConfig& bus) {
  if (bus.transport == "rtu") {
    return std::make_unique<meterlink::RtuMaster>(meterlink::RtuSettings{
        bus.port, bus.baud, bus.parity, bus.data_bits, bus.stop_bits, bus.response_timeout});
  }
  const auto hp = meterlink::parse_host_port(bus.port);
  if (!hp) {
    throw std::invalid_argument("bus " + bus.id + ": port \"" + bus.port +
                                "\" is not HOST:PORT, which transport " + bus.transport +
                                " needs; fix the site file");
  }
  meterlink::TcpSettings ts{hp->first, hp->second, bus.response_timeout};
  if (bus.transport == "tcp") return std::make_unique<meterlink::ModbusTcpMaster>(ts);
  if (bus.transport == "rtu-over-tcp") return std::make_unique<meterlink::RtuOverTcpMaster>(ts);
  throw std::invalid_argument("bus " + bus.id + ": unknown transport \"" + bus.transport +
                              "\"; use rtu, rtu-over-tcp or tcp");
}

struct System::Impl {
  SiteConfig site;
  const domain::Clock& clock;
  MasterFactory make_master;
  std::unique_ptr<store::Store> store;
  std::vector<BusRuntime> buses;
  mutable std::mutex mutex;
  std::atomic<bool> stopping{false};

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
      bus.store = store::open_sqlite_store(db_path);
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
  const BusRuntime* bus(const std::string& id) const {
    for (const auto& b : buses) {
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
    bus.store->defer_command(cmd.id, why, next, now);
    spdlog::warn("{}: command {} ({} {}) not delivered yet: {}; next try by {}", bus.config.id,
                 cmd.id, domain::to_string(cmd.kind), cmd.meter.to_string(), why,
                 format_timestamp(next, std::chrono::minutes(0)));
  }

  void confirm(BusRuntime& bus, const store::CommandRecord& cmd, const meterlink::CreditState& s,
               TimePoint now) {
    bus.store->confirm_command(cmd.id, s, now, rules());
    spdlog::info("credit {} of {} fen confirmed on {} (purchase_count {}, balance {} fen)", cmd.id,
                 cmd.amount_fen, cmd.meter.to_string(), s.purchase_count, s.balance_fen);
  }

  void fail(BusRuntime& bus, const store::CommandRecord& cmd, const std::string& reason,
            TimePoint now) {
    bus.store->fail_command(cmd.id, reason, now);
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
      confirm(bus, cmd, before.value(), now);
      return true;
    }
    if (decision.action == domain::CreditAction::kFail) {
      fail(bus, cmd, decision.reason, now);
      return true;
    }
    // Durable before the write: after a crash or a lost reply, the same count is decided on.
    bus.store->begin_attempt(
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
      confirm(bus, cmd, after.value(), now);
      return true;
    }
    if (check.action == domain::CreditAction::kFail) {
      fail(bus, cmd, check.reason, now);
      return true;
    }
    defer(bus, cmd,
          written ? std::string("meter acknowledged but did not apply the credit")
                  : "meter refused the credit: " + written.error().message,
          false, attempts, now, dead);
    return false;
  }

  /// Read-backs that disagree with a setting after this many writes fail it for an operator
  /// (e.g. a close on a meter in arrears: it keeps its relay open).
  static constexpr int kMaxSettingMismatches = 5;

  /// One delivery attempt of a setting command (mode, thresholds, price): write, then read the
  /// registers back. Settings are idempotent, so a lost reply is simply written again. True when
  /// the command reached a final state.
  bool deliver_setting(BusRuntime& bus, BoxRuntime& box, const store::CommandRecord& cmd,
                       TimePoint now, std::set<int>& dead) {
    const auto& driver = *box.driver;
    const int circuit = cmd.meter.circuit;
    const auto kind = std::string(domain::to_string(cmd.kind));
    std::string why;
    if (!driver.setting_frames(cmd.params, circuit, why)) {
      fail(bus, cmd, kind + " cannot be sent to " + cmd.meter.to_string() + ": " + why, now);
      return true;
    }
    // False: an operator superseded or cancelled it meanwhile; nothing to send.
    if (!bus.store->try_begin_attempt(cmd.id, std::nullopt, now)) return true;
    const int attempts = cmd.attempts + 1;
    const auto written = driver.write_setting(*bus.master, box.address, circuit, cmd.params);
    if (!written) {
      if (!silent(written.error())) {
        fail(bus, cmd, "the meter refused the " + kind + ": " + written.error().message, now);
        return true;
      }
      defer(bus, cmd, "writing " + kind + ": " + written.error().message, true, attempts, now,
            dead);
      return false;
    }
    const auto applied = driver.setting_applied(*bus.master, box.address, circuit, cmd.params);
    if (!applied) {
      defer(bus, cmd, "reading back: " + applied.error().message, silent(applied.error()), attempts,
            now, dead);
      return false;
    }
    if (!applied.value()) {
      const auto msg = "the read-back of " + cmd.meter.to_string() + " does not show the " + kind;
      if (attempts >= kMaxSettingMismatches) {
        fail(bus, cmd, msg + " after " + std::to_string(attempts) + " writes", now);
        return true;
      }
      defer(bus, cmd, msg, false, attempts, now, dead);
      return false;
    }
    const auto state = driver.read_credit_state(*bus.master, box.address, circuit);
    if (!state) {
      defer(bus, cmd, "reading back: " + state.error().message, silent(state.error()), attempts,
            now, dead);
      return false;
    }
    bus.store->confirm_command(cmd.id, state.value(), now, rules());
    spdlog::info("{} {} confirmed on {} ({})", kind, cmd.id, cmd.meter.to_string(), cmd.payload);
    return true;
  }

  void deliver(BusRuntime& bus, TimePoint now, bool force, std::set<int>& dead) {
    std::set<MeterId> blocked;  // targets whose head did not complete: nothing behind it goes
    // The head of each target's queue in (priority, id) order (mode before credit before
    // thresholds before prices); a poll cycle retries every head regardless of its backoff.
    // When a head completes, the next command of its target becomes the head: another round.
    constexpr std::size_t kMaxPerRound = 1000;
    constexpr int kMaxRounds = 64;
    const auto horizon = force ? now + Millis(365LL * 24 * 3600 * 1000) : now;
    for (int round = 0; round < kMaxRounds; ++round) {
      bool progressed = false;
      for (const auto& cmd : bus.store->next_commands(bus.config.id, horizon, kMaxPerRound)) {
        if (stopping) return;
        if (blocked.contains(cmd.meter)) continue;
        auto* box = bus.box(cmd.meter.box);
        if (!box || cmd.meter.circuit > box->driver->circuits()) {
          fail(bus, cmd,
               "meter " + cmd.meter.to_string() + " is not configured on bus " + bus.config.id,
               now);
          progressed = true;
          continue;
        }
        if (dead.contains(cmd.meter.box)) {
          // No request to a box that is silent this cycle; wait like the command that found out.
          defer(bus, cmd, "box " + std::to_string(cmd.meter.box) + " did not answer in this cycle",
                true, cmd.attempts, now, dead);
          blocked.insert(cmd.meter);
          continue;
        }
        const bool done = cmd.kind == domain::CommandKind::kCredit
                              ? deliver_credit(bus, *box, cmd, now, dead)
                              : deliver_setting(bus, *box, cmd, now, dead);
        if (done) {
          progressed = true;
        } else {
          blocked.insert(cmd.meter);
        }
      }
      if (!progressed) return;
    }
  }

  /// Between two transactions of a poll cycle: commands that became sendable (a sale made while
  /// the cycle runs) go next, so a command waits for at most the transaction in flight.
  void deliver_waiting(BusRuntime& bus, std::set<int>& dead) {
    const auto now = clock.now();
    const auto due = bus.store->next_command_due(bus.config.id);
    if (due && *due <= now) deliver(bus, now, false, dead);
  }

  /// Reads one box block by block (the driver's poll plan), letting waiting commands in between.
  LinkResult<std::vector<domain::MeterReading>> read_box(BusRuntime& bus, BoxRuntime& box,
                                                         std::set<int>& dead) {
    const auto& plan = box.driver->poll_plan();
    std::vector<std::vector<std::uint16_t>> words;
    words.reserve(plan.blocks.size());
    for (const auto& block : plan.blocks) {
      if (stopping) return LinkError{LinkErrorKind::kIo, 0, "stopping"};
      deliver_waiting(bus, dead);
      if (dead.contains(box.address)) {
        return LinkError{LinkErrorKind::kTimeout, 0, "did not answer a command in this cycle"};
      }
      auto r = bus.master->read_registers(box.address, block.start, block.count);
      if (!r) return r.error();
      if (r.value().size() != block.count) {
        return LinkError{LinkErrorKind::kIo, 0,
                         "box " + std::to_string(box.address) + " returned " +
                             std::to_string(r.value().size()) + " registers for a read of " +
                             std::to_string(block.count)};
      }
      words.push_back(std::move(r.value()));
    }
    auto decoded = box.driver->decode_box(words);
    if (!decoded) {
      return LinkError{LinkErrorKind::kIo, 0,
                       "box " + std::to_string(box.address) +
                           " returned values that do not decode with its profile; check the "
                           "profile against the device"};
    }
    return std::move(*decoded);
  }

  // ---- polling ----

  std::size_t boxes_offline(const BusRuntime& bus) const {
    return static_cast<std::size_t>(std::count_if(
        bus.boxes.begin(), bus.boxes.end(),
        [&](const BoxRuntime& b) { return b.failed_cycles >= site.offline_after_cycles; }));
  }

  /// One poll cycle; false if a stop request cut it short (then it does not count).
  bool poll(BusRuntime& bus, TimePoint now, std::set<int>& dead) {
    for (auto& box : bus.boxes) {
      if (stopping) return false;
      std::optional<LinkError> error;
      if (dead.contains(box.address)) {
        error = LinkError{LinkErrorKind::kTimeout, 0, "did not answer earlier in this cycle"};
      } else {
        auto r = read_box(bus, box, dead);
        if (stopping) return false;
        if (r) {
          std::vector<std::pair<MeterId, domain::MeterReading>> readings;
          for (std::size_t i = 0; i < r.value().size(); ++i) {
            readings.emplace_back(box.meters[i], r.value()[i]);
          }
          bus.store->record_readings(readings, now, rules());
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
      bus.store->record_failed_cycle(box.meters, now, rules());
      ++box.failed_cycles;
      if (box.failed_cycles == 1) {
        spdlog::warn("{}: box {} did not answer: {}", bus.config.id, box.address, error->message);
      } else if (box.failed_cycles == site.offline_after_cycles) {
        spdlog::warn("{}: box {} is offline after {} failed cycles in a row", bus.config.id,
                     box.address, box.failed_cycles);
      }
    }
    const auto offline = boxes_offline(bus);
    const bool line_down = offline == bus.boxes.size();
    if (line_down != bus.line_offline) {
      if (line_down) {
        spdlog::warn(
            "{}: every box is offline: the line or {} is down; check its power, cabling "
            "and network",
            bus.config.id, bus.master->describe());
      } else {
        spdlog::info("{}: the line answers again ({})", bus.config.id, bus.master->describe());
      }
      bus.line_offline = line_down;
    }
    ++bus.polls_completed;
    spdlog::debug("{}: poll cycle {} done", bus.config.id, bus.polls_completed);
    return true;
  }

  /// On-demand reads: the requested boxes, outside the schedule. A box that does not answer is
  /// only logged: the poll cycles alone count towards offline.
  void read_requested(BusRuntime& bus, TimePoint now, std::set<int>& dead) {
    const auto wanted = std::exchange(bus.read_requested, {});
    for (auto& box : bus.boxes) {
      if (stopping) return;
      if (!wanted.contains(box.address) || dead.contains(box.address)) continue;
      auto r = box.driver->read_box(*bus.master, box.address);
      if (!r) {
        if (silent(r.error())) dead.insert(box.address);
        spdlog::warn("{}: read-now of box {} failed: {}", bus.config.id, box.address,
                     r.error().message);
        continue;
      }
      std::vector<std::pair<MeterId, domain::MeterReading>> readings;
      for (std::size_t i = 0; i < r.value().size(); ++i) {
        readings.emplace_back(box.meters[i], r.value()[i]);
      }
      bus.store->record_readings(readings, now, rules());
      spdlog::info("{}: box {} read on demand", bus.config.id, box.address);
    }
  }

  void run_bus(BusRuntime& bus, TimePoint now) {
    const bool poll_due = !bus.next_poll || *bus.next_poll <= now;
    std::set<int> dead;  // boxes that did not answer in this cycle
    // Commands first: a sale reaches the meter before any further polling. A poll cycle retries
    // every open command regardless of its backoff.
    deliver(bus, now, poll_due, dead);
    if (!poll_due) {
      if (!bus.read_requested.empty()) read_requested(bus, now, dead);
      return;
    }
    bus.read_requested.clear();  // the cycle reads every box anyway
    if (!poll(bus, now, dead)) return;
    // Keep the schedule anchored to the first poll; if we fell behind, restart from now.
    TimePoint next = bus.next_poll ? *bus.next_poll + bus.poll_interval : now + bus.poll_interval;
    if (next <= now) next = now + bus.poll_interval;
    bus.next_poll = next;
  }
};

System::System(SiteConfig site, const std::string& db_path, const domain::Clock& clock)
    : System(std::move(site), db_path, clock, default_master) {}

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

domain::Result<std::int64_t> System::command(const domain::MeterId& target,
                                             const domain::CommandPayload& payload,
                                             const std::string& operator_id) {
  std::lock_guard lock(impl_->mutex);
  auto r = impl_->store->enqueue_command({target, payload, operator_id, impl_->clock.now()});
  if (r) {
    spdlog::info("{} command {} for {} queued by {} ({})",
                 domain::to_string(domain::kind_of(payload)), r.value(), target.to_string(),
                 operator_id, domain::encode_payload(payload));
  }
  return r;
}

void System::run_iterate() {
  const auto now = impl_->clock.now();
  for (auto& bus : impl_->buses) {
    std::lock_guard lock(*bus.mutex);
    impl_->run_bus(bus, now);
  }
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
  if (auto c = bus->store->next_command_due(bus->config.id)) due = std::min(due, *c);
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
  const auto text = std::string(target);
  const auto first = text.find('/');
  const auto bus_id = text.substr(0, first);
  auto* bus = impl_->bus(bus_id);
  if (!bus) {
    return domain::Error{domain::ErrorKind::kNotFound,
                         "read-now " + text + ": no bus \"" + bus_id +
                             "\" in the site; give BUS, BUS/BOX or BUS/BOX/CIRCUIT"};
  }
  std::set<int> boxes;
  if (first == std::string::npos) {
    for (const auto& b : bus->boxes)
      boxes.insert(b.address);
  } else {
    auto rest = text.substr(first + 1);
    const auto second = rest.find('/');
    const auto box_text = rest.substr(0, second);
    int address = 0;
    bool ok = !box_text.empty() && box_text.size() <= 3;
    for (const char c : box_text) {
      ok = ok && c >= '0' && c <= '9';
      if (ok) address = address * 10 + (c - '0');
    }
    const auto* box = ok ? bus->box(address) : nullptr;
    if (!box) {
      return domain::Error{domain::ErrorKind::kNotFound, "read-now " + text + ": no box \"" +
                                                             box_text + "\" on bus " + bus_id +
                                                             "; check the site file"};
    }
    if (second != std::string::npos) {
      const auto id = domain::MeterId::parse(text);
      if (!id || id->circuit > box->driver->circuits()) {
        return domain::Error{domain::ErrorKind::kNotFound,
                             "read-now " + text + ": box " + box_text + " has circuits 1.." +
                                 std::to_string(box->driver->circuits())};
      }
    }
    boxes.insert(address);
  }
  std::lock_guard lock(*bus->mutex);
  bus->read_requested.insert(boxes.begin(), boxes.end());
  return {};
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
    c.boxes_offline = impl_->boxes_offline(bus);
    c.line_offline = bus.line_offline;
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
