#pragma once
// The status board's filters as prepaidctl options (--building --floor --bus --box --status
// --account --text): `status` shows the meters they keep; `command trip|close|...` sends a batch
// to them (issue 14 items 1 and 2).
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include <phil/domain/status_board.hpp>
#include <phil/views/board_filter.hpp>

namespace phil::app {

/// The options as typed (the views library reads them, as it reads the API's parameters).
using BoardFilterOptions = views::BoardFilterFields;

/// Adds the filter options to `cmd`, bound to `o` (which outlives the parse).
void add_board_filter_options(CLI::App& cmd, BoardFilterOptions& o);

using views::any_filter;

/// The options as typed, "--status arrears --floor 4" (a batch's selection, for the record).
std::string describe(const BoardFilterOptions& o);

/// The filter of the options; nullopt after a usage_error naming the option.
std::optional<domain::BoardFilter> board_filter_of(const BoardFilterOptions& c);

}  // namespace phil::app
