// Operations: the office's reports (issue 14 item 5). The store gives the roll-ups and the
// ledger's money (store::Reports), the domain sums them (domain/reports.hpp); this is the front
// door: the role check, the period, the site's local time.
#include <algorithm>
#include <map>

#include <phil/common/text.hpp>
#include <phil/service/operations.hpp>

namespace phil::service {

namespace {

std::optional<domain::Error> check_period(TimePoint from, TimePoint to,
                                          std::chrono::minutes offset) {
  if (from < to) return std::nullopt;
  return domain::Error{domain::ErrorKind::kInvalid,
                       text::format(text::Id::kReportEmptyPeriod, format_timestamp(from, offset),
                                    format_timestamp(to, offset))};
}

/// The local days [from, to) touches, first and last.
std::pair<std::string, std::string> days_of(TimePoint from, TimePoint to,
                                            std::chrono::minutes offset) {
  return {domain::local_day(from, offset), domain::local_day(to - Millis{1}, offset)};
}

}  // namespace

ReportHead Operations::head_of(TimePoint from, TimePoint to) const {
  return {from, to, clock_.now(), utc_offset()};
}

SalesReport Operations::sales_of(const SalesQuery& q) const {
  SalesReport r{head_of(q.from, q.to), q, {}};
  auto moves = store_.money_moves(q.from, q.to);
  if (q.cashier) {
    std::erase_if(moves, [&](const domain::MoneyMove& m) { return m.cashier != *q.cashier; });
  }
  r.sums = domain::sum_sales(moves, q.by, q.by_cashier, r.head.utc_offset);
  return r;
}

domain::Result<SalesReport> Operations::sales_report(const Actor& actor,
                                                     const SalesQuery& q) const {
  if (q.cashier) {
    if (auto bad = check_text("cashier", *q.cashier, TextLimits::kId)) return *bad;
  }
  auto g = begin(actor, Action::kReport);
  if (!g) return g.error();
  if (auto bad = check_period(q.from, q.to, head_of(q.from, q.to).utc_offset)) return *bad;
  return sales_of(q);
}

domain::Result<SalesReport> Operations::shift_report(const Actor& actor, const std::string& cashier,
                                                     TimePoint from, TimePoint to) const {
  if (auto bad = check_text("cashier", cashier, TextLimits::kId)) return *bad;
  // A reader of reports sees anyone's; a cashier only their own (shift_report).
  const bool reports = actor.role && domain::permits(*actor.role, Action::kReport);
  auto g = begin(actor, reports ? Action::kReport : Action::kShiftReport);
  if (!g) return g.error();
  if (!reports && cashier != actor.id) {
    return domain::Error{domain::ErrorKind::kForbidden,
                         text::format(text::Id::kShiftOtherCashier, actor.id, cashier)};
  }
  if (auto bad = check_period(from, to, head_of(from, to).utc_offset)) return *bad;
  return sales_of({from, to, domain::ReportPeriod::kDay, true, cashier});
}

domain::Result<EnergyReport> Operations::energy_report(const Actor& actor,
                                                       const EnergyQuery& q) const {
  auto g = begin(actor, Action::kReport);
  if (!g) return g.error();
  EnergyReport r{head_of(q.from, q.to), q, {}};
  if (auto bad = check_period(q.from, q.to, r.head.utc_offset)) return *bad;
  const auto [first, last] = days_of(q.from, q.to, r.head.utc_offset);
  std::map<std::string, domain::MeterPlace> places;
  if (q.group != domain::EnergyGroup::kMeter && q.group != domain::EnergyGroup::kSite) {
    for (const auto& row : store_.status_board())
      places[row.meter.to_string()] = {row.account, row.building, row.floor};
  }
  r.sums = domain::sum_energy(store_.meter_days(first, last), places, q.by, q.group);
  return r;
}

domain::Result<ReadingsExport> Operations::readings_export(const Actor& actor) const {
  auto g = begin(actor, Action::kReport);
  if (!g) return g.error();
  const auto now = clock_.now();
  ReadingsExport r{head_of(now, now), {}};
  const auto energies = store_.meter_energies();
  for (auto& row : board_rows()) {
    const auto e = energies.find(row.meter.to_string());
    r.rows.push_back({std::move(row),
                      e == energies.end() ? std::nullopt : std::optional<std::int64_t>(e->second)});
  }
  std::sort(r.rows.begin(), r.rows.end(),
            [](const ReadingRow& a, const ReadingRow& b) { return a.meter.meter < b.meter.meter; });
  return r;
}

domain::Result<Statement> Operations::statement(const Actor& actor, const std::string& account,
                                                TimePoint from, TimePoint to) const {
  if (auto bad = check_text("account id", account, TextLimits::kId)) return *bad;
  auto g = begin(actor, Action::kReport);
  if (!g) return g.error();
  if (auto bad = check_period(from, to, head_of(from, to).utc_offset)) return *bad;
  if (!store_.account_balance_fen(account)) {
    return domain::Error{domain::ErrorKind::kNotFound,
                         text::format(text::Id::kReportNoAccount, account)};
  }
  return statement_of(account, from, to);
}

Statement Operations::statement_of(const std::string& account, TimePoint from, TimePoint to) const {
  Statement st{head_of(from, to), account, 0, 0, {}, {}};
  for (auto& e : store_.ledger(account)) {
    if (e.at < from) {
      st.opening_fen = e.balance_after_fen;
    } else if (e.at >= to) {
      break;
    }
    if (e.at < to) st.closing_fen = e.balance_after_fen;
    if (e.at >= from && e.kind != domain::EntryKind::kCharge) st.entries.push_back(std::move(e));
  }
  // Its meters now (a tenant's view asks often: no need for the whole board).
  std::map<std::string, domain::MeterPlace> mine;
  if (const auto a = store_.account(account)) {
    for (const auto& m : a->meters)
      mine[m.to_string()] = {account, {}, {}};
  }
  const auto [first, last] = days_of(from, to, st.head.utc_offset);
  auto days = store_.meter_days(first, last);
  std::erase_if(days, [&](const domain::MeterDay& d) { return !mine.contains(d.meter); });
  st.use =
      domain::sum_energy(days, mine, domain::ReportPeriod::kDay, domain::EnergyGroup::kAccount);
  return st;
}

domain::Result<DailyReport> Operations::daily_report(const Actor& actor,
                                                     const std::string& day) const {
  auto g = begin(actor, Action::kReport);
  if (!g) return g.error();
  const auto offset = utc_offset();
  const auto from = domain::day_start(day, offset);
  if (!from) {
    return domain::Error{domain::ErrorKind::kInvalid,
                         text::format(text::Id::kBadReportChoice, "--day", day, "YYYY-MM-DD")};
  }
  const TimePoint to = *from + std::chrono::days{1};
  DailyReport r{head_of(*from, to), day, {}, {}, store_.log_head()};
  r.sales =
      domain::sum_sales(store_.money_moves(*from, to), domain::ReportPeriod::kDay, false, offset)
          .totals;
  r.energy = domain::sum_energy(store_.meter_days(day, day), {}, domain::ReportPeriod::kDay,
                                domain::EnergyGroup::kSite)
                 .totals;
  return r;
}

domain::Result<store::RollupSummary> Operations::rebuild_reports(const Actor& actor) {
  auto g = begin(actor, Action::kRebuildReports);
  if (!g) return g.error();
  return store_.rebuild_rollups(actor.id, utc_offset(), clock_.now());
}

}  // namespace phil::service
