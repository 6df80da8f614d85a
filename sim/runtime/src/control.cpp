#include <algorithm>
#include <charconv>
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include <phil/common/decimal.hpp>
#include <phil/sim/control.hpp>
#include <phil/sim/load.hpp>

namespace phil::sim {

namespace {

std::vector<std::string> words_of(std::string_view line) {
  std::istringstream in{std::string(line)};
  std::vector<std::string> out;
  for (std::string w; in >> w;)
    out.push_back(w);
  return out;
}

std::optional<std::int64_t> integer(const std::string& s) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

constexpr const char* kUsage =
    "ERROR unknown command. Use: status | show METER|BOX [--json] | set METER|BOX NAME VALUE | "
    "load METER constant=W | load METER daily=KIND peak_w=W [seed=N] | watch [BUS|BOX|METER] | "
    "time | speed N | trace [on [bus=B] [box=N] [fc=N] [exceptions] | off] | fault KIND BUS "
    "[address=N circuit=N start=DUR duration=DUR probability=P delay=DUR bytes=N ppm=N seed=N] | "
    "clear ID|all | replace BUS ADDRESS CIRCUIT (METER is BUS/ADDRESS/CIRCUIT, e.g. bus1/4/3)\n";

constexpr std::int64_t kMaxPowerW = 10'000'000;  // as the fleet file allows

// A key=value word split, or nullopt.
std::optional<std::pair<std::string, std::string>> key_value(const std::string& word) {
  const auto eq = word.find('=');
  if (eq == std::string::npos || eq == 0) return std::nullopt;
  return std::make_pair(word.substr(0, eq), word.substr(eq + 1));
}

std::string not_a_meter(const std::string& text, const char* want) {
  return "ERROR \"" + text + "\" is not a " + want +
         ". Write BUS/ADDRESS/CIRCUIT like bus1/4/3 (a box: bus1/4); `status` lists them\n";
}

std::string show_text(const Inspection& in, std::chrono::minutes offset) {
  std::string out =
      "OK\n" + std::string(in.circuits.empty() ? "meter " : "box ") + in.id + " " + in.model +
      " at " + format_timestamp(in.at, offset) + (in.powered ? "" : " POWER LOSS") +
      (in.clock_drift_ppm != 0 ? " clock drift " + std::to_string(in.clock_drift_ppm) + " ppm"
                               : "") +
      "\n";
  for (const auto& r : in.registers) {
    std::string name = r.name;
    name.resize(std::max<std::size_t>(name.size(), 20), ' ');
    out += "  " + name + " " + r.value + (r.unit.empty() ? "" : " " + r.unit) + "\n";
  }
  for (const auto& c : in.circuits)
    out += "  " + c + "\n";
  return out;
}

std::string show_json(const Inspection& in, std::chrono::minutes offset) {
  nlohmann::json j;
  j["id"] = in.id;
  j["kind"] = in.circuits.empty() ? "meter" : "box";
  j["model"] = in.model;
  j["at"] = format_timestamp(in.at, offset);
  j["powered"] = in.powered;
  j["registers"] = nlohmann::json::object();
  for (const auto& r : in.registers) {
    j["registers"][r.name] = {
        {"value", r.value}, {"unit", r.unit}, {"raw", r.raw}, {"writable", r.writable}};
  }
  if (!in.circuits.empty()) {
    j["clock_drift_ppm"] = in.clock_drift_ppm;
    j["circuits"] = in.circuits;
  }
  return "OK\n" + j.dump(2) + "\n";
}

std::string show_command(Simulator& sim, const std::vector<std::string>& w) {
  const bool json = w.size() == 3 && w[2] == "--json";
  if (w.size() != 2 && !json) return "ERROR show takes METER or BOX, then --json if wanted\n";
  const auto id = parse_meter_id(w[1]);
  if (!id || id->address == 0) return not_a_meter(w[1], "meter or box");
  auto found = sim.inspect(*id);
  if (!found) return "ERROR " + found.error() + "\n";
  return json ? show_json(*found, sim.utc_offset()) : show_text(*found, sim.utc_offset());
}

std::string set_command(Simulator& sim, const std::vector<std::string>& w) {
  if (w.size() != 4) {
    return "ERROR set takes METER|BOX NAME VALUE, e.g. set bus1/4/3 balance 25.00\n";
  }
  const auto id = parse_meter_id(w[1]);
  if (!id || id->address == 0) return not_a_meter(w[1], "meter or box");
  auto done = sim.set_state(*id, w[2], w[3]);
  if (!done) return "ERROR " + done.error() + "\n";
  return "OK\n";
}

std::string load_command(Simulator& sim, const std::vector<std::string>& w) {
  constexpr const char* kLoadUsage =
      "Write constant=W, or daily=KIND peak_w=W [seed=N] with KIND residential, office or "
      "shop\n";
  if (w.size() < 3) return std::string("ERROR load takes METER and the load. ") + kLoadUsage;
  const auto id = parse_meter_id(w[1]);
  if (!id || id->circuit == 0) return not_a_meter(w[1], "meter");
  LoadSpec load;
  std::optional<std::int64_t> constant;
  std::optional<std::int64_t> peak;
  std::string curve;
  for (std::size_t i = 2; i < w.size(); ++i) {
    const auto kv = key_value(w[i]);
    if (!kv) return "ERROR \"" + w[i] + "\" is not key=value. " + kLoadUsage;
    const auto& [key, value] = *kv;
    const auto v = integer(value);
    if (key == "daily") {
      if (!is_daily_curve(value)) return "ERROR no daily curve \"" + value + "\". " + kLoadUsage;
      curve = value;
    } else if ((key == "constant" || key == "peak_w") && v && *v >= 0 && *v <= kMaxPowerW) {
      (key == "constant" ? constant : peak) = *v;
    } else if (key == "seed" && v && *v >= 0) {
      load.seed = static_cast<std::uint64_t>(*v);
    } else {
      return "ERROR unknown key or value out of range: " + w[i] + " (powers 0.." +
             std::to_string(kMaxPowerW) + " W). " + kLoadUsage;
    }
  }
  if (constant && curve.empty() && !peak) {
    load.kind = LoadSpec::Kind::kConstant;
    load.power_w = *constant;
  } else if (!constant && !curve.empty() && peak) {
    load.kind = LoadSpec::Kind::kDaily;
    load.curve = curve;
    load.power_w = *peak;
  } else {
    return std::string("ERROR give either constant=W or daily=KIND with peak_w=W. ") + kLoadUsage;
  }
  if (!sim.set_load(id->bus, id->address, id->circuit, load)) {
    return "ERROR no meter " + id->text() + " in the fleet; `status` lists them\n";
  }
  return "OK\n";
}

std::string trace_command(Simulator& sim, const std::vector<std::string>& w) {
  if (w.size() == 1) return "OK trace " + sim.trace_filter().text() + "\n";
  if (!sim.can_trace()) {
    return "ERROR this simulator has no trace output (it runs in-process without a sink)\n";
  }
  TraceFilter f;
  if (w[1] == "off" && w.size() == 2) {
    f.on = false;
  } else if (w[1] != "on") {
    return "ERROR trace takes on [bus=B] [box=N] [fc=N] [exceptions], or off\n";
  }
  for (std::size_t i = 2; i < w.size() && f.on; ++i) {
    if (w[i] == "exceptions") {
      f.exceptions_only = true;
      continue;
    }
    const auto kv = key_value(w[i]);
    const auto v = kv ? integer(kv->second) : std::nullopt;
    if (kv && kv->first == "bus") {
      f.bus = kv->second;
    } else if (kv && kv->first == "box" && v && *v >= 1 && *v <= 247) {
      f.address = static_cast<int>(*v);
    } else if (kv && kv->first == "fc" && v && *v >= 1 && *v <= 127) {
      f.function = static_cast<int>(*v);
    } else {
      return "ERROR bad trace filter \"" + w[i] +
             "\": write bus=BUS, box=1..247, fc=1..127 (decimal, e.g. 16) or exceptions\n";
    }
  }
  if (!f.bus.empty()) {
    try {
      (void)sim.transport(f.bus);
    } catch (const std::out_of_range&) {
      return "ERROR no bus \"" + f.bus + "\" in the fleet; `status` lists them\n";
    }
  }
  sim.set_trace_filter(f);
  return "OK trace " + f.text() + "\n";
}

std::string fault_command(Simulator& sim, const std::vector<std::string>& w) {
  if (w.size() < 3)
    return "ERROR fault needs KIND and BUS. Example: fault box_silent bus1 address=4\n";
  const auto kind = fault_kind_from_name(w[1]);
  if (!kind) return "ERROR unknown fault kind \"" + w[1] + "\". " + kUsage;
  FaultSpec f;
  f.kind = *kind;
  f.bus = w[2];
  f.start_relative = true;
  for (std::size_t i = 3; i < w.size(); ++i) {
    const auto eq = w[i].find('=');
    if (eq == std::string::npos)
      return "ERROR \"" + w[i] + "\" is not key=value. Write e.g. address=4\n";
    const std::string key = w[i].substr(0, eq);
    const std::string value = w[i].substr(eq + 1);
    const auto bad = [&] {
      std::string out = "ERROR bad value for " + key;
      out += ": \"" + value + "\"\n";
      return out;
    };
    if (key == "start" || key == "duration" || key == "delay") {
      const auto d = parse_duration(value);
      if (!d) return bad();
      (key == "start" ? f.start_after : key == "duration" ? f.duration : f.delay) = *d;
    } else if (key == "probability") {
      const auto p = parse_decimal(value, 3);
      if (!p || *p < 0 || *p > 1000) return bad();
      f.probability_permille = static_cast<int>(*p);
    } else {
      const auto v = integer(value);
      if (!v) return bad();
      if (key == "address" && *v >= 0 && *v <= 247) {
        f.address = static_cast<int>(*v);
      } else if (key == "circuit" && *v >= 1 && *v <= 64) {
        f.circuit = static_cast<int>(*v);
      } else if (key == "bytes" && *v >= 1 && *v <= 256) {
        f.noise_bytes = static_cast<int>(*v);
      } else if (key == "ppm" && *v >= -100'000 && *v <= 100'000) {
        f.drift_ppm = *v;
      } else if (key == "seed" && *v >= 0) {
        f.seed = static_cast<std::uint64_t>(*v);
      } else {
        return "ERROR unknown key or value out of range: " + w[i] + "\n";
      }
    }
  }
  try {
    return "OK fault " + std::to_string(sim.inject_fault(f)) + "\n";
  } catch (const std::invalid_argument& e) {
    return std::string("ERROR ") + e.what() + "\n";
  }
}

}  // namespace

namespace {

std::string clear_command(Simulator& sim, const std::vector<std::string>& w) {
  if (w[1] == "all") {
    sim.clear_faults();
    return "OK\n";
  }
  const auto id = integer(w[1]);
  if (id && *id > 0 && sim.clear_fault(static_cast<std::uint64_t>(*id))) return "OK\n";
  return "ERROR no fault " + w[1] + ". See the ids in `status`\n";
}

std::string replace_command(Simulator& sim, const std::vector<std::string>& w) {
  const auto address = integer(w[2]);
  const auto circuit = integer(w[3]);
  if (address && circuit && *address >= 1 && *address <= 247 && *circuit >= 1 && *circuit <= 64 &&
      sim.replace_meter(w[1], static_cast<int>(*address), static_cast<int>(*circuit))) {
    return "OK\n";
  }
  return "ERROR no circuit " + w[3] + " of box " + w[2] + " on bus " + w[1] +
         ". Check with `status`\n";
}

std::string time_command(const Simulator& sim, const ClockControl* clock) {
  return "OK sim time " + format_timestamp(sim.now(), sim.utc_offset()) + " speed " +
         (clock != nullptr ? std::to_string(clock->speed()) : std::string("manual")) + "\n";
}

std::string speed_command(const Simulator& sim, ClockControl* clock, const std::string& word) {
  if (clock == nullptr) return "ERROR this simulator's time is not its own to speed up\n";
  const auto v = integer(word);
  if (!v || *v < 1 || *v > kMaxSpeed) {
    return "ERROR speed takes simulated seconds per wall second, 1.." + std::to_string(kMaxSpeed) +
           ", not \"" + word + "\"\n";
  }
  clock->set_speed(*v);
  return "OK speed " + std::to_string(*v) + " from " +
         format_timestamp(sim.now(), sim.utc_offset()) + "\n";
}

ControlReply watch_command(const std::vector<std::string>& w) {
  MeterId scope;
  if (w.size() == 2) {
    const auto id = parse_meter_id(w[1]);
    if (!id) return {not_a_meter(w[1], "bus, box or meter"), std::nullopt};
    scope = *id;
  }
  return {"OK watching " + (scope.bus.empty() ? std::string("the fleet") : scope.text()) + "\n",
          scope};
}

}  // namespace

ControlReply control(Simulator& sim, std::string_view line, ClockControl* clock) {
  const auto w = words_of(line);
  const auto is = [&w](const char* verb, std::size_t min_words, std::size_t max_words) {
    return !w.empty() && w[0] == verb && w.size() >= min_words && w.size() <= max_words;
  };
  const auto text = [](std::string t) { return ControlReply{std::move(t), std::nullopt}; };
  if (is("status", 1, 1)) return text("OK\n" + sim.status_text());
  if (is("show", 1, SIZE_MAX)) return text(show_command(sim, w));
  if (is("set", 1, SIZE_MAX)) return text(set_command(sim, w));
  if (is("load", 1, SIZE_MAX)) return text(load_command(sim, w));
  if (is("trace", 1, SIZE_MAX)) return text(trace_command(sim, w));
  if (is("watch", 1, 2)) return watch_command(w);
  if (is("time", 1, 1)) return text(time_command(sim, clock));
  if (is("speed", 2, 2)) return text(speed_command(sim, clock, w[1]));
  if (is("fault", 1, SIZE_MAX)) return text(fault_command(sim, w));
  if (is("clear", 2, 2)) return text(clear_command(sim, w));
  if (is("replace", 4, 4)) return text(replace_command(sim, w));
  return text(kUsage);
}

std::string control_command(Simulator& sim, std::string_view line) {
  return control(sim, line, nullptr).text;
}

}  // namespace phil::sim
