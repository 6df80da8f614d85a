#include <charconv>
#include <limits>
// The status board, meters, remote commands (single and batch) and read-now: prepaidctl status,
// meter show, command ..., read-now.
#include <phil/common/text.hpp>
#include <phil/common/time.hpp>
#include <phil/common/utf8.hpp>
#include <phil/domain/outbox.hpp>
#include <phil/report/report.hpp>
#include <phil/service/report_model.hpp>
#include <phil/views/board_filter.hpp>
#include <phil/views/command_fields.hpp>
#include <phil/views/json_views.hpp>

#include "route_table.hpp"

namespace phil::api::detail {

namespace {

using nlohmann::json;

/// The status board's filters, as query parameters or body fields.
const std::vector<std::string>& filter_params() {
  static const std::vector<std::string> names{"building", "floor",   "bus", "box",
                                              "status",   "account", "text"};
  return names;
}

views::BoardFilterFields filter_fields(const Call& call, bool from_body) {
  const auto get = [&](const char* name) {
    return (from_body ? call.text(name) : call.param(name)).value_or("");
  };
  return {get("building"), get("floor"),   get("bus"), get("box"),
          get("status"),   get("account"), get("text")};
}

Response status_board(Call& call) {
  auto filter = views::parse_board_filter(filter_fields(call, false), "");
  if (!filter) return invalid(filter.error());
  const auto board = call.ops.status_board(call.actor, *filter);
  if (!board) return refused(board.error());
  const auto& b = board.value();
  std::vector<const domain::BoardRow*> rows;
  rows.reserve(b.counts.total);
  for (const auto& building : b.buildings) {
    for (const auto& floor : building.floors) {
      for (const auto& box : floor.boxes) {
        for (const auto& m : box.meters)
          rows.push_back(&m);
      }
    }
  }
  json counts = json::object();
  for (const auto s : domain::kBoardStatuses)
    counts[std::string(domain::to_string(s))] = b.counts.of(s);
  return page(call, rows.size(), [&](std::size_t i) { return views::board_row_json(*rows[i], b); },
              {{"as_of", format_timestamp(b.as_of, b.utc_offset)}, {"counts", counts}});
}

json meter_json(const store::MeterRecord& m) {
  const bool read = m.read_at.has_value();
  const auto& r = m.last;
  return {{"meter", m.id.to_string()},
          {"model", m.model},
          {"account", views::opt(m.account)},
          {"status", domain::to_string(m.status)},
          {"energy_meter", m.metering_only},
          {"billing_mode", m.metering_only ? json() : json(domain::to_string(m.billing_mode))},
          {"read_at", m.read_at ? json(format_timestamp(*m.read_at, {})) : json()},
          {"state_at", m.state_at ? json(format_timestamp(*m.state_at, {})) : json()},
          {"energy_wh", read ? json(r.energy_wh) : json()},
          {"power_w", read ? json(r.power_w) : json()},
          {"balance", read && !m.metering_only ? json(views::yuan(r.balance_fen)) : json()},
          {"relay", read && !m.metering_only ? json(r.relay_closed ? "closed" : "open") : json()},
          {"mode", read && !m.metering_only ? json(domain::to_string(r.mode)) : json()},
          {"failed_cycles", m.failed_cycles}};
}

Response bad_meter(const Call& call) {
  return invalid(text::format(text::Id::kApiBadMeterPath, utf8::escaped(call.path_param("bus")),
                              utf8::escaped(call.path_param("box")),
                              utf8::escaped(call.path_param("circuit"))));
}

Response meter(Call& call) {
  const auto id = call.meter();
  if (!id) return bad_meter(call);
  const auto m = call.ops.meter(call.actor, *id);
  if (!m) return refused(m.error());
  auto j = meter_json(m.value());
  const auto place = call.ops.meter_placement(call.actor, *id);
  if (place) {
    const auto& p = place.value();
    j["room"] = views::opt(p.room);
    j["building"] = views::opt(p.building);
    j["floor"] = p.floor ? json(*p.floor) : json();
  }
  const auto tariff = call.ops.meter_tariff(call.actor, *id);
  if (tariff && tariff.value()) {
    j["tariff"] = {{"name", tariff.value()->name}, {"own", tariff.value()->own}};
  }
  return ok({{"meter", std::move(j)}});
}

Response meter_commands(Call& call) {
  const auto id = call.meter();
  if (!id) return bad_meter(call);
  const auto cs = call.ops.meter_commands(call.actor, *id, 1000);
  if (!cs) return refused(cs.error());
  json items = json::array();
  for (const auto& c : cs.value())
    items.push_back(views::command_json(c));
  return page(call, std::move(items));
}

Response meter_events(Call& call) {
  const auto id = call.meter();
  if (!id) return bad_meter(call);
  const auto m = call.ops.meter(call.actor, *id);  // an unknown meter is a 404, not no events
  if (!m) return refused(m.error());
  const auto es = call.ops.events(call.actor, *id);
  if (!es) return refused(es.error());
  json items = json::array();
  for (auto e = es.value().rbegin(); e != es.value().rend(); ++e) {
    items.push_back({{"id", e->id},
                     {"kind", e->kind},
                     {"details", e->details},
                     {"at", format_timestamp(e->at, {})}});
  }
  return page(call, std::move(items));
}

views::CommandFields command_fields(const Call& call) {
  views::CommandFields f;
  f.verb = call.text("command").value_or("");
  f.alarm1 = call.text("alarm1").value_or("");
  f.alarm2 = call.text("alarm2").value_or("");
  f.overload_w = call.integer("overload_w").value_or(0);
  f.flat = call.text("flat").value_or("");
  f.sharp = call.text("sharp").value_or("");
  f.peak = call.text("peak").value_or("");
  f.valley = call.text("valley").value_or("");
  f.periods = call.text("periods").value_or("");
  return f;
}

Response queued(const domain::Result<std::int64_t>& id, const domain::CommandPayload& payload) {
  if (!id) return refused(id.error());
  return ok({{"command", id.value()},
             {"kind", domain::to_string(domain::kind_of(payload))},
             {"payload", domain::encode_payload(payload)}});
}

Response meter_command(Call& call) {
  const auto id = call.meter();
  if (!id) return bad_meter(call);
  const auto f = command_fields(call);
  if (views::box_command(f.verb)) {
    return invalid(text::format(text::Id::kApiBadChoice, "command", utf8::escaped(f.verb),
                                "trip, close, keep-power, restore-prepaid, thresholds, price"));
  }
  const auto payload = views::parse_command(f, "");
  if (!payload) return invalid(payload.error());
  return queued(call.ops.command(call.actor, *id, *payload), *payload);
}

Response box_command(Call& call) {
  const auto box = views::parse_box_id(call.path_param("bus") + "/" + call.path_param("box"));
  if (!box) return bad_meter(call);
  const auto f = command_fields(call);
  if (!views::box_command(f.verb)) {
    return invalid(
        text::format(text::Id::kApiBadChoice, "command", utf8::escaped(f.verb), "tou, clock"));
  }
  const auto payload = views::parse_command(f, "");
  if (!payload) return invalid(payload.error());
  return queued(call.ops.command(call.actor, *box, *payload), *payload);
}

/// The batch's selection and command from the body; the 400 answer if they are not one.
struct BatchAsk {
  service::BatchSelection selection;
  std::string described;
  domain::CommandPayload payload;
};

phil::Expected<BatchAsk, Response> batch_ask(const Call& call) {
  const auto fields = filter_fields(call, true);
  const auto listed = call.strings("meters");
  const bool all = call.flag("all");
  const int ways = static_cast<int>(views::any_filter(fields)) + static_cast<int>(!listed.empty()) +
                   static_cast<int>(all);
  if (ways != 1) {
    return invalid(text::format(text::Id::kApiBadChoice, "selection", ways == 0 ? "-" : "+",
                                "a filter (building, floor, bus, box, status, account, text), "
                                "meters, or all: exactly one"));
  }
  BatchAsk ask;
  const auto f = command_fields(call);
  if (views::box_command(f.verb)) {
    return invalid(text::format(text::Id::kApiBadChoice, "command", utf8::escaped(f.verb),
                                "trip, close, keep-power, restore-prepaid, thresholds, price"));
  }
  auto payload = views::parse_command(f, "");
  if (!payload) return invalid(payload.error());
  ask.payload = std::move(payload).value();
  if (!listed.empty()) {
    for (const auto& text : listed) {
      auto id = domain::MeterId::parse(text);
      if (!id) {
        return invalid(
            text::format(text::Id::kApiWrongType, "meters", "bus/box/circuit ids, e.g. bus1/4/1"));
      }
      ask.selection.meters.push_back(*id);
    }
    ask.described = "meters: " + std::to_string(listed.size());
  } else {
    auto filter = views::parse_board_filter(fields, "");
    if (!filter) return invalid(filter.error());
    ask.selection.filter = std::move(filter).value();
    std::string d;
    const std::pair<const char*, const std::string*> named[] = {
        {"building", &fields.building}, {"floor", &fields.floor},   {"bus", &fields.bus},
        {"box", &fields.box},           {"status", &fields.status}, {"account", &fields.account},
        {"text", &fields.text}};
    for (const auto& [name, value] : named) {
      if (!value->empty()) d.append(d.empty() ? "" : " ").append(name).append("=").append(*value);
    }
    ask.described = all ? "all" : d;
  }
  return ask;
}

json plan_json(const service::BatchPlan& plan, const domain::CommandPayload& payload) {
  auto j = json::parse(report::json(service::to_report(plan, payload)));
  j["meters"] = plan.rows.size();
  j["refused"] = plan.refused;
  return j;
}

Response batch_preview(Call& call) {
  auto ask = batch_ask(call);
  if (!ask) return ask.error();
  const auto plan = call.ops.plan_batch(call.actor, ask->selection, ask->payload);
  if (!plan) return refused(plan.error());
  return ok({{"sent", false}, {"preview", plan_json(plan.value(), ask->payload)}});
}

Response batch_send(Call& call) {
  auto ask = batch_ask(call);
  if (!ask) return ask.error();
  const auto plan = call.ops.plan_batch(call.actor, ask->selection, ask->payload);
  if (!plan) return refused(plan.error());
  const auto& p = plan.value();
  if (p.rows.size() == p.refused) {
    return error_response("refused", text::format(text::Id::kBatchNothingToSend));
  }
  std::vector<domain::MeterId> meters;
  meters.reserve(p.rows.size());
  for (const auto& r : p.rows)
    meters.push_back(r.row.meter);
  const auto o = call.ops.command_batch(call.actor, meters, ask->payload, ask->described);
  if (!o) return refused(o.error());
  return ok({{"sent", true},
             {"batch", o.value().batch},
             {"kind", domain::to_string(domain::kind_of(ask->payload))},
             {"payload", domain::encode_payload(ask->payload)},
             {"queued", o.value().queued},
             {"refused", o.value().refused}});
}

Response batches(Call& call) {
  const auto v = call.ops.command_batches(call.actor, 1000);
  if (!v) return refused(v.error());
  auto j = json::parse(report::json(service::to_batches_report(v.value())));
  return page(call, std::move(j["rows"]), {{"columns", j["columns"]}});
}

Response batch(Call& call) {
  std::int64_t id = 0;
  const auto& text = call.path_param("batch");
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || p != text.data() + text.size() || id < 1) {
    return invalid(text::format(text::Id::kApiBadNumber, "batch", utf8::escaped(text), 1,
                                std::numeric_limits<std::int64_t>::max()));
  }
  const auto v = call.ops.command_batch_status(call.actor, id);
  if (!v) return refused(v.error());
  auto j = json::parse(report::json(service::to_batch_report(v.value())));
  return page(call, std::move(j["rows"]), {{"columns", j["columns"]}, {"title", j["title"]}});
}

Response read_now(Call& call) {
  const auto target = *call.text("target");
  const auto id = call.ops.read_now(call.actor, target);
  if (!id) return refused(id.error());
  return ok({{"read_request", id.value()}, {"target", target}});
}

Response read_request(Call& call) {
  std::int64_t id = 0;
  const auto& text = call.path_param("id");
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || p != text.data() + text.size() || id < 1) {
    return invalid(text::format(text::Id::kApiBadNumber, "id", utf8::escaped(text), 1,
                                std::numeric_limits<std::int64_t>::max()));
  }
  const auto r = call.ops.read_request(call.actor, id);
  if (!r) return refused(r.error());
  const auto& q = r.value();
  return ok({{"read_request",
              {{"id", q.id},
               {"target", q.target},
               {"state", q.state},
               {"result", q.result},
               {"created_at", format_timestamp(q.created_at, {})},
               {"updated_at", format_timestamp(q.updated_at, {})}}}});
}

/// A command's body fields (single or batch).
std::vector<FieldInfo> command_fields() {
  return {
      {"command", "string", true,
       "trip, close, keep-power, restore-prepaid, thresholds, price (meters); tou, clock (boxes)"},
      {"alarm1", "yuan", false, "thresholds: alarm 1 at balance <= this"},
      {"alarm2", "yuan", false, "thresholds: alarm 2 at balance <= this"},
      {"overload_w", "integer", false, "thresholds: overload threshold, W"},
      {"flat", "string", false, "price: flat price, yuan/kWh, 4 decimals (also the others)"},
      {"sharp", "string", false, "price: sharp price"},
      {"peak", "string", false, "price: peak price"},
      {"valley", "string", false, "price: valley price"},
      {"periods", "string", false, "tou: start/rate,..., e.g. 00:00/valley,08:00/peak"}};
}

std::vector<FieldInfo> batch_fields() {
  auto f = command_fields();
  for (const auto& name : filter_params())
    f.push_back({name, "string", false, "the status board's filter: " + name});
  f.push_back({"meters", "strings", false, "exactly these meters (bus/box/circuit)"});
  f.push_back({"all", "boolean", false, "every meter of the site"});
  return f;
}

}  // namespace

std::vector<Route> meter_routes() {
  using domain::Action;
  return {
      {{"GET",
        "/api/status",
        Action::kQuery,
        true,
        "The status board: every meter's status, balance, relay and last reading, with counts",
        filter_params(),
        {},
        true},
       status_board},
      {{"GET",
        "/api/meters/{bus}/{box}/{circuit}",
        Action::kQuery,
        true,
        "A meter: its last reading, state, account, place and tariff",
        {},
        {}},
       meter},
      {{"GET",
        "/api/meters/{bus}/{box}/{circuit}/commands",
        Action::kQuery,
        true,
        "A meter's commands, newest first",
        {},
        {},
        true},
       meter_commands},
      {{"GET",
        "/api/meters/{bus}/{box}/{circuit}/events",
        Action::kQuery,
        true,
        "A meter's events (replacements, conflicts, billing changes ...), newest first",
        {},
        {},
        true},
       meter_events},
      {{"POST",
        "/api/meters/{bus}/{box}/{circuit}/commands",
        Action::kCommand,
        true,
        "Queue a remote command to a meter (trip, close, keep-power, restore-prepaid, thresholds, "
        "price)",
        {},
        command_fields()},
       meter_command},
      {{"POST",
        "/api/boxes/{bus}/{box}/commands",
        Action::kCommand,
        true,
        "Queue a box command (tou, clock)",
        {},
        command_fields()},
       box_command},
      {{"POST",
        "/api/batches/preview",
        Action::kCommand,
        true,
        "What a batch command would do, per meter, before anything is sent",
        {},
        batch_fields()},
       batch_preview},
      {{"POST",
        "/api/batches",
        Action::kCommand,
        true,
        "Send a command to the meters a filter keeps, a list, or all (one batch)",
        {},
        batch_fields()},
       batch_send},
      {{"GET",
        "/api/batches",
        Action::kQuery,
        true,
        "The recent batches and their progress",
        {},
        {},
        true},
       batches},
      {{"GET",
        "/api/batches/{batch}",
        Action::kQuery,
        true,
        "A batch and where each of its meters is",
        {},
        {},
        true},
       batch},
      {{"POST",
        "/api/read-requests",
        Action::kReadNow,
        true,
        "Read a bus, box or meter now (the daemon serves it)",
        {},
        {{"target", "string", true, "BUS, BUS/BOX or BUS/BOX/CIRCUIT"}}},
       read_now},
      {{"GET",
        "/api/read-requests/{id}",
        Action::kQuery,
        true,
        "A read-now request: pending, done or failed, and what was found",
        {},
        {}},
       read_request},
  };
}

}  // namespace phil::api::detail
