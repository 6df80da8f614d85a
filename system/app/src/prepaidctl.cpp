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
#include "prepaidctl_alarm.hpp"
#include "prepaidctl_init.hpp"
#include "prepaidctl_log.hpp"
#include "prepaidctl_login.hpp"
#include "prepaidctl_money.hpp"
#include "prepaidctl_report.hpp"
#include "prepaidctl_status.hpp"
#include "prepaidctl_tariff.hpp"
#include "remote_commands.hpp"
#include "wall_clock.hpp"

namespace {

using phil::app::yuan;

constexpr int kOk = 0;
constexpr int kRefused = 1;
constexpr int kUsage = 2;

int report(const phil::domain::Result<void>& r, bool json, const std::string& done) {
  if (!r) return phil::app::print_refusal(r.error(), json);
  if (json) {
    std::cout << phil::app::json_text(nlohmann::json{{"ok", true}, {"message", done}}) << "\n";
  } else {
    std::cout << done << "\n";
  }
  return kOk;
}

/// The options every verb takes.
struct Global {
  std::string db;
  std::string config;
  std::string profiles = PHIL_DEFAULT_PROFILES_DIR;
  phil::app::LoginOptions login;
  bool json = false;

  std::optional<std::string> config_or_none() const {
    return config.empty() ? std::nullopt : std::optional<std::string>(config);
  }
};

void add_global_options(CLI::App& cli, Global& g) {
  cli.add_option("--db", g.db, "SQLite database file")->required();
  cli.add_option("--config", g.config,
                 "site file (YAML); needed by sale, command, read-now and ledger verify; for the "
                 "others it registers the site's meters first and its max_amount applies");
  cli.add_option("--profiles", g.profiles, "device profiles folder")->capture_default_str();
  phil::app::add_login_options(cli, g.login);
  cli.add_flag("--json", g.json, "machine-readable output");
  phil::cli::add_lang_option(cli);
}

/// The verbs that need the site file: sale, ledger verify (and the remote commands).
struct SiteVerbs {
  CLI::App* sale = nullptr;
  std::string account;
  std::string amount;
  CLI::App* verify = nullptr;
};

void add_sale(CLI::App& cli, SiteVerbs& v) {
  v.sale = cli.add_subcommand("sale", "sell electricity to an account");
  v.sale->add_option("--account", v.account, "account id")->required();
  v.sale->add_option("--amount", v.amount, "amount, yuan (e.g. 100.00)")->required();
}

int ledger_verify(const phil::service::Operations& ops, const phil::service::Actor& actor,
                  bool json) {
  const auto problems = ops.verify_ledger(actor).value();
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

/// Runs a verb of the site file: its meters are registered first, as the daemon does at
/// start-up.
int run_site_verb(const Global& g, const SiteVerbs& v, const phil::app::RemoteCommands& remote,
                  const phil::service::Actor& actor, const phil::domain::Clock& clock) {
  if (g.config.empty()) {
    return phil::app::usage_error(
        "--config is required for this command; give the site file (YAML)");
  }
  const auto site = phil::app::load_site_or_report(g.config, g.profiles);
  if (!site) return kUsage;
  const auto opened = phil::app::open_operations(
      g.db, site, clock, "cannot open the site",
      v.verify->parsed() || phil::app::remote_view_parsed(remote) ? phil::app::Access::kView
                                                                  : phil::app::Access::kAction);
  if (!opened.ops) return opened.exit_code;
  const auto& ops = opened.ops;
  try {
    if (v.sale->parsed()) {
      const auto fen = phil::app::amount_arg(v.amount, "--amount", "100.00");
      if (!fen) return kUsage;
      const auto r = ops->sale(actor, v.account, *fen);
      const bool credited = r && r.value() != phil::store::kNoCredit;
      return report(r ? phil::domain::Result<void>() : r.error(), g.json,
                    "sold " + yuan(*fen) + " yuan to " + v.account +
                        (credited ? "; the credit is delivered at the daemon's next iteration"
                                  : "; host-side: the ledger holds it, a tripped meter is "
                                    "switched on again at the daemon's next iteration"));
    }
    if (auto rc = phil::app::run_remote_commands(remote, *ops, actor, g.json)) return *rc;
    if (v.verify->parsed()) return ledger_verify(*ops, actor, g.json);
  } catch (const std::exception& e) {
    phil::app::print_failure(std::string("failed: ") + e.what(), g.json);
    return kRefused;
  }
  return kUsage;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"prepaidctl: operator actions on a prepaid-hil site"};
  cli.require_subcommand(1);
  Global g;
  add_global_options(cli, g);

  auto* init = cli.add_subcommand(
      "init",
      "create the database if needed and migrate it to this build's schema; with --admin, the "
      "first admin of a database without operators");
  phil::app::InitAdmin first_admin;
  init->add_option("--admin", first_admin.id, "the first admin's operator id");
  init->add_option("--name", first_admin.name, "the first admin's name (default: the id)");
  init->add_flag("--generate-password", first_admin.generate,
                 "generate a strong password and print it once (also done without a terminal and "
                 "no --password-file or PHIL_PASSWORD)");
  const auto operators = phil::app::add_operator_commands(cli);
  auto* account = cli.add_subcommand("account", "accounts")->require_subcommand(1);
  const auto money = phil::app::add_money_commands(cli, *account);
  SiteVerbs site;
  add_sale(cli, site);
  auto* meter = cli.add_subcommand("meter", "meters")->require_subcommand(1);
  const auto admin = phil::app::add_admin_commands(cli, *account, *meter);
  auto* ledger = cli.add_subcommand("ledger", "the ledger")->require_subcommand(1);
  site.verify = ledger->add_subcommand("verify", "check the ledger invariants");
  const auto remote = phil::app::add_remote_commands(cli);
  const auto tariff = phil::app::add_tariff_commands(cli);
  const auto log = phil::app::add_log_commands(cli);
  const auto board = phil::app::add_status_command(cli);
  const auto reports = phil::app::add_report_commands(cli);
  const auto alarm = phil::app::add_alarm_commands(cli);

  if (const auto status = phil::cli::parse(cli, argc, argv)) return *status;
  phil::app::set_json_output(g.json);
  if (const auto status = phil::app::settle_login_options(cli, g.login)) return *status;
  spdlog::set_default_logger(spdlog::stderr_color_mt("prepaidctl"));
  spdlog::set_level(spdlog::level::warn);

  const phil::app::WallClock clock;
  if (init->parsed()) {
    first_admin.password_file = g.login.password_file;
    return phil::app::run_init_command(g.db, g.json, first_admin, clock);
  }
  const phil::app::Front front{g.db, g.login, g.json, clock};
  phil::app::Authenticated who;
  try {
    if (phil::app::logs_in_itself(*operators)) {
      return phil::app::run_session_command(*operators, front);
    }
    // Every other verb: the actor of a session, else of a password, else refused.
    who = phil::app::authenticate(front);
    if (!who.actor) return who.exit_code;
    if (phil::app::operator_command_parsed(*operators)) {
      return phil::app::run_operator_command(*operators, front, who);
    }
  } catch (const std::exception& e) {  // a database failure (store::StoreError)
    phil::app::print_failure(std::string("failed: ") + e.what(), g.json);
    return kRefused;
  }
  const auto& actor = *who.actor;
  if (phil::app::money_command_parsed(*money)) {
    return phil::app::run_money_command(
        *money, {g.db, g.config_or_none(), g.profiles, actor, g.json, clock});
  }
  if (phil::app::tariff_command_parsed(*tariff)) {
    return phil::app::run_tariff_command(
        *tariff, {g.db, g.config_or_none(), g.profiles, actor, g.json, clock});
  }
  if (phil::app::log_command_parsed(*log)) {
    return phil::app::run_log_command(*log,
                                      {g.db, g.config_or_none(), g.profiles, actor, g.json, clock});
  }
  if (phil::app::status_command_parsed(*board)) {
    return phil::app::run_status_command(
        *board, {g.db, g.config_or_none(), g.profiles, actor, g.json, clock});
  }
  if (phil::app::report_command_parsed(*reports)) {
    return phil::app::run_report_command(
        *reports, {g.db, g.config_or_none(), g.profiles, actor, g.json, clock});
  }
  if (phil::app::alarm_command_parsed(*alarm)) {
    return phil::app::run_alarm_command(
        *alarm, {g.db, g.config_or_none(), g.profiles, actor, g.json, clock});
  }
  if (phil::app::admin_command_parsed(*admin)) {
    return phil::app::run_admin_command(
        *admin, {g.db, g.config_or_none(), g.profiles, actor, g.json, clock});
  }
  return run_site_verb(g, site, *remote, actor, clock);
}
