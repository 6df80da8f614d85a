#pragma once
// The office's reports (issue 14 item 5) as Operations gives them (operations_reports.cpp): each
// a function of the store, exact to the fen and the Wh, made of the daily per-meter roll-ups
// (store::Reports) and the ledger, never of the raw readings. report_model.hpp turns each into
// the one report model that report::render prints as a table, CSV, JSON or xlsx.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/domain/reports.hpp>
#include <phil/domain/status_board.hpp>
#include <phil/store/queries.hpp>
#include <phil/store/system_log.hpp>

namespace phil::service {

/// What every report says of itself.
struct ReportHead {
  TimePoint from{};  ///< the period [from, to)
  TimePoint to{};
  TimePoint made_at{};                 ///< the clock at the call
  std::chrono::minutes utc_offset{0};  ///< the site's local time (days and times shown in it)
};

/// Sales, refunds, reversals and pending debits of [from, to), by day, month or year, and by
/// cashier when asked (a shift report: one cashier's).
struct SalesQuery {
  TimePoint from{};
  TimePoint to{};
  domain::ReportPeriod by = domain::ReportPeriod::kDay;
  bool by_cashier = false;
  std::optional<std::string> cashier;  ///< only this cashier's moves
};
struct SalesReport {
  ReportHead head;
  SalesQuery query;
  domain::SalesSums sums;
};

/// Energy and charges of the local days [from, to) covers, by day or month and by group.
struct EnergyQuery {
  TimePoint from{};
  TimePoint to{};
  domain::ReportPeriod by = domain::ReportPeriod::kDay;
  domain::EnergyGroup group = domain::EnergyGroup::kMeter;
};
struct EnergyReport {
  ReportHead head;
  EnergyQuery query;
  domain::EnergySums sums;
};

/// 抄表导出: every meter's current state, with its energy register as last read.
struct ReadingRow {
  domain::BoardRow meter;
  std::optional<std::int64_t> energy_wh;
};
struct ReadingsExport {
  ReportHead head;  ///< from = to = made_at
  std::vector<ReadingRow> rows;
};

/// An account's statement over [from, to): its entries other than the poll's charges (sales,
/// refunds, reversals, transfers, settlements), the balance before and after, and its daily use
/// (energy and charges from the roll-ups of its meters now).
struct Statement {
  ReportHead head;
  std::string account;
  std::int64_t opening_fen = 0;  ///< the balance before `from`
  std::int64_t closing_fen = 0;  ///< the balance at `to`
  std::vector<store::LedgerRecord> entries;
  domain::EnergySums use;  ///< by day
};

/// The daily report: the day's sales and energy totals and the system log's chain head at the
/// call (a copy kept outside the database detects a rewritten history: docs/operators.md).
struct DailyReport {
  ReportHead head;
  std::string day;  ///< "YYYY-MM-DD", local
  domain::SalesRow sales;
  domain::EnergyRow energy;
  store::ChainHead log_head;
};

}  // namespace phil::service
