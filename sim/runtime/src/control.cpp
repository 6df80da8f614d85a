#include <charconv>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <phil/common/decimal.hpp>
#include <phil/sim/control.hpp>

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
    "ERROR unknown command. Use: status | fault KIND BUS [address=N circuit=N start=DUR "
    "duration=DUR probability=P delay=DUR bytes=N ppm=N seed=N] | clear ID|all | replace BUS "
    "ADDRESS CIRCUIT\n";

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
    const auto bad = [&] { return "ERROR bad value for " + key + ": \"" + value + "\"\n"; };
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

std::string control_command(Simulator& sim, std::string_view line) {
  const auto w = words_of(line);
  if (w.empty()) return kUsage;
  if (w[0] == "status" && w.size() == 1) return "OK\n" + sim.status_text();
  if (w[0] == "fault") return fault_command(sim, w);
  if (w[0] == "clear" && w.size() == 2) {
    if (w[1] == "all") {
      sim.clear_faults();
      return "OK\n";
    }
    const auto id = integer(w[1]);
    if (id && *id > 0 && sim.clear_fault(static_cast<std::uint64_t>(*id))) return "OK\n";
    return "ERROR no fault " + w[1] + ". See the ids in `status`\n";
  }
  if (w[0] == "replace" && w.size() == 4) {
    const auto address = integer(w[2]);
    const auto circuit = integer(w[3]);
    if (address && circuit && *address >= 1 && *address <= 247 && *circuit >= 1 && *circuit <= 64 &&
        sim.replace_meter(w[1], static_cast<int>(*address), static_cast<int>(*circuit))) {
      return "OK\n";
    }
    return "ERROR no circuit " + w[3] + " of box " + w[2] + " on bus " + w[1] +
           ". Check with `status`\n";
  }
  return kUsage;
}

}  // namespace phil::sim
