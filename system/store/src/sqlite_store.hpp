#pragma once
// The SQLite implementation of Store: every role on one connection. Every public operation that
// writes is one transaction (BEGIN IMMEDIATE ... COMMIT); readers see committed data only.
//
// One class, its methods defined in a file per role, so that each file reads as one role's
// implementation (and a second backend can be written against the same split):
//
//   sqlite_store.cpp           opening: pragmas, migrations, the factory
//   sqlite_outbox.cpp          Outbox, and the Queries about commands
//   sqlite_poll_sink.cpp       PollSink (the poll cycle's charging is sqlite_billing.cpp, its
//                              meter-side balance check sqlite_balance_check.cpp)
//   sqlite_read_requests.cpp   ReadRequests
//   sqlite_ledger.cpp          Ledger: accounts, sales, refunds, reversals, verification
//   sqlite_closing.cpp         Ledger: closing an account step by step (and its Queries)
//   sqlite_site_admin.cpp      SiteAdmin: site import, registration, billing modes
//   sqlite_meter_changes.cpp   SiteAdmin: meter replacement and move
//   sqlite_tariffs.cpp         Tariffs
//   sqlite_queries.cpp         Queries about meters, accounts, the ledger and events
//   sqlite_box_identity.cpp    box identity (PollSink, SiteAdmin, Queries) and completing an
//                              on-site meter swap (SiteAdmin), issue 12.8
//   sqlite_operators.cpp       Operators
//   sqlite_alarms.cpp          Alarms, PollSink::observe_alarms (sqlite_alarms.hpp: the raise
//                              and clear the poll cycle, the outbox and swaps share)
//   sqlite_system_log.cpp      SystemLog: listing and verifying the hash-chained log
//                              (audit_chain.hpp writes and seals its rows)
//   sqlite_batches.cpp         CommandBatches (each member queued as sqlite_outbox.cpp's
//                              enqueue_command queues one)
//   sqlite_reports.cpp         Reports: the daily per-meter roll-ups, the reports' look-ups
//
// The rows several of them write (ledger, outbox, audit, events) are written by
// sqlite_writers.hpp, so every money movement takes the same code path.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <phil/store/store.hpp>

#include "sqlite.hpp"

namespace phil::store {

class SqliteStore final : public Store {
 public:
  /// Opens `path` as `mode` says (sqlite_open.hpp): configured and migrated, or read-only.
  SqliteStore(const std::string& path, Checkpoints checkpoints, OpenMode mode);

  std::int64_t checkpoint() override;

  // ---- Outbox (sqlite_outbox.cpp) ----
  domain::Result<std::int64_t> enqueue_command(const CommandRequest& req) override;
  std::vector<CommandRecord> next_commands(const std::string& bus, TimePoint now,
                                           std::size_t limit) const override;
  std::vector<CommandRecord> open_commands(const std::string& bus) const override;
  bool try_begin_attempt(std::int64_t command, std::optional<std::uint16_t> assign_count,
                         TimePoint at) override;
  void begin_attempt(std::int64_t command, std::optional<std::uint16_t> assign_count,
                     TimePoint at) override;
  void defer_command(std::int64_t command, const std::string& error, TimePoint next_attempt_at,
                     TimePoint at, int tries) override;
  void confirm_command(std::int64_t command, const Readback& rb, TimePoint at,
                       const BillingRules& rules) override;
  void fail_command(std::int64_t command, const std::string& reason, TimePoint at) override;
  std::optional<TimePoint> next_command_due(const std::string& bus) const override;
  // Queries about commands
  std::vector<CommandRecord> meter_commands(const domain::MeterId& id, int limit) const override;
  std::vector<CommandRecord> account_debits(const std::string& account) const override;
  std::optional<CommandRecord> command(std::int64_t id) const override;
  CommandCounts command_counts(const std::string& bus) const override;
  std::vector<domain::BoardRow> status_board() const override;

  // ---- PollSink (sqlite_poll_sink.cpp) ----
  void record_readings(
      const std::vector<std::pair<domain::MeterId, domain::MeterReading>>& readings, TimePoint at,
      const BillingRules& rules) override;
  void record_failed_cycle(const std::vector<domain::MeterId>& ids, TimePoint at,
                           const BillingRules& rules) override;
  void record_cycle(const CycleBatch& cycle, TimePoint at, const BillingRules& rules) override;
  void record_states(const std::vector<std::pair<domain::MeterId, domain::StateReading>>& states,
                     TimePoint at, const BillingRules& rules) override;
  void add_event(const std::optional<domain::MeterId>& meter_id, const std::string& kind,
                 const std::string& details, TimePoint at) override;
  void observe_alarms(const std::vector<domain::AlarmSeen>& seen, TimePoint at) override;
  std::vector<domain::MeterId> record_serials(
      const std::vector<std::pair<domain::MeterId, std::string>>& serials, TimePoint at) override;
  void save_box_supervision(const std::string& bus, int address,
                            const BoxSupervision& state) override;
  BoxSupervision box_supervision(const std::string& bus, int address) override;
  // box identity (sqlite_box_identity.cpp)
  bool box_identity_due(const std::string& bus, int address) override;
  std::optional<std::string> record_box_identity(const std::string& bus, int address,
                                                 const domain::ExpectedBox& expected,
                                                 const domain::BoxIdentity& read,
                                                 TimePoint at) override;

  // ---- ReadRequests (sqlite_read_requests.cpp) ----
  std::int64_t request_read(const std::string& target, const std::string& operator_id,
                            TimePoint at) override;
  std::vector<ReadRequest> pending_read_requests(const std::string& bus) const override;
  void finish_read_request(std::int64_t id, bool ok, const std::string& result,
                           TimePoint at) override;
  std::optional<ReadRequest> read_request(std::int64_t id) const override;

  // ---- Ledger (sqlite_ledger.cpp) ----
  domain::Result<void> open_account(const OpenAccountRequest& req) override;
  domain::Result<void> open_account(const OpenAccountRequest& req,
                                    const TenantContact& contact) override;
  domain::Result<std::int64_t> sale(const SaleRequest& req) override;
  domain::Result<MoneyBack> refund(const RefundRequest& req) override;
  domain::Result<MoneyBack> reversal(const ReversalRequest& req) override;
  std::vector<std::string> verify_ledger() const override;
  // closing an account (sqlite_closing.cpp)
  domain::Result<CloseAccountResult> close_account(const CloseAccountRequest& req) override;
  int advance_closings(const std::string& bus, TimePoint at) override;
  int advance_conversions(const std::string& bus, TimePoint at) override;

  // ---- Operators (sqlite_operators.cpp) ----
  domain::Result<void> add_operator(const OperatorRecord& op, const std::string& by,
                                    TimePoint at) override;
  std::optional<OperatorRecord> operator_record(const std::string& id) const override;
  std::vector<OperatorRecord> operators() const override;
  domain::Result<void> set_password_hash(const std::string& id, const std::string& hash,
                                         const std::string& by, TimePoint at) override;
  domain::Result<void> disable_operator(const std::string& id, const std::string& by,
                                        TimePoint at) override;
  void record_login(const std::string& id, const std::optional<domain::LoginDecision>& d,
                    TimePoint at) override;
  domain::Result<void> set_role(const std::string& id, domain::Role role, const std::string& by,
                                TimePoint at) override;
  void add_session(const SessionRecord& s) override;
  std::optional<SessionRecord> session(const std::string& token_hash) const override;
  void touch_session(const std::string& token_hash, TimePoint at) override;
  void end_session(const std::string& token_hash, TimePoint at) override;
  void record_session_refused(const SessionRecord& s, domain::SessionState why,
                              TimePoint at) override;

  // ---- TenantAccess (sqlite_tenants.cpp) ----
  domain::Result<void> set_tenant_password(const std::string& account, const std::string& hash,
                                           const std::string& by, TimePoint at) override;
  std::optional<TenantCredential> tenant_credential(const std::string& account) const override;
  void record_tenant_login(const std::string& account,
                           const std::optional<domain::LoginDecision>& d, TimePoint at) override;
  void add_tenant_session(const TenantSessionRecord& s) override;
  std::optional<TenantSessionRecord> tenant_session(const std::string& token_hash) const override;
  void touch_tenant_session(const std::string& token_hash, TimePoint at) override;
  void end_tenant_session(const std::string& token_hash, TimePoint at) override;

  // ---- SystemLog (sqlite_system_log.cpp; the chain itself: audit_chain.hpp) ----
  void record(const LogEvent& e, TimePoint at) override;
  std::vector<LogRow> log(const LogFilter& f) const override;
  LogCheck verify_log(const std::optional<ChainHead>& kept) const override;
  ChainHead log_head() const override;

  // ---- Reports (sqlite_reports.cpp) ----
  RollupSummary roll_up(std::chrono::minutes utc_offset) override;
  RollupSummary rebuild_rollups(const std::string& actor, std::chrono::minutes utc_offset,
                                TimePoint at) override;
  std::vector<domain::MeterDay> meter_days(const std::string& from_day,
                                           const std::string& to_day) const override;
  std::vector<domain::MoneyMove> money_moves(TimePoint from, TimePoint to) const override;
  std::map<std::string, std::int64_t> meter_energies() const override;
  // ---- CommandBatches (sqlite_batches.cpp) ----
  domain::Result<BatchOutcome> enqueue_batch(const BatchRequest& req) override;
  std::optional<BatchRecord> command_batch(std::int64_t id) const override;
  std::vector<BatchRecord> command_batches(std::size_t limit) const override;

  // ---- Notifications (sqlite_notices.cpp) ----
  std::vector<domain::NoticeEvent> notice_events(std::size_t limit) const override;
  void write_notices(const std::vector<std::int64_t>& events,
                     const std::vector<NoticeWrite>& notices, TimePoint at) override;
  std::vector<NoticeRecord> due_notices(TimePoint now, std::size_t limit) const override;
  std::optional<TimePoint> next_notice_due() const override;
  int sent_to(const std::string& phone, TimePoint from, TimePoint to) const override;
  void notice_sent(std::int64_t id, TimePoint at, int tries) override;
  void notice_later(std::int64_t id, TimePoint due, int tries, const std::string& error) override;
  void notice_closed(std::int64_t id, domain::NoticeState state, const std::string& reason,
                     TimePoint at) override;
  std::vector<NoticeRecord> notices(const NoticeFilter& f) const override;

  // ---- Alarms (sqlite_alarms.cpp) ----
  std::vector<AlarmRecord> alarms(const AlarmFilter& f) const override;
  domain::Result<AlarmRecord> ack_alarm(std::int64_t id, const std::string& operator_id,
                                        TimePoint at) override;

  // ---- SiteAdmin (sqlite_site_admin.cpp; replace and move: sqlite_meter_changes.cpp) ----
  void register_meters(const std::vector<domain::MeterId>& ids, const std::string& model,
                       bool metering_only) override;
  int set_billing_mode(const std::vector<domain::MeterId>& ids, domain::BillingMode mode,
                       const std::string& operator_id, TimePoint at) override;
  domain::Result<ImportSummary> import_site(const domain::SiteModel& model,
                                            const std::string& operator_id, TimePoint at) override;
  domain::SiteSettings site_settings() const override;
  domain::Result<ReplaceMeterResult> replace_meter(const ReplaceMeterRequest& req) override;
  domain::Result<MoveMeterResult> move_meter(const MoveMeterRequest& req) override;
  // sqlite_box_identity.cpp
  domain::Result<CompleteSwapResult> complete_swap(const CompleteSwapRequest& req) override;
  domain::Result<BoxIdentityRecord> confirm_box(const std::string& bus, int address,
                                                const std::string& operator_id,
                                                TimePoint at) override;

  // ---- Tariffs (sqlite_tariffs.cpp) ----
  domain::Result<void> add_tariff(const TariffRequest& req) override;
  domain::Result<void> assign_tariff(const TariffAssignRequest& req) override;
  std::vector<TariffRecord> tariffs() const override;
  std::optional<domain::TierState> tier_state(const std::string& account) const override;

  // ---- Queries (sqlite_queries.cpp) ----
  std::optional<MeterRecord> meter(const domain::MeterId& id) const override;
  std::optional<AccountRecord> account(const std::string& id) const override;
  std::optional<MeterPlacement> meter_placement(const domain::MeterId& id) const override;
  std::optional<std::int64_t> account_balance_fen(const std::string& account) const override;
  std::vector<LedgerRecord> ledger(const std::optional<std::string>& account) const override;
  std::optional<LedgerRecord> ledger_entry(std::int64_t seq) const override;
  std::vector<EventRecord> events(const std::optional<domain::MeterId>& meter_id) const override;
  std::optional<std::string> meter_serial(const domain::MeterId& id) const override;
  std::optional<ClosingRecord> account_closing(const std::string& account) const override;
  std::optional<ConversionRecord> meter_conversion(const domain::MeterId& meter) const override;
  std::optional<BoxIdentityRecord> box_identity(const std::string& bus, int address) const override;

 private:
  /// enqueue_command's work inside the caller's transaction; `audit`: write its system log row
  /// (a batch writes one row for all its members instead). A refusal returns before any write.
  domain::Result<std::int64_t> enqueue_in_transaction(const CommandRequest& req, bool audit);
  void configure(Checkpoints checkpoints);
  /// A read-only connection does not migrate: the file must be at this build's version.
  void check_version_read_only();
  void migrate();

  // Mutable: the const look-ups prepare statements (cached by the connection).
  mutable sqlite::Db db_;
};

}  // namespace phil::store
