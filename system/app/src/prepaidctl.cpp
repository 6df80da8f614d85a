// prepaidctl: operator actions and look-ups against a site's database. Each action is one
// transaction; the daemon delivers the resulting meter commands.
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <phil/common/decimal.hpp>
#include <phil/service/system.hpp>

#include "cli_support.hpp"
#include "prepaidctl_money.hpp"
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
  if (json) {
    nlohmann::json j{{"ok", r.ok()}};
    if (!r) j["error"] = r.error().message;
    if (r) j["message"] = done;
    std::cout << j.dump() << "\n";
  } else if (r) {
    std::cout << done << "\n";
  } else {
    std::fprintf(stderr, "refused: %s\n", r.error().message.c_str());
  }
  return r ? kOk : kRefused;
}

int meter_show(phil::service::System& sys, const std::string& text, bool json) {
  const auto id = phil::domain::MeterId::parse(text);
  if (!id) {
    std::fprintf(stderr, "\"%s\" is not a meter id; write bus/box/circuit, e.g. bus1/1/1\n",
                 text.c_str());
    return kUsage;
  }
  const auto m = sys.meter(*id);
  if (!m) {
    std::fprintf(stderr, "meter %s is not configured at this site\n", text.c_str());
    return kRefused;
  }
  const auto commands = sys.commands(*id, 5);
  const auto read_at =
      m->ever_read ? phil::format_timestamp(m->read_at, std::chrono::minutes(0)) : "never";
  if (json) {
    nlohmann::json j{{"meter", m->id.to_string()},
                     {"status", m->status},
                     {"account", m->account ? nlohmann::json(*m->account) : nlohmann::json()},
                     {"ever_read", m->ever_read},
                     {"read_at", read_at},
                     {"energy_wh", m->energy_wh},
                     {"power_w", m->power_w},
                     {"balance_fen", m->meter_balance_fen},
                     {"relay_closed", m->relay_closed},
                     {"mode", m->mode},
                     {"purchase_count", m->purchase_count},
                     {"failed_cycles", m->failed_cycles}};
    if (m->account) {
      if (auto b = sys.account_balance_fen(*m->account)) j["account_balance_fen"] = *b;
    }
    auto& cs = j["commands"] = nlohmann::json::array();
    for (const auto& c : commands) {
      cs.push_back({{"id", c.id},
                    {"kind", c.kind},
                    {"amount_fen", c.amount_fen},
                    {"state", c.state},
                    {"attempts", c.attempts},
                    {"last_error", c.last_error}});
    }
    std::cout << j.dump(2) << "\n";
    return kOk;
  }
  std::cout << "meter       " << m->id.to_string() << "\n"
            << "status      " << m->status << "\n"
            << "account     " << m->account.value_or("-") << "\n"
            << "last read   " << read_at << "\n";
  if (m->ever_read) {
    std::cout << "energy      " << phil::format_decimal(m->energy_wh, 3) << " kWh\n"
              << "power       " << m->power_w << " W\n"
              << "balance     " << yuan(m->meter_balance_fen) << " yuan (meter)\n"
              << "relay       " << (m->relay_closed ? "closed" : "open") << "\n"
              << "mode        " << m->mode << "\n"
              << "purchases   " << m->purchase_count << "\n";
  }
  if (m->account) {
    if (auto b = sys.account_balance_fen(*m->account)) {
      std::cout << "ledger      " << yuan(*b) << " yuan (account " << *m->account << ")\n";
    }
  }
  if (m->failed_cycles > 0) std::cout << "no answer   " << m->failed_cycles << " cycle(s)\n";
  for (const auto& c : commands) {
    std::cout << "command     #" << c.id << " " << c.kind << " " << yuan(c.amount_fen) << " "
              << c.state << " (attempts " << c.attempts << ")"
              << (c.last_error.empty() ? "" : ": " + c.last_error) << "\n";
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
                 "site file (YAML); needed by all but refund, reversal and account close");
  cli.add_option("--profiles", profiles, "device profiles folder")->capture_default_str();
  cli.add_option("--operator", operator_id, "who acts (recorded in the audit log)")
      ->capture_default_str();
  cli.add_flag("--json", json, "machine-readable output");

  auto* account = cli.add_subcommand("account", "accounts")->require_subcommand(1);
  auto* open = account->add_subcommand("open", "open an account on one or more meters");
  std::string account_id;
  std::string tenant;
  std::vector<std::string> meters;
  std::string first_sale = "0";
  open->add_option("--id", account_id, "account id, e.g. A401")->required();
  open->add_option("--tenant", tenant, "tenant name")->required();
  open->add_option("--meter", meters, "meter bus/box/circuit (repeat for more)")->required();
  open->add_option("--sale", first_sale, "first sale, yuan (e.g. 20.00)");

  const auto money = phil::app::add_money_commands(cli, *account);

  auto* sale = cli.add_subcommand("sale", "sell electricity to an account");
  std::string sale_account;
  std::string amount;
  sale->add_option("--account", sale_account, "account id")->required();
  sale->add_option("--amount", amount, "amount, yuan (e.g. 100.00)")->required();

  auto* meter = cli.add_subcommand("meter", "meters")->require_subcommand(1);
  auto* show = meter->add_subcommand("show", "show a meter's last reading and commands");
  std::string meter_id;
  show->add_option("meter", meter_id, "bus/box/circuit, e.g. bus1/1/1")->required();

  auto* ledger = cli.add_subcommand("ledger", "the ledger")->require_subcommand(1);
  auto* verify = ledger->add_subcommand("verify", "check the ledger invariants");

  const auto remote = phil::app::add_remote_commands(cli);

  CLI11_PARSE(cli, argc, argv);
  spdlog::set_default_logger(spdlog::stderr_color_mt("prepaidctl"));
  spdlog::set_level(spdlog::level::warn);

  if (phil::app::money_command_parsed(*money)) {
    return phil::app::run_money_command(*money, db, operator_id, json,
                                        phil::app::WallClock().now());
  }
  if (config.empty()) {
    std::fprintf(stderr, "--config is required for this command; give the site file (YAML)\n");
    return kUsage;
  }
  const auto site = phil::app::load_site_or_report(config, profiles);
  if (!site) return kUsage;
  phil::app::WallClock clock;
  std::unique_ptr<phil::service::System> sys;
  try {
    sys = std::make_unique<phil::service::System>(*site, db, clock);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cannot open the site: %s\n", e.what());
    return kRefused;
  }

  try {
    if (open->parsed()) {
      std::vector<phil::domain::MeterId> ids;
      for (const auto& m : meters) {
        auto id = phil::domain::MeterId::parse(m);
        if (!id) {
          std::fprintf(stderr, "\"%s\" is not a meter id; write bus/box/circuit, e.g. bus1/1/1\n",
                       m.c_str());
          return kUsage;
        }
        ids.push_back(*id);
      }
      const auto fen = parse_amount(first_sale, "--sale");
      if (!fen) return kUsage;
      return report(sys->open_account(account_id, tenant, ids, *fen, operator_id), json,
                    "account " + account_id + " opened" +
                        (*fen > 0 ? ", first sale " + yuan(*fen) + " yuan queued" : ""));
    }
    if (sale->parsed()) {
      const auto fen = parse_amount(amount, "--amount");
      if (!fen) return kUsage;
      return report(sys->sale(sale_account, *fen, operator_id), json,
                    "sold " + yuan(*fen) + " yuan to " + sale_account +
                        "; the credit is delivered at the daemon's next iteration");
    }
    if (show->parsed()) return meter_show(*sys, meter_id, json);
    if (auto rc = phil::app::run_remote_commands(*remote, *sys, operator_id, json)) return *rc;
    if (verify->parsed()) {
      const auto problems = sys->verify_ledger();
      if (json) {
        std::cout << nlohmann::json{{"ok", problems.empty()}, {"problems", problems}}.dump()
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
