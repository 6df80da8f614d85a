#include <algorithm>
#include <array>
#include <cctype>

#include <phil/bench/scenario.hpp>
#include <phil/common/decimal.hpp>

namespace phil::bench {

namespace {

enum class Subject { kMeter, kAccount };

struct QuantityInfo {
  std::string_view name;
  Quantity quantity;
  Subject subject;
  int decimals;                         // for numbers; -1 for words
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
      {"mode", Quantity::kMode, Subject::kMeter, -1, {"prepaid", "keep_power", "forced_off"}},
      {"status",
       Quantity::kStatus,
       Subject::kMeter,
       -1,
       {"not_opened", "normal", "alarm1", "alarm2", "arrears", "offline"}},
      {"system_relay", Quantity::kSystemRelay, Subject::kMeter, -1, {"open", "closed"}},
      {"system_balance", Quantity::kSystemBalance, Subject::kMeter, 2, {}},
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

MeterRef parse_meter(const yaml::Node& where, std::string_view text, const sim::FleetSpec& fleet) {
  MeterRef m;
  const auto a = text.find('/');
  const auto b = a == std::string_view::npos ? a : text.find('/', a + 1);
  bool ok = a != std::string_view::npos && b != std::string_view::npos;
  if (ok) {
    m.bus = std::string(text.substr(0, a));
    const std::string box(text.substr(a + 1, b - a - 1));
    const std::string circuit(text.substr(b + 1));
    auto box_v = parse_decimal(box, 0);
    auto circuit_v = parse_decimal(circuit, 0);
    ok = !m.bus.empty() && box_v && circuit_v && *box_v >= 1 && *box_v <= 247 && *circuit_v >= 1 &&
         *circuit_v <= 64;
    if (ok) {
      m.box = static_cast<int>(*box_v);
      m.circuit = static_cast<int>(*circuit_v);
    }
  }
  if (!ok) {
    where.fail("invalid meter \"" + std::string(text) +
               "\"; write it bus/box/circuit, e.g. bus1/1/1 (box 1-247, circuit 1-64)");
  }
  const auto bus = std::find_if(fleet.buses.begin(), fleet.buses.end(),
                                [&](const sim::BusSpec& s) { return s.id == m.bus; });
  if (bus == fleet.buses.end()) {
    where.fail("meter " + std::string(text) + ": no bus \"" + m.bus +
               "\" in the fleet. Use a bus id from fleet.buses");
  }
  const auto box = std::find_if(bus->boxes.begin(), bus->boxes.end(),
                                [&](const sim::BoxSpec& s) { return s.address == m.box; });
  if (box == bus->boxes.end()) {
    where.fail("meter " + std::string(text) + ": bus " + m.bus + " has no box at address " +
               std::to_string(m.box) + ". Use an address from its boxes");
  }
  return m;
}

/// Fills check value from text according to the quantity's kind.
void parse_value(const yaml::Node& where, const QuantityInfo& q, std::string_view text, Check& c) {
  auto [op, value] = split_op(text);
  c.op = op;
  if (q.decimals < 0) {
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

/// "relay(bus1/1/1) == open"
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

Within parse_within(const yaml::Node& node) {
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
    }
  } else if (auto d = parse_duration(s)) {
    w.kind = Within::Kind::kDuration;
    w.duration = *d;
    return w;
  }
  node.fail("invalid window \"" + s + "\"; expected N poll(s), N command(s) or a duration (30m)");
}

void parse_at(const yaml::Node& node, Step& step) {
  const std::string s = node.as_string();
  if (!s.empty() && s[0] == '+') {
    auto d = parse_duration(s.substr(1));
    if (!d) node.fail("invalid relative time \"" + s + "\"; expected +duration such as +2h");
    step.at_relative = *d;
  } else {
    step.at_absolute = node.as_timestamp().utc;
  }
}

sim::LoadSpec parse_load(yaml::Map& m) {
  sim::LoadSpec load;
  auto constant = m.optional("constant");
  auto daily = m.optional("daily");
  if (constant.has_value() == daily.has_value()) {
    m.node().fail("a load is either {constant: W} or {daily: curve, peak_w: W, seed: N}");
  }
  if (constant) {
    load.kind = sim::LoadSpec::Kind::kConstant;
    load.power_w = constant->as_int(0, 1'000'000);
  } else {
    load.kind = sim::LoadSpec::Kind::kDaily;
    load.curve = daily->as_choice({"residential", "office", "shop"});
    load.power_w = m.required("peak_w").as_int(0, 1'000'000);
    if (auto seed = m.optional("seed")) {
      load.seed = static_cast<std::uint64_t>(seed->as_int(0, INT64_MAX));
    }
  }
  return load;
}

Step parse_expect(const yaml::Node& step_node, const yaml::Node& body, const sim::FleetSpec& fleet,
                  const std::vector<AccountSpec>& accounts) {
  Step step;
  step.kind = Step::Kind::kExpect;
  yaml::Map m(body);
  auto meter_node = m.optional("meter");
  auto account_node = m.optional("account");
  auto ledger_node = m.optional("ledger");
  if (auto w = m.optional("within")) step.within = parse_within(*w);
  std::int64_t tolerance = 0;
  if (auto t = m.optional("tolerance")) tolerance = t->as_decimal(2);
  const int subjects = (meter_node ? 1 : 0) + (account_node ? 1 : 0) + (ledger_node ? 1 : 0);
  if (subjects != 1) body.fail("an expectation names exactly one of: meter, account, ledger");

  if (ledger_node) {
    ledger_node->as_choice({"consistent"});
    Check c;
    c.quantity = Quantity::kLedgerConsistent;
    c.text = "ledger consistent";
    step.checks.push_back(c);
  } else if (account_node) {
    const std::string id = account_node->as_string();
    if (std::none_of(accounts.begin(), accounts.end(),
                     [&](const AccountSpec& a) { return a.id == id; })) {
      account_node->fail("unknown account \"" + id + "\"; declare it under accounts");
    }
    if (auto b = m.optional("balance")) {
      Check c;
      c.quantity = Quantity::kLedgerBalance;
      c.account = id;
      static const QuantityInfo info{"balance", Quantity::kLedgerBalance, Subject::kAccount, 2, {}};
      parse_value(*b, info, b->as_string(), c);
      c.tolerance = tolerance;
      c.text = "ledger balance(" + id + ") " + b->as_string();
      step.checks.push_back(c);
    }
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
    for (const auto& q : quantities()) {
      if (auto v = m.optional(q.name)) {
        Check c;
        c.quantity = q.quantity;
        c.meter = meter;
        parse_value(*v, q, v->as_string(), c);
        c.tolerance = tolerance;
        c.text = std::string(q.name) + "(" + meter.to_string() + ") " + v->as_string();
        step.checks.push_back(c);
      }
    }
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

Step parse_step(const yaml::Node& node, const sim::FleetSpec& fleet,
                const std::vector<AccountSpec>& accounts) {
  yaml::Map m(node);
  if (auto body = m.optional("expect")) {
    Step step = parse_expect(node, *body, fleet, accounts);
    m.finish();
    return step;
  }
  Step step;
  step.mark = node.mark();
  if (auto until = m.optional("until")) {
    step.kind = Step::Kind::kUntil;
    step.checks.push_back(parse_condition(*until, fleet));
    step.max = m.required("max").as_duration();
    step.text = "until " + step.checks.front().text + " (max " + format_duration(step.max) + ")";
    m.finish();
    return step;
  }
  if (auto at = m.optional("at")) {
    parse_at(*at, step);
    step.kind = Step::Kind::kAdvance;
    step.text = "at " + at->as_string();
  }
  if (auto sale = m.optional("sale")) {
    yaml::Map s(*sale);
    SaleAction a;
    a.account = s.required("account").as_string();
    if (std::none_of(accounts.begin(), accounts.end(),
                     [&](const AccountSpec& x) { return x.id == a.account; })) {
      sale->fail("unknown account \"" + a.account + "\"; declare it under accounts");
    }
    a.amount_fen = s.required("amount").as_decimal(2);
    s.finish();
    step.kind = Step::Kind::kAction;
    step.text += (step.text.empty() ? "" : ": ") + std::string("sale ") +
                 format_decimal(a.amount_fen, 2) + " to " + a.account;
    step.action = a;
  } else if (auto load = m.optional("load")) {
    yaml::Map l(*load);
    LoadAction a;
    auto meter = l.required("meter");
    a.meter = parse_meter(meter, meter.as_string(), fleet);
    a.load = parse_load(l);
    l.finish();
    step.kind = Step::Kind::kAction;
    step.text +=
        (step.text.empty() ? "" : ": ") + std::string("load change on ") + a.meter.to_string();
    step.action = a;
  }
  m.finish();
  if (step.text.empty()) {
    node.fail(
        "a timeline step is one of: {at: ...}, {at: ..., sale|load: ...}, "
        "{until: condition, max: duration}, {expect: {...}}");
  }
  return step;
}

}  // namespace

std::string MeterRef::to_string() const {
  return bus + "/" + std::to_string(box) + "/" + std::to_string(circuit);
}

Scenario load_scenario(const std::string& path, const std::string& id,
                       const std::string& profiles_dir) {
  const auto doc = yaml::Document::load_file(path);
  yaml::Map top(doc.root());
  Scenario sc;
  sc.id = id;
  sc.file = path;
  sc.name = top.required("name").as_string();
  if (auto d = top.optional("description")) sc.description = d->as_string();

  yaml::Map clock(top.required("clock"));
  sc.start = clock.required("start").as_timestamp();
  if (auto s = clock.optional("step")) {
    sc.step = s->as_duration();
    if (sc.step < Millis(1000) || sc.step > Millis(3'600'000)) {
      s->fail("step must be between 1s and 1h");
    }
  }
  clock.finish();

  sc.fleet = sim::parse_fleet(top.required("fleet"), profiles_dir);
  sc.fleet.utc_offset = sc.start.offset;

  if (auto sys = top.optional("system")) {
    yaml::Map s(*sys);
    if (auto v = s.optional("poll_interval")) sc.system.poll_interval = v->as_duration();
    if (auto v = s.optional("response_timeout")) sc.system.response_timeout = v->as_duration();
    if (auto v = s.optional("offline_after")) {
      sc.system.offline_after = static_cast<int>(v->as_int(1, 100));
    }
    if (auto v = s.optional("price")) sc.system.price = v->as_decimal(4);
    s.finish();
  }

  if (auto accs = top.optional("accounts")) {
    for (const auto& a : accs->elements()) {
      yaml::Map m(a);
      AccountSpec spec;
      auto idn = m.required("id");
      spec.id = idn.as_string();
      if (std::any_of(sc.accounts.begin(), sc.accounts.end(),
                      [&](const AccountSpec& x) { return x.id == spec.id; })) {
        idn.fail("duplicate account id \"" + spec.id + "\"");
      }
      spec.tenant = spec.id;  // a scenario need not name its tenants
      if (auto t = m.optional("tenant")) spec.tenant = t->as_string();
      for (const auto& mn : m.required("meters").elements()) {
        spec.meters.push_back(parse_meter(mn, mn.as_string(), sc.fleet));
      }
      if (spec.meters.empty()) a.fail("an account needs at least one meter");
      if (auto s = m.optional("sale")) spec.first_sale_fen = s->as_decimal(2);
      m.finish();
      sc.accounts.push_back(std::move(spec));
    }
  }

  for (const auto& s : top.required("timeline").elements()) {
    sc.timeline.push_back(parse_step(s, sc.fleet, sc.accounts));
  }
  top.finish();
  return sc;
}

}  // namespace phil::bench
