#pragma once
// Test doubles of the store's roles (phil/store/*.hpp): a gmock mock of each role interface, and
// RoleStore, a Store assembled from one object per role, so a test hands the System (through a
// store::StoreFactory) exactly the doubles it wants: the in-memory fakes of memory_store.hpp for
// the roles a bus worker uses, a strict mock where it must check what is (not) called.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>

#include <phil/store/store.hpp>

namespace phil::store::test {

class MockOutbox : public Outbox {
 public:
  MOCK_METHOD(domain::Result<std::int64_t>, enqueue_command, (const CommandRequest&), (override));
  MOCK_METHOD(std::vector<CommandRecord>, next_commands,
              (const std::string&, TimePoint, std::size_t), (const, override));
  MOCK_METHOD(std::vector<CommandRecord>, open_commands, (const std::string&), (const, override));
  MOCK_METHOD(bool, try_begin_attempt, (std::int64_t, std::optional<std::uint16_t>, TimePoint),
              (override));
  MOCK_METHOD(void, begin_attempt, (std::int64_t, std::optional<std::uint16_t>, TimePoint),
              (override));
  MOCK_METHOD(void, defer_command, (std::int64_t, const std::string&, TimePoint, TimePoint, int),
              (override));
  MOCK_METHOD(void, confirm_command,
              (std::int64_t, const Readback&, TimePoint, const BillingRules&), (override));
  MOCK_METHOD(void, fail_command, (std::int64_t, const std::string&, TimePoint), (override));
  MOCK_METHOD(std::optional<TimePoint>, next_command_due, (const std::string&), (const, override));
};

class MockPollSink : public PollSink {
 public:
  MOCK_METHOD(void, record_readings,
              ((const std::vector<std::pair<domain::MeterId, domain::MeterReading>>&), TimePoint,
               const BillingRules&),
              (override));
  MOCK_METHOD(void, record_failed_cycle,
              (const std::vector<domain::MeterId>&, TimePoint, const BillingRules&), (override));
  MOCK_METHOD(void, record_cycle, (const CycleBatch&, TimePoint, const BillingRules&), (override));
  MOCK_METHOD(void, record_states,
              ((const std::vector<std::pair<domain::MeterId, domain::StateReading>>&), TimePoint,
               const BillingRules&),
              (override));
  MOCK_METHOD(void, add_event,
              (const std::optional<domain::MeterId>&, const std::string&, const std::string&,
               TimePoint),
              (override));
  MOCK_METHOD(void, observe_alarms, (const std::vector<domain::AlarmSeen>&, TimePoint), (override));
  MOCK_METHOD(std::vector<domain::MeterId>, record_serials,
              ((const std::vector<std::pair<domain::MeterId, std::string>>&), TimePoint),
              (override));
  MOCK_METHOD(void, save_box_supervision, (const std::string&, int, const BoxSupervision&),
              (override));
  MOCK_METHOD(BoxSupervision, box_supervision, (const std::string&, int), (override));
  MOCK_METHOD(bool, box_identity_due, (const std::string&, int), (override));
  MOCK_METHOD(std::optional<std::string>, record_box_identity,
              (const std::string&, int, const domain::ExpectedBox&, const domain::BoxIdentity&,
               TimePoint),
              (override));
};

class MockReadRequests : public ReadRequests {
 public:
  MOCK_METHOD(std::int64_t, request_read, (const std::string&, const std::string&, TimePoint),
              (override));
  MOCK_METHOD(std::vector<ReadRequest>, pending_read_requests, (const std::string&),
              (const, override));
  MOCK_METHOD(void, finish_read_request, (std::int64_t, bool, const std::string&, TimePoint),
              (override));
  MOCK_METHOD(std::optional<ReadRequest>, read_request, (std::int64_t), (const, override));
};

class MockLedger : public Ledger {
 public:
  MOCK_METHOD(domain::Result<void>, open_account, (const OpenAccountRequest&), (override));
  MOCK_METHOD(domain::Result<void>, open_account, (const OpenAccountRequest&, const TenantContact&),
              (override));
  MOCK_METHOD(domain::Result<std::int64_t>, sale, (const SaleRequest&), (override));
  MOCK_METHOD(domain::Result<MoneyBack>, refund, (const RefundRequest&), (override));
  MOCK_METHOD(domain::Result<MoneyBack>, reversal, (const ReversalRequest&), (override));
  MOCK_METHOD(domain::Result<CloseAccountResult>, close_account, (const CloseAccountRequest&),
              (override));
  MOCK_METHOD(int, advance_closings, (const std::string&, TimePoint), (override));
  MOCK_METHOD(int, advance_conversions, (const std::string&, TimePoint), (override));
  MOCK_METHOD(std::vector<std::string>, verify_ledger, (), (const, override));
};

class MockSiteAdmin : public SiteAdmin {
 public:
  MOCK_METHOD(void, register_meters,
              (const std::vector<domain::MeterId>&, const std::string&, bool), (override));
  MOCK_METHOD(int, set_billing_mode,
              (const std::vector<domain::MeterId>&, domain::BillingMode, const std::string&,
               TimePoint),
              (override));
  MOCK_METHOD(domain::Result<ImportSummary>, import_site,
              (const domain::SiteModel&, const std::string&, TimePoint), (override));
  MOCK_METHOD(domain::SiteSettings, site_settings, (), (const, override));
  MOCK_METHOD(domain::Result<ReplaceMeterResult>, replace_meter, (const ReplaceMeterRequest&),
              (override));
  MOCK_METHOD(domain::Result<MoveMeterResult>, move_meter, (const MoveMeterRequest&), (override));
  MOCK_METHOD(domain::Result<CompleteSwapResult>, complete_swap, (const CompleteSwapRequest&),
              (override));
  MOCK_METHOD(domain::Result<BoxIdentityRecord>, confirm_box,
              (const std::string&, int, const std::string&, TimePoint), (override));
};

class MockTariffs : public Tariffs {
 public:
  MOCK_METHOD(domain::Result<void>, add_tariff, (const TariffRequest&), (override));
  MOCK_METHOD(domain::Result<void>, assign_tariff, (const TariffAssignRequest&), (override));
  MOCK_METHOD(std::vector<TariffRecord>, tariffs, (), (const, override));
  MOCK_METHOD(std::optional<domain::TierState>, tier_state, (const std::string&),
              (const, override));
};

class MockQueries : public Queries {
 public:
  MOCK_METHOD(std::optional<MeterRecord>, meter, (const domain::MeterId&), (const, override));
  MOCK_METHOD(std::optional<AccountRecord>, account, (const std::string&), (const, override));
  MOCK_METHOD(std::optional<MeterPlacement>, meter_placement, (const domain::MeterId&),
              (const, override));
  MOCK_METHOD(std::optional<std::int64_t>, account_balance_fen, (const std::string&),
              (const, override));
  MOCK_METHOD(std::vector<LedgerRecord>, ledger, (const std::optional<std::string>&),
              (const, override));
  MOCK_METHOD(std::optional<LedgerRecord>, ledger_entry, (std::int64_t), (const, override));
  MOCK_METHOD(std::vector<EventRecord>, events, (const std::optional<domain::MeterId>&),
              (const, override));
  MOCK_METHOD(std::optional<std::string>, meter_serial, (const domain::MeterId&),
              (const, override));
  MOCK_METHOD(std::vector<CommandRecord>, account_debits, (const std::string&), (const, override));
  MOCK_METHOD(std::vector<CommandRecord>, meter_commands, (const domain::MeterId&, int),
              (const, override));
  MOCK_METHOD(std::optional<CommandRecord>, command, (std::int64_t), (const, override));
  MOCK_METHOD(CommandCounts, command_counts, (const std::string&), (const, override));
  MOCK_METHOD(std::vector<domain::BoardRow>, status_board, (), (const, override));
  MOCK_METHOD(std::optional<BoxIdentityRecord>, box_identity, (const std::string&, int),
              (const, override));
  MOCK_METHOD(std::optional<ClosingRecord>, account_closing, (const std::string&),
              (const, override));
  MOCK_METHOD(std::optional<ConversionRecord>, meter_conversion, (const domain::MeterId&),
              (const, override));
};

/// A Store whose roles are the given objects (which outlive it); checkpoint() only counts.
class RoleStore final : public Store {
 public:
  struct Roles {
    Outbox& outbox;
    PollSink& sink;
    ReadRequests& reads;
    Ledger& ledger;
    SiteAdmin& admin;
    Tariffs& tariffs;
    Queries& queries;
  };

  explicit RoleStore(const Roles& roles)
      : outbox_(roles.outbox),
        sink_(roles.sink),
        reads_(roles.reads),
        ledger_(roles.ledger),
        admin_(roles.admin),
        tariffs_(roles.tariffs),
        queries_(roles.queries) {}

  std::int64_t checkpoint() override {
    ++checkpoints_;
    return 0;
  }
  int checkpoints() const { return checkpoints_; }

  // ---- Outbox ----
  domain::Result<std::int64_t> enqueue_command(const CommandRequest& req) override {
    return outbox_.enqueue_command(req);
  }
  std::vector<CommandRecord> next_commands(const std::string& bus, TimePoint now,
                                           std::size_t limit) const override {
    return outbox_.next_commands(bus, now, limit);
  }
  std::vector<CommandRecord> open_commands(const std::string& bus) const override {
    return outbox_.open_commands(bus);
  }
  bool try_begin_attempt(std::int64_t command, std::optional<std::uint16_t> assign_count,
                         TimePoint at) override {
    return outbox_.try_begin_attempt(command, assign_count, at);
  }
  void begin_attempt(std::int64_t command, std::optional<std::uint16_t> assign_count,
                     TimePoint at) override {
    return outbox_.begin_attempt(command, assign_count, at);
  }
  void defer_command(std::int64_t command, const std::string& error, TimePoint next_attempt_at,
                     TimePoint at, int tries) override {
    return outbox_.defer_command(command, error, next_attempt_at, at, tries);
  }
  void confirm_command(std::int64_t command, const Readback& rb, TimePoint at,
                       const BillingRules& rules) override {
    return outbox_.confirm_command(command, rb, at, rules);
  }
  void fail_command(std::int64_t command, const std::string& reason, TimePoint at) override {
    return outbox_.fail_command(command, reason, at);
  }
  std::optional<TimePoint> next_command_due(const std::string& bus) const override {
    return outbox_.next_command_due(bus);
  }

  // ---- PollSink ----
  void record_readings(
      const std::vector<std::pair<domain::MeterId, domain::MeterReading>>& readings, TimePoint at,
      const BillingRules& rules) override {
    return sink_.record_readings(readings, at, rules);
  }
  void record_failed_cycle(const std::vector<domain::MeterId>& ids, TimePoint at,
                           const BillingRules& rules) override {
    return sink_.record_failed_cycle(ids, at, rules);
  }
  void record_cycle(const CycleBatch& cycle, TimePoint at, const BillingRules& rules) override {
    return sink_.record_cycle(cycle, at, rules);
  }
  void record_states(const std::vector<std::pair<domain::MeterId, domain::StateReading>>& states,
                     TimePoint at, const BillingRules& rules) override {
    return sink_.record_states(states, at, rules);
  }
  void add_event(const std::optional<domain::MeterId>& meter, const std::string& kind,
                 const std::string& details, TimePoint at) override {
    return sink_.add_event(meter, kind, details, at);
  }
  void observe_alarms(const std::vector<domain::AlarmSeen>& seen, TimePoint at) override {
    sink_.observe_alarms(seen, at);
  }
  std::vector<domain::MeterId> record_serials(
      const std::vector<std::pair<domain::MeterId, std::string>>& serials, TimePoint at) override {
    return sink_.record_serials(serials, at);
  }
  void save_box_supervision(const std::string& bus, int address,
                            const BoxSupervision& state) override {
    return sink_.save_box_supervision(bus, address, state);
  }
  BoxSupervision box_supervision(const std::string& bus, int address) override {
    return sink_.box_supervision(bus, address);
  }
  bool box_identity_due(const std::string& bus, int address) override {
    return sink_.box_identity_due(bus, address);
  }
  std::optional<std::string> record_box_identity(const std::string& bus, int address,
                                                 const domain::ExpectedBox& expected,
                                                 const domain::BoxIdentity& read,
                                                 TimePoint at) override {
    return sink_.record_box_identity(bus, address, expected, read, at);
  }

  // ---- ReadRequests ----
  std::int64_t request_read(const std::string& target, const std::string& operator_id,
                            TimePoint at) override {
    return reads_.request_read(target, operator_id, at);
  }
  std::vector<ReadRequest> pending_read_requests(const std::string& bus) const override {
    return reads_.pending_read_requests(bus);
  }
  void finish_read_request(std::int64_t id, bool ok, const std::string& result,
                           TimePoint at) override {
    return reads_.finish_read_request(id, ok, result, at);
  }
  std::optional<ReadRequest> read_request(std::int64_t id) const override {
    return reads_.read_request(id);
  }

  // ---- Ledger ----
  domain::Result<void> open_account(const OpenAccountRequest& req) override {
    return ledger_.open_account(req);
  }
  domain::Result<void> open_account(const OpenAccountRequest& req,
                                    const TenantContact& contact) override {
    return ledger_.open_account(req, contact);
  }
  domain::Result<std::int64_t> sale(const SaleRequest& req) override { return ledger_.sale(req); }
  domain::Result<MoneyBack> refund(const RefundRequest& req) override {
    return ledger_.refund(req);
  }
  domain::Result<MoneyBack> reversal(const ReversalRequest& req) override {
    return ledger_.reversal(req);
  }
  domain::Result<CloseAccountResult> close_account(const CloseAccountRequest& req) override {
    return ledger_.close_account(req);
  }
  int advance_closings(const std::string& bus, TimePoint at) override {
    return ledger_.advance_closings(bus, at);
  }
  int advance_conversions(const std::string& bus, TimePoint at) override {
    return ledger_.advance_conversions(bus, at);
  }
  std::vector<std::string> verify_ledger() const override { return ledger_.verify_ledger(); }

  // ---- SiteAdmin ----
  void register_meters(const std::vector<domain::MeterId>& ids, const std::string& model,
                       bool metering_only) override {
    return admin_.register_meters(ids, model, metering_only);
  }
  int set_billing_mode(const std::vector<domain::MeterId>& ids, domain::BillingMode mode,
                       const std::string& operator_id, TimePoint at) override {
    return admin_.set_billing_mode(ids, mode, operator_id, at);
  }
  domain::Result<ImportSummary> import_site(const domain::SiteModel& model,
                                            const std::string& operator_id, TimePoint at) override {
    return admin_.import_site(model, operator_id, at);
  }
  domain::SiteSettings site_settings() const override { return admin_.site_settings(); }
  domain::Result<ReplaceMeterResult> replace_meter(const ReplaceMeterRequest& req) override {
    return admin_.replace_meter(req);
  }
  domain::Result<MoveMeterResult> move_meter(const MoveMeterRequest& req) override {
    return admin_.move_meter(req);
  }
  domain::Result<CompleteSwapResult> complete_swap(const CompleteSwapRequest& req) override {
    return admin_.complete_swap(req);
  }
  domain::Result<BoxIdentityRecord> confirm_box(const std::string& bus, int address,
                                                const std::string& operator_id,
                                                TimePoint at) override {
    return admin_.confirm_box(bus, address, operator_id, at);
  }

  // ---- Tariffs ----
  domain::Result<void> add_tariff(const TariffRequest& req) override {
    return tariffs_.add_tariff(req);
  }
  domain::Result<void> assign_tariff(const TariffAssignRequest& req) override {
    return tariffs_.assign_tariff(req);
  }
  std::vector<TariffRecord> tariffs() const override { return tariffs_.tariffs(); }
  std::optional<domain::TierState> tier_state(const std::string& account) const override {
    return tariffs_.tier_state(account);
  }

  // ---- Queries ----
  std::optional<MeterRecord> meter(const domain::MeterId& id) const override {
    return queries_.meter(id);
  }
  std::optional<AccountRecord> account(const std::string& id) const override {
    return queries_.account(id);
  }
  std::optional<MeterPlacement> meter_placement(const domain::MeterId& id) const override {
    return queries_.meter_placement(id);
  }
  std::optional<std::int64_t> account_balance_fen(const std::string& account) const override {
    return queries_.account_balance_fen(account);
  }
  std::vector<LedgerRecord> ledger(const std::optional<std::string>& account) const override {
    return queries_.ledger(account);
  }
  std::optional<LedgerRecord> ledger_entry(std::int64_t seq) const override {
    return queries_.ledger_entry(seq);
  }
  std::vector<EventRecord> events(const std::optional<domain::MeterId>& meter) const override {
    return queries_.events(meter);
  }
  std::optional<std::string> meter_serial(const domain::MeterId& id) const override {
    return queries_.meter_serial(id);
  }
  std::vector<CommandRecord> account_debits(const std::string& account) const override {
    return queries_.account_debits(account);
  }
  std::vector<CommandRecord> meter_commands(const domain::MeterId& id, int limit) const override {
    return queries_.meter_commands(id, limit);
  }
  std::optional<CommandRecord> command(std::int64_t id) const override {
    return queries_.command(id);
  }
  CommandCounts command_counts(const std::string& bus) const override {
    return queries_.command_counts(bus);
  }
  std::vector<domain::BoardRow> status_board() const override { return queries_.status_board(); }
  std::optional<ClosingRecord> account_closing(const std::string& account) const override {
    return queries_.account_closing(account);
  }
  std::optional<ConversionRecord> meter_conversion(const domain::MeterId& meter) const override {
    return queries_.meter_conversion(meter);
  }
  std::optional<BoxIdentityRecord> box_identity(const std::string& bus,
                                                int address) const override {
    return queries_.box_identity(bus, address);
  }

  // ---- Operators: the role doubles' stores know no operator (the operators' tests use the
  // SQLite store) ----
  domain::Result<void> add_operator(const OperatorRecord& op, const std::string&,
                                    TimePoint) override {
    return domain::Error{domain::ErrorKind::kRefused, "no operators in a role double: " + op.id};
  }
  std::optional<OperatorRecord> operator_record(const std::string&) const override {
    return std::nullopt;
  }
  std::vector<OperatorRecord> operators() const override { return {}; }
  domain::Result<void> set_password_hash(const std::string& id, const std::string&,
                                         const std::string&, TimePoint) override {
    return domain::Error{domain::ErrorKind::kNotFound, "no operator " + id};
  }
  domain::Result<void> disable_operator(const std::string& id, const std::string&,
                                        TimePoint) override {
    return domain::Error{domain::ErrorKind::kNotFound, "no operator " + id};
  }
  void record_login(const std::string&, const std::optional<domain::LoginDecision>&,
                    TimePoint) override {}
  domain::Result<void> set_role(const std::string& id, domain::Role, const std::string&,
                                TimePoint) override {
    return domain::Error{domain::ErrorKind::kNotFound, "no operator " + id};
  }
  void add_session(const SessionRecord&) override {}
  std::optional<SessionRecord> session(const std::string&) const override { return std::nullopt; }
  void touch_session(const std::string&, TimePoint) override {}
  void end_session(const std::string&, TimePoint) override {}
  void record_session_refused(const SessionRecord&, domain::SessionState, TimePoint) override {}

  // ---- TenantAccess: none kept (the tenants' tests use the SQLite store) ----
  domain::Result<void> set_tenant_password(const std::string& account, const std::string&,
                                           const std::string&, TimePoint) override {
    return domain::Error{domain::ErrorKind::kRefused, "no tenants in a role double: " + account};
  }
  std::optional<TenantCredential> tenant_credential(const std::string&) const override {
    return std::nullopt;
  }
  void record_tenant_login(const std::string&, const std::optional<domain::LoginDecision>&,
                           TimePoint) override {}
  void add_tenant_session(const TenantSessionRecord&) override {}
  std::optional<TenantSessionRecord> tenant_session(const std::string&) const override {
    return std::nullopt;
  }
  void touch_tenant_session(const std::string&, TimePoint) override {}
  void end_tenant_session(const std::string&, TimePoint) override {}

  // ---- SystemLog: the role doubles keep the rows they are given, unchained (the chain's tests
  // use the SQLite store) ----
  void record(const LogEvent& e, TimePoint at) override {
    LogRow row;
    row.id = static_cast<std::int64_t>(log_.size()) + 1;
    row.at = at;
    row.operator_id = e.operator_id;
    row.action = e.action;
    row.target = e.target;
    row.outcome = e.outcome;
    row.details = e.details;
    log_.push_back(row);
  }
  std::vector<LogRow> log(const LogFilter&) const override { return log_; }
  LogCheck verify_log(const std::optional<ChainHead>&) const override {
    LogCheck c;
    c.rows = static_cast<std::int64_t>(log_.size());
    return c;
  }
  ChainHead log_head() const override { return {}; }

  // ---- Reports: the role doubles keep no roll-ups (the reports' tests use the SQLite store) ----
  RollupSummary roll_up(std::chrono::minutes) override { return {}; }
  RollupSummary rebuild_rollups(const std::string&, std::chrono::minutes, TimePoint) override {
    return {};
  }
  std::vector<domain::MeterDay> meter_days(const std::string&, const std::string&) const override {
    return {};
  }
  std::vector<domain::MoneyMove> money_moves(TimePoint, TimePoint) const override { return {}; }
  std::map<std::string, std::int64_t> meter_energies() const override { return {}; }
  // ---- Alarms: none kept (the alarms' tests use the SQLite store) ----
  std::vector<AlarmRecord> alarms(const AlarmFilter&) const override { return {}; }
  domain::Result<AlarmRecord> ack_alarm(std::int64_t id, const std::string&, TimePoint) override {
    return domain::Error{domain::ErrorKind::kNotFound, "no alarm " + std::to_string(id)};
  }
  // ---- CommandBatches: none kept (the batches' tests use the SQLite store) ----
  domain::Result<BatchOutcome> enqueue_batch(const BatchRequest&) override {
    return domain::Error{domain::ErrorKind::kInvalid, "the role doubles keep no batches"};
  }
  std::optional<BatchRecord> command_batch(std::int64_t) const override { return std::nullopt; }
  std::vector<BatchRecord> command_batches(std::size_t) const override { return {}; }
  // ---- Notifications: none kept (the notifications' tests use the SQLite store) ----
  std::vector<domain::NoticeEvent> notice_events(std::size_t) const override { return {}; }
  void write_notices(const std::vector<std::int64_t>&, const std::vector<NoticeWrite>&,
                     TimePoint) override {}
  std::vector<NoticeRecord> due_notices(TimePoint, std::size_t) const override { return {}; }
  std::optional<TimePoint> next_notice_due() const override { return std::nullopt; }
  int sent_to(const std::string&, TimePoint, TimePoint) const override { return 0; }
  void notice_sent(std::int64_t, TimePoint, int) override {}
  void notice_later(std::int64_t, TimePoint, int, const std::string&) override {}
  void notice_closed(std::int64_t, domain::NoticeState, const std::string&, TimePoint) override {}
  std::vector<NoticeRecord> notices(const NoticeFilter&) const override { return {}; }

 private:
  Outbox& outbox_;
  PollSink& sink_;
  ReadRequests& reads_;
  Ledger& ledger_;
  SiteAdmin& admin_;
  Tariffs& tariffs_;
  Queries& queries_;
  int checkpoints_ = 0;
  std::vector<LogRow> log_;
};

}  // namespace phil::store::test
