#include <algorithm>
#include <functional>
#include <stdexcept>
#include <string_view>

#include <phil/common/serial.hpp>
#include <phil/sim/box.hpp>

#include "register_codec.hpp"

namespace phil::sim {

namespace {

using rtu::Exception;
using namespace codec;  // NOLINT(google-build-using-namespace): the box is the codec's user

constexpr std::int64_t kPowerFactorPermille = 1000;

}  // namespace

Box::Box(const Profile& profile, const ModelInfo& model, const BoxSpec& spec, int baud,
         TimePoint start, std::chrono::minutes utc_offset, std::uint64_t serial_base)
    : profile_(&profile),
      model_(&model),
      address_register_(static_cast<std::uint16_t>(spec.address)),
      baud_(baud),
      bus_baud_(baud),
      utc_offset_(utc_offset),
      serial_base_(serial_base),
      now_(start),
      drift_ppm_(spec.clock_drift_ppm),
      drift_since_(start),
      tou_(spec.tou),
      generation_(static_cast<std::size_t>(model.circuits), 0),
      held_status_(static_cast<std::size_t>(model.circuits), 0) {
  circuits_.reserve(static_cast<std::size_t>(model.circuits));
  for (int n = 1; n <= model.circuits; ++n) {
    CircuitSpec cs;
    if (auto it = spec.circuits.find(n); it != spec.circuits.end()) cs = it->second;
    cs.number = n;
    cs.phases = model.phases;
    cs.has_relay = !profile.energy_only();
    circuits_.emplace_back(cs, start, utc_offset);
    circuits_.back().set_tou(tou_);
  }

  for (const auto& r : profile.box) {
    slots_.push_back(Slot{r.address, r.address + static_cast<std::uint32_t>(r.words), &r, 0});
  }
  for (int n = 1; n <= model.circuits; ++n) {
    for (const auto& r : profile.circuit) {
      if (!has_register(model, r)) continue;  // e.g. per-phase registers on a single-phase box
      const std::uint32_t first = r.address_of(n);
      slots_.push_back(Slot{first, first + static_cast<std::uint32_t>(r.words), &r, n});
    }
  }
  std::sort(slots_.begin(), slots_.end(),
            [](const Slot& a, const Slot& b) { return a.first < b.first; });

  // Circuit blocks: registers of one stride whose bases lie within one stride of the block's
  // first base. Each circuit of the model owns one stride-long span of every block.
  std::vector<const Register*> by_base;
  for (const Register* r : profile.circuit_registers(model))
    by_base.push_back(r);
  std::sort(by_base.begin(), by_base.end(),
            [](const Register* a, const Register* b) { return a->address < b->address; });
  std::vector<std::pair<std::uint32_t, std::uint32_t>> blocks;  // (first base, stride)
  for (const Register* r : by_base) {
    const bool fits = !blocks.empty() && blocks.back().second == r->stride &&
                      r->address + static_cast<std::uint32_t>(r->words) <=
                          blocks.back().first + blocks.back().second;
    if (!fits) blocks.emplace_back(r->address, r->stride);
  }
  for (const auto& [first, stride] : blocks) {
    for (int n = 1; n <= model.circuits; ++n) {
      const std::uint32_t lo = first + static_cast<std::uint32_t>(n - 1) * stride;
      reserved_.emplace_back(lo, std::min<std::uint32_t>(lo + stride, 0x10000));
    }
  }
}

CircuitModel& Box::circuit(int n) {
  if (n < 1 || n > circuit_count()) throw std::out_of_range("no such circuit");
  return circuits_[static_cast<std::size_t>(n - 1)];
}

const CircuitModel& Box::circuit(int n) const {
  if (n < 1 || n > circuit_count()) throw std::out_of_range("no such circuit");
  return circuits_[static_cast<std::size_t>(n - 1)];
}

std::uint64_t Box::serial(int n) const {
  const auto g = static_cast<std::uint64_t>(generation_.at(static_cast<std::size_t>(n - 1)));
  return serial_base_ + static_cast<std::uint64_t>(n) + g * 100'000'000'000ULL;
}

void Box::set_powered(bool on) {
  powered_ = on;
  for (auto& c : circuits_)
    c.set_powered(on);
}

void Box::replace_meter(int n) {
  CircuitModel& old = circuit(n);
  CircuitSpec fresh;
  fresh.number = n;
  fresh.load = old.load();
  fresh.phases = old.phases();
  fresh.phase_split = old.phase_split();
  fresh.voltage_dv = old.voltage_dv();
  fresh.has_relay = old.has_relay();
  CircuitModel replacement(fresh, now_, utc_offset_);
  replacement.set_tou(tou_);
  replacement.set_powered(powered_);
  old = std::move(replacement);
  ++generation_[static_cast<std::size_t>(n - 1)];
  held_status_[static_cast<std::size_t>(n - 1)] = 0;
}

void Box::set_clock_drift_ppm(std::int64_t ppm) {
  clock_adjust_ms_ = clock_ms() - (now_.time_since_epoch().count() + utc_offset_.count() * 60'000);
  drift_since_ = now_;
  drift_ppm_ = ppm;
}

void Box::advance_to(TimePoint t) {
  if (t <= now_) return;
  now_ = t;
  for (auto& c : circuits_)
    c.advance_to(t);
}

std::uint16_t Box::status_bits(int n) const {
  if (!circuit(n).sets_status_bits()) return 0;
  const StatusFlags s = circuit(n).status();
  const Register* reg = profile_->find_circuit_register("status");
  const std::string set = reg != nullptr && !reg->flags_name.empty() ? reg->flags_name : "status";
  const auto flags = profile_->flags.find(set);
  const bool on[] = {s.alarm1,     s.alarm2,     s.arrears,   s.overload,
                     s.forced_off, s.keep_power, s.power_loss};
  static_assert(std::size(on) == std::size(kDerivedStatus));
  auto bits = held_status_.at(static_cast<std::size_t>(n - 1));
  int default_bit = 0;
  for (std::size_t i = 0; i < std::size(on); ++i) {
    int bit = default_bit++;
    if (flags != profile_->flags.end()) {
      const auto it = flags->second.find(std::string(kDerivedStatus[i]));
      if (it == flags->second.end()) continue;
      bit = it->second;
    }
    if (on[i]) bits = static_cast<std::uint16_t>(bits | (1U << bit));
  }
  return bits;
}

std::int64_t Box::clock_ms() const {
  const std::int64_t drift = (now_ - drift_since_).count() * drift_ppm_ / 1'000'000;
  return now_.time_since_epoch().count() + utc_offset_.count() * 60'000 + clock_adjust_ms_ + drift;
}

std::int64_t Box::clock_seconds() const {
  return floor_div(clock_ms(), 1000);
}

const Box::Slot* Box::find_slot(std::uint32_t address) const {
  auto it = std::upper_bound(slots_.begin(), slots_.end(), address,
                             [](std::uint32_t a, const Slot& s) { return a < s.first; });
  if (it == slots_.begin()) return nullptr;
  --it;
  return address < it->end ? &*it : nullptr;
}

bool Box::reserved(std::uint32_t address) const {
  return std::any_of(reserved_.begin(), reserved_.end(), [&](const auto& span) {
    return address >= span.first && address < span.second;
  });
}

std::int64_t Box::box_value(const Register& r) const {
  if (r.name == "model") return model_->code;
  if (r.name == "circuits") return model_->circuits;
  if (r.name == "address") return address_register_;
  if (r.name == "baud") return baud_;
  if (r.name == "clock") return clock_seconds();
  return 0;  // password: never disclosed
}

std::int64_t Box::circuit_value(const Register& r, int n) const {
  const CircuitModel& c = circuit(n);
  const std::string_view name = r.name;
  if (name == "energy_total") return c.energy_wh();
  if (auto rate = energy_rate(name)) return c.energy_wh(*rate);
  if (auto rate = price_rate(name)) return c.price(*rate);
  if (name == "voltage") return c.voltage_dv();
  if (name == "current") return c.current_ma();
  if (name == "power") return c.power_w();
  if (auto phase = phase_of(name, "voltage_")) return c.voltage_dv(*phase);
  if (auto phase = phase_of(name, "current_")) return c.current_ma(*phase);
  if (auto phase = phase_of(name, "power_")) return c.power_w(*phase);
  if (name == "power_factor") return kPowerFactorPermille;
  if (name == "status") return status_bits(n);
  if (name == "balance") return c.balance_fen();
  if (name == "relay")
    return enum_value(*profile_, r, c.relay_closed() ? "closed" : "open", c.relay_closed() ? 1 : 0);
  if (name == "mode") {
    for (const auto& [mode, label] : kModeLabels) {
      if (mode == c.mode()) return enum_value(*profile_, r, label, static_cast<std::int64_t>(mode));
    }
  }
  if (name == "purchase_count") return c.purchase_count();
  if (name == "purchase_amount") return c.last_purchase_fen();
  if (name == "purchase_total") return c.purchase_total_fen();
  if (name == "debit_count") return c.debit_count();
  if (name == "debit_amount") return c.last_debit_fen();
  if (name == "debit_total") return c.debit_total_fen();
  if (name == "alarm1_threshold") return c.alarm1_fen();
  if (name == "alarm2_threshold") return c.alarm2_fen();
  if (name == "overload_threshold") return c.overload_w();
  return 0;
}

std::vector<std::uint16_t> Box::encode(const Slot& slot) const {
  const Register& r = *slot.reg;
  if (!r.readable()) return std::vector<std::uint16_t>(static_cast<std::size_t>(r.words), 0);
  if (r.type == RegType::kRaw) {
    if (r.name == "tou_schedule") return encode_tou(tou_, r.words);
    return std::vector<std::uint16_t>(static_cast<std::size_t>(r.words), 0);
  }
  if (r.type == RegType::kBcd) return bcd_words(serial(slot.circuit), r.words);
  const std::int64_t model_value =
      slot.circuit == 0 ? box_value(r) : circuit_value(r, slot.circuit);
  return number_to_words(r, to_raw(r, model_value));
}

std::variant<std::vector<std::uint16_t>, rtu::Exception> Box::read(std::uint16_t start,
                                                                   std::uint16_t count) const {
  if (count < 1 || count > profile_->max_read) return Exception::kIllegalDataValue;
  const std::uint32_t end = std::uint32_t{start} + count;
  if (end > 0x10000) return Exception::kIllegalDataAddress;
  std::vector<std::uint16_t> out;
  out.reserve(count);
  for (std::uint32_t a = start; a < end;) {
    if (const Slot* s = find_slot(a)) {
      if (!s->reg->readable()) return Exception::kIllegalDataAddress;  // never disclosed
      const auto words = encode(*s);
      for (std::uint32_t w = a; w < s->end && w < end; ++w)
        out.push_back(words[w - s->first]);
      a = s->end;
    } else if (reserved(a)) {
      out.push_back(0);
      ++a;
    } else {
      return Exception::kIllegalDataAddress;
    }
  }
  return out;
}

std::optional<rtu::Exception> Box::write_counted(const std::vector<const Slot*>& touched,
                                                 std::uint16_t start,
                                                 std::span<const std::uint16_t> values) {
  // One write of one circuit's pair: count first, amount directly after it.
  const auto pair_is = [&](std::string_view count_name, std::string_view amount_name) {
    return touched.size() == 2 && touched[0]->reg->name == count_name &&
           touched[1]->reg->name == amount_name && touched[0]->circuit == touched[1]->circuit;
  };
  const bool credit = pair_is("purchase_count", "purchase_amount");
  if (!credit && !pair_is("debit_count", "debit_amount")) return Exception::kIllegalDataAddress;
  const auto words_of = [&](const Slot* s) {
    return values.subspan(s->first - start, static_cast<std::size_t>(s->reg->words));
  };
  const std::int64_t count = words_to_number(*touched[0]->reg, words_of(touched[0]));
  const auto amount =
      from_raw(*touched[1]->reg, words_to_number(*touched[1]->reg, words_of(touched[1])));
  if (count < 0 || count > 0xFFFF || !amount || *amount < 0) return Exception::kIllegalDataValue;
  CircuitModel& c = circuit(touched[0]->circuit);
  const auto n = static_cast<std::uint16_t>(count);
  if (credit) {
    if (!c.credit(n, *amount)) return Exception::kDeviceFailure;
    return std::nullopt;
  }
  switch (c.debit(n, *amount)) {
    case CircuitModel::DebitResult::kApplied:
      return std::nullopt;
    case CircuitModel::DebitResult::kWrongCount:
      return Exception::kDeviceFailure;
    case CircuitModel::DebitResult::kMoreThanBalance:
      break;
  }
  return Exception::kIllegalDataValue;
}

std::optional<rtu::Exception> Box::setting_action(const Slot& slot,
                                                  std::span<const std::uint16_t> words,
                                                  std::vector<Action>& actions) {
  const Register& r = *slot.reg;
  if (r.type == RegType::kRaw) {
    if (r.name != "tou_schedule") return Exception::kIllegalDataAddress;
    const auto tou = decode_tou(words);
    if (!tou) return Exception::kIllegalDataValue;
    actions.emplace_back([this, t = *tou] {
      tou_ = t;
      for (auto& c : circuits_)
        c.set_tou(t);
    });
    return std::nullopt;
  }
  if (r.type == RegType::kBcd) return Exception::kIllegalDataAddress;
  const auto value = from_raw(r, words_to_number(r, words));
  if (!value) return Exception::kIllegalDataValue;
  if (slot.circuit == 0) return box_action(r.name, *value, actions);
  return circuit_action(r, slot.circuit, *value, actions);
}

std::optional<rtu::Exception> Box::box_action(std::string_view name, std::int64_t v,
                                              std::vector<Action>& actions) {
  if (name == "address") {
    if (v < 1 || v > 247) return Exception::kIllegalDataValue;
    actions.emplace_back([this, v] { address_register_ = static_cast<std::uint16_t>(v); });
  } else if (name == "baud") {
    if (!serial::is_standard_baud(v)) {
      return Exception::kIllegalDataValue;
    }
    actions.emplace_back([this, v] { baud_ = v; });
  } else if (name == "clock") {
    actions.emplace_back([this, v] { clock_adjust_ms_ += (v - clock_seconds()) * 1000; });
  } else if (name == "password") {
    actions.emplace_back([] {});
  } else {
    return Exception::kIllegalDataAddress;
  }
  return std::nullopt;
}

std::optional<rtu::Exception> Box::circuit_action(const Register& r, int circuit_number,
                                                  std::int64_t v, std::vector<Action>& actions) {
  CircuitModel& c = circuit(circuit_number);
  const std::string_view name = r.name;
  if (name == "mode") {
    const auto mode = mode_from_raw(*profile_, r, v);
    if (!mode) return Exception::kIllegalDataValue;
    actions.emplace_back([&c, m = *mode] { c.set_mode(m); });
  } else if (auto rate = price_rate(name)) {
    if (v < 0) return Exception::kIllegalDataValue;
    actions.emplace_back([&c, rt = *rate, v] { c.set_price(rt, v); });
  } else if (name == "alarm1_threshold") {
    actions.emplace_back([&c, v] { c.set_alarm1_fen(v); });
  } else if (name == "alarm2_threshold") {
    actions.emplace_back([&c, v] { c.set_alarm2_fen(v); });
  } else if (name == "overload_threshold") {
    if (v < 0) return Exception::kIllegalDataValue;
    actions.emplace_back([&c, v] { c.set_overload_w(v); });
  } else {
    return Exception::kIllegalDataAddress;  // marked writable, but nothing a meter can set
  }
  return std::nullopt;
}

std::optional<rtu::Exception> Box::write(std::uint16_t start,
                                         std::span<const std::uint16_t> values) {
  if (values.empty() || values.size() > static_cast<std::size_t>(profile_->max_write)) {
    return Exception::kIllegalDataValue;
  }
  const std::uint32_t end = start + static_cast<std::uint32_t>(values.size());
  if (end > 0x10000) return Exception::kIllegalDataAddress;
  std::vector<const Slot*> touched;
  for (std::uint32_t a = start; a < end;) {
    const Slot* s = find_slot(a);
    if (s == nullptr || s->first < start || s->end > end || !s->reg->writable()) {
      return Exception::kIllegalDataAddress;
    }
    touched.push_back(s);
    a = s->end;
  }
  const auto is_counted = [](const Slot* s) {
    const std::string_view n = s->reg->name;
    return n == "purchase_count" || n == "purchase_amount" || n == "debit_count" ||
           n == "debit_amount";
  };
  if (std::any_of(touched.begin(), touched.end(), is_counted)) {
    return write_counted(touched, start, values);
  }
  // Validate every register into an action first, so a rejected write changes nothing.
  std::vector<Action> actions;
  for (const Slot* s : touched) {
    const auto words = values.subspan(s->first - start, static_cast<std::size_t>(s->reg->words));
    if (auto refused = setting_action(*s, words, actions)) return refused;
  }
  for (auto& act : actions)
    act();
  return std::nullopt;
}

std::vector<std::uint16_t> encode_tou(const TouSchedule& schedule, int words) {
  std::vector<std::uint16_t> out(static_cast<std::size_t>(words), 0);
  for (std::size_t i = 0; i + 1 < out.size(); i += 2) {
    const auto k = std::min<std::size_t>(i / 2, static_cast<std::size_t>(schedule.count - 1));
    const TouPeriod& p = schedule.periods[k];
    out[i] = static_cast<std::uint16_t>((p.start_minute / 60) * 100 + p.start_minute % 60);
    out[i + 1] = static_cast<std::uint16_t>(p.rate);
  }
  return out;
}

std::optional<TouSchedule> decode_tou(std::span<const std::uint16_t> words) {
  TouSchedule out;
  out.count = 0;
  const std::size_t entries = std::min<std::size_t>(words.size() / 2, TouSchedule::kMaxPeriods);
  if (entries == 0) return std::nullopt;
  bool increasing = true;
  for (std::size_t i = 0; i < entries; ++i) {
    const int hhmm = words[2 * i];
    const int rate = words[2 * i + 1];
    if (hhmm / 100 > 23 || hhmm % 100 > 59 || rate > 3) return std::nullopt;
    const auto minute = static_cast<std::int16_t>((hhmm / 100) * 60 + hhmm % 100);
    if (i > 0 && minute <= out.periods[static_cast<std::size_t>(out.count - 1)].start_minute) {
      increasing = false;
    }
    if (increasing) {
      out.periods[static_cast<std::size_t>(out.count++)] =
          TouPeriod{minute, static_cast<Rate>(rate)};
    }
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> answer(const std::map<int, Box*>& boxes,
                                                const rtu::Request& req) {
  const bool write = req.function == rtu::kWriteSingle || req.function == rtu::kWriteMultiple;
  const auto listening = [](const Box* b) { return b->powered() && b->hears_bus(); };
  if (req.address == rtu::kBroadcast) {
    if (!req.error && write) {
      for (const auto& [address, box] : boxes) {
        if (listening(box)) (void)box->write(req.start, req.values);
      }
    }
    return std::nullopt;
  }
  Box* found = nullptr;
  for (const auto& [address, box] : boxes) {
    if (box->address() == req.address && listening(box)) {
      found = box;
      break;
    }
  }
  if (found == nullptr) return std::nullopt;
  Box& box = *found;
  if (req.error) return rtu::encode_exception(req.address, req.function, *req.error);
  if (!write) {
    auto result = box.read(req.start, req.count);
    if (auto* values = std::get_if<std::vector<std::uint16_t>>(&result)) {
      return rtu::encode_read_response(req.address, req.function, *values);
    }
    return rtu::encode_exception(req.address, req.function, std::get<Exception>(result));
  }
  if (auto ex = box.write(req.start, req.values)) {
    return rtu::encode_exception(req.address, req.function, *ex);
  }
  if (req.function == rtu::kWriteSingle) {
    return rtu::encode_write_single_response(req.address, req.start, req.values.at(0));
  }
  return rtu::encode_write_multiple_response(req.address, req.start, req.count);
}

}  // namespace phil::sim
