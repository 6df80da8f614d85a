// prepaidctl: operator actions and look-ups against a site's database, all through
// service::Operations. Each action is one transaction; the daemon delivers the resulting meter
// commands.
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <phil/common/cli.hpp>
#include <phil/common/decimal.hpp>
#include <phil/service/operations.hpp>

#include "cli_support.hpp"
#include "prepaidctl_admin.hpp"
#include "prepaidctl_init.hpp"
#include "prepaidctl_money.hpp"
#include "prepaidctl_tariff.hpp"
#include "remote_commands.hpp"
#include "wall_clock.hpp"

namespace {

using phil::app::yuan;

constexpr int kOk = 0;
constexpr int kRefused = 1;
constexpr int kUsage = 2;

std::optional<std::int64_t> parse_amount(const std::string& text, const char* what) {
  const auto fen = phil::parse_decimal(text, 2);
  if (!fen) {
    std::fprintf(stderr,
                 "%s \"%s\" is not an amount in yuan with at most 2 decimals (e.g. 100.00)\n", what,
                 text.c_str());
  }
  return fen;
}

int report(const phil::domain::Result<void>& r, bool json, const std::string& done) {
  if (!r) return phil::app::print_refusal(r.error(), json);
  if (json) {
    std::cout << phil::app::json_text(nlohmann::json{{"ok", true}, {"message", done}}) << "\n";
  } else {
    std::cout << done << "\n";
  }
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"prepaidctl: operator actions on a prepaid-hil site"};
  cli.require_subcommand(1);
  std::string db;
  std::string config;
  std::string profiles = PHIL_DEFAULT_PROFILES_DIR;
  const char* user = std::getenv("USER");
  std::string operator_id = user ? user : "operator";
  bool json = false;
  cli.add_option("--db", db, "SQLite database file")->required();
  cli.add_option("--config", config,
                 "site file (YAML); needed by sale, command, read-now and ledger verify; for the "
                 "others it registers the site's meters first");
  cli.add_option("--profiles", profiles, "device profiles folder")->capture_default_str();
  cli.add_option("--operator", operator_id, "who acts (recorded in the audit log)")
      ->capture_default_str();
  cli.add_flag("--json", json, "machine-readable output");

  auto* init = cli.add_subcommand(
      "init", "create the database if needed and migrate it to this build's schema");

  auto* account = cli.add_subcommand("account", "accounts")->require_subcommand(1);
  const auto money = phil::app::add_money_commands(cli, *account);

  auto* sale = cli.add_subcommand("sale", "sell electricity to an account");
  std::string sale_account;
  std::string amount;
  sale->add_option("--account", sale_account, "account id")->required();
  sale->add_option("--amount", amount, "amount, yuan (e.g. 100.00)")->required();

  auto* meter = cli.add_subcommand("meter", "meters")->require_subcommand(1);
  const auto admin = phil::app::add_admin_commands(cli, *account, *meter);

  auto* ledger = cli.add_subcommand("ledger", "the ledger")->require_subcommand(1);
  auto* verify = ledger->add_subcommand("verify", "check the ledger invariants");

  const auto remote = phil::app::add_remote_commands(cli);
  const auto tariff = phil::app::add_tariff_commands(cli);

  if (const auto status = phil::cli::parse(cli, argc, argv)) return *status;
  spdlog::set_default_logger(spdlog::stderr_color_mt("prepaidctl"));
  spdlog::set_level(spdlog::level::warn);

  const phil::app::WallClock clock;
  const phil::service::Actor actor{operator_id};
  if (init->parsed()) return phil::app::run_init_command(db, json);
  if (phil::app::money_command_parsed(*money)) {
    return phil::app::run_money_command(*money, db, actor, json, clock);
  }
  if (phil::app::tariff_command_parsed(*tariff)) {
    return phil::app::run_tariff_command(
        *tariff, {db, config.empty() ? std::nullopt : std::optional<std::string>(config), profiles,
                  actor, json, clock});
  }
  if (phil::app::admin_command_parsed(*admin)) {
    return phil::app::run_admin_command(
        *admin, {db, config.empty() ? std::nullopt : std::optional<std::string>(config), profiles,
                 actor, json, clock});
  }
  if (config.empty()) {
    std::fprintf(stderr, "--config is required for this command; give the site file (YAML)\n");
    return kUsage;
  }
  const auto site = phil::app::load_site_or_report(config, profiles);
  if (!site) return kUsage;
  // The site's meters are registered first, as the daemon does at start-up.
  const auto opened = phil::app::open_operations(
      db, site, actor, clock, "cannot open the site",
      verify->parsed() ? phil::app::Access::kView : phil::app::Access::kAction);
  if (!opened.ops) return opened.exit_code;
  const auto& ops = opened.ops;

  try {
    if (sale->parsed()) {
      const auto fen = parse_amount(amount, "--amount");
      if (!fen) return kUsage;
      const auto r = ops->sale(actor, sale_account, *fen);
      return report(r ? phil::domain::Result<void>() : r.error(), json,
                    "sold " + yuan(*fen) + " yuan to " + sale_account +
                        "; the credit is delivered at the daemon's next iteration");
    }
    if (auto rc = phil::app::run_remote_commands(*remote, *ops, actor, json)) return *rc;
    if (verify->parsed()) {
      const auto problems = ops->verify_ledger(actor).value();
      if (json) {
        std::cout << phil::app::json_text(
                         nlohmann::json{{"ok", problems.empty()}, {"problems", problems}})
                  << "\n";
      } else if (problems.empty()) {
        std::cout << "ledger OK\n";
      } else {
        for (const auto& p : problems)
          std::cout << "PROBLEM: " << p << "\n";
      }
      return problems.empty() ? kOk : kRefused;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "failed: %s\n", e.what());
    return kRefused;
  }
  return kUsage;
}
