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
/// The SMS notices (issue 14 item 4; Operations::notices) as a report: one row per notice,
/// kind and state through the text layer, `as_of` the time it was made.
report::Report to_notices_report(const std::vector<store::NoticeRecord>& notices, TimePoint as_of,
                                 std::chrono::minutes utc_offset);
/// A notice's kind and state as people read them.
std::string notice_kind_name(domain::NoticeKind kind);
std::string notice_state_name(domain::NoticeState state);
report::Report to_report(const AlarmList& l, std::optional<TimePoint> from,
                         std::optional<TimePoint> to);
/// A command as the office names it (拉闸 trip, 合闸 close, 保电 keep power, ...), text layer.
std::string command_name(const domain::CommandPayload& payload);
/// A batch member's state: its command's, or "refused" (nullopt), text layer.
std::string command_state_name(std::optional<domain::CommandState> state);
/// A batch's preview (prepaidctl command ... before the confirmation): one row per meter with
/// its account, status, balance, relay and the checks' refusal.
report::Report to_report(const BatchPlan& plan, const domain::CommandPayload& payload);
/// A batch's members (view.batches.front()): command, state, attempts, last error or refusal,
/// last change (command status --batch N).
report::Report to_batch_report(const BatchView& view);
/// The batches of the view, one row each with their progress (command status).
report::Report to_batches_report(const BatchView& view);
/// The offline report, one row a spell, its minutes clipped to the period (alarm offline --xlsx).
report::Report to_report(const OfflineReport& r);

}  // namespace phil::service
