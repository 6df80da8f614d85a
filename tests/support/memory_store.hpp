#pragma once
// In-memory fakes of the store's roles, for service tests that must not need SQLite: the roles a
// bus worker uses (Outbox, PollSink, ReadRequests, Queries) as the SQLite store keeps them, by the
// same domain rules (outbox heads and supersede, charge plan, status), and the part of Ledger and
// SiteAdmin a System uses (open_account, sale, verify_ledger; register_meters, set_billing_mode).
//
// What they do not model, and refuse with an error saying so: tariffs (charges use the poll's
// BillingRules::price; pass a Tariffs double), refunds, reversals, closing accounts, site import,
// meter replacement and moves (use the SQLite store or a mock of the role). No transactions: each
// call is atomic under one mutex, which is what the System's threads need.
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <phil/store/store.hpp>

#include "support/store_doubles.hpp"

namespace phil::store::test {

/// The data every fake role of one "database" shares.
struct MemoryData {
  struct Account {
    std::string tenant;
    TenantContact contact;
    TimePoint opened_at{};
    std::optional<TimePoint> closed_at;
    std::int64_t balance_fen = 0;
    std::vector<domain::MeterId> meters;
  };
  struct Meter {
    MeterRecord record;
    std::optional<std::string> serial;
  };

  mutable std::recursive_mutex mutex;
  domain::SiteSettings settings;
  std::map<domain::MeterId, Meter> meters;
  std::map<std::string, Account> accounts;
  std::vector<LedgerRecord> ledger;
  std::vector<CommandRecord> commands;  ///< id = index + 1
  std::vector<EventRecord> events;
  std::vector<domain::AlarmSeen> alarms_seen;    ///< every alarm observation, in order
  std::vector<ReadRequests::ReadRequest> reads;  ///< id = index + 1
  std::vector<std::string> audit;                ///< "operator action details"
  std::map<std::pair<std::string, int>, BoxSupervision> boxes;  ///< by (bus, address)

  Meter* meter(const domain::MeterId& id);
  CommandRecord* command(std::int64_t id);
  std::int64_t append_ledger(const std::string& account, domain::EntryKind kind,
                             const std::optional<domain::MeterId>& meter, std::int64_t amount_fen,
                             const std::string& operator_id, TimePoint at);
  std::int64_t insert_command(const domain::MeterId& target, const domain::CommandPayload& params,
                              TimePoint at);
  void add_event(const std::optional<domain::MeterId>& meter, const std::string& kind,
                 const std::string& details, TimePoint at);
};

class MemoryOutbox final : public Outbox {
 public:
  explicit MemoryOutbox(MemoryData& d) : d_(d) {}
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

 private:
  MemoryData& d_;
};

class MemoryPollSink final : public PollSink {
 public:
  explicit MemoryPollSink(MemoryData& d) : d_(d) {}
  void record_readings(
      const std::vector<std::pair<domain::MeterId, domain::MeterReading>>& readings, TimePoint at,
      const BillingRules& rules) override;
  void record_failed_cycle(const std::vector<domain::MeterId>& ids, TimePoint at,
                           const BillingRules& rules) override;
  void record_cycle(const CycleBatch& cycle, TimePoint at, const BillingRules& rules) override;
  void record_states(const std::vector<std::pair<domain::MeterId, domain::StateReading>>& states,
                     TimePoint at, const BillingRules& rules) override;
  void add_event(const std::optional<domain::MeterId>& meter, const std::string& kind,
                 const std::string& details, TimePoint at) override;
  /// Alarms are not modelled here (the alarms' tests use the SQLite store): kept as seen.
  void observe_alarms(const std::vector<domain::AlarmSeen>& seen, TimePoint at) override;
  std::vector<domain::MeterId> record_serials(
      const std::vector<std::pair<domain::MeterId, std::string>>& serials, TimePoint at) override;
  void save_box_supervision(const std::string& bus, int address,
                            const BoxSupervision& state) override;
  BoxSupervision box_supervision(const std::string& bus, int address) override;
  /// Box identity is not modelled: never due, so never read or stopped.
  bool box_identity_due(const std::string& bus, int address) override;
  std::optional<std::string> record_box_identity(const std::string& bus, int address,
                                                 const domain::ExpectedBox& expected,
                                                 const domain::BoxIdentity& read,
                                                 TimePoint at) override;

 private:
  MemoryData& d_;
};

class MemoryReadRequests final : public ReadRequests {
 public:
  explicit MemoryReadRequests(MemoryData& d) : d_(d) {}
  std::int64_t request_read(const std::string& target, const std::string& operator_id,
                            TimePoint at) override;
  std::vector<ReadRequest> pending_read_requests(const std::string& bus) const override;
  void finish_read_request(std::int64_t id, bool ok, const std::string& result,
                           TimePoint at) override;
  std::optional<ReadRequest> read_request(std::int64_t id) const override;

 private:
  MemoryData& d_;
};

class MemoryQueries final : public Queries {
 public:
  explicit MemoryQueries(MemoryData& d) : d_(d) {}
  std::optional<MeterRecord> meter(const domain::MeterId& id) const override;
  std::optional<AccountRecord> account(const std::string& id) const override;
  std::optional<MeterPlacement> meter_placement(const domain::MeterId& id) const override;
  std::optional<std::int64_t> account_balance_fen(const std::string& account) const override;
  std::vector<LedgerRecord> ledger(const std::optional<std::string>& account) const override;
  std::optional<LedgerRecord> ledger_entry(std::int64_t seq) const override;
  std::vector<EventRecord> events(const std::optional<domain::MeterId>& meter) const override;
  std::optional<std::string> meter_serial(const domain::MeterId& id) const override;
  std::vector<CommandRecord> meter_commands(const domain::MeterId& id, int limit) const override;
  std::vector<CommandRecord> account_debits(const std::string& account) const override;
  std::optional<CommandRecord> command(std::int64_t id) const override;
  CommandCounts command_counts(const std::string& bus) const override;
  std::vector<domain::BoardRow> status_board() const override;
  std::optional<ClosingRecord> account_closing(const std::string& account) const override;
  std::optional<ConversionRecord> meter_conversion(const domain::MeterId& meter) const override;
  std::optional<BoxIdentityRecord> box_identity(const std::string& bus, int address) const override;

 private:
  MemoryData& d_;
};

/// open_account, sale and verify_ledger; refund, reversal and close_account are refused (not
/// modelled), so nothing is ever closing (advance_closings does nothing); nor is converting.
class MemoryLedger final : public Ledger {
 public:
  explicit MemoryLedger(MemoryData& d) : d_(d) {}
  domain::Result<void> open_account(const OpenAccountRequest& req) override;
  domain::Result<void> open_account(const OpenAccountRequest& req,
                                    const TenantContact& contact) override;
  domain::Result<std::int64_t> sale(const SaleRequest& req) override;
  domain::Result<MoneyBack> refund(const RefundRequest& req) override;
  domain::Result<MoneyBack> reversal(const ReversalRequest& req) override;
  domain::Result<CloseAccountResult> close_account(const CloseAccountRequest& req) override;
  int advance_closings(const std::string& bus, TimePoint at) override;
  int advance_conversions(const std::string& bus, TimePoint at) override;
  std::vector<std::string> verify_ledger() const override;

 private:
  MemoryData& d_;
};

/// register_meters, set_billing_mode and site_settings; site import, meter replacement and moves,
/// completing a swap and confirming a box are refused (not modelled).
class MemorySiteAdmin final : public SiteAdmin {
 public:
  explicit MemorySiteAdmin(MemoryData& d) : d_(d) {}
  void register_meters(const std::vector<domain::MeterId>& ids, const std::string& model,
                       bool metering_only) override;
  int set_billing_mode(const std::vector<domain::MeterId>& ids, domain::BillingMode mode,
                       const std::string& operator_id, TimePoint at) override;
  domain::Result<ImportSummary> import_site(const domain::SiteModel& model,
                                            const std::string& operator_id, TimePoint at) override;
  domain::SiteSettings site_settings() const override;
  domain::Result<ReplaceMeterResult> replace_meter(const ReplaceMeterRequest& req) override;
  domain::Result<MoveMeterResult> move_meter(const MoveMeterRequest& req) override;
  domain::Result<CompleteSwapResult> complete_swap(const CompleteSwapRequest& req) override;
  domain::Result<BoxIdentityRecord> confirm_box(const std::string& bus, int address,
                                                const std::string& operator_id,
                                                TimePoint at) override;

 private:
  MemoryData& d_;
};

/// One in-memory "database" with a fake of every role it models, and `tariffs` (a double the
/// test owns) for the Tariffs role. factory() opens "connections" to it: RoleStores over the same
/// data, as a SQLite factory opens connections to one file.
class MemoryStore {
 public:
  explicit MemoryStore(Tariffs& tariffs) : tariffs_(tariffs) {}

  /// The roles, with any of them replaced by the caller's double.
  RoleStore::Roles roles() { return {outbox, sink, reads, ledger, admin, tariffs_, queries}; }
  /// Connections to this data; counts them (by checkpoint mode) in `opened`.
  StoreFactory factory();

  MemoryData data;
  MemoryOutbox outbox{data};
  MemoryPollSink sink{data};
  MemoryReadRequests reads{data};
  MemoryLedger ledger{data};
  MemorySiteAdmin admin{data};
  MemoryQueries queries{data};
  std::map<Checkpoints, int> opened;

 private:
  Tariffs& tariffs_;
};

}  // namespace phil::store::test
