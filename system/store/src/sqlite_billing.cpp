// The poll cycle's charging (see sqlite_billing.hpp): a cycle loaded, charged in memory and
// written back in bulk, each step a function of its own over one Batch.
#include "sqlite_billing.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>

#include <phil/common/decimal.hpp>
#include <phil/domain/alarms.hpp>
#include <phil/domain/billing.hpp>
#include <phil/domain/settings.hpp>
#include <phil/domain/status.hpp>

#include "audit_chain.hpp"
#include "sqlite_alarms.hpp"
#include "sqlite_box_identity.hpp"
#include "sqlite_writers.hpp"

namespace phil::store::billing {

namespace {

using domain::MeterId;
using sqlite::Db;
using sqlite::from_ms;
using sqlite::json_array;
using sqlite::Stmt;
using sqlite::to_ms;

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
  domain::Thresholds thresholds;  ///< the site's alarm 1 and 2 (overload unused here)
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
  bool meter_side = false;        ///< its billing mode (its own, or the site's)
  domain::Thresholds thresholds;  ///< its own stored alarms, else the site's
  int failed_before = 0;          ///< failed cycles as stored before this batch
  /// Its confirmed price downloads (meter-side meters only): from the first on, its ledger
  /// charges the prices the meter confirmed (domain::meter_price_schedule).
  std::vector<domain::ConfirmedPrices> confirmed;
  /// The status-bits disagreement last reported (meters.status_bits_mismatch), if any.
  std::optional<std::string> bits_mismatch;
  bool read = false;    ///< a reading of this batch: the whole row is written
  bool failed = false;  ///< a failed cycle of this batch
};

/// The batch's meter state, one row per meter of the batch; the meter and account are found by
/// their rowids afterwards (one b-tree search per update instead of two). A meter's own tariff
/// assignments come as one text "from:tariff,from:tariff" (NULL: none; usually one or none), read
/// from the covering index tariff_assignments_by_meter.
/// Its confirmed price downloads come as one text "at|payload;at|payload" (NULL: none; a
/// handful over a meter's life), by the index outbox_by_meter.
constexpr const char* kLoadBatch =
    "SELECT j.key, m.read_at, m.energy_wh, m.power_w, m.balance_fen, m.relay, m.mode, "
    "m.status_bits, m.alarm1, m.alarm2, m.arrears, m.purchase_count, m.purchase_amount_fen, "
    "m.purchase_total_fen, m.failed_cycles, m.billed_energy_wh, m.carry, a.tier_period_start, "
    "a.tier_used_wh, a.id, a.balance_fen, "
    "(SELECT group_concat(ta.from_at || ':' || ta.tariff) FROM tariff_assignments ta "
    "WHERE ta.meter = m.id), "
    "m.rowid, a.rowid, a.balance_offset_fen, a.mismatch_fen, "
    "(SELECT count(*) FROM account_meters x WHERE x.account = a.id AND x.detached_at IS NULL), "
    "m.billing_mode, m.alarm1_fen, m.alarm2_fen, m.status_bits_mismatch, "
    "(SELECT group_concat(o.updated_at || '|' || o.payload, ';') FROM outbox o "
    "WHERE o.meter = m.id AND o.kind = 'price' AND o.state = 'confirmed') "
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

/// Parses kLoadBatch's "at|payload;..." of confirmed price downloads.
std::vector<domain::ConfirmedPrices> parse_confirmed(const Db& db, std::string_view text) {
  std::vector<domain::ConfirmedPrices> out;
  while (!text.empty()) {
    const auto semi = text.find(';');
    const auto item = text.substr(0, semi);
    const auto bar = item.find('|');
    std::int64_t at = 0;
    const auto p = bar == std::string_view::npos
                       ? domain::Result<domain::CommandPayload>{domain::Error{
                             domain::ErrorKind::kInvalid, "no payload"}}
                       : domain::decode_payload(domain::CommandKind::kPrice, item.substr(bar + 1));
    const auto* prices = p ? std::get_if<domain::PricePayload>(&p.value()) : nullptr;
    if (prices == nullptr ||
        std::from_chars(item.data(), item.data() + bar, at).ptr != item.data() + bar) {
      throw StoreError("database " + db.path() + ": malformed confirmed price list \"" +
                       std::string(text) + "\"");
    }
    out.push_back({from_ms(at), *prices});
    text = semi == std::string_view::npos ? std::string_view{} : text.substr(semi + 1);
  }
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
    auto s = db.prepare("SELECT billing_mode, alarm1_fen, alarm2_fen FROM site WHERE id = 1");
    if (s->step()) {
      site.billing_mode = s->text(0);
      site.thresholds = {s->int64(1), s->int64(2), 0};
    }
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
    st.failed_before = st.failed_cycles;
    st.billed = s->opt_int64(15);
    st.carry = s->int64(16);
    st.account = s->opt_text(19);
    if (auto own = s->opt_text(21)) st.own = parse_assignments(db, *own);
    st.rowid = s->int64(22);
    st.meter_side = (s->is_null(27) ? site.billing_mode : s->text(27)) == "meter-side";
    st.thresholds = {s->opt_int64(28).value_or(site.thresholds.alarm1_fen),
                     s->opt_int64(29).value_or(site.thresholds.alarm2_fen), 0};
    st.bits_mismatch = s->opt_text(30);
    if (auto prices = s->opt_text(31); prices && st.meter_side) {
      st.confirmed = parse_confirmed(db, *prices);
    }
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

/// A poll cycle in memory: a state per distinct meter of the batch, their accounts, and what the
/// charging produced.
struct Batch {
  std::vector<MeterState> states;
  /// `slot[i]` is the state of readings[i] (then of failed[i]).
  std::vector<std::size_t> slot;
  /// Node-based: the states point at their account's entry.
  std::unordered_map<std::string, AccountState> accounts;
  SiteDefaults site;
  std::vector<Charge> charges;
  std::vector<AccountState*> charged_accounts;
  /// The meters read in this batch, in key order: a cycle's rows are appended to the
  /// (at, meter)-ordered table page after page.
  std::vector<std::size_t> read;
  /// The meters with only a failed cycle in this batch.
  std::vector<std::size_t> failed_only;
  /// The boxes whose billing an identity mismatch stops (issue 12.8): their meters are read,
  /// not charged.
  std::set<std::pair<std::string, int>> stopped;
};

/// One state per distinct meter of the batch, and the slot of every reading and failure.
void index_meters(Batch& b, const Readings& readings, const std::vector<MeterId>& failed) {
  b.states.reserve(readings.size() + failed.size());
  b.slot.reserve(readings.size() + failed.size());
  std::unordered_map<std::string, std::size_t> index;
  index.reserve(readings.size() + failed.size());
  auto add = [&](const MeterId& id) {
    auto key = id.to_string();
    auto [it, fresh] = index.try_emplace(key, b.states.size());
    if (fresh) {
      b.states.emplace_back();
      b.states.back().key = std::move(key);
    }
    b.slot.push_back(it->second);
  };
  for (const auto& [id, r] : readings)
    add(id);
  for (const auto& id : failed)
    add(id);
}

/// The prices of a batch: the stored tariffs (loaded only if a meter of the batch or the site
/// has any assigned) and, where no tariff is assigned yet, rules.price.
class Pricing {
 public:
  Pricing(Db& db, const Batch& b, std::int64_t price) : price_(price) {
    if (!b.site.tariffs.empty() || std::any_of(b.states.begin(), b.states.end(),
                                               [](const auto& s) { return !s.own.empty(); })) {
      tariffs_ = load_tariffs(db);
    }
  }

  /// The charge of reading `r` of meter `st` (of account `acc`, whose tier position it moves)
  /// taken at `at`.
  domain::ChargePlan plan(const MeterState& st, AccountState& acc, const domain::MeterReading& r,
                          TimePoint at, const SiteDefaults& site) {
    const TimePoint from = st.read_at.value_or(at);
    // The tariffs over the interval: its own assignments over the site's, cut where they change
    // (none for a baseline, nothing is charged; none without any assignment, rules.price).
    std::vector<domain::TariffSpan> spans;
    if (st.billed && !(st.own.empty() && site.tariffs.empty())) {
      spans = domain::tariff_spans(st.own, site.tariffs, std::min(from, at), at);
    }
    // A meter-side meter that confirmed a price download: charged at the prices on it.
    const bool by_meter = st.billed && !st.confirmed.empty();
    if (!by_meter && (spans.empty() || (spans.size() == 1 && !spans.front().tariff))) {
      return domain::plan_charge({st.billed, r.energy_wh, price_, st.carry});
    }
    domain::TariffSchedule joined;
    const domain::TariffSchedule* schedule =
        schedule_of(spans.empty() ? domain::TariffSpan{} : spans.front());
    if (spans.size() > 1) {
      std::vector<domain::SchedulePart> parts;
      parts.reserve(spans.size());
      for (const auto& span : spans)
        parts.push_back({span.from, schedule_of(span)});
      joined = domain::join_schedules(parts);
      schedule = &joined;
    }
    domain::TariffSchedule on_meter;
    if (by_meter) {
      on_meter = domain::meter_price_schedule(*schedule, st.confirmed);
      schedule = &on_meter;
    }
    const auto p = domain::plan_tariff_charge(
        *schedule, {st.billed, r.energy_wh, st.carry, acc.tier, from, at});
    acc.tier = p.tier;
    return p.plan;
  }

 private:
  /// Where no tariff is assigned yet, price_: as a schedule for an interval that a first
  /// assignment cuts (before it this price, after it the tariff).
  const domain::TariffSchedule* schedule_of(const domain::TariffSpan& span) {
    if (span.tariff) return &tariffs_.at(*span.tariff).schedule;
    if (!fallback_)
      fallback_ = domain::TariffSchedule{{{TimePoint{}, domain::Tariff::single(price_)}}};
    return &*fallback_;
  }

  std::map<std::int64_t, StoredTariff> tariffs_;
  std::optional<domain::TariffSchedule> fallback_;
  std::int64_t price_;
};

/// The readings, charged in order: each meter's state and its account's balance move in memory;
/// the charges are collected for the ledger (numbered on from the last entry).
void charge_readings(Db& db, Batch& b, const Readings& readings, Pricing& pricing, TimePoint at,
                     bool metering_only) {
  std::int64_t seq = 0;
  {
    auto s = db.prepare("SELECT COALESCE(MAX(seq), 0) FROM ledger");
    if (s->step()) seq = s->int64(0);
  }
  for (std::size_t i = 0; i < readings.size(); ++i) {
    const auto& [id, r] = readings[i];
    auto& st = b.states[b.slot[i]];
    if (!st.known) continue;  // not configured here (the caller only reads configured meters)
    if (st.account && !metering_only) {
      auto& acc = *st.acc;
      if (b.stopped.contains({id.bus, id.box})) {
        // The box is not the one the site file expects (issue 12.8): nothing is charged until
        // an operator confirms it; the energy billed up to stays (a first reading is its
        // baseline), so the first reading after the confirmation charges what was used meanwhile.
        if (!st.billed) st.billed = r.energy_wh;
        st.read_at = at;
        st.last = r;
        st.failed_cycles = 0;
        st.read = true;
        continue;
      }
      const auto plan = pricing.plan(st, acc, r, at, b.site);
      if (plan.event == domain::EnergyEvent::kMeterReplaced) {
        identity::swap_detected(db, id, at);
        rows::write_event(db, rows::parse_id(st.key), "meter_replaced",
                          "energy went back from " + std::to_string(*st.billed) + " Wh to " +
                              std::to_string(r.energy_wh) +
                              " Wh; not charged, billing re-based on the new reading",
                          at);
      }
      if (plan.energy_wh > 0) {
        acc.balance -= plan.fen;
        if (!acc.charged) b.charged_accounts.push_back(&acc);
        acc.charged = true;
        b.charges.push_back(
            {*st.account, b.slot[i], plan.fen, plan.energy_wh, plan.carry, acc.balance, ++seq});
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
}

/// The failed cycles of the batch, and the order the meters are written in (Batch::read).
void count_failures(Batch& b, const Readings& readings, const std::vector<MeterId>& failed) {
  for (std::size_t i = 0; i < failed.size(); ++i) {
    auto& st = b.states[b.slot[readings.size() + i]];
    if (!st.known) continue;
    ++st.failed_cycles;
    st.failed = true;
  }
  for (std::size_t i = 0; i < b.states.size(); ++i) {
    if (b.states[i].read) {
      b.read.push_back(i);
    } else if (b.states[i].failed) {
      b.failed_only.push_back(i);
    }
  }
  std::sort(b.read.begin(), b.read.end(),
            [&](std::size_t x, std::size_t y) { return b.states[x].key < b.states[y].key; });
}

/// Each meter's last reading of the batch as a reading row.
void write_readings(Db& db, const Batch& b, std::int64_t at_ms) {
  write_rows(db,
             "INSERT OR REPLACE INTO readings (at, meter, energy_wh, power_w, balance_fen, relay, "
             "mode, status_bits, purchase_count, purchase_total_fen) VALUES ",
             10, "", b.read.size(), [&](Stmt& s, std::size_t n, int p) {
               const auto& st = b.states[b.read[n]];
               const auto& r = st.last;
               s.bind(p, at_ms).bind(p + 1, st.key).bind(p + 2, r.energy_wh);
               s.bind(p + 3, r.power_w).bind(p + 4, r.balance_fen);
               s.bind(p + 5, r.relay_closed ? 1 : 0).bind(p + 6, domain::to_string(r.mode));
               s.bind(p + 7, int{r.status_bits}).bind(p + 8, int{r.purchase_count});
               s.bind(p + 9, r.purchase_total_fen);
             });
}

/// The cycle's row of the system log, which its charges refer to: their count and sums, and
/// the digest of the entries computed here from memory (audit_chain.hpp), so that sealing it
/// reads none of them back. Returns its id.
std::int64_t audit_charges(Db& db, const Batch& b, std::int64_t at_ms) {
  audit::Hasher digest;
  std::int64_t fen = 0;
  std::int64_t energy = 0;
  for (const auto& c : b.charges) {
    audit::add_entry(digest, {c.seq, c.account, "charge", b.states[c.meter].key, c.fen, c.energy_wh,
                              c.carry, c.balance_after, kSystemOperator, at_ms, std::nullopt});
    fen += c.fen;
    energy += c.energy_wh;
  }
  const auto& first_key = b.states[b.charges.front().meter].key;
  const nlohmann::json details{{"entries", b.charges.size()},
                               {"first_seq", b.charges.front().seq},
                               {"last_seq", b.charges.back().seq},
                               {"amount_fen", fen},
                               {"energy_wh", energy}};
  return audit::insert_row(db, kSystemOperator, "charge_cycle",
                           first_key.substr(0, first_key.find('/')), "ok",
                           rows::json_details(details), at_ms, digest.hex());
}

/// The charges as ledger entries, referring to the cycle's system log row, and the charged
/// accounts' kept balances and tier positions.
void write_charges(Db& db, const Batch& b, std::int64_t at_ms) {
  if (b.charges.empty()) return;
  const auto audit_id = audit_charges(db, b, at_ms);
  write_rows(db,
             "INSERT INTO ledger (seq, account, kind, meter, amount_fen, energy_wh, carry, "
             "balance_after_fen, operator, at, audit_id) VALUES ",
             11, "", b.charges.size(), [&](Stmt& s, std::size_t n, int p) {
               const auto& c = b.charges[n];
               s.bind(p, c.seq).bind(p + 1, c.account).bind(p + 2, "charge");
               s.bind(p + 3, b.states[c.meter].key).bind(p + 4, c.fen).bind(p + 5, c.energy_wh);
               s.bind(p + 6, c.carry).bind(p + 7, c.balance_after);
               s.bind(p + 8, kSystemOperator).bind(p + 9, at_ms).bind(p + 10, audit_id);
             });
  write_rows(db,
             "UPDATE accounts SET balance_fen = v.column2, last_charge_seq = "
             "COALESCE(v.column3, last_charge_seq), tier_period_start = v.column4, "
             "tier_used_wh = v.column5 FROM (VALUES ",
             5, ") AS v WHERE accounts.rowid = v.column1", b.charged_accounts.size(),
             [&](Stmt& s, std::size_t n, int p) {
               const auto& a = *b.charged_accounts[n];
               s.bind(p, a.rowid).bind(p + 1, a.balance).bind(p + 2, a.last_paid_charge);
               if (a.tier.period_start) {
                 s.bind(p + 3, to_ms(*a.tier.period_start));
               } else {
                 s.bind_null(p + 3);
               }
               s.bind(p + 4, a.tier.used_wh);
             });
}

/// The balance that holds a meter's account's money after the batch: the meter's own for a
/// meter-side meter, the ledger's for a host-side one; nullopt if not known.
std::optional<std::int64_t> money_balance(const MeterState& st) {
  if (st.acc && !st.meter_side) return st.acc->balance;
  if (st.read_at) return st.last.balance_fen;
  return std::nullopt;
}

/// A meter's status after the batch (domain::derive_status) from money_balance.
domain::MeterStatus status(const MeterState& st, const BillingRules& rules) {
  if (rules.metering_only) {
    return st.failed_cycles >= rules.offline_after ? domain::MeterStatus::kOffline
                                                   : domain::MeterStatus::kNormal;
  }
  return domain::derive_status({st.account.has_value(), st.failed_cycles, rules.offline_after,
                                money_balance(st), st.thresholds});
}

/// An alarm's details of a meter's status: the balance that decided it and the thresholds, in
/// yuan.
std::string balance_details(const MeterState& st, domain::MeterStatus derived) {
  const auto balance = money_balance(st);
  nlohmann::json d{{"status", domain::to_string(derived)},
                   {"alarm1", format_decimal(st.thresholds.alarm1_fen, 2)},
                   {"alarm2", format_decimal(st.thresholds.alarm2_fen, 2)}};
  if (balance) d["balance"] = format_decimal(*balance, 2);
  if (st.account) d["account"] = *st.account;
  return d.dump();
}

/// The overload trip alarm as a reading observes it: the meter's overload flag with its relay
/// open (the flag alone, relay closed, is a load above the threshold not yet tripped). Held until
/// a reading without it: the flag latches until a mode command (a remote close) clears it.
domain::AlarmSeen overload_seen(const MeterState& st) {
  const bool tripped = st.last.overload && !st.last.relay_closed;
  std::string details = "{}";
  if (tripped) {
    nlohmann::json d{{"mode", domain::to_string(st.last.mode)}};
    if (st.account) d["account"] = *st.account;
    details = d.dump();
  }
  return {{domain::AlarmKind::kOverloadTrip, domain::AlarmTarget::of_meter(rows::parse_id(st.key))},
          tripped,
          std::move(details)};
}

/// The events of the batch's status changes, each once: a meter gone offline (its
/// `offline_after`-th failed cycle in a row) or answering again after it was, and the device's
/// status bits disagreeing with the derived status of a meter-side meter (once per distinct
/// disagreement in a row; the last one is kept in the meter row, so a restart repeats none).
/// The same observations raise and clear the meters' alarms (alarm 1, 2, arrears, offline,
/// overload trip, status bits: domain::status_alarms, overload_seen, domain::alarm_changes); a
/// meter that did not answer but is not offline yet observes none.
void status_events(Db& db, Batch& b, TimePoint at, const BillingRules& rules) {
  alarms::Observation seen(db);
  for (const auto i : b.failed_only) {
    const auto& st = b.states[i];
    if (st.failed_cycles >= rules.offline_after) {
      const auto details = [&] {
        return nlohmann::json{{"failed_cycles", st.failed_cycles}}.dump();
      };
      for (auto& a :
           domain::status_alarms(rows::parse_id(st.key), domain::MeterStatus::kOffline, details))
        seen.add(std::move(a));
    }
    if (st.failed_before < rules.offline_after && st.failed_cycles >= rules.offline_after) {
      rows::write_event(db, rows::parse_id(st.key), "meter_offline",
                        "no answer in " + std::to_string(st.failed_cycles) +
                            " cycles in a row (polls, and status scans where they run)",
                        at);
    }
  }
  for (const auto i : b.read) {
    auto& st = b.states[i];
    if (st.failed_before >= rules.offline_after) {
      rows::write_event(db, rows::parse_id(st.key), "meter_online",
                        "answers again after " + std::to_string(st.failed_before) +
                            " failed cycles (polls, and status scans where they run)",
                        at);
    }
    const auto derived = status(st, rules);
    const auto id = rows::parse_id(st.key);
    for (auto& a : domain::status_alarms(id, derived, [&] { return balance_details(st, derived); }))
      seen.add(std::move(a));
    if (!rules.metering_only) seen.add(overload_seen(st));
    std::optional<std::string> key;
    if (st.account && st.meter_side && !rules.metering_only) {
      key = domain::status_bits_mismatch(derived, st.last);
    }
    seen.add({{domain::AlarmKind::kStatusBitsMismatch, domain::AlarmTarget::of_meter(id)},
              key.has_value(),
              key ? nlohmann::json{{"derived/device", *key}}.dump() : "{}"});
    if (key && key != st.bits_mismatch) {
      const auto slash = key->find('/');
      rows::write_event(db, rows::parse_id(st.key), "status_bits_mismatch",
                        "the balance " + format_decimal(st.last.balance_fen, 2) +
                            " against alarm 1 at " + format_decimal(st.thresholds.alarm1_fen, 2) +
                            " and alarm 2 at " + format_decimal(st.thresholds.alarm2_fen, 2) +
                            " is " + key->substr(0, slash) + "; the meter's status bits say " +
                            key->substr(slash + 1) +
                            "; check the thresholds on the meter (command thresholds)",
                        at);
    }
    st.bits_mismatch = std::move(key);
  }
  seen.apply(at);
}

/// The meter rows: the whole row of a meter read, the failed cycles and status of one not read.
void write_meters(Db& db, const Batch& b, std::int64_t at_ms, const BillingRules& rules) {
  auto status_of = [&](const MeterState& st) { return domain::to_string(status(st, rules)); };
  write_rows(db,
             "UPDATE meters SET read_at = v.column2, energy_wh = v.column3, power_w = v.column4, "
             "balance_fen = v.column5, relay = v.column6, mode = v.column7, "
             "status_bits = v.column8, alarm1 = v.column9, alarm2 = v.column10, "
             "arrears = v.column11, purchase_count = v.column12, "
             "purchase_amount_fen = v.column13, purchase_total_fen = v.column14, "
             "status = v.column15, failed_cycles = v.column16, billed_energy_wh = v.column17, "
             "carry = v.column18, status_bits_mismatch = v.column19, state_at = v.column2 "
             "FROM (VALUES ",
             19, ") AS v WHERE meters.rowid = v.column1", b.read.size(),
             [&](Stmt& s, std::size_t n, int p) {
               const auto& st = b.states[b.read[n]];
               const auto& r = st.last;
               s.bind(p, st.rowid).bind(p + 1, at_ms).bind(p + 2, r.energy_wh);
               s.bind(p + 3, r.power_w).bind(p + 4, r.balance_fen);
               s.bind(p + 5, r.relay_closed ? 1 : 0).bind(p + 6, domain::to_string(r.mode));
               s.bind(p + 7, int{r.status_bits}).bind(p + 8, r.alarm1 ? 1 : 0);
               s.bind(p + 9, r.alarm2 ? 1 : 0).bind(p + 10, r.arrears ? 1 : 0);
               s.bind(p + 11, int{r.purchase_count}).bind(p + 12, r.purchase_amount_fen);
               s.bind(p + 13, r.purchase_total_fen).bind(p + 14, status_of(st));
               s.bind(p + 15, st.failed_cycles).bind(p + 16, st.billed).bind(p + 17, st.carry);
               if (st.bits_mismatch) {
                 s.bind(p + 18, *st.bits_mismatch);
               } else {
                 s.bind_null(p + 18);
               }
             });
  write_rows(db, "UPDATE meters SET failed_cycles = v.column2, status = v.column3 FROM (VALUES ", 3,
             ") AS v WHERE meters.rowid = v.column1", b.failed_only.size(),
             [&](Stmt& s, std::size_t n, int p) {
               const auto& st = b.states[b.failed_only[n]];
               s.bind(p, st.rowid).bind(p + 1, st.failed_cycles).bind(p + 2, status_of(st));
             });
}

/// The meter rows of a status scan: the state part of the row, its status, and state_at.
void write_scanned(Db& db, const Batch& b, std::int64_t at_ms, const BillingRules& rules) {
  write_rows(db,
             "UPDATE meters SET state_at = v.column2, balance_fen = v.column3, relay = v.column4, "
             "mode = v.column5, status_bits = v.column6, alarm1 = v.column7, alarm2 = v.column8, "
             "arrears = v.column9, status = v.column10, failed_cycles = v.column11, "
             "status_bits_mismatch = v.column12 FROM (VALUES ",
             12, ") AS v WHERE meters.rowid = v.column1", b.read.size(),
             [&](Stmt& s, std::size_t n, int p) {
               const auto& st = b.states[b.read[n]];
               const auto& r = st.last;
               s.bind(p, st.rowid).bind(p + 1, at_ms).bind(p + 2, r.balance_fen);
               s.bind(p + 3, r.relay_closed ? 1 : 0).bind(p + 4, domain::to_string(r.mode));
               s.bind(p + 5, int{r.status_bits}).bind(p + 6, r.alarm1 ? 1 : 0);
               s.bind(p + 7, r.alarm2 ? 1 : 0).bind(p + 8, r.arrears ? 1 : 0);
               s.bind(p + 9, domain::to_string(status(st, rules))).bind(p + 10, st.failed_cycles);
               if (st.bits_mismatch) {
                 s.bind(p + 11, *st.bits_mismatch);
               } else {
                 s.bind_null(p + 11);
               }
             });
}

/// What the meter-side balance check needs: an account whose meters were all read meter-side
/// in this batch is checked from memory; one with a meter elsewhere (another bus's batch, or
/// not read now) by a query after the batch's writes.
CycleAccounts cycle_accounts(Batch& b) {
  CycleAccounts out;
  for (const auto i : b.read) {  // key order: the first meter seen is the smallest id
    const auto& st = b.states[i];
    if (!st.account) continue;
    auto& acc = *st.acc;
    if (acc.first_meter.empty()) acc.first_meter = st.key;
    if (!st.meter_side) acc.uncheckable = true;
    ++acc.read;
    acc.meters_fen += st.last.balance_fen;
  }
  for (const auto i : b.failed_only) {
    if (const auto& st = b.states[i]; st.acc) st.acc->uncheckable = true;
  }
  for (const auto i : b.read) {
    const auto& st = b.states[i];
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

}  // namespace

CycleAccounts write_cycle(Db& db, const Readings& readings, const std::vector<MeterId>& failed,
                          TimePoint at, const BillingRules& rules) {
  if (readings.empty() && failed.empty()) return {};
  Batch b;
  index_meters(b, readings, failed);
  load_state(db, b.site, b.states, b.accounts);
  if (!readings.empty()) b.stopped = identity::stopped_boxes(db);
  Pricing pricing(db, b, rules.price);
  charge_readings(db, b, readings, pricing, at, rules.metering_only);
  count_failures(b, readings, failed);
  const auto at_ms = to_ms(at);
  write_readings(db, b, at_ms);
  write_charges(db, b, at_ms);
  status_events(db, b, at, rules);
  write_meters(db, b, at_ms, rules);
  if (rules.metering_only) return {};  // no money on an energy meter to check
  return cycle_accounts(b);
}

void write_states(Db& db, const States& states, TimePoint at, const BillingRules& rules) {
  if (states.empty()) return;
  Batch b;
  std::vector<MeterId> ids;
  ids.reserve(states.size());
  for (const auto& [id, state] : states)
    ids.push_back(id);
  index_meters(b, {}, ids);
  load_state(db, b.site, b.states, b.accounts);
  for (std::size_t i = 0; i < states.size(); ++i) {
    auto& st = b.states[b.slot[i]];
    // A meter never read whole has no counters yet: its first full reading is its baseline.
    if (!st.known || !st.read_at) continue;
    domain::apply_state(st.last, states[i].second);
    st.failed_cycles = 0;
    st.read = true;
  }
  count_failures(b, {}, {});
  status_events(db, b, at, rules);
  write_scanned(db, b, to_ms(at), rules);
}

}  // namespace phil::store::billing
