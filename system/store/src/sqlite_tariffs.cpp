// The Tariffs role of the SQLite store (see sqlite_store.hpp): tariff versions and their
// assignments to the site or a meter, as history (a new one takes effect after the latest), and
// the accounts' tier positions; and the stored tariffs the poll charging prices by.
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <phil/domain/settings.hpp>

#include "sqlite_billing.hpp"
#include "sqlite_prices.hpp"
#include "sqlite_store.hpp"
#include "sqlite_writers.hpp"

namespace phil::store {

namespace {

using domain::Error;
using domain::ErrorKind;
using sqlite::Db;
using sqlite::from_ms;
using sqlite::Stmt;
using sqlite::to_ms;
using sqlite::Transaction;

using rows::refused;

std::string_view tier_period_name(domain::TierPeriod p) {
  switch (p) {
    case domain::TierPeriod::kMonthly:
      return "monthly";
    case domain::TierPeriod::kYearly:
      return "yearly";
    case domain::TierPeriod::kNone:
      break;
  }
  return "none";
}

std::optional<domain::TierPeriod> parse_tier_period(std::string_view s) {
  if (s == "none") return domain::TierPeriod::kNone;
  if (s == "monthly") return domain::TierPeriod::kMonthly;
  if (s == "yearly") return domain::TierPeriod::kYearly;
  return std::nullopt;
}

/// "2026-03-01 00:00 (UTC+480 min)": an instant in a tariff's local time, for messages.
std::string local_time(TimePoint t, std::chrono::minutes offset) {
  const auto local = t + offset;
  const auto day = std::chrono::floor<std::chrono::days>(local);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{std::chrono::floor<std::chrono::minutes>(local - day)};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02ld:%02ld (UTC%+ld min)", int{ymd.year()},
                unsigned{ymd.month()}, unsigned{ymd.day()}, static_cast<long>(hms.hours().count()),
                static_cast<long>(hms.minutes().count()), static_cast<long>(offset.count()));
  return buf;
}

/// Why `req` cannot be stored, whatever the database holds, if it cannot.
std::optional<Error> check_tariff_request(const TariffRequest& req) {
  const auto& t = req.version.tariff;
  if (req.name.empty() || req.name.size() > 64) {
    return refused("tariff name must be 1 to 64 characters; give a name such as residential");
  }
  if (auto problem = domain::check_tariff(t)) {
    return Error{ErrorKind::kInvalid, "tariff " + req.name + ": " + *problem};
  }
  const auto offset = req.utc_offset.count();
  if (offset < -1440 || offset > 1440) {
    return Error{ErrorKind::kInvalid, "tariff " + req.name + ": UTC offset " +
                                          std::to_string(offset) + " min is not a time zone"};
  }
  return std::nullopt;
}

/// The id of the stored tariff named req.name (nullopt: none yet), or why the new version does
/// not fit it (another local time, or not after its latest version).
domain::Result<std::optional<std::int64_t>> existing_tariff(Db& db, const TariffRequest& req) {
  auto s = db.prepare(
      "SELECT t.id, t.utc_offset_min, (SELECT MAX(from_at) FROM tariff_versions v "
      "WHERE v.tariff = t.id) FROM tariffs t WHERE t.name = ?1");
  s->bind(1, req.name);
  if (!s->step()) return std::optional<std::int64_t>{};
  if (s->int64(1) != req.utc_offset.count()) {
    return refused("tariff " + req.name + " is in local time UTC" + (s->int64(1) < 0 ? "" : "+") +
                   std::to_string(s->int64(1)) +
                   " min; give the new version's start with that same UTC offset");
  }
  if (auto latest = s->opt_int64(2); latest && to_ms(req.version.from) <= *latest) {
    return refused("tariff " + req.name + " already has a version from " +
                   local_time(from_ms(*latest), req.utc_offset) +
                   "; a new version must take effect after its latest one");
  }
  return std::optional<std::int64_t>{s->int64(0)};
}

std::int64_t insert_tariff(Db& db, const TariffRequest& req) {
  auto s = db.prepare(
      "INSERT INTO tariffs (name, utc_offset_min, created_at) VALUES (?1, ?2, ?3) RETURNING id");
  s->bind(1, req.name).bind(2, static_cast<std::int64_t>(req.utc_offset.count()));
  s->bind(3, to_ms(req.at));
  if (!s->step()) throw StoreError("database " + db.path() + ": tariff insert returned no id");
  return s->int64(0);
}

/// The version row, its time-of-use periods and its tiers; returns the version's id.
std::int64_t insert_version(Db& db, std::int64_t tariff, const TariffRequest& req) {
  const auto& t = req.version.tariff;
  std::int64_t version = 0;
  {
    auto s = db.prepare(
        "INSERT INTO tariff_versions (tariff, from_at, sharp, peak, flat, valley, tier_period, "
        "reset_month, reset_day, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
        "RETURNING id");
    s->bind(1, tariff).bind(2, to_ms(req.version.from));
    for (int r = 0; r < domain::kTouRates; ++r)
      s->bind(3 + r, t.rates[static_cast<std::size_t>(r)]);
    s->bind(7, tier_period_name(t.tier_period)).bind(8, t.reset_month).bind(9, t.reset_day);
    s->bind(10, to_ms(req.at));
    if (!s->step()) throw StoreError("database " + db.path() + ": version insert returned no id");
    version = s->int64(0);
  }
  for (const auto& p : t.periods) {
    auto s =
        db.prepare("INSERT INTO tariff_periods (version, start_minute, rate) VALUES (?1, ?2, ?3)");
    s->bind(1, version).bind(2, p.start_minute).bind(3, domain::to_string(p.rate));
    s->run();
  }
  for (const auto& step : t.tiers) {
    auto s =
        db.prepare("INSERT INTO tariff_tiers (version, from_wh, surcharge) VALUES (?1, ?2, ?3)");
    s->bind(1, version).bind(2, step.from_wh).bind(3, step.surcharge);
    s->run();
  }
  return version;
}

/// The details of a tariff_add audit row: the start, rates, periods and tiers.
nlohmann::json tariff_details(const TariffRequest& req) {
  const auto& t = req.version.tariff;
  nlohmann::json periods = nlohmann::json::array();
  for (const auto& p : t.periods)
    periods.push_back({{"start_minute", p.start_minute}, {"rate", domain::to_string(p.rate)}});
  nlohmann::json tiers = nlohmann::json::array();
  for (const auto& step : t.tiers)
    tiers.push_back({{"from_wh", step.from_wh}, {"surcharge", step.surcharge}});
  return {{"from", format_timestamp(req.version.from, {})},
          {"from_ms", to_ms(req.version.from)},
          {"rates", t.rates},
          {"periods", std::move(periods)},
          {"tier_period", tier_period_name(t.tier_period)},
          {"tiers", std::move(tiers)}};
}

}  // namespace

std::map<std::int64_t, billing::StoredTariff> billing::load_tariffs(Db& db) {
  std::map<std::int64_t, StoredTariff> out;
  {
    auto s = db.prepare("SELECT id, name, utc_offset_min FROM tariffs");
    while (s->step()) {
      auto& t = out[s->int64(0)];
      t.id = s->int64(0);
      t.name = s->text(1);
      t.schedule.utc_offset = std::chrono::minutes(s->int64(2));
    }
  }
  if (out.empty()) return out;
  // version id -> (tariff id, index in its schedule)
  std::map<std::int64_t, std::pair<std::int64_t, std::size_t>> versions;
  {
    auto s = db.prepare(
        "SELECT id, tariff, from_at, sharp, peak, flat, valley, tier_period, reset_month, "
        "reset_day FROM tariff_versions ORDER BY tariff, from_at");
    while (s->step()) {
      auto& sched = out.at(s->int64(1)).schedule;
      domain::TariffVersion v;
      v.from = from_ms(s->int64(2));
      for (int r = 0; r < domain::kTouRates; ++r)
        v.tariff.rates[static_cast<std::size_t>(r)] = s->int64(3 + r);
      v.tariff.tier_period = parse_tier_period(s->text(7)).value_or(domain::TierPeriod::kNone);
      v.tariff.reset_month = s->integer(8);
      v.tariff.reset_day = s->integer(9);
      v.tariff.periods.clear();
      versions[s->int64(0)] = {s->int64(1), sched.versions.size()};
      sched.versions.push_back(std::move(v));
    }
  }
  {
    auto s = db.prepare(
        "SELECT version, start_minute, rate FROM tariff_periods ORDER BY version, start_minute");
    while (s->step()) {
      const auto [tariff, index] = versions.at(s->int64(0));
      const auto rate = domain::parse_tou_rate(s->text(2)).value_or(domain::TouRate::kFlat);
      out.at(tariff).schedule.versions[index].tariff.periods.push_back({s->integer(1), rate});
    }
  }
  {
    auto s = db.prepare(
        "SELECT version, from_wh, surcharge FROM tariff_tiers ORDER BY version, from_wh");
    while (s->step()) {
      const auto [tariff, index] = versions.at(s->int64(0));
      out.at(tariff).schedule.versions[index].tariff.tiers.push_back({s->int64(1), s->int64(2)});
    }
  }
  for (const auto& [id, t] : out) {
    if (auto problem = domain::check_schedule(t.schedule)) {
      throw StoreError("database " + db.path() + ": stored tariff " + t.name + ": " + *problem +
                       "; the database was changed by hand, restore it from a backup");
    }
  }
  return out;
}

domain::Result<void> SqliteStore::add_tariff(const TariffRequest& req) {
  if (auto refusal = check_tariff_request(req)) return *refusal;
  Transaction tx(db_);
  auto existing = existing_tariff(db_, req);
  if (!existing) return existing.error();
  const auto before = prices::InForce(db_).keys(req.at);
  const auto tariff = existing.value() ? *existing.value() : insert_tariff(db_, req);
  insert_version(db_, tariff, req);
  rows::write_audit(db_, {req.operator_id, "tariff_add", req.name, tariff_details(req)}, req.at);
  // A version in force now reaches the meters it charges now; a later one, their first poll
  // after it takes effect (prices::poll_crossings).
  if (req.version.from <= req.at) {
    prices::sync_changed(db_, before, req.operator_id, "tariff version in force", req.at);
  }
  tx.commit();
  return {};
}

domain::Result<void> SqliteStore::assign_tariff(const TariffAssignRequest& req) {
  const auto target = req.meter ? "meter " + req.meter->to_string() : std::string("the site");
  const TimePoint from = req.from.value_or(req.at);
  if (from < req.at) {
    return refused(
        "a tariff assignment takes effect now or later, not in the past (energy "
        "already charged is not charged again); give a start from now on");
  }
  Transaction tx(db_);
  std::int64_t tariff = 0;
  std::int64_t offset = 0;
  {
    auto s = db_.prepare("SELECT id, utc_offset_min FROM tariffs WHERE name = ?1");
    s->bind(1, req.name);
    if (!s->step()) {
      return Error{ErrorKind::kNotFound,
                   "tariff " + req.name + " does not exist; add it first (tariff add)"};
    }
    tariff = s->int64(0);
    offset = s->int64(1);
  }
  const auto local = std::chrono::minutes(offset);
  if (req.meter) {
    auto s = db_.prepare("SELECT 1 FROM meters WHERE id = ?1");
    s->bind(1, req.meter->to_string());
    if (!s->step()) {
      return refused(target + " is not configured at this site; check the bus, box and circuit");
    }
  }
  auto bind_target = [&](Stmt& s, int i) {
    if (req.meter) {
      s.bind(i, req.meter->to_string());
    } else {
      s.bind_null(i);
    }
  };
  {
    auto s = db_.prepare("SELECT MAX(from_at) FROM tariff_assignments WHERE meter IS ?1");
    bind_target(*s, 1);
    const auto latest = s->step() ? s->opt_int64(0) : std::nullopt;
    if (latest) {
      if (to_ms(from) <= *latest) {
        return refused(target + " already has a tariff assignment from " +
                       local_time(from_ms(*latest), local) +
                       "; assignments are history, a new one must take effect after it");
      }
    }
  }
  {
    // One local time for a site: a reading interval cut at an assignment is priced in one.
    auto s = db_.prepare(
        "SELECT t.name, t.utc_offset_min FROM tariff_assignments a JOIN tariffs t "
        "ON t.id = a.tariff WHERE t.utc_offset_min <> ?1 LIMIT 1");
    s->bind(1, offset);
    if (s->step()) {
      return refused("tariff " + req.name + " is in local time UTC" + (offset < 0 ? "" : "+") +
                     std::to_string(offset) + " min but the assigned tariff " + s->text(0) +
                     " is in UTC" + (s->int64(1) < 0 ? "" : "+") + std::to_string(s->int64(1)) +
                     " min; a site has one local time, add the tariff with that UTC offset");
    }
  }
  const auto before = prices::InForce(db_).keys(req.at);
  {
    auto s = db_.prepare(
        "INSERT INTO tariff_assignments (meter, tariff, from_at, assigned_at) "
        "VALUES (?1, ?2, ?3, ?4)");
    bind_target(*s, 1);
    s->bind(2, tariff).bind(3, to_ms(from)).bind(4, to_ms(req.at));
    s->run();
  }
  rows::write_audit(db_,
                    {req.operator_id,
                     "tariff_assign",
                     req.meter ? req.meter->to_string() : "site",
                     {{"name", req.name}, {"from", format_timestamp(from, {})}}},
                    req.at);
  // In force now: the meters whose tariff in force it changes get the download now; from a
  // later instant, at their first poll after it (prices::poll_crossings), never early.
  if (from <= req.at) prices::sync_changed(db_, before, req.operator_id, "tariff assign", req.at);
  tx.commit();
  return {};
}

domain::Result<void> prices::hand_price(Db& db, const domain::MeterId& meter,
                                        const domain::PricePayload& prices,
                                        const std::string& operator_id, TimePoint at) {
  const auto key = meter.to_string();
  const InForce in_force(db);
  const auto name = domain::manual_tariff_name(meter);
  {
    auto s = db.prepare(
        "SELECT a.from_at, t.name FROM tariff_assignments a JOIN tariffs t ON t.id = a.tariff "
        "WHERE a.meter = ?1 ORDER BY a.from_at DESC LIMIT 1");
    s->bind(1, key);
    if (s->step() && s->int64(0) >= to_ms(at) && s->text(1) != name) {
      return refused("meter " + key + " has tariff " + s->text(1) + " assigned from " +
                     local_time(from_ms(s->int64(0)), in_force.utc_offset()) +
                     ", which would replace a price typed now; assign a tariff instead "
                     "(tariff add, tariff assign)");
    }
  }
  // The rates typed, on the period table the meter's box deducts by now; no tiers.
  domain::Tariff wanted;
  wanted.rates = prices.prices;
  if (const auto* current = in_force.tariff(key, at)) wanted.periods = current->periods;
  TariffRequest req{name, {at, wanted}, in_force.utc_offset(), operator_id, at};
  std::optional<std::int64_t> tariff;
  bool add_version = true;
  {
    auto s = db.prepare("SELECT id FROM tariffs WHERE name = ?1");
    s->bind(1, name);
    if (s->step()) tariff = s->int64(0);
  }
  if (tariff) {
    const auto stored = billing::load_tariffs(db);
    const auto& sched = stored.at(*tariff).schedule;
    const auto& now = sched.at(at);
    add_version = !(now.rates == wanted.rates && now.periods == wanted.periods &&
                    now.tier_period == domain::TierPeriod::kNone);
    req.utc_offset = sched.utc_offset;
    if (add_version && sched.versions.back().from >= at) {
      return refused("tariff " + name + " already has a version from " +
                     local_time(sched.versions.back().from, sched.utc_offset) +
                     "; type the price again in a moment");
    }
  } else {
    tariff = insert_tariff(db, req);
  }
  if (add_version) {
    insert_version(db, *tariff, req);
    auto details = tariff_details(req);
    details["by"] = "command price";
    rows::write_audit(db, {operator_id, "tariff_add", req.name, std::move(details)}, at);
  }
  if (in_force.key(key, at) && in_force.key(key, at)->tariff == *tariff) return {};
  auto s = db.prepare(
      "INSERT INTO tariff_assignments (meter, tariff, from_at, assigned_at) "
      "VALUES (?1, ?2, ?3, ?3)");
  s->bind(1, key).bind(2, *tariff).bind(3, to_ms(at));
  s->run();
  rows::write_audit(db,
                    {operator_id,
                     "tariff_assign",
                     key,
                     {{"name", name}, {"from", format_timestamp(at, {})}, {"by", "command price"}}},
                    at);
  return {};
}

std::vector<TariffRecord> SqliteStore::tariffs() const {
  const auto stored = billing::load_tariffs(db_);
  std::map<std::string, TariffRecord> by_name;
  std::map<std::int64_t, TariffRecord*> by_id;
  for (const auto& [id, t] : stored) {
    auto& rec = by_name[t.name];
    rec.name = t.name;
    rec.schedule = t.schedule;
    by_id[id] = &rec;
  }
  // By target (the site first) and start: a target's last row is its latest assignment.
  std::vector<std::pair<TariffRecord*, TariffAssignmentRecord>> rows;
  auto s = db_.prepare(
      "SELECT tariff, meter, from_at, assigned_at FROM tariff_assignments ORDER BY meter, from_at");
  while (s->step()) {
    TariffAssignmentRecord a;
    if (auto m = s->opt_text(1)) {
      a.meter = rows::parse_id(*m);
    }
    a.from = from_ms(s->int64(2));
    a.assigned_at = from_ms(s->int64(3));
    rows.emplace_back(by_id.at(s->int64(0)), std::move(a));
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto& [rec, a] = rows[i];
    if (i + 1 == rows.size() || rows[i + 1].second.meter != a.meter) {
      if (a.meter) {
        rec->meters.push_back(*a.meter);
      } else {
        rec->site_default = true;
      }
    }
    rec->assignments.push_back(std::move(a));
  }
  std::vector<TariffRecord> out;
  out.reserve(by_name.size());
  for (auto& [name, rec] : by_name)
    out.push_back(std::move(rec));
  return out;
}

std::optional<domain::TierState> SqliteStore::tier_state(const std::string& account) const {
  auto s = db_.prepare("SELECT tier_period_start, tier_used_wh FROM accounts WHERE id = ?1");
  s->bind(1, account);
  if (!s->step()) return std::nullopt;
  domain::TierState t;
  if (auto ps = s->opt_int64(0)) t.period_start = from_ms(*ps);
  t.used_wh = s->int64(1);
  return t;
}

}  // namespace phil::store
