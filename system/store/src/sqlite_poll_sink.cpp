// The PollSink role of the SQLite store (see sqlite_store.hpp): what the bus workers record of a
// poll cycle (readings, failed cycles; charged by sqlite_billing.cpp), serial numbers, events
// and the boxes' supervision state.

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sqlite_billing.hpp"
#include "sqlite_box_identity.hpp"
#include "sqlite_prices.hpp"
#include "sqlite_settings.hpp"
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
  if (!readings.empty() && !rules.metering_only) {
    // Before the readings move each meter's read_at: a tariff change that took effect since
    // then queues its download (sqlite_prices.cpp).
    std::vector<MeterId> answered;
    answered.reserve(readings.size());
    for (const auto& r : readings)
      answered.push_back(r.first);
    prices::poll_crossings(db, answered, at);
  }
  const auto read = billing::write_cycle(db, readings, failed, at, rules);
  billing::check_balances(db, read, at);  // sqlite_balance_check.cpp
  if (!readings.empty() && rules.settings_at_first_contact && !rules.metering_only) {
    std::vector<MeterId> answered;
    answered.reserve(readings.size());
    for (const auto& r : readings)
      answered.push_back(r.first);
    settings::first_contact(db, answered, at);  // sqlite_settings.cpp
  }
  tx.commit();
}

/// BoxSupervision's circuit sets and maps as stored: "1,3" and "1:forced_off,3:keep_power".
std::string circuit_list(const std::set<int>& circuits) {
  std::string out;
  for (const int c : circuits)
    out += (out.empty() ? "" : ",") + std::to_string(c);
  return out;
}

std::string mode_list(const std::map<int, domain::MeterMode>& modes) {
  std::string out;
  for (const auto& [c, m] : modes)
    out += (out.empty() ? "" : ",") + std::to_string(c) + ":" + std::string(domain::to_string(m));
  return out;
}

/// Calls item(text) for each comma-separated item of `list`.
template <typename F>
void each_item(std::string_view list, F item) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    item(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
}

int parse_circuit(const Db& db, std::string_view text) {
  int c = 0;
  const auto* end = text.data() + text.size();
  if (std::from_chars(text.data(), end, c).ptr != end || c < 1) {
    throw StoreError("database " + db.path() + ": malformed circuit \"" + std::string(text) +
                     "\" in box_supervision; the database was changed by hand");
  }
  return c;
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

void SqliteStore::record_states(const std::vector<std::pair<MeterId, domain::StateReading>>& states,
                                TimePoint at, const BillingRules& rules) {
  Transaction tx(db_);
  billing::write_states(db_, states, at, rules);
  tx.commit();
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
    if (old) {
      settings::forget_on_meter(db_, id);    // a new device: its thresholds are not known
      identity::swap_detected(db_, id, at);  // before the meter's balance is the new device's
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

void SqliteStore::save_box_supervision(const std::string& bus, int address,
                                       const BoxSupervision& state) {
  Transaction tx(db_);
  auto s = db_.prepare(
      "INSERT INTO box_supervision (bus, address, silent_runs, hold_until, clock_drifting, "
      "relay_mismatch, commanded) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
      "ON CONFLICT (bus, address) DO UPDATE SET silent_runs = excluded.silent_runs, "
      "hold_until = excluded.hold_until, clock_drifting = excluded.clock_drifting, "
      "relay_mismatch = excluded.relay_mismatch, commanded = excluded.commanded");
  s->bind(1, bus).bind(2, address).bind(3, std::max(0, state.silent_runs));
  if (state.hold_until) {
    s->bind(4, sqlite::to_ms(*state.hold_until));
  } else {
    s->bind_null(4);
  }
  s->bind(5, state.clock_drifting ? 1 : 0).bind(6, circuit_list(state.relay_mismatch));
  s->bind(7, mode_list(state.commanded));
  s->run();
  tx.commit();
}

BoxSupervision SqliteStore::box_supervision(const std::string& bus, int address) {
  auto s = db_.prepare(
      "SELECT silent_runs, hold_until, clock_drifting, relay_mismatch, commanded "
      "FROM box_supervision WHERE bus = ?1 AND address = ?2");
  s->bind(1, bus).bind(2, address);
  BoxSupervision out;
  if (!s->step()) return out;
  out.silent_runs = s->integer(0);
  if (auto h = s->opt_int64(1)) out.hold_until = sqlite::from_ms(*h);
  out.clock_drifting = s->int64(2) != 0;
  each_item(s->text(3),
            [&](std::string_view c) { out.relay_mismatch.insert(parse_circuit(db_, c)); });
  each_item(s->text(4), [&](std::string_view item) {
    const auto colon = item.find(':');
    const auto mode = colon == std::string_view::npos
                          ? std::nullopt
                          : domain::parse_meter_mode(item.substr(colon + 1));
    if (!mode) {
      throw StoreError("database " + db_.path() + ": malformed mode \"" + std::string(item) +
                       "\" in box_supervision; the database was changed by hand");
    }
    out.commanded[parse_circuit(db_, item.substr(0, colon))] = *mode;
  });
  return out;
}

}  // namespace phil::store
