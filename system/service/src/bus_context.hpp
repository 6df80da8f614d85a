#pragma once
// What the parts of System share (private to the service library): the runtime state of each
// bus and box, what every bus reads (SystemShared), and the context of one bus iteration
// (BusContext): the bus, and the boxes that did not answer in this iteration, so that a silent
// box costs one timeout per iteration, never more.
//
// The parts, one job each, all operating on a BusContext:
//   delivery      outbox commands: write, read back, confirm, defer, fail (delivery.hpp)
//   polling       the poll cycle and block-by-block reads (polling.hpp)
//   supervision   serials, relays, box clocks, clock-sync broadcasts (supervision.hpp)
//   host_billing  trip and close of host-side meters (host_billing.hpp)
//   read_now      on-demand reads, in this process or stored by another (read_now.hpp)
//   closings      the steps of account closings on the bus (Ledger::advance_closings), taken
//                 around delivery and the reads so that each step follows the last at once
// system.cpp wires them into System.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <phil/common/time.hpp>
#include <phil/domain/alarms.hpp>
#include <phil/domain/clock.hpp>
#include <phil/domain/meter_id.hpp>
#include <phil/domain/reading.hpp>
#include <phil/meterlink/adf300.hpp>
#include <phil/meterlink/modbus_master.hpp>
#include <phil/service/system.hpp>
#include <phil/store/store.hpp>

namespace phil::service::detail {

struct BoxRuntime {
  int address = 0;
  std::unique_ptr<meterlink::Adf300Driver> driver;
  std::vector<domain::MeterId> meters;
  /// Poll cycles in a row without an answer (the store keeps each meter's; restored from it at
  /// start-up, so the comm events of a box offline across a restart are not repeated).
  int failed_cycles = 0;
  Millis timeout{500};             ///< response timeout in force for this box (adaptive: computed)
  Millis configured_timeout{500};  ///< the site's or the profile's; the adaptive upper bound
  // ---- supervision state (this process) ----
  std::vector<std::string> serials;        ///< empty: not read since start-up (or after a failure)
  std::vector<domain::MeterReading> last;  ///< last readings, per circuit (empty: none yet)
  /// The reads of its status scan (Adf300Driver::state_plan for the bus's line); no blocks:
  /// not scanned (scans off, or an energy meter).
  meterlink::ReadPlan state_plan;
  // ---- supervision state kept in the store (store::BoxSupervision, saved when it changes) ----
  std::set<int> relay_mismatch;                ///< circuits whose mismatch was already raised
  std::map<int, domain::MeterMode> commanded;  ///< mode confirmed by a command, per circuit
  bool clock_drifting = false;
  std::string last_error;         ///< why the box last failed to answer (for read-now results)
  std::vector<Millis> latencies;  ///< recent reply times (adaptive timeout), a ring
  std::size_t latency_next = 0;
  // ---- command backoff: a silent box costs at most one timeout per poll cycle ----
  int silent_runs = 0;                  ///< runs in a row the box did not answer (polls, commands)
  std::optional<TimePoint> hold_until;  ///< no command to the box before this (its backoff)
  bool hold_for_poll = false;           ///< offline: no command before a poll finds it answering
  // ---- box identity (issue 12.8) ----
  bool identity_asked = false;  ///< identity_due was asked of the store (at start-up: once)
  bool identity_due = false;    ///< its identity is read before its next poll read
  /// What was last saved to the store of the fields above (save_supervision); nullopt: nothing.
  std::optional<store::BoxSupervision> saved;
};

/// The roles of the store a bus worker uses, all on the bus's own connection (System::Impl owns
/// it): delivery and host-side trip/close, the poll results and supervision events, stored
/// read-now requests, the meter and balance look-ups host-side billing decides on, and the
/// steps of account closings (Ledger::advance_closings).
struct BusStore {
  store::Outbox& outbox;
  store::PollSink& sink;
  store::ReadRequests& reads;
  store::Queries& queries;
  store::Ledger& ledger;
};

/// Everything one bus worker touches. `mutex` serialises the work on the bus (one transaction at
/// a time on the wire) and guards the fields below it; buses never share a master or a store
/// connection, so different buses run in parallel.
struct BusRuntime {
  BusRuntime(BusConfig c, BusStore s) : config(std::move(c)), store(s) {}

  BusConfig config;
  Millis poll_interval{};
  std::unique_ptr<meterlink::ModbusMaster> master;
  BusStore store;
  std::vector<BoxRuntime> boxes;
  std::unique_ptr<std::mutex> mutex = std::make_unique<std::mutex>();
  std::optional<TimePoint> next_poll;  ///< nullopt: never polled, due at once
  std::uint64_t polls_completed = 0;
  /// The next status scan (SiteConfig::status_scan); nullopt: scans off.
  std::optional<TimePoint> next_scan;
  std::uint64_t scans_completed = 0;
  std::set<int> read_requested;  ///< boxes to read at the next run, whatever the schedule
  bool line_offline = false;     ///< every box offline at the end of the last cycle
  /// The port could not be opened (kPortUnavailable) and has not worked since: reported once,
  /// as the bus's, not as each box's silence.
  bool port_unavailable = false;
  Millis offset{0};                          ///< where in the poll interval this bus's cycles start
  std::optional<TimePoint> next_clock_sync;  ///< nullopt: at the first iteration
  std::uint64_t cycles_missed = 0;
  Millis worst_lateness{0};
  std::uint64_t clock_syncs = 0;
  Millis timeout_in_force{0};

  BoxRuntime* box(int address);
  const BoxRuntime* box(int address) const;
  /// "BUS/ADDRESS", as operators name a box.
  std::string box_name(const BoxRuntime& box) const;
};

/// What every bus reads: fixed at start-up, except `stopping`.
struct SystemShared {
  const SiteConfig& site;
  const domain::Clock& clock;
  const domain::MonotonicClock& monotonic;
  const std::atomic<bool>& stopping;
  /// Silence after a broadcast (the first profile's timing), if any profile sets it.
  std::optional<Millis> turnaround;

  store::BillingRules rules() const {
    return {site.price, site.offline_after_cycles, site.settings_at_first_contact};
  }
  /// The rules the readings of `box` are stored by: an energy meter's are metering only.
  store::BillingRules rules(const BoxRuntime& box) const {
    auto r = rules();
    r.metering_only = box.driver->energy_only();
    return r;
  }
  /// The site's local time in seconds (what box clocks hold).
  std::int64_t local_seconds(TimePoint t) const;
};

/// A timeout, garbled reply or unavailable port: the box is not answering; no further request to
/// it in this iteration (meterlink::did_not_answer). An exception or a bad reply is an answer; an
/// encoding failure never reached the line.
bool silent(const meterlink::LinkError& e);

/// One iteration of one bus (run_bus): made at its start, dropped at its end. Holds the bus's
/// lock's worth of state: the bus, and which of its boxes did not answer in this iteration.
class BusContext {
 public:
  BusContext(const SystemShared& system, BusRuntime& runtime) : shared(system), bus(runtime) {}

  const SystemShared& shared;
  BusRuntime& bus;

  const SiteConfig& site() const { return shared.site; }
  bool stopping() const { return shared.stopping; }
  store::Outbox& outbox() const { return bus.store.outbox; }
  store::PollSink& sink() const { return bus.store.sink; }
  store::ReadRequests& reads() const { return bus.store.reads; }
  store::Queries& queries() const { return bus.store.queries; }
  store::Ledger& ledger() const { return bus.store.ledger; }
  meterlink::ModbusMaster& master() const { return *bus.master; }

  /// True if `box` did not answer earlier in this iteration: no further request to it.
  bool is_silent(const BoxRuntime& box) const { return silent_.contains(box.address); }
  bool is_silent(int address) const { return silent_.contains(address); }
  /// `box` did not answer: no further request to it in this iteration, and no command before
  /// its backoff expires (an offline box: before a poll finds it answering). Counted once per
  /// iteration.
  void mark_silent(BoxRuntime& box, TimePoint now);
  /// The box answered: its commands may go at once.
  static void mark_answering(BoxRuntime& box);
  /// True when no command may be sent to `box` at `now`.
  static bool held(const BoxRuntime& box, TimePoint now);
  /// When a held box's commands are worth waking for: its backoff's end, or its next poll.
  TimePoint release_time(const BoxRuntime& box, TimePoint now) const;
  /// Before requests to `box`: sets the master to its response timeout.
  void use(const BoxRuntime& box);
  /// If `e` says the bus's port cannot be opened: the bus is marked port_unavailable and, the
  /// first time only, a warning and a "bus_port_unavailable" event (no meter) name the port.
  /// True for such an error; the rest of this iteration's poll sends nothing (port_failed()).
  bool note_port(const meterlink::LinkError& e, TimePoint now);
  /// A request on the bus succeeded: a port marked unavailable works again (logged, and a
  /// "bus_port_available" event).
  void note_port_works(TimePoint now);
  /// The port failed to open in this iteration: the error it gave, else nullopt.
  const std::optional<meterlink::LinkError>& port_failed() const { return port_failed_; }

 private:
  std::set<int> silent_;  ///< addresses of the boxes that did not answer in this iteration
  std::optional<meterlink::LinkError> port_failed_;
};

/// At start-up: a box's stored supervision state and comm state (its meters' failed cycles)
/// back into `box` (and the bus's line state once all its boxes are restored: restore_line).
void restore_supervision(BusRuntime& bus, BoxRuntime& box, int offline_after);
/// After the boxes: the line is down when every box is offline (as note_line_state decides).
void restore_line(BusRuntime& bus, int offline_after);
/// At the end of an iteration: each box's supervision state, stored where it changed.
void save_supervision(BusContext& ctx);

/// A condition supervision or polling saw hold (or end) on `target`: its alarm raised or cleared
/// through the sink (PollSink::observe_alarms; raised once per occurrence, domain::alarm_changes).
/// `details` is a JSON object.
void observe(const BusContext& ctx, domain::AlarmKind kind, domain::AlarmTarget target, bool holds,
             const nlohmann::json& details, TimePoint now);

/// The real monotonic clock (std::chrono::steady_clock, std::this_thread::sleep_for).
const domain::MonotonicClock& steady_monotonic_clock();

}  // namespace phil::service::detail
