// Reports (phil/store/reports.hpp): the daily per-meter roll-ups, written by one pass over what
// was read and charged since the last one (roll_up) or over everything (rebuild_rollups, the same
// pass from nothing), and the look-ups the reports are made of.
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <phil/domain/reports.hpp>
#include <phil/domain/tariff.hpp>

#include "sqlite_billing.hpp"
#include "sqlite_store.hpp"
#include "sqlite_writers.hpp"

namespace phil::store {

namespace {

using sqlite::Db;
using sqlite::from_ms;
using sqlite::to_ms;
using sqlite::Transaction;

struct Mark {
  std::int64_t at = 0;
  std::int64_t energy_wh = 0;
};

/// The daily periods of the tariff that charges each meter at an instant: its own assignment in
/// force, else the site's, else one flat period.
class Periods {
 public:
  explicit Periods(Db& db) {
    auto s = db.prepare("SELECT meter, from_at, tariff FROM tariff_assignments ORDER BY from_at");
    while (s->step()) {
      const domain::TariffAssignment a{from_ms(s->int64(1)), s->int64(2)};
      if (auto meter = s->opt_text(0)) {
        own_[*meter].push_back(a);
      } else {
        site_.push_back(a);
      }
    }
    if (!own_.empty() || !site_.empty()) tariffs_ = billing::load_tariffs(db);
  }

  const std::vector<domain::DailyPeriod>& of(const std::string& meter, TimePoint at) const {
    if (tariffs_.empty()) return flat_;
    const auto it = own_.find(meter);
    const auto spans = domain::tariff_spans(it == own_.end() ? kNone : it->second, site_, at, at);
    if (spans.empty() || !spans.front().tariff) return flat_;
    const auto t = tariffs_.find(*spans.front().tariff);
    if (t == tariffs_.end()) return flat_;
    return t->second.schedule.at(at).periods;
  }

 private:
  static inline const std::vector<domain::TariffAssignment> kNone{};
  std::map<std::string, std::vector<domain::TariffAssignment>> own_;
  std::vector<domain::TariffAssignment> site_;
  std::map<std::int64_t, billing::StoredTariff> tariffs_;
  std::vector<domain::DailyPeriod> flat_{{0, domain::TouRate::kFlat}};
};

/// One pass inside the caller's transaction: the readings after rollup_state.readings_to and the
/// charges after charge_seq, added to meter_days. A reading committed late (a slow bus's cycle)
/// has moved readings_to back before it (schema v21's trigger); a meter's own mark keeps the
/// readings read again from counting twice.
RollupSummary roll_up_pass(Db& db, std::chrono::minutes utc_offset) {
  std::int64_t readings_to = 0;
  std::int64_t charge_seq = 0;
  {
    auto s = db.prepare("SELECT utc_offset_min, readings_to, charge_seq FROM rollup_state");
    if (s->step()) {
      const auto offset = s->opt_int64(0);
      if (offset && *offset != utc_offset.count()) {
        // Days in another local time: made again from nothing.
        db.exec("DELETE FROM meter_days; DELETE FROM rollup_marks;");
      } else {
        readings_to = s->int64(1);
        charge_seq = s->int64(2);
      }
    }
  }
  std::unordered_map<std::string, Mark> marks;
  {
    auto s = db.prepare("SELECT meter, read_at, energy_wh FROM rollup_marks");
    while (s->step())
      marks[s->text(0)] = {s->int64(1), s->int64(2)};
  }
  std::map<std::pair<std::string, std::string>, domain::MeterDay> days;
  const auto day_of = [&](const std::string& day, const std::string& meter) -> domain::MeterDay& {
    auto& d = days[{day, meter}];
    d.day = day;
    d.meter = meter;
    return d;
  };
  RollupSummary sum;
  std::unordered_map<std::string, Mark> moved;
  std::int64_t newest = readings_to;
  const Periods periods(db);
  {
    auto s =
        db.prepare("SELECT at, meter, energy_wh FROM readings WHERE at > ?1 ORDER BY at, meter");
    s->bind(1, readings_to);
    while (s->step()) {
      const std::int64_t at = s->int64(0);
      auto meter = s->text(1);
      const std::int64_t wh = s->int64(2);
      newest = std::max(newest, at);
      auto [it, fresh] = marks.try_emplace(meter, Mark{at, wh});
      Mark& mark = it->second;
      if (!fresh) {
        if (at <= mark.at) continue;  // rolled up already
        // Energy that went back (a meter replaced or reset) is used from the new reading on.
        if (wh > mark.energy_wh) {
          const auto t = from_ms(at);
          for (const auto& part : domain::spread_energy(from_ms(mark.at), t, wh - mark.energy_wh,
                                                        periods.of(meter, t), utc_offset)) {
            auto& d = day_of(part.day, meter);
            for (std::size_t r = 0; r < part.wh.size(); ++r)
              d.wh.at(r) += part.wh.at(r);
            d.energy_wh += part.total();
          }
        }
        mark = {at, wh};
      }
      ++sum.readings;
      moved[meter] = mark;
    }
  }
  {
    auto s = db.prepare(
        "SELECT seq, meter, amount_fen, at FROM ledger WHERE seq > ?1 AND kind = 'charge' "
        "AND meter IS NOT NULL ORDER BY seq");
    s->bind(1, charge_seq);
    while (s->step()) {
      charge_seq = s->int64(0);
      day_of(domain::local_day(from_ms(s->int64(3)), utc_offset), s->text(1)).charge_fen +=
          s->int64(2);
      ++sum.charges;
    }
  }
  {
    auto s = db.prepare(
        "INSERT INTO meter_days (day, meter, sharp_wh, peak_wh, flat_wh, valley_wh, energy_wh, "
        "charge_fen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (day, meter) DO UPDATE "
        "SET sharp_wh = sharp_wh + excluded.sharp_wh, peak_wh = peak_wh + excluded.peak_wh, "
        "flat_wh = flat_wh + excluded.flat_wh, valley_wh = valley_wh + excluded.valley_wh, "
        "energy_wh = energy_wh + excluded.energy_wh, "
        "charge_fen = charge_fen + excluded.charge_fen");
    for (const auto& [key, d] : days) {
      s->bind(1, d.day).bind(2, d.meter);
      for (std::size_t r = 0; r < d.wh.size(); ++r)
        s->bind(static_cast<int>(r) + 3, d.wh.at(r));
      s->bind(7, d.energy_wh).bind(8, d.charge_fen);
      s->run();
    }
  }
  {
    auto s = db.prepare(
        "INSERT OR REPLACE INTO rollup_marks (meter, read_at, energy_wh) VALUES (?1, ?2, ?3)");
    for (const auto& [meter, mark] : moved) {
      s->bind(1, meter).bind(2, mark.at).bind(3, mark.energy_wh);
      s->run();
    }
  }
  auto s =
      db.prepare("UPDATE rollup_state SET utc_offset_min = ?1, readings_to = ?2, charge_seq = ?3");
  s->bind(1, static_cast<std::int64_t>(utc_offset.count())).bind(2, newest).bind(3, charge_seq);
  s->run();
  return sum;
}

}  // namespace

RollupSummary SqliteStore::roll_up(std::chrono::minutes utc_offset) {
  Transaction tx(db_);
  const auto sum = roll_up_pass(db_, utc_offset);
  tx.commit();
  return sum;
}

RollupSummary SqliteStore::rebuild_rollups(const std::string& actor,
                                           std::chrono::minutes utc_offset, TimePoint at) {
  Transaction tx(db_);
  db_.exec(
      "DELETE FROM meter_days; DELETE FROM rollup_marks; UPDATE rollup_state SET "
      "utc_offset_min = NULL, readings_to = 0, charge_seq = 0;");
  const auto sum = roll_up_pass(db_, utc_offset);
  rows::write_audit(db_,
                    {actor,
                     "rebuild_reports",
                     "",
                     {{"readings", sum.readings},
                      {"charges", sum.charges},
                      {"utc_offset_min", utc_offset.count()}}},
                    at);
  tx.commit();
  return sum;
}

std::vector<domain::MeterDay> SqliteStore::meter_days(const std::string& from_day,
                                                      const std::string& to_day) const {
  auto s = db_.prepare(
      "SELECT day, meter, sharp_wh, peak_wh, flat_wh, valley_wh, energy_wh, charge_fen "
      "FROM meter_days WHERE day >= ?1 AND day <= ?2 ORDER BY day, meter");
  s->bind(1, from_day).bind(2, to_day);
  std::vector<domain::MeterDay> out;
  while (s->step()) {
    domain::MeterDay d;
    d.day = s->text(0);
    d.meter = s->text(1);
    for (std::size_t r = 0; r < d.wh.size(); ++r)
      d.wh.at(r) = s->int64(static_cast<int>(r) + 2);
    d.energy_wh = s->int64(6);
    d.charge_fen = s->int64(7);
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<domain::MoneyMove> SqliteStore::money_moves(TimePoint from, TimePoint to) const {
  std::vector<domain::MoneyMove> out;
  const auto kind_of = [](const std::string& k) {
    if (k == "refund") return domain::MoneyKind::kRefund;
    if (k == "reversal") return domain::MoneyKind::kReversal;
    return domain::MoneyKind::kSale;
  };
  {
    auto s = db_.prepare(
        "SELECT at, operator, kind, amount_fen FROM ledger WHERE kind IN ('sale', 'refund', "
        "'reversal') AND at >= ?1 AND at < ?2 ORDER BY at, seq");
    s->bind(1, to_ms(from)).bind(2, to_ms(to));
    while (s->step())
      out.push_back({from_ms(s->int64(0)), s->text(1), kind_of(s->text(2)), s->int64(3), false});
  }
  auto s = db_.prepare(
      "SELECT created_at, operator, ref_seq IS NOT NULL, amount_fen FROM outbox "
      "WHERE kind = 'debit' AND state IN ('pending', 'in_flight') AND created_at >= ?1 "
      "AND created_at < ?2 ORDER BY created_at, id");
  s->bind(1, to_ms(from)).bind(2, to_ms(to));
  while (s->step()) {
    out.push_back({from_ms(s->int64(0)), s->text(1),
                   s->int64(2) != 0 ? domain::MoneyKind::kReversal : domain::MoneyKind::kRefund,
                   s->int64(3), true});
  }
  return out;
}

std::map<std::string, std::int64_t> SqliteStore::meter_energies() const {
  auto s = db_.prepare("SELECT id, energy_wh FROM meters WHERE energy_wh IS NOT NULL");
  std::map<std::string, std::int64_t> out;
  while (s->step())
    out.emplace(s->text(0), s->int64(1));
  return out;
}

}  // namespace phil::store
