#pragma once
// prepaidctl's alarms (issue 14 item 3): `alarm list` prints the alarms, realtime (--active) or
// history (--from --to), by --kind and --meter (a meter, box or bus); a table, --json or --csv,
// times in the site's zone (--config). `alarm ack ID` acknowledges one. The alarms themselves
// are service::Operations::alarms / ack_alarm. `alarm offline --from [--to]` is the offline
// report: when each meter, box and bus went offline in the period and for how long
// (Operations::offline_report). `alarm sms` lists the SMS the alarms gave (issue 14 item 4):
// to whom, the text, sent / pending / skipped / expired and why (Operations::notices).
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "prepaidctl_admin.hpp"

namespace phil::app {

struct AlarmCommands {
  CLI::App* alarm = nullptr;
  CLI::App* list = nullptr;
  CLI::App* ack = nullptr;
  CLI::App* offline = nullptr;
  CLI::App* sms = nullptr;
  bool active = false;
  std::string from;
  std::string to;
  std::string kind;
  std::string meter;  ///< BUS/BOX/CIRCUIT, BUS/BOX or BUS
  std::string account;
  int limit = 1000;
  bool csv = false;
  std::string xlsx;   ///< --xlsx FILE: the list or report as an Excel workbook
  std::string id;     ///< alarm ack's id, as typed
  std::string state;  ///< alarm sms --state: pending, sent, skipped, expired
};

/// Adds `alarm list` and `alarm ack` to the command line.
std::unique_ptr<AlarmCommands> add_alarm_commands(CLI::App& cli);

bool alarm_command_parsed(const AlarmCommands& c);

/// Runs the parsed alarm command; returns the exit code (0 done, 1 refused, 2 bad arguments).
int run_alarm_command(const AlarmCommands& c, const AdminTarget& t);

}  // namespace phil::app
