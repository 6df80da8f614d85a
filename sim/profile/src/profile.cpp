#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include <phil/common/decimal.hpp>
#include <phil/common/text.hpp>
#include <phil/sim/messages.hpp>
#include <phil/sim/profile.hpp>
#include <phil/sim/strict_keys.hpp>

namespace phil::sim {

namespace {

// What the simulator needs of each canonical register to serve it.
enum class Shape : std::uint8_t { kNumber, kBcd, kRaw };
// Field order keeps the one-byte fields together (no padding between the views).
struct Known {
  std::string_view name;
  std::string_view unit;  // required unit; "" = none
  Shape shape;
  bool money;    // yuan, scale 0.01 or finer
  bool prepaid;  // a prepaid meter's only: a profile of kind energy_only must not have it
};

constexpr Known kBoxKnown[] = {
    {"model", "", Shape::kNumber, false, false},     {"circuits", "", Shape::kNumber, false, false},
    {"address", "", Shape::kNumber, false, false},   {"baud", "bps", Shape::kNumber, false, false},
    {"clock", "s", Shape::kNumber, false, false},    {"password", "", Shape::kNumber, false, false},
    {"tou_schedule", "", Shape::kRaw, false, false},
};

constexpr Known kCircuitKnown[] = {
    {"energy_total", "kWh", Shape::kNumber, false, false},
    {"energy_sharp", "kWh", Shape::kNumber, false, false},
    {"energy_peak", "kWh", Shape::kNumber, false, false},
    {"energy_flat", "kWh", Shape::kNumber, false, false},
    {"energy_valley", "kWh", Shape::kNumber, false, false},
    {"voltage", "V", Shape::kNumber, false, false},
    {"current", "A", Shape::kNumber, false, false},
    {"power", "W", Shape::kNumber, false, false},
    {"power_factor", "", Shape::kNumber, false, false},
    {"status", "", Shape::kNumber, false, true},
    {"balance", "yuan", Shape::kNumber, true, true},
    {"relay", "", Shape::kNumber, false, true},
    {"mode", "", Shape::kNumber, false, true},
    {"purchase_count", "", Shape::kNumber, false, true},
    {"purchase_amount", "yuan", Shape::kNumber, true, true},
    {"purchase_total", "yuan", Shape::kNumber, true, true},
    {"debit_count", "", Shape::kNumber, false, true},
    {"debit_amount", "yuan", Shape::kNumber, true, true},
    {"debit_total", "yuan", Shape::kNumber, true, true},
    {"alarm1_threshold", "yuan", Shape::kNumber, true, true},
    {"alarm2_threshold", "yuan", Shape::kNumber, true, true},
    {"overload_threshold", "W", Shape::kNumber, false, true},
    {"price_sharp", "yuan/kWh", Shape::kNumber, false, true},
    {"price_peak", "yuan/kWh", Shape::kNumber, false, true},
    {"price_flat", "yuan/kWh", Shape::kNumber, false, true},
    {"price_valley", "yuan/kWh", Shape::kNumber, false, true},
    {"serial", "", Shape::kBcd, false, false},
    // Per phase, three-phase models only (`phases: 3`).
    {"voltage_a", "V", Shape::kNumber, false, false},
    {"voltage_b", "V", Shape::kNumber, false, false},
    {"voltage_c", "V", Shape::kNumber, false, false},
    {"current_a", "A", Shape::kNumber, false, false},
    {"current_b", "A", Shape::kNumber, false, false},
    {"current_c", "A", Shape::kNumber, false, false},
    {"power_a", "W", Shape::kNumber, false, false},
    {"power_b", "W", Shape::kNumber, false, false},
    {"power_c", "W", Shape::kNumber, false, false},
};

bool per_phase(std::string_view name) {
  return name.size() > 2 && name[name.size() - 2] == '_' &&
         (name.starts_with("voltage_") || name.starts_with("current_") ||
          name.starts_with("power_")) &&
         (name.back() == 'a' || name.back() == 'b' || name.back() == 'c');
}

template <std::size_t N>
std::vector<std::string_view> names_of(const Known (&table)[N]) {
  std::vector<std::string_view> out;
  for (const auto& k : table)
    out.push_back(k.name);
  return out;
}

std::string join(const std::vector<std::string_view>& items) {
  std::string out;
  for (auto s : items) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

template <std::size_t N>
const Known* find_known(const Known (&table)[N], std::string_view name) {
  for (const auto& k : table) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

WordOrder parse_word_order(const yaml::Node& n) {
  return n.as_choice({"high_first", "low_first"}) == "high_first" ? WordOrder::kHighFirst
                                                                  : WordOrder::kLowFirst;
}

std::string non_empty(const yaml::Node& n) {
  std::string s = n.as_string();
  if (s.empty()) n.fail(text::format(text::Id::kEmptyText, n.path()));
  return s;
}

/// `type` (its shape must be the name's) and `words` (implied by a number type, or given).
void parse_type_and_words(yaml::Map& m, Register& r, const Known& known) {
  const yaml::Node type_node = m.required("type");
  const std::string type = type_node.as_choice({"u16", "i16", "u32", "i32", "bcd", "raw"});
  static const std::map<std::string, RegType, std::less<>> kTypes = {
      {"u16", RegType::kU16}, {"i16", RegType::kI16}, {"u32", RegType::kU32},
      {"i32", RegType::kI32}, {"bcd", RegType::kBcd}, {"raw", RegType::kRaw}};
  r.type = kTypes.at(type);
  const Shape shape = r.type == RegType::kBcd   ? Shape::kBcd
                      : r.type == RegType::kRaw ? Shape::kRaw
                                                : Shape::kNumber;
  if (shape != known.shape) {
    const char* allowed = known.shape == Shape::kBcd   ? "bcd"
                          : known.shape == Shape::kRaw ? "raw"
                                                       : "u16, i16, u32 or i32";
    type_node.fail(text::format(text::Id::kWrongRegisterType, r.name, allowed));
  }
  const int implied = (r.type == RegType::kU32 || r.type == RegType::kI32) ? 2 : 1;
  if (auto w = m.optional("words")) {
    r.words = static_cast<int>(w->as_int(1, 64));
    if (shape == Shape::kNumber && r.words != implied) {
      w->fail(text::format(text::Id::kWrongWords, type, r.words));
    }
  } else if (shape != Shape::kNumber) {
    type_node.fail(text::format(text::Id::kWordsRequired, type));
  } else {
    r.words = implied;
  }
}

/// `scale` and `unit`: the unit is the name's, and money needs whole fen.
void parse_scale_and_unit(yaml::Map& m, const yaml::Node& node, Register& r, const Known& known) {
  if (auto s = m.optional("scale")) {
    const std::string text_value = s->as_string();
    const auto e = parse_power_of_ten(text_value);
    if (!e) s->fail(text::format(text::Id::kScaleNotPowerOfTen, text_value));
    if (*e < -9 || *e > 9) {
      s->fail(phil::text::format(phil::text::Id::kYamlOutOfRange, text_value, "0.000000001",
                                 "1000000000"));
    }
    r.scale_exp = *e;
  }
  const auto unit_node = m.optional("unit");
  if (unit_node) {
    r.unit = unit_node->as_choice({"kWh", "W", "V", "A", "yuan", "yuan/kWh", "s", "bps"});
  }
  if (r.unit != known.unit) {
    const yaml::Node& where = unit_node ? *unit_node : node;
    where.fail(text::format(text::Id::kWrongUnit, r.name,
                            known.unit.empty() ? "(none)" : known.unit,
                            r.unit.empty() ? "(none)" : r.unit));
  }
  if (known.money && r.scale_exp > -2) {
    node.fail(text::format(text::Id::kMoneyTooCoarse, r.name));
  }
}

/// `access`, and the `enum` (with the labels the name needs) or `flags` naming the values.
void parse_access_and_labels(yaml::Map& m, Register& r, const Profile& p) {
  const std::string access = m.required("access").as_choice({"R", "RW", "W"});
  r.access = access == "R" ? Access::kR : access == "RW" ? Access::kRW : Access::kW;
  if (auto e = m.optional("enum")) {
    r.enum_name = e->as_string();
    if (!p.enums.contains(r.enum_name)) {
      e->fail(text::format(text::Id::kUnknownEnum, "enum", r.enum_name));
    }
    const auto& labels = p.enums.at(r.enum_name);
    const std::vector<std::string_view> needed =
        r.name == "mode"    ? std::vector<std::string_view>{"prepaid", "keep_power", "forced_off"}
        : r.name == "relay" ? std::vector<std::string_view>{"open", "closed"}
                            : std::vector<std::string_view>{};
    for (auto label : needed) {
      if (!labels.contains(std::string(label))) {
        e->fail(text::format(text::Id::kEnumMissingLabel, r.enum_name, label));
      }
    }
  }
  if (auto f = m.optional("flags")) {
    r.flags_name = f->as_string();
    if (!p.flags.contains(r.flags_name)) {
      f->fail(text::format(text::Id::kUnknownEnum, "flag set", r.flags_name));
    }
  }
}

/// A circuit register's `phases`: a model must have them, and per-phase registers need 3.
void parse_phases(yaml::Map& m, const yaml::Node& node, Register& r, const Profile& p) {
  const auto phases_node = m.optional("phases");
  if (phases_node) {
    r.phases = std::stoi(phases_node->as_choice({"1", "3"}));
    const bool any = std::any_of(p.models.begin(), p.models.end(),
                                 [&](const ModelInfo& model) { return model.phases == r.phases; });
    if (!any) phases_node->fail(text::format(text::Id::kNoModelWithPhases, r.phases, r.name));
  }
  if (per_phase(r.name) && r.phases != 3) {
    (phases_node ? *phases_node : node).fail(text::format(text::Id::kPerPhaseNeedsThree, r.name));
  }
}

// Register decoding; `circuit` selects base+stride instead of address.
Register parse_register(const yaml::Node& node, bool circuit, const Profile& p) {
  if (circuit) {
    reject_unknown_keys(node, {"name", "base", "stride", "type", "words", "word_order", "scale",
                               "unit", "access", "enum", "flags", "phases", "description"});
  } else {
    reject_unknown_keys(node, {"name", "address", "type", "words", "word_order", "scale", "unit",
                               "access", "enum", "flags", "description"});
  }
  yaml::Map m(node);
  Register r;
  r.mark = node.mark();
  r.key_path = node.path();
  const yaml::Node name_node = m.required("name");
  r.name = name_node.as_string();
  const Known* known = circuit ? find_known(kCircuitKnown, r.name) : find_known(kBoxKnown, r.name);
  if (known == nullptr) {
    name_node.fail(text::format(text::Id::kUnknownRegisterName, r.name,
                                join(circuit ? circuit_register_names() : box_register_names())));
  }
  if (circuit) {
    r.address = static_cast<std::uint16_t>(m.required("base").as_int(0, 0xFFFF));
    r.stride = static_cast<std::uint16_t>(m.required("stride").as_int(1, 0xFFFF));
  } else {
    r.address = static_cast<std::uint16_t>(m.required("address").as_int(0, 0xFFFF));
  }

  parse_type_and_words(m, r, *known);

  r.word_order = p.word_order;
  if (auto wo = m.optional("word_order")) r.word_order = parse_word_order(*wo);
  parse_scale_and_unit(m, node, r, *known);
  parse_access_and_labels(m, r, p);
  if (circuit) parse_phases(m, node, r, p);
  if (auto d = m.optional("description")) (void)d->as_string();
  m.finish();
  return r;
}

std::vector<Register> parse_registers(const yaml::Node& list, bool circuit, const Profile& p) {
  std::vector<Register> out;
  for (const auto& item : list.elements()) {
    Register r = parse_register(item, circuit, p);
    for (const auto& other : out) {
      if (other.name == r.name) {
        item.fail(text::format(text::Id::kDuplicateName, "register", r.name));
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

struct Span {
  std::uint32_t first;
  std::uint32_t end;  // one past the last word
  const Register* reg;
  int circuit;  // 0 = box
  std::string label() const {
    return circuit == 0 ? "\"" + reg->name + "\""
                        : "\"" + reg->name + "\" of circuit " + std::to_string(circuit);
  }
};

void fail_at(const Register& r, const std::string& message) {
  throw yaml::ConfigError(r.mark, r.key_path, message);
}

// The map of one model: box registers and the circuit registers it has, for each of its circuits.
void check_model_layout(const Profile& p, const ModelInfo& model) {
  std::vector<Span> spans;
  auto add = [&](const Register& r, int circuit) {
    const std::uint32_t first = r.address_of(circuit == 0 ? 1 : circuit);
    const std::uint32_t end = first + static_cast<std::uint32_t>(r.words);
    if (end > 0x10000) fail_at(r, text::format(text::Id::kRegisterPastEnd, r.name, circuit));
    spans.push_back(Span{first, end, &r, circuit});
  };
  for (const auto& r : p.box)
    add(r, 0);
  for (int n = 1; n <= model.circuits; ++n) {
    for (const auto& r : p.circuit) {
      if (has_register(model, r)) add(r, n);
    }
  }
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.first < b.first; });
  for (std::size_t i = 1; i < spans.size(); ++i) {
    if (spans[i].first < spans[i - 1].end) {
      const Span& a = spans[i - 1];
      const Span& b = spans[i];
      // Report at whichever register is defined later in the file: that is usually the edit.
      const bool b_later = std::tie(b.reg->mark.line, b.reg->mark.column) >
                           std::tie(a.reg->mark.line, a.reg->mark.column);
      const Span& at = b_later ? b : a;
      const Span& other = b_later ? a : b;
      fail_at(*at.reg,
              text::format(text::Id::kRegisterOverlap, at.label(), other.label(), b.first));
    }
  }
}

void check_layout(const Profile& p) {
  for (const auto& model : p.models)
    check_model_layout(p, model);

  // A credit and a debit are each one write of a count and the amount right after it.
  for (const auto& [count_name, amount_name] :
       {std::pair{"purchase_count", "purchase_amount"}, std::pair{"debit_count", "debit_amount"}}) {
    const Register* count = p.find_circuit_register(count_name);
    const Register* amount = p.find_circuit_register(amount_name);
    if (count == nullptr && amount == nullptr) continue;
    const Register& where = count != nullptr ? *count : *amount;
    if (count == nullptr || amount == nullptr || amount->stride != count->stride ||
        amount->address != count->address + count->words) {
      fail_at(where, text::format(text::Id::kCreditNotAdjacent, count_name, amount_name));
    }
    if (!count->writable() || !amount->writable()) {
      fail_at(where, text::format(text::Id::kCreditNotWritable, count_name, amount_name));
    }
    if (count->phases != amount->phases) {
      fail_at(where, text::format(text::Id::kCreditPhasesDiffer, count_name, amount_name));
    }
  }
}

// Kind energy_only: no prepaid register, and the energy it is read for.
void check_kind(const Profile& p, const std::optional<yaml::Node>& kind_node) {
  if (!p.energy_only()) return;
  for (const auto& r : p.circuit) {
    if (find_known(kCircuitKnown, r.name)->prepaid) {
      fail_at(r, text::format(text::Id::kPrepaidInEnergyOnly, r.name));
    }
  }
  if (p.find_circuit_register("energy_total") == nullptr) {
    kind_node->fail(text::format(text::Id::kEnergyOnlyNoTotal));
  }
}

Timing parse_timing(const yaml::Node& node) {
  reject_unknown_keys(node, {"response_timeout", "turnaround"});
  yaml::Map m(node);
  Timing t;
  if (auto n = m.optional("response_timeout")) {
    t.response_timeout = n->as_duration(Millis(10), Millis(60'000));
  }
  if (auto n = m.optional("turnaround")) t.turnaround = n->as_duration(Millis(0), Millis(10'000));
  m.finish();
  return t;
}

}  // namespace

const std::vector<std::string_view>& box_register_names() {
  static const auto names = names_of(kBoxKnown);
  return names;
}

const std::vector<std::string_view>& circuit_register_names() {
  static const auto names = names_of(kCircuitKnown);
  return names;
}

const std::vector<std::string_view>& prepaid_register_names() {
  static const auto names = [] {
    std::vector<std::string_view> out;
    for (const auto& k : kCircuitKnown) {
      if (k.prepaid) out.push_back(k.name);
    }
    return out;
  }();
  return names;
}

const ModelInfo* Profile::find_model(std::string_view name) const {
  for (const auto& m : models) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

const Register* Profile::find_box_register(std::string_view name) const {
  for (const auto& r : box) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

const Register* Profile::find_circuit_register(std::string_view name) const {
  for (const auto& r : circuit) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

std::vector<const Register*> Profile::circuit_registers(const ModelInfo& m) const {
  std::vector<const Register*> out;
  for (const auto& r : circuit) {
    if (has_register(m, r)) out.push_back(&r);
  }
  return out;
}

const Register* Profile::find_circuit_register(const ModelInfo& m, std::string_view name) const {
  const Register* r = find_circuit_register(name);
  return r != nullptr && has_register(m, *r) ? r : nullptr;
}

int Profile::max_circuits() const {
  int n = 0;
  for (const auto& m : models)
    n = std::max(n, m.circuits);
  return n;
}

Profile parse_profile(const yaml::Node& root, std::string source) {
  reject_unknown_keys(root, {"profile", "kind", "description", "word_order", "max_read",
                             "max_write", "models", "enums", "flags", "box", "circuit", "timing"});
  yaml::Map m(root);
  Profile p;
  p.source = std::move(source);
  p.id = non_empty(m.required("profile"));
  const auto kind_node = m.optional("kind");
  if (kind_node && kind_node->as_choice({"prepaid", "energy_only"}) == "energy_only") {
    p.kind = Kind::kEnergyOnly;
  }
  if (auto d = m.optional("description")) p.description = d->as_string();
  p.word_order = parse_word_order(m.required("word_order"));
  p.max_read = static_cast<int>(m.required("max_read").as_int(1, 125));
  p.max_write = static_cast<int>(m.required("max_write").as_int(1, 123));

  const yaml::Node models = m.required("models");
  for (const auto& item : models.elements()) {
    reject_unknown_keys(item, {"name", "code", "circuits", "phases"});
    yaml::Map mm(item);
    ModelInfo info;
    info.name = non_empty(mm.required("name"));
    info.code = static_cast<std::uint16_t>(mm.required("code").as_int(0, 0xFFFF));
    info.circuits = static_cast<int>(mm.required("circuits").as_int(1, 64));
    const yaml::Node phases = mm.required("phases");
    info.phases = std::stoi(phases.as_choice({"1", "3"}));
    mm.finish();
    for (const auto& other : p.models) {
      if (other.name == info.name) {
        item.fail(text::format(text::Id::kDuplicateName, "model", info.name));
      }
      if (other.code == info.code) {
        item.fail(text::format(text::Id::kDuplicateName, "model code", info.code));
      }
    }
    p.models.push_back(std::move(info));
  }
  if (p.models.empty()) {
    models.fail(
        phil::text::format(phil::text::Id::kYamlWrongType, "at least one model", "an empty list"));
  }

  if (auto enums = m.optional("enums")) {
    yaml::Map em(*enums);
    for (const auto& name : enums->keys()) {
      const yaml::Node labels_node = *em.optional(name);
      yaml::Map lm(labels_node);
      auto& labels = p.enums[name];
      for (const auto& label : labels_node.keys()) {
        labels[label] = static_cast<std::uint16_t>(lm.optional(label)->as_int(0, 0xFFFF));
      }
      lm.finish();
    }
    em.finish();
  }
  if (auto flags = m.optional("flags")) {
    yaml::Map fm(*flags);
    for (const auto& name : flags->keys()) {
      const yaml::Node bits_node = *fm.optional(name);
      yaml::Map bm(bits_node);
      auto& bits = p.flags[name];
      std::uint32_t used = 0;
      for (const auto& label : bits_node.keys()) {
        const yaml::Node bit_node = *bm.optional(label);
        const int bit = static_cast<int>(bit_node.as_int(0, 15));
        if ((used & (1U << bit)) != 0) {
          bit_node.fail(text::format(text::Id::kDuplicateBit, bit));
        }
        used |= 1U << bit;
        bits[label] = bit;
      }
      bm.finish();
    }
    fm.finish();
  }

  if (auto timing = m.optional("timing")) p.timing = parse_timing(*timing);

  p.box = parse_registers(m.required("box"), false, p);
  p.circuit = parse_registers(m.required("circuit"), true, p);
  m.finish();
  check_layout(p);
  check_kind(p, kind_node);
  return p;
}

Profile load_profile_file(const std::string& path) {
  const auto doc = yaml::Document::load_file(path);
  return parse_profile(doc.root(), path);
}

std::map<std::string, Profile> load_profiles_dir(const std::string& dir) {
  std::map<std::string, Profile> out;
  for (const auto& f : devices::profile_files(dir)) {
    Profile p = load_profile_file(f);
    if (auto it = out.find(p.id); it != out.end()) {
      throw yaml::ConfigError(yaml::Mark{p.source, 0, 0}, "profile",
                              text::format(text::Id::kDuplicateProfile, p.id, it->second.source));
    }
    for (const auto& model : p.models) {
      if (auto ref = find_model(out, model.name)) {
        throw yaml::ConfigError(
            yaml::Mark{p.source, 0, 0}, "models",
            text::format(text::Id::kDuplicateModel, model.name, ref->profile->id));
      }
    }
    std::string id = p.id;
    out.emplace(std::move(id), std::move(p));
  }
  return out;
}

std::optional<ModelRef> find_model(const std::map<std::string, Profile>& profiles,
                                   std::string_view model_name) {
  for (const auto& [id, p] : profiles) {
    if (const ModelInfo* m = p.find_model(model_name)) return ModelRef{&p, m};
  }
  return std::nullopt;
}

std::vector<devices::ModelCircuits> model_circuits(const std::map<std::string, Profile>& profiles) {
  std::vector<devices::ModelCircuits> out;
  for (const auto& [id, p] : profiles) {
    for (const auto& m : p.models)
      out.push_back({m.name, m.circuits});
  }
  return out;
}

std::string register_map_csv(const Profile& profile, const ModelInfo& model) {
  const auto type_name = [](RegType t) -> std::string_view {
    switch (t) {
      case RegType::kU16:
        return "u16";
      case RegType::kI16:
        return "i16";
      case RegType::kU32:
        return "u32";
      case RegType::kI32:
        return "i32";
      case RegType::kBcd:
        return "bcd";
      case RegType::kRaw:
        break;
    }
    return "raw";
  };
  const auto scale_text = [](int e) {
    // Built by appending: GCC 12 at -O3 warns (-Wrestrict) on "0." + std::string(n, '0').
    std::string out = e >= 0 ? "1" : "0.";
    out.append(static_cast<std::size_t>(e >= 0 ? e : -e - 1), '0');
    if (e < 0) out += '1';
    return out;
  };
  const auto access_text = [](Access a) {
    return a == Access::kR ? "R" : a == Access::kRW ? "RW" : "W";
  };
  std::vector<std::pair<std::uint32_t, std::string>> rows;
  const auto add = [&](const Register& r, std::uint32_t address, const std::string& name) {
    rows.emplace_back(address,
                      fmt::format("{},{},{},{},{},{},{}", name, address, r.words, type_name(r.type),
                                  scale_text(r.scale_exp), r.unit, access_text(r.access)));
  };
  for (const auto& r : profile.box)
    add(r, r.address, r.name);
  for (int n = 1; n <= model.circuits; ++n) {
    for (const auto& r : profile.circuit) {
      if (has_register(model, r)) add(r, r.address_of(n), fmt::format("c{}.{}", n, r.name));
    }
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out = "name,address,words,type,scale,unit,access\n";
  for (const auto& [address, line] : rows)
    out += line + "\n";
  return out;
}

}  // namespace phil::sim
