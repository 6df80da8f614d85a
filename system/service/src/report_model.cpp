#include <algorithm>
#include <array>
#include <chrono>
#include <variant>

#include <phil/domain/ledger.hpp>
#include <phil/service/report_model.hpp>

namespace phil::service {

namespace {

using report::Cell;
using report::ColumnType;
using text::Id;

std::string t(Id id) {
  return std::string(text::pattern(id, text::language()));
}

report::Report made(const ReportHead& h, std::string title, std::string sheet) {
  report::Report r;
  r.title = std::move(title);
  r.sheet = std::move(sheet);
  // A snapshot (a preview) has an instant, not a period "from now to now".
  r.period = h.from == h.to
                 ? text::format(Id::kReportAsOf, format_timestamp(h.from, h.utc_offset))
                 : text::format(Id::kReportPeriod, format_timestamp(h.from, h.utc_offset),
                                format_timestamp(h.to, h.utc_offset));
  r.made_at = text::format(Id::kReportMadeAt, format_timestamp(h.made_at, h.utc_offset));
  r.utc_offset = h.utc_offset;
  return r;
}

Cell opt(const std::optional<std::string>& s) {
  return s ? Cell(*s) : Cell();
}

std::vector<Cell> sales_cells(const domain::SalesRow& row, bool with_cashier) {
  std::vector<Cell> v{row.period};
  if (with_cashier) v.emplace_back(opt(row.cashier));
  for (const auto n :
       {row.sale_fen, row.refund_fen, row.reversal_fen, row.pending_fen, row.net_fen(), row.count})
    v.emplace_back(n);
  return v;
}

report::Report sales_model(const SalesReport& r, std::string title, std::string sheet,
                           bool with_cashier) {
  auto out = made(r.head, std::move(title), std::move(sheet));
  out.columns.push_back({t(Id::kColPeriod), ColumnType::kText});
  if (with_cashier) out.columns.push_back({t(Id::kColCashier), ColumnType::kText});
  for (const auto id :
       {Id::kColSale, Id::kColRefund, Id::kColReversal, Id::kColPending, Id::kColNet})
    out.columns.push_back({t(id), ColumnType::kMoney});
  out.columns.push_back({t(Id::kColCount), ColumnType::kCount});
  for (const auto& row : r.sums.rows)
    out.rows.push_back(sales_cells(row, with_cashier));
  out.totals = sales_cells(r.sums.totals, with_cashier);
  out.totals.front() = t(Id::kReportTotal);
  return out;
}

Id group_text(domain::EnergyGroup g) {
  switch (g) {
    case domain::EnergyGroup::kMeter:
      return Id::kGroupMeter;
    case domain::EnergyGroup::kAccount:
      return Id::kGroupAccount;
    case domain::EnergyGroup::kFloor:
      return Id::kGroupFloor;
    case domain::EnergyGroup::kBuilding:
      return Id::kGroupBuilding;
    case domain::EnergyGroup::kSite:
      return Id::kGroupSite;
  }
  return Id::kGroupMeter;
}

std::vector<Cell> energy_cells(const domain::EnergyRow& row) {
  std::vector<Cell> v{row.period, row.group};
  for (const auto wh : row.wh)
    v.emplace_back(wh);
  v.emplace_back(row.energy_wh);
  v.emplace_back(row.charge_fen);
  return v;
}

report::Report energy_model(const ReportHead& h, const domain::EnergySums& sums, std::string title,
                            std::string sheet, Id group_header) {
  auto out = made(h, std::move(title), std::move(sheet));
  out.columns = {{t(Id::kColPeriod), ColumnType::kText},   {t(group_header), ColumnType::kText},
                 {t(Id::kColSharp), ColumnType::kEnergy},  {t(Id::kColPeak), ColumnType::kEnergy},
                 {t(Id::kColFlat), ColumnType::kEnergy},   {t(Id::kColValley), ColumnType::kEnergy},
                 {t(Id::kColEnergy), ColumnType::kEnergy}, {t(Id::kColCharge), ColumnType::kMoney}};
  for (const auto& row : sums.rows)
    out.rows.push_back(energy_cells(row));
  out.totals = energy_cells(sums.totals);
  out.totals.front() = t(Id::kReportTotal);
  out.totals.at(1) = Cell();
  return out;
}

}  // namespace

Id status_text(domain::MeterStatus s) {
  switch (s) {
    case domain::MeterStatus::kNormal:
      return Id::kStatusNormal;
    case domain::MeterStatus::kAlarm1:
      return Id::kStatusAlarm1;
    case domain::MeterStatus::kAlarm2:
      return Id::kStatusAlarm2;
    case domain::MeterStatus::kArrears:
      return Id::kStatusArrears;
    case domain::MeterStatus::kNotOpened:
      return Id::kStatusNotOpened;
    case domain::MeterStatus::kOffline:
      return Id::kStatusOffline;
  }
  return Id::kStatusNormal;
}

Id mode_text(domain::MeterMode m) {
  switch (m) {
    case domain::MeterMode::kPrepaid:
      return Id::kModePrepaid;
    case domain::MeterMode::kKeepPower:
      return Id::kModeKeepPower;
    case domain::MeterMode::kForcedOff:
      return Id::kModeForcedOff;
    case domain::MeterMode::kUnknown:
      return Id::kModeUnknown;
  }
  return Id::kModeUnknown;
}

report::Report to_report(const SalesReport& r) {
  return sales_model(r, t(Id::kReportSales), "sales", r.query.by_cashier);
}

report::Report to_shift_report(const SalesReport& r) {
  return sales_model(r, text::format(Id::kReportShift, r.query.cashier.value_or("")), "shift",
                     true);
}

report::Report to_report(const EnergyReport& r) {
  const auto group = group_text(r.query.group);
  return energy_model(r.head, r.sums, text::format(Id::kReportEnergy, t(group)), "energy", group);
}

report::Report to_report(const ReadingsExport& r) {
  auto out = made(r.head, t(Id::kReportReadings), "readings");
  out.columns = {
      {t(Id::kBoardMeter), ColumnType::kText},    {t(Id::kGroupBuilding), ColumnType::kText},
      {t(Id::kGroupFloor), ColumnType::kText},    {t(Id::kBoardRoom), ColumnType::kText},
      {t(Id::kBoardAccount), ColumnType::kText},  {t(Id::kBoardTenant), ColumnType::kText},
      {t(Id::kBoardStatus), ColumnType::kText},   {t(Id::kColEnergyRegister), ColumnType::kEnergy},
      {t(Id::kBoardBalance), ColumnType::kMoney}, {t(Id::kBoardRelay), ColumnType::kText},
      {t(Id::kBoardMode), ColumnType::kText},     {t(Id::kBoardReadAt), ColumnType::kTime}};
  for (const auto& row : r.rows) {
    const auto& m = row.meter;
    std::vector<Cell> v{m.meter.to_string(),
                        opt(m.building),
                        m.floor ? Cell(std::to_string(*m.floor)) : Cell(),
                        opt(m.room),
                        opt(m.account),
                        m.tenant,
                        t(status_text(m.status))};
    v.push_back(row.energy_wh ? Cell(*row.energy_wh) : Cell());
    v.push_back(m.balance_fen ? Cell(*m.balance_fen) : Cell());
    v.push_back(m.relay_closed ? Cell(t(*m.relay_closed ? Id::kRelayClosed : Id::kRelayOpen))
                               : Cell());
    v.push_back(m.mode ? Cell(t(mode_text(*m.mode))) : Cell());
    v.push_back(m.read_at ? Cell(*m.read_at) : Cell());
    out.rows.push_back(std::move(v));
  }
  return out;
}

std::vector<report::Report> to_reports(const Statement& s) {
  auto entries = made(s.head, text::format(Id::kReportStatement, s.account), "statement");
  entries.columns = {
      {t(Id::kColEntry), ColumnType::kCount},        {t(Id::kColTime), ColumnType::kTime},
      {t(Id::kColKind), ColumnType::kText},          {t(Id::kColAmount), ColumnType::kMoney},
      {t(Id::kColBalanceAfter), ColumnType::kMoney}, {t(Id::kColOperator), ColumnType::kText}};
  entries.rows.push_back({Cell(), Cell(), Cell(), Cell(), s.opening_fen, Cell()});
  for (const auto& e : s.entries) {
    entries.rows.push_back({e.seq, e.at, std::string(domain::to_string(e.kind)),
                            domain::balance_sign(e.kind) * e.amount_fen, e.balance_after_fen,
                            e.operator_id});
  }
  entries.totals = {t(Id::kReportTotal), Cell(), Cell(), Cell(), s.closing_fen, Cell()};
  auto use = energy_model(s.head, s.use, text::format(Id::kReportStatementUse, s.account), "use",
                          Id::kGroupAccount);
  return {std::move(entries), std::move(use)};
}

report::Report to_report(const DailyReport& r) {
  auto out = made(r.head, text::format(Id::kReportDaily, r.day), "daily");
  out.columns = {{t(Id::kColItem), ColumnType::kText},
                 {t(Id::kColAmount), ColumnType::kMoney},
                 {t(Id::kColEnergy), ColumnType::kEnergy},
                 {t(Id::kColValue), ColumnType::kText}};
  const auto money = [&](Id item, std::int64_t fen) {
    out.rows.push_back({t(item), fen, Cell(), Cell()});
  };
  money(Id::kDailySales, r.sales.sale_fen);
  money(Id::kDailyRefunds, r.sales.refund_fen);
  money(Id::kDailyReversals, r.sales.reversal_fen);
  money(Id::kDailyPending, r.sales.pending_fen);
  out.rows.push_back({t(Id::kDailyEnergy), Cell(), r.energy.energy_wh, Cell()});
  constexpr std::array kRates{Id::kColSharp, Id::kColPeak, Id::kColFlat, Id::kColValley};
  for (std::size_t i = 0; i < r.energy.wh.size(); ++i)
    out.rows.push_back({t(kRates.at(i)), Cell(), r.energy.wh.at(i), Cell()});
  money(Id::kDailyCharges, r.energy.charge_fen);
  out.rows.push_back({t(Id::kDailyLogSeq), Cell(), Cell(), std::to_string(r.log_head.id)});
  out.rows.push_back({t(Id::kDailyLogHash), Cell(), Cell(), r.log_head.hash});
  return out;
}

report::Report to_report(const AlarmList& l, std::optional<TimePoint> from,
                         std::optional<TimePoint> to) {
  if (!from) from = l.alarms.empty() ? l.as_of : l.alarms.front().raised_at;
  auto out =
      made({*from, to.value_or(l.as_of), l.as_of, l.utc_offset}, t(Id::kReportAlarms), "alarms");
  out.columns = {
      {t(Id::kAlarmId), ColumnType::kCount},     {t(Id::kAlarmKind), ColumnType::kText},
      {t(Id::kAlarmTarget), ColumnType::kText},  {t(Id::kAlarmRaised), ColumnType::kTime},
      {t(Id::kAlarmCleared), ColumnType::kTime}, {t(Id::kAlarmAcked), ColumnType::kText},
      {t(Id::kColTime), ColumnType::kTime}};
  for (const auto& a : l.alarms) {
    out.rows.push_back({a.id, alarm_kind_name(a.key.kind), alarm_target_name(a.key.target),
                        a.raised_at, a.cleared_at ? Cell(*a.cleared_at) : Cell(),
                        opt(a.acknowledged_by),
                        a.acknowledged_at ? Cell(*a.acknowledged_at) : Cell()});
  }
  return out;
}

std::string notice_kind_name(domain::NoticeKind kind) {
  switch (kind) {
    case domain::NoticeKind::kAlarm1:
      return alarm_kind_name(domain::AlarmKind::kAlarm1);
    case domain::NoticeKind::kAlarm2:
      return alarm_kind_name(domain::AlarmKind::kAlarm2);
    case domain::NoticeKind::kArrears:
      return alarm_kind_name(domain::AlarmKind::kArrears);
    case domain::NoticeKind::kRestore:
      return t(Id::kNoticeRestore);
    case domain::NoticeKind::kOffice:
      return t(Id::kNoticeOffice);
  }
  return std::string(domain::to_string(kind));
}

std::string notice_state_name(domain::NoticeState state) {
  switch (state) {
    case domain::NoticeState::kPending:
      return t(Id::kNoticePending);
    case domain::NoticeState::kSent:
      return t(Id::kNoticeSent);
    case domain::NoticeState::kSkipped:
      return t(Id::kNoticeSkipped);
    case domain::NoticeState::kExpired:
      return t(Id::kNoticeExpired);
  }
  return std::string(domain::to_string(state));
}

report::Report to_notices_report(const std::vector<store::NoticeRecord>& notices, TimePoint as_of,
                                 std::chrono::minutes utc_offset) {
  const auto from = notices.empty() ? as_of : notices.front().created_at;
  auto out = made({from, as_of, as_of, utc_offset}, t(Id::kReportSms), "sms");
  out.columns = {{t(Id::kAlarmId), ColumnType::kCount},     {t(Id::kColTime), ColumnType::kTime},
                 {t(Id::kColKind), ColumnType::kText},      {t(Id::kColAccount), ColumnType::kText},
                 {t(Id::kColPhone), ColumnType::kText},     {t(Id::kColState), ColumnType::kText},
                 {t(Id::kColAttempts), ColumnType::kCount}, {t(Id::kColSentAt), ColumnType::kTime},
                 {t(Id::kColMessage), ColumnType::kText},   {t(Id::kColReason), ColumnType::kText}};
  for (const auto& n : notices) {
    out.rows.push_back({n.id, n.created_at, notice_kind_name(n.kind), n.account, n.phone,
                        notice_state_name(n.state), static_cast<std::int64_t>(n.tries),
                        n.sent_at ? Cell(*n.sent_at) : Cell(), n.text,
                        n.reason.empty() ? n.last_error : n.reason});
  }
  return out;
}

std::string command_name(const domain::CommandPayload& payload) {
  if (const auto* m = std::get_if<domain::ModePayload>(&payload)) {
    switch (m->relay) {
      case domain::RelayCommand::kForcedOff:
        return t(Id::kCommandTrip);
      case domain::RelayCommand::kClose:
        return t(Id::kCommandClose);
      case domain::RelayCommand::kKeepPower:
        return t(Id::kCommandKeepPower);
      case domain::RelayCommand::kPrepaid:
        return t(Id::kCommandRestorePrepaid);
    }
  }
  if (std::holds_alternative<domain::ThresholdsPayload>(payload)) return t(Id::kCommandThresholds);
  if (std::holds_alternative<domain::PricePayload>(payload)) return t(Id::kCommandPrice);
  return std::string(domain::to_string(domain::kind_of(payload)));
}

std::string command_state_name(std::optional<domain::CommandState> state) {
  if (!state) return t(Id::kCommandRefused);
  switch (*state) {
    case domain::CommandState::kPending:
      return t(Id::kCommandPending);
    case domain::CommandState::kInFlight:
      return t(Id::kCommandInFlight);
    case domain::CommandState::kConfirmed:
      return t(Id::kCommandConfirmed);
    case domain::CommandState::kFailed:
      return t(Id::kCommandFailed);
    case domain::CommandState::kSuperseded:
      return t(Id::kCommandSuperseded);
  }
  return std::string(domain::to_string(*state));
}

report::Report to_report(const BatchPlan& plan, const domain::CommandPayload& payload) {
  auto out = made(
      {plan.as_of, plan.as_of, plan.as_of, plan.utc_offset},
      text::format(Id::kReportBatchPlan, command_name(payload), domain::encode_payload(payload)),
      "preview");
  out.columns = {
      {t(Id::kBoardMeter), ColumnType::kText},    {t(Id::kBoardAccount), ColumnType::kText},
      {t(Id::kBoardTenant), ColumnType::kText},   {t(Id::kBoardStatus), ColumnType::kText},
      {t(Id::kBoardBalance), ColumnType::kMoney}, {t(Id::kBoardRelay), ColumnType::kText},
      {t(Id::kColResult), ColumnType::kText}};
  for (const auto& [m, refusal] : plan.rows) {
    out.rows.push_back(
        {m.meter.to_string(), opt(m.account), m.tenant, t(status_text(m.status)),
         m.balance_fen ? Cell(*m.balance_fen) : Cell(),
         m.relay_closed ? Cell(t(*m.relay_closed ? Id::kRelayClosed : Id::kRelayOpen)) : Cell(),
         refusal.empty() ? Cell() : Cell(refusal)});
  }
  return out;
}

namespace {

/// The batch's command as the office names it; the stored kind when its payload no longer
/// decodes (a hand edit).
std::string batch_command(const store::BatchRecord& b) {
  const auto p = domain::decode_payload(b.kind, b.payload);
  return p ? command_name(p.value()) : std::string(domain::to_string(b.kind));
}

}  // namespace

report::Report to_batch_report(const BatchView& view) {
  const auto& b = view.batches.front();
  auto out = made({b.created_at, view.as_of, view.as_of, view.utc_offset},
                  text::format(Id::kReportBatch, b.id, batch_command(b), b.payload), "batch");
  out.columns = {{t(Id::kBoardMeter), ColumnType::kText}, {t(Id::kColCommand), ColumnType::kCount},
                 {t(Id::kColState), ColumnType::kText},   {t(Id::kColAttempts), ColumnType::kCount},
                 {t(Id::kColResult), ColumnType::kText},  {t(Id::kColUpdated), ColumnType::kTime}};
  for (const auto& m : b.members) {
    if (!m.command) {
      out.rows.push_back({m.meter.to_string(), Cell(), command_state_name(std::nullopt), Cell(),
                          m.refusal, Cell()});
      continue;
    }
    const auto& c = *m.command;
    out.rows.push_back({m.meter.to_string(), c.id, command_state_name(c.state),
                        std::int64_t{c.attempts},
                        c.last_error.empty() ? Cell() : Cell(c.last_error), c.updated_at});
  }
  return out;
}

report::Report to_batches_report(const BatchView& view) {
  const auto from = view.batches.empty() ? view.as_of : view.batches.back().created_at;
  auto out =
      made({from, view.as_of, view.as_of, view.utc_offset}, t(Id::kReportBatches), "batches");
  out.columns = {
      {t(Id::kColBatch), ColumnType::kCount},     {t(Id::kColTime), ColumnType::kTime},
      {t(Id::kColOperator), ColumnType::kText},   {t(Id::kColKind), ColumnType::kText},
      {t(Id::kColSelection), ColumnType::kText},  {t(Id::kColMembers), ColumnType::kCount},
      {t(Id::kColConfirmed), ColumnType::kCount}, {t(Id::kColOpen), ColumnType::kCount},
      {t(Id::kColFailed), ColumnType::kCount},    {t(Id::kColRefused), ColumnType::kCount},
      {t(Id::kColState), ColumnType::kText}};
  const auto n = [](std::size_t v) { return Cell(static_cast<std::int64_t>(v)); };
  for (const auto& b : view.batches) {
    const auto& p = b.progress;
    out.rows.push_back({b.id, b.created_at, b.operator_id,
                        batch_command(b) + " (" + b.payload + ")", b.selection, n(p.total()),
                        n(p.confirmed), n(p.pending + p.in_flight), n(p.failed + p.superseded),
                        n(p.refused), t(p.done() ? Id::kBatchDone : Id::kBatchRunning)});
  }
  return out;
}

report::Report to_report(const OfflineReport& r) {
  auto out = made({r.from, r.to, r.made_at, r.utc_offset}, t(Id::kReportOffline), "offline");
  out.columns = {{t(Id::kAlarmKind), ColumnType::kText},
                 {t(Id::kAlarmTarget), ColumnType::kText},
                 {t(Id::kOfflineWent), ColumnType::kTime},
                 {t(Id::kOfflineBack), ColumnType::kTime},
                 {t(Id::kColOfflineMinutes), ColumnType::kCount}};
  std::int64_t total = 0;
  for (const auto& o : r.targets) {
    for (const auto& a : o.spells) {
      const auto end = std::min(a.cleared_at.value_or(r.to), r.to);
      const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(
                               std::max(end - std::max(a.raised_at, r.from), Millis{0}))
                               .count();
      total += minutes;
      out.rows.push_back({alarm_kind_name(o.kind), alarm_target_name(o.target), a.raised_at,
                          a.cleared_at ? Cell(*a.cleared_at) : Cell(), minutes});
    }
  }
  out.totals = {t(Id::kReportTotal), Cell(), Cell(), Cell(), total};
  return out;
}

}  // namespace phil::service
