#pragma once
// prepaidctl's site and account administration: `site import`, `account open|show`,
// `meter show|replace|move`. They go through service::Operations on the database (offline
// administration; the daemon may run meanwhile). With --config the site file's meters are
// registered first, so a database the daemon never ran on still knows them; without it the meters
// come from `site import` (or an earlier daemon run).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <phil/domain/clock.hpp>
#include <phil/service/actor.hpp>

namespace phil::app {

struct AdminCommands {
  CLI::App* site_import = nullptr;
  CLI::App* open = nullptr;
  CLI::App* account_show = nullptr;
  CLI::App* meter_show = nullptr;
  CLI::App* meter_replace = nullptr;
  CLI::App* meter_move = nullptr;
  CLI::App* box_confirm = nullptr;
  CLI::App* tenant_password = nullptr;  ///< account tenant-password
  std::string tenant_password_file;
  std::string box;
  bool in_place = false;  ///< meter replace --in-place: complete an on-site swap
  std::string file;
  std::string account;
  std::string tenant;
  std::string phone;
  std::string room;
  std::vector<std::string> meters;
  std::string first_sale = "0";
  int entries = 10;
  std::string meter;
  std::string new_meter;
  std::string to_account;
  bool with_balance = false;
  std::string final_energy;   ///< meter replace: manual final reading, kWh (empty: none)
  std::string final_balance;  ///< meter replace: its balance display, yuan (empty: none)
  std::string price;          ///< meter replace: yuan/kWh for a meter without a stored tariff
};

/// Adds `site import`, `account open`, `account show`, `account tenant-password` (under
/// `account`), `meter show`,
/// `meter replace` (OLD NEW, or METER --in-place), `meter move` (under `meter`) and
/// `box confirm`.
std::unique_ptr<AdminCommands> add_admin_commands(CLI::App& cli, CLI::App& account,
                                                  CLI::App& meter);

/// True if one of the admin commands was given on the command line.
bool admin_command_parsed(const AdminCommands& c);

/// Where the command runs: the database, and optionally the site file whose meters are
/// registered first.
struct AdminTarget {
  std::string db;
  std::optional<std::string> config;
  std::string profiles;
  service::Actor actor;
  bool json = false;
  const domain::Clock& clock;
};

/// Runs the parsed admin command; returns the exit code (0 done, 1 refused, 2 bad arguments or
/// configuration), printing human lines or, with `json`, one JSON object.
int run_admin_command(const AdminCommands& c, const AdminTarget& t);

}  // namespace phil::app
