#include "prepaidctl_alarm.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <phil/common/text.hpp>
#include <phil/common/time.hpp>
#include <phil/service/operations.hpp>
#include <phil/service/report_model.hpp>
#include <phil/views/json_views.hpp>

#include "cli_support.hpp"

namespace phil::app {

namespace {

using text::Id;

/// --kind as typed: a kind's name (meter_offline, alarm1, ...); nullopt after a usage_error
/// listing the kinds.
std::optional<domain::AlarmKind> kind_arg(const std::string& typed) {
  if (const auto k = domain::parse_alarm_kind(typed)) return k;
  std::string kinds;
  for (std::size_t i = 0; i < domain::kAlarmKindCount; ++i)
    kinds +=
        (i == 0 ? "" : ", ") + std::string(domain::to_string(static_cast<domain::AlarmKind>(i)));
  usage_error(text::format(Id::kAlarmBadKind, printable(typed), kinds));
  return std::nullopt;
}

/// --meter as typed into the filter: BUS/BOX/CIRCUIT, BUS/BOX or BUS; false after a usage_error.
bool target_arg(const std::string& typed, store::AlarmFilter& f) {
  if (const auto m = domain::MeterId::parse(typed)) {
    f.bus = m->bus;
    f.box = m->box;
    f.circuit = m->circuit;
    return true;
  }
  const auto slash = typed.find('/');
  if (slash == std::string::npos && !typed.empty()) {
    f.bus = typed;
    return true;
  }
  if (slash != std::string::npos && slash > 0 && typed.find('/', slash + 1) == std::string::npos) {
    int box = 0;
    const auto* first = typed.data() + slash + 1;
    const auto* last = typed.data() + typed.size();
    const auto [end, ec] = std::from_chars(first, last, box);
    if (ec == std::errc() && end == last && box >= 1 && box <= 247) {
      f.bus = typed.substr(0, slash);
      f.box = box;
      return true;
    }
  }
  usage_error(text::format(Id::kAlarmBadTarget, printable(typed)));
  return false;
}

std::optional<store::AlarmFilter> filter_of(const AlarmCommands& c) {
  store::AlarmFilter f;
  f.active_only = c.active;
  if (!c.from.empty()) {
    f.from = time_arg(c.from, "--from");
    if (!f.from) return std::nullopt;
  }
  if (!c.to.empty()) {
    f.to = time_arg(c.to, "--to");
    if (!f.to) return std::nullopt;
  }
  if (!c.kind.empty()) {
    f.kind = kind_arg(c.kind);
    if (!f.kind) return std::nullopt;
  }
  if (!c.meter.empty() && !target_arg(c.meter, f)) return std::nullopt;
  if (!c.account.empty()) f.account = c.account;
  f.limit = c.limit;
  return f;
}

/// The site file (with --config: times in its zone) and Operations on the database.
struct Desk {
  std::optional<service::SiteConfig> site;
  OpenedOperations ops;  ///< no ops: the exit code, after what failed was printed
};

Desk open_desk(const AdminTarget& t, Access access) {
  Desk d;
  if (t.config) {
    d.site = load_site_or_report(*t.config, t.profiles);
    if (!d.site) {
      d.ops.exit_code = kExitUsage;
      return d;
    }
  }
  d.ops = open_operations(t.db, d.site, t.clock, "cannot open the database", access);
  return d;
}

struct Row {
  std::string id;
  std::string kind;
  std::string kind_name;
  std::string target;
  std::string raised;
  std::string cleared;
  std::string acked;
};

Row row_of(const store::AlarmRecord& a, std::chrono::minutes offset) {
  Row r;
  r.id = std::to_string(a.id);
  r.kind = std::string(domain::to_string(a.key.kind));
  r.kind_name = service::alarm_kind_name(a.key.kind);
  r.target = service::alarm_target_name(a.key.target);
  r.raised = format_timestamp(a.raised_at, offset);
  r.cleared = a.cleared_at ? format_timestamp(*a.cleared_at, offset) : std::string();
  if (a.acknowledged_by && a.acknowledged_at) {
    r.acked = *a.acknowledged_by + " " + format_timestamp(*a.acknowledged_at, offset);
  }
  return r;
}

void print_table(const service::AlarmList& list) {
  std::vector<Row> rows;
  std::size_t active = 0;
  for (const auto& a : list.alarms) {
    rows.push_back(row_of(a, list.utc_offset));
    if (!a.cleared_at) ++active;
  }
  const std::vector<std::string> headers{
      text::format(Id::kAlarmId),      text::format(Id::kAlarmKind),
      text::format(Id::kAlarmTarget),  text::format(Id::kAlarmRaised),
      text::format(Id::kAlarmCleared), text::format(Id::kAlarmAcked)};
  const auto active_text = text::format(Id::kAlarmActive);
  if (!rows.empty()) {
    for (std::size_t i = 0; i < headers.size(); ++i)
      std::cout << (i == 0 ? "" : "  ") << headers[i];
    std::cout << "\n";
  }
  for (const auto& r : rows) {
    std::cout << r.id << "  " << r.kind_name << "  " << printable(r.target) << "  " << r.raised
              << "  " << (r.cleared.empty() ? "[" + active_text + "]" : r.cleared)
              << (r.acked.empty() ? std::string() : "  " + printable(r.acked)) << "\n";
  }
  if (rows.empty()) std::cout << text::format(Id::kAlarmNone) << "\n";
  std::cout << text::format(Id::kAlarmCounts, rows.size(), active) << "\n";
}

void print_csv(const service::AlarmList& list) {
  std::cout << csv(text::format(Id::kAlarmId)) << "," << csv(text::format(Id::kAlarmKind))
            << ",kind_code," << csv(text::format(Id::kAlarmTarget)) << ","
            << csv(text::format(Id::kAlarmRaised)) << "," << csv(text::format(Id::kAlarmCleared))
            << "," << csv(text::format(Id::kAlarmAcked)) << ",details\n";
  for (const auto& a : list.alarms) {
    const auto r = row_of(a, list.utc_offset);
    std::cout << r.id << "," << csv(r.kind_name) << "," << r.kind << "," << csv(r.target) << ","
              << csv(r.raised) << "," << csv(r.cleared) << "," << csv(r.acked) << ","
              << csv(a.details) << "\n";
  }
}

/// --csv, --json (global) and --xlsx: at most one; a usage error's exit code if more.
std::optional<int> one_output(const AlarmCommands& c, bool json) {
  if (static_cast<int>(c.csv) + static_cast<int>(json) + static_cast<int>(!c.xlsx.empty()) > 1)
    return usage_error("give one of --csv, --json and --xlsx");
  return std::nullopt;
}

int list(const AlarmCommands& c, const AdminTarget& t) {
  if (const auto bad = one_output(c, t.json)) return *bad;
  const auto filter = filter_of(c);
  if (!filter) return kExitUsage;
  const auto opened = open_desk(t, Access::kView);
  if (!opened.ops.ops) return opened.ops.exit_code;
  const auto got = opened.ops.ops->alarms(t.actor, *filter);
  if (!got) return print_refusal(got.error(), t.json);
  const auto& l = got.value();
  if (!c.xlsx.empty()) {
    return write_workbook({service::to_report(l, filter->from, filter->to)}, c.xlsx, t.json);
  }
  if (t.json) {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& a : l.alarms)
      all.push_back(views::alarm_json(a, l.utc_offset));
    std::cout << json_text(nlohmann::json{{"ok", true},
                                          {"as_of", format_timestamp(l.as_of, l.utc_offset)},
                                          {"alarms", std::move(all)}})
              << "\n";
  } else if (c.csv) {
    print_csv(l);
  } else {
    print_table(l);
  }
  return kExitOk;
}

int ack(const AlarmCommands& c, const AdminTarget& t) {
  std::int64_t id = 0;
  const auto* first = c.id.data();
  const auto* last = first + c.id.size();
  const auto [end, ec] = std::from_chars(first, last, id);
  if (c.id.empty() || ec != std::errc() || end != last || id < 1) {
    return usage_error(text::format(Id::kAlarmBadId, printable(c.id)));
  }
  const auto opened = open_desk(t, Access::kAction);
  if (!opened.ops.ops) return opened.ops.exit_code;
  const auto done = opened.ops.ops->ack_alarm(t.actor, id);
  if (!done) return print_refusal(done.error(), t.json);
  const auto& a = done.value();
  const auto offset = opened.site ? opened.site->utc_offset : std::chrono::minutes{0};
  if (t.json) {
    std::cout << json_text(nlohmann::json{{"ok", true}, {"alarm", views::alarm_json(a, offset)}})
              << "\n";
  } else {
    std::cout << text::format(Id::kAlarmAckedBy, a.id, service::alarm_kind_name(a.key.kind),
                              printable(service::alarm_target_name(a.key.target)),
                              printable(a.acknowledged_by.value_or("")),
                              format_timestamp(a.acknowledged_at.value_or(a.raised_at), offset))
              << "\n";
  }
  return kExitOk;
}

nlohmann::json span_json(const domain::AlarmSpan& a, std::chrono::minutes offset) {
  using nlohmann::json;
  return {{"went_offline", format_timestamp(a.raised_at, offset)},
          {"back", a.cleared_at ? json(format_timestamp(*a.cleared_at, offset)) : json()}};
}

int offline(const AlarmCommands& c, const AdminTarget& t) {
  if (const auto bad = one_output(c, t.json)) return *bad;
  const auto from = time_arg(c.from, "--from");
  if (!from) return kExitUsage;
  std::optional<TimePoint> to = t.clock.now();
  if (!c.to.empty()) {
    to = time_arg(c.to, "--to");
    if (!to) return kExitUsage;
  }
  const auto opened = open_desk(t, Access::kView);
  if (!opened.ops.ops) return opened.ops.exit_code;
  const auto got = opened.ops.ops->offline_report(t.actor, *from, *to);
  if (!got) return print_refusal(got.error(), t.json);
  const auto& r = got.value();
  if (!c.xlsx.empty()) return write_workbook({service::to_report(r)}, c.xlsx, t.json);
  const auto at = [&](TimePoint p) { return format_timestamp(p, r.utc_offset); };
  if (t.json) {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& o : r.targets) {
      nlohmann::json spells = nlohmann::json::array();
      for (const auto& a : o.spells)
        spells.push_back(span_json(a, r.utc_offset));
      all.push_back(
          {{"kind", domain::to_string(o.kind)},
           {"target", o.target.to_string()},
           {"offline_s", std::chrono::duration_cast<std::chrono::seconds>(o.total).count()},
           {"still_offline", o.still_offline},
           {"spells", std::move(spells)}});
    }
    std::cout << json_text(nlohmann::json{
                     {"ok", true}, {"from", at(r.from)}, {"to", at(r.to)}, {"targets", all}})
              << "\n";
    return kExitOk;
  }
  if (c.csv) {
    std::cout << csv(text::format(Id::kAlarmKind)) << ",kind_code,"
              << csv(text::format(Id::kAlarmTarget)) << "," << csv(text::format(Id::kOfflineWent))
              << "," << csv(text::format(Id::kOfflineBack)) << ",offline_s\n";
    for (const auto& o : r.targets) {
      for (const auto& a : o.spells) {
        const auto end = std::min(a.cleared_at.value_or(r.to), r.to);
        const auto start = std::max(a.raised_at, r.from);
        std::cout << csv(service::alarm_kind_name(o.kind)) << "," << domain::to_string(o.kind)
                  << "," << csv(o.target.to_string()) << "," << csv(at(a.raised_at)) << ","
                  << csv(a.cleared_at ? at(*a.cleared_at) : std::string()) << ","
                  << std::chrono::duration_cast<std::chrono::seconds>(
                         std::max(end - start, Millis{0}))
                         .count()
                  << "\n";
      }
    }
    return kExitOk;
  }
  std::cout << text::format(Id::kOfflinePeriod, at(r.from), at(r.to)) << "\n";
  for (const auto& o : r.targets) {
    std::cout << text::format(Id::kOfflineTotal, printable(o.target.to_string()),
                              service::alarm_kind_name(o.kind), o.spells.size(),
                              duration_text(o.total))
              << "\n";
    for (const auto& a : o.spells) {
      std::cout << "  " << text::format(Id::kOfflineWent) << " " << at(a.raised_at) << "  "
                << (a.cleared_at ? text::format(Id::kOfflineBack) + " " + at(*a.cleared_at)
                                 : "[" + text::format(Id::kOfflineStill) + "]")
                << "\n";
    }
  }
  if (r.targets.empty()) std::cout << text::format(Id::kOfflineNone) << "\n";
  return kExitOk;
}

int sms(const AlarmCommands& c, const AdminTarget& t) {
  if (const auto bad = one_output(c, t.json)) return *bad;
  store::NoticeFilter f;
  if (!c.account.empty()) f.account = c.account;
  if (!c.kind.empty()) {
    f.kind = domain::parse_notice_kind(c.kind);
    if (!f.kind) {
      return usage_error("--kind " + printable(c.kind) +
                         " is not an SMS kind; give alarm1, alarm2, arrears, restore or office");
    }
  }
  if (!c.state.empty()) {
    f.state = domain::parse_notice_state(c.state);
    if (!f.state) {
      return usage_error("--state " + printable(c.state) +
                         " is not an SMS state; give pending, sent, skipped or expired");
    }
  }
  if (!c.from.empty()) {
    f.from = time_arg(c.from, "--from");
    if (!f.from) return kExitUsage;
  }
  if (!c.to.empty()) {
    f.to = time_arg(c.to, "--to");
    if (!f.to) return kExitUsage;
  }
  f.limit = c.limit;
  const auto opened = open_desk(t, Access::kView);
  if (!opened.ops.ops) return opened.ops.exit_code;
  const auto got = opened.ops.ops->notices(t.actor, f);
  if (!got) return print_refusal(got.error(), t.json);
  const auto offset = opened.site ? opened.site->utc_offset : std::chrono::minutes{0};
  const auto model = service::to_notices_report(got.value(), t.clock.now(), offset);
  if (!c.xlsx.empty()) return write_workbook({model}, c.xlsx, t.json);
  if (t.json) {
    auto j = nlohmann::json::parse(report::json(model));
    j["ok"] = true;
    std::cout << json_text(j) << "\n";
  } else if (c.csv) {
    std::cout << report::csv(model);
  } else {
    std::cout << report::table(model);
  }
  return kExitOk;
}

}  // namespace

std::unique_ptr<AlarmCommands> add_alarm_commands(CLI::App& cli) {
  auto c = std::make_unique<AlarmCommands>();
  c->alarm = cli.add_subcommand("alarm", "alarms: realtime and history, acknowledgement");
  c->alarm->require_subcommand(1);
  c->list = c->alarm->add_subcommand("list", "the alarms, oldest raised first");
  c->list->add_flag("--active", c->active, "only the alarms not cleared (realtime)");
  c->list->add_option("--from", c->from,
                      "alarms active at or after this time (e.g. 2026-04-01T00:00:00+08:00)");
  c->list->add_option("--to", c->to, "alarms raised before this time");
  c->list->add_option("--kind", c->kind,
                      "alarms of this kind (alarm1, alarm2, arrears, meter_offline, box_offline, "
                      "bus_offline, relay_mismatch, ...)");
  c->list->add_option("--meter", c->meter,
                      "alarms of this meter (BUS/BOX/CIRCUIT), box (BUS/BOX) or bus (BUS)");
  c->list->add_option("--account", c->account, "alarms of this account (balance mismatch)");
  c->list->add_option("--limit", c->limit, "the newest alarms kept when more match (1..100000)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  c->list->add_flag("--csv", c->csv, "CSV instead of a table");
  c->list->add_option("--xlsx", c->xlsx, "write the list as an Excel workbook to this file");
  c->ack = c->alarm->add_subcommand("ack", "acknowledge an alarm (admin, manager, engineer)");
  c->ack->add_option("id", c->id, "the alarm's id, as alarm list prints it")->required();
  c->offline = c->alarm->add_subcommand(
      "offline", "the offline report: when each meter, box and bus went offline, for how long");
  c->offline->add_option("--from", c->from, "the period's start (e.g. 2026-04-01T00:00:00+08:00)")
      ->required();
  c->offline->add_option("--to", c->to, "the period's end (default: now)");
  c->offline->add_flag("--csv", c->csv, "CSV instead of a table: one line per time offline");
  c->offline->add_option("--xlsx", c->xlsx, "write the report as an Excel workbook to this file");
  c->sms =
      c->alarm->add_subcommand("sms", "the SMS the alarms gave: to whom, what, sent or why not");
  c->sms->add_option("--account", c->account, "SMS to this account's tenant");
  c->sms->add_option("--kind", c->kind, "alarm1, alarm2, arrears, restore or office");
  c->sms->add_option("--state", c->state, "pending, sent, skipped or expired");
  c->sms->add_option("--from", c->from, "made at or after this time");
  c->sms->add_option("--to", c->to, "made before this time");
  c->sms->add_option("--limit", c->limit, "the newest kept when more match (1..100000)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  c->sms->add_flag("--csv", c->csv, "CSV instead of a table");
  c->sms->add_option("--xlsx", c->xlsx, "write the list as an Excel workbook to this file");
  return c;
}

bool alarm_command_parsed(const AlarmCommands& c) {
  return c.alarm->parsed();
}

int run_alarm_command(const AlarmCommands& c, const AdminTarget& t) {
  try {
    if (c.ack->parsed()) return ack(c, t);
    if (c.offline->parsed()) return offline(c, t);
    if (c.sms->parsed()) return sms(c, t);
    return list(c, t);
  } catch (const std::exception& e) {  // a database failure (store::StoreError)
    print_failure(std::string("failed: ") + e.what(), t.json);
    return kExitRefused;
  }
}

}  // namespace phil::app
