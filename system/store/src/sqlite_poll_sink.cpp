// The PollSink role of the SQLite store (see sqlite_store.hpp): what the bus workers record of a
// poll cycle (readings, failed cycles; charged by sqlite_billing.cpp), serial numbers and events.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sqlite_billing.hpp"
#include "sqlite_store.hpp"
#include "sqlite_writers.hpp"

namespace phil::store {

namespace {

using domain::MeterId;
using sqlite::Db;
using sqlite::Transaction;

/// The polling path, one transaction: the batch written in bulk (sqlite_billing.cpp), then the
/// meter-side balance check.
void store_cycle(Db& db, const billing::Readings& readings, const std::vector<MeterId>& failed,
                 TimePoint at, const BillingRules& rules) {
  Transaction tx(db);
  const auto read = billing::write_cycle(db, readings, failed, at, rules);
  billing::check_balances(db, read, at);  // sqlite_balance_check.cpp
  tx.commit();
}

}  // namespace

void SqliteStore::record_readings(
    const std::vector<std::pair<MeterId, domain::MeterReading>>& readings, TimePoint at,
    const BillingRules& rules) {
  store_cycle(db_, readings, {}, at, rules);
}

void SqliteStore::record_failed_cycle(const std::vector<MeterId>& ids, TimePoint at,
                                      const BillingRules& rules) {
  store_cycle(db_, {}, ids, at, rules);
}

void SqliteStore::record_cycle(const CycleBatch& cycle, TimePoint at, const BillingRules& rules) {
  store_cycle(db_, cycle.readings, cycle.failed, at, rules);
}

void SqliteStore::add_event(const std::optional<MeterId>& meter_id, const std::string& kind,
                            const std::string& details, TimePoint at) {
  rows::write_event(db_, meter_id, kind, details, at);
}

std::vector<MeterId> SqliteStore::record_serials(
    const std::vector<std::pair<MeterId, std::string>>& serials, TimePoint at) {
  Transaction tx(db_);
  std::vector<MeterId> replaced;
  for (const auto& [id, serial] : serials) {
    const auto old = meter_serial(id);
    if (old && *old == serial) continue;
    if (old) {
      replaced.push_back(id);
      rows::write_event(
          db_, id, "meter_replaced",
          "serial changed from " + *old + " to " + serial +
              "; billing re-based on the new meter's first reading (its counters are not "
              "charged); check the balance on the new meter",
          at);
    }
    auto s =
        db_.prepare(old ? "UPDATE meters SET serial = ?2, billed_energy_wh = NULL WHERE id = ?1"
                        : "UPDATE meters SET serial = ?2 WHERE id = ?1");
    s->bind(1, id.to_string()).bind(2, serial);
    s->run();
  }
  tx.commit();
  return replaced;
}

}  // namespace phil::store
