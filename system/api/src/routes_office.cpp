// The office's views and settings: alarms and ack, reports (JSON, CSV, xlsx), tariffs,
// operators, the system log: prepaidctl alarm ..., report ..., tariff ..., operator ..., log ...
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include <unistd.h>

#include <phil/common/text.hpp>
#include <phil/common/time.hpp>
#include <phil/common/utf8.hpp>
#include <phil/common/yaml.hpp>
#include <phil/report/report.hpp>
#include <phil/service/report_model.hpp>
#include <phil/service/tariff_file.hpp>
#include <phil/views/json_views.hpp>

#include "route_table.hpp"

namespace phil::api::detail {

namespace {

using nlohmann::json;

// ---- alarms ----

Response alarms(Call& call) {
  store::AlarmFilter f;
  f.active_only = call.param("active").value_or("") == "true";
  const auto from = time_param(call, "from");
  if (!from) return from.error();
  const auto to = time_param(call, "to");
  if (!to) return to.error();
  f.from = *from;
  f.to = *to;
  if (const auto k = call.param("kind")) {
    f.kind = domain::parse_alarm_kind(*k);
    if (!f.kind) {
      return invalid(text::format(text::Id::kApiBadChoice, "kind", utf8::escaped(*k),
                                  "alarm1, alarm2, arrears, offline, ..."));
    }
  }
  f.account = call.param("account");
  f.bus = call.param("bus");
  const auto l = call.ops.alarms(call.actor, f);
  if (!l) return refused(l.error());
  json items = json::array();
  // Newest first, as an operator looks at them.
  for (auto it = l.value().alarms.rbegin(); it != l.value().alarms.rend(); ++it)
    items.push_back(views::alarm_json(*it, l.value().utc_offset));
  return page(call, std::move(items));
}

Response ack_alarm(Call& call) {
  const auto id = id_param(call, "id");
  if (!id) return id.error();
  const auto a = call.ops.ack_alarm(call.actor, *id);
  if (!a) return refused(a.error());
  return ok({{"alarm", views::alarm_json(a.value(), {})}});
}

// ---- reports ----

/// The reports as the `format` parameter asks: json (default), csv (the first report) or xlsx.
Response rendered(const Call& call, const std::vector<report::Report>& reports,
                  const std::string& name) {
  const auto format = call.param("format").value_or("json");
  Response r;
  if (format == "json") {
    json all = json::array();
    for (const auto& rep : reports)
      all.push_back(json::parse(report::json(rep)));
    return ok({{"reports", std::move(all)}});
  }
  if (format == "csv") {
    r.content_type = "text/csv; charset=utf-8";
    r.body = report::csv(reports.front());
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + ".csv\"");
    return r;
  }
  if (format == "xlsx") {
    // libxlsxwriter writes a file: a private temporary one, read back and removed.
    auto path = (std::filesystem::temp_directory_path() / "prepaid-api-XXXXXX").string();
    const int fd = ::mkstemp(path.data());
    if (fd < 0) throw std::runtime_error("cannot make a temporary file for a workbook");
    ::close(fd);
    try {
      report::write_xlsx(reports, path);
    } catch (...) {
      std::filesystem::remove(path);
      throw;
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    std::filesystem::remove(path);
    r.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    r.body = body.str();
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + ".xlsx\"");
    return r;
  }
  return invalid(
      text::format(text::Id::kApiBadChoice, "format", utf8::escaped(format), "json, csv, xlsx"));
}

template <typename T, typename F>
Response report_of(const Call& call, const domain::Result<T>& r, const std::string& name,
                   F to_models) {
  if (!r) return refused(r.error());
  return rendered(call, to_models(r.value()), name);
}

Response report(Call& call) {
  const auto& kind = call.path_param("kind");
  const auto one = [](report::Report r) { return std::vector<report::Report>{std::move(r)}; };
  if (kind == "readings") {
    return report_of(call, call.ops.readings_export(call.actor), kind,
                     [&](const auto& v) { return one(service::to_report(v)); });
  }
  if (kind == "daily") {
    const auto day = call.param("day");
    if (!day) return error_response("invalid", text::format(text::Id::kApiMissingField, "day"));
    return report_of(call, call.ops.daily_report(call.actor, *day), kind,
                     [&](const auto& v) { return one(service::to_report(v)); });
  }
  const auto from = time_param(call, "from");
  if (!from) return from.error();
  const auto to = time_param(call, "to");
  if (!to) return to.error();
  if (!*from || !*to) {
    return invalid(text::format(text::Id::kApiMissingField, !*from ? "from" : "to"));
  }
  if (kind == "statement") {
    const auto account = call.param("account");
    if (!account) return invalid(text::format(text::Id::kApiMissingField, "account"));
    return report_of(call, call.ops.statement(call.actor, *account, **from, **to), kind,
                     [&](const auto& v) { return service::to_reports(v); });
  }
  if (kind == "shift") {
    const auto cashier = call.param("cashier").value_or(call.actor.id);
    return report_of(call, call.ops.shift_report(call.actor, cashier, **from, **to), kind,
                     [&](const auto& v) { return one(service::to_shift_report(v)); });
  }
  if (kind == "offline") {
    return report_of(call, call.ops.offline_report(call.actor, **from, **to), kind,
                     [&](const auto& v) { return one(service::to_report(v)); });
  }
  const auto by_text = call.param("by").value_or("day");
  const auto by = domain::parse_report_period(by_text);
  if (!by) {
    return invalid(
        text::format(text::Id::kApiBadChoice, "by", utf8::escaped(by_text), "day, month, year"));
  }
  if (kind == "energy") {
    const auto group_text = call.param("group").value_or("meter");
    const auto group = domain::parse_energy_group(group_text);
    if (!group) {
      return invalid(text::format(text::Id::kApiBadChoice, "group", utf8::escaped(group_text),
                                  "meter, account, floor, building, site"));
    }
    return report_of(call, call.ops.energy_report(call.actor, {**from, **to, *by, *group}), kind,
                     [&](const auto& v) { return one(service::to_report(v)); });
  }
  if (kind == "sales") {
    service::SalesQuery q{**from, **to, *by, call.param("by_cashier").value_or("") == "true",
                          call.param("cashier")};
    return report_of(call, call.ops.sales_report(call.actor, q), kind,
                     [&](const auto& v) { return one(service::to_report(v)); });
  }
  return error_response("not_found",
                        text::format(text::Id::kApiBadChoice, "kind", utf8::escaped(kind),
                                     "sales, shift, energy, readings, statement, daily, offline"));
}

// ---- tariffs ----

Response tariffs(Call& call) {
  const auto all = call.ops.tariffs(call.actor);
  if (!all) return refused(all.error());
  json items = json::array();
  for (const auto& t : all.value())
    items.push_back(views::tariff_json(t));
  return page(call, std::move(items));
}

Response add_tariff(Call& call) {
  // The body is the tariff file's content as JSON (YAML reads JSON), so one decoder checks both
  // and its messages name the key and its place.
  service::TariffFile t;
  try {
    const auto doc = yaml::Document::load_string(call.req.body, "request body");
    t = service::parse_tariff_file(doc.root());
  } catch (const yaml::ConfigError& e) {
    return invalid(e.what());
  }
  const auto r = call.ops.add_tariff(
      call.actor, service::AddTariff{t.name, {t.from.utc, std::move(t.tariff)}, t.from.offset});
  if (!r) return refused(r.error());
  Response out = ok({{"tariff", t.name}});
  out.status = 201;
  return out;
}

Response assign_tariff(Call& call) {
  service::AssignTariff a{*call.text("name"), std::nullopt, std::nullopt};
  if (const auto m = call.text("meter")) {
    a.meter = domain::MeterId::parse(*m);
    if (!a.meter) {
      return invalid(
          text::format(text::Id::kApiWrongType, "meter", "a bus/box/circuit id, e.g. bus1/4/1"));
    }
  }
  if (const auto from = call.text("from")) {
    const auto t = parse_timestamp(*from);
    if (!t) return invalid(text::format(text::Id::kApiBadTime, "from", utf8::escaped(*from)));
    a.from = t->utc;
  }
  const auto r = call.ops.assign_tariff(call.actor, a);
  if (!r) return refused(r.error());
  return ok({{"tariff", a.name}, {"target", a.meter ? a.meter->to_string() : "site"}});
}

// ---- operators ----

Response operators(Call& call) {
  const auto all = call.ops.operators(call.actor);
  if (!all) return refused(all.error());
  json items = json::array();
  for (const auto& o : all.value()) {
    items.push_back(
        {{"id", o.id},
         {"name", o.name},
         {"role", domain::to_string(o.role)},
         {"failures", o.failures},
         {"locked_until", o.locked_until ? json(format_timestamp(*o.locked_until, {})) : json()},
         {"disabled_at", o.disabled_at ? json(format_timestamp(*o.disabled_at, {})) : json()},
         {"created_at", format_timestamp(o.created_at, {})}});
  }
  return page(call, std::move(items));
}

phil::Expected<domain::Role, Response> role_field(const Call& call) {
  const auto text = *call.text("role");
  const auto role = domain::parse_role(text);
  if (!role) {
    return invalid(text::format(text::Id::kApiBadChoice, "role", utf8::escaped(text),
                                "admin, manager, cashier, engineer, auditor"));
  }
  return *role;
}

Response add_operator(Call& call) {
  const auto role = role_field(call);
  if (!role) return role.error();
  const auto r = call.ops.add_operator(
      call.actor,
      {*call.text("id"), call.text("name").value_or(""), *role, *call.text("password")});
  if (!r) return refused(r.error());
  Response out = ok({{"operator", *call.text("id")}});
  out.status = 201;
  return out;
}

Response set_role(Call& call) {
  const auto role = role_field(call);
  if (!role) return role.error();
  const auto r = call.ops.set_role(call.actor, call.path_param("id"), *role);
  if (!r) return refused(r.error());
  return ok({{"operator", call.path_param("id")}, {"role", domain::to_string(*role)}});
}

Response set_password(Call& call) {
  const auto r = call.ops.set_password(call.actor, call.path_param("id"), *call.text("password"));
  if (!r) return refused(r.error());
  return ok({{"operator", call.path_param("id")}});
}

Response disable_operator(Call& call) {
  const auto r = call.ops.disable_operator(call.actor, call.path_param("id"));
  if (!r) return refused(r.error());
  return ok({{"operator", call.path_param("id")}, {"disabled", true}});
}

// ---- the system log ----

Response log(Call& call) {
  store::LogFilter f;
  const auto from = time_param(call, "from");
  if (!from) return from.error();
  const auto to = time_param(call, "to");
  if (!to) return to.error();
  f.from = *from;
  f.to = *to;
  f.operator_id = call.param("operator");
  f.action = call.param("action");
  f.target = call.param("target");
  const auto rows = call.ops.log(call.actor, f);
  if (!rows) return refused(rows.error());
  json items = json::array();
  for (auto it = rows.value().rbegin(); it != rows.value().rend(); ++it)
    items.push_back(views::log_row_json(*it));
  return page(call, std::move(items));
}

// prepaidctl log verify --json: the chain checked end to end, and the ledger against it.
Response verify_log(Call& call) {
  const auto checked = call.ops.verify_log(call.actor);
  if (!checked) return refused(checked.error());
  const auto& c = checked.value();
  return ok({{"intact", c.problems.empty()},
             {"head", {{"id", c.head.id}, {"hash", c.head.hash}}},
             {"rows", c.rows},
             {"ledger_entries", c.ledger_entries},
             {"problems", c.problems}});
}

}  // namespace

std::vector<Route> office_routes() {
  using domain::Action;
  return {
      {{"GET",
        "/api/alarms",
        Action::kQuery,
        true,
        "Alarms, newest first",
        {"active", "from", "to", "kind", "account", "bus"},
        {},
        true},
       alarms},
      {{"POST", "/api/alarms/{id}/ack", Action::kAckAlarm, true, "Acknowledge an alarm", {}, {}},
       ack_alarm},
      {{"GET",
        "/api/reports/{kind}",
        std::nullopt,
        true,
        "A report: sales, shift, energy, readings, statement, daily or offline; JSON, CSV or xlsx "
        "(report role; a cashier their own shift report)",
        {"from", "to", "by", "by_cashier", "cashier", "group", "account", "day", "format"},
        {},
        false,
        "application/json, text/csv, xlsx"},
       report},
      {{"GET",
        "/api/tariffs",
        Action::kQuery,
        true,
        "Tariffs: versions, meters, assignments",
        {},
        {},
        true},
       tariffs},
      {{"POST",
        "/api/tariffs",
        Action::kAddTariff,
        true,
        "Add a tariff version: the tariff file's fields as JSON (name, from, rates, periods or "
        "price, tiers)",
        {},
        {{"name", "string", true, "the tariff's name"},
         {"from", "string", true, "when it takes effect, ISO 8601 with the offset"},
         {"rates", "object", false, "sharp, peak, flat, valley: yuan/kWh strings"},
         {"periods", "object", false, "\"HH:MM\": rate"},
         {"price", "string", false, "a single price instead of rates and periods"},
         {"tiers", "object", false, "period, reset_month, reset_day, steps"}}},
       add_tariff},
      {{"POST",
        "/api/tariffs/assign",
        Action::kAssignTariff,
        true,
        "Assign a tariff to the site or a meter",
        {},
        {{"name", "string", true, "the tariff"},
         {"meter", "string", false, "bus/box/circuit; without it the site default"},
         {"from", "string", false, "when, ISO 8601 with the offset; now without it"}}},
       assign_tariff},
      {{"GET",
        "/api/operators",
        Action::kManageOperators,
        true,
        "Operators and their roles",
        {},
        {},
        true},
       operators},
      {{"POST",
        "/api/operators",
        Action::kManageOperators,
        true,
        "Add an operator",
        {},
        {{"id", "string", true, "what they log in with"},
         {"name", "string", false, "their name"},
         {"role", "string", true, "admin, manager, cashier, engineer or auditor"},
         {"password", "string", true, "at least 10 characters"}}},
       add_operator},
      {{"POST",
        "/api/operators/{id}/role",
        Action::kManageOperators,
        true,
        "Change an operator's role (their sessions end)",
        {},
        {{"role", "string", true, "admin, manager, cashier, engineer or auditor"}}},
       set_role},
      {{"POST",
        "/api/operators/{id}/password",
        std::nullopt,
        true,
        "Set a password: one's own, or anyone's with manage_operators",
        {},
        {{"password", "string", true, "the new password"}}},
       set_password},
      {{"POST",
        "/api/operators/{id}/disable",
        Action::kManageOperators,
        true,
        "Disable an operator for good",
        {},
        {}},
       disable_operator},
      {{"GET",
        "/api/log",
        Action::kReadLog,
        true,
        "The system log, newest first",
        {"from", "to", "operator", "action", "target"},
        {},
        true},
       log},
      {{"GET",
        "/api/log/verify",
        Action::kReadLog,
        true,
        "The system log's hash chain checked end to end, and the ledger against it",
        {},
        {}},
       verify_log},
  };
}

}  // namespace phil::api::detail
