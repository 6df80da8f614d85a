#include "prepaidctl_report.hpp"

#include <iostream>
#include <optional>
#include <vector>

#include <phil/common/text.hpp>
#include <phil/domain/reports.hpp>
#include <phil/report/report.hpp>
#include <phil/service/operations.hpp>
#include <phil/service/report_model.hpp>

#include "cli_support.hpp"

namespace phil::app {

namespace {

constexpr int kOk = 0;

/// The verbs with a period; nullopt (after a usage_error) if --from or --to is missing or bad.
std::optional<std::pair<TimePoint, TimePoint>> period_of(const ReportCommands& c) {
  if (c.from.empty() || c.to.empty()) {
    usage_error(
        "give the period with --from and --to, e.g. --from 2026-04-01T00:00:00+08:00 "
        "--to 2026-05-01T00:00:00+08:00");
    return std::nullopt;
  }
  const auto from = time_arg(c.from, "--from");
  if (!from) return std::nullopt;
  const auto to = time_arg(c.to, "--to");
  if (!to) return std::nullopt;
  return std::pair{*from, *to};
}

/// The reports made, or the refusal's exit code.
struct Made {
  std::vector<report::Report> reports;
  std::optional<int> exit_code;
};

template <typename T, typename F>
Made made_of(const domain::Result<T>& r, bool json, F to_model) {
  if (!r) return {{}, print_refusal(r.error(), json)};
  return {to_model(r.value()), std::nullopt};
}

Made make(const ReportCommands& c, const service::Operations& ops, const service::Actor& actor,
          bool json) {
  const auto one = [](report::Report r) { return std::vector<report::Report>{std::move(r)}; };
  if (c.readings->parsed()) {
    return made_of(ops.readings_export(actor), json,
                   [&](const auto& v) { return one(service::to_report(v)); });
  }
  if (c.daily->parsed()) {
    return made_of(ops.daily_report(actor, c.day), json,
                   [&](const auto& v) { return one(service::to_report(v)); });
  }
  const auto period = period_of(c);
  if (!period) return {{}, kExitUsage};
  const auto [from, to] = *period;
  if (c.statement->parsed()) {
    return made_of(ops.statement(actor, c.account, from, to), json,
                   [&](const auto& v) { return service::to_reports(v); });
  }
  if (c.shift->parsed()) {
    return made_of(ops.shift_report(actor, c.cashier.empty() ? actor.id : c.cashier, from, to),
                   json, [&](const auto& v) { return one(service::to_shift_report(v)); });
  }
  const auto by = domain::parse_report_period(c.by);
  if (!by) {
    return {
        {},
        usage_error(text::format(text::Id::kBadReportChoice, "--by", c.by, "day, month, year"))};
  }
  if (c.energy->parsed()) {
    const auto group = domain::parse_energy_group(c.group);
    if (!group) {
      return {{},
              usage_error(text::format(text::Id::kBadReportChoice, "--group", c.group,
                                       "meter, account, floor, building, site"))};
    }
    return made_of(ops.energy_report(actor, {from, to, *by, *group}), json,
                   [&](const auto& v) { return one(service::to_report(v)); });
  }
  service::SalesQuery q{from, to, *by, c.by_cashier, std::nullopt};
  if (!c.cashier.empty()) q.cashier = c.cashier;
  return made_of(ops.sales_report(actor, q), json,
                 [&](const auto& v) { return one(service::to_report(v)); });
}

int rebuild(const ReportCommands&, const AdminTarget& t,
            const std::optional<service::SiteConfig>& site) {
  const auto opened = open_operations(t.db, site, t.clock, "cannot open the database");
  if (!opened.ops) return opened.exit_code;
  const auto r = opened.ops->rebuild_reports(t.actor);
  if (!r) return print_refusal(r.error(), t.json);
  if (t.json) {
    std::cout << json_text({{"ok", true},
                            {"readings", r.value().readings},
                            {"charges", r.value().charges}})
              << "\n";
  } else {
    std::cout << text::format(text::Id::kRollupsRebuilt, r.value().readings, r.value().charges)
              << "\n";
  }
  return kOk;
}

}  // namespace

std::unique_ptr<ReportCommands> add_report_commands(CLI::App& cli) {
  auto c = std::make_unique<ReportCommands>();
  auto* report = cli.add_subcommand("report", "the office's reports (报表)")->require_subcommand(1);
  c->sales = report->add_subcommand("sales", "sales, refunds, reversals and pending debits");
  c->shift = report->add_subcommand("shift", "a cashier's takings over a period (交班)");
  c->energy = report->add_subcommand("energy", "energy with its TOU split, and the charges");
  c->readings = report->add_subcommand("readings", "every meter's current state (抄表导出)");
  c->statement = report->add_subcommand("statement", "an account's entries and daily use");
  c->daily = report->add_subcommand("daily", "a day's totals and the system log's chain head");
  c->rebuild = report->add_subcommand(
      "rebuild", "make the daily roll-ups again from the readings and the ledger");
  for (auto* verb : {c->sales, c->shift, c->energy, c->statement}) {
    verb->add_option("--from", c->from, "start, with its offset: 2026-04-01T00:00:00+08:00");
    verb->add_option("--to", c->to, "end (not included), with its offset");
  }
  for (auto* verb : {c->sales, c->energy}) {
    verb->add_option("--by", c->by, "rows per day, month or year")->capture_default_str();
  }
  c->sales->add_option("--cashier", c->cashier, "only this cashier's");
  c->sales->add_flag("--by-cashier", c->by_cashier, "a row per cashier in each period");
  c->shift->add_option("--cashier", c->cashier, "the cashier (default: you)");
  c->energy->add_option("--group", c->group, "meter, account, floor, building or site")
      ->capture_default_str();
  c->statement->add_option("--account", c->account, "the account")->required();
  c->daily->add_option("--day", c->day, "the local day, YYYY-MM-DD")->required();
  for (auto* verb : {c->sales, c->shift, c->energy, c->readings, c->statement, c->daily}) {
    verb->add_flag("--csv", c->csv, "CSV instead of a table");
    verb->add_option("--xlsx", c->xlsx, "write an Excel workbook to this file");
  }
  return c;
}

bool report_command_parsed(const ReportCommands& c) {
  for (const auto* verb :
       {c.sales, c.shift, c.energy, c.readings, c.statement, c.daily, c.rebuild}) {
    if (verb->parsed()) return true;
  }
  return false;
}

int run_report_command(const ReportCommands& c, const AdminTarget& t) {
  if (static_cast<int>(c.csv) + static_cast<int>(t.json) + static_cast<int>(!c.xlsx.empty()) > 1)
    return usage_error("give one of --csv, --json and --xlsx");
  std::optional<service::SiteConfig> site;
  if (t.config) {
    site = load_site_or_report(*t.config, t.profiles);
    if (!site) return kExitUsage;
  }
  try {
    if (c.rebuild->parsed()) return rebuild(c, t, site);
    const auto opened =
        open_operations(t.db, site, t.clock, "cannot open the database", Access::kView);
    if (!opened.ops) return opened.exit_code;
    const auto made = make(c, *opened.ops, t.actor, t.json);
    if (made.exit_code) return *made.exit_code;
    if (!c.xlsx.empty()) return write_workbook(made.reports, c.xlsx, t.json);
    for (const auto& r : made.reports) {
      if (t.json) {
        std::cout << report::json(r);
      } else if (c.csv) {
        std::cout << report::csv(r);
      } else {
        std::cout << report::table(r) << "\n";
      }
    }
  } catch (const store::StoreError& e) {
    print_failure(std::string("database error: ") + e.what(), t.json);
    return kExitRefused;
  }
  return kOk;
}

}  // namespace phil::app
