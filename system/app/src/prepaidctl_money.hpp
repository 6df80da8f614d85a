#pragma once
// prepaidctl's money operations that need no site file: refund, reversal, account close. They
// go through service::Operations on the database (offline administration; the daemon may run
// meanwhile: SQLite WAL and the busy timeout let both take turns). Given the site file
// (--config), its limits apply (max_amount) and its meters are registered first; without it,
// the default limit.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include <phil/domain/clock.hpp>
#include <phil/service/actor.hpp>

#include "prepaidctl_admin.hpp"

namespace phil::app {

struct MoneyCommands {
  CLI::App* refund = nullptr;
  CLI::App* reversal = nullptr;
  CLI::App* close = nullptr;
  std::string account;
  std::string amount;
  std::int64_t sale_seq = 0;
};

/// Adds `refund`, `reversal` and `account close` (under `account`) to the command line.
std::unique_ptr<MoneyCommands> add_money_commands(CLI::App& cli, CLI::App& account);

/// True if one of the money commands was given on the command line.
bool money_command_parsed(const MoneyCommands& c);

/// Runs the parsed money command against `t.db` (with the site file `t.config`, if given) at
/// `t.clock`'s time as `t.actor`; returns the exit code (0 done, 1 refused, 2 bad arguments or
/// configuration), printing a human line or, with `t.json`, one JSON object.
int run_money_command(const MoneyCommands& c, const AdminTarget& t);

}  // namespace phil::app
