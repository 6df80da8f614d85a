#include "prepaidctl_log.hpp"

#include <charconv>
#include <iostream>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include <phil/common/time.hpp>
#include <phil/service/operations.hpp>
#include <phil/views/json_views.hpp>

#include "cli_support.hpp"

namespace phil::app {

namespace {

constexpr int kOk = 0;
constexpr int kProblem = 1;
constexpr int kUsage = 2;

int list(const LogCommands& c, const service::Operations& ops, const AdminTarget& t) {
  store::LogFilter f;
  if (!c.from.empty()) {
    f.from = time_arg(c.from, "--from");
    if (!f.from) return kUsage;
  }
  if (!c.to.empty()) {
    f.to = time_arg(c.to, "--to");
    if (!f.to) return kUsage;
  }
  if (!c.operator_id.empty()) f.operator_id = c.operator_id;
  if (!c.action.empty()) f.action = c.action;
  if (!c.target.empty()) f.target = c.target;
  f.limit = c.limit;
  auto rows = ops.log(t.actor, f);
  if (!rows) return print_refusal(rows.error(), t.json);
  if (t.json) {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& r : rows.value())
      all.push_back(views::log_row_json(r));
    std::cout << json_text(nlohmann::json{{"ok", true}, {"rows", std::move(all)}}) << "\n";
  } else if (c.csv) {
    std::cout << "id,at,operator,action,target,outcome,details,hash\n";
    for (const auto& r : rows.value()) {
      std::cout << r.id << "," << csv(format_timestamp(r.at, {})) << "," << csv(r.operator_id)
                << "," << csv(r.action) << "," << csv(r.target) << "," << csv(r.outcome) << ","
                << csv(r.details) << "," << csv(r.hash) << "\n";
    }
  } else {
    for (const auto& r : rows.value()) {
      std::cout << r.id << "  " << format_timestamp(r.at, {}) << "  " << printable(r.operator_id)
                << "  " << printable(r.action)
                << (r.target.empty() ? std::string() : "  " + printable(r.target))
                << (r.outcome == "ok" ? std::string() : "  [" + printable(r.outcome) + "]") << "  "
                << printable(r.details) << "\n";
    }
    if (rows.value().empty()) std::cout << "no rows\n";
  }
  return kOk;
}

/// "ID:HASH"; nullopt after a usage_error.
std::optional<store::ChainHead> head_arg(const std::string& text) {
  const auto colon = text.find(':');
  store::ChainHead h;
  if (colon != std::string::npos) {
    const auto* first = text.data();
    const auto [end, ec] = std::from_chars(first, first + colon, h.id);
    h.hash = text.substr(colon + 1);
    bool hex = h.hash.size() == 64;
    for (const char ch : h.hash)
      hex = hex && ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'));
    if (ec == std::errc() && end == first + colon && h.id >= 0 && hex) return h;
  }
  usage_error("--expect-head \"" + printable(text) +
              "\" is not a chain head; give it as log head printed it: ID:HASH (64 hex digits)");
  return std::nullopt;
}

std::string head_text(const store::ChainHead& h) {
  return std::to_string(h.id) + ":" + h.hash;
}

int verify(const LogCommands& c, const service::Operations& ops, const AdminTarget& t) {
  std::optional<store::ChainHead> expected;
  if (!c.expect_head.empty()) {
    expected = head_arg(c.expect_head);
    if (!expected) return kUsage;
  }
  auto checked = ops.verify_log(t.actor, expected);
  if (!checked) return print_refusal(checked.error(), t.json);
  const auto& check = checked.value();
  const bool ok = check.problems.empty();
  if (t.json) {
    std::cout << json_text(
                     nlohmann::json{{"ok", ok},
                                    {"head", {{"id", check.head.id}, {"hash", check.head.hash}}},
                                    {"rows", check.rows},
                                    {"ledger_entries", check.ledger_entries},
                                    {"problems", check.problems}})
              << "\n";
  } else {
    for (const auto& p : check.problems)
      std::cout << "PROBLEM: " << p << "\n";
    std::cout << (ok ? "system log OK: " : "system log NOT OK: ") << check.rows << " rows, "
              << check.ledger_entries << " ledger entries; head " << head_text(check.head)
              << "\nkeep the head outside the database (e.g. in the daily report's copy) and "
                 "give it to log verify --expect-head later\n";
  }
  return ok ? kOk : kProblem;
}

int head(const service::Operations& ops, const AdminTarget& t) {
  auto h = ops.log_head(t.actor);
  if (!h) return print_refusal(h.error(), t.json);
  if (t.json) {
    std::cout << json_text(nlohmann::json{
                     {"ok", true}, {"head", {{"id", h.value().id}, {"hash", h.value().hash}}}})
              << "\n";
  } else {
    std::cout << head_text(h.value()) << "\n";
  }
  return kOk;
}

}  // namespace

std::unique_ptr<LogCommands> add_log_commands(CLI::App& cli) {
  auto c = std::make_unique<LogCommands>();
  c->log = cli.add_subcommand("log", "the system log: every action, login and refusal, chained");
  c->log->require_subcommand(0, 1);
  c->log->add_option("--from", c->from,
                     "rows at or after this time (e.g. 2026-04-01T00:00:00+08:00)");
  c->log->add_option("--to", c->to, "rows before this time");
  c->log->add_option("--operator", c->operator_id, "rows of this operator");
  c->log->add_option("--action", c->action, "rows of this action (e.g. sale, login, denied)");
  c->log->add_option("--target", c->target, "rows about this account, meter or operator");
  c->log->add_option("--limit", c->limit, "the newest rows kept when more match (1..100000)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  c->log->add_flag("--csv", c->csv, "CSV instead of a table");
  c->verify = c->log->add_subcommand(
      "verify", "check the chain and the ledger against it; print the chain's head");
  c->verify->add_option("--expect-head", c->expect_head,
                        "a head kept earlier (ID:HASH): check it is still in the chain");
  c->head = c->log->add_subcommand("head", "print the chain's head (ID:HASH) to keep outside");
  return c;
}

bool log_command_parsed(const LogCommands& c) {
  return c.log->parsed();
}

int run_log_command(const LogCommands& c, const AdminTarget& t) {
  // Opened for writing although it only reads: a refusal for the role is itself a row of the
  // log (who tried to read it matters to an auditor), which a read-only connection cannot write.
  const auto opened =
      open_operations(t.db, std::nullopt, t.clock, "cannot open the database", Access::kAction);
  if (!opened.ops) return opened.exit_code;
  if (c.verify->parsed()) return verify(c, *opened.ops, t);
  if (c.head->parsed()) return head(*opened.ops, t);
  if (c.csv && t.json) return usage_error("give --csv or --json, not both");
  return list(c, *opened.ops, t);
}

}  // namespace phil::app
