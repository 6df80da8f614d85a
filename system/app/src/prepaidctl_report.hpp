#pragma once
// prepaidctl's reports (issue 14 item 5): `report sales|shift|energy|readings|statement|daily`
// print a report of service::Operations as a table, or with --csv, --json (global) or
// --xlsx FILE; `report rebuild` makes the daily roll-ups again from the readings. The reports
// themselves are Operations' and the model they print service::to_report's.
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "prepaidctl_admin.hpp"

namespace phil::app {

struct ReportCommands {
  CLI::App* sales = nullptr;
  CLI::App* shift = nullptr;
  CLI::App* energy = nullptr;
  CLI::App* readings = nullptr;
  CLI::App* statement = nullptr;
  CLI::App* daily = nullptr;
  CLI::App* rebuild = nullptr;
  std::string from;
  std::string to;
  std::string by = "day";
  std::string group = "meter";
  std::string cashier;
  bool by_cashier = false;
  std::string account;
  std::string day;
  bool csv = false;
  std::string xlsx;
};

/// Adds `report` and its verbs to the command line.
std::unique_ptr<ReportCommands> add_report_commands(CLI::App& cli);

bool report_command_parsed(const ReportCommands& c);

/// Runs the parsed `report` verb; returns the exit code (0 done, 1 refused, 2 bad arguments).
int run_report_command(const ReportCommands& c, const AdminTarget& t);

}  // namespace phil::app
