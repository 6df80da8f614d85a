#pragma once
// prepaidctl's status board (issue 14 item 1): `status` prints every meter grouped building ->
// floor -> box -> circuit with its status in colour (on a terminal, unless NO_COLOR is set), a
// legend and the counts per status; filters --building --floor --bus --box --status --account
// --text; --json and --csv. The board itself is service::Operations::status_board.
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "board_filter_options.hpp"
#include "prepaidctl_admin.hpp"

namespace phil::app {

struct StatusCommand {
  CLI::App* status = nullptr;
  BoardFilterOptions filter;
  std::string color = "auto";  ///< auto | always | never
  bool csv = false;
};

/// Adds `status` to the command line.
std::unique_ptr<StatusCommand> add_status_command(CLI::App& cli);

bool status_command_parsed(const StatusCommand& c);

/// Runs `status`; returns the exit code (0 shown, 1 refused, 2 bad arguments).
int run_status_command(const StatusCommand& c, const AdminTarget& t);

}  // namespace phil::app
