#pragma once
// prepaidctl's system log (issue 13 item 4): `log` lists rows (filters --from --to --operator
// --action --target; a table, --json or --csv), `log verify` checks the hash chain and the
// ledger against it and prints the chain's head (with --expect-head, also that the head kept
// outside the database is still in the chain), `log head` prints the head alone.
#include <cstdint>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "prepaidctl_admin.hpp"

namespace phil::app {

struct LogCommands {
  CLI::App* log = nullptr;
  CLI::App* verify = nullptr;
  CLI::App* head = nullptr;
  std::string from;
  std::string to;
  std::string operator_id;
  std::string action;
  std::string target;
  int limit = 1000;
  bool csv = false;
  std::string expect_head;  ///< "ID:HASH" as `log verify` or `log head` printed it
};

/// Adds `log`, `log verify` and `log head` to the command line.
std::unique_ptr<LogCommands> add_log_commands(CLI::App& cli);

bool log_command_parsed(const LogCommands& c);

/// Runs the parsed log command; returns the exit code (0 done / chain holds, 1 refused or a
/// problem found, 2 bad arguments).
int run_log_command(const LogCommands& c, const AdminTarget& t);

}  // namespace phil::app
