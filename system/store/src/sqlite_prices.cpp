// Tariff = what the meter uses (see sqlite_prices.hpp). prices::hand_price is in
// sqlite_tariffs.cpp, beside the tariff writers it uses.
#include "sqlite_prices.hpp"

#include <chrono>
#include <utility>
#include <variant>

#include <phil/domain/settings.hpp>
#include <phil/store/common.hpp>

#include "sqlite_writers.hpp"

namespace phil::store::prices {

namespace {

using domain::MeterId;
using sqlite::Db;
using sqlite::from_ms;
using sqlite::json_array;
using sqlite::to_ms;

/// The newest command of `kind` for the target (meter, or box when `meter` is nullopt) in one of
/// `states` (an SQL list), decoded as T.
template <typename T>
std::optional<std::pair<std::int64_t, T>> newest(Db& db, const MeterId& target,
                                                 domain::CommandKind kind,
                                                 std::string_view states) {
  auto s = db.prepare(
      "SELECT id, payload FROM outbox WHERE bus = ?1 AND box = ?2 AND circuit = ?3 AND kind = ?4 "
      "AND state IN " +
      std::string(states) + " ORDER BY id DESC LIMIT 1");
  s->bind(1, target.bus).bind(2, target.box).bind(3, target.circuit);
  s->bind(4, domain::to_string(kind));
  if (!s->step()) return std::nullopt;
  const auto id = s->int64(0);
  auto p = domain::decode_payload(kind, s->text(1));
  const auto* t = p ? std::get_if<T>(&p.value()) : nullptr;
  if (t == nullptr) {
    throw StoreError("outbox command " + std::to_string(id) + " holds no valid " +
                     std::string(domain::to_string(kind)) +
                     "; the database was changed by hand, restore it from a backup");
  }
  return std::pair{id, *t};
}

constexpr std::string_view kOpen = "('pending', 'in_flight')";
constexpr std::string_view kConfirmed = "('confirmed')";

/// Queues `payload` to `target` after superseding its pending commands of the kind, with an
/// audit row; returns the command's id.
std::int64_t queue(Db& db, const MeterId& target, const domain::CommandPayload& payload,
                   const std::string& operator_id, const std::string& why, TimePoint at) {
  const auto kind = domain::kind_of(payload);
  // Only pending ones: an in-flight command may be on the wire and runs to its end.
  auto s = db.prepare(
      "UPDATE outbox SET state = 'superseded', last_error = 'superseded by a newer command', "
      "updated_at = ?5 WHERE bus = ?1 AND box = ?2 AND circuit = ?3 AND kind = ?4 "
      "AND state = 'pending'");
  s->bind(1, target.bus).bind(2, target.box).bind(3, target.circuit);
  s->bind(4, domain::to_string(kind)).bind(5, to_ms(at));
  s->run();
  const auto text = domain::encode_payload(payload);
  const auto id = rows::insert_command(db, target, kind, 0, text, std::nullopt, at);
  rows::write_audit(
      db,
      {operator_id,
       "command",
       target.bus + "/" + std::to_string(target.box) + "/" + std::to_string(target.circuit),
       {{"id", id}, {"kind", domain::to_string(kind)}, {"payload", text}, {"why", why}}},
      at);
  return id;
}

/// The version in force at `t` of a schedule: the last one from at or before `t`, else the first.
TimePoint version_at(const domain::TariffSchedule& s, TimePoint t) {
  TimePoint out = s.versions.front().from;
  for (const auto& v : s.versions) {
    if (v.from > t) break;
    out = v.from;
  }
  return out;
}

}  // namespace

InForce::InForce(Db& db) : tariffs_(billing::load_tariffs(db)) {
  std::string site_mode = "meter-side";
  {
    auto s = db.prepare("SELECT billing_mode FROM site WHERE id = 1");
    if (s->step()) site_mode = s->text(0);
  }
  {
    // A plain energy meter holds no price: never in force, so never synced.
    auto s = db.prepare("SELECT id, billing_mode FROM meters WHERE metering_only = 0");
    while (s->step()) {
      meters_[s->text(0)].meter_side = s->opt_text(1).value_or(site_mode) == "meter-side";
    }
  }
  auto s = db.prepare("SELECT meter, from_at, tariff FROM tariff_assignments ORDER BY from_at, id");
  while (s->step()) {
    const domain::TariffAssignment a{from_ms(s->int64(1)), s->int64(2)};
    if (auto m = s->opt_text(0)) {
      if (auto it = meters_.find(*m); it != meters_.end()) it->second.own.push_back(a);
    } else {
      site_.push_back(a);
    }
    if (auto t = tariffs_.find(a.tariff); t != tariffs_.end()) {
      offset_ = t->second.schedule.utc_offset;
    }
  }
}

std::optional<InForce::Key> InForce::key(const std::string& meter, TimePoint t) const {
  const auto m = meters_.find(meter);
  if (m == meters_.end()) return std::nullopt;
  const auto spans = domain::tariff_spans(m->second.own, site_, t, t);
  if (spans.empty() || !spans.front().tariff) return std::nullopt;
  const auto it = tariffs_.find(*spans.front().tariff);
  if (it == tariffs_.end() || it->second.schedule.versions.empty()) return std::nullopt;
  return Key{it->first, version_at(it->second.schedule, t)};
}

const domain::Tariff* InForce::tariff(const std::string& meter, TimePoint t) const {
  const auto k = key(meter, t);
  if (!k) return nullptr;
  return &tariffs_.at(k->tariff).schedule.at(t);
}

bool InForce::meter_side(const std::string& meter) const {
  const auto m = meters_.find(meter);
  return m != meters_.end() && m->second.meter_side;
}

std::map<std::string, std::optional<InForce::Key>> InForce::keys(TimePoint t) const {
  std::map<std::string, std::optional<Key>> out;
  for (const auto& [id, m] : meters_)
    out[id] = key(id, t);
  return out;
}

std::optional<std::int64_t> sync(Db& db, const InForce& in_force, const MeterId& meter,
                                 const std::string& operator_id, const std::string& why,
                                 TimePoint at) {
  const auto key = meter.to_string();
  if (!in_force.meter_side(key)) return std::nullopt;  // host-side: the ledger charges
  const auto* tariff = in_force.tariff(key, at);
  if (tariff == nullptr) return std::nullopt;
  // A tiered tariff has no table the meter could hold: nothing is queued (the account is
  // host-side once converted).
  const auto table = domain::price_table(*tariff);
  if (!table) return std::nullopt;
  std::optional<std::int64_t> out;
  {
    const auto on_meter =
        newest<domain::PricePayload>(db, meter, domain::CommandKind::kPrice, kConfirmed);
    const auto open = newest<domain::PricePayload>(db, meter, domain::CommandKind::kPrice, kOpen);
    const auto send =
        domain::prices_download(*table, on_meter ? std::optional{on_meter->second} : std::nullopt,
                                open ? std::optional{open->second} : std::nullopt);
    if (send) out = queue(db, meter, *send, operator_id, why, at);
  }
  if (const auto periods = domain::tou_table(*tariff)) {
    const MeterId box{meter.bus, meter.box, 0};
    const auto on_box =
        newest<domain::TouSchedulePayload>(db, box, domain::CommandKind::kTouSchedule, kConfirmed);
    const auto open =
        newest<domain::TouSchedulePayload>(db, box, domain::CommandKind::kTouSchedule, kOpen);
    const auto send =
        domain::tou_download(*periods, on_box ? std::optional{on_box->second} : std::nullopt,
                             open ? std::optional{open->second} : std::nullopt);
    if (send) queue(db, box, *send, operator_id, why, at);
  }
  return out;
}

void sync_changed(Db& db, const std::map<std::string, std::optional<InForce::Key>>& before,
                  const std::string& operator_id, const std::string& why, TimePoint at) {
  const InForce after(db);
  for (const auto& [id, key] : after.keys(at)) {
    const auto was = before.find(id);
    if (was != before.end() && was->second == key) continue;
    sync(db, after, rows::parse_id(id), operator_id, why, at);
  }
}

void poll_crossings(Db& db, const std::vector<MeterId>& read, TimePoint at) {
  if (read.empty()) return;
  // The future-dated changes (made before they take effect) in force by now: usually none.
  std::vector<std::pair<TimePoint, std::optional<std::string>>> changes;  // (from, meter)
  {
    auto s = db.prepare(
        "SELECT from_at, meter, assigned_at FROM tariff_assignments "
        "WHERE from_at > assigned_at AND from_at <= ?1 "
        "UNION ALL SELECT from_at, NULL, created_at FROM tariff_versions "
        "WHERE from_at > created_at AND from_at <= ?1");
    s->bind(1, to_ms(at));
    while (s->step())
      changes.emplace_back(from_ms(s->int64(0)), s->opt_text(1));
  }
  if (changes.empty()) return;
  std::vector<std::string> keys;
  keys.reserve(read.size());
  for (const auto& id : read)
    keys.push_back(id.to_string());
  std::map<std::string, std::optional<TimePoint>> previous;
  {
    auto s =
        db.prepare("SELECT m.id, m.read_at FROM json_each(?1) j JOIN meters m ON m.id = j.value");
    s->bind(1, json_array(keys));
    while (s->step()) {
      auto& p = previous[s->text(0)];
      if (auto r = s->opt_int64(1)) p = from_ms(*r);
    }
  }
  std::optional<InForce> in_force;
  for (const auto& [meter, prev] : previous) {
    // The earliest change that took effect since the meter's previous reading (never read:
    // since it was made), for the site, this meter or any tariff (a version).
    std::optional<TimePoint> first;
    for (const auto& [from, target] : changes) {
      if (target && *target != meter) continue;
      if (prev && from <= *prev) continue;
      if (!first || from < *first) first = from;
    }
    if (!first) continue;
    if (!in_force) in_force.emplace(db);
    const auto before = prev ? *prev : *first - std::chrono::milliseconds(1);
    if (in_force->key(meter, before) == in_force->key(meter, at)) continue;
    sync(db, *in_force, rows::parse_id(meter), "system", "tariff change in force", at);
  }
}

}  // namespace phil::store::prices
