// Expectations and conditions of a scenario's timeline, and the quantities they may check.
#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include <phil/common/decimal.hpp>

#include "scenario_parsing.hpp"

namespace phil::bench::detail {

namespace {

enum class Subject { kMeter, kAccount };

constexpr int kWord = -1;        // one of `words`
constexpr int kDuration = -2;    // a duration such as 30m (Millis inside)
constexpr int kIdentifier = -3;  // a lower-case name such as meter_replaced

struct QuantityInfo {
  std::string_view name;
  Quantity quantity;
  Subject subject;
  int decimals;                         // for numbers; kWord, kDuration or kIdentifier
  std::vector<std::string_view> words;  // for words
};

const std::vector<QuantityInfo>& quantities() {
  static const std::vector<QuantityInfo> table = {
      {"relay", Quantity::kRelay, Subject::kMeter, -1, {"open", "closed"}},
      {"balance", Quantity::kBalance, Subject::kMeter, 2, {}},
      {"energy", Quantity::kEnergy, Subject::kMeter, 3, {}},
      {"power", Quantity::kPower, Subject::kMeter, 0, {}},
      {"purchase_count", Quantity::kPurchaseCount, Subject::kMeter, 0, {}},
      {"purchase_total", Quantity::kPurchaseTotal, Subject::kMeter, 2, {}},
      {"debit_count", Quantity::kDebitCount, Subject::kMeter, 0, {}},
      {"debit_total", Quantity::kDebitTotal, Subject::kMeter, 2, {}},
      {"mode", Quantity::kMode, Subject::kMeter, -1, {"prepaid", "keep_power", "forced_off"}},
      {"status",
       Quantity::kStatus,
       Subject::kMeter,
       -1,
       {"not_opened", "normal", "alarm1", "alarm2", "arrears", "offline"}},
      {"system_relay", Quantity::kSystemRelay, Subject::kMeter, -1, {"open", "closed"}},
      {"system_balance", Quantity::kSystemBalance, Subject::kMeter, 2, {}},
      {"system_energy", Quantity::kSystemEnergy, Subject::kMeter, 3, {}},
      {"system_purchase_count", Quantity::kSystemPurchaseCount, Subject::kMeter, 0, {}},
      {"failed_cycles", Quantity::kFailedCycles, Subject::kMeter, 0, {}},
      {"read_age", Quantity::kReadAge, Subject::kMeter, kDuration, {}},
      {"last_command",
       Quantity::kLastCommand,
       Subject::kMeter,
       kWord,
       {"pending", "in_flight", "confirmed", "failed", "superseded"}},
      {"open_commands", Quantity::kOpenCommands, Subject::kMeter, 0, {}},
      {"no_double_credit", Quantity::kNoDoubleCredit, Subject::kMeter, kWord, {"true"}},
      {"event", Quantity::kEvent, Subject::kMeter, kIdentifier, {}},
  };
  return table;
}

const QuantityInfo* find_quantity(std::string_view name) {
  for (const auto& q : quantities()) {
    if (q.name == name) return &q;
  }
  return nullptr;
}

std::string quantity_names() {
  std::string out;
  for (const auto& q : quantities()) {
    if (!out.empty()) out += ", ";
    out += q.name;
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

/// Splits "<= 0.00" into (Op, "0.00"); a bare value means equality.
std::pair<Op, std::string_view> split_op(std::string_view s) {
  s = trim(s);
  static const std::array<std::pair<std::string_view, Op>, 6> ops = {{{"==", Op::kEq},
                                                                      {"!=", Op::kNe},
                                                                      {"<=", Op::kLe},
                                                                      {">=", Op::kGe},
                                                                      {"<", Op::kLt},
                                                                      {">", Op::kGt}}};
  for (const auto& [text, op] : ops) {
    if (s.substr(0, text.size()) == text) return {op, trim(s.substr(text.size()))};
  }
  return {Op::kEq, s};
}

/// Fills check value from text according to the quantity's kind.
void parse_value(const yaml::Node& where, const QuantityInfo& q, std::string_view text, Check& c) {
  auto [op, value] = split_op(text);
  c.op = op;
  if (q.decimals == kDuration) {
    const auto d = parse_duration(value);
    if (!d) {
      where.fail("invalid " + std::string(q.name) + " \"" + std::string(value) +
                 "\"; expected a duration such as 30m or 1h30m, optionally after ==, !=, <, <=, "
                 ">, >=");
    }
    c.number = d->count();
    return;
  }
  if (q.decimals == kIdentifier) {
    const bool ok = !value.empty() && std::all_of(value.begin(), value.end(), [](char ch) {
      return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
    });
    if (!ok || (op != Op::kEq && op != Op::kNe)) {
      where.fail("invalid " + std::string(q.name) + " \"" + std::string(text) +
                 "\"; expected a kind such as meter_replaced (== : recorded, != : never "
                 "recorded)");
    }
    c.word = std::string(value);
    return;
  }
  if (q.decimals == kWord) {
    if (op != Op::kEq && op != Op::kNe) {
      where.fail("\"" + std::string(q.name) + "\" is compared with == or != only");
    }
    if (std::find(q.words.begin(), q.words.end(), value) == q.words.end()) {
      std::string allowed;
      for (auto w : q.words)
        allowed += (allowed.empty() ? "" : ", ") + std::string(w);
      where.fail("invalid " + std::string(q.name) + " \"" + std::string(value) +
                 "\"; expected one of: " + allowed);
    }
    c.word = std::string(value);
    return;
  }
  auto n = parse_decimal(value, q.decimals);
  if (!n) {
    where.fail("invalid " + std::string(q.name) + " \"" + std::string(value) +
               "\"; expected a number with at most " + std::to_string(q.decimals) +
               " decimals, optionally after ==, !=, <, <=, >, >=");
  }
  c.number = *n;
}

Within parse_within(const yaml::Node& node, bool scans) {
  const std::string s = node.as_string();
  Within w;
  const auto space = s.find(' ');
  if (space != std::string::npos) {
    auto n = parse_decimal(s.substr(0, space), 0);
    const std::string unit(trim(std::string_view(s).substr(space + 1)));
    if (n && *n >= 1 && *n <= 1000) {
      w.count = static_cast<int>(*n);
      if (unit == "poll" || unit == "polls") {
        w.kind = Within::Kind::kPolls;
        return w;
      }
      if (unit == "command" || unit == "commands") {
        w.kind = Within::Kind::kCommands;
        return w;
      }
      if (unit == "scan" || unit == "scans") {
        if (!scans) {
          node.fail(
              "a window of status scans needs system.status_scan; turn the scan on or "
              "count polls");
        }
        w.kind = Within::Kind::kScans;
        return w;
      }
    }
  } else if (auto d = parse_duration(s)) {
    w.kind = Within::Kind::kDuration;
    w.duration = *d;
    return w;
  }
  node.fail("invalid window \"" + s +
            "\"; expected N poll(s), N command(s), N scan(s) or a duration (30m)");
}

}  // namespace

Check parse_condition(const yaml::Node& node, const sim::FleetSpec& fleet) {
  const std::string s = node.as_string();
  const auto open = s.find('(');
  const auto close = s.find(')');
  if (open == std::string::npos || close == std::string::npos || close < open) {
    node.fail("invalid condition \"" + s +
              "\"; write it like relay(bus1/1/1) == open or balance(bus1/1/1) <= 0");
  }
  const std::string name(trim(std::string_view(s).substr(0, open)));
  const auto* q = find_quantity(name);
  if (q == nullptr) node.fail("unknown quantity \"" + name + "\"; known: " + quantity_names());
  Check c;
  c.quantity = q->quantity;
  c.text = s;
  c.meter = parse_meter(node, trim(std::string_view(s).substr(open + 1, close - open - 1)), fleet);
  parse_value(node, *q, std::string_view(s).substr(close + 1), c);
  return c;
}

Step parse_expect(const yaml::Node& step_node, const yaml::Node& body, const sim::FleetSpec& fleet,
                  const std::vector<AccountSpec>& accounts, bool scans) {
  Step step;
  step.kind = Step::Kind::kExpect;
  yaml::Map m(body);
  auto meter_node = m.optional("meter");
  auto account_node = m.optional("account");
  auto ledger_node = m.optional("ledger");
  auto sms_node = m.optional("sms");
  if (auto w = m.optional("within")) step.within = parse_within(*w, scans);
  std::int64_t tolerance = 0;
  if (auto t = m.optional("tolerance")) tolerance = t->as_decimal(2);
  // Each quantity of `table` the expectation names becomes a check of `subject`.
  const auto add_checks = [&](const auto& table, const std::string& subject, const auto& aim) {
    for (const auto& q : table) {
      if (auto v = m.optional(q.name)) {
        Check c;
        c.quantity = q.quantity;
        aim(c);
        parse_value(*v, q, v->as_string(), c);
        c.tolerance = tolerance;
        c.text = (q.quantity == Quantity::kLedgerBalance ? std::string("ledger balance")
                                                         : std::string(q.name)) +
                 "(" + subject + ") " + v->as_string();
        step.checks.push_back(c);
      }
    }
  };
  const int subjects =
      (meter_node ? 1 : 0) + (account_node ? 1 : 0) + (ledger_node ? 1 : 0) + (sms_node ? 1 : 0);
  if (subjects != 1) body.fail("an expectation names exactly one of: meter, account, ledger, sms");
  const auto check_declared = [&](const yaml::Node& node, const std::string& id) {
    if (std::none_of(accounts.begin(), accounts.end(),
                     [&](const AccountSpec& a) { return a.id == id; })) {
      node.fail("unknown account \"" + id + "\"; declare it under accounts");
    }
  };

  if (sms_node) {
    // {to: ACCOUNT, kind: alarm1, count: 1, within: 2 polls}: SMS the account's tenant got.
    yaml::Map sm(*sms_node);
    const auto to = sm.required("to");
    Check c;
    c.quantity = Quantity::kSms;
    c.account = to.as_string();
    check_declared(to, c.account);
    c.word = sm.required("kind").as_choice({"alarm1", "alarm2", "arrears", "restore"});
    c.op = Op::kGe;
    c.number = 1;
    if (auto n = sm.optional("count")) {
      c.op = Op::kEq;
      c.number = n->as_int(0, 1000);
    }
    if (auto w = sm.optional("within")) {
      if (step.within.kind != Within::Kind::kNow) {
        w->fail("the window is given twice; keep one of the two `within`");
      }
      step.within = parse_within(*w, scans);
    }
    sm.finish();
    c.text = "sms(" + c.account + ") " + c.word +
             (c.op == Op::kEq ? " == " + std::to_string(c.number) : std::string(" sent"));
    step.checks.push_back(c);
  } else if (ledger_node) {
    ledger_node->as_choice({"consistent"});
    Check c;
    c.quantity = Quantity::kLedgerConsistent;
    c.text = "ledger consistent";
    step.checks.push_back(c);
  } else if (account_node) {
    const std::string id = account_node->as_string();
    check_declared(*account_node, id);
    // The account's quantities: its ledger balance, its closing and what that paid back.
    static const std::array<QuantityInfo, 3> account_quantities = {{
        {"balance", Quantity::kLedgerBalance, Subject::kAccount, 2, {}},
        {"closing",
         Quantity::kClosing,
         Subject::kAccount,
         kWord,
         {"none", "started", "blocked", "done"}},
        {"refunded", Quantity::kRefunded, Subject::kAccount, 2, {}},
    }};
    add_checks(account_quantities, id, [&](Check& c) { c.account = id; });
    if (auto mm = m.optional("matches_meter")) {
      Check c;
      c.quantity = Quantity::kLedgerMatchesMeter;
      c.account = id;
      c.meter = parse_meter(*mm, mm->as_string(), fleet);
      c.tolerance = tolerance;
      c.text = "ledger balance(" + id + ") matches meter " + c.meter.to_string() + " within " +
               format_decimal(tolerance, 2);
      step.checks.push_back(c);
    }
  } else {
    const MeterRef meter = parse_meter(*meter_node, meter_node->as_string(), fleet);
    add_checks(quantities(), meter.to_string(), [&](Check& c) { c.meter = meter; });
  }
  m.finish();
  if (step.checks.empty()) {
    body.fail("the expectation checks nothing; add a quantity such as relay, balance or status");
  }
  step.mark = step_node.mark();
  for (const auto& c : step.checks) {
    step.text += (step.text.empty() ? "expect " : ", ") + c.text;
  }
  return step;
}

}  // namespace phil::bench::detail
