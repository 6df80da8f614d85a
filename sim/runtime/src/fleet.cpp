#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <set>

#include <phil/common/decimal.hpp>
#include <phil/common/device_models.hpp>
#include <phil/common/serial.hpp>
#include <phil/common/text.hpp>
#include <phil/sim/fleet.hpp>
#include <phil/sim/load.hpp>
#include <phil/sim/messages.hpp>
#include <phil/sim/strict_keys.hpp>

namespace phil::sim {

namespace {

constexpr std::int64_t kMaxPowerW = 10'000'000;       // 10 MW: far above any circuit
constexpr std::int64_t kMaxMoneyFen = 1'000'000'000;  // 10 million yuan
constexpr std::int64_t kMaxPrice = 100'000'000;       // 10000 yuan/kWh
std::int64_t money(const yaml::Node& n, std::int64_t min) {
  const std::int64_t v = n.as_decimal(2);
  if (v < min || v > kMaxMoneyFen) {
    n.fail(phil::text::format(phil::text::Id::kYamlOutOfRange, n.as_string(),
                              format_decimal(min, 2), format_decimal(kMaxMoneyFen, 2)));
  }
  return v;
}

std::chrono::minutes parse_utc_offset(const yaml::Node& n) {
  const std::string s = n.as_string();
  const auto digit = [&](std::size_t i) { return s[i] >= '0' && s[i] <= '9'; };
  if (s == "Z") return std::chrono::minutes(0);
  if (s.size() != 6 || (s[0] != '+' && s[0] != '-') || !digit(1) || !digit(2) || s[3] != ':' ||
      !digit(4) || !digit(5)) {
    n.fail(text::format(text::Id::kBadUtcOffset, s));
  }
  const int hours = (s[1] - '0') * 10 + (s[2] - '0');
  const int minutes = (s[4] - '0') * 10 + (s[5] - '0');
  if (hours > 14 || minutes > 59 || (hours == 14 && minutes != 0)) {
    n.fail(text::format(text::Id::kBadUtcOffset, s));
  }
  const int total = hours * 60 + minutes;
  return std::chrono::minutes(s[0] == '-' ? -total : total);
}

// Reads a CSV power series (TIMESTAMP,WATTS per line; blank lines and # comments skipped),
// relative to the fleet file's directory. Errors are reported at `node` with the file's line.
std::shared_ptr<const PowerSeries> load_csv(const yaml::Node& node) {
  namespace fs = std::filesystem;
  fs::path path(node.as_string());
  if (path.is_relative()) path = fs::path(node.mark().file).parent_path() / path;
  std::ifstream in(path);
  if (!in) node.fail(text::format(text::Id::kCannotReadCsv, path.string(), "cannot open it"));
  auto series = std::make_shared<PowerSeries>();
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const auto bad = [&](const std::string& what) {
      node.fail(text::format(text::Id::kBadCsvLine, path.string(), number, what));
    };
    const auto comma = line.find(',');
    if (comma == std::string::npos) bad("no comma");
    const auto when = parse_timestamp(line.substr(0, comma));
    if (!when) bad("invalid timestamp \"" + line.substr(0, comma) + "\"");
    std::int64_t watts = 0;
    try {
      std::size_t used = 0;
      const std::string w = line.substr(comma + 1);
      watts = std::stoll(w, &used);
      if (used != w.size()) bad("invalid watts \"" + w + "\"");
    } catch (const std::exception&) {
      bad("invalid watts \"" + line.substr(comma + 1) + "\"");
    }
    if (watts < 0 || watts > kMaxPowerW) bad("watts out of range 0..10000000");
    if (!series->empty() && when->utc <= series->back().first) bad("timestamp not increasing");
    series->emplace_back(when->utc, watts);
  }
  return series;
}

LoadSpec parse_load(const yaml::Node& node) {
  reject_unknown_keys(node, {"constant", "daily", "peak_w", "seed", "csv", "walk"});
  yaml::Map m(node);
  LoadSpec load;
  const auto constant = m.optional("constant");
  const auto daily = m.optional("daily");
  const auto csv = m.optional("csv");
  const auto walk = m.optional("walk");
  const int kinds = int{constant.has_value()} + int{daily.has_value()} + int{csv.has_value()} +
                    int{walk.has_value()};
  if (kinds != 1) node.fail(text::format(text::Id::kLoadKind));
  if (csv) {
    load.kind = LoadSpec::Kind::kSeries;
    load.series = load_csv(*csv);
  } else if (walk) {
    reject_unknown_keys(*walk, {"start_w", "min_w", "max_w", "step_w", "interval", "seed"});
    yaml::Map w(*walk);
    load.kind = LoadSpec::Kind::kWalk;
    load.power_w = w.required("start_w").as_int(0, kMaxPowerW);
    load.walk_min_w = w.required("min_w").as_int(0, kMaxPowerW);
    load.walk_max_w = w.required("max_w").as_int(0, kMaxPowerW);
    load.walk_step_w = w.required("step_w").as_int(0, kMaxPowerW);
    if (auto i = w.optional("interval")) {
      load.walk_interval = i->as_duration();
      if (load.walk_interval < Millis(1000)) {
        i->fail(phil::text::format(phil::text::Id::kYamlOutOfRange, i->as_string(), "1s", "-"));
      }
    }
    if (auto seed = w.optional("seed")) {
      load.seed = static_cast<std::uint64_t>(seed->as_int(0, INT64_MAX));
    }
    w.finish();
    if (load.walk_min_w > load.power_w || load.power_w > load.walk_max_w) {
      walk->fail(text::format(text::Id::kWalkRange));
    }
  } else if (constant) {
    load.kind = LoadSpec::Kind::kConstant;
    load.power_w = constant->as_int(0, kMaxPowerW);
  } else {
    load.kind = LoadSpec::Kind::kDaily;
    std::vector<std::string_view> names(daily_curve_names().begin(), daily_curve_names().end());
    load.curve = daily->as_choice(names);
    load.power_w = m.required("peak_w").as_int(0, kMaxPowerW);
    if (auto seed = m.optional("seed")) {
      load.seed = static_cast<std::uint64_t>(seed->as_int(0, INT64_MAX));
    }
  }
  m.finish();
  return load;
}

std::int64_t price(const yaml::Node& n) {
  const std::int64_t v = n.as_decimal(4);
  if (v < 0 || v > kMaxPrice) {
    n.fail(phil::text::format(phil::text::Id::kYamlOutOfRange, n.as_string(), "0.0000",
                              format_decimal(kMaxPrice, 4)));
  }
  return v;
}

// tou: [{start: "HH:MM", rate: sharp|peak|flat|valley}, ...], starts strictly increasing.
TouSchedule parse_tou(const yaml::Node& node) {
  TouSchedule tou;
  tou.count = 0;
  const auto items = node.elements();
  if (items.empty() || items.size() > TouSchedule::kMaxPeriods) {
    node.fail(text::format(text::Id::kTouNotIncreasing));
  }
  for (const auto& item : items) {
    reject_unknown_keys(item, {"start", "rate"});
    yaml::Map m(item);
    const yaml::Node start = m.required("start");
    const std::string s = start.as_string();
    const auto digit = [&](std::size_t i) { return s[i] >= '0' && s[i] <= '9'; };
    if (s.size() != 5 || !digit(0) || !digit(1) || s[2] != ':' || !digit(3) || !digit(4) ||
        (s[0] - '0') * 10 + (s[1] - '0') > 23 || (s[3] - '0') * 10 + (s[4] - '0') > 59) {
      start.fail(text::format(text::Id::kBadTouStart, s));
    }
    const auto minute = static_cast<std::int16_t>(((s[0] - '0') * 10 + (s[1] - '0')) * 60 +
                                                  (s[3] - '0') * 10 + (s[4] - '0'));
    if (tou.count > 0 &&
        minute <= tou.periods[static_cast<std::size_t>(tou.count - 1)].start_minute) {
      start.fail(text::format(text::Id::kTouNotIncreasing));
    }
    const std::string rate = m.required("rate").as_choice({"sharp", "peak", "flat", "valley"});
    const Rate r = rate == "sharp"  ? Rate::kSharp
                   : rate == "peak" ? Rate::kPeak
                   : rate == "flat" ? Rate::kFlat
                                    : Rate::kValley;
    tou.periods[static_cast<std::size_t>(tou.count++)] = TouPeriod{minute, r};
    m.finish();
  }
  return tou;
}

std::array<std::int64_t, 3> parse_phase_split(const yaml::Node& node) {
  if (!node.is_sequence() || node.elements().size() != 3) {
    node.fail(text::format(text::Id::kPhaseSplitShape));
  }
  std::array<std::int64_t, 3> split{};
  const auto items = node.elements();
  for (std::size_t i = 0; i < split.size(); ++i)
    split[i] = items[i].as_int(0, kMaxPhaseWeight);
  if (split[0] + split[1] + split[2] == 0) node.fail(text::format(text::Id::kPhaseSplitShape));
  return split;
}

CircuitSpec parse_circuit(const yaml::Node& node, int number, const ModelRef& ref) {
  const ModelInfo& model = *ref.model;
  CircuitSpec c;
  c.number = number;
  if (node.is_null()) return c;  // "1:" alone: a circuit at defaults
  yaml::Map m(node);
  if (ref.profile->energy_only()) {
    // A plain energy meter has a load and nothing to set: every prepaid key is a mistake.
    for (const char* key : {"balance", "purchase_count", "debit_count", "price", "prices", "mode",
                            "alarm1", "alarm2", "status_bits", "overload", "overload_delay"}) {
      if (auto n = m.optional(key)) {
        n->fail(text::format(text::Id::kEnergyOnlyKey, key, number, model.name));
      }
    }
  }
  if (auto n = m.optional("load")) c.load = parse_load(*n);
  if (auto n = m.optional("balance")) c.balance_fen = money(*n, -kMaxMoneyFen);
  if (auto n = m.optional("purchase_count")) {
    c.purchase_count = static_cast<std::uint16_t>(n->as_int(0, 0xFFFF));
  }
  if (auto n = m.optional("debit_count")) {
    c.debit_count = static_cast<std::uint16_t>(n->as_int(0, 0xFFFF));
  }
  if (auto n = m.optional("price")) c.price = price(*n);
  if (auto n = m.optional("mode")) {
    const std::string mode = n->as_choice({"prepaid", "keep_power", "forced_off"});
    c.mode = mode == "prepaid"      ? Mode::kPrepaid
             : mode == "keep_power" ? Mode::kKeepPower
                                    : Mode::kForcedOff;
  }
  const auto alarm1 = m.optional("alarm1");
  const auto alarm2 = m.optional("alarm2");
  if (alarm1) c.alarm1_fen = money(*alarm1, 0);
  if (alarm2) c.alarm2_fen = money(*alarm2, 0);
  if (c.alarm2_fen > c.alarm1_fen) {
    (alarm2 ? *alarm2 : *alarm1)
        .fail(text::format(text::Id::kAlarmOrder, format_decimal(c.alarm2_fen, 2),
                           format_decimal(c.alarm1_fen, 2)));
  }
  if (auto n = m.optional("status_bits")) c.status_bits = n->as_bool();
  if (auto n = m.optional("prices")) {
    reject_unknown_keys(*n, {"sharp", "peak", "flat", "valley"});
    yaml::Map pm(*n);
    const std::pair<const char*, Rate> rates[] = {{"sharp", Rate::kSharp},
                                                  {"peak", Rate::kPeak},
                                                  {"flat", Rate::kFlat},
                                                  {"valley", Rate::kValley}};
    for (const auto& [key, rate] : rates) {
      if (auto p = pm.optional(key)) c.prices[static_cast<std::size_t>(rate)] = price(*p);
    }
    pm.finish();
  }
  if (auto n = m.optional("overload")) c.overload_w = n->as_int(0, kMaxPowerW);
  if (auto n = m.optional("overload_delay")) c.overload_delay = n->as_duration();
  if (auto n = m.optional("phase_split")) {
    // Only a three-phase circuit divides its power among phases; on a single-phase model the
    // key would be silently meaningless.
    if (model.phases != 3)
      n->fail(text::format(text::Id::kPhaseSplitSinglePhase, number, model.name));
    c.phase_split = parse_phase_split(*n);
  }
  m.finish();
  return c;
}

BoxSpec parse_box(const yaml::Node& node, const std::map<std::string, Profile>& profiles,
                  FleetSpec& fleet) {
  reject_unknown_keys(node, {"address", "model", "circuits", "tou", "clock_drift_ppm"});
  yaml::Map m(node);
  BoxSpec box;
  box.address = static_cast<int>(m.required("address").as_int(1, 247));
  if (auto tou = m.optional("tou")) box.tou = parse_tou(*tou);
  if (auto drift = m.optional("clock_drift_ppm"))
    box.clock_drift_ppm = drift->as_int(-100'000, 100'000);
  const yaml::Node model_node = m.required("model");
  box.model = model_node.as_string();
  const auto ref = find_model(profiles, box.model);
  if (!ref) model_node.fail(devices::unknown_model_message(model_circuits(profiles), box.model));
  fleet.profiles.emplace(ref->profile->id, *ref->profile);
  if (auto circuits = m.optional("circuits")) {
    yaml::Map cm(*circuits);
    for (const auto& key : circuits->keys()) {
      const yaml::Node value = *cm.optional(key);
      // The key is the circuit number; report problems at the value with the key in the path.
      int number = 0;
      try {
        std::size_t used = 0;
        number = std::stoi(key, &used);
        if (used != key.size()) number = 0;
      } catch (const std::exception&) {
        number = 0;
      }
      const devices::ModelCircuits model{box.model, ref->model->circuits};
      if (!devices::has_circuit(model, number)) {
        value.fail(devices::circuit_out_of_model_message(key, model));
      }
      if (box.circuits.contains(number)) {
        value.fail(phil::text::format(phil::text::Id::kYamlDuplicate,
                                      "circuit " + std::to_string(number)));
      }
      box.circuits.emplace(number, parse_circuit(value, number, *ref));
    }
    cm.finish();
  }
  m.finish();
  return box;
}

BusSpec parse_bus(const yaml::Node& node, const std::map<std::string, Profile>& profiles,
                  FleetSpec& fleet) {
  reject_unknown_keys(
      node, {"id", "transport", "port", "baud", "parity", "stop_bits", "pacing", "boxes"});
  yaml::Map m(node);
  BusSpec bus;
  const yaml::Node id = m.required("id");
  bus.id = id.as_string();
  if (bus.id.empty()) id.fail(text::format(text::Id::kEmptyText, "the bus id"));
  if (auto t = m.optional("transport")) {
    bus.transport = *transport_from_name(t->as_choice({"pty", "rtu-over-tcp", "tcp"}));
  }
  const yaml::Node port = m.required("port");
  if (bus.transport == Transport::kPty) {
    bus.port = port.as_string();
    if (bus.port.empty()) port.fail(text::format(text::Id::kEmptyText, "the port"));
    const auto normal = std::filesystem::path(bus.port).lexically_normal();
    if (normal.is_relative() && !normal.empty() && *normal.begin() == "..") {
      port.fail(text::format(text::Id::kPortLeavesRunDir, bus.port));
    }
  } else {
    bus.tcp_port = static_cast<int>(port.as_int(0, 65535));
    bus.port = std::to_string(bus.tcp_port);
  }
  if (auto p = m.optional("parity")) {
    const std::string parity = p->as_choice({"none", "even", "odd"});
    bus.parity = parity == "none" ? Parity::kNone : parity == "even" ? Parity::kEven : Parity::kOdd;
  }
  if (auto s = m.optional("stop_bits")) bus.stop_bits = static_cast<int>(s->as_int(1, 2));
  if (auto p = m.optional("pacing")) {
    reject_unknown_keys(*p, {"enabled", "turnaround"});
    yaml::Map pm(*p);
    bus.pacing.enabled = true;
    if (auto e = pm.optional("enabled")) bus.pacing.enabled = e->as_bool();
    if (auto t = pm.optional("turnaround")) {
      const Millis turnaround = t->as_duration();
      if (turnaround < Millis(0) || turnaround > Millis(10'000)) {
        t->fail(phil::text::format(phil::text::Id::kYamlOutOfRange, t->as_string(), "0ms", "10s"));
      }
      bus.pacing.turnaround = turnaround;
    }
    pm.finish();
  }
  if (auto baud = m.optional("baud")) {
    bus.baud = static_cast<int>(baud->as_int(1, 10'000'000));
    if (!serial::is_standard_baud(bus.baud)) {
      baud->fail(text::format(text::Id::kBadBaud, bus.baud, serial::standard_bauds_text()));
    }
  }
  std::set<int> addresses;
  for (const auto& item : m.required("boxes").elements()) {
    BoxSpec box = parse_box(item, profiles, fleet);
    if (!addresses.insert(box.address).second) {
      item.fail(phil::text::format(phil::text::Id::kYamlDuplicate,
                                   "box address " + std::to_string(box.address) + " on this bus"));
    }
    bus.boxes.push_back(std::move(box));
  }
  m.finish();
  return bus;
}

constexpr std::pair<FaultSpec::Kind, std::string_view> kFaultNames[] = {
    {FaultSpec::Kind::kBoxSilent, "box_silent"},
    {FaultSpec::Kind::kBusSilent, "bus_silent"},
    {FaultSpec::Kind::kDropRequest, "drop_request"},
    {FaultSpec::Kind::kDropReply, "drop_reply"},
    {FaultSpec::Kind::kCorruptCrc, "corrupt_crc"},
    {FaultSpec::Kind::kDelay, "delay"},
    {FaultSpec::Kind::kTruncate, "truncate"},
    {FaultSpec::Kind::kNoise, "noise"},
    {FaultSpec::Kind::kPowerLoss, "power_loss"},
    {FaultSpec::Kind::kMeterReplaced, "meter_replaced"},
    {FaultSpec::Kind::kClockDrift, "clock_drift"},
};

// faults: [{kind, bus, address, circuit, start, duration, probability, delay, bytes, ppm, seed}]
FaultSpec parse_fault(const yaml::Node& node, const FleetSpec& fleet) {
  reject_unknown_keys(node, {"kind", "bus", "address", "circuit", "start", "duration",
                             "probability", "delay", "bytes", "ppm", "seed"});
  yaml::Map m(node);
  FaultSpec f;
  std::vector<std::string_view> names;
  for (const auto& [kind, name] : kFaultNames)
    names.push_back(name);
  f.kind = *fault_kind_from_name(m.required("kind").as_choice(names));
  const yaml::Node bus_node = m.required("bus");
  f.bus = bus_node.as_string();
  const auto bus = std::find_if(fleet.buses.begin(), fleet.buses.end(),
                                [&](const BusSpec& b) { return b.id == f.bus; });
  if (bus == fleet.buses.end()) bus_node.fail(text::format(text::Id::kUnknownFaultBus, f.bus));
  const BoxSpec* box = nullptr;
  if (auto a = m.optional("address")) {
    f.address = static_cast<int>(a->as_int(0, 247));
    for (const auto& b : bus->boxes) {
      if (b.address == f.address) box = &b;
    }
    if (f.address != 0 && box == nullptr) {
      a->fail(text::format(text::Id::kUnknownFaultBox, f.address, f.bus));
    }
  }
  const bool needs_box = f.kind == FaultSpec::Kind::kBoxSilent ||
                         f.kind == FaultSpec::Kind::kMeterReplaced ||
                         f.kind == FaultSpec::Kind::kClockDrift;
  if (needs_box && box == nullptr) node.fail(text::format(text::Id::kFaultNeedsBox));
  if (auto c = m.optional("circuit")) f.circuit = static_cast<int>(c->as_int(1, 64));
  if (f.kind == FaultSpec::Kind::kMeterReplaced) {
    if (auto bad =
            devices::check_model_circuit(model_circuits(fleet.profiles), box->model, f.circuit)) {
      node.fail(*bad);
    }
  }
  const yaml::Node start = m.required("start");
  if (const auto after = parse_duration(start.as_string())) {
    f.start_relative = true;
    f.start_after = *after;
  } else {
    f.start = start.as_timestamp().utc;
  }
  if (auto d = m.optional("duration")) f.duration = d->as_duration();
  if (auto p = m.optional("probability")) {
    f.probability_permille = static_cast<int>(p->as_decimal(3));
    if (f.probability_permille < 0 || f.probability_permille > 1000) {
      p->fail(phil::text::format(phil::text::Id::kYamlOutOfRange, p->as_string(), "0", "1"));
    }
  }
  if (auto d = m.optional("delay")) f.delay = d->as_duration();
  if (auto b = m.optional("bytes")) f.noise_bytes = static_cast<int>(b->as_int(1, 256));
  if (auto p = m.optional("ppm")) f.drift_ppm = p->as_int(-100'000, 100'000);
  if (auto seed = m.optional("seed")) {
    f.seed = static_cast<std::uint64_t>(seed->as_int(0, INT64_MAX));
  }
  m.finish();
  return f;
}

}  // namespace

std::string_view transport_name(Transport t) {
  switch (t) {
    case Transport::kRtuOverTcp:
      return "rtu-over-tcp";
    case Transport::kTcp:
      return "tcp";
    case Transport::kPty:
      break;
  }
  return "pty";
}

std::optional<Transport> transport_from_name(std::string_view name) {
  if (name == "pty") return Transport::kPty;
  if (name == "rtu-over-tcp") return Transport::kRtuOverTcp;
  if (name == "tcp") return Transport::kTcp;
  return std::nullopt;
}

std::string_view fault_kind_name(FaultSpec::Kind kind) {
  for (const auto& [k, name] : kFaultNames) {
    if (k == kind) return name;
  }
  return "?";
}

std::optional<FaultSpec::Kind> fault_kind_from_name(std::string_view name) {
  for (const auto& [k, n] : kFaultNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

FleetSpec parse_fleet(const yaml::Node& node, const std::string& profiles_dir) {
  reject_unknown_keys(node, {"utc_offset", "buses", "faults"});
  const auto profiles = load_profiles_dir(profiles_dir);
  yaml::Map m(node);
  FleetSpec fleet;
  if (auto offset = m.optional("utc_offset")) fleet.utc_offset = parse_utc_offset(*offset);
  std::set<std::string> ids;
  std::set<std::string> ports;
  for (const auto& item : m.required("buses").elements()) {
    BusSpec bus = parse_bus(item, profiles, fleet);
    if (!ids.insert(bus.id).second) {
      item.fail(phil::text::format(phil::text::Id::kYamlDuplicate, "bus id \"" + bus.id + "\""));
    }
    const bool ephemeral = bus.transport != Transport::kPty && bus.tcp_port == 0;
    const std::string where = bus.transport == Transport::kPty ? bus.port : "tcp " + bus.port;
    if (!ephemeral && !ports.insert(where).second) {
      item.fail(phil::text::format(phil::text::Id::kYamlDuplicate, "port \"" + bus.port + "\""));
    }
    fleet.buses.push_back(std::move(bus));
  }
  if (auto faults = m.optional("faults")) {
    for (const auto& item : faults->elements())
      fleet.faults.push_back(parse_fault(item, fleet));
  }
  m.finish();
  return fleet;
}

FleetSpec load_fleet_file(const std::string& path, const std::string& profiles_dir) {
  const auto doc = yaml::Document::load_file(path);
  return parse_fleet(doc.root(), profiles_dir);
}

}  // namespace phil::sim
