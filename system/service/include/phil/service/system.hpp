#pragma once
// The billing-and-control system as one object: site configuration, store, bus masters,
// and the bus runtime: command delivery, polling, supervision (serials, relays, clocks),
// host-side billing and on-demand reads. prepaidd runs it against the wall clock (the Collector
// runs its buses in parallel); the bench runs it against a manual clock and calls run_iterate()
// after each step.
//
// It takes no operator actions: those go through service::Operations (operations.hpp), the one
// front door, on a connection of their own; run_iterate() delivers the commands they queue before
// any further polling.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <phil/common/device_models.hpp>
#include <phil/common/time.hpp>
#include <phil/common/yaml.hpp>
#include <phil/domain/clock.hpp>
#include <phil/domain/meter_id.hpp>
#include <phil/domain/outbox.hpp>
#include <phil/domain/reading.hpp>
#include <phil/domain/result.hpp>
#include <phil/domain/site_model.hpp>
#include <phil/domain/status.hpp>
#include <phil/service/notifier.hpp>
#include <phil/store/store.hpp>

namespace phil::meterlink {
class ModbusMaster;
}

namespace phil::service {

struct BoxConfig {
  int address = 1;      ///< Modbus slave address 1..247
  std::string model;    ///< model name from the profile, e.g. "adf300l-iii"
  std::string profile;  ///< profile id, e.g. "adf300l"
};

/// How the system reaches a bus.
enum class Transport : std::uint8_t {
  kRtu,         ///< local serial line (Modbus RTU)
  kRtuOverTcp,  ///< transparent serial server: RTU frames in a TCP stream
  kTcp,         ///< Modbus TCP gateway; the unit id is the box address
};

/// "rtu" | "rtu-over-tcp" | "tcp", as the site file words them.
std::string_view to_string(Transport t);
std::optional<Transport> parse_transport(std::string_view s);

/// A billing mode as the site file (and a scenario) words it: "meter" | "host" (where
/// domain::to_string says "meter-side" | "host-side").
std::string_view site_word(domain::BillingMode m);
std::optional<domain::BillingMode> parse_site_billing(std::string_view s);

struct BusConfig {
  std::string id;  ///< e.g. "bus1"
  Transport transport = Transport::kRtu;
  /// rtu: device path, e.g. "/dev/ttyUSB0" or a sim pty symlink; the TCP transports: "host:port".
  /// In the site file a port "rtu-over-tcp://host:port" or "tcp://host:port" also sets the
  /// transport, so moving a bus is a one-line change.
  std::string port;
  int baud = 9600;
  char parity = 'N';  ///< 'N', 'E' or 'O'
  int data_bits = 8;
  int stop_bits = 1;
  Millis response_timeout{500};
  /// True when the site file set response_timeout; otherwise the profile's
  /// timing.response_timeout (if it has one) wins over the default above.
  bool response_timeout_set = false;
  std::optional<Millis> poll_interval;  ///< overrides the site default
  /// Billing mode declared for the bus's boxes (site file `billing: meter`: the meter deducts
  /// and trips by itself; `host`: the system charges and sends trip / close); nullopt: not
  /// declared here. The database's per-meter billing mode (site import; else the site model's
  /// default) is the one the system uses; a mode declared in the site file is written there at
  /// start-up (register_site).
  std::optional<domain::BillingMode> billing;
  /// Boxes whose billing differs from the bus's (site file: `billing:` in the box), by address.
  std::map<int, domain::BillingMode> box_billing;
  std::vector<BoxConfig> boxes;

  /// The billing mode declared for the box at `address`, if any.
  std::optional<domain::BillingMode> billing_of(int address) const {
    const auto it = box_billing.find(address);
    return it == box_billing.end() ? billing : std::optional<domain::BillingMode>(it->second);
  }
};

/// The most one sale, refund or transfer may be when the site file does not say (site key
/// `max_amount`): 10,000.00 yuan. More is taken for a typo and refused at the counter.
inline constexpr std::int64_t kDefaultMaxAmountFen = 1'000'000;
/// The highest `max_amount` a site may set: the site model's cap on a first sale
/// (domain::kMaxFirstSaleFen, 1,000,000.00 yuan).
inline constexpr std::int64_t kMaxAmountCeilingFen = domain::kMaxFirstSaleFen;

/// Site key `status_scan` (issue 14 item 7): between full readings each bus reads every meter's
/// state (relay, balance, mode, status bits) with as few registers as the profile allows, so the
/// state the office sees is seconds old while the full readings (energy, counters, charges)
/// stay at the poll interval. A scan never delays a command: commands go in between its reads.
struct StatusScan {
  /// A scan of a bus starts at most this often (1 s .. 1 h); one that takes longer is followed
  /// by the next at once. The freshest state is a scan that takes about `every`.
  Millis every{20'000};
  /// What a box takes to start its reply, assumed when the scan's reads are planned
  /// (meterlink::plan_cheapest over meterlink::rtu_read_cost at the bus's baud): a slower box
  /// makes fewer, larger reads cheaper. 0 .. 1 s.
  Millis reply_delay{20};
};

struct SiteConfig {
  std::string name;
  Millis poll_interval{30 * 60 * 1000};  ///< default 30 minutes
  int offline_after_cycles = 3;
  std::int64_t price = 6000;  ///< default price, 0.0001 yuan/kWh (0.6000 yuan/kWh)
  /// Site key `max_amount` (yuan, 0.01 .. 1000000.00): the most one sale, refund, transfer or
  /// first sale may be; Operations refuses more (kInvalid) before anything is written.
  std::int64_t max_amount_fen = kDefaultMaxAmountFen;
  std::string profiles_dir;  ///< where the profiles named by the boxes are read
  /// The site's local time minus UTC (box clocks and TOU tables run in local time).
  std::chrono::minutes utc_offset{0};
  /// A box clock further off than this raises a "clock_drift" event (checked once per cycle).
  Millis clock_drift_limit{60'000};
  /// Every bus sets its boxes' clocks by one broadcast this often (first at start-up);
  /// nullopt: never (site file `clock_sync: off`).
  std::optional<Millis> clock_sync{24LL * 3600 * 1000};
  /// Buses with the same poll interval start their cycles at different offsets within it
  /// (by their order in the site file), so they do not all poll at the same moment.
  bool spread_cycles = true;
  /// When set, a bus's response timeout follows the latency it measures: clamp(k x p99,
  /// min, max) with k = adaptive_timeout_factor, min 50 ms and max the configured timeout.
  bool adaptive_timeout = false;
  int adaptive_timeout_factor = 3;
  /// Site key `settings_at_first_contact` (default true): a meter's first answered poll queues
  /// its stored thresholds unless it is known to hold them (store::BillingRules).
  bool settings_at_first_contact = true;
  /// Site key `box_identity_check` (default true): a box's first answered poll, and the first
  /// after a swap was detected on it, reads its `model` and `circuits` registers and checks
  /// them against the site file; a mismatch stops billing the box until an operator confirms
  /// (issue 12.8). Off: never read.
  bool box_identity_check = true;
  /// Site key `notifications` (issue 14 item 4): the SMS gateway, who is told of what, quiet
  /// hours, the daily limit, templates. nullopt: nobody is told (the alarms' events are
  /// consumed all the same).
  std::optional<NotifyConfig> notify;
  /// Site key `status_scan`: `off` (the default) or `{every, reply_delay}` (StatusScan).
  std::optional<StatusScan> status_scan;
  std::vector<BusConfig> buses;
};

/// Parses a site file's `status_scan` value: `off` (nullopt) or `{every, reply_delay}` (each
/// optional, StatusScan's defaults). Throws yaml::ConfigError saying what to write.
std::optional<StatusScan> parse_status_scan(const yaml::Node& node);

/// Parses a site node strictly (unknown keys are errors). Profiles named by the boxes are read
/// from `profiles_dir` by the system's own decoder. Throws yaml::ConfigError.
///
/// A `profiles_dir` key in the node wins over the argument; relative to the site file's folder.
SiteConfig parse_site(const yaml::Node& node, const std::string& profiles_dir);
/// Loads a site file whose top level is the site node. Throws yaml::ConfigError.
SiteConfig load_site_file(const std::string& path, const std::string& profiles_dir);
/// The box models of every device profile in `profiles_dir`, with their circuits: what a site
/// model import is checked against (Operations::import_site). Throws yaml::ConfigError.
std::vector<devices::ModelCircuits> load_device_models(const std::string& profiles_dir);

/// The system's view of one meter, as of its last successful reading.
struct MeterView {
  domain::MeterId id;
  bool ever_read = false;
  TimePoint read_at{};   ///< the last full reading (energy and counters)
  TimePoint state_at{};  ///< the last read of its state (balance, relay, mode, status): read_at or
                         ///< a status scan since
  std::int64_t energy_wh = 0;          ///< meter register, converted to Wh
  std::int64_t meter_balance_fen = 0;  ///< the balance the meter reports
  bool relay_closed = false;
  domain::MeterMode mode = domain::MeterMode::kUnknown;
  domain::MeterStatus status = domain::MeterStatus::kNotOpened;
  std::uint16_t purchase_count = 0;
  std::optional<std::string> account;  ///< account id if the meter is opened
  std::int64_t power_w = 0;            ///< last reading's instantaneous power, W
  int failed_cycles = 0;               ///< poll cycles in a row without an answer
};

/// A command in the meter-command outbox, for display.
struct CommandView {
  std::int64_t id = 0;
  domain::CommandKind kind = domain::CommandKind::kCredit;
  std::int64_t amount_fen = 0;                  ///< credit amount
  std::optional<std::uint16_t> purchase_count;  ///< credit: count assigned before the first write
  domain::CommandState state = domain::CommandState::kPending;
  int attempts = 0;
  std::string last_error;
};

struct BusCounters {
  std::uint64_t polls_completed = 0;     ///< poll cycles finished on this bus
  std::uint64_t scans_completed = 0;     ///< status scans finished on this bus
  std::uint64_t commands_confirmed = 0;  ///< outbox commands confirmed by read-back
  std::uint64_t commands_pending = 0;    ///< outbox commands still to deliver
  std::uint64_t boxes_offline = 0;  ///< boxes with offline_after failed cycles in a row (or more)
  /// Every box of the bus is offline: the line, the serial server or the gateway is down rather
  /// than the boxes (since this process started).
  bool line_offline = false;
  /// The bus's port cannot be opened (missing, busy, refused) and has not worked since: reported
  /// once as a "bus_port_unavailable" event, not as each box's silence.
  bool port_unavailable = false;
  /// Poll cycles that started later than scheduled by a whole interval or more (a missed cycle:
  /// the schedule restarted from now).
  std::uint64_t cycles_missed = 0;
  /// The latest start of a cycle after its scheduled time, over this process's cycles.
  Millis worst_start_lateness{0};
  std::uint64_t clock_syncs = 0;  ///< clock-sync broadcasts sent
  Millis response_timeout{0};     ///< the timeout in force (adaptive: the latest computed)
};

/// An event recorded for an operator or the alarm work.
struct EventView {
  std::optional<domain::MeterId> meter;  ///< nullopt: a box or bus event (details name it)
  std::string kind;
  std::string details;
  TimePoint at{};
};

/// A read-now asked for through the database (by prepaidctl, for the daemon to run).
struct ReadRequestView {
  std::int64_t id = 0;
  std::string target;
  std::string state;   ///< "pending" | "done" | "failed"
  std::string result;  ///< what was read, or why it failed
};

/// Makes the Modbus master of a bus. The default (default_master) picks by bus.transport;
/// every master opens its port or connection lazily, at the first request. Tests pass fakes.
using MasterFactory = std::function<std::unique_ptr<meterlink::ModbusMaster>(const BusConfig& bus)>;

/// The master for bus.transport: libmodbus RTU on bus.port (baud, parity, data and stop bits),
/// RTU over TCP to a serial server, or Modbus TCP to a gateway (bus.port is "host:port"), each
/// with bus.response_timeout. Throws std::invalid_argument for a malformed host:port (a
/// configuration error; parse_site refuses it first).
std::unique_ptr<meterlink::ModbusMaster> default_master(const BusConfig& bus);

class System {
 public:
  /// Opens its database connections by `stores`: one for itself (operator actions, look-ups,
  /// checkpoint()) and one per bus, each with store::Checkpoints::kByCaller, all at
  /// construction. A bus worker holds only the roles it uses (Outbox, PollSink, ReadRequests,
  /// Queries) of its own connection. `monotonic` times replies (adaptive timeouts) and the pause
  /// after a clock-sync broadcast; it must outlive the System. Throws what the factory throws
  /// (store::StoreError).
  System(SiteConfig site, const store::StoreFactory& stores, const domain::Clock& clock,
         MasterFactory masters, const domain::MonotonicClock& monotonic);
  /// As above on the steady clock.
  System(SiteConfig site, const store::StoreFactory& stores, const domain::Clock& clock,
         MasterFactory masters);
  /// As above with the masters of default_master.
  System(SiteConfig site, const store::StoreFactory& stores, const domain::Clock& clock);
  /// Opens (creating if needed) the SQLite database at `db_path` and applies migrations
  /// (store::sqlite_store_factory). Throws std::runtime_error with the path and reason if it
  /// cannot.
  System(SiteConfig site, const std::string& db_path, const domain::Clock& clock);
  /// As above, with the bus masters made by `masters` instead of default_master.
  System(SiteConfig site, const std::string& db_path, const domain::Clock& clock,
         MasterFactory masters);
  /// As above, with `monotonic` for reply times (adaptive timeouts) and the pause after a
  /// clock-sync broadcast instead of the steady clock; it must outlive the System.
  System(SiteConfig site, const std::string& db_path, const domain::Clock& clock,
         MasterFactory masters, const domain::MonotonicClock& monotonic);
  ~System();
  System(const System&) = delete;
  System& operator=(const System&) = delete;

  /// Does everything due at clock.now(): delivers pending commands on each bus, then runs the
  /// poll cycles that are due, bus after bus (deterministic: what the bench uses), then a
  /// checkpoint. Blocking; returns when that work is done.
  void run_iterate();
  /// Copies the database's write-ahead log into the file (store::Store::checkpoint) on the
  /// System's own connection: the buses' commits leave that to this call
  /// (store::Checkpoints::kByCaller) so a poll cycle's commit does not wait for it. Returns the
  /// log's length in pages. Thread-safe; throws store::StoreError on an I/O error.
  std::int64_t checkpoint();
  /// Rolls up what was read and charged since the last call into the reports' daily per-meter
  /// roll-ups (store::Reports::roll_up), in the site's local time, on the System's own
  /// connection. Off the poll path: the collector calls it from its checkpoint thread.
  /// Thread-safe; throws store::StoreError on a database failure.
  store::RollupSummary roll_up();
  /// The earliest time at which run_iterate() has scheduled work (for the daemon's sleep).
  TimePoint next_due() const;
  /// One notifier pass on its own connection (Notifier::run_iterate): the alarms' new events
  /// become notices, the due ones are sent through the site's gateway. run_iterate() ends with
  /// one; the collector runs them on a thread of their own. Thread-safe (one pass at a time);
  /// throws store::StoreError on a database failure.
  NotifyPass notify();
  /// When a pending notice is next due (nullopt: none, or no notifications configured).
  std::optional<TimePoint> next_notice_due() const;

  /// Asks every bus to stop at its next transaction boundary: the transaction in flight (a
  /// command's write and read-back, or one box's read) finishes, nothing further is started, and
  /// the outbox stays consistent. Iterations after this return at once. Thread-safe.
  void request_stop();

  /// The configured buses, in site order.
  std::vector<std::string> bus_ids() const;
  /// run_iterate() for one bus: its pending commands, then its on-demand reads or its poll cycle
  /// if due. Safe to call from one thread per bus at the same time: each bus has its own master
  /// and database connection, and one transaction at a time runs on a bus. Throws
  /// std::invalid_argument for an unknown bus.
  void run_bus_iterate(const std::string& bus_id);
  /// When the bus has work next: its poll, its first sendable command, or now if a read-now is
  /// waiting. Throws std::invalid_argument for an unknown bus.
  TimePoint next_due(const std::string& bus_id) const;
  /// Asks for an on-demand read of `target`: "BUS" (every box), "BUS/BOX" or "BUS/BOX/CIRCUIT"
  /// (a circuit is read with its box: the same few block reads). It runs at the bus's next
  /// iteration, after its pending commands, without moving the poll schedule; a box that does
  /// not answer it is logged, not counted as a failed cycle. Refused (kNotFound, nothing
  /// queued) for a bus, box or circuit not in the site.
  domain::Result<void> read_now(std::string_view target);
  /// A stored read-now request (Operations::read_now) and what its bus worker made of it.
  std::optional<ReadRequestView> read_request(std::int64_t id) const;
  /// Supervision events (relay_mismatch, clock_drift, meter_replaced, host_trip, host_close,
  /// credit conflicts, ...), oldest first; all of them if `meter` is nullopt.
  std::vector<EventView> events(const std::optional<domain::MeterId>& meter) const;

  std::optional<MeterView> meter(const domain::MeterId& id) const;
  /// Ledger-derived balance of an account, fen.
  std::optional<std::int64_t> account_balance_fen(const std::string& account_id) const;
  BusCounters counters(const std::string& bus_id) const;
  /// Checks the ledger invariant for every account; empty if it holds, else one line per problem.
  std::vector<std::string> verify_ledger() const;
  /// Writes one system log row (store::SystemLog::record) at the clock's now: the daemon's start
  /// and stop. Throws store::StoreError.
  void log(const store::LogEvent& e);
  /// The newest `limit` outbox commands of a meter, newest first.
  std::vector<CommandView> commands(const domain::MeterId& id, int limit = 10) const;
  const SiteConfig& site() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phil::service
