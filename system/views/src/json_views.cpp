#include <variant>

#include <fmt/format.h>

#include <phil/common/decimal.hpp>
#include <phil/common/text.hpp>
#include <phil/domain/status_board.hpp>
#include <phil/views/json_views.hpp>

namespace phil::views {

using nlohmann::json;

std::string yuan(std::int64_t fen) {
  return format_decimal(fen, 2);
}

json opt(const std::optional<std::string>& v) {
  return v ? json(*v) : json();
}

std::string board_actions_text(const domain::BoardRow& r) {
  std::string out;
  for (const auto a : domain::board_actions(r)) {
    if (!out.empty()) out += "; ";
    const auto box = r.meter.bus + "/" + std::to_string(r.meter.box);
    switch (a) {
      case domain::BoardAction::kMeterSwapped:
        out += text::format(text::Id::kActionMeterSwapped,
                            "prepaidctl meter replace " + r.meter.to_string() + " --in-place");
        break;
      case domain::BoardAction::kBoxBillingStopped:
        out += text::format(text::Id::kActionBoxStopped, "prepaidctl box confirm " + box);
        break;
      case domain::BoardAction::kBalanceMismatch:
        out += text::format(text::Id::kActionBalanceMismatch, yuan(r.mismatch_fen.value_or(0)));
        break;
    }
  }
  return out;
}

namespace {

template <class T>
json opt_json(const std::optional<T>& v) {
  return v ? json(*v) : json();
}

json age_s(const std::optional<TimePoint>& at, TimePoint now) {
  if (!at) return json();
  return std::chrono::duration_cast<std::chrono::seconds>(now - *at).count();
}

json time_json(const std::optional<TimePoint>& at, std::chrono::minutes offset) {
  return at ? json(format_timestamp(*at, offset)) : json();
}

std::string utc(TimePoint t) {
  return format_timestamp(t, std::chrono::minutes(0));
}

}  // namespace

json board_row_json(const domain::BoardRow& r, const service::StatusBoard& b) {
  json actions = json::array();
  for (const auto a : domain::board_actions(r))
    actions.push_back(std::string(domain::to_string(a)));
  return {{"meter", r.meter.to_string()},
          {"building", opt_json(r.building)},
          {"floor", opt_json(r.floor)},
          {"room", opt_json(r.room)},
          {"comm_manager", opt_json(r.comm_manager)},
          {"account", opt_json(r.account)},
          {"tenant", r.tenant},
          {"status", std::string(domain::to_string(r.status))},
          {"billing_mode",
           r.energy_meter ? json() : json(std::string(domain::to_string(r.billing_mode)))},
          {"energy_meter", r.energy_meter},
          {"balance", r.balance_fen ? json(yuan(*r.balance_fen)) : json()},
          {"relay", r.relay_closed ? json(*r.relay_closed ? "closed" : "open") : json()},
          {"mode", r.mode ? json(std::string(domain::to_string(*r.mode))) : json()},
          {"read_at", time_json(r.read_at, b.utc_offset)},
          {"age_s", age_s(r.read_at, b.as_of)},
          {"state_at", time_json(r.state_at, b.utc_offset)},
          {"state_age_s", age_s(r.state_at, b.as_of)},
          {"actions", std::move(actions)},
          {"action_text", board_actions_text(r)}};
}

json board_json(const service::StatusBoard& b) {
  json counts = json::object();
  for (const auto s : domain::kBoardStatuses)
    counts[std::string(domain::to_string(s))] = b.counts.of(s);
  json buildings = json::array();
  for (const auto& building : b.buildings) {
    json floors = json::array();
    for (const auto& floor : building.floors) {
      json boxes = json::array();
      for (const auto& box : floor.boxes) {
        json meters = json::array();
        for (const auto& m : box.meters)
          meters.push_back(board_row_json(m, b));
        boxes.push_back({{"bus", box.bus}, {"box", box.box}, {"meters", std::move(meters)}});
      }
      floors.push_back({{"floor", opt_json(floor.floor)}, {"boxes", std::move(boxes)}});
    }
    buildings.push_back({{"building", opt_json(building.building)}, {"floors", std::move(floors)}});
  }
  return {{"ok", true},
          {"as_of", format_timestamp(b.as_of, b.utc_offset)},
          {"total", b.counts.total},
          {"counts", std::move(counts)},
          {"buildings", std::move(buildings)}};
}

json alarm_json(const store::AlarmRecord& a, std::chrono::minutes offset) {
  auto details = json::parse(a.details, nullptr, false);
  if (details.is_discarded()) details = a.details;
  const auto& t = a.key.target;
  json target{{"bus", t.bus.empty() ? json() : json(t.bus)},
              {"box", opt_json(t.box)},
              {"circuit", opt_json(t.circuit)},
              {"account", t.account.empty() ? json() : json(t.account)}};
  return {{"id", a.id},
          {"kind", domain::to_string(a.key.kind)},
          {"kind_name", service::alarm_kind_name(a.key.kind)},
          {"target", std::move(target)},
          {"raised_at", format_timestamp(a.raised_at, offset)},
          {"cleared_at", time_json(a.cleared_at, offset)},
          {"active", !a.cleared_at.has_value()},
          {"details", std::move(details)},
          {"acknowledged_by", opt_json(a.acknowledged_by)},
          {"acknowledged_at", time_json(a.acknowledged_at, offset)}};
}

json log_row_json(const store::LogRow& r) {
  auto details = json::parse(r.details, nullptr, false);
  if (details.is_discarded()) details = r.details;
  json j{{"id", r.id},
         {"at", format_timestamp(r.at, {})},
         {"operator", r.operator_id},
         {"action", r.action},
         {"target", r.target},
         {"outcome", r.outcome},
         {"details", std::move(details)},
         {"hash", r.hash}};
  if (r.ledger_digest) j["ledger_digest"] = *r.ledger_digest;
  return j;
}

json command_json(const store::CommandRecord& c) {
  return {{"id", c.id},
          {"kind", domain::to_string(c.kind)},
          {"amount_fen", c.amount_fen},
          {"state", domain::to_string(c.state)},
          {"attempts", c.attempts},
          {"last_error", c.last_error}};
}

json account_json(const store::AccountRecord& a) {
  return {{"account", a.id},
          {"tenant", a.tenant},
          {"phone", a.phone},
          {"room", opt(a.room)},
          {"opened_at", utc(a.opened_at)},
          {"closed_at", a.closed_at ? json(utc(*a.closed_at)) : json()},
          {"balance_fen", a.balance_fen},
          {"balance", yuan(a.balance_fen)},
          {"mismatch_fen", opt_json(a.mismatch_fen)}};
}

json ledger_entry_json(const store::LedgerRecord& e) {
  return {{"seq", e.seq},
          {"kind", domain::to_string(e.kind)},
          {"meter", e.meter ? json(e.meter->to_string()) : json()},
          {"amount_fen", e.amount_fen},
          {"energy_wh", e.energy_wh},
          {"balance_after_fen", e.balance_after_fen},
          {"operator", e.operator_id},
          {"at", utc(e.at)},
          {"ref_seq", opt_json(e.ref_seq)},
          {"log_entry", opt_json(e.log_entry)}};
}

json debit_json(const store::CommandRecord& d) {
  const auto* p = std::get_if<domain::DebitPayload>(&d.params);
  return {{"command", d.id},
          {"purpose", p ? json(domain::to_string(p->purpose)) : json()},
          {"ref_seq", p && p->ref_seq ? json(*p->ref_seq) : json()},
          {"meter", d.meter.to_string()},
          {"amount_fen", d.amount_fen},
          {"state", domain::debit_state(d.state)},
          {"seq", opt_json(d.ledger_seq)},
          {"asked_at", utc(d.created_at)},
          {"why", d.last_error}};
}

json closing_json(const store::ClosingRecord& c) {
  json j{{"operator", c.operator_id},
         {"started_at", utc(c.started_at)},
         {"finished_at", c.finished_at ? json(utc(*c.finished_at)) : json()},
         {"refunded_fen", c.refunded_fen},
         {"settled_fen", c.settled_fen},
         {"owed_fen", c.owed_fen}};
  auto& ms = j["meters"] = json::array();
  for (const auto& m : c.meters) {
    ms.push_back({{"meter", m.meter.to_string()},
                  {"step", domain::to_string(m.step)},
                  {"relay_command", m.relay_command ? json(*m.relay_command) : json()},
                  {"read_request", m.read_request ? json(*m.read_request) : json()},
                  {"debit_command", m.debit_command ? json(*m.debit_command) : json()},
                  {"blocked", m.blocked ? json(*m.blocked) : json()}});
  }
  return j;
}

std::string hh_mm(int minute_of_day) {
  return fmt::format("{:02}:{:02}", minute_of_day / 60, minute_of_day % 60);
}

json tariff_json(const store::TariffRecord& r) {
  json versions = json::array();
  for (const auto& v : r.schedule.versions) {
    const auto& t = v.tariff;
    json periods = json::array();
    for (const auto& p : t.periods)
      periods.push_back({{"from", hh_mm(p.start_minute)}, {"rate", domain::to_string(p.rate)}});
    json tiers = json::array();
    for (const auto& s : t.tiers)
      tiers.push_back({{"from_wh", s.from_wh}, {"surcharge", s.surcharge}});
    versions.push_back({{"from", format_timestamp(v.from, r.schedule.utc_offset)},
                        {"rates",
                         {{"sharp", t.rates[0]},
                          {"peak", t.rates[1]},
                          {"flat", t.rates[2]},
                          {"valley", t.rates[3]}}},
                        {"periods", periods},
                        {"tier_period", t.tier_period == domain::TierPeriod::kNone      ? "none"
                                        : t.tier_period == domain::TierPeriod::kMonthly ? "monthly"
                                                                                        : "yearly"},
                        {"reset_month", t.reset_month},
                        {"reset_day", t.reset_day},
                        {"tiers", tiers}});
  }
  json meters = json::array();
  for (const auto& m : r.meters)
    meters.push_back(m.to_string());
  json assignments = json::array();  // the history, by target and start
  for (const auto& a : r.assignments) {
    const auto off = r.schedule.utc_offset;
    assignments.push_back({{"target", a.meter ? a.meter->to_string() : "site"},
                           {"from", format_timestamp(a.from, off)},
                           {"assigned_at", format_timestamp(a.assigned_at, off)}});
  }
  return {{"name", r.name},
          {"site_default", r.site_default},
          {"meters", meters},
          {"assignments", assignments},
          {"versions", versions}};
}

}  // namespace phil::views
