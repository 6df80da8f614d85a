#include "sqlite_billing.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include <phil/domain/billing.hpp>

#include "sqlite_writers.hpp"

namespace phil::store::billing {

namespace {

using domain::Error;
using domain::ErrorKind;
using domain::MeterId;
using sqlite::Db;
using sqlite::from_ms;
using sqlite::json_array;
using sqlite::Stmt;
using sqlite::to_ms;
using sqlite::Transaction;

using rows::refused;

/// Rows written by one multi-row statement: few statement executions, far below SQLite's
/// 32,766 bound parameters (at most 20 columns x 64 rows).
constexpr std::size_t kRowsPerStatement = 64;

/// `head` followed by `rows` groups of `cols` parameters and `tail`: "head (?,?),(?,?) tail".
std::string rows_sql(std::string_view head, int cols, std::size_t rows, std::string_view tail) {
  std::string group = "(";
  for (int c = 0; c < cols; ++c)
    group += c == 0 ? "?" : ",?";
  group += ")";
  std::string sql(head);
  for (std::size_t r = 0; r < rows; ++r) {
    if (r > 0) sql += ",";
    sql += group;
  }
  sql += tail;
  return sql;
}

/// Runs `head VALUES... tail` over `n` rows in chunks; bind(stmt, row, first parameter index).
/// The full-chunk statement is looked up once per call: its SQL is long, and the connection's
/// statement cache compares whole SQL strings.
template <typename Bind>
void write_rows(Db& db, std::string_view head, int cols, std::string_view tail, std::size_t n,
                Bind bind) {
  auto chunk = [&](Stmt& s, std::size_t start, std::size_t rows) {
    for (std::size_t r = 0; r < rows; ++r)
      bind(s, start + r, static_cast<int>(r) * cols + 1);
    s.run();
  };
  const std::size_t full = n / kRowsPerStatement;
  if (full > 0) {
    auto s = db.prepare(rows_sql(head, cols, kRowsPerStatement, tail));
    for (std::size_t c = 0; c < full; ++c)
      chunk(*s, c * kRowsPerStatement, kRowsPerStatement);
  }
  if (const std::size_t rest = n % kRowsPerStatement; rest > 0) {
    auto s = db.prepare(rows_sql(head, cols, rest, tail));
    chunk(*s, full * kRowsPerStatement, rest);
  }
}

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

struct StoredTariff {
  std::int64_t id = 0;
  std::string name;
  domain::TariffSchedule schedule;
};

/// Every stored tariff, checked (a stored tariff that fails domain::check_schedule was changed by
/// hand: StoreError).
std::map<std::int64_t, StoredTariff> load_tariffs(Db& db) {
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

/// An account of the batch: its kept balance as charged so far, and what the meter-side balance
/// check needs of it.
struct AccountState {
  std::int64_t rowid = 0;
  std::int64_t balance = 0;
  std::optional<std::int64_t> last_paid_charge;  ///< seq of this batch's last charge of >= 1 fen
  bool charged = false;
  std::optional<std::int64_t> baseline;  ///< accounts.balance_offset_fen
  std::optional<std::int64_t> previous;  ///< accounts.mismatch_fen
  std::int64_t meters = 0;               ///< its attached meters, in this batch or not
  std::int64_t read = 0;                 ///< of them, read meter-side in this batch
  std::int64_t meters_fen = 0;           ///< the balances those meters report
  std::string first_meter;               ///< the smallest id of them, for an event
  bool uncheckable = false;  ///< a meter of it in this batch is host-side or did not answer
  /// Its tier position (accounts.tier_*): every meter of it charged in this batch moves it, in
  /// reading order; written with its balance.
  domain::TierState tier;
};

/// What applies to a meter that sets nothing of its own; read once per batch.
struct SiteDefaults {
  std::vector<domain::TariffAssignment> tariffs;  ///< the site default's history, by `from`
  std::string billing_mode = "meter-side";
};

/// A meter of the batch: its stored state, updated in memory as the batch is charged.
struct MeterState {
  std::string key;
  bool known = false;
  std::int64_t rowid = 0;
  std::optional<std::string> account;
  AccountState* acc = nullptr;                ///< the account's state (set with `account`)
  std::vector<domain::TariffAssignment> own;  ///< its own tariff assignments, by `from`
  std::optional<TimePoint> read_at;
  domain::MeterReading last;
  int failed_cycles = 0;
  std::optional<std::int64_t> billed;
  std::int64_t carry = 0;
  bool meter_side = false;  ///< its billing mode (its own, or the site's)
  bool read = false;        ///< a reading of this batch: the whole row is written
  bool failed = false;      ///< a failed cycle of this batch
};

/// The batch's meter state, one row per meter of the batch; the meter and account are found by
/// their rowids afterwards (one b-tree search per update instead of two). A meter's own tariff
/// assignments come as one text "from:tariff,from:tariff" (NULL: none; usually one or none), read
/// from the covering index tariff_assignments_by_meter.
constexpr const char* kLoadBatch =
    "SELECT j.key, m.read_at, m.energy_wh, m.power_w, m.balance_fen, m.relay, m.mode, "
    "m.status_bits, m.alarm1, m.alarm2, m.arrears, m.purchase_count, m.purchase_amount_fen, "
    "m.purchase_total_fen, m.failed_cycles, m.billed_energy_wh, m.carry, a.tier_period_start, "
    "a.tier_used_wh, a.id, a.balance_fen, "
    "(SELECT group_concat(ta.from_at || ':' || ta.tariff) FROM tariff_assignments ta "
    "WHERE ta.meter = m.id), "
    "m.rowid, a.rowid, a.balance_offset_fen, a.mismatch_fen, "
    "(SELECT count(*) FROM account_meters x WHERE x.account = a.id AND x.detached_at IS NULL), "
    "m.billing_mode "
    "FROM json_each(?1) j JOIN meters m ON m.id = j.value "
    "LEFT JOIN account_meters am ON am.meter = m.id AND am.detached_at IS NULL "
    "LEFT JOIN accounts a ON a.id = am.account AND a.closed_at IS NULL";

/// Parses kLoadBatch's "from:tariff,..." into assignments ordered by `from`.
std::vector<domain::TariffAssignment> parse_assignments(const Db& db, std::string_view text) {
  std::vector<domain::TariffAssignment> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto item = text.substr(0, comma);
    const auto colon = item.find(':');
    std::int64_t from = 0;
    std::int64_t tariff = 0;
    const auto* end = item.data() + item.size();
    if (colon == std::string_view::npos ||
        std::from_chars(item.data(), item.data() + colon, from).ptr != item.data() + colon ||
        std::from_chars(item.data() + colon + 1, end, tariff).ptr != end) {
      throw StoreError("database " + db.path() + ": malformed tariff assignment list \"" +
                       std::string(text) + "\"");
    }
    out.push_back({from_ms(from), tariff});
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.from < b.from; });
  return out;
}

void load_state(Db& db, SiteDefaults& site, std::vector<MeterState>& states,
                std::unordered_map<std::string, AccountState>& accounts) {
  {
    auto s = db.prepare(
        "SELECT from_at, tariff FROM tariff_assignments WHERE meter IS NULL ORDER BY from_at");
    while (s->step())
      site.tariffs.push_back({from_ms(s->int64(0)), s->int64(1)});
  }
  {
    auto s = db.prepare("SELECT billing_mode FROM site WHERE id = 1");
    if (s->step()) site.billing_mode = s->text(0);
  }
  std::vector<std::string> keys;
  keys.reserve(states.size());
  for (const auto& st : states)
    keys.push_back(st.key);
  auto s = db.prepare(kLoadBatch);
  s->bind(1, json_array(keys));
  while (s->step()) {
    auto& st = states.at(static_cast<std::size_t>(s->int64(0)));
    st.known = true;
    if (auto at = s->opt_int64(1)) {
      st.read_at = from_ms(*at);
      auto& r = st.last;
      r.energy_wh = s->int64(2);
      r.power_w = s->int64(3);
      r.balance_fen = s->int64(4);
      r.relay_closed = s->int64(5) != 0;
      r.mode = domain::parse_meter_mode(s->text(6)).value_or(domain::MeterMode::kUnknown);
      r.status_bits = static_cast<std::uint16_t>(s->int64(7));
      r.alarm1 = s->int64(8) != 0;
      r.alarm2 = s->int64(9) != 0;
      r.arrears = s->int64(10) != 0;
      r.purchase_count = static_cast<std::uint16_t>(s->int64(11));
      r.purchase_amount_fen = s->int64(12);
      r.purchase_total_fen = s->int64(13);
    }
    st.failed_cycles = s->integer(14);
    st.billed = s->opt_int64(15);
    st.carry = s->int64(16);
    st.account = s->opt_text(19);
    if (auto own = s->opt_text(21)) st.own = parse_assignments(db, *own);
    st.rowid = s->int64(22);
    st.meter_side = (s->is_null(27) ? site.billing_mode : s->text(27)) == "meter-side";
    if (st.account) {
      AccountState a;
      a.balance = s->int64(20);
      a.rowid = s->int64(23);
      a.baseline = s->opt_int64(24);
      a.previous = s->opt_int64(25);
      a.meters = s->int64(26);
      if (auto ps = s->opt_int64(17)) a.tier.period_start = from_ms(*ps);
      a.tier.used_wh = s->int64(18);
      st.acc = &accounts.try_emplace(*st.account, std::move(a)).first->second;
    }
  }
}

struct Charge {
  std::string account;
  std::size_t meter = 0;  ///< index into the states
  std::int64_t fen = 0;
  std::int64_t energy_wh = 0;
  std::int64_t carry = 0;
  std::int64_t balance_after = 0;
  std::int64_t seq = 0;
};

}  // namespace

CycleAccounts write_cycle(Db& db, const Readings& readings, const std::vector<MeterId>& failed,
                          TimePoint at, const BillingRules& rules) {
  CycleAccounts out;
  if (readings.empty() && failed.empty()) return out;
  // One state per distinct meter; `slot[i]` is the state of readings[i] (then of failed[i]).
  std::vector<MeterState> states;
  states.reserve(readings.size() + failed.size());
  std::vector<std::size_t> slot;
  slot.reserve(readings.size() + failed.size());
  {
    std::unordered_map<std::string, std::size_t> index;
    index.reserve(readings.size() + failed.size());
    auto add = [&](const MeterId& id) {
      auto key = id.to_string();
      auto [it, fresh] = index.try_emplace(key, states.size());
      if (fresh) {
        states.emplace_back();
        states.back().key = std::move(key);
      }
      slot.push_back(it->second);
    };
    for (const auto& [id, r] : readings)
      add(id);
    for (const auto& id : failed)
      add(id);
  }
  std::unordered_map<std::string, AccountState> accounts;
  SiteDefaults site;
  load_state(db, site, states, accounts);

  std::map<std::int64_t, StoredTariff> tariffs;
  if (!site.tariffs.empty() ||
      std::any_of(states.begin(), states.end(), [](const auto& s) { return !s.own.empty(); })) {
    tariffs = load_tariffs(db);
  }
  // Where no tariff is assigned yet, rules.price: as a schedule for an interval that a first
  // assignment cuts (before it this price, after it the tariff).
  std::optional<domain::TariffSchedule> fallback;
  auto schedule_of = [&](const domain::TariffSpan& span) -> const domain::TariffSchedule* {
    if (span.tariff) return &tariffs.at(*span.tariff).schedule;
    if (!fallback)
      fallback = domain::TariffSchedule{{{TimePoint{}, domain::Tariff::single(rules.price)}}};
    return &*fallback;
  };
  std::int64_t seq = 0;
  {
    auto s = db.prepare("SELECT COALESCE(MAX(seq), 0) FROM ledger");
    if (s->step()) seq = s->int64(0);
  }

  // Readings, charged in order.
  std::vector<Charge> charges;
  std::vector<AccountState*> charged_accounts;
  for (std::size_t i = 0; i < readings.size(); ++i) {
    const auto& [id, r] = readings[i];
    auto& st = states[slot[i]];
    if (!st.known) continue;  // not configured here (the caller only reads configured meters)
    if (st.account) {
      auto& acc = *st.acc;
      domain::ChargePlan plan;
      const TimePoint from = st.read_at.value_or(at);
      // The tariffs over the interval: its own assignments over the site's, cut where they change
      // (none for a baseline, nothing is charged; none without any assignment, rules.price).
      std::vector<domain::TariffSpan> spans;
      if (st.billed && !(st.own.empty() && site.tariffs.empty())) {
        spans = domain::tariff_spans(st.own, site.tariffs, std::min(from, at), at);
      }
      if (spans.empty() || (spans.size() == 1 && !spans.front().tariff)) {
        plan = domain::plan_charge({st.billed, r.energy_wh, rules.price, st.carry});
      } else {
        domain::TariffSchedule joined;
        const domain::TariffSchedule* schedule = schedule_of(spans.front());
        if (spans.size() > 1) {
          std::vector<domain::SchedulePart> parts;
          parts.reserve(spans.size());
          for (const auto& span : spans)
            parts.push_back({span.from, schedule_of(span)});
          joined = domain::join_schedules(parts);
          schedule = &joined;
        }
        const auto p = domain::plan_tariff_charge(
            *schedule, {st.billed, r.energy_wh, st.carry, acc.tier, from, at});
        plan = p.plan;
        acc.tier = p.tier;
      }
      if (plan.event == domain::EnergyEvent::kMeterReplaced) {
        rows::write_event(db, rows::parse_id(st.key), "meter_replaced",
                          "energy went back from " + std::to_string(*st.billed) + " Wh to " +
                              std::to_string(r.energy_wh) +
                              " Wh; not charged, billing re-based on the new reading",
                          at);
      }
      if (plan.energy_wh > 0) {
        acc.balance -= plan.fen;
        if (!acc.charged) charged_accounts.push_back(&acc);
        acc.charged = true;
        charges.push_back(
            {*st.account, slot[i], plan.fen, plan.energy_wh, plan.carry, acc.balance, ++seq});
        if (plan.fen > 0) acc.last_paid_charge = seq;
      }
      st.billed = plan.billed_energy_wh;
      st.carry = plan.carry;
    }
    st.read_at = at;
    st.last = r;
    st.failed_cycles = 0;
    st.read = true;
  }
  for (std::size_t i = 0; i < failed.size(); ++i) {
    auto& st = states[slot[readings.size() + i]];
    if (!st.known) continue;
    ++st.failed_cycles;
    st.failed = true;
  }

  // Each meter's last reading of the batch, in key order: a cycle's rows are appended to the
  // (at, meter)-ordered table page after page.
  std::vector<std::size_t> read;
  std::vector<std::size_t> failed_only;
  for (std::size_t i = 0; i < states.size(); ++i) {
    if (states[i].read) {
      read.push_back(i);
    } else if (states[i].failed) {
      failed_only.push_back(i);
    }
  }
  std::sort(read.begin(), read.end(),
            [&](std::size_t a, std::size_t b) { return states[a].key < states[b].key; });
  const auto at_ms = to_ms(at);
  write_rows(db,
             "INSERT OR REPLACE INTO readings (at, meter, energy_wh, power_w, balance_fen, relay, "
             "mode, status_bits, purchase_count, purchase_total_fen) VALUES ",
             10, "", read.size(), [&](Stmt& s, std::size_t n, int p) {
               const auto& st = states[read[n]];
               const auto& r = st.last;
               s.bind(p, at_ms).bind(p + 1, st.key).bind(p + 2, r.energy_wh);
               s.bind(p + 3, r.power_w).bind(p + 4, r.balance_fen);
               s.bind(p + 5, r.relay_closed ? 1 : 0).bind(p + 6, domain::to_string(r.mode));
               s.bind(p + 7, int{r.status_bits}).bind(p + 8, int{r.purchase_count});
               s.bind(p + 9, r.purchase_total_fen);
             });
  write_rows(db,
             "INSERT INTO ledger (seq, account, kind, meter, amount_fen, energy_wh, carry, "
             "balance_after_fen, operator, at) VALUES ",
             10, "", charges.size(), [&](Stmt& s, std::size_t n, int p) {
               const auto& c = charges[n];
               s.bind(p, c.seq).bind(p + 1, c.account).bind(p + 2, "charge");
               s.bind(p + 3, states[c.meter].key).bind(p + 4, c.fen).bind(p + 5, c.energy_wh);
               s.bind(p + 6, c.carry).bind(p + 7, c.balance_after).bind(p + 8, "system");
               s.bind(p + 9, at_ms);
             });
  write_rows(db,
             "UPDATE accounts SET balance_fen = v.column2, last_charge_seq = "
             "COALESCE(v.column3, last_charge_seq), tier_period_start = v.column4, "
             "tier_used_wh = v.column5 FROM (VALUES ",
             5, ") AS v WHERE accounts.rowid = v.column1", charged_accounts.size(),
             [&](Stmt& s, std::size_t n, int p) {
               const auto& a = *charged_accounts[n];
               s.bind(p, a.rowid).bind(p + 1, a.balance).bind(p + 2, a.last_paid_charge);
               if (a.tier.period_start) {
                 s.bind(p + 3, to_ms(*a.tier.period_start));
               } else {
                 s.bind_null(p + 3);
               }
               s.bind(p + 4, a.tier.used_wh);
             });
  auto status_of = [&](const MeterState& st) {
    std::optional<domain::MeterReading> last;
    if (st.read_at) last = st.last;
    return domain::to_string(domain::derive_status(
        {st.account.has_value(), st.failed_cycles, rules.offline_after, last}));
  };
  write_rows(db,
             "UPDATE meters SET read_at = v.column2, energy_wh = v.column3, power_w = v.column4, "
             "balance_fen = v.column5, relay = v.column6, mode = v.column7, "
             "status_bits = v.column8, alarm1 = v.column9, alarm2 = v.column10, "
             "arrears = v.column11, purchase_count = v.column12, "
             "purchase_amount_fen = v.column13, purchase_total_fen = v.column14, "
             "status = v.column15, failed_cycles = v.column16, billed_energy_wh = v.column17, "
             "carry = v.column18 FROM (VALUES ",
             18, ") AS v WHERE meters.rowid = v.column1", read.size(),
             [&](Stmt& s, std::size_t n, int p) {
               const auto& st = states[read[n]];
               const auto& r = st.last;
               s.bind(p, st.rowid).bind(p + 1, at_ms).bind(p + 2, r.energy_wh);
               s.bind(p + 3, r.power_w).bind(p + 4, r.balance_fen);
               s.bind(p + 5, r.relay_closed ? 1 : 0).bind(p + 6, domain::to_string(r.mode));
               s.bind(p + 7, int{r.status_bits}).bind(p + 8, r.alarm1 ? 1 : 0);
               s.bind(p + 9, r.alarm2 ? 1 : 0).bind(p + 10, r.arrears ? 1 : 0);
               s.bind(p + 11, int{r.purchase_count}).bind(p + 12, r.purchase_amount_fen);
               s.bind(p + 13, r.purchase_total_fen).bind(p + 14, status_of(st));
               s.bind(p + 15, st.failed_cycles).bind(p + 16, st.billed).bind(p + 17, st.carry);
             });
  write_rows(db, "UPDATE meters SET failed_cycles = v.column2, status = v.column3 FROM (VALUES ", 3,
             ") AS v WHERE meters.rowid = v.column1", failed_only.size(),
             [&](Stmt& s, std::size_t n, int p) {
               const auto& st = states[failed_only[n]];
               s.bind(p, st.rowid).bind(p + 1, st.failed_cycles).bind(p + 2, status_of(st));
             });

  // What the meter-side balance check needs: an account whose meters were all read meter-side
  // in this batch is checked from memory; one with a meter elsewhere (another bus's batch, or
  // not read now) by a query after these writes.
  for (const auto i : read) {  // key order: the first meter seen is the smallest id
    const auto& st = states[i];
    if (!st.account) continue;
    auto& acc = *st.acc;
    if (acc.first_meter.empty()) acc.first_meter = st.key;
    if (!st.meter_side) acc.uncheckable = true;
    ++acc.read;
    acc.meters_fen += st.last.balance_fen;
  }
  for (const auto i : failed_only) {
    if (const auto& st = states[i]; st.acc) st.acc->uncheckable = true;
  }
  for (const auto i : read) {
    const auto& st = states[i];
    if (!st.account) continue;
    auto& acc = *st.acc;
    if (acc.first_meter != st.key || acc.uncheckable) continue;  // once per account
    if (acc.read == acc.meters) {
      out.balances.push_back(
          {*st.account, acc.first_meter, acc.balance, acc.baseline, acc.previous, acc.meters_fen});
    } else {
      out.elsewhere.push_back(*st.account);
    }
  }
  return out;
}

domain::Result<void> add_tariff(Db& db, const TariffRequest& req) {
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
  Transaction tx(db);
  std::optional<std::int64_t> tariff;
  {
    auto s = db.prepare(
        "SELECT t.id, t.utc_offset_min, (SELECT MAX(from_at) FROM tariff_versions v "
        "WHERE v.tariff = t.id) FROM tariffs t WHERE t.name = ?1");
    s->bind(1, req.name);
    if (s->step()) {
      tariff = s->int64(0);
      if (s->int64(1) != offset) {
        return refused("tariff " + req.name + " is in local time UTC" +
                       (s->int64(1) < 0 ? "" : "+") + std::to_string(s->int64(1)) +
                       " min; give the new version's start with that same UTC offset");
      }
      if (auto latest = s->opt_int64(2); latest && to_ms(req.version.from) <= *latest) {
        return refused("tariff " + req.name + " already has a version from " +
                       local_time(from_ms(*latest), req.utc_offset) +
                       "; a new version must take effect after its latest one");
      }
    }
  }
  if (!tariff) {
    auto s = db.prepare(
        "INSERT INTO tariffs (name, utc_offset_min, created_at) VALUES (?1, ?2, ?3) RETURNING id");
    s->bind(1, req.name).bind(2, static_cast<std::int64_t>(offset)).bind(3, to_ms(req.at));
    if (!s->step()) throw StoreError("database " + db.path() + ": tariff insert returned no id");
    tariff = s->int64(0);
  }
  std::int64_t version = 0;
  {
    auto s = db.prepare(
        "INSERT INTO tariff_versions (tariff, from_at, sharp, peak, flat, valley, tier_period, "
        "reset_month, reset_day, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
        "RETURNING id");
    s->bind(1, *tariff).bind(2, to_ms(req.version.from));
    for (int r = 0; r < domain::kTouRates; ++r)
      s->bind(3 + r, t.rates[static_cast<std::size_t>(r)]);
    s->bind(7, tier_period_name(t.tier_period)).bind(8, t.reset_month).bind(9, t.reset_day);
    s->bind(10, to_ms(req.at));
    if (!s->step()) throw StoreError("database " + db.path() + ": version insert returned no id");
    version = s->int64(0);
  }
  std::string details = "name=" + req.name + " from=" + std::to_string(to_ms(req.version.from)) +
                        " rates=" + std::to_string(t.rates[0]);
  // Appended piecewise: `"," + std::to_string(...)` trips GCC 12's -O3 -Wrestrict false positive.
  for (std::size_t r = 1; r < t.rates.size(); ++r) {
    details += ',';
    details += std::to_string(t.rates[r]);
  }
  details += " periods=";
  for (const auto& p : t.periods) {
    auto s =
        db.prepare("INSERT INTO tariff_periods (version, start_minute, rate) VALUES (?1, ?2, ?3)");
    s->bind(1, version).bind(2, p.start_minute).bind(3, domain::to_string(p.rate));
    s->run();
    details += std::to_string(p.start_minute) + ":" + std::string(domain::to_string(p.rate)) + ";";
  }
  details += " tiers=" + std::string(tier_period_name(t.tier_period));
  for (const auto& step : t.tiers) {
    auto s =
        db.prepare("INSERT INTO tariff_tiers (version, from_wh, surcharge) VALUES (?1, ?2, ?3)");
    s->bind(1, version).bind(2, step.from_wh).bind(3, step.surcharge);
    s->run();
    details += ';';
    details += std::to_string(step.from_wh);
    details += ':';
    details += std::to_string(step.surcharge);
  }
  rows::write_audit(db, req.operator_id, "tariff_add", details, req.at);
  tx.commit();
  return {};
}

domain::Result<void> assign_tariff(Db& db, const TariffAssignRequest& req) {
  const auto target = req.meter ? "meter " + req.meter->to_string() : std::string("the site");
  const TimePoint from = req.from.value_or(req.at);
  if (from < req.at) {
    return refused(
        "a tariff assignment takes effect now or later, not in the past (energy "
        "already charged is not charged again); give a start from now on");
  }
  Transaction tx(db);
  std::int64_t tariff = 0;
  std::int64_t offset = 0;
  {
    auto s = db.prepare("SELECT id, utc_offset_min FROM tariffs WHERE name = ?1");
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
    auto s = db.prepare("SELECT 1 FROM meters WHERE id = ?1");
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
    auto s = db.prepare("SELECT MAX(from_at) FROM tariff_assignments WHERE meter IS ?1");
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
    auto s = db.prepare(
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
  {
    auto s = db.prepare(
        "INSERT INTO tariff_assignments (meter, tariff, from_at, assigned_at) "
        "VALUES (?1, ?2, ?3, ?4)");
    bind_target(*s, 1);
    s->bind(2, tariff).bind(3, to_ms(from)).bind(4, to_ms(req.at));
    s->run();
  }
  rows::write_audit(db, req.operator_id, "tariff_assign",
                    "name=" + req.name +
                        " target=" + (req.meter ? req.meter->to_string() : "site") +
                        " from=" + std::to_string(to_ms(from)),
                    req.at);
  tx.commit();
  return {};
}

std::vector<TariffRecord> tariffs(Db& db) {
  const auto stored = load_tariffs(db);
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
  auto s = db.prepare(
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
  for (auto& [name, rec] : by_name)
    out.push_back(std::move(rec));
  return out;
}

std::optional<domain::TierState> tier_state(Db& db, const std::string& account) {
  auto s = db.prepare("SELECT tier_period_start, tier_used_wh FROM accounts WHERE id = ?1");
  s->bind(1, account);
  if (!s->step()) return std::nullopt;
  domain::TierState t;
  if (auto ps = s->opt_int64(0)) t.period_start = from_ms(*ps);
  t.used_wh = s->int64(1);
  return t;
}

}  // namespace phil::store::billing
