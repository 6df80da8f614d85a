#pragma once
// prepaidctl's money operations that need no site file: refund, reversal, account close. They
// go through service::Operations on the database (offline administration; the daemon may run
// meanwhile: SQLite WAL and the busy timeout let both take turns).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include <phil/domain/clock.hpp>
#include <phil/service/actor.hpp>

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

/// Runs the parsed money command against `db` at `clock`'s time as `actor`; returns the exit code
/// (0 done, 1 refused, 2 bad arguments), printing a human line or, with `json`, one JSON object.
int run_money_command(const MoneyCommands& c, const std::string& db, const service::Actor& actor,
                      bool json, const domain::Clock& clock);

}  // namespace phil::app
