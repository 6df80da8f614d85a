#pragma once
// The command-line convention of every prepaid-hil program: a usage error (an unknown option, a
// missing required one, a bad value) prints CLI11's message and exits with status 2; --help
// prints the help and exits 0. Header-only: the program links CLI11, the common library does not.
#include <optional>

#include <CLI/CLI.hpp>

namespace phil::cli {

/// Exit status of a usage error.
inline constexpr int kUsage = 2;

/// Parses the command line into `app`. nullopt: parsed, carry on; otherwise the status main
/// returns at once (0 after --help, kUsage after a usage error, its message printed).
inline std::optional<int> parse(CLI::App& app, int argc, const char* const* argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kUsage;
  }
  return std::nullopt;
}

}  // namespace phil::cli
