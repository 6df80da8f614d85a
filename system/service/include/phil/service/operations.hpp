#pragma once
// service::Operations, the front door: every operator action (site import, account open/close,
// sale, refund, reversal, meter replace/move, tariff add/assign, remote commands, read-now) and
// every query an operator makes. prepaidctl, the bench and the future API call only this; none of
// them opens the store to act on it.
//
// Contracts:
//   - every action and query takes the Actor who performs it and passes one private check
//     (begin) before it touches the store: it refuses an actor without a role or whose role may
//     not take the action (domain::kPermissions); who the actor is, the front doors decide
//     (prepaidctl's login and sessions: login, start_session, resume_session);
//   - every action is one store transaction that writes its own audit row naming the actor
//     (money: ledger entry, outbox command and audit row together, or nothing). Exceptions, both
//     administration in bulk: import_site writes a row per change it makes (none for a file that
//     changes nothing) and register_site one per box whose billing mode it changes;
//   - a refused action returns an error Result and writes nothing, except a refusal for the
//     actor's role, which writes its system log row (outcome "denied") where the database is
//     writable;
//   - database failures throw store::StoreError; configuration errors (profiles) throw.
// Units as in phil/domain/money.hpp. Times are the clock's at the call. One Operations may be
// shared by threads: calls are serialised.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <phil/common/device_models.hpp>
#include <phil/domain/alarms.hpp>
#include <phil/domain/clock.hpp>
#include <phil/domain/meter_id.hpp>
#include <phil/domain/outbox.hpp>
#include <phil/domain/permissions.hpp>
#include <phil/domain/result.hpp>
#include <phil/domain/site_model.hpp>
#include <phil/domain/status_board.hpp>
#include <phil/domain/tariff.hpp>
#include <phil/service/actor.hpp>
#include <phil/service/reports.hpp>
#include <phil/service/site_registration.hpp>
#include <phil/service/system.hpp>
#include <phil/store/sqlite_open.hpp>
#include <phil/store/store.hpp>

namespace phil::service {

/// What an actor asks Operations to do; the unit of the role check (phil/domain/permissions.hpp).
using Action = domain::Action;

/// Every text an operator gives (ids, names, phone numbers, rooms, tariff names, read-now
/// targets, the operator's own id, the texts of an imported site model) is checked by Operations
/// before anything is looked up or stored: valid UTF-8 (utf8::first_flaw), no control character
/// (no tab, line feed or escape code: each is one line of a table), and at most the field's
/// limit below, in bytes of UTF-8 (a CJK character takes 3). Emptiness is each action's own rule.
/// A refusal is domain::ErrorKind::kInvalid (prepaidctl exits 2) and names the field and the value
/// as typed (utf8::escaped), e.g.: tenant name "Li\u{1B}[2J": control character U+001B at
/// character 3; give printable text. Limits, in one place:
struct TextLimits {
  static constexpr std::size_t kId = 64;           ///< account, room, building, bus, operator ids
  static constexpr std::size_t kName = 200;        ///< tenant, building, comm manager, site names
  static constexpr std::size_t kTariffName = 64;   ///< tariff names (as the store has always had)
  static constexpr std::size_t kPhone = 20;        ///< tenant phone (domain::check_phone)
  static constexpr std::size_t kAddress = 200;     ///< a comm manager's address
  static constexpr std::size_t kTarget = 100;      ///< a read-now target BUS[/BOX[/CIRCUIT]]
  static constexpr std::size_t kModel = 64;        ///< a box's device model name
  static constexpr std::size_t kSelection = 1000;  ///< how a batch's meters were chosen
};

/// The check above of one text: nothing if `value` is acceptable for `field` (e.g. "tenant
/// name"), else the kInvalid refusal naming both.
std::optional<domain::Error> check_text(std::string_view field, std::string_view value,
                                        std::size_t max_bytes);

/// The check of an amount against the site's limit (SiteConfig::max_amount_fen, site key
/// `max_amount`, default kDefaultMaxAmountFen): nothing if `fen` is at most `max_fen`, else the
/// kInvalid refusal naming `what` ("sale", "refund", "first sale", "transfer"), the amount and
/// the limit in yuan with 2 decimals, and `todo` (what the operator can do instead).
std::optional<domain::Error> check_amount(std::string_view what, std::int64_t fen,
                                          std::int64_t max_fen,
                                          std::string_view todo = "check the amount, or split it");

/// An account to open: the tenant, the meters (the first receives the credits), a first sale.
struct OpenAccount {
  std::string account;
  std::string tenant;                   ///< may be empty
  std::vector<domain::MeterId> meters;  ///< 1..n meters of the site, none in an open account
  std::int64_t first_sale_fen = 0;      ///< 0: none; >= 0
  store::TenantContact contact{};       ///< phone (checked) and room (of the site model)
  /// The tenant's password for the tenant page (domain::check_password); "" sets none (the office
  /// can set one later: set_tenant_password).
  std::string tenant_password{};
};

/// A version of a tariff (a new name creates the tariff).
struct AddTariff {
  std::string name;
  domain::TariffVersion version;         ///< takes effect at version.from
  std::chrono::minutes utc_offset{480};  ///< local time of its period table and tier resets
};

/// Which tariff charges a meter (`meter`), else the site default (`meter` nullopt).
struct AssignTariff {
  std::string name;
  std::optional<domain::MeterId> meter;  ///< nullopt: the site default
  std::optional<TimePoint> from{};       ///< takes effect then (not in the past); nullopt: now
};

/// A new operator (issue 13 item 1). The password is hashed (argon2id) before it is stored.
struct NewOperator {
  std::string id;  ///< what they log in with; text rules of an id, not empty
  std::string name;
  domain::Role role = domain::Role::kAuditor;
  std::string password;  ///< domain::check_password
};

/// A logged-in operator's session (issue 13 item 3): who, and until when it lasts unused.
struct Session {
  Actor actor;  ///< with the role the operators table gives now
  std::string name;
  TimePoint expires_at{};  ///< the absolute end (domain::kSessionLifetime after the login)
  TimePoint ends_at{};     ///< the end if unused from now on (domain::session_ends_at)
};

/// A new session and the token that resumes it (only its SHA-256 is stored).
struct NewSession {
  std::string token;  ///< 64 hex digits; the operator's 0600 file holds it
  Session session;
};

/// A tenant's session (issue 15 item 4). The tenant's views take it instead of an Actor: the
/// account they show is the session's, so a tenant cannot name another's.
struct TenantSession {
  std::string account;
  TimePoint expires_at{};  ///< the absolute end (domain::kSessionLifetime after the login)
};

/// A new tenant session and the token that resumes it (only its SHA-256 is stored).
struct NewTenantSession {
  std::string token;  ///< 64 hex digits
  TenantSession session;
};

/// What a tenant sees of their account: its own record (balance, tenant, meters) and each
/// meter's last state (status, relay, reading).
struct TenantView {
  store::AccountRecord account;
  std::vector<store::MeterRecord> meters;
  TimePoint as_of{};
  std::chrono::minutes utc_offset{0};  ///< the site's local time minus UTC
};

/// The status board (issue 14 item 1) as status_board() gives it.
struct StatusBoard {
  /// The meters the filter kept, grouped building -> floor -> box -> circuit
  /// (domain::group_board); each row says what it asks of an operator (domain::board_actions).
  std::vector<domain::BoardBuilding> buildings;
  domain::StatusCounts counts;  ///< of the meters kept
  TimePoint as_of{};            ///< the clock at the call: a reading's age is measured from it
  /// The site's local time minus UTC, to show times in: the site file's utc_offset, else 0
  /// (UTC) when Operations has no site file.
  std::chrono::minutes utc_offset{0};
};

/// The meters a batch command goes to (issue 14 item 2): those the status board's filter keeps,
/// or exactly the listed ones (a meters file), in board order or the list's.
struct BatchSelection {
  std::optional<domain::BoardFilter> filter;  ///< set: the board's meters it keeps
  std::vector<domain::MeterId> meters;        ///< without a filter: these
};

/// One meter of a planned batch: its board row, and why the counter's checks would refuse the
/// command for it ("" when it would be queued).
struct BatchPlanRow {
  domain::BoardRow row;
  std::string refusal;
};

/// What a batch would do, before anything is sent (the preview an operator confirms).
struct BatchPlan {
  std::vector<BatchPlanRow> rows;
  std::size_t refused = 0;  ///< rows with a refusal
  TimePoint as_of{};
  std::chrono::minutes utc_offset{0};  ///< as StatusBoard's
};

/// A batch and where its members are (command_batch_status), or the recent batches without
/// their members (command_batches), with the clock and zone to show times in.
struct BatchView {
  std::vector<store::BatchRecord> batches;
  TimePoint as_of{};
  std::chrono::minutes utc_offset{0};  ///< as StatusBoard's
};

/// An alarm kind's name for people, in the language in use (the text layer), e.g. "balance alarm
/// 1".
std::string alarm_kind_name(domain::AlarmKind kind);
/// An alarm's target for people: "bus1/3/12", "bus1/3", "bus1", or "account A401" (text layer).
std::string alarm_target_name(const domain::AlarmTarget& target);

/// Alarms (issue 14 item 3) as alarms() gives them.
struct AlarmList {
  std::vector<store::AlarmRecord> alarms;  ///< oldest raised first
  TimePoint as_of{};                       ///< the clock at the call: an active alarm's age
  /// The site's local time minus UTC, to show times in (as StatusBoard::utc_offset).
  std::chrono::minutes utc_offset{0};
};

/// The offline report (issue 14 item 5) as offline_report() gives it.
struct OfflineReport {
  std::vector<domain::OfflineTarget> targets;  ///< domain::offline_report of the alarms table
  TimePoint from{};
  TimePoint to{};
  std::chrono::minutes utc_offset{0};  ///< as StatusBoard::utc_offset
  TimePoint made_at{};                 ///< the clock at the call
};

class Operations {
 public:
  /// Operations on `store`, at `clock`'s time. `site`: the daemon's site file, needed by
  /// register_site and read_now (and nothing else); its profiles are read here (throws as
  /// site_boxes does). `store` and `clock` must outlive this object.
  Operations(store::Store& store, const domain::Clock& clock,
             std::optional<SiteConfig> site = std::nullopt);
  ~Operations();
  Operations(const Operations&) = delete;
  Operations& operator=(const Operations&) = delete;

  /// As above on the SQLite database at `db_path`, which it opens as `mode` says and owns:
  /// kCreate creates and migrates it if needed (prepaidctl init, the bench, tests); kExisting
  /// (every other prepaidctl action) and kReadOnly (its views: show, list, verify, status) refuse
  /// a missing file with store::DatabaseNotFound ("run prepaidctl init"), so a mistyped path never
  /// becomes a new, empty database; kReadOnly opens it SQLITE_OPEN_READONLY (a read-only file
  /// works; any action then throws store::StoreError). Throws store::StoreError naming the file
  /// if it cannot open it.
  static std::unique_ptr<Operations> open(
      const std::string& db_path, const domain::Clock& clock,
      std::optional<SiteConfig> site = std::nullopt,
      store::Checkpoints checkpoints = store::Checkpoints::kAtCommit,
      store::OpenMode mode = store::OpenMode::kCreate);
  /// The schema version this build migrates a database to.
  static int schema_version();
  /// The schema version of the database file at `db_path`, read without writing it; nullopt if
  /// it cannot be read (open says why).
  static std::optional<int> schema_version(const std::string& db_path);

  // ---- site and meters ----
  /// Registers the site file's meters and writes its billing modes (register_site). Refused
  /// (kInvalid, nothing written) when no site file was given.
  domain::Result<void> register_site(const Actor& actor);
  /// Imports a site model (store::Store::import_site: refusals, accounts, audit rows) whose
  /// boxes are of `models` (the device profiles' models, meterlink::load_model_circuits) and
  /// whose meters are on circuits those models have: the rule the site file and the fleet file
  /// apply, so an import cannot take model adf999 or circuit 37 on a 36-circuit box. Refused
  /// (kInvalid, nothing written) with one line per problem otherwise.
  domain::Result<store::ImportSummary> import_site(const Actor& actor,
                                                   const domain::SiteModel& model,
                                                   std::span<const devices::ModelCircuits> models);
  /// Swaps a meter for another, its balance carried over (store::ReplaceMeterRequest): refused
  /// (kInvalid, nothing written) when that balance is above max_amount_fen() or, credited to a
  /// meter-side new meter, above what its registers take (credit_room_fen).
  domain::Result<store::ReplaceMeterResult> replace_meter(
      const Actor& actor, const domain::MeterId& old_meter, const domain::MeterId& new_meter,
      const std::optional<store::ManualFinalReading>& manual = std::nullopt);
  /// `meter replace --in-place`: completes an on-site swap the system detected on `meter`
  /// (store::CompleteSwapRequest): the old device's last balance credited onto the new one,
  /// once. Refused (kInvalid, nothing written) above max_amount_fen() or above what the meter's
  /// registers take (credit_room_fen); refused when no swap was detected (nothing to complete).
  domain::Result<store::CompleteSwapResult> replace_meter_in_place(const Actor& actor,
                                                                   const domain::MeterId& meter);
  /// `box confirm BUS/BOX`: an operator confirms a box whose identity did not match the site
  /// file, as it reports itself; its billing goes on (store::SiteAdmin::confirm_box). Refused:
  /// a box not configured, or one with nothing to confirm.
  domain::Result<store::BoxIdentityRecord> confirm_box(const Actor& actor, const std::string& bus,
                                                       int address);
  /// Moves a meter into another open account (store::MoveMeterRequest); with its balance,
  /// refused (kInvalid, nothing written) when that is above max_amount_fen().
  domain::Result<store::MoveMeterResult> move_meter(const Actor& actor,
                                                    const domain::MeterId& meter,
                                                    const std::string& to_account,
                                                    bool with_balance);

  // ---- accounts and money ----
  /// Opens an account. Refused (nothing written): empty or existing id, no meters, a meter not
  /// configured or in an open account, a negative first sale or one above max_amount_fen() or
  /// one that does not fit the first meter's registers (check_credit), a bad phone, an unknown
  /// room, and (with a site file) a meter that is a plain energy meter (check_billable).
  domain::Result<void> open_account(const Actor& actor, const OpenAccount& req);
  /// Sells `amount_fen` (> 0) to an open account: ledger entry and a credit for its first meter.
  /// Returns the credit command's id. Refused (kInvalid, nothing written) above max_amount_fen(),
  /// and when the credit would not fit the first meter's registers (check_credit) or the
  /// account holds an energy meter (check_billable: opened on one without the site file).
  domain::Result<std::int64_t> sale(const Actor& actor, const std::string& account,
                                    std::int64_t amount_fen);
  /// Pays back part of an account's balance (store::Store::refund): at once, or (meter-side) by
  /// a debit the entry follows once the meter confirms it; the cash is paid out then. Refused
  /// besides when the meter holding the money cannot take the debit (check_debit).
  /// Refused (kInvalid, nothing written) above max_amount_fen().
  domain::Result<store::MoneyBack> refund(const Actor& actor, const std::string& account,
                                          std::int64_t amount_fen);
  /// Cancels a wrong sale by its ledger seq (store::Store::reversal): at once, or by a debit of
  /// a credit already on a meter-side meter.
  domain::Result<store::MoneyBack> reversal(const Actor& actor, std::int64_t sale_seq);
  /// Starts closing an account, or resumes its blocked steps (store::Ledger::close_account); the
  /// bus workers take the steps, account_closing follows them.
  domain::Result<store::CloseAccountResult> close_account(const Actor& actor,
                                                          const std::string& account);

  // ---- tariffs ----
  domain::Result<void> add_tariff(const Actor& actor, const AddTariff& req);
  /// Assigns a tariff (store::Tariffs::assign_tariff). With a site file, refused (kInvalid,
  /// nothing written) for a meter that is a plain energy meter (check_billable).
  domain::Result<void> assign_tariff(const Actor& actor, const AssignTariff& req);

  // ---- remote commands ----
  /// Queues a command (every kind but credit) for a meter, or for a box (circuit 0) for the
  /// box-level kinds, superseding the target's pending commands of the kind. Returns its id.
  /// The daemon's bus worker delivers it before further polling. With a site file, refused
  /// (kInvalid, nothing queued) when the target's driver cannot encode it
  /// (meterlink::Adf300Driver::check_command: a value its register cannot hold, a register the
  /// profile lacks), and a close of a meter whose last read balance is 0.00 or less ("balance
  /// 0.00: sell first, or use keep-power"; its prepaid mode would keep the relay open), and any
  /// command to a plain energy meter (never commanded; the bus worker fails one queued without
  /// the site file before anything is written).
  domain::Result<std::int64_t> command(const Actor& actor, const domain::MeterId& target,
                                       const domain::CommandPayload& payload);
  /// Asks for an on-demand read of "BUS", "BUS/BOX" or "BUS/BOX/CIRCUIT": the request is stored
  /// and the bus worker (the daemon's, or a System's run_iterate) runs it at its next look at the
  /// outbox and stores the result (read_request). Refused (kNotFound, nothing stored) for a
  /// target not in the site file, kInvalid without a site file. Returns the request's id.
  domain::Result<std::int64_t> read_now(const Actor& actor, std::string_view target);

  /// The most one sale, refund, transfer or first sale may be: the site file's max_amount, else
  /// kDefaultMaxAmountFen.
  std::int64_t max_amount_fen() const { return max_amount_fen_; }

  // ---- queries (kNotFound with a message where the thing does not exist) ----
  /// Every meter with its status as the polls stored it, its balance, relay, mode, last
  /// reading and actions required, the ones `filter` keeps (domain::matches), grouped, with
  /// counts per status (query: every role). One store query whatever the number of meters.
  /// Refused (kInvalid) for a filter text that fails check_text.
  domain::Result<StatusBoard> status_board(const Actor& actor,
                                           const domain::BoardFilter& filter) const;
  domain::Result<store::AccountRecord> account(const Actor& actor, const std::string& id) const;
  domain::Result<std::int64_t> account_balance_fen(const Actor& actor,
                                                   const std::string& account) const;
  /// Ledger entries of an account, or of all accounts (nullopt), in seq order.
  domain::Result<std::vector<store::LedgerRecord>> ledger(
      const Actor& actor, const std::optional<std::string>& account) const;
  /// One line per problem of the ledger invariants, of the links between the ledger, the outbox
  /// and the system log, and of the log's chain; empty if all hold.
  domain::Result<std::vector<std::string>> verify_ledger(const Actor& actor) const;
  domain::Result<store::MeterRecord> meter(const Actor& actor, const domain::MeterId& id) const;
  domain::Result<store::MeterPlacement> meter_placement(const Actor& actor,
                                                        const domain::MeterId& id) const;
  /// The debits of an account (refunds and reversals of money its meter held), oldest first.
  domain::Result<std::vector<store::CommandRecord>> account_debits(
      const Actor& actor, const std::string& account) const;
  /// The account's closing and its meters' steps; nullopt if it was never asked.
  /// A box's identity as last read and checked (nullopt: never read).
  domain::Result<std::optional<store::BoxIdentityRecord>> box_identity(const Actor& actor,
                                                                       const std::string& bus,
                                                                       int address) const;
  domain::Result<std::optional<store::ClosingRecord>> account_closing(
      const Actor& actor, const std::string& account) const;
  /// The newest emptying of the meter's register after its account became host-side (going
  /// on or finished); nullopt if it never had one.
  domain::Result<std::optional<store::ConversionRecord>> meter_conversion(
      const Actor& actor, const domain::MeterId& meter) const;
  /// The newest `limit` commands of a meter, newest first.
  domain::Result<std::vector<store::CommandRecord>> meter_commands(const Actor& actor,
                                                                   const domain::MeterId& id,
                                                                   int limit) const;
  /// Events of a meter (or all: nullopt), oldest first.
  domain::Result<std::vector<store::EventRecord>> events(
      const Actor& actor, const std::optional<domain::MeterId>& meter) const;
  domain::Result<std::vector<store::TariffRecord>> tariffs(const Actor& actor) const;

  // ---- the system log (operations_log.cpp; store::SystemLog has the chain) ----
  /// The rows `filter` selects, oldest first (read_log). A filter text is checked like any
  /// other text (kInvalid).
  domain::Result<std::vector<store::LogRow>> log(const Actor& actor,
                                                 const store::LogFilter& filter) const;
  /// The chain verified (read_log): its head and every problem found; with `kept`, also that
  /// this head printed earlier is still in the chain (store::SystemLog::verify_log).
  domain::Result<store::LogCheck> verify_log(
      const Actor& actor, const std::optional<store::ChainHead>& kept = std::nullopt) const;
  /// The chain's head now (read_log or report: the daily report prints it).
  domain::Result<store::ChainHead> log_head(const Actor& actor) const;

  // ---- reports (issue 14 item 5; operations_reports.cpp) ----
  // Each is a function of the store: the daily per-meter roll-ups and the ledger, never the raw
  // readings; days and times in the site file's local time (UTC without one). A period is
  // [from, to), refused (kInvalid) when empty.
  /// Sales by day, month or year (and cashier): report.
  domain::Result<SalesReport> sales_report(const Actor& actor, const SalesQuery& q) const;
  /// A cashier's takings over [from, to) by day (交班): shift_report for their own, report for
  /// anyone's; a cashier asking for another's is refused (kRefused).
  domain::Result<SalesReport> shift_report(const Actor& actor, const std::string& cashier,
                                           TimePoint from, TimePoint to) const;
  /// Energy with its TOU split and the charges, per meter, account, floor, building or site,
  /// per day or month, over the local days [from, to) touches: report.
  domain::Result<EnergyReport> energy_report(const Actor& actor, const EnergyQuery& q) const;
  /// Every meter's current state (抄表导出): report.
  domain::Result<ReadingsExport> readings_export(const Actor& actor) const;
  /// An account's statement: report; kNotFound for an unknown account.
  domain::Result<Statement> statement(const Actor& actor, const std::string& account,
                                      TimePoint from, TimePoint to) const;
  /// The daily report of local day `day` ("YYYY-MM-DD") with the log's chain head: report.
  domain::Result<DailyReport> daily_report(const Actor& actor, const std::string& day) const;
  /// Makes the roll-ups again from every reading and charge (store::Reports::rebuild_rollups),
  /// in the site's local time: rebuild_reports.
  domain::Result<store::RollupSummary> rebuild_reports(const Actor& actor);
  // ---- notifications (operations_alarms.cpp; issue 14 item 4) ----
  /// The SMS notices `filter` selects (query; store::Notifications::notices), oldest first:
  /// each alarm's messages, their state (pending, sent, skipped, expired), tries and why.
  domain::Result<std::vector<store::NoticeRecord>> notices(const Actor& actor,
                                                           const store::NoticeFilter& filter) const;

  // ---- alarms (operations_alarms.cpp; issue 14 item 3) ----
  /// The alarms `filter` selects (query; store::Alarms::alarms), oldest raised first. A filter
  /// text is checked like any other text (kInvalid).
  domain::Result<AlarmList> alarms(const Actor& actor, const store::AlarmFilter& filter) const;
  /// Acknowledges alarm `id` (ack_alarm): the alarm records who and when, and one system log
  /// row ("ack_alarm") is written with it. Refused, changing nothing: an unknown id (kNotFound),
  /// an alarm acknowledged already (kRefused, naming who and when).
  domain::Result<store::AlarmRecord> ack_alarm(const Actor& actor, std::int64_t id);
  /// The offline report (report): when each meter, box and bus went offline within [from, to)
  /// and for how long (domain::offline_report over the alarms table). kInvalid for an empty
  /// period.
  domain::Result<OfflineReport> offline_report(const Actor& actor, TimePoint from,
                                               TimePoint to) const;

  // ---- batch commands (operations_batches.cpp; issue 14 item 2) ----
  /// The preview of a batch (command): the meters `selection` names, each with what the
  /// counter's checks (see command()) say of `payload` for it. Writes nothing. Refused: a kind a
  /// batch cannot send (kInvalid, domain::batchable), a filter text that fails check_text
  /// (kInvalid), a listed meter not at the site (kNotFound, naming it), a selection that
  /// domain::check_batch_members refuses (kInvalid: none, too many, twice).
  domain::Result<BatchPlan> plan_batch(const Actor& actor, const BatchSelection& selection,
                                       const domain::CommandPayload& payload) const;
  /// Sends `payload` to every meter of `meters` as one batch (store::CommandBatches::
  /// enqueue_batch): each its own tracked outbox command, the counter's checks made again for
  /// each now (a member they refuse is recorded with why, the others are queued), one system
  /// log row listing the members. `selection` says how they were chosen (kept with the batch).
  /// Refused as a whole, nothing written: as plan_batch, and a selection text that fails
  /// check_text.
  domain::Result<store::BatchOutcome> command_batch(const Actor& actor,
                                                    const std::vector<domain::MeterId>& meters,
                                                    const domain::CommandPayload& payload,
                                                    const std::string& selection);
  /// Batch `id` with its members and where each one's command is (query): one batch in the
  /// view; kNotFound for none.
  domain::Result<BatchView> command_batch_status(const Actor& actor, std::int64_t id) const;
  /// The newest `limit` batches with their progress and no members, newest first (query).
  domain::Result<BatchView> command_batches(const Actor& actor, std::size_t limit) const;

  // ---- operators (operations_operators.cpp) ----
  /// Logs an operator in: their Actor, with the role the operators table gives them. Refused
  /// (kRefused): an unknown id or a wrong password (one message for both), a disabled operator,
  /// a locked one (domain::decide_login: kMaxLoginFailures failures in a row lock for kLockFor).
  /// Every attempt writes its audit row ("login"; a lock also "operator_locked"), nothing else.
  domain::Result<Actor> login(const std::string& id, const std::string& password);
  /// True once the database has an operator (prepaidctl init asks before it asks a password).
  bool has_operators() const;
  /// The first operator of a database, an admin (prepaidctl init). Refused once any exists.
  domain::Result<void> add_first_admin(const NewOperator& op);
  /// Adds an operator (manage_operators). Refused: bad id, name or password, an id in use.
  domain::Result<void> add_operator(const Actor& actor, const NewOperator& op);
  /// A new password for `id`: by themselves, or by an actor who may manage_operators. Clears
  /// failures and a lock.
  domain::Result<void> set_password(const Actor& actor, const std::string& id,
                                    const std::string& password);
  /// Disables an operator for good (manage_operators); nobody disables themselves.
  domain::Result<void> disable_operator(const Actor& actor, const std::string& id);
  /// Every operator (manage_operators), without the hashes.
  domain::Result<std::vector<store::OperatorRecord>> operators(const Actor& actor) const;
  /// A new role for `id` (manage_operators; "operator_role" audit row), their sessions revoked.
  /// Refused: one's own role, the same role, a disabled operator, the last enabled admin.
  domain::Result<void> set_role(const Actor& actor, const std::string& id, domain::Role role);

  // ---- sessions (issue 13 item 3) ----
  /// login() and, on success, a new session for the operator (domain::kSessionLifetime).
  domain::Result<NewSession> start_session(const std::string& id, const std::string& password);
  /// The session of `token`, its last use moved to now. Refused (kRefused): an unknown token, a
  /// session expired, idle or revoked (domain::session_state; a "session_refused" audit row),
  /// an operator disabled since. `record` false (a read-only database: a view on a read-only
  /// file) writes nothing: neither the use nor the refusal.
  domain::Result<Session> resume_session(const std::string& token, bool record = true);
  /// Logout: revokes the session of `token` ("logout" audit row); nothing for an unknown one.
  void end_session(const std::string& token);
  /// The tariff that charges a meter now: its own assignment in force, else the site default's;
  /// nullopt if none is. The version in force now (`meter show` compares its rates with the
  /// price table on the meter).
  struct MeterTariff {
    std::string name;
    domain::Tariff tariff;
    bool own = false;  ///< the meter's own assignment, not the site default
  };
  domain::Result<std::optional<MeterTariff>> meter_tariff(const Actor& actor,
                                                          const domain::MeterId& id) const;
  domain::Result<store::Store::ReadRequest> read_request(const Actor& actor, std::int64_t id) const;

  // ---- tenants' own access (issue 15 item 4; operations_tenants.cpp) ----
  /// Sets or resets an account's tenant password (open_account: the counter), audit row
  /// "tenant_passwd"; the tenant's sessions end. Refused: bad password (domain::check_password),
  /// unknown or closed account.
  domain::Result<void> set_tenant_password(const Actor& actor, const std::string& account,
                                           const std::string& password);
  /// A tenant's login: a new session. Refused (kRefused), one message for an unknown account, no
  /// password set and a wrong one; locked after domain::kMaxLoginFailures failures in a row (as
  /// operators are). Every attempt writes its audit row ("tenant_login").
  domain::Result<NewTenantSession> start_tenant_session(const std::string& account,
                                                        const std::string& password);
  /// The session of `token`, its last use moved to now. Refused (kRefused): unknown, expired,
  /// idle or revoked, or the account closed since.
  domain::Result<TenantSession> resume_tenant_session(const std::string& token);
  /// Logout: revokes the session of `token`; nothing for an unknown one.
  void end_tenant_session(const std::string& token);
  /// The session's account and its meters' states.
  domain::Result<TenantView> tenant_view(const TenantSession& s) const;
  /// The session's account over its last `days` local days (1..366) up to now: purchases,
  /// refunds and reversals (no charges), opening and closing balance, and the energy used per
  /// day (the statement's, of the daily roll-ups).
  domain::Result<Statement> tenant_statement(const TenantSession& s, int days) const;
  /// The tariff that charges the session's first meter now (nullopt: the site price).
  domain::Result<std::optional<MeterTariff>> tenant_tariff(const TenantSession& s) const;

 private:
  using Guard = std::unique_lock<std::mutex>;
  Operations(std::unique_ptr<store::Store> owned, const domain::Clock& clock,
             std::optional<SiteConfig> site);
  /// The one place every action and query passes before it touches the store: the actor's id
  /// is checked text, the actor has a role (refused without one), and may do only what
  /// domain::kPermissions gives that role (refused naming the roles that may). Holds the lock
  /// for the call.
  domain::Result<Guard> begin(const Actor& actor, Action action) const;
  /// The system log row of an action refused for the actor's role; not written where the
  /// database is read-only (a query opened for viewing).
  void record_denial(const Actor& actor, Action action) const;
  domain::Result<void> check_read_target(const std::string& target) const;
  /// check_text of every text of a site model; the first refusal, prefixed by the account's
  /// file:line:col where the model has it.
  static std::optional<domain::Error> check_model_texts(const domain::SiteModel& m);
  /// The site box's driver of `target`'s box; nullptr without a site file or for a box not in it.
  const meterlink::Adf300Driver* driver_of(const domain::MeterId& target) const;
  /// Nothing if a credit of `amount_fen` to `meter` fits its registers (from its profile:
  /// Adf300Driver::money_limits): the amount fits purchase_amount, and the meter's last read
  /// balance plus its credits still open plus the amount fits the balance register. Else the
  /// kInvalid refusal naming `what` and the amounts in yuan. Nothing to check without a driver.
  std::optional<domain::Error> check_credit(std::string_view what, const domain::MeterId& meter,
                                            std::int64_t amount_fen) const;
  /// Nothing if the meter that holds `account`'s money (meter-side: its first meter) can take a
  /// debit of `amount_fen` (its profile has the debit registers and the amount fits them), or
  /// the account is host-side. Else the kInvalid refusal naming `what`.
  std::optional<domain::Error> check_debit(std::string_view what, const std::string& account,
                                           std::int64_t amount_fen) const;
  /// The most one credit to `meter` may be now by its registers (the smaller of what
  /// purchase_amount holds and the balance register's room above its last read balance and
  /// credits still open); unlimited without a driver. What a replacement may carry over.
  std::int64_t credit_room_fen(const domain::MeterId& meter) const;
  /// check_text of a status board filter's texts.
  static std::optional<domain::Error> check_filter(const domain::BoardFilter& filter);
  /// The model of `target` if it is a plain energy meter: its box's driver energy_only() with a
  /// site file, else the store's mark (store::MeterRecord::metering_only, written from the
  /// profiles by register_site and the site import); nullopt otherwise or unknown.
  std::optional<std::string> energy_meter_model(const domain::MeterId& target) const;
  /// Nothing if none of `meters` is a plain energy meter (energy_meter_model); else the kInvalid
  /// refusal of `what` (an account open, a sale, ...) naming the first one: an energy meter is
  /// read for energy reports only and never billed (issue 14 item 6).
  std::optional<domain::Error> check_billable(std::string_view what,
                                              std::span<const domain::MeterId> meters) const;
  /// Every meter's board row (store::Queries::status_board), energy meters (the store's mark or
  /// the site file's profile) shown as such (domain::as_energy_meter).
  std::vector<domain::BoardRow> board_rows() const;
  /// The counter's checks of a command to `target` (see command()).
  std::optional<domain::Error> check_command(const domain::MeterId& target,
                                             const domain::CommandPayload& payload) const;
  /// The sales of a query once the role is checked (sales_report, shift_report).
  SalesReport sales_of(const SalesQuery& q) const;
  /// The statement of `account` over [from, to), without the role check (statement, and a
  /// tenant's own).
  Statement statement_of(const std::string& account, TimePoint from, TimePoint to) const;
  /// meter_tariff without the role check.
  std::optional<MeterTariff> tariff_of(const domain::MeterId& id) const;
  /// The head of a report of [from, to) made now.
  ReportHead head_of(TimePoint from, TimePoint to) const;

  std::unique_ptr<store::Store> owned_;  ///< set by open()
  store::Store& store_;
  const domain::Clock& clock_;
  std::optional<SiteConfig> site_;
  /// The site file's local time minus UTC, the zone days and times are shown in; 0 (UTC)
  /// without a site file.
  std::chrono::minutes utc_offset() const {
    return site_ ? site_->utc_offset : std::chrono::minutes{0};
  }
  std::vector<SiteBox> boxes_;                          ///< of site_
  std::int64_t max_amount_fen_ = kDefaultMaxAmountFen;  ///< of site_, else the default
  mutable std::mutex mutex_;
};

}  // namespace phil::service
