#include "sqlite_settings.hpp"

#include <set>
#include <variant>

#include <phil/domain/settings.hpp>
#include <phil/store/common.hpp>

#include "sqlite_writers.hpp"

namespace phil::store::settings {

namespace {

using domain::MeterId;
using sqlite::Db;
using sqlite::to_ms;

/// The in-force thresholds (own, else the site's) as three columns of a query on `meters m`
/// joined with `site st`.
constexpr const char* kStoredColumns =
    "COALESCE(m.alarm1_fen, st.alarm1_fen), COALESCE(m.alarm2_fen, st.alarm2_fen), "
    "COALESCE(m.overload_w, st.overload_w)";

}  // namespace

std::optional<std::pair<std::int64_t, domain::ThresholdsPayload>> newest_open(
    Db& db, const MeterId& meter) {
  auto s = db.prepare(
      "SELECT id, payload FROM outbox WHERE meter = ?1 AND kind = 'thresholds' "
      "AND state IN ('pending', 'in_flight') ORDER BY id DESC LIMIT 1");
  s->bind(1, meter.to_string());
  if (!s->step()) return std::nullopt;
  const auto id = s->int64(0);
  auto p = domain::decode_payload(domain::CommandKind::kThresholds, s->text(1));
  const auto* t = p ? std::get_if<domain::ThresholdsPayload>(&p.value()) : nullptr;
  if (t == nullptr) {
    throw StoreError("outbox command " + std::to_string(id) +
                     " holds no valid thresholds; the database was changed by hand, restore it "
                     "from a backup");
  }
  return std::pair{id, *t};
}

std::optional<MeterThresholds> load(Db& db, const MeterId& meter) {
  auto s =
      db.prepare(std::string("SELECT ") + kStoredColumns +
                 ", m.onmeter_alarm1_fen, m.onmeter_alarm2_fen, m.onmeter_overload_w "
                 "FROM meters m JOIN site st ON st.id = 1 WHERE m.id = ?1 AND m.metering_only = 0");
  s->bind(1, meter.to_string());
  if (!s->step()) return std::nullopt;
  MeterThresholds out;
  out.stored = {s->int64(0), s->int64(1), s->int64(2)};
  const auto a1 = s->opt_int64(3);
  const auto a2 = s->opt_int64(4);
  const auto ov = s->opt_int64(5);
  if (a1 && a2 && ov) out.on_meter = domain::Thresholds{*a1, *a2, *ov};
  if (auto open = newest_open(db, meter)) out.newest_open = open->second;
  return out;
}

std::map<std::string, domain::Thresholds> stored_of_all(Db& db) {
  auto s = db.prepare(std::string("SELECT m.id, ") + kStoredColumns +
                      " FROM meters m JOIN site st ON st.id = 1 WHERE m.metering_only = 0");
  std::map<std::string, domain::Thresholds> out;
  while (s->step())
    out[s->text(0)] = {s->int64(1), s->int64(2), s->int64(3)};
  return out;
}

std::optional<std::int64_t> sync_thresholds(Db& db, const MeterId& meter,
                                            const std::string& operator_id, const std::string& why,
                                            TimePoint at) {
  const auto m = load(db, meter);
  if (!m) return std::nullopt;
  const auto send = domain::thresholds_download(m->stored, m->on_meter, m->newest_open);
  if (!send) return std::nullopt;
  if (auto problem = domain::check_payload(*send)) {
    // The stored values passed domain::check_thresholds; only a hand edit gets here.
    rows::write_event(db, meter, "thresholds_not_sent",
                      "the stored thresholds cannot be sent (" + *problem +
                          "); correct them in the site file and import it again",
                      at);
    return std::nullopt;
  }
  // Only pending ones: an in-flight command may be on the wire and runs to its end.
  auto s = db.prepare(
      "UPDATE outbox SET state = 'superseded', last_error = 'superseded by a newer command', "
      "updated_at = ?2 WHERE meter = ?1 AND kind = 'thresholds' AND state = 'pending'");
  s->bind(1, meter.to_string()).bind(2, to_ms(at));
  s->run();
  const auto payload = domain::encode_payload(*send);
  const auto id = rows::insert_command(db, meter, domain::CommandKind::kThresholds, 0, payload,
                                       std::nullopt, at);
  rows::write_audit(db,
                    {operator_id,
                     "command",
                     meter.to_string(),
                     {{"id", id}, {"kind", "thresholds"}, {"payload", payload}, {"why", why}}},
                    at);
  return id;
}

void first_contact(Db& db, const std::vector<MeterId>& read, TimePoint at) {
  std::set<std::string> buses;
  for (const auto& id : read)
    buses.insert(id.bus);
  std::set<std::string> due;
  for (const auto& bus : buses) {
    auto s = db.prepare("SELECT id FROM meters WHERE bus = ?1 AND thresholds_check_due = 1");
    s->bind(1, bus);
    while (s->step())
      due.insert(s->text(0));
  }
  if (due.empty()) return;
  for (const auto& id : read) {
    const auto key = id.to_string();
    if (!due.contains(key)) continue;
    sync_thresholds(db, id, "system", "first contact", at);
    auto s = db.prepare("UPDATE meters SET thresholds_check_due = 0 WHERE id = ?1");
    s->bind(1, key);
    s->run();
  }
}

void record_confirmed(Db& db, const std::string& meter, const domain::ThresholdsPayload& t,
                      TimePoint at) {
  auto s = db.prepare(
      "UPDATE meters SET onmeter_alarm1_fen = ?2, onmeter_alarm2_fen = ?3, "
      "onmeter_overload_w = ?4, onmeter_thresholds_at = ?5 WHERE id = ?1");
  s->bind(1, meter).bind(2, t.alarm1_fen).bind(3, t.alarm2_fen).bind(4, t.overload_w);
  s->bind(5, to_ms(at));
  s->run();
}

void forget_on_meter(Db& db, const MeterId& meter) {
  auto s = db.prepare(
      "UPDATE meters SET onmeter_alarm1_fen = NULL, onmeter_alarm2_fen = NULL, "
      "onmeter_overload_w = NULL, onmeter_thresholds_at = NULL, thresholds_check_due = 1 "
      "WHERE id = ?1");
  s->bind(1, meter.to_string());
  s->run();
}

}  // namespace phil::store::settings
