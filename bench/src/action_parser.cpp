// The timeline's steps: at, until, expect (expect_parser.cpp) and the actions (sale, refund,
// reversal, close_account, move_meter, tariff, restart, load, fault, clear_fault, replace_meter,
// replace_in_place, confirm_box, command, read_now).
#include <algorithm>
#include <array>
#include <initializer_list>
#include <string>

#include <phil/common/decimal.hpp>
#include <phil/service/system.hpp>
#include <phil/service/tariff_file.hpp>

#include "scenario_parsing.hpp"

namespace phil::bench::detail {

namespace {

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

bool is_identifier(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-';
  });
}

/// The fault kinds a timeline may inject, by their scenario names (the sim's names, with
/// `drift` for clock_drift; a meter replacement is its own step, replace_meter).
const std::vector<std::pair<std::string_view, sim::FaultSpec::Kind>>& fault_kinds() {
  using K = sim::FaultSpec::Kind;
  static const std::vector<std::pair<std::string_view, K>> kinds = {
      {"box_silent", K::kBoxSilent},     {"bus_silent", K::kBusSilent},
      {"drop_request", K::kDropRequest}, {"drop_reply", K::kDropReply},
      {"corrupt_crc", K::kCorruptCrc},   {"delay", K::kDelay},
      {"truncate", K::kTruncate},        {"noise", K::kNoise},
      {"power_loss", K::kPowerLoss},     {"drift", K::kClockDrift},
  };
  return kinds;
}

const sim::BusSpec& find_bus(const yaml::Node& where, const sim::FleetSpec& fleet,
                             const std::string& id) {
  const auto bus = std::find_if(fleet.buses.begin(), fleet.buses.end(),
                                [&](const sim::BusSpec& b) { return b.id == id; });
  if (bus == fleet.buses.end()) {
    where.fail("no bus \"" + id + "\" in the fleet. Use a bus id from fleet.buses");
  }
  return *bus;
}

// fault: {kind, bus, box, id, duration, probability, delay, bytes, ppm, seed}
FaultAction parse_fault_action(const yaml::Node& node, TimelineContext& ctx) {
  yaml::Map m(node);
  FaultAction a;
  std::vector<std::string_view> names;
  for (const auto& [name, kind] : fault_kinds())
    names.push_back(name);
  const auto kind_node = m.required("kind");
  const std::string kind_name = kind_node.as_choice(names);
  using K = sim::FaultSpec::Kind;
  for (const auto& [name, kind] : fault_kinds()) {
    if (name == kind_name) a.fault.kind = kind;
  }
  auto& f = a.fault;
  const auto bus_node = m.required("bus");
  f.bus = bus_node.as_string();
  const auto& bus = find_bus(bus_node, ctx.fleet, f.bus);
  if (auto box = m.optional("box")) {
    f.address = static_cast<int>(box->as_int(0, 247));
    if (f.address != 0 &&
        std::none_of(bus.boxes.begin(), bus.boxes.end(),
                     [&](const sim::BoxSpec& b) { return b.address == f.address; })) {
      box->fail("bus " + f.bus + " has no box at address " + std::to_string(f.address) +
                ". Use an address from its boxes, or 0 for every box");
    }
  }
  if ((f.kind == K::kBoxSilent || f.kind == K::kClockDrift) && f.address == 0) {
    node.fail("a " + kind_name + " fault needs `box`: the address of the box it affects");
  }
  if (f.kind == K::kBusSilent && f.address != 0) {
    node.fail("a bus_silent fault silences the whole bus; remove `box` (or use box_silent)");
  }
  // Keys that only some kinds take: refuse them elsewhere rather than ignore them (the fleet
  // draws `probability` for the frame faults only; box_silent and bus_silent are total).
  auto only_for = [&](std::string_view key, std::initializer_list<K> kinds) {
    auto v = m.optional(key);
    if (v && std::find(kinds.begin(), kinds.end(), f.kind) == kinds.end()) {
      v->fail("`" + std::string(key) + "` does not apply to a " + kind_name + " fault. Remove it");
    }
    return v;
  };
  if (auto p = only_for("probability", {K::kDropRequest, K::kDropReply, K::kCorruptCrc, K::kDelay,
                                        K::kTruncate, K::kNoise})) {
    const auto permille = p->as_decimal(3);
    if (permille < 0 || permille > 1000) {
      p->fail("probability \"" + p->as_string() + "\" is outside 0..1");
    }
    f.probability_permille = static_cast<int>(permille);
  }
  if (auto seed = only_for("seed", {K::kDropRequest, K::kDropReply, K::kCorruptCrc, K::kDelay,
                                    K::kTruncate, K::kNoise})) {
    f.seed = static_cast<std::uint64_t>(seed->as_int(0, INT64_MAX));
  }
  if (auto d = only_for("delay", {K::kDelay})) {
    f.delay = d->as_duration();
    if (f.delay > Millis(10'000)) d->fail("delay is wall-clock time: at most 10s");
  } else if (f.kind == K::kDelay) {
    node.fail("a delay fault needs `delay`: how much later (wall clock) each reply goes out");
  }
  if (auto b = only_for("bytes", {K::kNoise})) f.noise_bytes = static_cast<int>(b->as_int(1, 256));
  if (auto p = only_for("ppm", {K::kClockDrift})) {
    f.drift_ppm = p->as_int(-100'000, 100'000);
  } else if (f.kind == K::kClockDrift) {
    node.fail("a drift fault needs `ppm`: how fast (> 0) or slow (< 0) the box clock runs");
  }
  if (auto d = m.optional("duration")) f.duration = d->as_duration();
  if (auto id = m.optional("id")) {
    a.name = id->as_string();
    if (!is_identifier(a.name) || a.name == "all") {
      id->fail("invalid fault id \"" + a.name + "\"; use letters, digits, _ or - (not \"all\")");
    }
    if (std::find(ctx.fault_names.begin(), ctx.fault_names.end(), a.name) !=
        ctx.fault_names.end()) {
      id->fail("duplicate fault id \"" + a.name + "\"; give each fault its own id");
    }
  } else {
    a.name = "fault" + std::to_string(ctx.fault_names.size() + 1);
  }
  m.finish();
  ctx.fault_names.push_back(a.name);
  return a;
}

std::string fault_text(const FaultAction& a) {
  std::string name;
  for (const auto& [n, kind] : fault_kinds()) {
    if (kind == a.fault.kind) name = n;
  }
  std::string out = "fault " + a.name + ": " + name + " on " + a.fault.bus;
  if (a.fault.address != 0) out += " box " + std::to_string(a.fault.address);
  if (a.fault.probability_permille != 1000) {
    out += " p=" + format_decimal(a.fault.probability_permille, 3);
  }
  out += a.fault.duration.count() > 0 ? " for " + format_duration(a.fault.duration)
                                      : std::string(" until cleared");
  return out;
}

/// `trip: ` and `{meter: M, trip}` alike: the flag keys take no value (or true).
void require_flag(const yaml::Node& v) {
  if (!v.is_null() && !v.as_bool()) {
    v.fail("this command takes no value; write it as a bare key, e.g. {meter: bus1/1/1, trip}");
  }
}

// command: {meter: M, trip | close | keep_power | restore_prepaid | price | thresholds}
CommandAction parse_command(const yaml::Node& node, const sim::FleetSpec& fleet,
                            std::string& text) {
  yaml::Map m(node);
  CommandAction a;
  const auto meter = m.required("meter");
  a.meter = parse_meter(meter, meter.as_string(), fleet);
  static const std::array<std::pair<std::string_view, domain::RelayCommand>, 4> relay = {{
      {"trip", domain::RelayCommand::kForcedOff},
      {"close", domain::RelayCommand::kClose},
      {"keep_power", domain::RelayCommand::kKeepPower},
      {"restore_prepaid", domain::RelayCommand::kPrepaid},
  }};
  int given = 0;
  for (const auto& [key, cmd] : relay) {
    if (auto v = m.optional(key)) {
      require_flag(*v);
      a.payload = domain::ModePayload{cmd};
      text = std::string(key);
      ++given;
    }
  }
  if (auto p = m.optional("price")) {
    domain::PricePayload price;
    if (p->is_map()) {
      yaml::Map pm(*p);
      const std::array<std::string_view, 4> rates = {"sharp", "peak", "flat", "valley"};
      for (std::size_t i = 0; i < rates.size(); ++i) {
        price.prices.at(i) = pm.required(rates.at(i)).as_decimal(4);
      }
      pm.finish();
      text = "price sharp/peak/flat/valley " + format_decimal(price.prices[0], 4) + "/" +
             format_decimal(price.prices[1], 4) + "/" + format_decimal(price.prices[2], 4) + "/" +
             format_decimal(price.prices[3], 4);
    } else {
      price.prices.fill(p->as_decimal(4));
      text = "price " + format_decimal(price.prices[0], 4);
    }
    a.payload = price;
    ++given;
  }
  if (auto t = m.optional("thresholds")) {
    yaml::Map tm(*t);
    domain::ThresholdsPayload th;
    th.alarm1_fen = tm.required("alarm1").as_decimal(2);
    th.alarm2_fen = tm.required("alarm2").as_decimal(2);
    th.overload_w = tm.required("overload").as_int(1, 1'000'000);
    tm.finish();
    a.payload = th;
    text = "thresholds alarm1 " + format_decimal(th.alarm1_fen, 2) + ", alarm2 " +
           format_decimal(th.alarm2_fen, 2) + ", overload " + std::to_string(th.overload_w) + " W";
    ++given;
  }
  if (auto r = m.optional("refused")) a.refused = r->as_string();
  m.finish();
  if (given != 1) {
    node.fail(
        "a command names the meter and exactly one of: trip, close, keep_power, "
        "restore_prepaid, price, thresholds");
  }
  if (auto problem = domain::check_payload(a.payload)) node.fail(*problem);
  text = std::string(a.refused ? "refused command " : "command ") + text + " to " +
         a.meter.to_string();
  return a;
}

/// "bus", "bus/box" or "bus/box/circuit", each part in the fleet.
std::string parse_read_target(const yaml::Node& node, const sim::FleetSpec& fleet) {
  std::string s = node.as_string();
  const auto slashes = std::count(s.begin(), s.end(), '/');
  if (slashes == 2) return parse_meter(node, s, fleet).to_string();
  const auto slash = s.find('/');
  const auto& bus = find_bus(node, fleet, s.substr(0, slash));
  if (slashes == 0) return s;
  const auto box = parse_decimal(s.substr(slash + 1), 0);
  if (!box || std::none_of(bus.boxes.begin(), bus.boxes.end(),
                           [&](const sim::BoxSpec& b) { return b.address == *box; })) {
    node.fail("invalid read target \"" + s + "\": bus " + bus.id +
              " has no such box. Write bus, bus/box or bus/box/circuit");
  }
  return s;
}

}  // namespace

Step parse_step(const yaml::Node& node, TimelineContext& ctx) {
  const auto& fleet = ctx.fleet;
  const auto& accounts = ctx.accounts;
  yaml::Map m(node);
  if (auto body = m.optional("expect")) {
    Step step = parse_expect(node, *body, fleet, accounts, ctx.status_scan);
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
  static const std::array<std::string_view, 15> kActions = {
      "sale",          "refund",           "reversal",    "close_account", "move_meter",
      "tariff",        "restart",          "load",        "fault",         "clear_fault",
      "replace_meter", "replace_in_place", "confirm_box", "command",       "read_now"};
  // The list in messages, from the one array: "sale|refund|...".
  const auto action_list = [](std::string_view sep) {
    std::string out;
    for (const auto key : kActions)
      out.append(out.empty() ? "" : sep).append(key);
    return out;
  };
  int actions = 0;
  for (const auto key : kActions)
    actions += m.has(key) ? 1 : 0;
  if (actions > 1) {
    node.fail("a timeline step does one action; split " + action_list(", ") +
              " into steps of their own");
  }
  std::string what;
  // The `account:` of a money step: one the scenario declares.
  const auto account_of = [&](const yaml::Node& action, yaml::Map& fields) {
    auto id = fields.required("account").as_string();
    if (std::none_of(accounts.begin(), accounts.end(),
                     [&](const AccountSpec& x) { return x.id == id; })) {
      action.fail("unknown account \"" + id + "\"; declare it under accounts");
    }
    return id;
  };
  if (auto sale = m.optional("sale")) {
    yaml::Map s(*sale);
    SaleAction a;
    a.account = account_of(*sale, s);
    a.amount_fen = s.required("amount").as_decimal(2);
    if (auto r = s.optional("refused")) a.refused = r->as_string();
    s.finish();
    what = (a.refused ? "refused sale " : "sale ") + format_decimal(a.amount_fen, 2) + " to " +
           a.account;
    step.action = a;
  } else if (auto money = m.has("refund") ? m.optional("refund") : m.optional("reversal")) {
    const bool refund = m.has("refund");
    yaml::Map s(*money);
    MoneyBackAction a;
    a.account = account_of(*money, s);
    if (refund) {
      a.amount_fen = s.required("amount").as_decimal(2);
    } else {
      a.sale = static_cast<int>(s.required("sale").as_int(1, 10'000));
    }
    if (auto r = s.optional("refused")) a.refused = r->as_string();
    s.finish();
    what = std::string(a.refused ? "refused " : "") +
           (refund ? "refund " + format_decimal(a.amount_fen, 2) + " from " + a.account
                   : "reversal of sale " + std::to_string(*a.sale) + " of " + a.account);
    step.action = a;
  } else if (auto close = m.optional("close_account")) {
    yaml::Map s(*close);
    CloseAccountAction a;
    a.account = account_of(*close, s);
    if (auto r = s.optional("refused")) a.refused = r->as_string();
    s.finish();
    what = (a.refused ? "refused close of account " : "close account ") + a.account;
    step.action = a;
  } else if (auto move = m.optional("move_meter")) {
    yaml::Map s(*move);
    MoveMeterAction a;
    auto meter = s.required("meter");
    a.meter = parse_meter(meter, meter.as_string(), fleet);
    auto to = s.required("to");
    a.to_account = to.as_string();
    if (std::none_of(accounts.begin(), accounts.end(),
                     [&](const AccountSpec& x) { return x.id == a.to_account; })) {
      to.fail("unknown account \"" + a.to_account + "\"; declare it under accounts");
    }
    if (auto r = s.optional("refused")) a.refused = r->as_string();
    s.finish();
    what = std::string(a.refused ? "refused move of meter " : "move meter ") + a.meter.to_string() +
           " to " + a.to_account;
    step.action = a;
  } else if (auto tariff = m.optional("tariff")) {
    yaml::Map s(*tariff);
    TariffAction a;
    auto to = s.required("to");
    if (to.as_string() != "site") a.meter = parse_meter(to, to.as_string(), fleet);
    auto file = service::parse_tariff_undated(s.required("version"));
    s.finish();
    a.name = std::move(file.name);
    a.tariff = std::move(file.tariff);
    what = "tariff " + a.name + " assigned to " + (a.meter ? a.meter->to_string() : "the site");
    step.action = std::move(a);
  } else if (auto restart = m.optional("restart")) {
    yaml::Map s(*restart);
    RestartAction a;
    if (auto b = s.optional("billing"))
      a.billing = service::parse_site_billing(b->as_choice({"meter", "host"}));
    if (auto box = s.optional("box")) {
      if (!a.billing) box->fail("box names where billing changes; give billing: meter|host too");
      const auto ref = parse_meter(*box, box->as_string() + "/1", fleet);  // a box of the fleet
      a.box = std::pair{ref.bus, ref.box};
    }
    s.finish();
    what = "restart the system";
    if (a.billing) {
      what += std::string(" with ") +
              (*a.billing == domain::BillingMode::kHostSide ? "host" : "meter") + "-side billing " +
              (a.box ? "on box " + a.box->first + "/" + std::to_string(a.box->second)
                     : std::string("everywhere"));
    }
    step.action = std::move(a);
  } else if (auto load = m.optional("load")) {
    yaml::Map l(*load);
    LoadAction a;
    auto meter = l.required("meter");
    a.meter = parse_meter(meter, meter.as_string(), fleet);
    a.load = parse_load(l);
    l.finish();
    what = "load change on " + a.meter.to_string();
    step.action = a;
  } else if (auto fault = m.optional("fault")) {
    auto a = parse_fault_action(*fault, ctx);
    what = fault_text(a);
    step.action = std::move(a);
  } else if (auto clear = m.optional("clear_fault")) {
    ClearFaultAction a;
    const std::string name = clear->as_string();
    if (name != "all") {
      if (std::find(ctx.fault_names.begin(), ctx.fault_names.end(), name) ==
          ctx.fault_names.end()) {
        clear->fail("no fault \"" + name +
                    "\" injected by an earlier step; use its `id` (or fault1, fault2, ... in "
                    "order) or `all`");
      }
      a.name = name;
    }
    what = "clear fault " + (a.name.empty() ? std::string("all") : a.name);
    step.action = a;
  } else if (auto replace = m.optional("replace_meter")) {
    ReplaceMeterAction a{parse_meter(*replace, replace->as_string(), fleet)};
    what = "replace meter " + a.meter.to_string();
    step.action = a;
  } else if (auto in_place = m.optional("replace_in_place")) {
    ReplaceInPlaceAction a{parse_meter(*in_place, in_place->as_string(), fleet)};
    what = "complete the swap of meter " + a.meter.to_string() + " in place";
    step.action = a;
  } else if (auto confirm = m.optional("confirm_box")) {
    const auto box = confirm->as_string();
    const auto ref = parse_meter(*confirm, box + "/1", fleet);  // a box of the fleet
    ConfirmBoxAction a{ref.bus, ref.box};
    what = "confirm box " + box;
    step.action = a;
  } else if (auto command = m.optional("command")) {
    step.action = parse_command(*command, fleet, what);
  } else if (auto read = m.optional("read_now")) {
    ReadNowAction a{parse_read_target(*read, fleet)};
    what = "read now " + a.target;
    step.action = a;
  }
  if (!what.empty()) {
    step.kind = Step::Kind::kAction;
    step.text += (step.text.empty() ? "" : ": ") + what;
  }
  m.finish();
  if (step.text.empty()) {
    node.fail("a timeline step is one of: {at: ...}, {at: ..., " + action_list("|") +
              ": ...}, {until: condition, max: duration}, {expect: {...}}");
  }
  return step;
}

}  // namespace phil::bench::detail
