#include "prepaidctl_money.hpp"

#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include <phil/common/decimal.hpp>
#include <phil/store/ledger.hpp>

#include "cli_support.hpp"

namespace phil::app {

namespace {

constexpr int kOk = 0;
constexpr int kRefused = 1;
constexpr int kUsage = 2;

int print(bool ok, const std::string& message, bool json, const nlohmann::json& extra = {}) {
  if (json) {
    nlohmann::json j{{"ok", ok}};
    j[ok ? "message" : "error"] = message;
    if (extra.is_object()) j.update(extra);
    std::cout << json_text(j) << "\n";
  } else if (ok) {
    std::cout << message << "\n";
  } else {
    std::fprintf(stderr, "refused: %s\n", message.c_str());
  }
  return ok ? kOk : kRefused;
}

/// A refund or reversal: booked at once, or pending on the debit that takes it off the meter.
/// The cash is handed over only once that debit is confirmed.
int print_money_back(const store::MoneyBack& back, const std::string& done, bool json) {
  if (back.seq) {
    return print(true, done + " (entry " + std::to_string(*back.seq) + ")", json,
                 {{"seq", *back.seq}, {"amount_fen", back.amount_fen}, {"state", "confirmed"}});
  }
  const auto command = back.command.value_or(0);
  return print(true,
               done + " is pending: debit " + std::to_string(command) + " takes " +
                   yuan(back.amount_fen) +
                   " yuan off the meter. Hand the cash over only when `account show` lists it "
                   "confirmed; if it is cancelled, nothing was taken off",
               json, {{"command", command}, {"amount_fen", back.amount_fen}, {"state", "pending"}});
}

}  // namespace

std::unique_ptr<MoneyCommands> add_money_commands(CLI::App& cli, CLI::App& account) {
  auto c = std::make_unique<MoneyCommands>();
  c->refund = cli.add_subcommand("refund", "pay back unused credit of an account");
  c->refund->add_option("--account", c->account, "account id")->required();
  c->refund->add_option("--amount", c->amount, "amount, yuan (e.g. 10.00)")->required();
  c->reversal = cli.add_subcommand("reversal", "cancel a wrong sale not yet consumed");
  c->reversal->add_option("--sale", c->sale_seq, "ledger seq of the sale")->required();
  c->close = account.add_subcommand(
      "close",
      "close an account: its meters forced off, read and emptied, then the rest refunded (run "
      "again to resume a blocked step)");
  c->close->add_option("--id", c->account, "account id")->required();
  return c;
}

bool money_command_parsed(const MoneyCommands& c) {
  return c.refund->parsed() || c.reversal->parsed() || c.close->parsed();
}

int run_money_command(const MoneyCommands& c, const AdminTarget& t) {
  std::optional<service::SiteConfig> site;
  if (t.config) {
    site = load_site_or_report(*t.config, t.profiles);
    if (!site) return kUsage;
  }
  const auto& actor = t.actor;
  const bool json = t.json;
  const auto opened = open_operations(t.db, site, t.clock,
                                      site ? "cannot open the site" : "cannot open the database");
  if (!opened.ops) return opened.exit_code;
  const auto& ops = opened.ops;
  if (c.refund->parsed()) {
    const auto fen = amount_arg(c.amount, "--amount", "10.00");
    if (!fen) return kUsage;
    auto r = ops->refund(actor, c.account, *fen);
    if (!r) return print_refusal(r.error(), json);
    return print_money_back(r.value(), "refund of " + yuan(*fen) + " yuan from " + c.account, json);
  }
  if (c.reversal->parsed()) {
    auto r = ops->reversal(actor, c.sale_seq);
    if (!r) return print_refusal(r.error(), json);
    return print_money_back(r.value(), "reversal of sale " + std::to_string(c.sale_seq), json);
  }
  auto r = ops->close_account(actor, c.account);
  if (!r) return print_refusal(r.error(), json);
  const auto& closing = r.value();
  if (closing.closed) {
    return print(true,
                 "account " + c.account + " closed (no meter attached); refunded " +
                     yuan(closing.refunded_fen) + " yuan",
                 json, {{"state", "closed"}, {"refunded_fen", closing.refunded_fen}});
  }
  if (closing.resumed > 0) {
    return print(true,
                 "closing of account " + c.account + " resumed on " +
                     std::to_string(closing.resumed) +
                     " meter(s); `account show` follows its steps",
                 json, {{"state", "closing"}, {"resumed", closing.resumed}});
  }
  return print(true,
               "closing of account " + c.account + " started on " +
                   std::to_string(closing.meters.size()) +
                   " meter(s): forced off, final reading, what the meter holds taken off. "
                   "`account show` follows the steps; pay the refund out when it shows the "
                   "account closed",
               json, {{"state", "closing"}, {"meters", closing.meters.size()}});
}

}  // namespace phil::app
