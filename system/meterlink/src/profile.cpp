#include <algorithm>
#include <array>
#include <filesystem>
#include <initializer_list>
#include <set>
#include <tuple>
#include <utility>

#include <phil/common/decimal.hpp>
#include <phil/meterlink/profile.hpp>

namespace phil::meterlink {

namespace {

constexpr std::array<std::string_view, 7> kBoxNames{"model", "circuits", "address",     "baud",
                                                    "clock", "password", "tou_schedule"};
/// The circuit registers a meter that meters has, prepaid or not; a prepaid meter's have
/// kPrepaidRegisters (profile.hpp) besides.
constexpr std::array<std::string_view, 19> kMeteringNames{
    "energy_total", "energy_sharp", "energy_peak", "energy_flat",  "energy_valley",
    "voltage",      "current",      "power",       "power_factor", "serial",
    "voltage_a",    "voltage_b",    "voltage_c",   "current_a",    "current_b",
    "current_c",    "power_a",      "power_b",     "power_c"};
/// Per-phase registers: they exist only on three-phase models, so they must say `phases: 3`.
constexpr std::array<std::string_view, 9> kPerPhaseNames{"voltage_a", "voltage_b", "voltage_c",
                                                         "current_a", "current_b", "current_c",
                                                         "power_a",   "power_b",   "power_c"};
constexpr std::array<std::string_view, 8> kUnits{"kWh",  "W",        "V", "A",
                                                 "yuan", "yuan/kWh", "s", "bps"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& a, std::string_view s) {
  return std::find(a.begin(), a.end(), s) != a.end();
}

template <std::size_t N>
std::string list(const std::array<std::string_view, N>& a) {
  std::string out;
  for (auto s : a) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

bool is_circuit_name(std::string_view name) {
  return contains(kMeteringNames, name) || contains(kPrepaidRegisters, name);
}

/// Reports a misspelt key as unknown (naming the allowed ones) before a required key it was
/// meant to be is reported missing.
void unknown_keys_first(yaml::Map& m, std::initializer_list<std::string_view> allowed) {
  for (auto key : allowed)
    (void)m.optional(key);
  m.finish();
}

WordOrder parse_word_order(const yaml::Node& n) {
  return n.as_choice({"high_first", "low_first"}) == "high_first" ? WordOrder::kHighFirst
                                                                  : WordOrder::kLowFirst;
}

/// Money in yuan, energy in kWh, prices in yuan/kWh: the unit a canonical name must carry.
std::string_view required_unit(std::string_view name) {
  if (name.starts_with("energy_")) return "kWh";
  if (name.starts_with("price_")) return "yuan/kWh";
  if (name == "balance" || name == "purchase_amount" || name == "purchase_total" ||
      name == "debit_amount" || name == "debit_total" || name == "alarm1_threshold" ||
      name == "alarm2_threshold") {
    return "yuan";
  }
  if (name == "voltage_a" || name == "voltage_b" || name == "voltage_c") return "V";
  if (name == "current_a" || name == "current_b" || name == "current_c") return "A";
  if (name == "power_a" || name == "power_b" || name == "power_c") return "W";
  return {};
}

struct Parsed {
  Register reg;
  yaml::Node node;
};

/// `name`, and `base` + `stride` (per circuit) or `address` (per box).
void parse_name_and_address(yaml::Map& m, bool per_circuit, Register& r) {
  const auto name_node = m.required("name");
  r.name = name_node.as_string();
  if (per_circuit ? !is_circuit_name(r.name) : !contains(kBoxNames, r.name)) {
    name_node.fail(
        "\"" + r.name + "\" is not a canonical " + (per_circuit ? "circuit" : "box") +
        " register name; use one of: " +
        (per_circuit ? list(kMeteringNames) + ", " + list(kPrepaidRegisters) : list(kBoxNames)));
  }
  if (per_circuit) {
    r.address = static_cast<std::uint16_t>(m.required("base").as_int(0, 65535));
    r.stride = static_cast<std::uint16_t>(m.required("stride").as_int(1, 65535));
  } else {
    r.address = static_cast<std::uint16_t>(m.required("address").as_int(0, 65535));
  }
}

/// `type` and `words` (implied by the type, or given and then checked against it).
void parse_type_and_words(yaml::Map& m, Register& r) {
  const auto type_node = m.required("type");
  const auto type = type_node.as_choice({"u16", "i16", "u32", "i32", "bcd", "raw"});
  // Words implied by the type; 0: bcd and raw must say.
  constexpr std::array<std::pair<std::string_view, std::pair<ValueType, int>>, 6> kTypes{{
      {"u16", {ValueType::kU16, 1}},
      {"i16", {ValueType::kI16, 1}},
      {"u32", {ValueType::kU32, 2}},
      {"i32", {ValueType::kI32, 2}},
      {"bcd", {ValueType::kBcd, 0}},
      {"raw", {ValueType::kRaw, 0}},
  }};
  int implied = 0;
  for (const auto& [n, tw] : kTypes) {
    if (n == type) std::tie(r.type, implied) = tw;
  }
  if (auto w = m.optional("words")) {
    r.words = static_cast<int>(w->as_int(1, 64));
    if (implied != 0 && r.words != implied) {
      w->fail("type " + type + " has " + std::to_string(implied) + " word(s), not " +
              std::to_string(r.words) + "; remove `words` or correct it");
    }
  } else if (implied == 0) {
    m.node().fail("type " + type + " needs `words` (1..64); add it");
  } else {
    r.words = implied;
  }
}

/// `scale` and `unit`; a canonical name's unit is fixed, and money needs whole fen.
void parse_scale_and_unit(yaml::Map& m, Register& r) {
  if (auto sc = m.optional("scale")) {
    const auto text = sc->as_string();
    const auto e = parse_power_of_ten(text);
    if (!e) sc->fail("scale \"" + text + "\" is not an exact power of ten such as 1, 10, 0.01");
    r.scale_exp = *e;
  }
  std::optional<yaml::Node> unit_node = m.optional("unit");
  if (unit_node) {
    r.unit = unit_node->as_string();
    if (!contains(kUnits, r.unit)) {
      unit_node->fail("unknown unit \"" + r.unit + "\"; use one of: " + list(kUnits));
    }
  }
  const auto need = required_unit(r.name);
  if (!need.empty() && r.unit != need) {
    (unit_node ? *unit_node : m.node())
        .fail("register " + r.name + " must have unit " + std::string(need) +
              "; set `unit: " + std::string(need) + "`");
  }
  if (r.unit == "yuan" && r.scale_exp > -2) {
    m.node().fail("money register " + r.name +
                  " needs scale 0.01 or finer so that whole fen are representable");
  }
}

/// `access`, and the `enum` or `flags` table that names the values (it must exist).
void parse_access_and_labels(yaml::Map& m, Register& r, const Profile& p) {
  const auto access = m.required("access").as_choice({"R", "RW", "W"});
  r.access = access == "R" ? Access::kRead : access == "RW" ? Access::kReadWrite : Access::kWrite;
  if (auto e = m.optional("enum")) {
    r.enum_name = e->as_string();
    if (!p.enums.contains(r.enum_name)) e->fail("no enum named \"" + r.enum_name + "\" in `enums`");
  }
  if (auto f = m.optional("flags")) {
    r.flags_name = f->as_string();
    if (!p.flags.contains(r.flags_name)) {
      f->fail("no flag set named \"" + r.flags_name + "\" in `flags`");
    }
  }
}

/// A circuit register's `phases`: a model must have them, and per-phase registers need 3.
void parse_phases(yaml::Map& m, Register& r, const Profile& p) {
  const auto phases_node = m.optional("phases");
  if (phases_node) {
    r.phases = static_cast<int>(phases_node->as_int(1, 3));
    if (r.phases == 2) phases_node->fail("phases must be 1 or 3");
    const bool any = std::any_of(p.models.begin(), p.models.end(),
                                 [&](const Model& model) { return model.phases == r.phases; });
    if (!any) {
      phases_node->fail("no model has " + std::to_string(r.phases) + " phase(s), so register " +
                        r.name + " would exist on none; correct `phases` or the models");
    }
  }
  if (contains(kPerPhaseNames, r.name) && r.phases != 3) {
    (phases_node ? *phases_node : m.node())
        .fail("per-phase register " + r.name + " exists only on three-phase models; set " +
              "`phases: 3`");
  }
}

Parsed parse_register(const yaml::Node& node, bool per_circuit, const Profile& p) {
  yaml::Map m(node);
  if (per_circuit) {
    unknown_keys_first(m, {"name", "base", "stride", "type", "words", "word_order", "scale", "unit",
                           "access", "enum", "flags", "phases", "description"});
  } else {
    unknown_keys_first(m, {"name", "address", "type", "words", "word_order", "scale", "unit",
                           "access", "enum", "flags", "description"});
  }
  Register r;
  parse_name_and_address(m, per_circuit, r);
  parse_type_and_words(m, r);
  r.word_order = p.word_order;
  if (auto wo = m.optional("word_order")) r.word_order = parse_word_order(*wo);
  parse_scale_and_unit(m, r);
  parse_access_and_labels(m, r, p);
  if (per_circuit) parse_phases(m, r, p);
  if (auto d = m.optional("description")) (void)d->as_string();
  m.finish();
  return {r, node};
}

struct Span {
  std::uint32_t first;
  std::uint32_t last;
  std::string label;
  const yaml::Node* node;
};

/// Checks the map of one model: its box registers and the circuit registers it has, for each of
/// its circuits.
void check_overlaps(const std::vector<Parsed>& box, const std::vector<Parsed>& circuit,
                    const Model& model) {
  const int max_circuits = model.circuits;
  std::vector<Span> spans;
  spans.reserve(box.size() + circuit.size() * static_cast<std::size_t>(max_circuits));
  for (const auto& b : box) {
    spans.push_back({b.reg.address, b.reg.address + static_cast<std::uint32_t>(b.reg.words) - 1,
                     "box register " + b.reg.name, &b.node});
  }
  for (const auto& c : circuit) {
    if (!Profile::has_register(model, c.reg)) continue;
    for (int n = 1; n <= max_circuits; ++n) {
      const auto first = c.reg.address_for(n);
      const auto last = first + static_cast<std::uint32_t>(c.reg.words) - 1;
      if (last > 65535) {
        c.node.fail("register " + c.reg.name + " of circuit " + std::to_string(n) + " ends at " +
                    std::to_string(last) + ", beyond address 65535; lower its base or stride");
      }
      // Built by appending: GCC 12 at -O3 warns falsely (-Wrestrict) on "c" + std::string.
      std::string label = "c";
      label += std::to_string(n);
      label += ".";
      label += c.reg.name;
      spans.push_back({first, last, std::move(label), &c.node});
    }
  }
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.first < b.first; });
  for (std::size_t i = 1; i < spans.size(); ++i) {
    if (spans[i].first <= spans[i - 1].last) {
      spans[i].node->fail(spans[i].label + " (at " + std::to_string(spans[i].first) +
                          ") overlaps " + spans[i - 1].label + " (" +
                          std::to_string(spans[i - 1].first) + ".." +
                          std::to_string(spans[i - 1].last) + "); correct the addresses");
    }
  }
}

Timing parse_timing(const yaml::Node& node) {
  yaml::Map m(node);
  unknown_keys_first(m, {"response_timeout", "turnaround"});
  Timing t;
  if (auto n = m.optional("response_timeout")) {
    t.response_timeout = n->as_duration(Millis(10), Millis(60'000));
  }
  if (auto n = m.optional("turnaround")) {
    t.turnaround = n->as_duration(Millis(0), Millis(10'000));
  }
  m.finish();
  return t;
}

std::vector<Parsed> parse_registers(const yaml::Node& list_node, bool per_circuit,
                                    const Profile& p) {
  std::vector<Parsed> out;
  std::set<std::string> names;
  for (const auto& e : list_node.elements()) {
    auto parsed = parse_register(e, per_circuit, p);
    if (!names.insert(parsed.reg.name).second) {
      e.fail("register " + parsed.reg.name + " is defined twice; keep only one");
    }
    out.push_back(std::move(parsed));
  }
  return out;
}

}  // namespace

std::string_view to_string(ValueType t) {
  switch (t) {
    case ValueType::kU16:
      return "u16";
    case ValueType::kI16:
      return "i16";
    case ValueType::kU32:
      return "u32";
    case ValueType::kI32:
      return "i32";
    case ValueType::kBcd:
      return "bcd";
    case ValueType::kRaw:
      return "raw";
  }
  return "?";
}

namespace {

template <typename T>
const T* find_named(const std::vector<T>& items, std::string_view name) {
  const auto it =
      std::find_if(items.begin(), items.end(), [&](const T& x) { return x.name == name; });
  return it == items.end() ? nullptr : &*it;
}

}  // namespace

const Model* Profile::model(std::string_view name) const {
  return find_named(models, name);
}
const Register* Profile::box_register(std::string_view name) const {
  return find_named(box, name);
}
const Register* Profile::circuit_register(std::string_view name) const {
  return find_named(circuit, name);
}

std::vector<const Register*> Profile::circuit_registers(const Model& m) const {
  std::vector<const Register*> out;
  for (const auto& r : circuit) {
    if (has_register(m, r)) out.push_back(&r);
  }
  return out;
}

const Register* Profile::circuit_register(const Model& m, std::string_view name) const {
  const Register* r = circuit_register(name);
  return r != nullptr && has_register(m, *r) ? r : nullptr;
}

MeteringRegisters Profile::metering(const Model& m) const {
  MeteringRegisters out;
  out.energy_total = circuit_register(m, "energy_total");
  out.energy_rates = {circuit_register(m, "energy_sharp"), circuit_register(m, "energy_peak"),
                      circuit_register(m, "energy_flat"), circuit_register(m, "energy_valley")};
  out.voltage = circuit_register(m, "voltage");
  out.current = circuit_register(m, "current");
  out.power = circuit_register(m, "power");
  out.power_factor = circuit_register(m, "power_factor");
  out.serial = circuit_register(m, "serial");
  return out;
}

std::string Profile::model_names() const {
  std::string out;
  for (const auto& m : models) {
    if (!out.empty()) out += ", ";
    out += m.name;
  }
  return out;
}

namespace {

/// `models`: at least one, each name once.
void parse_models(yaml::Map& m, Profile& p) {
  const auto models_node = m.required("models");
  for (const auto& e : models_node.elements()) {
    yaml::Map mm(e);
    unknown_keys_first(mm, {"name", "code", "circuits", "phases"});
    Model model;
    model.name = mm.required("name").as_string();
    model.code = static_cast<int>(mm.required("code").as_int(0, 65535));
    model.circuits = static_cast<int>(mm.required("circuits").as_int(1, 64));
    const auto phases = mm.required("phases");
    model.phases = static_cast<int>(phases.as_int(1, 3));
    if (model.phases == 2) phases.fail("phases must be 1 or 3");
    mm.finish();
    if (p.model(model.name)) e.fail("model " + model.name + " is defined twice; keep only one");
    p.models.push_back(std::move(model));
  }
  if (p.models.empty()) models_node.fail("at least one model is needed");
}

/// `enums`: label -> value tables, by name.
void parse_enums(const yaml::Node& enums, Profile& p) {
  yaml::Map em(enums);
  for (const auto& name : enums.keys()) {
    const auto entry = *em.optional(name);
    yaml::Map lm(entry);
    auto& table = p.enums[name];
    for (const auto& label : entry.keys()) {
      table[label] = static_cast<std::uint16_t>(lm.optional(label)->as_int(0, 65535));
    }
    lm.finish();
  }
  em.finish();
}

/// `flags`: label -> bit tables, by name; a bit once per table.
void parse_flags(const yaml::Node& flags, Profile& p) {
  yaml::Map fm(flags);
  for (const auto& name : flags.keys()) {
    const auto entry = *fm.optional(name);
    yaml::Map lm(entry);
    auto& table = p.flags[name];
    std::set<std::int64_t> bits;
    for (const auto& label : entry.keys()) {
      const auto bit_node = *lm.optional(label);
      const auto bit = bit_node.as_int(0, 15);
      if (!bits.insert(bit).second) {
        bit_node.fail("bit " + std::to_string(bit) + " is used twice in flags." + name);
      }
      table[label] = static_cast<int>(bit);
    }
    lm.finish();
  }
  fm.finish();
}

/// A credit is one FC10 write of purchase_count and purchase_amount, a debit one of debit_count
/// and debit_amount: each pair must be complete, adjacent, on the same models, and fit one write.
void check_credit_registers(const Profile& p, const std::vector<Parsed>& circuit) {
  for (const auto& [count_name, amount_name, what] :
       {std::tuple{"purchase_count", "purchase_amount", "a credit"},
        std::tuple{"debit_count", "debit_amount", "a debit"}}) {
    const auto* count = p.circuit_register(count_name);
    const auto* amount = p.circuit_register(amount_name);
    if (!count && !amount) continue;
    const auto node_of = [&](std::string_view name) {
      return std::find_if(circuit.begin(), circuit.end(),
                          [&](const Parsed& x) { return x.reg.name == name; });
    };
    const auto at = node_of(amount ? amount_name : count_name);
    if (!count || !amount) {
      at->node.fail(std::string(count_name) + " and " + amount_name + " come together (" + what +
                    " is one write of both); add the missing one or remove this one");
    }
    const std::string name(amount_name);
    if (amount->address != count->address + count->words || amount->stride != count->stride) {
      at->node.fail(name + " must directly follow " + count_name + " (base " +
                    std::to_string(count->address + count->words) + ", stride " +
                    std::to_string(count->stride) + ") so " + what + " is one write");
    }
    if (amount->phases != count->phases) {
      at->node.fail(name + " and " + count_name +
                    " must have the same `phases`, so every model that has one has both");
    }
    if (count->words + amount->words > p.max_write) {
      at->node.fail(std::string(what) + " write needs " +
                    std::to_string(count->words + amount->words) + " registers but max_write is " +
                    std::to_string(p.max_write));
    }
  }
}

/// Kind energy_only: a meter that meters only has no prepaid register, and has the energy it is
/// read for.
void check_energy_only(const yaml::Node& kind_node, const std::vector<Parsed>& circuit) {
  for (const auto& c : circuit) {
    if (contains(kPrepaidRegisters, c.reg.name)) {
      c.node.fail("register " + c.reg.name + " is a prepaid meter's, and this profile is " +
                  "`kind: energy_only` (read for energy, never billed nor commanded); remove " +
                  "the register, or drop `kind: energy_only` if the device is prepaid");
    }
  }
  const bool has_energy = std::any_of(circuit.begin(), circuit.end(),
                                      [](const Parsed& c) { return c.reg.name == "energy_total"; });
  if (!has_energy) {
    kind_node.fail(
        "a profile of kind energy_only is read for its energy; add the circuit "
        "register energy_total");
  }
}

}  // namespace

Profile parse_profile(const yaml::Node& root) {
  yaml::Map m(root);
  unknown_keys_first(m, {"profile", "kind", "description", "word_order", "max_read", "max_write",
                         "models", "enums", "flags", "box", "circuit", "timing"});
  Profile p;
  p.source = root.mark().file;
  p.id = m.required("profile").as_string();
  const auto kind_node = m.optional("kind");
  if (kind_node && kind_node->as_choice({"prepaid", "energy_only"}) == "energy_only") {
    p.kind = MeterKind::kEnergyOnly;
  }
  if (auto d = m.optional("description")) p.description = d->as_string();
  p.word_order = parse_word_order(m.required("word_order"));
  p.max_read = static_cast<int>(m.required("max_read").as_int(1, 125));
  p.max_write = static_cast<int>(m.required("max_write").as_int(1, 123));

  parse_models(m, p);
  if (auto enums = m.optional("enums")) parse_enums(*enums, p);
  if (auto flags = m.optional("flags")) parse_flags(*flags, p);

  if (auto timing = m.optional("timing")) p.timing = parse_timing(*timing);

  const auto box = parse_registers(m.required("box"), false, p);
  const auto circuit = parse_registers(m.required("circuit"), true, p);
  m.finish();

  for (const auto& model : p.models)
    check_overlaps(box, circuit, model);

  for (const auto& b : box)
    p.box.push_back(b.reg);
  for (const auto& c : circuit)
    p.circuit.push_back(c.reg);

  check_credit_registers(p, circuit);
  if (p.energy_only()) check_energy_only(*kind_node, circuit);
  return p;
}

Profile load_profile_file(const std::string& path) {
  const auto doc = yaml::Document::load_file(path);
  return parse_profile(doc.root());
}

Profile load_profile(const std::string& dir, const std::string& id) {
  const auto path = (std::filesystem::path(dir) / (id + ".yaml")).string();
  const auto doc = yaml::Document::load_file(path);
  auto p = parse_profile(doc.root());
  if (p.id != id) {
    yaml::Map m(doc.root());
    m.required("profile").fail("file " + path + " declares profile \"" + p.id + "\", expected \"" +
                               id + "\"; rename the file or correct `profile`");
  }
  return p;
}

std::vector<devices::ModelCircuits> model_circuits(const Profile& profile) {
  std::vector<devices::ModelCircuits> out;
  for (const auto& m : profile.models)
    out.push_back({m.name, m.circuits, profile.energy_only()});
  return out;
}

std::vector<devices::ModelCircuits> load_model_circuits(const std::string& dir) {
  std::vector<devices::ModelCircuits> out;
  for (const auto& f : devices::profile_files(dir)) {
    for (auto& m : model_circuits(load_profile_file(f)))
      out.push_back(std::move(m));
  }
  return out;
}

}  // namespace phil::meterlink
