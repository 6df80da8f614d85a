#pragma once
// The site model and meter administration of the SQLite store: site import, meter replacement
// and moves, account and meter look-ups, and the meter-side balance check run with each batch of
// readings. SqliteStore forwards to Admin; Admin writes the ledger, audit, events and outbox
// by the shared writers of sqlite_writers.hpp, so every money movement takes the same code path.
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

class Admin {
 public:
  explicit Admin(sqlite::Db& db) : db_(db) {}

  domain::Result<ImportSummary> import_site(const domain::SiteModel& model,
                                            const std::string& operator_id, TimePoint at);
  domain::SiteSettings site_settings() const;
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
};

}  // namespace phil::store::admin
