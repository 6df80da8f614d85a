#pragma once
// prepaidctl's tariffs: `tariff add` (a tariff version: single price, TOU rates and periods,
// tiers; from flags or, with --file, from a YAML file: phil/service/tariff_file.hpp), `tariff
// assign` (site default or one meter) and `tariff list`. They go through service::Operations; with
// --config the site's meters are registered first (so a meter can be assigned before the daemon
// ever ran).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include <phil/domain/clock.hpp>
#include <phil/service/actor.hpp>

namespace phil::app {

struct TariffCommands {
  CLI::App* add = nullptr;
  CLI::App* assign = nullptr;
  CLI::App* list = nullptr;
  std::string name;
  std::string
      file;  ///< tariff add --file: the version from a YAML file (phil/service/tariff_file.hpp)
  std::string from;
  std::string price;
  std::string rates;
  std::string periods;
  std::string tiers;
  std::string tier_period;
  int reset_day = 1;
  int reset_month = 1;
  bool site = false;
  std::string meter;
};

/// Adds `tariff add|assign|list` to the command line.
std::unique_ptr<TariffCommands> add_tariff_commands(CLI::App& cli);

bool tariff_command_parsed(const TariffCommands& c);

struct TariffContext {
  std::string db;
  std::optional<std::string> config;  ///< site file: its meters are registered first
  std::string profiles;
  service::Actor actor;
  bool json = false;
  const domain::Clock& clock;
};

/// Runs the parsed tariff command; returns the exit code (0 done, 1 refused, 2 bad arguments),
/// printing a table or, with `json`, one JSON object.
int run_tariff_command(const TariffCommands& c, const TariffContext& ctx);

}  // namespace phil::app
