// The billing-and-control loop: per bus, deliver pending meter commands first, then poll every
// box when the bus is due, storing readings, charges and status.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string_view>
#include <thread>
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
  int failed_cycles = 0;           ///< for logging transitions only; the store keeps the truth
  Millis timeout{500};             ///< response timeout in force for this box (adaptive: computed)
  Millis configured_timeout{500};  ///< the site's or the profile's; the adaptive upper bound
  // ---- supervision state (this process) ----
  std::vector<std::string> serials;        ///< empty: not read since start-up (or after a failure)
  std::vector<domain::MeterReading> last;  ///< last readings, per circuit (empty: none yet)
  std::set<int> relay_mismatch;            ///< circuits whose mismatch was already raised
  std::map<int, domain::MeterMode> commanded;  ///< mode confirmed by a command, per circuit
  bool clock_drifting = false;
  std::string last_error;         ///< why the box last failed to answer (for read-now results)
  std::vector<Millis> latencies;  ///< recent reply times (adaptive timeout), a ring
  std::size_t latency_next = 0;
  // ---- command backoff: a silent box costs at most one timeout per poll cycle ----
  int silent_runs = 0;                  ///< runs in a row the box did not answer (polls, commands)
  std::optional<TimePoint> hold_until;  ///< no command to the box before this (its backoff)
  bool hold_for_poll = false;           ///< offline: no command before a poll finds it answering
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
  Millis offset{0};              ///< where in the poll interval this bus's cycles start
  std::optional<TimePoint> next_clock_sync;  ///< nullopt: at the first iteration
  std::uint64_t cycles_missed = 0;
  Millis worst_lateness{0};
  std::uint64_t clock_syncs = 0;
  Millis timeout_in_force{0};
  /// Failed tries per open command, pre-write reads included (the store counts writes only);
  /// the backoff of a command whose box answers but does not take it.
  std::map<std::int64_t, int> tries;

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
        store(store::open_sqlite_store(db_path, store::Checkpoints::kByCaller)) {
    std::map<std::string, meterlink::Profile> profiles;
    for (const auto& bc : site.buses) {
      BusRuntime bus;
      bus.config = bc;
      bus.poll_interval = bc.poll_interval.value_or(site.poll_interval);
      bus.master = make_master(bc);
      bus.store = store::open_sqlite_store(db_path, store::Checkpoints::kByCaller);
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
        // The site file's timeout wins; else the profile's timing; else the default.
        box.timeout = bc.response_timeout;
        if (!bc.response_timeout_set && it->second.timing.response_timeout) {
          box.timeout = *it->second.timing.response_timeout;
        }
        box.configured_timeout = box.timeout;
        if (!turnaround && it->second.timing.turnaround) turnaround = it->second.timing.turnaround;
        for (int n = 1; n <= box.driver->circuits(); ++n) {
          box.meters.push_back(MeterId{bc.id, box.address, n});
        }
        store->register_meters(box.meters, box_config.model);
        if (const auto declared = bc.billing_of(box_config.address)) {
          // The site file's declaration goes into the database, which is what billing, trip and
          // close and the balance check read: one source of truth.
          const auto mode = *declared == "host" ? domain::BillingMode::kHostSide
                                                : domain::BillingMode::kMeterSide;
          if (const int n = store->set_billing_mode(box.meters, mode, "site-file", clock.now())) {
            spdlog::info("{} meters of box {}/{} set to {} billing by the site file", n, bc.id,
                         box_config.address, domain::to_string(mode));
          }
        }
        bus.boxes.push_back(std::move(box));
      }
      buses.push_back(std::move(bus));
    }
    // Spread: the k-th of n buses with the same interval starts its cycles k/n into it.
    if (site.spread_cycles) {
      std::map<std::int64_t, std::vector<BusRuntime*>> by_interval;
      for (auto& b : buses)
        by_interval[b.poll_interval.count()].push_back(&b);
      for (auto& [interval, group] : by_interval) {
        for (std::size_t k = 0; k < group.size(); ++k) {
          group[k]->offset = Millis(interval * static_cast<std::int64_t>(k) /
                                    static_cast<std::int64_t>(group.size()));
        }
      }
    }
  }

  std::optional<Millis> turnaround;  ///< silence after a broadcast (the first profile's timing)

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

  /// Before requests to `box`: its response timeout.
  static void use(BusRuntime& bus, const BoxRuntime& box) {
    if (bus.timeout_in_force != box.timeout) {
      bus.master->set_response_timeout(box.timeout);
      bus.timeout_in_force = box.timeout;
    }
  }

  // ---- command delivery ----

  /// The wait after the n-th silent run of a box in a row: doubling from the first retry delay,
  /// never longer than the bus's poll interval (the poll probes the box anyway).
  static Millis box_backoff(const BusRuntime& bus, int n) {
    Millis d = domain::retry_delay(1);
    for (int i = 1; i < n && d < bus.poll_interval; ++i)
      d *= 2;
    return std::max(Millis(1), std::min(d, bus.poll_interval));
  }

  /// `box` did not answer: no further request to it in this run, and no command before its
  /// backoff expires (an offline box: before a poll finds it answering). Counted once per run.
  void mark_silent(BusRuntime& bus, BoxRuntime& box, TimePoint now, std::set<int>& dead) {
    if (!dead.insert(box.address).second) return;
    ++box.silent_runs;
    box.hold_until = now + box_backoff(bus, box.silent_runs);
    if (box.failed_cycles >= site.offline_after_cycles) box.hold_for_poll = true;
  }

  /// The box answered: its commands may go at once.
  static void mark_answering(BoxRuntime& box) {
    box.silent_runs = 0;
    box.hold_until.reset();
    box.hold_for_poll = false;
  }

  /// True when no command may be sent to `box` now.
  static bool held(const BoxRuntime& box, TimePoint now) {
    return box.hold_for_poll || (box.hold_until && now < *box.hold_until);
  }

  /// When a held box's commands are worth waking for: its backoff's end, or its next poll.
  static TimePoint release_time(const BusRuntime& bus, const BoxRuntime& box, TimePoint now) {
    const auto poll =
        bus.next_poll && *bus.next_poll > now ? *bus.next_poll : now + bus.poll_interval;
    if (box.hold_for_poll || !box.hold_until) return poll;
    return std::min(poll, std::max(*box.hold_until, now + Millis(1)));
  }

  /// Records an attempt that did not complete; a silent box is skipped for the rest of the cycle
  /// and its commands wait for its backoff. Every failed try counts, pre-write reads included.
  void defer(BusRuntime& bus, const store::CommandRecord& cmd, const std::string& why,
             bool box_silent, int attempts, TimePoint now, std::set<int>& dead) {
    auto* box = bus.box(cmd.meter.box);
    const int tries = ++bus.tries[cmd.id];
    auto next = now + domain::retry_delay(std::max({1, attempts, tries}));
    if (box_silent && box) {
      if (!dead.contains(box->address)) box->last_error = why;  // the first failure's reason
      mark_silent(bus, *box, now, dead);
      next = release_time(bus, *box, now);
    }
    bus.store->defer_command(cmd.id, why, next, now);
    spdlog::warn("{}: command {} ({} {}) not delivered yet: {}; next try by {}", bus.config.id,
                 cmd.id, domain::to_string(cmd.kind), cmd.meter.to_string(), why,
                 format_timestamp(next, std::chrono::minutes(0)));
  }

  void confirm(BusRuntime& bus, const store::CommandRecord& cmd, const meterlink::CreditState& s,
               TimePoint now) {
    bus.store->confirm_command(cmd.id, s, now, rules());
    bus.tries.erase(cmd.id);
    // A sale made in any process ends with this credit: a host-side meter the system tripped
    // is closed again if the balance is back above 0.
    if (auto* box = bus.box(cmd.meter.box)) host_billing(bus, *box, now, cmd.meter);
    spdlog::info("credit {} of {} fen confirmed on {} (purchase_count {}, balance {} fen)", cmd.id,
                 cmd.amount_fen, cmd.meter.to_string(), s.purchase_count, s.balance_fen);
  }

  void fail(BusRuntime& bus, const store::CommandRecord& cmd, const std::string& reason,
            TimePoint now) {
    bus.store->fail_command(cmd.id, reason, now);
    bus.tries.erase(cmd.id);
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
    bus.tries.erase(cmd.id);
    if (const auto* m = std::get_if<domain::ModePayload>(&cmd.params)) {
      box.commanded[circuit] = domain::target_mode(m->relay);
      box.relay_mismatch.erase(circuit);
    }
    spdlog::info("{} {} confirmed on {} ({})", kind, cmd.id, cmd.meter.to_string(), cmd.payload);
    return true;
  }

  /// One delivery attempt of a box-level command (TOU schedule, clock): write, read back. Like
  /// settings, idempotent: a lost reply is written again. True when final.
  bool deliver_box_setting(BusRuntime& bus, BoxRuntime& box, const store::CommandRecord& cmd,
                           TimePoint now, std::set<int>& dead) {
    const auto& driver = *box.driver;
    const auto kind = std::string(domain::to_string(cmd.kind));
    std::string why;
    if (const auto* t = std::get_if<domain::TouSchedulePayload>(&cmd.params)) {
      if (!driver.tou_frame(t->periods, why)) {
        fail(bus, cmd, kind + " cannot be sent to box " + box_name(bus, box) + ": " + why, now);
        return true;
      }
    } else if (!driver.has_clock()) {
      fail(bus, cmd, "box " + box_name(bus, box) + " has no writable clock in its profile", now);
      return true;
    }
    if (!bus.store->try_begin_attempt(cmd.id, std::nullopt, now)) return true;
    const int attempts = cmd.attempts + 1;
    // A clock command carries no value: the box gets this moment's local time.
    const auto local = local_seconds(clock.now());
    const auto written = driver.write_box_setting(*bus.master, box.address, cmd.params, local);
    if (!written) {
      if (!silent(written.error())) {
        fail(bus, cmd,
             "box " + box_name(bus, box) + " refused the " + kind + ": " + written.error().message,
             now);
        return true;
      }
      defer(bus, cmd, "writing " + kind + ": " + written.error().message, true, attempts, now,
            dead);
      return false;
    }
    const auto applied = driver.box_setting_applied(*bus.master, box.address, cmd.params,
                                                    local_seconds(clock.now()));
    if (!applied) {
      defer(bus, cmd, "reading back: " + applied.error().message, silent(applied.error()), attempts,
            now, dead);
      return false;
    }
    if (!applied.value()) {
      const auto msg = "the read-back of box " + box_name(bus, box) + " does not show the " + kind;
      if (attempts >= kMaxSettingMismatches) {
        fail(bus, cmd, msg + " after " + std::to_string(attempts) + " writes", now);
        return true;
      }
      defer(bus, cmd, msg, false, attempts, now, dead);
      return false;
    }
    bus.store->confirm_command(cmd.id, {}, now, rules());
    bus.tries.erase(cmd.id);
    if (cmd.kind == domain::CommandKind::kClock) box.clock_drifting = false;
    spdlog::info("{} {} confirmed on box {} ({})", kind, cmd.id, box_name(bus, box), cmd.payload);
    return true;
  }

  /// Sends the sendable heads (`only_box`: of that box only). A box that did not answer is held:
  /// nothing is sent to it before its backoff expires or (offline) a poll finds it answering.
  void deliver(BusRuntime& bus, TimePoint now, bool force, std::set<int>& dead,
               std::optional<int> only_box = std::nullopt) {
    std::set<MeterId> blocked;  // targets whose head did not complete: nothing behind it goes
    // The head of each target's queue in (priority, id) order (mode before credit before
    // thresholds before prices); a poll cycle retries every head regardless of its own backoff,
    // but not on a held box (the poll itself probes that box).
    // When a head completes, the next command of its target becomes the head: another round.
    constexpr std::size_t kMaxPerRound = 1000;
    constexpr int kMaxRounds = 64;
    const auto horizon = force ? now + Millis(365LL * 24 * 3600 * 1000) : now;
    for (int round = 0; round < kMaxRounds; ++round) {
      bool progressed = false;
      for (const auto& cmd : bus.store->next_commands(bus.config.id, horizon, kMaxPerRound)) {
        if (stopping) return;
        if (blocked.contains(cmd.meter)) continue;
        if (only_box && cmd.meter.box != *only_box) continue;
        auto* box = bus.box(cmd.meter.box);
        if (!box || cmd.meter.circuit > box->driver->circuits() ||
            (cmd.meter.circuit == 0) != domain::is_box_level(cmd.kind)) {
          fail(bus, cmd,
               "meter " + cmd.meter.to_string() + " is not configured on bus " + bus.config.id,
               now);
          progressed = true;
          continue;
        }
        if (dead.contains(cmd.meter.box) || held(*box, now)) {
          // No request to a box that is silent: it waits for its backoff or its next poll. Not a
          // try; stored only to move the wake-up time (no rewrite while it is already later).
          const auto until = release_time(bus, *box, now);
          if (cmd.next_attempt_at < until) {
            bus.store->defer_command(cmd.id,
                                     "box " + box_name(bus, *box) +
                                         " does not answer: " + box->last_error + "; next try by " +
                                         format_timestamp(until, std::chrono::minutes(0)),
                                     until, now);
          }
          blocked.insert(cmd.meter);
          continue;
        }
        use(bus, *box);
        const bool done =
            cmd.kind == domain::CommandKind::kCredit ? deliver_credit(bus, *box, cmd, now, dead)
            : domain::is_box_level(cmd.kind) ? deliver_box_setting(bus, *box, cmd, now, dead)
                                             : deliver_setting(bus, *box, cmd, now, dead);
        if (!dead.contains(box->address)) mark_answering(*box);  // it answered, if only "no"
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
    auto words = read_blocks(bus, box, box.driver->poll_plan(), dead);
    if (!words) return words.error();
    auto decoded = box.driver->decode_box(words.value());
    if (!decoded) {
      return LinkError{LinkErrorKind::kIo, 0,
                       "box " + std::to_string(box.address) +
                           " returned values that do not decode with its profile; check the "
                           "profile against the device"};
    }
    return std::move(*decoded);
  }

  /// Reads `plan` from a box one block (one transaction) at a time, delivering waiting commands
  /// before each block: a command never waits for more than one transaction on its bus.
  LinkResult<std::vector<std::vector<std::uint16_t>>> read_blocks(BusRuntime& bus, BoxRuntime& box,
                                                                  const meterlink::ReadPlan& plan,
                                                                  std::set<int>& dead) {
    std::vector<std::vector<std::uint16_t>> words;
    words.reserve(plan.blocks.size());
    for (const auto& block : plan.blocks) {
      if (stopping) return LinkError{LinkErrorKind::kIo, 0, "stopping"};
      deliver_waiting(bus, dead);
      if (dead.contains(box.address)) {
        return LinkError{LinkErrorKind::kTimeout, 0, "did not answer a command in this cycle"};
      }
      use(bus, box);
      const auto t0 = std::chrono::steady_clock::now();
      auto r = bus.master->read_registers(box.address, block.start, block.count);
      if (!r) return r.error();
      note_latency(box, std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - t0),
                   box.configured_timeout);
      if (r.value().size() != block.count) {
        return LinkError{LinkErrorKind::kIo, 0,
                         "box " + std::to_string(box.address) + " returned " +
                             std::to_string(r.value().size()) + " registers for a read of " +
                             std::to_string(block.count)};
      }
      words.push_back(std::move(r.value()));
    }
    return words;
  }

  // ---- supervision: events for the alarm work ----

  /// The site's local time in seconds (what box clocks hold).
  std::int64_t local_seconds(TimePoint now) const {
    const auto ms = now.time_since_epoch().count() +
                    static_cast<std::int64_t>(site.utc_offset.count()) * 60'000;
    return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  }

  static std::string box_name(const BusRuntime& bus, const BoxRuntime& box) {
    return bus.config.id + "/" + std::to_string(box.address);
  }

  /// Before a box's readings are stored: reads the circuits' serial numbers when they are not
  /// known yet (start-up, after the box did not answer) or a reading looks like a reset counter
  /// (energy or purchase count went back). A changed serial is a replaced meter: the store raises
  /// "meter_replaced" and re-bases its billing, so the reset counters are never charged.
  void check_serials(BusRuntime& bus, BoxRuntime& box,
                     const std::vector<domain::MeterReading>& readings, bool recovered,
                     TimePoint now, std::set<int>& dead) {
    if (!box.driver->has_serial()) return;
    bool suspect = box.serials.empty() || recovered;
    for (std::size_t i = 0; !suspect && i < readings.size() && i < box.last.size(); ++i) {
      const auto& was = box.last[i];
      const auto& is = readings[i];
      const bool count_back = is.purchase_count < was.purchase_count &&
                              !(was.purchase_count > 65'000 && is.purchase_count < 500);  // wrap
      suspect = is.energy_wh < was.energy_wh || count_back;
    }
    if (!suspect) return;
    // Block by block like a poll: at start-up this reads every box's serials (several reads per
    // box), and a sale must not wait behind all of them.
    auto words = read_blocks(bus, box, box.driver->serial_plan(), dead);
    auto r = words ? box.driver->decode_serials(words.value(), box.address)
                   : LinkResult<std::vector<std::string>>{words.error()};
    if (!r) {
      if (silent(r.error())) mark_silent(bus, box, now, dead);
      box.serials.clear();  // try again next cycle
      spdlog::warn("{}: serial numbers of box {} not read: {}", bus.config.id, box.address,
                   r.error().message);
      return;
    }
    if (r.value() == box.serials) return;
    std::vector<std::pair<MeterId, std::string>> rows;
    for (std::size_t i = 0; i < r.value().size() && i < box.meters.size(); ++i) {
      rows.emplace_back(box.meters[i], r.value()[i]);
    }
    for (const auto& id : bus.store->record_serials(rows, now)) {
      spdlog::warn(
          "{}: meter replaced (serial changed); billing re-based, nothing charged for "
          "the new meter's counters",
          id.to_string());
    }
    box.serials = std::move(r.value());
  }

  /// After a box's readings: the relay each circuit reports against what was commanded (its
  /// mode register, and the mode this process last confirmed by a command). One
  /// "relay_mismatch" event per mismatch, when it appears.
  void check_relays(BusRuntime& bus, BoxRuntime& box,
                    const std::vector<domain::MeterReading>& readings, TimePoint now) {
    for (std::size_t i = 0; i < readings.size() && i < box.meters.size(); ++i) {
      const auto& r = readings[i];
      const int circuit = static_cast<int>(i) + 1;
      std::string why;
      if (r.mode == domain::MeterMode::kForcedOff && r.relay_closed) {
        why = "mode forced_off but the relay reports closed";
      } else if (r.mode == domain::MeterMode::kKeepPower && !r.relay_closed) {
        why = "mode keep_power but the relay reports open";
      } else if (auto it = box.commanded.find(circuit);
                 it != box.commanded.end() && it->second != r.mode) {
        why = "commanded mode " + std::string(domain::to_string(it->second)) +
              " but the meter reports " + std::string(domain::to_string(r.mode));
      }
      if (why.empty()) {
        if (box.relay_mismatch.erase(circuit) > 0) {
          spdlog::info("{}: relay agrees with its command again", box.meters[i].to_string());
        }
        continue;
      }
      if (!box.relay_mismatch.insert(circuit).second) continue;  // raised already
      bus.store->add_event(box.meters[i], "relay_mismatch",
                           why + "; check the relay and the wiring of the circuit", now);
      spdlog::warn("{}: relay mismatch: {}", box.meters[i].to_string(), why);
    }
  }

  /// Reads the box clock (once per cycle) and raises "clock_drift" when it is further off than
  /// the site's limit; with clock sync on, the bus's next broadcast is brought forward to now.
  void check_clock(BusRuntime& bus, BoxRuntime& box, TimePoint now, std::set<int>& dead) {
    if (!box.driver->has_clock()) return;
    auto c = box.driver->read_clock(*bus.master, box.address);
    if (!c) {
      if (silent(c.error())) mark_silent(bus, box, now, dead);
      spdlog::warn("{}: clock of box {} not read: {}", bus.config.id, box.address,
                   c.error().message);
      return;
    }
    // The read happens a moment after `now`: allow for the time the cycle took so far.
    const auto off_s = c.value() - local_seconds(clock.now());
    const bool drifting = std::abs(off_s) * 1000 > site.clock_drift_limit.count();
    if (drifting && !box.clock_drifting) {
      bus.store->add_event(std::nullopt, "clock_drift",
                           "box " + box_name(bus, box) + " clock is " + std::to_string(off_s) +
                               " s off (limit " + format_duration(site.clock_drift_limit) + "); " +
                               (site.clock_sync ? "a clock sync is sent now"
                                                : "clock sync is off: send a clock command"),
                           now);
      spdlog::warn("{}: box {} clock is {} s off", bus.config.id, box.address, off_s);
      if (site.clock_sync) bus.next_clock_sync = now;
    } else if (!drifting && box.clock_drifting) {
      spdlog::info("{}: box {} clock is within the limit again", bus.config.id, box.address);
    }
    box.clock_drifting = drifting;
  }

  /// Host-side billing of a box's meters: an account whose ledger balance is <= 0 gets its meter
  /// tripped (mode forced_off); once a sale brings it above 0, a meter the system tripped is
  /// closed again. Never while another mode command of the meter is open (an operator's wins);
  /// a keep-power meter is left alone.
  void host_billing(BusRuntime& bus, BoxRuntime& box, TimePoint now,
                    const std::optional<MeterId>& only = std::nullopt) {
    std::optional<std::set<MeterId>> open_mode;  // read once, only when an action is due
    for (const auto& id : box.meters) {
      if (only && id != *only) continue;
      const auto m = bus.store->meter(id);
      // The database's mode (the site model's, or what the site file declared at start-up).
      if (!m || m->billing_mode != domain::BillingMode::kHostSide) continue;
      if (!m->account || !m->read_at) continue;
      const auto balance = bus.store->account_balance_fen(*m->account);
      if (!balance) continue;
      std::optional<domain::RelayCommand> action;
      std::string kind;
      if (*balance <= 0 && m->last.mode == domain::MeterMode::kPrepaid) {
        action = domain::RelayCommand::kForcedOff;
        kind = "host_trip";
      } else if (*balance > 0 && m->last.mode == domain::MeterMode::kForcedOff &&
                 tripped_by_host(bus, id)) {
        action = domain::RelayCommand::kClose;
        kind = "host_close";
      }
      if (!action) continue;
      if (!open_mode) {
        open_mode.emplace();
        for (const auto& c : bus.store->open_commands(bus.config.id)) {
          if (c.kind == domain::CommandKind::kMode) open_mode->insert(c.meter);
        }
      }
      if (open_mode->contains(id)) continue;
      auto r = bus.store->enqueue_command(
          {id, domain::CommandPayload{domain::ModePayload{*action}}, "system", now});
      if (!r) {
        spdlog::error("{}: host-side {} not queued: {}", id.to_string(), kind, r.error().message);
        continue;
      }
      bus.store->add_event(id, kind,
                           "account " + *m->account + " balance " + std::to_string(*balance) +
                               " fen; command " + std::to_string(r.value()) + " queued",
                           now);
      spdlog::info("{}: host-side billing queued {} (account {} balance {} fen)", id.to_string(),
                   kind, *m->account, *balance);
    }
  }

  /// True if the meter's latest host-billing event is a trip (the system, not an operator,
  /// opened its relay).
  static bool tripped_by_host(BusRuntime& bus, const MeterId& id) {
    const auto events = bus.store->events(id);
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
      if (it->kind == "host_trip") return true;
      if (it->kind == "host_close") return false;
    }
    return false;
  }

  /// Sets every box's clock on the bus by one broadcast (address 0, no reply), when due.
  void clock_sync(BusRuntime& bus, TimePoint now) {
    if (!site.clock_sync || bus.boxes.empty()) return;
    if (bus.next_clock_sync && *bus.next_clock_sync > now) return;
    bus.next_clock_sync = now + *site.clock_sync;
    const auto* driver = bus.boxes.front().driver.get();
    const auto frame = driver->clock_frame(local_seconds(clock.now()));
    if (!frame) return;
    auto r = bus.master->broadcast_write(frame->start, frame->values);
    if (!r) {
      spdlog::warn("{}: clock sync broadcast not sent: {}", bus.config.id, r.error().message);
      return;
    }
    ++bus.clock_syncs;
    // Every box needs a moment to act on the broadcast before the next request.
    if (turnaround) std::this_thread::sleep_for(*turnaround);
    spdlog::info("{}: clocks set by broadcast", bus.config.id);
  }

  /// Records a reply time and, with adaptive timeouts, sets the box's timeout to
  /// clamp(k x p99 of the recent replies, 50 ms, configured).
  void note_latency(BoxRuntime& box, Millis took, Millis configured) {
    constexpr std::size_t kWindow = 64;
    if (box.latencies.size() < kWindow) {
      box.latencies.push_back(took);
    } else {
      box.latencies[box.latency_next] = took;
    }
    box.latency_next = (box.latency_next + 1) % kWindow;
    if (!site.adaptive_timeout || box.latencies.size() < 8) return;
    auto sorted = box.latencies;
    const auto k = (sorted.size() * 99) / 100;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(k), sorted.end());
    const auto p99 = sorted[k];
    box.timeout =
        std::clamp(Millis(p99.count() * site.adaptive_timeout_factor), Millis(50), configured);
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
        const bool was_held = held(box, now);
        auto r = read_box(bus, box, dead);
        if (stopping) return false;
        if (r) {
          check_serials(bus, box, r.value(), box.failed_cycles > 0, now, dead);
          std::vector<std::pair<MeterId, domain::MeterReading>> readings;
          for (std::size_t i = 0; i < r.value().size(); ++i) {
            readings.emplace_back(box.meters[i], r.value()[i]);
          }
          bus.store->record_readings(readings, now, rules());
          check_relays(bus, box, r.value(), now);
          box.last = std::move(r.value());
          if (!dead.contains(box.address)) check_clock(bus, box, now, dead);
          host_billing(bus, box, now);
          if (box.failed_cycles > 0) {
            spdlog::info("{}: box {} answers again after {} failed cycle(s)", bus.config.id,
                         box.address, box.failed_cycles);
          }
          box.failed_cycles = 0;
          if (!dead.contains(box.address)) {
            mark_answering(box);
            // Recovery: the commands held for this box go at once, not after their backoff.
            if (was_held) deliver(bus, now, true, dead, box.address);
          }
          continue;
        }
        error = r.error();
        box.last_error = error->message;
        if (silent(*error)) mark_silent(bus, box, now, dead);
      }
      bus.store->record_failed_cycle(box.meters, now, rules());
      ++box.failed_cycles;
      if (box.failed_cycles >= site.offline_after_cycles) box.hold_for_poll = true;
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
      (void)read_box_now(bus, box, now, dead);
    }
  }

  /// One on-demand read of a box: readings stored (serials checked first). Returns what
  /// happened, for a stored read request.
  domain::Result<void> read_box_now(BusRuntime& bus, BoxRuntime& box, TimePoint now,
                                    std::set<int>& dead) {
    if (dead.contains(box.address)) {
      return domain::Error{
          domain::ErrorKind::kIo,
          "box " + box_name(bus, box) + " did not answer earlier in this cycle: " + box.last_error};
    }
    use(bus, box);
    auto r = box.driver->read_box(*bus.master, box.address);
    if (!r) {
      if (silent(r.error())) mark_silent(bus, box, now, dead);
      box.last_error = r.error().message;
      spdlog::warn("{}: read-now of box {} failed: {}", bus.config.id, box.address,
                   r.error().message);
      return domain::Error{domain::ErrorKind::kIo,
                           "box " + box_name(bus, box) + ": " + r.error().message};
    }
    check_serials(bus, box, r.value(), false, now, dead);
    std::vector<std::pair<MeterId, domain::MeterReading>> readings;
    for (std::size_t i = 0; i < r.value().size(); ++i) {
      readings.emplace_back(box.meters[i], r.value()[i]);
    }
    bus.store->record_readings(readings, now, rules());
    box.last = std::move(r.value());
    host_billing(bus, box, now);
    if (!dead.contains(box.address)) mark_answering(box);
    spdlog::info("{}: box {} read on demand", bus.config.id, box.address);
    return {};
  }

  /// Read requests stored by another process (prepaidctl read-now): each runs now and its
  /// result is stored for the requester.
  void stored_read_requests(BusRuntime& bus, TimePoint now, std::set<int>& dead) {
    for (const auto& req : bus.store->pending_read_requests(bus.config.id)) {
      if (stopping) return;
      std::set<int> boxes;
      std::string problem;
      resolve_target(bus, req.target, boxes, problem);
      if (!problem.empty()) {
        bus.store->finish_read_request(req.id, false, problem, now);
        continue;
      }
      std::string result;
      bool ok = true;
      for (auto& box : bus.boxes) {
        if (!boxes.contains(box.address)) continue;
        auto r = read_box_now(bus, box, now, dead);
        if (!result.empty()) result += "; ";
        if (r) {
          result += "box " + box_name(bus, box) + " read";
        } else {
          ok = false;
          result += r.error().message;
        }
      }
      bus.store->finish_read_request(req.id, ok, result, now);
    }
  }

  /// The bus and boxes a read-now target names; kNotFound if the site has none of them.
  domain::Result<std::pair<BusRuntime*, std::set<int>>> resolve_read_target(
      const std::string& text) {
    const auto bus_id = text.substr(0, text.find('/'));
    auto* b = bus(bus_id);
    if (!b) {
      return domain::Error{domain::ErrorKind::kNotFound,
                           "read-now " + text + ": no bus \"" + bus_id +
                               "\" in the site; give BUS, BUS/BOX or BUS/BOX/CIRCUIT"};
    }
    std::set<int> boxes;
    std::string problem;
    resolve_target(*b, text, boxes, problem);
    if (!problem.empty()) return domain::Error{domain::ErrorKind::kNotFound, problem};
    return std::make_pair(b, std::move(boxes));
  }

  /// The boxes a read-now target names on `bus` ("BUS", "BUS/BOX", "BUS/BOX/CIRCUIT"); sets
  /// `problem` (and no boxes) if it names none.
  static void resolve_target(BusRuntime& bus, const std::string& text, std::set<int>& boxes,
                             std::string& problem) {
    const auto first = text.find('/');
    if (text.substr(0, first) != bus.config.id) {
      problem = "read-now " + text + ": not on bus " + bus.config.id;
      return;
    }
    if (first == std::string::npos) {
      for (const auto& b : bus.boxes)
        boxes.insert(b.address);
      return;
    }
    const auto rest = text.substr(first + 1);
    const auto second = rest.find('/');
    const auto box_text = rest.substr(0, second);
    int address = 0;
    bool ok = !box_text.empty() && box_text.size() <= 3;
    for (const char c : box_text) {
      ok = ok && c >= '0' && c <= '9';
      if (ok) address = address * 10 + (c - '0');
    }
    const auto* box = ok ? bus.box(address) : nullptr;
    if (!box) {
      problem = "read-now " + text + ": no box \"" + box_text + "\" on bus " + bus.config.id +
                "; check the site file";
      return;
    }
    if (second != std::string::npos) {
      const auto id = domain::MeterId::parse(text);
      if (!id || id->circuit > box->driver->circuits()) {
        problem = "read-now " + text + ": box " + box_text + " has circuits 1.." +
                  std::to_string(box->driver->circuits());
        return;
      }
    }
    boxes.insert(address);
  }

  void run_bus(BusRuntime& bus, TimePoint now) {
    const bool poll_due = !bus.next_poll || *bus.next_poll <= now;
    std::set<int> dead;  // boxes that did not answer in this cycle
    clock_sync(bus, now);
    // Commands first: a sale reaches the meter before any further polling. A poll cycle retries
    // every open command regardless of its backoff.
    deliver(bus, now, poll_due, dead);
    stored_read_requests(bus, now, dead);
    if (!poll_due) {
      if (!bus.read_requested.empty()) read_requested(bus, now, dead);
      return;
    }
    bus.read_requested.clear();  // the cycle reads every box anyway
    if (bus.next_poll) bus.worst_lateness = std::max(bus.worst_lateness, now - *bus.next_poll);
    if (!poll(bus, now, dead)) return;
    // The schedule stays anchored: the first poll at start-up, then this bus's slot (its
    // offset into the interval) every interval. Slots that passed while a cycle ran are missed.
    TimePoint next =
        bus.next_poll ? *bus.next_poll + bus.poll_interval : now + bus.poll_interval + bus.offset;
    const auto after = clock.now();
    while (next <= after) {
      next += bus.poll_interval;
      ++bus.cycles_missed;
    }
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
  checkpoint();
}

std::int64_t System::checkpoint() {
  std::lock_guard lock(impl_->mutex);
  return impl_->store->checkpoint();
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
  auto r = impl_->resolve_read_target(std::string(target));
  if (!r) return r.error();
  auto& [bus, boxes] = r.value();
  std::lock_guard lock(*bus->mutex);
  bus->read_requested.insert(boxes.begin(), boxes.end());
  return {};
}

domain::Result<std::int64_t> System::request_read(std::string_view target) {
  const auto text = std::string(target);
  auto r = impl_->resolve_read_target(text);
  if (!r) return r.error();
  std::lock_guard lock(impl_->mutex);
  return impl_->store->request_read(text, impl_->clock.now());
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
    c.boxes_offline = impl_->boxes_offline(bus);
    c.line_offline = bus.line_offline;
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
