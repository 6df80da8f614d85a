#pragma once
// The site model and meter administration of the SQLite store: site import, meter replacement
// and moves, account and meter look-ups, and the meter-side balance check run with each batch of
// readings. SqliteStore forwards to Admin; Admin writes the ledger, audit, events and outbox
// through the store's own writers (Writers), so every money movement takes the same code path.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <phil/store/store.hpp>

#include "sqlite.hpp"
#include "sqlite_billing.hpp"

namespace phil::store::admin {

/// The store's writers, called inside the caller's transaction.
class Writers {
 public:
  /// Appends a ledger entry and moves the account's kept balance; returns its seq.
  virtual std::int64_t append_entry(const std::string& account, domain::EntryKind kind,
                                    const std::optional<domain::MeterId>& meter,
                                    std::int64_t amount_fen, const std::string& operator_id,
                                    TimePoint at, std::optional<std::int64_t> ref_seq) = 0;
  /// Queues a credit of `amount_fen` to `meter` for the ledger entry `ledger_seq`; returns its id.
  virtual std::int64_t queue_credit(const domain::MeterId& meter, std::int64_t amount_fen,
                                    std::int64_t ledger_seq, TimePoint at) = 0;
  virtual void write_audit(const std::string& operator_id, const std::string& action,
                           const std::string& details, TimePoint at) = 0;
  virtual void write_event(const std::optional<domain::MeterId>& meter, const std::string& kind,
                           const std::string& details, TimePoint at) = 0;
  virtual std::optional<MeterRecord> find_meter(const domain::MeterId& id) const = 0;
  /// Store::open_account without its own transaction (its checks, audit row and first sale).
  virtual domain::Result<void> open_account_in(const OpenAccountRequest& req,
                                               const TenantContact& contact) = 0;

 protected:
  Writers() = default;
  ~Writers() = default;
  Writers(const Writers&) = default;
  Writers& operator=(const Writers&) = default;
};

class Admin {
 public:
  Admin(sqlite::Db& db, Writers& writers) : db_(db), w_(writers) {}

  domain::Result<ImportSummary> import_site(const domain::SiteModel& model,
                                            const std::string& operator_id, TimePoint at);
  domain::SiteSettings site_settings() const;
  /// Inside open_account's transaction: refuses a malformed phone or unknown room.
  domain::Result<void> check_contact(const TenantContact& contact) const;
  /// Inside open_account's transaction, after the account row is written.
  void write_contact(const std::string& account, const TenantContact& contact);
  domain::Result<ReplaceMeterResult> replace_meter(const ReplaceMeterRequest& req);
  domain::Result<MoveMeterResult> move_meter(const MoveMeterRequest& req);
  std::optional<AccountRecord> account(const std::string& id) const;
  std::optional<MeterPlacement> meter_placement(const domain::MeterId& id) const;

  /// Inside record_cycle's transaction, after the readings are stored and charged: the
  /// meter-side balance check of each account the cycle read (see the .cpp).
  void check_balances(const billing::CycleAccounts& cycle, TimePoint at);
  /// The transfer entries' pairing (domain::verify_transfers) and the credits they queued.
  std::vector<std::string> verify_transfers() const;

 private:
  /// The open command to `meter`, as "kind command id", if any.
  std::optional<std::string> open_command(const domain::MeterId& meter) const;
  std::optional<std::int64_t> open_balance(const std::string& account) const;
  void upsert(ImportSummary& sum, const char* insert_sql, const char* update_sql,
              const std::function<void(sqlite::Stmt&)>& bind);
  /// import_site's accounts, inside its transaction (rules: domain::AccountSpec).
  domain::Result<void> import_accounts(const domain::SiteModel& model,
                                       const std::string& operator_id, TimePoint at,
                                       ImportSummary& sum);

  sqlite::Db& db_;
  Writers& w_;
};

}  // namespace phil::store::admin
