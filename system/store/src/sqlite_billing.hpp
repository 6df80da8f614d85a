#pragma once
// The polling and charging path of the SQLite store (PollSink::record_readings,
// record_failed_cycle, record_cycle: sqlite_poll_sink.cpp calls these), and the stored tariffs it
// prices by (read here and by the Tariffs role, sqlite_tariffs.cpp).
//
// A poll cycle is written in bulk: the state of every meter of the batch is loaded by one query,
// charges are computed in memory (domain::plan_charge, or domain::plan_tariff_charge with the
// meter's stored tariffs as assigned over the reading interval, and its account's tier position),
// and reading rows, ledger entries, account balances and tier positions, and meter rows are
// written by multi-row statements (prepared once, cached by the connection).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <phil/store/store.hpp>

#include "sqlite.hpp"

namespace phil::store::billing {

using Readings = std::vector<std::pair<domain::MeterId, domain::MeterReading>>;

/// An account read whole in a poll cycle, as the meter-side balance check needs it.
struct AccountBalance {
  std::string account;
  std::string first_meter;      ///< the smallest id of its meters (the event is written on it)
  std::int64_t ledger_fen = 0;  ///< its kept balance after this cycle's charges
  std::optional<std::int64_t> baseline_fen;  ///< accounts.balance_offset_fen
  std::optional<std::int64_t> previous_fen;  ///< accounts.mismatch_fen
  std::int64_t meters_fen = 0;               ///< the sum of the balances its meters reported
};

/// The accounts a poll cycle read, for the meter-side balance check.
struct CycleAccounts {
  /// Every meter of the account was read meter-side in this cycle: checked from these figures.
  std::vector<AccountBalance> balances;
  /// A meter of the account is not in this cycle (another bus, or a cycle of its own): checked by
  /// a query, which sees the other meters' stored state.
  std::vector<std::string> elsewhere;
};

/// Stores a poll cycle inside the caller's transaction (see Store::record_cycle): each meter's
/// last reading of the batch is a reading row; every reading is charged in order.
CycleAccounts write_cycle(sqlite::Db& db, const Readings& readings,
                          const std::vector<domain::MeterId>& failed, TimePoint at,
                          const BillingRules& rules);

using States = std::vector<std::pair<domain::MeterId, domain::StateReading>>;

/// Stores a status scan inside the caller's transaction (see PollSink::record_states).
void write_states(sqlite::Db& db, const States& states, TimePoint at, const BillingRules& rules);

/// The meter-side balance check of each account `cycle` read (sqlite_balance_check.cpp), inside
/// the poll cycle's transaction after write_cycle.
void check_balances(sqlite::Db& db, const CycleAccounts& cycle, TimePoint at);

struct StoredTariff {
  std::int64_t id = 0;
  std::string name;
  domain::TariffSchedule schedule;
};

/// Every stored tariff by id, checked (a stored tariff that fails domain::check_schedule was
/// changed by hand: StoreError). Defined in sqlite_tariffs.cpp.
std::map<std::int64_t, StoredTariff> load_tariffs(sqlite::Db& db);

}  // namespace phil::store::billing
