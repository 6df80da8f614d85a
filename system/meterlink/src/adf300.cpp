#include <algorithm>
#include <array>
#include <cstddef>
#include <limits>
#include <span>
#include <stdexcept>
#include <utility>
#include <variant>

#include <phil/common/decimal.hpp>
#include <phil/meterlink/adf300.hpp>

namespace phil::meterlink {

namespace {

/// A command that cannot be put into registers: nothing is sent (see LinkErrorKind::kEncode).
LinkError cannot_encode(std::string why) {
  return LinkError{LinkErrorKind::kEncode, 0, std::move(why)};
}

/// The same error, as a request that was not sent says it.
LinkError not_sent(const LinkError& e) {
  return LinkError{e.kind, 0, "cannot encode the command: " + e.message};
}

std::optional<std::uint16_t> enum_value(const Profile& p, const Register& r,
                                        const std::string& label) {
  if (r.enum_name.empty()) return std::nullopt;
  const auto& table = p.enums.at(r.enum_name);
  const auto it = table.find(label);
  if (it == table.end()) return std::nullopt;
  return it->second;
}

std::optional<int> flag_bit(const Profile& p, const Register& r, const std::string& label) {
  if (r.flags_name.empty()) return std::nullopt;
  const auto& table = p.flags.at(r.flags_name);
  const auto it = table.find(label);
  if (it == table.end()) return std::nullopt;
  return it->second;
}

/// `value` (in the system's unit for the register: fen, 0.0001 yuan/kWh, W, or an enum value)
/// as an operator reads it: "12.34 yuan", "0.6000 yuan/kWh", "4000 W".
std::string in_units(std::int64_t value, const Register& r) {
  if (r.unit == "yuan") return format_decimal(value, 2) + " yuan";
  if (r.unit == "yuan/kWh") return format_decimal(value, 4) + " yuan/kWh";
  if (r.unit.empty()) return std::to_string(value);
  return std::to_string(value) + " " + r.unit;
}

/// The system's unit of a register's values: fen for yuan, 0.0001 yuan/kWh for prices, else
/// the register's unit unscaled.
int system_exp(const Register& r) {
  if (r.unit == "yuan") return -2;
  if (r.unit == "yuan/kWh") return -4;
  return 0;
}

/// The largest value register `r` holds, in the system's unit (rounded down).
std::int64_t max_in_system_units(const Register& r) {
  const auto raw = max_integer(r.type);
  if (!raw) return 0;
  return rescale(*raw, r.scale_exp, system_exp(r))
      .value_or(std::numeric_limits<std::int64_t>::max());
}

bool is_integer(ValueType t) {
  return t != ValueType::kRaw && t != ValueType::kBcd;
}

/// The one write of a counted pair (a credit or a debit): count then amount, from the count's
/// address. nullopt if the circuit is out of range or the amount (fen, > 0) does not fit.
std::optional<Adf300Driver::CreditFrame> counted_frame(const Register& count_reg,
                                                       const Register& amount_reg, int circuits,
                                                       int circuit, std::uint16_t count,
                                                       std::int64_t amount_fen) {
  if (circuit < 1 || circuit > circuits || amount_fen <= 0) return std::nullopt;
  const auto raw_amount = rescale(amount_fen, -2, amount_reg.scale_exp);
  if (!raw_amount) return std::nullopt;
  auto values = encode_integer(count, count_reg.type, count_reg.word_order);
  const auto amount = encode_integer(*raw_amount, amount_reg.type, amount_reg.word_order);
  if (!values || !amount) return std::nullopt;
  values->insert(values->end(), amount->begin(), amount->end());
  return Adf300Driver::CreditFrame{static_cast<std::uint16_t>(count_reg.address_for(circuit)),
                                   std::move(*values)};
}

/// `reg` of `circuit` as a field read as `q`.
Field tagged(const Register& reg, int circuit, Adf300Driver::Quantity q) {
  auto f = field_of(reg, circuit);
  f.tag = static_cast<std::uint8_t>(q);
  return f;
}

}  // namespace

static_assert(static_cast<std::size_t>(Adf300Driver::Quantity::kPurchaseTotal) ==
                  Adf300Driver::kPollRegisters.size(),
              "one Quantity per poll register, in kPollRegisters' order");

Adf300Driver::Quantity Adf300Driver::quantity_of(std::string_view name) {
  for (std::size_t i = 0; i < kPollRegisters.size(); ++i) {
    if (kPollRegisters[i] == name) return static_cast<Quantity>(i + 1);
  }
  return Quantity::kNone;
}

Adf300Driver::Adf300Driver(const Profile& profile, const std::string& model)
    : profile_id_(profile.id), model_(model), max_read_(profile.max_read) {
  const auto where = "profile " + profile.id + ", model " + model + ": ";
  const auto* m = profile.model(model);
  if (!m) {
    throw std::invalid_argument(where + "no such model; known models: " + profile.model_names());
  }
  circuits_ = m->circuits;
  model_code_ = m->code;
  energy_only_ = profile.energy_only();
  if (energy_only_) {
    plan_metering(profile, *m, where);
  } else {
    plan_prepaid(profile, *m, where);
  }
  max_write_ = profile.max_write;
  if (const auto* r = profile.circuit_register("serial"); r && r->words <= max_read_) {
    serial_ = *r;
    std::vector<Field> serials;
    for (int c = 1; c <= circuits_; ++c)
      serials.push_back(field_of(*r, c));
    serial_plan_ = plan_reads(std::move(serials), max_read_);
  }
  for (auto [name, reg] :
       {std::pair{"model", &model_reg_}, std::pair{"circuits", &circuits_reg_}}) {
    const auto* r = profile.box_register(name);
    if (r && is_integer(r->type) && r->access != Access::kWrite && r->words <= max_read_) *reg = *r;
  }
  if (const auto* r = profile.box_register("clock");
      r && is_integer(r->type) && r->access == Access::kReadWrite && r->scale_exp == 0) {
    clock_ = *r;
  }
  if (const auto* r = profile.box_register("tou_schedule");
      r && r->access != Access::kRead && r->words >= 2 && r->words <= max_write_) {
    tou_ = *r;
  }
}

void Adf300Driver::plan_prepaid(const Profile& profile, const Model& m, const std::string& where) {
  auto need = [&](std::string_view name) -> const Register& {
    const auto* r = profile.circuit_register(name);
    if (!r) {
      throw std::invalid_argument(where + "circuit register " + std::string(name) +
                                  " is missing; the driver needs it. Add it to the profile");
    }
    if (!is_integer(r->type)) {
      throw std::invalid_argument(where + "circuit register " + std::string(name) +
                                  " must be an integer type (u16, i16, u32, i32)");
    }
    return *r;
  };
  if (need("power").unit != "W") {
    throw std::invalid_argument(where + "register power must have unit W");
  }
  balance_ = need("balance");
  count_ = need("purchase_count");
  amount_ = need("purchase_amount");
  if (count_.type != ValueType::kU16) {
    throw std::invalid_argument(where + "purchase_count must be u16");
  }
  if (amount_.address != count_.address + count_.words || amount_.stride != count_.stride) {
    throw std::invalid_argument(where + "purchase_amount must directly follow purchase_count");
  }
  // The debit pair is optional: a profile without it cannot take money back off a meter.
  const auto* debit_count = profile.circuit_register(m, "debit_count");
  const auto* debit_amount = profile.circuit_register(m, "debit_amount");
  if (debit_count && debit_amount) {
    if (debit_count->type != ValueType::kU16 || !is_integer(debit_amount->type) ||
        debit_amount->address != debit_count->address + debit_count->words ||
        debit_amount->stride != debit_count->stride) {
      throw std::invalid_argument(
          where + "debit_count must be u16, directly followed by an integer debit_amount");
    }
    debit_count_ = *debit_count;
    debit_amount_ = *debit_amount;
  }
  const auto& relay = need("relay");
  relay_closed_value_ = enum_value(profile, relay, "closed").value_or(1);
  const auto& mode = need("mode");
  mode_prepaid_ = enum_value(profile, mode, "prepaid");
  mode_keep_power_ = enum_value(profile, mode, "keep_power");
  mode_forced_off_ = enum_value(profile, mode, "forced_off");
  const auto& status = need("status");
  bit_alarm1_ = flag_bit(profile, status, "alarm1");
  bit_alarm2_ = flag_bit(profile, status, "alarm2");
  bit_arrears_ = flag_bit(profile, status, "arrears");
  bit_overload_ = flag_bit(profile, status, "overload");

  std::vector<Field> fields;
  for (int c = 1; c <= circuits_; ++c) {
    for (auto name : kPollRegisters)
      fields.push_back(tagged(need(name), c, quantity_of(name)));
  }
  poll_ = plan_reads(std::move(fields), profile.max_read);
  for (int c = 1; c <= circuits_; ++c) {
    for (auto name : kStateRegisters)
      state_fields_.push_back(tagged(need(name), c, quantity_of(name)));
  }
  for (auto name : {"purchase_count", "balance", "relay", "status"}) {
    credit_state_regs_.emplace_back(need(name), quantity_of(name));
  }
  if (debit_count_) credit_state_regs_.emplace_back(*debit_count_, Quantity::kDebitCount);
  for (auto name : {"mode", "alarm1_threshold", "alarm2_threshold", "overload_threshold",
                    "price_sharp", "price_peak", "price_flat", "price_valley"}) {
    const auto* r = profile.circuit_register(name);
    if (r && is_integer(r->type) && r->access != Access::kRead) setting_regs_.push_back(*r);
  }
}

void Adf300Driver::plan_metering(const Profile& profile, const Model& m, const std::string& where) {
  const auto regs = profile.metering(m);
  std::vector<std::pair<const Register*, Quantity>> wanted{
      {regs.energy_total, Quantity::kEnergyTotal},
      {regs.power, Quantity::kPower},
      {regs.voltage, Quantity::kVoltage},
      {regs.current, Quantity::kCurrent},
      {regs.energy_rates[0], Quantity::kEnergySharp},
      {regs.energy_rates[1], Quantity::kEnergyPeak},
      {regs.energy_rates[2], Quantity::kEnergyFlat},
      {regs.energy_rates[3], Quantity::kEnergyValley}};
  std::vector<Field> fields;
  for (const auto& [reg, quantity] : wanted) {
    if (reg == nullptr) continue;  // energy_total is always there (the profile decoder's rule)
    if (!is_integer(reg->type)) {
      throw std::invalid_argument(where + "circuit register " + reg->name +
                                  " must be an integer type (u16, i16, u32, i32)");
    }
    if (quantity == Quantity::kPower && reg->unit != "W") {
      throw std::invalid_argument(where + "register power must have unit W");
    }
    for (int c = 1; c <= circuits_; ++c)
      fields.push_back(tagged(*reg, c, quantity));
  }
  poll_ = plan_reads(std::move(fields), profile.max_read);
}

LinkResult<std::vector<std::string>> Adf300Driver::read_serials(ModbusMaster& master,
                                                                int slave) const {
  if (!serial_) {
    return LinkError{LinkErrorKind::kEncode, 0,
                     "profile " + profile_id_ + " has no circuit register serial"};
  }
  auto words = run(serial_plan_, master, slave);
  if (!words) return words.error();
  return decode_serials(words.value(), slave);
}

LinkResult<std::vector<std::string>> Adf300Driver::decode_serials(
    const std::vector<std::vector<std::uint16_t>>& block_words, int slave) const {
  if (!serial_) {
    return LinkError{LinkErrorKind::kEncode, 0,
                     "profile " + profile_id_ + " has no circuit register serial"};
  }
  std::vector<std::string> out(static_cast<std::size_t>(circuits_));
  static constexpr char kHex[] = "0123456789abcdef";
  for (const auto& f : serial_plan_.fields) {
    const auto w = field_words(serial_plan_, block_words, f);
    if (!w)
      return LinkError{LinkErrorKind::kBadReply, 0,
                       "serial of circuit " + std::to_string(f.circuit) + " missing"};
    std::string text;
    // BCD shows as its digits; any other type as hex: only equality matters.
    for (const auto word : *w) {
      for (int shift = 12; shift >= 0; shift -= 4)
        text += kHex[(word >> static_cast<unsigned>(shift)) & 0xF];
    }
    // A BCD serial with a nibble above 9 is no serial (an unprogrammed or failing meter): taken
    // as text it would look like a replaced meter and re-base its billing. The box did answer:
    // kBadReply, which callers do not take for a silent box.
    if (serial_->type == ValueType::kBcd &&
        text.find_first_not_of("0123456789") != std::string::npos) {
      return LinkError{LinkErrorKind::kBadReply, 0,
                       "slave " + std::to_string(slave) + ": serial of circuit " +
                           std::to_string(f.circuit) + " is not BCD (" + text +
                           "); check the meter, or the profile's serial register type"};
    }
    out[static_cast<std::size_t>(f.circuit - 1)] = std::move(text);
  }
  return out;
}

domain::ExpectedBox Adf300Driver::expected_identity() const {
  return domain::ExpectedBox{model_, model_code_, circuits_, 0};
}

LinkResult<domain::BoxIdentity> Adf300Driver::read_identity(ModbusMaster& master, int slave) const {
  if (!has_identity()) {
    return LinkError{LinkErrorKind::kEncode, 0,
                     "profile " + profile_id_ + " has no box registers model and circuits"};
  }
  const auto first = std::min(model_reg_->address, circuits_reg_->address);
  const auto end = std::max(model_reg_->address + model_reg_->words,
                            circuits_reg_->address + circuits_reg_->words);
  std::array<std::optional<std::int64_t>, 2> values;
  const std::array<const Register*, 2> regs{&*model_reg_, &*circuits_reg_};
  if (end - first <= max_read_) {
    auto r = master.read_registers(slave, first, static_cast<std::uint16_t>(end - first));
    if (!r) return r.error();
    for (std::size_t i = 0; i < regs.size(); ++i) {
      const auto at = static_cast<std::size_t>(regs[i]->address - first);
      if (r.value().size() < at + static_cast<std::size_t>(regs[i]->words)) continue;
      const auto words = std::span<const std::uint16_t>(r.value()).subspan(
          at, static_cast<std::size_t>(regs[i]->words));
      values[i] = decode_integer(words, regs[i]->type, regs[i]->word_order);
    }
  } else {
    for (std::size_t i = 0; i < regs.size(); ++i) {
      auto r = master.read_registers(slave, regs[i]->address,
                                     static_cast<std::uint16_t>(regs[i]->words));
      if (!r) return r.error();
      if (r.value().size() == static_cast<std::size_t>(regs[i]->words)) {
        values[i] = decode_integer(r.value(), regs[i]->type, regs[i]->word_order);
      }
    }
  }
  if (!values[0] || !values[1] || *values[0] < 0 || *values[0] > 65535 || *values[1] < 0 ||
      *values[1] > 65535) {
    return LinkError{
        LinkErrorKind::kBadReply, 0,
        "slave " + std::to_string(slave) + ": the model and circuits registers do not decode"};
  }
  return domain::BoxIdentity{static_cast<int>(*values[0]), static_cast<int>(*values[1])};
}

LinkResult<std::int64_t> Adf300Driver::read_clock(ModbusMaster& master, int slave) const {
  if (!clock_) {
    return LinkError{LinkErrorKind::kEncode, 0,
                     "profile " + profile_id_ + " has no writable box register clock"};
  }
  auto r = master.read_registers(slave, clock_->address, static_cast<std::uint16_t>(clock_->words));
  if (!r) return r.error();
  const auto v = r.value().size() == static_cast<std::size_t>(clock_->words)
                     ? decode_integer(r.value(), clock_->type, clock_->word_order)
                     : std::nullopt;
  if (!v) {
    return LinkError{LinkErrorKind::kBadReply, 0,
                     "slave " + std::to_string(slave) + ": clock register does not decode"};
  }
  return *v;
}

std::optional<Adf300Driver::CreditFrame> Adf300Driver::clock_frame(
    std::int64_t local_seconds) const {
  if (!clock_) return std::nullopt;
  auto words = encode_integer(local_seconds, clock_->type, clock_->word_order);
  if (!words) return std::nullopt;
  return CreditFrame{clock_->address, std::move(*words)};
}

LinkResult<Adf300Driver::CreditFrame> Adf300Driver::tou_frame(
    const std::vector<domain::DailyPeriod>& periods) const {
  if (!tou_)
    return cannot_encode("profile " + profile_id_ + " has no writable box register tou_schedule");
  const auto rows = static_cast<std::size_t>(tou_->words / 2);
  if (periods.empty() || periods.size() > rows) {
    return cannot_encode("the TOU table has " + std::to_string(periods.size()) +
                         " periods; the box holds 1.." + std::to_string(rows));
  }
  std::vector<std::uint16_t> words(static_cast<std::size_t>(tou_->words), 0);
  for (std::size_t i = 0; i < rows; ++i) {
    const auto& p = periods[std::min(i, periods.size() - 1)];
    words[2 * i] = static_cast<std::uint16_t>((p.start_minute / 60) * 100 + p.start_minute % 60);
    words[2 * i + 1] = static_cast<std::uint16_t>(p.rate);
  }
  return CreditFrame{tou_->address, std::move(words)};
}

LinkResult<void> Adf300Driver::write_box_setting(ModbusMaster& master, int slave,
                                                 const domain::CommandPayload& payload,
                                                 std::int64_t local_seconds) const {
  auto frame = box_frame(payload, local_seconds);
  if (!frame) return not_sent(frame.error());
  return master.write_registers(slave, frame->start, frame->values);
}

LinkResult<bool> Adf300Driver::box_setting_applied(ModbusMaster& master, int slave,
                                                   const domain::CommandPayload& payload,
                                                   std::int64_t local_seconds) const {
  if (std::holds_alternative<domain::ClockPayload>(payload)) {
    auto c = read_clock(master, slave);
    if (!c) return c.error();
    return c.value() >= local_seconds - 2 && c.value() <= local_seconds + 2;
  }
  const auto frame = box_frame(payload, local_seconds);
  if (!frame) return not_sent(frame.error());
  auto r =
      master.read_registers(slave, frame->start, static_cast<std::uint16_t>(frame->values.size()));
  if (!r) return r.error();
  return r.value() == frame->values;
}

LinkResult<Adf300Driver::CreditFrame> Adf300Driver::box_frame(const domain::CommandPayload& payload,
                                                              std::int64_t local_seconds) const {
  if (const auto* t = std::get_if<domain::TouSchedulePayload>(&payload))
    return tou_frame(t->periods);
  if (std::holds_alternative<domain::ClockPayload>(payload)) {
    if (auto frame = clock_frame(local_seconds)) return std::move(*frame);
    return cannot_encode("profile " + profile_id_ +
                         " has no writable clock register that holds the time");
  }
  return cannot_encode("command kind " + std::string(domain::to_string(domain::kind_of(payload))) +
                       " is not a box command");
}

const Register* Adf300Driver::setting(std::string_view name) const {
  for (const auto& r : setting_regs_) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

LinkResult<std::vector<Adf300Driver::CreditFrame>> Adf300Driver::setting_frames(
    const domain::CommandPayload& payload, int circuit) const {
  // (register name, value in the unit the system keeps: fen, W, 0.0001 yuan/kWh, enum value)
  std::vector<std::pair<std::string_view, std::int64_t>> values;
  if (const auto* m = std::get_if<domain::ModePayload>(&payload)) {
    const auto mode = domain::target_mode(m->relay);
    std::optional<std::uint16_t> v = mode == domain::MeterMode::kPrepaid     ? mode_prepaid_
                                     : mode == domain::MeterMode::kKeepPower ? mode_keep_power_
                                     : mode == domain::MeterMode::kForcedOff ? mode_forced_off_
                                                                             : std::nullopt;
    if (!v) {
      return cannot_encode("the profile's mode enum has no value for " +
                           std::string(domain::to_string(mode)));
    }
    values.emplace_back("mode", *v);
  } else if (const auto* t = std::get_if<domain::ThresholdsPayload>(&payload)) {
    values = {{"alarm1_threshold", t->alarm1_fen},
              {"alarm2_threshold", t->alarm2_fen},
              {"overload_threshold", t->overload_w}};
  } else if (const auto* p = std::get_if<domain::PricePayload>(&payload)) {
    values = {{"price_sharp", p->prices[0]},
              {"price_peak", p->prices[1]},
              {"price_flat", p->prices[2]},
              {"price_valley", p->prices[3]}};
  } else {
    return cannot_encode("command kind " +
                         std::string(domain::to_string(domain::kind_of(payload))) +
                         " is not a per-circuit setting");
  }
  if (circuit < 1 || circuit > circuits_) {
    return cannot_encode("circuit " + std::to_string(circuit) + " is not on " + model_);
  }
  std::vector<std::pair<std::uint16_t, std::vector<std::uint16_t>>> regs;
  for (const auto& [name, value] : values) {
    const auto* r = setting(name);
    if (!r) {
      return cannot_encode("profile " + profile_id_ + " has no writable register " +
                           std::string(name));
    }
    const bool scaled = name != "mode";  // enum values are written as they are
    const int from_exp = system_exp(*r);
    const auto raw = scaled ? rescale(value, from_exp, r->scale_exp) : std::optional(value);
    // Exact only: a value finer than the register's scale would be cut on the way.
    const bool exact = raw && (!scaled || rescale(*raw, r->scale_exp, from_exp) == value);
    const auto words = exact ? encode_integer(*raw, r->type, r->word_order) : std::nullopt;
    if (!words) {
      return cannot_encode(
          std::string(name) + " " + in_units(value, *r) + " does not fit the meter's register (" +
          std::string(to_string(r->type)) + ", at most " + in_units(max_in_system_units(*r), *r) +
          (exact ? "" : ", in steps of its scale") + ")");
    }
    regs.emplace_back(static_cast<std::uint16_t>(r->address_for(circuit)), *words);
  }
  std::sort(regs.begin(), regs.end());
  std::vector<CreditFrame> frames;
  for (auto& [start, words] : regs) {
    auto& last = frames.empty() ? frames.emplace_back() : frames.back();
    const bool adjacent = !last.values.empty() && last.start + last.values.size() == start &&
                          last.values.size() + words.size() <= static_cast<std::size_t>(max_write_);
    if (last.values.empty() || adjacent) {
      if (last.values.empty()) last.start = start;
      last.values.insert(last.values.end(), words.begin(), words.end());
    } else {
      frames.push_back({start, words});
    }
  }
  return frames;
}

LinkResult<void> Adf300Driver::write_setting(ModbusMaster& master, int slave, int circuit,
                                             const domain::CommandPayload& payload) const {
  const auto frames = setting_frames(payload, circuit);
  if (!frames) return not_sent(frames.error());
  for (const auto& f : *frames) {
    if (auto r = master.write_registers(slave, f.start, f.values); !r) return r;
  }
  return {};
}

LinkResult<bool> Adf300Driver::setting_applied(ModbusMaster& master, int slave, int circuit,
                                               const domain::CommandPayload& payload) const {
  const auto frames = setting_frames(payload, circuit);
  if (!frames) return not_sent(frames.error());
  for (const auto& f : *frames) {
    auto r = master.read_registers(slave, f.start, static_cast<std::uint16_t>(f.values.size()));
    if (!r) return r.error();
    if (r.value() != f.values) return false;
  }
  if (const auto* m = std::get_if<domain::ModePayload>(&payload)) {
    auto s = read_credit_state(master, slave, circuit);
    if (!s) return s.error();
    const auto mode = domain::target_mode(m->relay);  // the mode register matched above
    return domain::mode_confirmed(m->relay, mode, s.value().relay_closed);
  }
  return true;
}

LinkResult<std::vector<std::vector<std::uint16_t>>> Adf300Driver::run(const ReadPlan& plan,
                                                                      ModbusMaster& master,
                                                                      int slave) const {
  std::vector<std::vector<std::uint16_t>> out;
  out.reserve(plan.blocks.size());
  for (const auto& b : plan.blocks) {
    auto r = read_block(master, slave, b);
    if (!r) return r.error();
    out.push_back(std::move(r.value()));
  }
  return out;
}

LinkResult<std::vector<std::uint16_t>> Adf300Driver::read_block(ModbusMaster& master, int slave,
                                                                const Block& block) {
  auto r = master.read_registers(slave, block.start, block.count);
  if (!r) return r.error();
  if (r.value().size() != block.count) {
    return LinkError{LinkErrorKind::kBadReply, 0,
                     "slave " + std::to_string(slave) + " returned " +
                         std::to_string(r.value().size()) + " registers for a read of " +
                         std::to_string(block.count) + " at " + std::to_string(block.start)};
  }
  return r;
}

bool Adf300Driver::apply(const Field& f, std::int64_t raw, domain::MeterReading& r) const {
  auto scaled = [&](int to_exp, std::int64_t& dst) {
    const auto v = rescale(raw, f.scale_exp, to_exp);
    if (!v) return false;
    dst = *v;
    return true;
  };
  auto bit = [&](std::optional<int> b) {
    return b && ((raw >> static_cast<unsigned>(*b)) & 1) != 0;
  };
  switch (static_cast<Quantity>(f.tag)) {
    case Quantity::kEnergyTotal:
      return scaled(-3, r.energy_wh);  // kWh -> Wh
    case Quantity::kPower:
      return scaled(0, r.power_w);
    case Quantity::kBalance:
      return scaled(-2, r.balance_fen);  // yuan -> fen
    case Quantity::kPurchaseAmount:
      return scaled(-2, r.purchase_amount_fen);
    case Quantity::kPurchaseTotal:
      return scaled(-2, r.purchase_total_fen);
    case Quantity::kRelay:
      r.relay_closed = raw == relay_closed_value_;
      break;
    case Quantity::kMode:
      r.mode = domain::MeterMode::kUnknown;
      if (mode_prepaid_ && raw == *mode_prepaid_) r.mode = domain::MeterMode::kPrepaid;
      if (mode_keep_power_ && raw == *mode_keep_power_) r.mode = domain::MeterMode::kKeepPower;
      if (mode_forced_off_ && raw == *mode_forced_off_) r.mode = domain::MeterMode::kForcedOff;
      break;
    case Quantity::kStatus:
      r.status_bits = static_cast<std::uint16_t>(raw & 0xFFFF);
      r.alarm1 = bit(bit_alarm1_);
      r.alarm2 = bit(bit_alarm2_);
      r.arrears = bit(bit_arrears_);
      r.overload = bit(bit_overload_);
      break;
    case Quantity::kPurchaseCount:
      r.purchase_count = static_cast<std::uint16_t>(raw & 0xFFFF);
      break;
    case Quantity::kDebitCount:
      r.debit_count = static_cast<std::uint16_t>(raw & 0xFFFF);
      break;
    case Quantity::kVoltage:
      return scaled(-1, r.voltage_dv);  // V -> 0.1 V
    case Quantity::kCurrent:
      return scaled(-3, r.current_ma);  // A -> mA
    case Quantity::kEnergySharp:
    case Quantity::kEnergyPeak:
    case Quantity::kEnergyFlat:
    case Quantity::kEnergyValley:
      return scaled(-3, r.rate_energy_wh.at(static_cast<std::size_t>(
                            f.tag - static_cast<std::uint8_t>(Quantity::kEnergySharp))));
    case Quantity::kNone:
      break;
  }
  return true;
}

bool Adf300Driver::decode_fields(const ReadPlan& plan,
                                 const std::vector<std::vector<std::uint16_t>>& words,
                                 std::vector<domain::MeterReading>& out) const {
  for (const auto& f : plan.fields) {
    const auto w = field_words(plan, words, f);
    if (!w || f.circuit < 1 || f.circuit > static_cast<int>(out.size())) return false;
    const auto raw = decode_integer(*w, f.type, f.word_order);
    if (!raw || !apply(f, *raw, out[static_cast<std::size_t>(f.circuit - 1)])) return false;
  }
  return true;
}

LinkError Adf300Driver::undecodable(int slave) const {
  return LinkError{LinkErrorKind::kBadReply, 0,
                   "slave " + std::to_string(slave) + " (" + model_ +
                       ") returned values that do not decode with profile " + profile_id_ +
                       "; check the profile against the device"};
}

std::optional<std::vector<domain::MeterReading>> Adf300Driver::decode_box(
    const std::vector<std::vector<std::uint16_t>>& block_words) const {
  std::vector<domain::MeterReading> out(static_cast<std::size_t>(circuits_));
  if (!decode_fields(poll_, block_words, out)) return std::nullopt;
  return out;
}

LinkResult<std::vector<domain::MeterReading>> Adf300Driver::read_box(ModbusMaster& master,
                                                                     int slave) const {
  auto words = run(poll_, master, slave);
  if (!words) return words.error();
  return decode_poll(words.value(), slave);
}

LinkResult<std::vector<domain::MeterReading>> Adf300Driver::decode_poll(
    const std::vector<std::vector<std::uint16_t>>& block_words, int slave) const {
  auto decoded = decode_box(block_words);
  if (!decoded) return undecodable(slave);
  return std::move(*decoded);
}

ReadPlan Adf300Driver::state_plan(const ReadCost& cost) const {
  if (state_fields_.empty()) return {};
  return plan_cheapest(state_fields_, max_read_, cost);
}

LinkResult<std::vector<domain::StateReading>> Adf300Driver::decode_states(
    const ReadPlan& plan, const std::vector<std::vector<std::uint16_t>>& block_words,
    int slave) const {
  std::vector<domain::MeterReading> readings(static_cast<std::size_t>(circuits_));
  if (!decode_fields(plan, block_words, readings)) return undecodable(slave);
  std::vector<domain::StateReading> out;
  out.reserve(readings.size());
  for (const auto& r : readings)
    out.push_back(domain::state_of(r));
  return out;
}

std::optional<Adf300Driver::CreditFrame> Adf300Driver::credit_frame(int circuit,
                                                                    std::uint16_t count,
                                                                    std::int64_t amount_fen) const {
  if (energy_only_) return std::nullopt;
  return counted_frame(count_, amount_, circuits_, circuit, count, amount_fen);
}

std::optional<Adf300Driver::CreditFrame> Adf300Driver::debit_frame(int circuit, std::uint16_t count,
                                                                   std::int64_t amount_fen) const {
  if (!debit_count_ || !debit_amount_) return std::nullopt;
  return counted_frame(*debit_count_, *debit_amount_, circuits_, circuit, count, amount_fen);
}

Adf300Driver::MoneyLimits Adf300Driver::money_limits() const {
  if (energy_only_) return {};
  return {max_in_system_units(amount_), max_in_system_units(balance_),
          debit_amount_ ? max_in_system_units(*debit_amount_) : 0};
}

LinkResult<void> Adf300Driver::check_command(const domain::CommandPayload& payload,
                                             int circuit) const {
  if (energy_only_) {
    return cannot_encode(model_ + " (profile " + profile_id_ +
                         ") is an energy meter: it is read for energy reports and never "
                         "commanded");
  }
  if (const auto* c = std::get_if<domain::CreditPayload>(&payload)) {
    if (credit_frame(circuit, 0, c->amount_fen)) return {};
    if (circuit < 1 || circuit > circuits_) {
      return cannot_encode("circuit " + std::to_string(circuit) + " is not on " + model_);
    }
    return cannot_encode("a credit of " + format_decimal(c->amount_fen, 2) +
                         " yuan does not fit the meter's purchase_amount register (" +
                         std::string(to_string(amount_.type)) + ", at most " +
                         format_decimal(money_limits().max_credit_fen, 2) + " yuan)");
  }
  if (const auto* d = std::get_if<domain::DebitPayload>(&payload)) {
    if (debit_frame(circuit, 0, d->amount_fen)) return {};
    if (circuit < 1 || circuit > circuits_) {
      return cannot_encode("circuit " + std::to_string(circuit) + " is not on " + model_);
    }
    if (!debit_amount_) {
      return cannot_encode("profile " + profile_id_ + " has no debit registers (debit_count, " +
                           "debit_amount) for " + model_ +
                           ": money on this meter cannot be taken back remotely");
    }
    return cannot_encode("a debit of " + format_decimal(d->amount_fen, 2) +
                         " yuan does not fit the meter's debit_amount register (" +
                         std::string(to_string(debit_amount_->type)) + ", at most " +
                         format_decimal(money_limits().max_debit_fen, 2) + " yuan)");
  }
  if (const auto* t = std::get_if<domain::TouSchedulePayload>(&payload)) {
    auto frame = tou_frame(t->periods);
    if (!frame) return frame.error();
    return {};
  }
  if (std::holds_alternative<domain::ClockPayload>(payload)) {
    if (clock_) return {};
    return cannot_encode("profile " + profile_id_ + " has no writable box register clock");
  }
  auto frames = setting_frames(payload, circuit);
  if (!frames) return frames.error();
  return {};
}

LinkResult<void> Adf300Driver::write_credit(ModbusMaster& master, int slave, int circuit,
                                            std::uint16_t count, std::int64_t amount_fen) const {
  const auto frame = credit_frame(circuit, count, amount_fen);
  if (!frame) {
    return LinkError{LinkErrorKind::kEncode, 0,
                     "credit of " + std::to_string(amount_fen) + " fen to circuit " +
                         std::to_string(circuit) + " cannot be encoded for " + model_};
  }
  return master.write_registers(slave, frame->start, frame->values);
}

LinkResult<void> Adf300Driver::write_debit(ModbusMaster& master, int slave, int circuit,
                                           std::uint16_t count, std::int64_t amount_fen) const {
  const auto frame = debit_frame(circuit, count, amount_fen);
  if (!frame) {
    return LinkError{LinkErrorKind::kEncode, 0,
                     "debit of " + format_decimal(amount_fen, 2) + " yuan from circuit " +
                         std::to_string(circuit) + " cannot be encoded for " + model_};
  }
  return master.write_registers(slave, frame->start, frame->values);
}

LinkResult<CreditState> Adf300Driver::read_credit_state(ModbusMaster& master, int slave,
                                                        int circuit) const {
  if (energy_only_) {
    return cannot_encode(model_ + " (profile " + profile_id_ + ") has no credit registers");
  }
  std::vector<Field> fields;
  for (const auto& [reg, quantity] : credit_state_regs_)
    fields.push_back(tagged(reg, circuit, quantity));
  const auto plan = plan_reads(std::move(fields), max_read_);
  auto words = run(plan, master, slave);
  if (!words) return words.error();
  domain::MeterReading r;
  for (const auto& f : plan.fields) {
    const auto w = field_words(plan, words.value(), f);
    const auto raw = w ? decode_integer(*w, f.type, f.word_order) : std::nullopt;
    if (!raw || !apply(f, *raw, r)) {
      return LinkError{LinkErrorKind::kBadReply, 0, "cannot decode " + f.name + " read back"};
    }
  }
  return CreditState{r.purchase_count, r.debit_count, r.balance_fen, r.relay_closed,
                     r.status_bits,    r.alarm1,      r.alarm2,      r.arrears};
}

}  // namespace phil::meterlink
