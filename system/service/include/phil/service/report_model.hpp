#pragma once
// The reports of reports.hpp as the one report model (phil/report/report.hpp) that every output
// renders: titles, headers and names through the text layer (the language in use), values exact
// (fen, Wh) and typed. prepaidctl only picks the renderer.
#include <phil/common/text.hpp>
#include <phil/domain/reading.hpp>
#include <phil/domain/status.hpp>
#include <phil/report/report.hpp>
#include <phil/service/operations.hpp>
#include <phil/service/reports.hpp>

namespace phil::service {

/// The text id of a meter status and of a meter mode, as the board and the readings show them.
text::Id status_text(domain::MeterStatus s);
text::Id mode_text(domain::MeterMode m);

report::Report to_report(const SalesReport& r);
/// A shift report (sales of one cashier, by day) titled with the cashier.
report::Report to_shift_report(const SalesReport& r);
report::Report to_report(const EnergyReport& r);
report::Report to_report(const ReadingsExport& r);
/// The statement's entries and its daily use: two reports (two sheets).
std::vector<report::Report> to_reports(const Statement& s);
report::Report to_report(const DailyReport& r);
/// The alarms of a list, one row each (prepaidctl alarm list --xlsx); the period shown is
/// [from, to), each defaulting to the oldest alarm's raising and the list's as_of.
report::Report to_report(const AlarmList& l, std::optional<TimePoint> from,
                         std::optional<TimePoint> to);
/// The offline report, one row a spell, its minutes clipped to the period (alarm offline --xlsx).
report::Report to_report(const OfflineReport& r);

}  // namespace phil::service
