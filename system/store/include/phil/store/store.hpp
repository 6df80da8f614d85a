#pragma once
// Persistence of the billing-and-control system behind one interface, so that a PostgreSQL store
// can follow the SQLite one. Units as in phil/domain/money.hpp (fen, Wh, 0.0001 yuan/kWh); times
// are UTC instants (stored as milliseconds since 1970-01-01T00:00:00Z).
//
// Contracts every implementation keeps:
//   - every operator action (open_account, sale) is ONE transaction: the ledger entry, the outbox
//     command and the audit row are all written or none is;
//   - the ledger is append-only and numbered 1..N without gaps; an account's balance is the sum
//     of its entries;
//   - a refused operator action returns an error Result and changes nothing;
//   - database failures (disk full, corrupt file, lock timeout) throw StoreError.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/domain/ledger.hpp>
#include <phil/domain/meter_id.hpp>
#include <phil/domain/outbox.hpp>
#include <phil/domain/reading.hpp>
#include <phil/domain/result.hpp>
#include <phil/domain/site_model.hpp>
#include <phil/domain/status.hpp>
#include <phil/domain/tariff.hpp>

namespace phil::store {

/// The database failed (not a refusal): the message names the file, the statement and the cause.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct MeterRecord {
  domain::MeterId id;
  std::string model;
  std::optional<std::string> account;  ///< open account the meter belongs to
  std::optional<TimePoint> read_at;    ///< last successful reading; nullopt: never read
  domain::MeterReading last;           ///< valid if read_at
  domain::MeterStatus status = domain::MeterStatus::kNotOpened;
  int failed_cycles = 0;                         ///< poll cycles in a row without an answer
  std::optional<std::int64_t> billed_energy_wh;  ///< energy billed up to; nullopt: no baseline
  std::int64_t carry = 0;                        ///< sub-fen remainder, cost units (money.hpp)
  /// Who deducts for this meter's energy: its own setting, else the site default. Host-side
  /// meters are charged and tripped/closed by the system.
  domain::BillingMode billing_mode = domain::BillingMode::kMeterSide;
};

/// One outbox row. Rules (states, order, priority, supersede) are in phil/domain/outbox.hpp.
struct CommandRecord {
  std::int64_t id = 0;
  /// The target: a circuit, or for box-level kinds (tou_schedule, clock) the box itself, written
  /// with circuit == 0 (such an id is not a meter: MeterId::parse never yields it).
  domain::MeterId meter;
  domain::CommandKind kind = domain::CommandKind::kCredit;
  int priority = 0;               ///< domain::priority(kind): smaller is sent first
  std::int64_t amount_fen = 0;    ///< credit: the amount (also in `params`)
  std::string payload;            ///< canonical text of `params` (domain::encode_payload)
  domain::CommandPayload params;  ///< typed payload: the variant alternative matches `kind`
  std::optional<std::uint16_t> purchase_count;  ///< credit: assigned once, before the first write
  domain::CommandState state = domain::CommandState::kPending;
  int attempts = 0;  ///< writes attempted
  std::string last_error;
  TimePoint next_attempt_at{};
  TimePoint created_at{};
  TimePoint updated_at{};
};

struct LedgerRecord {
  std::int64_t seq = 0;
  std::string account;
  domain::EntryKind kind = domain::EntryKind::kSale;
  std::optional<domain::MeterId> meter;
  std::int64_t amount_fen = 0;         ///< magnitude; direction from the kind
  std::int64_t energy_wh = 0;          ///< charge: energy charged
  std::int64_t carry = 0;              ///< charge: remainder carried after this entry
  std::int64_t balance_after_fen = 0;  ///< account balance after this entry
  std::string operator_id;             ///< who: an operator, or "system" for charges
  TimePoint at{};
  std::optional<std::int64_t> ref_seq;  ///< reversal: the sale it cancels
};

struct EventRecord {
  std::int64_t id = 0;
  std::optional<domain::MeterId> meter;
  std::string kind;  ///< e.g. "meter_replaced", "credit_conflict"
  std::string details;
  TimePoint at{};
};

struct OpenAccountRequest {
  std::string account;
  std::string tenant;                   ///< may be empty (not known yet)
  std::vector<domain::MeterId> meters;  ///< first one receives the credits
  std::int64_t first_sale_fen = 0;      ///< 0: none
  std::string operator_id;
  TimePoint at{};
};

/// What open_account records of the tenant besides the name.
struct TenantContact {
  std::string phone;                ///< may be empty; else domain::check_phone
  std::optional<std::string> room;  ///< a room of the site model (site import)
};

/// The final reading of a meter that cannot be read over the bus (burnt, dead, unreachable),
/// entered by an operator: what the electrician reads off its display, or estimates.
struct ManualFinalReading {
  /// The largest energy register (32 bits of 0.01 kWh), Wh.
  static constexpr std::int64_t kMaxEnergyWh = 42'949'672'950;
  /// The largest balance register magnitude (32 bits signed of 0.01 yuan), fen.
  static constexpr std::int64_t kMaxBalanceFen = 2'147'483'647;
  /// The energy register, Wh, 0 .. kMaxEnergyWh; not below the old meter's last stored reading
  /// nor its billed energy (energy never goes back); not above that reading by more than the
  /// meter's overload threshold (its own, else the site's; none if 0) draws in the time since.
  std::int64_t energy_wh = 0;
  /// A meter-side meter's balance register, fen, -kMaxBalanceFen .. kMaxBalanceFen: what is
  /// carried to the new meter (if positive). Not given: the balance the meter last reported less
  /// what this reading charges (what the meter shows had it deducted the same). Refused for a
  /// host-side meter (it holds no money).
  std::optional<std::int64_t> balance_fen{};
  /// 0.0001 yuan/kWh, 0 .. domain::kMaxPrice: the price of a meter without a stored tariff (what
  /// BillingRules::price is to a poll); needed when such a meter has energy to charge. A meter
  /// with a stored tariff (its own or the site's) is charged by that and `price` is not used.
  std::optional<std::int64_t> price{};
};

/// A faulty or old meter swapped for another (seed: 新老表切换). The old meter's balance moves to
/// the new meter, which takes its place in the account; the old meter goes back to not-opened.
/// The final reading of the old meter is:
///   - without `manual`: its last stored reading (charges up to it are already booked), so the
///     old meter must have answered its last poll;
///   - with `manual`: the operator's reading, whether or not the meter answers. The energy from
///     the last billed reading to it is charged exactly as a poll reading at `at` would be
///     (stored tariff, else manual->price; TOU split over the interval since the last reading);
///     it is stored as the old meter's reading at `at` (its failed cycles and status are kept:
///     a manual reading is no sign of life). The audit row and events say "manual" and who.
///     Refused besides: the meter never read (no reading to charge from), `at` before its last
///     reading, a value out of range or below the billed energy, a balance for a host-side
///     meter, no price for a meter without a tariff that has energy to charge.
/// One transaction; a refusal changes nothing.
struct ReplaceMeterRequest {
  domain::MeterId old_meter;
  domain::MeterId new_meter;
  std::string operator_id;
  TimePoint at{};
  std::optional<ManualFinalReading> manual{};
};

struct ReplaceMeterResult {
  std::string account;
  TimePoint final_read_at{};                   ///< the old meter's final reading
  std::int64_t final_energy_wh = 0;            ///< its energy register then
  std::int64_t final_balance_fen = 0;          ///< its balance register then
  std::int64_t transferred_fen = 0;            ///< carried by transfer_out/transfer_in (0: nothing)
  std::optional<std::int64_t> credit_command;  ///< the credit of that amount to the new meter
  bool manual = false;                         ///< the final reading was the operator's
  std::int64_t charged_energy_wh = 0;          ///< manual: the energy it charged
  std::int64_t charged_fen = 0;                ///< manual: what that cost the account
};

/// A meter taken from its account into another open account. Only the meter moves: the energy
/// from its last reading on is charged to the new account; money moves only with
/// `with_balance` (the balance the meter last reported, by transfer_out/transfer_in).
struct MoveMeterRequest {
  domain::MeterId meter;
  std::string to_account;
  bool with_balance = false;
  std::string operator_id;
  TimePoint at{};
};

struct MoveMeterResult {
  std::string from_account;
  std::int64_t transferred_fen = 0;
  std::int64_t meter_balance_fen = 0;  ///< what the meter last reported (money on the meter)
};

/// What a site import did (rows of the site model added, changed, left as they were).
struct ImportSummary {
  int added = 0;
  int updated = 0;
  int unchanged = 0;
  int accounts_opened = 0;           ///< of `added`: the accounts the import opened
  std::int64_t first_sales_fen = 0;  ///< their first sales together
};

/// An account for display (prepaidctl account show).
struct AccountRecord {
  std::string id;
  std::string tenant;
  std::string phone;
  std::optional<std::string> room;
  TimePoint opened_at{};
  std::optional<TimePoint> closed_at;
  std::int64_t balance_fen = 0;         ///< ledger balance
  std::vector<domain::MeterId> meters;  ///< attached now, first one receives the credits
  /// Last finding of the meter-side balance check: meters minus expectation; nullopt: agree.
  std::optional<std::int64_t> mismatch_fen;
};

/// Where a meter is and how it is set (prepaidctl meter show).
struct MeterPlacement {
  std::optional<std::string> room;
  std::optional<std::string> building;
  std::optional<int> floor;
  std::optional<std::string> comm_manager;
  domain::Thresholds thresholds;  ///< in force (own values, else the site's)
  domain::BillingMode billing_mode = domain::BillingMode::kMeterSide;
  std::optional<domain::MeterId> replaces;     ///< the meter this one replaced, if any
  std::optional<domain::MeterId> replaced_by;  ///< the meter that replaced this one, if any
};

struct SaleRequest {
  std::string account;
  std::int64_t amount_fen = 0;
  std::string operator_id;
  TimePoint at{};
};

/// An operator's command to a meter or box (every kind but credit, which only a sale writes).
struct CommandRequest {
  /// The meter; for box-level kinds (tou_schedule, clock) the box, given as circuit 0.
  domain::MeterId target;
  domain::CommandPayload params;  ///< its alternative decides the kind
  std::string operator_id;
  TimePoint at{};
};

/// Money paid back to the tenant out of the account's unused balance.
struct RefundRequest {
  std::string account;
  std::int64_t amount_fen = 0;  ///< > 0, at most the account's balance
  std::string operator_id;
  TimePoint at{};
};

/// Cancels a wrong sale, identified by its ledger entry.
struct ReversalRequest {
  std::int64_t sale_seq = 0;
  std::string operator_id;
  TimePoint at{};
};

/// Closes an account: its last stored readings are the final ones (charges are already booked
/// by record_readings), the remaining balance is refunded, its meters go back to not-opened.
struct CloseAccountRequest {
  std::string account;
  std::string operator_id;
  TimePoint at{};
};

/// What closing an account did.
struct CloseAccountResult {
  std::int64_t refunded_fen = 0;  ///< the balance paid back (0 if none was left)
};

struct BillingRules {
  std::int64_t price = 0;  ///< 0.0001 yuan/kWh
  int offline_after = domain::kDefaultOfflineAfter;
};

/// The readings of one poll cycle of many boxes, stored in one transaction by record_cycle.
struct CycleBatch {
  std::vector<std::pair<domain::MeterId, domain::MeterReading>> readings;  ///< meters that answered
  std::vector<domain::MeterId> failed;  ///< meters of boxes that did not answer
};

/// A tariff version: `name` is created with its first version; later versions are its history.
struct TariffRequest {
  std::string name;
  domain::TariffVersion version;         ///< takes effect at version.from
  std::chrono::minutes utc_offset{480};  ///< the local time of its period table and tier resets
  std::string operator_id;
  TimePoint at{};
};

/// Which tariff charges a meter: its own (`meter`), else the site default (`meter` nullopt),
/// from an instant on (assignments are history, see Store::assign_tariff).
struct TariffAssignRequest {
  std::string name;
  std::optional<domain::MeterId> meter;  ///< nullopt: the site default
  std::string operator_id;
  TimePoint at{};
  std::optional<TimePoint> from{};  ///< takes effect then (not before `at`); nullopt: at `at`
};

/// One stored assignment of a tariff.
struct TariffAssignmentRecord {
  std::optional<domain::MeterId> meter;  ///< nullopt: the site default
  TimePoint from{};                      ///< effective from
  TimePoint assigned_at{};               ///< when it was made
  bool operator==(const TariffAssignmentRecord&) const = default;
};

struct TariffRecord {
  std::string name;
  domain::TariffSchedule schedule;
  /// The latest assignment of the site default names this tariff (it may take effect later:
  /// see `assignments`).
  bool site_default = false;
  std::vector<domain::MeterId> meters;  ///< meters whose latest own assignment names this tariff
  std::vector<TariffAssignmentRecord> assignments;  ///< every assignment of it, by target and from
};

/// Meter-side values confirmed by reading a meter back after a command.
using Readback = domain::CreditReadback;

class Store {
 public:
  virtual ~Store() = default;

  // ---- meters ----
  /// Registers meters (idempotent: known meters keep their state; the model is updated).
  virtual void register_meters(const std::vector<domain::MeterId>& ids,
                               const std::string& model) = 0;
  virtual std::optional<MeterRecord> meter(const domain::MeterId& id) const = 0;
  /// Sets the meters' own billing mode (the one billing, trip/close and the balance check use),
  /// as the daemon's site file declares it (`billing:` on a bus or box). One transaction with an
  /// audit row naming the meters it changed; meters already in that mode are left alone. Returns
  /// how many it changed. Unknown meters are a programming error (register them first):
  /// StoreError.
  virtual int set_billing_mode(const std::vector<domain::MeterId>& ids, domain::BillingMode mode,
                               const std::string& operator_id, TimePoint at) = 0;

  // ---- operator actions: each one transaction; refusals change nothing ----
  virtual domain::Result<void> open_account(const OpenAccountRequest& req) = 0;
  /// Returns the id of the credit command queued for the account's first meter.
  virtual domain::Result<std::int64_t> sale(const SaleRequest& req) = 0;

  /// Pays back `amount_fen` of the account's balance: a refund entry and an audit row. Refused
  /// (nothing written): unknown or closed account, amount <= 0 or above the balance, a credit of
  /// the account still open in the outbox (its balance is not settled on the meter yet).
  /// Returns the refund's ledger seq.
  virtual domain::Result<std::int64_t> refund(const RefundRequest& req) = 0;
  /// Cancels a wrong sale: a reversal entry of the sale's amount referring to it, an audit row,
  /// and, if its credit was never written to the meter (pending, no purchase_count), the credit
  /// is superseded. Refused (nothing written): no such sale, already reversed, its credit in
  /// flight (wait for it to be confirmed or failed), or consumed: the account was charged since
  /// the sale or its balance is below the sale's amount. Returns the reversal's ledger seq.
  virtual domain::Result<std::int64_t> reversal(const ReversalRequest& req) = 0;
  /// Closes an account (see CloseAccountRequest). Refused (nothing written): unknown or closed
  /// account, an open command to one of its meters (wait for delivery or supersede it), a
  /// negative balance (the tenant owes it: sell that amount first).
  virtual domain::Result<CloseAccountResult> close_account(const CloseAccountRequest& req) = 0;

  // ---- site model and meter administration (sqlite_store_admin.cpp) ----
  /// Imports the site model in one transaction with an audit row: site settings, buildings,
  /// floors, rooms, comm managers, buses, boxes and meters are added or updated (meters keep
  /// their readings, accounts and ledger); rows absent from the model are kept. Importing the
  /// same model again changes nothing. Refused (nothing written): a model that fails
  /// domain::check_site_model. The model's accounts are opened (with their first sales) or kept
  /// by the rules of domain::AccountSpec; an account those rules refuse refuses the whole import.
  virtual domain::Result<ImportSummary> import_site(const domain::SiteModel& model,
                                                    const std::string& operator_id,
                                                    TimePoint at) = 0;
  /// The site's settings (defaults until a site is imported).
  virtual domain::SiteSettings site_settings() const = 0;
  /// open_account with the tenant's phone and room. Refused besides: a malformed phone, a room
  /// not in the site model.
  virtual domain::Result<void> open_account(const OpenAccountRequest& req,
                                            const TenantContact& contact) = 0;
  /// See ReplaceMeterRequest; one transaction with an audit row and a "meter_replacement" event on
  /// both meters. Refused (nothing written): the old meter not in an open account, never read,
  /// offline or not answering without a manual final reading (its last reading is not final),
  /// or with a command not yet delivered; the new meter unknown, the same, or in an open
  /// account; a manual reading the request's rules refuse.
  virtual domain::Result<ReplaceMeterResult> replace_meter(const ReplaceMeterRequest& req) = 0;
  /// See MoveMeterRequest; one transaction with an audit row and a "meter_moved" event. Refused
  /// (nothing written): the meter not in an open account or its account's only meter, the
  /// target account unknown, closed or the same, a command to the meter not yet delivered; with
  /// `with_balance` also a meter never read or not answering, or a balance above what its
  /// account holds.
  virtual domain::Result<MoveMeterResult> move_meter(const MoveMeterRequest& req) = 0;
  virtual std::optional<AccountRecord> account(const std::string& id) const = 0;
  /// nullopt if the meter is not configured.
  virtual std::optional<MeterPlacement> meter_placement(const domain::MeterId& id) const = 0;

  // ---- polling: each call one transaction ----
  /// Stores the readings of one box taken at `at`: reading rows, the meters' last values,
  /// charges for the energy used since the last billed reading (the meter's tariff, else
  /// rules.price; carry rule; see record_cycle),
  /// "meter_replaced" events when energy went backwards, and the derived status.
  virtual void record_readings(
      const std::vector<std::pair<domain::MeterId, domain::MeterReading>>& readings, TimePoint at,
      const BillingRules& rules) = 0;
  /// Counts one failed poll cycle for each meter and updates its status.
  virtual void record_failed_cycle(const std::vector<domain::MeterId>& ids, TimePoint at,
                                   const BillingRules& rules) = 0;
  /// A whole poll cycle in one transaction: record_readings of every answering meter and
  /// record_failed_cycle of the others, with the same contracts; meters not configured here are
  /// skipped. Charges use the meter's tariffs (its own, else the site default, as assigned over
  /// time; see assign_tariff) over the interval since its last reading, with its account's tier
  /// position (meters of one account in one cycle count in reading order); where no tariff is
  /// assigned, rules.price (single price).
  virtual void record_cycle(const CycleBatch& cycle, TimePoint at, const BillingRules& rules) = 0;

  // ---- tariffs ----
  /// Stores a tariff version with an audit row (a new name creates the tariff). Refused (nothing
  /// written): an empty name, a tariff failing domain::check_tariff, a version not after the
  /// tariff's latest one (history is append-only), a utc_offset other than the tariff's.
  virtual domain::Result<void> add_tariff(const TariffRequest& req) = 0;
  /// Makes a tariff the site default or a meter's own from req.from (default req.at) on, with an
  /// audit row. Assignments are kept as history: a reading interval that spans an assignment's
  /// start is cut there like at a tariff version change (the energy before it at the tariff in
  /// force before). At each instant a meter's own assignment in force overrides the site's.
  /// Refused (nothing written): an unknown tariff or meter, `from` before `at`, `from` not after
  /// the target's latest assignment (history is append-only), a tariff in another local time
  /// (UTC offset) than the tariffs already assigned.
  virtual domain::Result<void> assign_tariff(const TariffAssignRequest& req) = 0;
  /// Every stored tariff with its history and assignments, by name.
  virtual std::vector<TariffRecord> tariffs() const = 0;
  /// The tier position of an account (the energy its meters were charged in its current tier
  /// period; a newly opened account starts at zero); nullopt if the account does not exist.
  virtual std::optional<domain::TierState> tier_state(const std::string& account) const = 0;

  // ---- outbox ----
  //
  // How a bus worker delivers (see phil/domain/outbox.hpp for the rules):
  //   1. cmds = next_commands(bus, now, n): the sendable heads, in priority order;
  //   2. per command: try_begin_attempt(id, count, now) BEFORE any write (for a credit, with the
  //      purchase_count from domain::decide_credit when it is newly assigned); false means an
  //      operator superseded it meanwhile: skip it;
  //   3. write, read back, then confirm_command / defer_command (retry later, stays in flight) /
  //      fail_command (for good, with an event for an operator).
  // Writers: sale / open_account write credits; enqueue_command writes every other kind and
  // supersedes the target's PENDING commands of the same kind in the same transaction.

  /// Queues an operator command (mode, price, thresholds, TOU schedule, clock) with an audit row,
  /// superseding the PENDING commands of the same kind and target; one transaction. Returns the
  /// new command's id. Refused (nothing written): a credit (use sale), a target that is not a
  /// configured meter (or, for box-level kinds, a box with no configured meter; the circuit must
  /// then be 0), an invalid payload (domain::check_payload).
  virtual domain::Result<std::int64_t> enqueue_command(const CommandRequest& req) = 0;
  /// The commands a bus may send at `now`: the head of each target's queue (smallest (priority,
  /// id) among its pending and in-flight commands) if its next_attempt_at <= now, in (priority,
  /// id) order, at most `limit`. A head not yet due blocks its target.
  virtual std::vector<CommandRecord> next_commands(const std::string& bus, TimePoint now,
                                                   std::size_t limit) const = 0;
  /// Commands of a bus not yet confirmed, failed or superseded, oldest first (all targets, heads
  /// or not).
  virtual std::vector<CommandRecord> open_commands(const std::string& bus) const = 0;
  /// Commands of a meter, newest first, at most `limit`.
  virtual std::vector<CommandRecord> meter_commands(const domain::MeterId& id, int limit) const = 0;
  /// One command by id; nullopt if there is none.
  virtual std::optional<CommandRecord> command(std::int64_t id) const = 0;
  /// Marks the command in flight and counts one attempt. If `assign_count` is given and the
  /// command has no purchase_count yet, it is stored first: this must be called (and return)
  /// before the write, so the count is durable before any meter could apply it. Returns false
  /// (and changes nothing) if the command is no longer open: it was superseded, confirmed or
  /// failed meanwhile (another process may write the outbox); then do not send it.
  virtual bool try_begin_attempt(std::int64_t command, std::optional<std::uint16_t> assign_count,
                                 TimePoint at) = 0;
  /// As try_begin_attempt, but a command that is no longer open throws StoreError.
  virtual void begin_attempt(std::int64_t command, std::optional<std::uint16_t> assign_count,
                             TimePoint at) = 0;
  /// Records why an attempt did not complete and when to try again (the state is unchanged).
  virtual void defer_command(std::int64_t command, const std::string& error,
                             TimePoint next_attempt_at, TimePoint at) = 0;
  /// Confirms the command and mirrors the read-back values into the meter (status updated); for
  /// a box-level command only the command is confirmed. Throws StoreError if it is not open.
  virtual void confirm_command(std::int64_t command, const Readback& rb, TimePoint at,
                               const BillingRules& rules) = 0;
  /// Fails the command for good and records an event for an operator.
  virtual void fail_command(std::int64_t command, const std::string& reason, TimePoint at) = 0;
  /// Number of confirmed and of open (pending or in flight) commands on a bus.
  struct CommandCounts {
    std::uint64_t confirmed = 0;
    std::uint64_t open = 0;
  };
  virtual CommandCounts command_counts(const std::string& bus) const = 0;
  /// Earliest next_attempt_at of the commands of a bus that can be sent next (the head of each
  /// target's queue), if any.
  virtual std::optional<TimePoint> next_command_due(const std::string& bus) const = 0;

  // ---- ledger, accounts, events ----
  /// The account's balance as kept with its ledger entries (each entry moves it in the same
  /// transaction; verify_ledger checks it equals the sum of the journal); nullopt if there is no
  /// such account. One row read: callers may ask every poll.
  virtual std::optional<std::int64_t> account_balance_fen(const std::string& account) const = 0;
  virtual std::vector<LedgerRecord> ledger(const std::optional<std::string>& account) const = 0;
  /// Checks the journal (domain::verify_journal); one line per problem, empty if all hold.
  virtual std::vector<std::string> verify_ledger() const = 0;
  virtual std::vector<EventRecord> events(const std::optional<domain::MeterId>& meter) const = 0;

  // ---- supervision (the collector's findings, for the alarm work) ----
  /// Records one event (e.g. "relay_mismatch", "clock_drift", "host_trip"); `meter` nullopt for
  /// a box or bus event (the details then name it).
  virtual void add_event(const std::optional<domain::MeterId>& meter, const std::string& kind,
                         const std::string& details, TimePoint at) = 0;
  /// The serial number last read from a meter; nullopt if none was read yet.
  virtual std::optional<std::string> meter_serial(const domain::MeterId& id) const = 0;
  /// Stores the serial numbers read from meters, in one transaction. Where a DIFFERENT serial
  /// was stored, the meter was replaced: a "meter_replaced" event with both serials, and its
  /// billing re-based (no baseline: the next reading becomes it, so the new meter's counters are
  /// never charged as negative or foreign use). Returns the meters found replaced.
  virtual std::vector<domain::MeterId> record_serials(
      const std::vector<std::pair<domain::MeterId, std::string>>& serials, TimePoint at) = 0;

  // ---- on-demand reads asked for by another process (prepaidctl read-now) ----
  struct ReadRequest {
    std::int64_t id = 0;
    std::string target;  ///< "BUS", "BUS/BOX" or "BUS/BOX/CIRCUIT"
    std::string bus;
    std::string state;   ///< "pending" | "done" | "failed"
    std::string result;  ///< what the reader found (failed: why)
    TimePoint created_at{};
    TimePoint updated_at{};
  };
  /// Queues a read of `target` (its bus is the part before the first '/'); returns its id.
  virtual std::int64_t request_read(const std::string& target, TimePoint at) = 0;
  /// The pending requests of a bus, oldest first.
  virtual std::vector<ReadRequest> pending_read_requests(const std::string& bus) const = 0;
  /// Ends a request: done (ok) or failed, with what was found or why.
  virtual void finish_read_request(std::int64_t id, bool ok, const std::string& result,
                                   TimePoint at) = 0;
  virtual std::optional<ReadRequest> read_request(std::int64_t id) const = 0;

  // ---- housekeeping ----
  /// Copies the committed pages of the write-ahead log into the database file without waiting
  /// for or blocking a writer or reader (SQLite's PASSIVE checkpoint: it copies what no reader
  /// still needs). Returns the log's length in pages when called (the log restarts from its
  /// beginning at the next write once all of it is copied). Throws StoreError on an I/O error.
  virtual std::int64_t checkpoint() = 0;
};

/// Who copies the write-ahead log into the database file.
enum class Checkpoints {
  /// SQLite's default: the commit that takes the log past 1,000 pages (4 MiB) does it, so that
  /// commit waits for a copy and an fsync of the database file. For prepaidctl and tests.
  kAtCommit,
  /// Store::checkpoint(), called by the owner off the write path (the collector does it every
  /// second from a thread of its own). A commit still does it past 16,384 pages (64 MiB), so the
  /// log stays bounded if nobody calls.
  kByCaller,
};

/// Opens (creating if needed) a SQLite database file and migrates it to the current schema:
/// WAL journal, synchronous=FULL, foreign keys on, busy timeout 5 s. Throws StoreError naming the
/// path and the cause if it cannot, or if the file was written by a newer version.
std::unique_ptr<Store> open_sqlite_store(const std::string& path,
                                         Checkpoints checkpoints = Checkpoints::kAtCommit);

/// Schema version this build migrates to (PRAGMA user_version).
int sqlite_schema_version();

}  // namespace phil::store
