#pragma once
// The polling and charging path of the SQLite store (record_readings, record_failed_cycle,
// record_cycle) and its stored tariffs. SqliteStore forwards to these.
//
// A poll cycle is written in bulk: the state of every meter of the batch is loaded by one query,
// charges are computed in memory (domain::plan_charge, or domain::plan_tariff_charge with the
// meter's stored tariff), and reading rows, ledger entries, account balances and meter rows are
// written by multi-row statements (prepared once, cached by the connection).
#include <utility>
#include <vector>

#include <phil/store/store.hpp>

#include "sqlite.hpp"

namespace phil::store::billing {

using Readings = std::vector<std::pair<domain::MeterId, domain::MeterReading>>;

/// Stores a poll cycle inside the caller's transaction (see Store::record_cycle).
void write_cycle(sqlite::Db& db, const Readings& readings,
                 const std::vector<domain::MeterId>& failed, TimePoint at,
                 const BillingRules& rules);

/// Store::add_tariff, Store::assign_tariff, Store::tariffs, Store::tier_state; the writers are one
/// transaction each.
domain::Result<void> add_tariff(sqlite::Db& db, const TariffRequest& req);
domain::Result<void> assign_tariff(sqlite::Db& db, const TariffAssignRequest& req);
std::vector<TariffRecord> tariffs(sqlite::Db& db);
std::optional<domain::TierState> tier_state(sqlite::Db& db, const domain::MeterId& id);

}  // namespace phil::store::billing
