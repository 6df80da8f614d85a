#pragma once
// The status board's filters as prepaidctl options (--building --floor --bus --box --status
// --account --text): `status` shows the meters they keep; `command trip|close|...` sends a batch
// to them (issue 14 items 1 and 2).
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include <phil/domain/status_board.hpp>

namespace phil::app {

struct BoardFilterOptions {
  std::string building;
  std::string floor;
  std::string bus;
  std::string box;  ///< "BUS/BOX", or the box's address on every bus
  std::string status_name;
  std::string account;
  std::string text;
};

/// Adds the filter options to `cmd`, bound to `o` (which outlives the parse).
void add_board_filter_options(CLI::App& cmd, BoardFilterOptions& o);

/// True if any filter option was given.
bool any_filter(const BoardFilterOptions& o);

/// The options as typed, "--status arrears --floor 4" (a batch's selection, for the record).
std::string describe(const BoardFilterOptions& o);

/// The filter of the options; nullopt after a usage_error naming the option.
std::optional<domain::BoardFilter> board_filter_of(const BoardFilterOptions& c);

}  // namespace phil::app
