// Site model and meter administration of the SQLite store (see sqlite_store_admin.hpp).
//
// What moves when (the rules operators rely on):
//   - Meter replacement: the old meter's last stored reading is final (charges up to it are
//     already booked by record_readings), unless the operator gives a manual final reading (a
//     dead meter): that one is stored and charged by the poll path (billing::write_cycle) first,
//     in the same transaction. For a meter-side old meter, the balance of its final reading
//     (if positive) leaves it by a transfer_out and reaches the new meter by a transfer_in of
//     the same account referring to it; if the new meter is meter-side too, a credit of that
//     amount is queued to it with the transfer_in (its purchase count is decided at delivery
//     from the new meter's own count, as for every credit). A host-side meter holds no money:
//     nothing is transferred, the account's balance serves the new meter as it is.
//   - Moving a meter: only the meter moves (its energy from its last reading on is charged to
//     the new account). Money moves only when asked (with_balance): the balance the meter last
//     reported, from the old account to the new one by transfer_out/transfer_in.
//   - Balance check (meter-side): for an account whose meters are all meter-side and read,
//     with no credit in flight, drift = sum(meter balances) - (ledger balance - pending credits).
//     The first such check sets the account's baseline (credit a meter already held when the
//     account was opened is not the ledger's); a later drift beyond the site tolerance from that
//     baseline records a "balance_mismatch" event, its return within the tolerance a
//     "balance_mismatch_cleared" event (one event per change, not per poll).
#include "sqlite_store_admin.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>

#include <phil/domain/money.hpp>

#include "sqlite_writers.hpp"
#include "status_sql.hpp"

namespace phil::store::admin {

namespace {

using domain::Error;
using domain::ErrorKind;
using domain::MeterId;
using sqlite::Stmt;
using sqlite::Transaction;

using sqlite::from_ms;
using sqlite::to_ms;

using rows::bind_opt;
using rows::not_found;
using rows::parse_id;
using rows::refused;

std::string not_configured(const MeterId& id) {
  return "meter " + id.to_string() +
         " is not configured at this site; check the bus, box and circuit (site import adds "
         "meters)";
}

std::optional<std::string> opt_nonempty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

}  // namespace

void Admin::upsert(ImportSummary& sum, const char* insert_sql, const char* update_sql,
                   const std::function<void(Stmt&)>& bind) {
  {
    auto s = db_.prepare(insert_sql);
    bind(*s);
    s->run();
    if (db_.changes() == 1) {
      ++sum.added;
      return;
    }
  }
  auto s = db_.prepare(update_sql);
  bind(*s);
  s->run();
  if (db_.changes() == 1) {
    ++sum.updated;
  } else {
    ++sum.unchanged;
  }
}

domain::Result<ImportSummary> Admin::import_site(const domain::SiteModel& model,
                                                 const std::string& operator_id, TimePoint at) {
  if (const auto problems = domain::check_site_model(model); !problems.empty()) {
    std::string text = "the site model is refused, nothing was imported:";
    for (const auto& p : problems)
      text += "\n  " + p;
    return Error{ErrorKind::kInvalid, text};
  }
  Transaction tx(db_);
  ImportSummary sum;
  const auto& st = model.settings;
  {
    auto s = db_.prepare(
        "UPDATE site SET name = ?1, alarm1_fen = ?2, alarm2_fen = ?3, overload_w = ?4, "
        "billing_mode = ?5, mismatch_tolerance_fen = ?6 WHERE id = 1 AND (name IS NOT ?1 OR "
        "alarm1_fen IS NOT ?2 OR alarm2_fen IS NOT ?3 OR overload_w IS NOT ?4 OR "
        "billing_mode IS NOT ?5 OR mismatch_tolerance_fen IS NOT ?6)");
    s->bind(1, st.name).bind(2, st.thresholds.alarm1_fen).bind(3, st.thresholds.alarm2_fen);
    s->bind(4, st.thresholds.overload_w).bind(5, domain::to_string(st.billing_mode));
    s->bind(6, st.mismatch_tolerance_fen);
    s->run();
    if (db_.changes() == 1) {
      ++sum.updated;
    } else {
      ++sum.unchanged;
    }
  }
  for (const auto& b : model.buildings) {
    upsert(sum, "INSERT INTO buildings (id, name) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
           "UPDATE buildings SET name = ?2 WHERE id = ?1 AND name IS NOT ?2",
           [&](Stmt& s) { s.bind(1, b.id).bind(2, b.name); });
  }
  for (const auto& f : model.floors) {
    upsert(sum, "INSERT INTO floors (building, number) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
           "SELECT 1 WHERE ?1 IS NULL AND ?2 IS NULL",  // a floor has nothing to update
           [&](Stmt& s) { s.bind(1, f.building).bind(2, f.number); });
  }
  for (const auto& r : model.rooms) {
    upsert(sum,
           "INSERT INTO rooms (id, building, floor) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
           "UPDATE rooms SET building = ?2, floor = ?3 WHERE id = ?1 AND (building IS NOT ?2 OR "
           "floor IS NOT ?3)",
           [&](Stmt& s) { s.bind(1, r.id).bind(2, r.building).bind(3, r.floor); });
  }
  for (const auto& c : model.comm_managers) {
    upsert(sum,
           "INSERT INTO comm_managers (id, name, address) VALUES (?1, ?2, ?3) "
           "ON CONFLICT DO NOTHING",
           "UPDATE comm_managers SET name = ?2, address = ?3 WHERE id = ?1 AND (name IS NOT ?2 "
           "OR address IS NOT ?3)",
           [&](Stmt& s) { s.bind(1, c.id).bind(2, c.name).bind(3, c.address); });
  }
  for (const auto& b : model.buses) {
    upsert(sum, "INSERT INTO buses (id, comm_manager) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
           "UPDATE buses SET comm_manager = ?2 WHERE id = ?1 AND comm_manager IS NOT ?2",
           [&](Stmt& s) {
             s.bind(1, b.id);
             bind_opt(s, 2, opt_nonempty(b.comm_manager));
           });
  }
  std::map<std::pair<std::string, int>, std::string> box_models;
  for (const auto& b : model.boxes) {
    box_models[{b.bus, b.address}] = b.model;
    const auto building = b.floor ? opt_nonempty(b.building) : std::nullopt;
    upsert(sum,
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
  for (const auto& m : model.meters) {
    const auto& model_name = box_models.at({m.id.bus, m.id.box});
    upsert(sum,
           "INSERT INTO meters (id, bus, box, circuit, model, room, alarm1_fen, alarm2_fen, "
           "overload_w, billing_mode) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
           "ON CONFLICT DO NOTHING",
           "UPDATE meters SET model = ?5, room = ?6, alarm1_fen = ?7, alarm2_fen = ?8, "
           "overload_w = ?9, billing_mode = ?10 WHERE id = ?1 AND bus = ?2 AND box = ?3 AND "
           "circuit = ?4 AND (model IS NOT ?5 OR room IS NOT ?6 OR alarm1_fen IS NOT ?7 OR "
           "alarm2_fen IS NOT ?8 OR overload_w IS NOT ?9 OR billing_mode IS NOT ?10)",
           [&](Stmt& s) {
             s.bind(1, m.id.to_string()).bind(2, m.id.bus).bind(3, m.id.box);
             s.bind(4, m.id.circuit).bind(5, model_name);
             bind_opt(s, 6, m.room);
             s.bind(7, m.thresholds.alarm1_fen).bind(8, m.thresholds.alarm2_fen);
             s.bind(9, m.thresholds.overload_w);
             bind_opt(s, 10,
                      m.billing_mode
                          ? std::optional<std::string>(domain::to_string(*m.billing_mode))
                          : std::nullopt);
           });
  }
  if (auto accounts = import_accounts(model, operator_id, at, sum); !accounts) {
    return accounts.error();  // rolls back everything above
  }
  if (sum.added > 0 || sum.updated > 0) {
    rows::write_audit(
        db_, operator_id, "site_import",
        "site=" + st.name + " added=" + std::to_string(sum.added) + " updated=" +
            std::to_string(sum.updated) + " unchanged=" + std::to_string(sum.unchanged) +
            (sum.accounts_opened > 0 ? " accounts_opened=" + std::to_string(sum.accounts_opened) +
                                           " first_sales_fen=" + std::to_string(sum.first_sales_fen)
                                     : ""),
        at);
  }
  tx.commit();
  return sum;
}

domain::Result<void> Admin::import_accounts(const domain::SiteModel& model,
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
      auto s = db_.prepare("SELECT closed_at FROM accounts WHERE id = ?1");
      s->bind(1, a.id);
      if (s->step()) closed_at = s->opt_int64(0);
    }
    if (!closed_at) {
      const OpenAccountRequest req{
          a.id, a.tenant.value_or(""), a.meters, a.first_sale_fen, operator_id, at};
      if (auto opened = rows::open_account(db_, req, {a.phone.value_or(""), a.room}); !opened) {
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
      auto s = db_.prepare(
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
    auto s = db_.prepare(
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
    rows::write_audit(db_, operator_id, "account_contact",
                      "account=" + a.id + " tenant=" + s->text(0) + " phone=" + s->text(1) +
                          " room=" + s->opt_text(2).value_or("") + " (site import)",
                      at);
  }
  return {};
}

domain::SiteSettings Admin::site_settings() const {
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

std::optional<std::string> Admin::open_command(const MeterId& meter) const {
  auto s = db_.prepare(
      "SELECT kind, id FROM outbox WHERE meter = ?1 AND state IN ('pending', 'in_flight') "
      "ORDER BY id LIMIT 1");
  s->bind(1, meter.to_string());
  if (!s->step()) return std::nullopt;
  return s->text(0) + " command " + std::to_string(s->int64(1));
}

std::optional<std::int64_t> Admin::open_balance(const std::string& account) const {
  auto s = db_.prepare("SELECT balance_fen FROM accounts WHERE id = ?1 AND closed_at IS NULL");
  s->bind(1, account);
  if (!s->step()) return std::nullopt;
  return s->int64(0);
}

namespace {

struct ManualCharge {
  std::int64_t energy_wh = 0;          ///< charged
  std::int64_t fen = 0;                ///< charged
  std::int64_t final_balance_fen = 0;  ///< the meter's final balance register, given or derived
};

/// The charge of a manual final reading of `m` (in open account `account`), inside the caller's
/// transaction: checks it (see ManualFinalReading), then stores it as a one-reading poll batch,
/// charged by the very code that charges polls (billing::write_cycle), keeping the meter's failed
/// cycles and status. A refusal before the charge writes nothing; one after it (no price where
/// no tariff applies) leaves the caller's transaction to be rolled back.
domain::Result<ManualCharge> charge_manual_reading(sqlite::Db& db, const MeterRecord& m,
                                                   const std::string& account,
                                                   const ManualFinalReading& manual, TimePoint at) {
  const auto name = m.id.to_string();
  const auto kwh = [](std::int64_t wh) {  // wh >= 0, exact: "12.345 kWh"
    const auto frac = std::to_string(1000 + wh % 1000);
    return std::to_string(wh / 1000) + "." + frac.substr(1) + " kWh";
  };
  if (manual.energy_wh < 0 || manual.energy_wh > ManualFinalReading::kMaxEnergyWh) {
    return refused("final energy " + std::to_string(manual.energy_wh) + " Wh of meter " + name +
                   " is out of range (0 .. " + std::to_string(ManualFinalReading::kMaxEnergyWh) +
                   " Wh); read the meter's energy display again");
  }
  const auto floor = std::max(m.last.energy_wh, m.billed_energy_wh.value_or(0));
  if (manual.energy_wh < floor) {
    return refused("final energy " + kwh(manual.energy_wh) + " of meter " + name +
                   " is below the " + kwh(floor) +
                   " already read and billed; energy never goes back: read the meter's energy "
                   "display again");
  }
  if (at < *m.read_at) {
    return refused("the final reading of meter " + name +
                   " is dated before its last stored reading; check the clock");
  }
  {
    // The circuit trips above its overload threshold: it cannot have drawn more than that all
    // the time since its last reading (a slipped decimal point is caught here).
    auto s = db.prepare(
        "SELECT COALESCE(m.overload_w, s.overload_w, 0) FROM meters m LEFT JOIN site s ON s.id = 1 "
        "WHERE m.id = ?1");
    s->bind(1, name);
    // Clamped so that the products below stay far from overflow (10 MW, 3000 years).
    const auto overload_w = std::min<std::int64_t>(s->step() ? s->int64(0) : 0, 10'000'000);
    const auto ms = std::min<std::int64_t>(
        std::chrono::duration_cast<Millis>(at - *m.read_at).count(), 100'000'000'000'000);
    const auto used = manual.energy_wh - m.last.energy_wh;
    const auto allowed_wh =
        overload_w * (ms / 3'600'000) + overload_w * (ms % 3'600'000) / 3'600'000;
    if (overload_w > 0 && used > allowed_wh) {
      return refused("final energy " + kwh(manual.energy_wh) + " of meter " + name + " is " +
                     kwh(used) + " above its last reading " + std::to_string(ms / 60'000) +
                     " min ago, more than its overload threshold of " + std::to_string(overload_w) +
                     " W could draw in that time (" + kwh(allowed_wh) +
                     "); read the meter's energy display again");
    }
  }
  const bool meter_side = m.billing_mode == domain::BillingMode::kMeterSide;
  if (manual.balance_fen) {
    if (!meter_side) {
      return refused("meter " + name +
                     " is host-side and holds no money; give no final balance for it");
    }
    if (std::abs(*manual.balance_fen) > ManualFinalReading::kMaxBalanceFen) {
      return refused("final balance " + std::to_string(*manual.balance_fen) + " fen of meter " +
                     name + " is out of range; read the meter's balance display again");
    }
  }
  if (manual.price && (*manual.price < 0 || *manual.price > domain::kMaxPrice)) {
    return refused("price " + std::to_string(*manual.price) +
                   " (0.0001 yuan/kWh) is out of range (0 .. " + std::to_string(domain::kMaxPrice) +
                   ")");
  }
  const auto energy = manual.energy_wh - m.billed_energy_wh.value_or(manual.energy_wh);
  const auto balance_fen = [&db, &account] {
    auto s = db.prepare("SELECT balance_fen FROM accounts WHERE id = ?1");
    s->bind(1, account);
    if (!s->step()) throw StoreError("account " + account + " vanished during a replacement");
    return s->int64(0);
  };
  const auto before = balance_fen();
  auto reading = m.last;
  reading.energy_wh = manual.energy_wh;
  if (manual.balance_fen) reading.balance_fen = *manual.balance_fen;
  const auto charge = [&](std::int64_t price) {
    (void)billing::write_cycle(db, {{m.id, reading}}, {}, at,
                               BillingRules{price, domain::kDefaultOfflineAfter});
    return before - balance_fen();
  };
  std::int64_t fen = 0;
  if (manual.price || energy == 0) {
    fen = charge(manual.price.value_or(0));
  } else {
    // No price: the stored tariffs must price the whole interval. Whether they do is what the
    // poll path says: charged at the two ends of the price range, the charges agree.
    db.exec("SAVEPOINT manual_reading");
    const auto at_max = charge(domain::kMaxPrice);
    db.exec("ROLLBACK TO manual_reading");
    fen = charge(0);
    db.exec("RELEASE manual_reading");
    if (fen != at_max) {
      return refused("meter " + name + " has no stored tariff for (all of) the time since its " +
                     "last reading, so the " + kwh(energy) +
                     " of its final reading need a price; give the price it is charged at "
                     "(prepaidctl meter replace --price)");
    }
  }
  ManualCharge out;
  out.energy_wh = energy;
  out.fen = fen;
  out.final_balance_fen = reading.balance_fen;
  if (meter_side && !manual.balance_fen) {
    // What the meter shows had it deducted the same as the ledger did.
    out.final_balance_fen = m.last.balance_fen - out.fen;
    auto s = db.prepare("UPDATE readings SET balance_fen = ?3 WHERE at = ?1 AND meter = ?2");
    s->bind(1, to_ms(at)).bind(2, name).bind(3, out.final_balance_fen);
    s->run();
  }
  auto s = db.prepare(
      "UPDATE meters SET failed_cycles = ?2, status = ?3, balance_fen = ?4 WHERE id = ?1");
  s->bind(1, name).bind(2, m.failed_cycles).bind(3, domain::to_string(m.status));
  s->bind(4, out.final_balance_fen);
  s->run();
  return out;
}

}  // namespace

domain::Result<ReplaceMeterResult> Admin::replace_meter(const ReplaceMeterRequest& req) {
  const auto old_name = req.old_meter.to_string();
  const auto new_name = req.new_meter.to_string();
  if (req.old_meter == req.new_meter) {
    return refused("old and new meter are both " + old_name +
                   "; give the meter that replaces it as NEW");
  }
  Transaction tx(db_);
  const auto old_m = rows::find_meter(db_, req.old_meter);
  if (!old_m) return not_found(not_configured(req.old_meter));
  const auto new_m = rows::find_meter(db_, req.new_meter);
  if (!new_m) return not_found(not_configured(req.new_meter));
  if (!old_m->account) {
    return refused("meter " + old_name +
                   " is not in an open account, so there is nothing to carry over; open an "
                   "account on " +
                   new_name + " instead");
  }
  if (!old_m->read_at) {
    if (req.manual) {
      return refused("meter " + old_name +
                     " was never read, so there is no reading to charge a manual final reading "
                     "from; close the account and open one on " +
                     new_name + " instead");
    }
    return refused("meter " + old_name +
                   " was never read, so it has no final reading; read it (prepaidctl read-now " +
                   old_name + ") before replacing it");
  }
  if (!req.manual && (old_m->failed_cycles > 0 || old_m->status == domain::MeterStatus::kOffline)) {
    return refused("meter " + old_name + " did not answer its last " +
                   std::to_string(old_m->failed_cycles) +
                   " poll(s), so its last stored reading may not be final; restore its "
                   "communication and read it, or give its final reading by hand");
  }
  if (auto busy = open_command(req.old_meter)) {
    return refused("meter " + old_name + ": " + *busy +
                   " is not delivered yet; replace it after it is confirmed or failed");
  }
  if (new_m->account) {
    return refused("meter " + new_name + " already belongs to open account " + *new_m->account +
                   "; give a meter that is not opened");
  }
  const auto& account = *old_m->account;
  const bool old_holds_money = old_m->billing_mode == domain::BillingMode::kMeterSide;
  ReplaceMeterResult result;
  result.account = account;
  result.final_read_at = *old_m->read_at;
  result.final_energy_wh = old_m->last.energy_wh;
  result.final_balance_fen = old_m->last.balance_fen;
  if (req.manual) {
    auto charged = charge_manual_reading(db_, *old_m, account, *req.manual, req.at);
    if (!charged) return charged.error();
    result.manual = true;
    result.final_read_at = req.at;
    result.final_energy_wh = req.manual->energy_wh;
    result.final_balance_fen = charged.value().final_balance_fen;
    result.charged_energy_wh = charged.value().energy_wh;
    result.charged_fen = charged.value().fen;
  }
  result.transferred_fen =
      old_holds_money ? std::max<std::int64_t>(0, result.final_balance_fen) : 0;
  std::optional<std::int64_t> out_seq;
  if (result.transferred_fen > 0) {
    out_seq = rows::append_ledger(db_, account, domain::EntryKind::kTransferOut, req.old_meter,
                                  result.transferred_fen, 0, 0, req.operator_id, req.at);
    const auto in_seq =
        rows::append_ledger(db_, account, domain::EntryKind::kTransferIn, req.new_meter,
                            result.transferred_fen, 0, 0, req.operator_id, req.at, out_seq);
    if (new_m->billing_mode == domain::BillingMode::kMeterSide) {
      result.credit_command =
          rows::queue_credit(db_, req.new_meter, result.transferred_fen, in_seq, req.at);
    }
  }
  int position = 0;
  {
    auto s = db_.prepare(
        "UPDATE account_meters SET detached_at = ?2 WHERE meter = ?1 AND detached_at IS NULL "
        "RETURNING position");
    s->bind(1, old_name).bind(2, to_ms(req.at));
    if (!s->step()) throw StoreError("meter " + old_name + " lost its account attachment");
    position = s->integer(0);
  }
  {
    auto s = db_.prepare(
        "INSERT INTO account_meters (account, meter, position, attached_at) "
        "VALUES (?1, ?2, ?3, ?4)");
    s->bind(1, account).bind(2, new_name).bind(3, position).bind(4, to_ms(req.at));
    s->run();
  }
  {
    // The old meter leaves billing; the new one is billed from its own first reading on.
    auto s = db_.prepare(
        "UPDATE meters SET billed_energy_wh = NULL, carry = 0, status = CASE "
        "WHEN id = ?1 THEN " +
        status_after_account_change_sql(false) + " ELSE " + status_after_account_change_sql(true) +
        " END WHERE id IN (?1, ?2)");
    s->bind(1, old_name).bind(2, new_name);
    s->run();
  }
  {
    auto s = db_.prepare(
        "INSERT INTO meter_replacements (old_meter, new_meter, account, final_read_at, "
        "final_energy_wh, final_balance_fen, transferred_fen, transfer_out_seq, credit_command, "
        "operator, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    s->bind(1, old_name).bind(2, new_name).bind(3, account).bind(4, to_ms(result.final_read_at));
    s->bind(5, result.final_energy_wh).bind(6, result.final_balance_fen);
    s->bind(7, result.transferred_fen).bind(8, out_seq).bind(9, result.credit_command);
    s->bind(10, req.operator_id).bind(11, to_ms(req.at));
    s->run();
  }
  const auto details = "account " + account + ": " + old_name + " replaced by " + new_name +
                       "; final reading " +
                       (result.manual ? "(manual, by " + req.operator_id + ") " : "") +
                       std::to_string(result.final_energy_wh) + " Wh, " +
                       std::to_string(result.final_balance_fen) + " fen" +
                       (result.manual ? "; charged " + std::to_string(result.charged_energy_wh) +
                                            " Wh, " + std::to_string(result.charged_fen) + " fen"
                                      : "") +
                       "; transferred " + std::to_string(result.transferred_fen) + " fen";
  rows::write_event(db_, req.old_meter, "meter_replacement", details, req.at);
  rows::write_event(db_, req.new_meter, "meter_replacement", details, req.at);
  rows::write_audit(
      db_, req.operator_id, "replace_meter",
      "account=" + account + " old=" + old_name + " new=" + new_name +
          " final_energy_wh=" + std::to_string(result.final_energy_wh) +
          (result.manual ? " final_reading=manual final_balance_fen=" +
                               std::to_string(result.final_balance_fen) +
                               " charged_wh=" + std::to_string(result.charged_energy_wh) +
                               " charged_fen=" + std::to_string(result.charged_fen)
                         : "") +
          " transferred_fen=" + std::to_string(result.transferred_fen) +
          (result.credit_command ? " credit_command=" + std::to_string(*result.credit_command)
                                 : ""),
      req.at);
  tx.commit();
  return result;
}

domain::Result<MoveMeterResult> Admin::move_meter(const MoveMeterRequest& req) {
  const auto name = req.meter.to_string();
  Transaction tx(db_);
  const auto m = rows::find_meter(db_, req.meter);
  if (!m) return not_found(not_configured(req.meter));
  if (!m->account) {
    return refused("meter " + name +
                   " is not in an open account; open an account on it (account open) instead");
  }
  MoveMeterResult result;
  result.from_account = *m->account;
  result.meter_balance_fen = m->read_at ? m->last.balance_fen : 0;
  if (req.to_account == result.from_account) {
    return refused("meter " + name + " already belongs to account " + req.to_account);
  }
  {
    auto s = db_.prepare("SELECT closed_at FROM accounts WHERE id = ?1");
    s->bind(1, req.to_account);
    if (!s->step()) {
      return not_found("account " + req.to_account +
                       " does not exist; check the id or open it first");
    }
    if (!s->is_null(0)) {
      return refused("account " + req.to_account +
                     " is closed; a meter can only move to an open account");
    }
  }
  {
    auto s = db_.prepare(
        "SELECT count(*) FROM account_meters WHERE account = ?1 AND detached_at IS NULL");
    s->bind(1, result.from_account);
    if (s->step() && s->int64(0) <= 1) {
      return refused("meter " + name + " is the only meter of account " + result.from_account +
                     "; close that account (its balance is refunded) before moving the meter");
    }
  }
  if (auto busy = open_command(req.meter)) {
    return refused("meter " + name + ": " + *busy +
                   " is not delivered yet; move it after it is confirmed or failed");
  }
  if (req.with_balance) {
    if (!m->read_at || m->failed_cycles > 0) {
      return refused("meter " + name +
                     (m->read_at ? " did not answer its last poll" : " was never read") +
                     ", so its balance is not known; read it first or move it without its "
                     "balance");
    }
    result.transferred_fen = std::max<std::int64_t>(0, m->last.balance_fen);
    const auto from_balance = open_balance(result.from_account).value_or(0);
    if (result.transferred_fen > from_balance) {
      return refused("meter " + name + " reports " + std::to_string(result.transferred_fen) +
                     " fen but account " + result.from_account + " holds only " +
                     std::to_string(from_balance) +
                     " fen; reconcile the account first or move the meter without its balance");
    }
  }
  if (result.transferred_fen > 0) {
    const auto out =
        rows::append_ledger(db_, result.from_account, domain::EntryKind::kTransferOut, req.meter,
                            result.transferred_fen, 0, 0, req.operator_id, req.at);
    rows::append_ledger(db_, req.to_account, domain::EntryKind::kTransferIn, req.meter,
                        result.transferred_fen, 0, 0, req.operator_id, req.at, out);
  }
  {
    auto s = db_.prepare(
        "UPDATE account_meters SET detached_at = ?2 WHERE meter = ?1 AND detached_at IS NULL");
    s->bind(1, name).bind(2, to_ms(req.at));
    s->run();
  }
  {
    auto s = db_.prepare(
        "INSERT INTO account_meters (account, meter, position, attached_at) VALUES (?1, ?2, "
        "(SELECT COALESCE(MAX(position), -1) + 1 FROM account_meters WHERE account = ?1), ?3)");
    s->bind(1, req.to_account).bind(2, name).bind(3, to_ms(req.at));
    s->run();
  }
  const auto details = "from account " + result.from_account + " to " + req.to_account +
                       "; money moved " + std::to_string(result.transferred_fen) +
                       " fen (meter reported " + std::to_string(result.meter_balance_fen) + " fen)";
  rows::write_event(db_, req.meter, "meter_moved", details, req.at);
  rows::write_audit(db_, req.operator_id, "move_meter",
                    "meter=" + name + " from=" + result.from_account + " to=" + req.to_account +
                        " transferred_fen=" + std::to_string(result.transferred_fen),
                    req.at);
  tx.commit();
  return result;
}

std::optional<AccountRecord> Admin::account(const std::string& id) const {
  AccountRecord a;
  {
    auto s = db_.prepare(
        "SELECT id, tenant, phone, room, opened_at, closed_at, balance_fen, mismatch_fen "
        "FROM accounts WHERE id = ?1");
    s->bind(1, id);
    if (!s->step()) return std::nullopt;
    a.id = s->text(0);
    a.tenant = s->text(1);
    a.phone = s->text(2);
    a.room = s->opt_text(3);
    a.opened_at = from_ms(s->int64(4));
    if (auto c = s->opt_int64(5)) a.closed_at = from_ms(*c);
    a.balance_fen = s->int64(6);
    a.mismatch_fen = s->opt_int64(7);
  }
  auto s = db_.prepare(
      "SELECT meter FROM account_meters WHERE account = ?1 AND detached_at IS NULL "
      "ORDER BY position, id");
  s->bind(1, id);
  while (s->step())
    a.meters.push_back(parse_id(s->text(0)));
  return a;
}

std::optional<MeterPlacement> Admin::meter_placement(const MeterId& id) const {
  auto s = db_.prepare(
      "SELECT m.room, COALESCE(r.building, b.building), COALESCE(r.floor, b.floor), "
      "bu.comm_manager, COALESCE(m.alarm1_fen, st.alarm1_fen), "
      "COALESCE(m.alarm2_fen, st.alarm2_fen), COALESCE(m.overload_w, st.overload_w), "
      "COALESCE(m.billing_mode, st.billing_mode), "
      "(SELECT old_meter FROM meter_replacements WHERE new_meter = m.id ORDER BY id DESC LIMIT 1), "
      "(SELECT new_meter FROM meter_replacements WHERE old_meter = m.id ORDER BY id DESC LIMIT 1) "
      "FROM meters m JOIN site st ON st.id = 1 LEFT JOIN rooms r ON r.id = m.room "
      "LEFT JOIN boxes b ON b.bus = m.bus AND b.address = m.box LEFT JOIN buses bu ON bu.id = "
      "m.bus WHERE m.id = ?1");
  s->bind(1, id.to_string());
  if (!s->step()) return std::nullopt;
  MeterPlacement p;
  p.room = s->opt_text(0);
  p.building = s->opt_text(1);
  if (auto f = s->opt_int64(2)) p.floor = static_cast<int>(*f);
  p.comm_manager = s->opt_text(3);
  p.thresholds = {s->int64(4), s->int64(5), s->int64(6)};
  p.billing_mode = domain::parse_billing_mode(s->text(7)).value_or(domain::BillingMode::kMeterSide);
  if (auto o = s->opt_text(8)) p.replaces = parse_id(*o);
  if (auto n = s->opt_text(9)) p.replaced_by = parse_id(*n);
  return p;
}

void Admin::check_balances(const billing::CycleAccounts& cycle, TimePoint at) {
  if (cycle.balances.empty() && cycle.elsewhere.empty()) return;
  std::optional<std::int64_t> tolerance;
  {
    auto s = db_.prepare("SELECT mismatch_tolerance_fen FROM site WHERE id = 1");
    if (s->step()) tolerance = s->int64(0);
  }
  if (!tolerance) return;  // no site model imported: nothing says what the meters should hold
  struct Open {
    std::int64_t undelivered = 0;  // pending credits no meter can hold yet
    bool on_the_wire = false;      // a credit in flight: the meters may or may not hold it
  };
  std::map<std::string, Open> open;
  {
    auto s = db_.prepare(
        // Open commands through the (bus, state) index, bus by bus: the outbox keeps its whole
        // history, which must not be scanned every poll.
        "SELECT am.account, COALESCE(SUM(CASE WHEN o.state = 'pending' AND o.purchase_count IS "
        "NULL THEN o.amount_fen ELSE 0 END), 0), SUM(o.state = 'in_flight' OR o.purchase_count "
        "IS NOT NULL) FROM (SELECT DISTINCT bus FROM meters) b CROSS JOIN outbox o ON o.bus = "
        "b.bus AND o.state IN ('pending', 'in_flight') CROSS JOIN account_meters am ON am.meter "
        "= o.meter AND am.detached_at IS NULL WHERE o.kind = 'credit' GROUP BY am.account");
    while (s->step())
      open[s->text(0)] = {s->int64(1), s->int64(2) > 0};
  }
  std::vector<billing::AccountBalance> rows = cycle.balances;
  if (!cycle.elsewhere.empty()) {
    auto s = db_.prepare(
        "SELECT a.id, MIN(am.meter), a.balance_fen, a.balance_offset_fen, a.mismatch_fen, "
        "COALESCE(SUM(m.balance_fen), 0) "
        "FROM json_each(?1) j JOIN accounts a ON a.id = j.value AND a.closed_at IS NULL "
        "JOIN account_meters am ON am.account = a.id AND am.detached_at IS NULL "
        "JOIN meters m ON m.id = am.meter JOIN site st ON st.id = 1 GROUP BY a.id "
        // checkable: every meter meter-side, read and answering
        "HAVING count(*) = SUM(COALESCE(m.billing_mode, st.billing_mode) = 'meter-side' AND "
        "m.read_at IS NOT NULL AND m.failed_cycles = 0)");
    s->bind(1, sqlite::json_array(cycle.elsewhere));
    while (s->step()) {
      rows.push_back(
          {s->text(0), s->text(1), s->int64(2), s->opt_int64(3), s->opt_int64(4), s->int64(5)});
    }
  }
  const std::int64_t tol = *tolerance;
  for (const auto& row : rows) {
    const auto o = open.find(row.account);
    const Open credits = o == open.end() ? Open{} : o->second;
    if (credits.on_the_wire) continue;
    if (!row.baseline_fen) {
      // What the meters hold beyond the ledger when first seen together is not the ledger's.
      auto u = db_.prepare("UPDATE accounts SET balance_offset_fen = ?2 WHERE id = ?1");
      u->bind(1, row.account).bind(2, row.meters_fen - (row.ledger_fen - credits.undelivered));
      u->run();
      continue;
    }
    const auto mismatch = domain::balance_mismatch(
        {row.ledger_fen, credits.undelivered, row.meters_fen - *row.baseline_fen, tol});
    // Written only when the finding appears, clears, or moves by more than the tolerance: a
    // steady gap costs no write per poll.
    const bool changed = mismatch.has_value() != row.previous_fen.has_value() ||
                         (mismatch && std::llabs(*mismatch - *row.previous_fen) > tol);
    if (!changed) continue;
    if (mismatch && !row.previous_fen) {
      rows::write_event(
          db_, parse_id(row.first_meter), "balance_mismatch",
          "account " + row.account + ": its meters hold " + std::to_string(row.meters_fen) +
              " fen, the ledger expects " +
              std::to_string(row.ledger_fen - credits.undelivered + *row.baseline_fen) +
              " fen (balance " + std::to_string(row.ledger_fen) + " - undelivered " +
              std::to_string(credits.undelivered) + " + baseline " +
              std::to_string(*row.baseline_fen) + "), off by " + std::to_string(*mismatch) +
              " fen, beyond the tolerance of " + std::to_string(tol) +
              " fen; compare the meters' price tables and credits with the ledger",
          at);
    } else if (!mismatch) {
      rows::write_event(db_, parse_id(row.first_meter), "balance_mismatch_cleared",
                        "account " + row.account +
                            ": its meters agree with the ledger again (within " +
                            std::to_string(tol) + " fen)",
                        at);
    }
    auto u = db_.prepare("UPDATE accounts SET mismatch_fen = ?2 WHERE id = ?1");
    u->bind(1, row.account).bind(2, mismatch);
    u->run();
  }
}

std::vector<std::string> Admin::verify_transfers() const {
  std::vector<domain::TransferEntry> transfers;
  auto s = db_.prepare(
      "SELECT seq, account, kind, amount_fen, ref_seq FROM ledger "
      "WHERE kind IN ('transfer_in', 'transfer_out') ORDER BY seq");
  while (s->step()) {
    transfers.push_back(
        {s->int64(0), s->text(1),
         domain::parse_entry_kind(s->text(2)).value_or(domain::EntryKind::kTransferOut),
         s->int64(3), s->opt_int64(4)});
  }
  auto problems = domain::verify_transfers(transfers);
  for (auto& p : problems)
    p += "; restore the database from a backup";
  return problems;
}

}  // namespace phil::store::admin
