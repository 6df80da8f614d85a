// The SiteAdmin role of the SQLite store (see sqlite_store.hpp), except meter replacement and
// move (sqlite_meter_changes.cpp): the site import, meter registration and billing modes, and the
// site's settings.
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sqlite_settings.hpp"
#include "sqlite_store.hpp"
#include "sqlite_writers.hpp"

namespace phil::store {

namespace {

using domain::MeterId;
using sqlite::Db;
using sqlite::Stmt;
using sqlite::Transaction;

using rows::bind_opt;
using rows::parse_id;
using rows::refused;

/// True if `id` is attached to an open account with other meters: such an account is billed
/// host-side (issue 12.3), whatever a site file declares for the meter.
bool in_account_of_several(Db& db, const MeterId& id) {
  auto s = db.prepare(
      "SELECT count(*) FROM account_meters a JOIN account_meters b ON b.account = a.account "
      "AND b.detached_at IS NULL WHERE a.meter = ?1 AND a.detached_at IS NULL");
  s->bind(1, id.to_string());
  return s->step() && s->int64(0) > 1;
}

std::optional<std::string> opt_nonempty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

void upsert(Db& db, ImportSummary& sum, const char* insert_sql, const char* update_sql,
            const std::function<void(Stmt&)>& bind) {
  {
    auto s = db.prepare(insert_sql);
    bind(*s);
    s->run();
    if (db.changes() == 1) {
      ++sum.added;
      return;
    }
  }
  auto s = db.prepare(update_sql);
  bind(*s);
  s->run();
  if (db.changes() == 1) {
    ++sum.updated;
  } else {
    ++sum.unchanged;
  }
}

domain::Result<void> import_accounts(Db& db, const domain::SiteModel& model,
                                     const std::string& operator_id, TimePoint at,
                                     ImportSummary& sum) {
  auto join = [](const std::vector<MeterId>& ids) {
    std::string out;
    for (const auto& id : ids)
      out += (out.empty() ? "" : ", ") + id.to_string();
    return "[" + out + "]";
  };
  for (const auto& a : model.accounts) {
    const auto refuse = [&](const std::string& why) {
      return refused("the site import is refused, nothing was imported: account " + a.id +
                     (a.source.empty() ? "" : " (" + a.source + ")") + ": " + why);
    };
    std::optional<std::optional<std::int64_t>> closed_at;  // outer nullopt: no such account
    {
      auto s = db.prepare("SELECT closed_at FROM accounts WHERE id = ?1");
      s->bind(1, a.id);
      if (s->step()) closed_at = s->opt_int64(0);
    }
    if (!closed_at) {
      const OpenAccountRequest req{
          a.id, a.tenant.value_or(""), a.meters, a.first_sale_fen, operator_id, at};
      if (auto opened = rows::open_account(db, req, {a.phone.value_or(""), a.room}); !opened) {
        return refuse(opened.error().message);
      }
      ++sum.added;
      ++sum.accounts_opened;
      sum.first_sales_fen += a.first_sale_fen;
      continue;
    }
    if (*closed_at) {
      return refuse(
          "it is closed in the database and a closed account is not opened again; give the "
          "tenant a new account id in the file");
    }
    std::vector<MeterId> stored;
    {
      auto s = db.prepare(
          "SELECT meter FROM account_meters WHERE account = ?1 AND detached_at IS NULL "
          "ORDER BY position, id");
      s->bind(1, a.id);
      while (s->step())
        stored.push_back(parse_id(s->text(0)));
    }
    if (stored != a.meters) {
      return refuse("the file gives it meters " + join(a.meters) + " but the open account has " +
                    join(stored) +
                    " (changed by meter replace or move, or a typo in the file); write " +
                    join(stored) +
                    " into the file, or change the account with prepaidctl meter "
                    "replace/move, then import again");
    }
    // Contact details given in the file are the site's record of them; absent ones stay.
    auto s = db.prepare(
        "UPDATE accounts SET tenant = COALESCE(?2, tenant), phone = COALESCE(?3, phone), "
        "room = COALESCE(?4, room) WHERE id = ?1 AND (tenant IS NOT COALESCE(?2, tenant) OR "
        "phone IS NOT COALESCE(?3, phone) OR room IS NOT COALESCE(?4, room)) "
        "RETURNING tenant, phone, room");
    s->bind(1, a.id);
    bind_opt(*s, 2, a.tenant);
    bind_opt(*s, 3, a.phone);
    bind_opt(*s, 4, a.room);
    if (!s->step()) {
      ++sum.unchanged;
      continue;
    }
    ++sum.updated;
    rows::write_audit(db,
                      {operator_id,
                       "account_contact",
                       a.id,
                       {{"tenant", s->text(0)},
                        {"phone", s->text(1)},
                        {"room", s->opt_text(2).value_or("")},
                        {"by", "site import"}}},
                      at);
  }
  return {};
}

/// The site row (name, thresholds, billing mode, tolerance).
void import_settings(Db& db, const domain::SiteSettings& st, ImportSummary& sum) {
  auto s = db.prepare(
      "UPDATE site SET name = ?1, alarm1_fen = ?2, alarm2_fen = ?3, overload_w = ?4, "
      "billing_mode = ?5, mismatch_tolerance_fen = ?6 WHERE id = 1 AND (name IS NOT ?1 OR "
      "alarm1_fen IS NOT ?2 OR alarm2_fen IS NOT ?3 OR overload_w IS NOT ?4 OR "
      "billing_mode IS NOT ?5 OR mismatch_tolerance_fen IS NOT ?6)");
  s->bind(1, st.name).bind(2, st.thresholds.alarm1_fen).bind(3, st.thresholds.alarm2_fen);
  s->bind(4, st.thresholds.overload_w).bind(5, domain::to_string(st.billing_mode));
  s->bind(6, st.mismatch_tolerance_fen);
  s->run();
  if (db.changes() == 1) {
    ++sum.updated;
  } else {
    ++sum.unchanged;
  }
}

/// Buildings, floors, rooms, comm managers and buses: where the boxes are.
void import_places(Db& db, const domain::SiteModel& model, ImportSummary& sum) {
  for (const auto& b : model.buildings) {
    upsert(db, sum, "INSERT INTO buildings (id, name) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
           "UPDATE buildings SET name = ?2 WHERE id = ?1 AND name IS NOT ?2",
           [&](Stmt& s) { s.bind(1, b.id).bind(2, b.name); });
  }
  for (const auto& f : model.floors) {
    upsert(db, sum, "INSERT INTO floors (building, number) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
           "SELECT 1 WHERE ?1 IS NULL AND ?2 IS NULL",  // a floor has nothing to update
           [&](Stmt& s) { s.bind(1, f.building).bind(2, f.number); });
  }
  for (const auto& r : model.rooms) {
    upsert(db, sum,
           "INSERT INTO rooms (id, building, floor) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
           "UPDATE rooms SET building = ?2, floor = ?3 WHERE id = ?1 AND (building IS NOT ?2 OR "
           "floor IS NOT ?3)",
           [&](Stmt& s) { s.bind(1, r.id).bind(2, r.building).bind(3, r.floor); });
  }
  for (const auto& c : model.comm_managers) {
    upsert(db, sum,
           "INSERT INTO comm_managers (id, name, address) VALUES (?1, ?2, ?3) "
           "ON CONFLICT DO NOTHING",
           "UPDATE comm_managers SET name = ?2, address = ?3 WHERE id = ?1 AND (name IS NOT ?2 "
           "OR address IS NOT ?3)",
           [&](Stmt& s) { s.bind(1, c.id).bind(2, c.name).bind(3, c.address); });
  }
  for (const auto& b : model.buses) {
    upsert(db, sum, "INSERT INTO buses (id, comm_manager) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
           "UPDATE buses SET comm_manager = ?2 WHERE id = ?1 AND comm_manager IS NOT ?2",
           [&](Stmt& s) {
             s.bind(1, b.id);
             bind_opt(s, 2, opt_nonempty(b.comm_manager));
           });
  }
}

/// Boxes and their meters (a meter's model is its box's).
void import_devices(Db& db, const domain::SiteModel& model, ImportSummary& sum) {
  std::map<std::pair<std::string, int>, const domain::BoxSpec*> boxes;
  for (const auto& b : model.boxes) {
    boxes[{b.bus, b.address}] = &b;
    const auto building = b.floor ? opt_nonempty(b.building) : std::nullopt;
    upsert(db, sum,
           "INSERT INTO boxes (bus, address, model, building, floor) VALUES (?1, ?2, ?3, ?4, ?5) "
           "ON CONFLICT DO NOTHING",
           "UPDATE boxes SET model = ?3, building = ?4, floor = ?5 WHERE bus = ?1 AND "
           "address = ?2 AND (model IS NOT ?3 OR building IS NOT ?4 OR floor IS NOT ?5)",
           [&](Stmt& s) {
             s.bind(1, b.bus).bind(2, b.address).bind(3, b.model);
             bind_opt(s, 4, building);
             bind_opt(s, 5, b.floor);
           });
  }
  // An account of several meters is billed host-side whatever the file says of its meters.
  std::set<MeterId> shared;
  for (const auto& a : model.accounts) {
    if (a.meters.size() > 1) shared.insert(a.meters.begin(), a.meters.end());
  }
  for (const auto& m : model.meters) {
    const auto& box = *boxes.at({m.id.bus, m.id.box});
    auto mode = m.billing_mode;
    if (shared.contains(m.id) || in_account_of_several(db, m.id)) {
      mode = domain::BillingMode::kHostSide;
    }
    upsert(db, sum,
           "INSERT INTO meters (id, bus, box, circuit, model, room, alarm1_fen, alarm2_fen, "
           "overload_w, billing_mode, metering_only) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT DO NOTHING",
           "UPDATE meters SET model = ?5, room = ?6, alarm1_fen = ?7, alarm2_fen = ?8, "
           "overload_w = ?9, billing_mode = ?10, metering_only = ?11 WHERE id = ?1 AND "
           "bus = ?2 AND box = ?3 AND circuit = ?4 AND (model IS NOT ?5 OR room IS NOT ?6 OR "
           "alarm1_fen IS NOT ?7 OR alarm2_fen IS NOT ?8 OR overload_w IS NOT ?9 OR "
           "billing_mode IS NOT ?10 OR metering_only IS NOT ?11)",
           [&](Stmt& s) {
             s.bind(1, m.id.to_string()).bind(2, m.id.bus).bind(3, m.id.box);
             s.bind(4, m.id.circuit).bind(5, box.model);
             bind_opt(s, 6, m.room);
             s.bind(7, m.thresholds.alarm1_fen).bind(8, m.thresholds.alarm2_fen);
             s.bind(9, m.thresholds.overload_w);
             bind_opt(s, 10,
                      mode ? std::optional<std::string>(domain::to_string(*mode)) : std::nullopt);
             s.bind(11, box.metering_only ? 1 : 0);
           });
  }
}

/// The import's audit row, written only when it changed something.
void audit_import(Db& db, const domain::SiteSettings& st, const ImportSummary& sum,
                  const std::string& operator_id, TimePoint at) {
  if (sum.added == 0 && sum.updated == 0) return;
  nlohmann::json details{
      {"added", sum.added}, {"updated", sum.updated}, {"unchanged", sum.unchanged}};
  if (sum.accounts_opened > 0) {
    details["accounts_opened"] = sum.accounts_opened;
    details["first_sales_fen"] = sum.first_sales_fen;
  }
  rows::write_audit(db, {operator_id, "site_import", st.name, std::move(details)}, at);
}

}  // namespace

void SqliteStore::register_meters(const std::vector<MeterId>& ids, const std::string& model,
                                  bool metering_only) {
  Transaction tx(db_);
  for (const auto& id : ids) {
    auto s = db_.prepare(
        "INSERT INTO meters (id, bus, box, circuit, model, metering_only) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
        "ON CONFLICT (id) DO UPDATE SET model = excluded.model, "
        "metering_only = excluded.metering_only");
    s->bind(1, id.to_string()).bind(2, id.bus).bind(3, id.box).bind(4, id.circuit).bind(5, model);
    s->bind(6, metering_only ? 1 : 0);
    s->run();
  }
  tx.commit();
}

int SqliteStore::set_billing_mode(const std::vector<MeterId>& ids, domain::BillingMode mode,
                                  const std::string& operator_id, TimePoint at) {
  Transaction tx(db_);
  std::vector<MeterId> changed;
  std::vector<MeterId> going_back;
  nlohmann::json money_moved = nlohmann::json::object();  // each conversion's figures, by account
  const std::string mode_name(domain::to_string(mode));
  // Written once a meter changes (its settlement entries refer to it); else nothing is.
  rows::AuditDraft audit(db_, {operator_id, "billing_mode", "", {}}, at);
  const std::string reason = "the site file declares " + mode_name + " billing";
  const auto kept = [&](const MeterId& id, const std::string& now, const std::string& why) {
    rows::write_event(db_, id, "billing_mode_kept",
                      "meter " + id.to_string() + " stays " + now + ": " + why + "; " + mode_name +
                          " billing was asked by " + operator_id,
                      at);
  };
  for (const auto& id : ids) {
    auto s = db_.prepare(
        "SELECT m.billing_mode IS ?2, COALESCE(m.billing_mode, st.billing_mode) = 'host-side', "
        "(SELECT am.account FROM account_meters am JOIN accounts a ON a.id = am.account "
        "WHERE am.meter = m.id AND am.detached_at IS NULL AND a.closed_at IS NULL) "
        "FROM meters m JOIN site st ON st.id = 1 WHERE m.id = ?1");
    s->bind(1, id.to_string()).bind(2, mode_name);
    if (!s->step()) {
      throw StoreError("set_billing_mode: meter " + id.to_string() +
                       " is not registered; register the site's meters first");
    }
    // Host-side again while on the way back: it stays host-side, the way back ends.
    if (mode == domain::BillingMode::kHostSide) rows::cancel_convert_back(db_, id, reason, at);
    if (s->int64(0) != 0) continue;
    const bool host_side_now = s->int64(1) != 0;
    const auto account = s->opt_text(2);
    if (mode == domain::BillingMode::kMeterSide) {
      if (in_account_of_several(db_, id)) {
        kept(id, "host-side", "its account has several meters, whose money the ledger holds");
        continue;
      }
      // One place holds the money: the ledger's goes onto the meter before it is meter-side.
      if (account && host_side_now) {
        if (const auto why = rows::start_convert_back(db_, *account, id, reason, at)) {
          kept(id, "host-side", *why);
        } else {
          going_back.push_back(id);
        }
        continue;
      }
    } else if (account && rows::money_meter(db_, *account) == id) {
      // The meter holds its account's money: it moves into the ledger once (conversion.hpp).
      if (const auto busy = rows::open_money_command(db_, *account)) {
        kept(id, "meter-side",
             *busy +
                 " is on its way, so what the meter holds is not known yet; start the "
                 "daemon again once it is delivered");
        continue;
      }
      money_moved[*account] =
          rows::convert_to_host_side(db_, audit, *account, {id}, reason, operator_id, at);
      changed.push_back(id);
      continue;
    }
    auto u = db_.prepare("UPDATE meters SET billing_mode = ?2 WHERE id = ?1");
    u->bind(1, id.to_string()).bind(2, mode_name);
    u->run();
    changed.push_back(id);
  }
  if (!changed.empty() || !going_back.empty()) {
    auto& d = audit.details();
    d["mode"] = mode_name;
    d["meters"] = rows::join_ids(changed);
    if (!going_back.empty()) d["going_back"] = rows::join_ids(going_back);
    if (!money_moved.empty()) d["accounts"] = std::move(money_moved);
    audit.finish();
  }
  tx.commit();
  return static_cast<int>(changed.size() + going_back.size());
}

domain::Result<ImportSummary> SqliteStore::import_site(const domain::SiteModel& model,
                                                       const std::string& operator_id,
                                                       TimePoint at) {
  if (const auto problems = domain::check_site_model(model); !problems.empty()) {
    return domain::site_model_refused(problems);
  }
  Transaction tx(db_);
  ImportSummary sum;
  const auto before = settings::stored_of_all(db_);
  import_settings(db_, model.settings, sum);
  import_places(db_, model, sum);
  import_devices(db_, model, sum);
  // Settings = the stored ones: a meter whose thresholds in force changed gets them downloaded
  // (a new meter gets them at its first contact).
  for (const auto& [key, now] : settings::stored_of_all(db_)) {
    if (const auto was = before.find(key); was != before.end() && was->second != now) {
      settings::sync_thresholds(db_, rows::parse_id(key), operator_id, "site import", at);
    }
  }
  if (auto accounts = import_accounts(db_, model, operator_id, at, sum); !accounts) {
    return accounts.error();  // rolls back everything above
  }
  audit_import(db_, model.settings, sum, operator_id, at);
  tx.commit();
  return sum;
}

domain::SiteSettings SqliteStore::site_settings() const {
  auto s = db_.prepare(
      "SELECT name, alarm1_fen, alarm2_fen, overload_w, billing_mode, mismatch_tolerance_fen "
      "FROM site WHERE id = 1");
  domain::SiteSettings out;
  if (!s->step()) return out;
  out.name = s->text(0);
  out.thresholds = {s->int64(1), s->int64(2), s->int64(3)};
  out.billing_mode =
      domain::parse_billing_mode(s->text(4)).value_or(domain::BillingMode::kMeterSide);
  out.mismatch_tolerance_fen = s->int64(5);
  return out;
}

}  // namespace phil::store
