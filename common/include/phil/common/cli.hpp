#pragma once
// The command-line convention of every prepaid-hil program: a usage error (an unknown option, a
// missing required one, a bad value) prints CLI11's message and exits with status 2; --help
// prints the help and exits 0. With --json on the command line, the usage error is JSON on
// stdout instead ({"ok": false, "usage": true, "error": MESSAGE}), so a script that asked for JSON
// never has to parse text. Header-only: the program links CLI11, the common library does not.
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <phil/common/text.hpp>

namespace phil::cli {

/// Exit status of a usage error.
inline constexpr int kUsage = 2;

/// True if `--json` stands among the options (before a "--" that ends them).
inline bool asks_for_json(int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") return false;
    if (arg == "--json") return true;
  }
  return false;
}

/// Parses the command line into `app`. nullopt: parsed, carry on; otherwise the status main
/// returns at once (0 after --help, kUsage after a usage error, its message printed).
inline std::optional<int> parse(CLI::App& app, int argc, const char* const* argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0 && asks_for_json(argc, argv)) {
      std::cout << nlohmann::json{{"ok", false}, {"usage", true}, {"error", e.what()}}.dump()
                << "\n";
      return kUsage;
    }
    return app.exit(e) == 0 ? 0 : kUsage;
  }
  return std::nullopt;
}

/// Adds `--lang en|zh_CN` to `app`, which chooses the language of every message and table
/// (phil::text::set_language); without it, the locale decides (text::lang_from_environment). The
/// choice is made while parsing, so the messages of what follows are in it.
inline CLI::Option* add_lang_option(CLI::App& app) {
  text::set_language(text::lang_from_environment());
  return app
      .add_option_function<std::string>(
          "--lang",
          [](const std::string& value) {
            const auto lang = text::parse_lang(value);
            if (!lang) throw CLI::ValidationError("--lang", "expected en or zh_CN, got " + value);
            text::set_language(*lang);
          },
          "language of messages and tables: en or zh_CN (default: from LC_ALL, LC_MESSAGES, "
          "LANG)")
      ->option_text("en|zh_CN");
}

}  // namespace phil::cli
