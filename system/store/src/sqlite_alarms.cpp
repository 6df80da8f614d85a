// The Alarms role of the SQLite store (see sqlite_store.hpp) and the one raise/clear path every
// writer of alarms takes (sqlite_alarms.hpp).
#include "sqlite_alarms.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "sqlite_store.hpp"
#include "sqlite_writers.hpp"

namespace phil::store {

namespace {

using domain::AlarmKey;
using domain::AlarmTarget;
using sqlite::Db;
using sqlite::Stmt;

constexpr const char* kColumns =
    "id, kind, bus, box, circuit, account, raised_at, cleared_at, details, acknowledged_by, "
    "acknowledged_at";

std::optional<int> opt_int(const Stmt& s, int col) {
  if (const auto v = s.opt_int64(col)) return static_cast<int>(*v);
  return std::nullopt;
}

AlarmRecord alarm_row(const Db& db, const Stmt& s) {
  AlarmRecord r;
  r.id = s.int64(0);
  const auto kind = domain::parse_alarm_kind(s.text(1));
  if (!kind) {
    throw StoreError("database " + db.path() + ": unknown alarm kind \"" + s.text(1) +
                     "\" in alarm " + std::to_string(r.id) + "; the database was changed by hand");
  }
  r.key = {*kind, AlarmTarget{s.text(2), opt_int(s, 3), opt_int(s, 4), s.text(5)}};
  r.raised_at = sqlite::from_ms(s.int64(6));
  if (const auto c = s.opt_int64(7)) r.cleared_at = sqlite::from_ms(*c);
  r.details = s.text(8);
  r.acknowledged_by = s.opt_text(9);
  if (const auto a = s.opt_int64(10)) r.acknowledged_at = sqlite::from_ms(*a);
  return r;
}

/// Binds a key's kind and target to ?first..?first+4.
void bind_key(Stmt& s, int first, const AlarmKey& key) {
  s.bind(first, domain::to_string(key.kind)).bind(first + 1, key.target.bus);
  rows::bind_opt(s, first + 2, key.target.box);
  rows::bind_opt(s, first + 3, key.target.circuit);
  s.bind(first + 4, key.target.account);
}

std::optional<AlarmRecord> find_alarm(Db& db, std::int64_t id) {
  auto s = db.prepare(std::string("SELECT ") + kColumns + " FROM alarms WHERE id = ?1");
  s->bind(1, id);
  if (!s->step()) return std::nullopt;
  return alarm_row(db, *s);
}

}  // namespace

alarms::Observation::Observation(Db& db) : db_(db) {
  // The open alarms are few (the partial index alarms_open holds only them): one scan of them
  // all, whatever the size of the observation.
  auto find = db.prepare(
      "SELECT id, kind, bus, box, circuit, account FROM alarms WHERE cleared_at IS NULL");
  while (find->step()) {
    const auto kind = domain::parse_alarm_kind(find->text(1));
    if (!kind) continue;  // a kind this build does not know is never observed
    AlarmKey key{*kind,
                 AlarmTarget{find->text(2), opt_int(*find, 3), opt_int(*find, 4), find->text(5)}};
    open_keys_.insert(key);
    open_.push_back({find->int64(0), std::move(key)});
  }
}

void alarms::Observation::add(domain::AlarmSeen seen) {
  if (seen.holds || open_keys_.contains(seen.key)) kept_.push_back(std::move(seen));
}

void alarms::observe(Db& db, const std::vector<domain::AlarmSeen>& seen, TimePoint at) {
  if (seen.empty()) return;
  Observation o(db);
  for (const auto& s : seen)
    o.add(s);
  o.apply(at);
}

void alarms::Observation::apply(TimePoint at) {
  if (kept_.empty()) return;
  auto& db = db_;
  const auto changes = domain::alarm_changes(open_, kept_);
  const auto at_ms = sqlite::to_ms(at);
  if (!changes.raise.empty()) {
    auto insert = db.prepare(
        "INSERT INTO alarms (kind, bus, box, circuit, account, raised_at, details) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    for (const auto& r : changes.raise) {
      insert->reset();
      bind_key(*insert, 1, r.key);
      const auto details = nlohmann::json::parse(r.details, nullptr, false);
      insert->bind(6, at_ms).bind(
          7,
          rows::json_details(details.is_object() ? details : nlohmann::json{{"text", r.details}}));
      insert->run();
    }
  }
  if (!changes.clear.empty()) {
    auto clear = db.prepare("UPDATE alarms SET cleared_at = max(?2, raised_at) WHERE id = ?1");
    for (const auto id : changes.clear) {
      clear->reset();
      clear->bind(1, id).bind(2, at_ms);
      clear->run();
    }
  }
}

void SqliteStore::observe_alarms(const std::vector<domain::AlarmSeen>& seen, TimePoint at) {
  if (seen.empty()) return;
  sqlite::Transaction tx(db_);
  alarms::observe(db_, seen, at);
  tx.commit();
}

std::vector<AlarmRecord> SqliteStore::alarms(const AlarmFilter& f) const {
  std::string sql = std::string("SELECT ") + kColumns + " FROM alarms WHERE 1";
  if (f.active_only) sql += " AND cleared_at IS NULL";
  if (f.from) sql += " AND (cleared_at IS NULL OR cleared_at >= ?1)";
  if (f.to) sql += " AND raised_at < ?2";
  if (f.kind) sql += " AND kind = ?3";
  if (f.bus) sql += " AND bus = ?4";
  if (f.box) sql += " AND box = ?5";
  if (f.circuit) sql += " AND circuit = ?6";
  if (f.account) sql += " AND account = ?7";
  if (f.id) sql += " AND id = ?9";
  sql += " ORDER BY raised_at DESC, id DESC LIMIT ?8";
  auto s = db_.prepare(sql);
  if (f.from) s->bind(1, sqlite::to_ms(*f.from));
  if (f.to) s->bind(2, sqlite::to_ms(*f.to));
  if (f.kind) s->bind(3, domain::to_string(*f.kind));
  if (f.bus) s->bind(4, *f.bus);
  if (f.box) s->bind(5, *f.box);
  if (f.circuit) s->bind(6, *f.circuit);
  if (f.account) s->bind(7, *f.account);
  s->bind(8, f.limit);
  if (f.id) s->bind(9, *f.id);
  std::vector<AlarmRecord> out;
  while (s->step())
    out.push_back(alarm_row(db_, *s));
  std::reverse(out.begin(), out.end());
  return out;
}

domain::Result<AlarmRecord> SqliteStore::ack_alarm(std::int64_t id, const std::string& operator_id,
                                                   TimePoint at) {
  sqlite::Transaction tx(db_);
  auto alarm = find_alarm(db_, id);
  if (!alarm) {
    return rows::not_found("no alarm " + std::to_string(id) +
                           "; see the ids with prepaidctl alarm list");
  }
  if (alarm->acknowledged_by) {
    return rows::refused("alarm " + std::to_string(id) + " was acknowledged already by " +
                         *alarm->acknowledged_by + "; nothing changed");
  }
  auto s =
      db_.prepare("UPDATE alarms SET acknowledged_by = ?2, acknowledged_at = ?3 WHERE id = ?1");
  s->bind(1, id).bind(2, operator_id).bind(3, sqlite::to_ms(at));
  s->run();
  rows::write_audit(db_,
                    {operator_id, "ack_alarm", std::to_string(id),
                     nlohmann::json{{"kind", domain::to_string(alarm->key.kind)},
                                    {"target", alarm->key.target.to_string()}}},
                    at);
  tx.commit();
  alarm->acknowledged_by = operator_id;
  alarm->acknowledged_at = at;
  return *alarm;
}

}  // namespace phil::store
