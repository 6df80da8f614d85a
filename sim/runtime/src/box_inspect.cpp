// The box as a developer sees it through `adf300-sim ctl`: every register decoded (readings),
// state set by hand (set_state) and the registers a request touches named for traces
// (describe). What a read returns is encode()'s words, the same a Modbus master gets.
#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include <phil/common/decimal.hpp>
#include <phil/sim/box.hpp>
#include <phil/sim/load.hpp>

#include "register_codec.hpp"

namespace phil::sim {

namespace {

using namespace codec;  // NOLINT(google-build-using-namespace): the box is the codec's user

constexpr std::string_view kRateNames[] = {"sharp", "peak", "flat", "valley"};

std::string hex16(std::uint32_t v) {
  constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out = "0x";
  for (int shift = 12; shift >= 0; shift -= 4)
    out += kDigits[(v >> static_cast<unsigned>(shift)) & 0xFU];
  return out;
}

// The range of the register's number, by type.
std::pair<std::int64_t, std::int64_t> raw_range(const Register& r) {
  switch (r.type) {
    case RegType::kU16:
      return {0, std::numeric_limits<std::uint16_t>::max()};
    case RegType::kI16:
      return {std::numeric_limits<std::int16_t>::min(), std::numeric_limits<std::int16_t>::max()};
    case RegType::kU32:
      return {0, std::numeric_limits<std::uint32_t>::max()};
    case RegType::kI32:
      return {std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()};
    default:
      return {0, 0};
  }
}

// A raw number as text in the register's unit: "12.30" at 0.01, "9600" at 100.
std::string scaled_text(const Register& r, std::int64_t raw) {
  if (r.scale_exp < 0) return format_decimal(raw, -r.scale_exp);
  return std::to_string(raw * pow10(r.scale_exp));
}

// A register's number as a person reads it: its enum label, else the number at its scale.
std::string number_text(const Profile& p, const Register& r, std::int64_t raw) {
  if (!r.enum_name.empty()) {
    for (const auto& [label, v] : p.enums.at(r.enum_name)) {
      if (v == raw) return label;
    }
  }
  return scaled_text(r, raw);
}

std::string unit_suffix(const Register& r) {
  return r.unit.empty() ? "" : " " + r.unit;
}

std::string tou_text(const TouSchedule& t) {
  std::string out;
  for (int i = 0; i < t.count; ++i) {
    const TouPeriod& p = t.periods[static_cast<std::size_t>(i)];
    const int h = p.start_minute / 60;
    const int m = p.start_minute % 60;
    out += (i == 0 ? "" : ", ") + std::string(h < 10 ? "0" : "") + std::to_string(h) + ":" +
           (m < 10 ? "0" : "") + std::to_string(m) + " " +
           std::string(kRateNames[static_cast<std::size_t>(p.rate)]);
  }
  return out;
}

// "HH:MM=rate,HH:MM=rate,..." -> a schedule; nullopt if malformed.
std::optional<TouSchedule> parse_tou_text(std::string_view text) {
  TouSchedule out;
  out.count = 0;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    const auto eq = item.find('=');
    if (eq != 5 || item[2] != ':' || out.count == TouSchedule::kMaxPeriods) return std::nullopt;
    const auto hh = parse_decimal(item.substr(0, 2), 0);
    const auto mm = parse_decimal(item.substr(3, 2), 0);
    const auto rate = std::find(std::begin(kRateNames), std::end(kRateNames), item.substr(6));
    if (!hh || !mm || *hh < 0 || *hh > 23 || *mm < 0 || *mm > 59 || rate == std::end(kRateNames))
      return std::nullopt;
    const auto minute = static_cast<std::int16_t>(*hh * 60 + *mm);
    if (out.count > 0 &&
        minute <= out.periods[static_cast<std::size_t>(out.count - 1)].start_minute) {
      return std::nullopt;
    }
    out.periods[static_cast<std::size_t>(out.count++)] =
        TouPeriod{minute, static_cast<Rate>(rate - std::begin(kRateNames))};
  }
  if (out.count == 0) return std::nullopt;
  return out;
}

std::optional<bool> parse_flag(std::string_view v) {
  if (v == "1" || v == "on" || v == "true") return true;
  if (v == "0" || v == "off" || v == "false") return false;
  return std::nullopt;
}

bool is_counted(std::string_view name) {
  return name == "purchase_count" || name == "purchase_amount" || name == "debit_count" ||
         name == "debit_amount";
}

}  // namespace

std::vector<Box::Reading> Box::readings(int n) const {
  std::vector<const Register*> regs;
  if (n == 0) {
    for (const auto& r : profile_->box)
      regs.push_back(&r);
  } else {
    (void)circuit(n);  // throws for a bad circuit
    regs = profile_->circuit_registers(*model_);
  }
  std::vector<Reading> out;
  for (const Register* r : regs) {
    if (!r->readable()) continue;  // the password is never disclosed
    const std::uint32_t first = r->address_of(n == 0 ? 1 : n);
    const auto words = encode(Slot{first, first + static_cast<std::uint32_t>(r->words), r, n});
    Reading reading{r->name, "", r->unit, 0, r->writable()};
    if (r->type == RegType::kRaw) {
      reading.value = r->name == "tou_schedule" ? tou_text(decode_tou(words).value_or(tou_)) : "";
    } else if (r->type == RegType::kBcd) {
      std::string digits;
      for (const auto w : words) {
        for (int shift = 12; shift >= 0; shift -= 4)
          digits += static_cast<char>('0' + ((w >> static_cast<unsigned>(shift)) & 0xFU));
      }
      reading.value = digits;
    } else {
      reading.raw = words_to_number(*r, words);
      reading.value = number_text(*profile_, *r, reading.raw);
      if (!r->flags_name.empty()) {
        reading.value = hex16(static_cast<std::uint32_t>(reading.raw));
        for (const auto& [label, bit] : profile_->flags.at(r->flags_name)) {
          if ((reading.raw >> bit) & 1) reading.value += " " + label;
        }
      } else if (r->name == "clock") {
        // Local seconds since 1970 -> the instant they name at the site's offset.
        reading.value =
            format_timestamp(TimePoint(Millis(reading.raw * 1000)) - utc_offset_, utc_offset_);
        reading.unit.clear();
      }
    }
    out.push_back(std::move(reading));
  }
  return out;
}

std::optional<std::string> Box::set_state(int n, std::string_view name, std::string_view value) {
  CircuitModel* c = n == 0 ? nullptr : &circuit(n);  // throws for a bad circuit
  const std::string where = n == 0 ? "the box" : "circuit " + std::to_string(n);
  const Register* r =
      n == 0 ? profile_->find_box_register(name) : profile_->find_circuit_register(*model_, name);
  if (r == nullptr) {
    const Register* status = n == 0 ? nullptr : profile_->find_circuit_register(*model_, "status");
    const auto flags = status == nullptr || status->flags_name.empty()
                           ? profile_->flags.end()
                           : profile_->flags.find(status->flags_name);
    if (flags != profile_->flags.end()) {
      if (const auto bit = flags->second.find(std::string(name)); bit != flags->second.end()) {
        if (std::find(std::begin(kDerivedStatus), std::end(kDerivedStatus), name) !=
            std::end(kDerivedStatus)) {
          return "status flag " + std::string(name) +
                 " is derived by the model (from the balance, thresholds, mode, overload or "
                 "supply); set those instead";
        }
        const auto on = parse_flag(value);
        if (!on)
          return "flag " + std::string(name) + " takes 1 or 0 (on/off), not \"" +
                 std::string(value) + "\"";
        auto& held = held_status_[static_cast<std::size_t>(n - 1)];
        const auto mask = static_cast<std::uint16_t>(1U << bit->second);
        held = static_cast<std::uint16_t>(*on ? (held | mask) : (held & ~mask));
        return std::nullopt;
      }
    }
    return "no register or status flag \"" + std::string(name) + "\" on " + where + " of " +
           model_->name + "; `ctl show` lists them";
  }
  const std::string reg = r->name;
  if (is_counted(reg)) {
    return reg +
           " changes only with a credit or debit (count and amount in one write); sell through "
           "the system, or set the balance directly";
  }
  if (r->type == RegType::kRaw) {
    if (reg != "tou_schedule") return reg + " cannot be set";
    const auto tou = parse_tou_text(value);
    if (!tou) {
      return "tou_schedule takes up to 14 periods with increasing starts, like "
             "00:00=valley,08:00=peak,12:00=flat,18:00=sharp (rates sharp, peak, flat, valley)";
    }
    if (write(static_cast<std::uint16_t>(r->address), encode_tou(*tou, r->words))) {
      return "the box refused the TOU schedule";
    }
    return std::nullopt;
  }
  if (r->type == RegType::kBcd) return reg + " is the meter's serial; it changes with `replace`";

  // A number, an enum label or a timestamp -> the register's raw number, range-checked.
  std::int64_t raw = 0;
  if (!r->enum_name.empty()) {
    const auto& labels = profile_->enums.at(r->enum_name);
    std::string known;
    bool found = false;
    for (const auto& [label, v] : labels) {
      known += (known.empty() ? "" : ", ") + label;
      if (label == value) {
        raw = v;
        found = true;
      }
    }
    if (!found) return reg + " takes one of " + known + ", not \"" + std::string(value) + "\"";
  } else if (reg == "clock" && parse_timestamp(value)) {
    const auto t = parse_timestamp(value)->utc;
    raw = floor_div((t + utc_offset_).time_since_epoch().count(), 1000);
  } else {
    const int decimals = std::max(0, -r->scale_exp);
    const auto scaled = parse_decimal(value, decimals);
    const std::int64_t step = r->scale_exp > 0 ? pow10(r->scale_exp) : 1;
    if (!scaled || *scaled % step != 0) {
      return reg + " takes a number in " + (r->unit.empty() ? "units" : r->unit) +
             (decimals > 0 ? " with at most " + std::to_string(decimals) + " decimals"
              : step > 1   ? " in steps of " + std::to_string(step)
                           : "") +
             (reg == "clock" ? " (or a timestamp like 2026-03-01T08:00:00+08:00)" : "") +
             ", not \"" + std::string(value) + "\"";
    }
    raw = *scaled / step;
  }
  const auto [lo, hi] = raw_range(*r);
  if (raw < lo || raw > hi) {
    return reg + " " + std::string(value) + " is outside the register's range " +
           scaled_text(*r, lo) + ".." + scaled_text(*r, hi) + unit_suffix(*r);
  }
  const auto model_value = from_raw(*r, raw);
  if (!model_value) return reg + " " + std::string(value) + " is not exact in the model";

  if (reg == "balance") {
    (void)c->set_balance(*model_value);
    return std::nullopt;
  }
  if (reg == "energy_total" || energy_rate(reg)) {
    if (*model_value < 0) return reg + " cannot be negative";
    if (const auto rate = energy_rate(reg)) {
      c->set_energy(*rate, *model_value);
    } else {
      c->reset_energy(*model_value, tou_rate_at(tou_, now_, utc_offset_));
    }
    return std::nullopt;
  }
  if (reg == "relay") {
    if (!c->has_relay()) return "an energy meter has no relay";
    (void)c->set_relay(*model_value == enum_value(*profile_, *r, "closed", 1));
    return std::nullopt;
  }
  if (!r->writable()) {
    return reg + " is measured, not set: it follows the load (`ctl load`) and the supply";
  }
  const auto refused =
      write(static_cast<std::uint16_t>(r->address_of(n == 0 ? 1 : n)), number_to_words(*r, raw));
  if (!refused) return std::nullopt;
  return "the box refused " + reg + " = " + std::string(value) + " (exception " +
         std::to_string(static_cast<int>(*refused)) + ": " +
         (*refused == rtu::Exception::kIllegalDataValue ? "a value the register cannot take"
                                                        : "not a register it accepts writes to") +
         ")";
}

std::string Box::describe(const rtu::Request& req) const {
  const auto name_of = [](const Slot& s) {
    return (s.circuit == 0 ? "" : "c" + std::to_string(s.circuit) + ".") + s.reg->name;
  };
  std::vector<const Slot*> touched;
  const std::uint32_t end = std::uint32_t{req.start} + req.count;
  for (std::uint32_t a = req.start; a < end && a < 0x10000;) {
    if (const Slot* s = find_slot(a)) {
      touched.push_back(s);
      a = s->end;
    } else {
      ++a;
    }
  }
  if (touched.empty()) return "";
  const bool write = req.function == rtu::kWriteSingle || req.function == rtu::kWriteMultiple;
  if (!write) {
    if (touched.size() <= 3) {
      std::string out;
      for (const Slot* s : touched)
        out += (out.empty() ? "[" : ", ") + name_of(*s);
      return out + "]";
    }
    return "[" + name_of(*touched.front()) + " .. " + name_of(*touched.back()) + ", " +
           std::to_string(touched.size()) + " registers]";
  }
  // A write: each whole register it covers, decoded.
  const auto value_of = [&](const Slot& s) -> std::optional<std::int64_t> {
    if (s.first < req.start || s.end > end || s.reg->type == RegType::kRaw ||
        s.reg->type == RegType::kBcd) {
      return std::nullopt;
    }
    return words_to_number(
        *s.reg,
        std::span(req.values).subspan(s.first - req.start, static_cast<std::size_t>(s.reg->words)));
  };
  const auto text_of = [&](const Slot& s) {
    if (s.reg->name == "tou_schedule" && s.first >= req.start && s.end <= end) {
      const auto tou =
          decode_tou(std::span(req.values)
                         .subspan(s.first - req.start, static_cast<std::size_t>(s.reg->words)));
      return tou ? tou_text(*tou) : std::string("(invalid)");
    }
    const auto v = value_of(s);
    if (!v) return std::string("(partial)");
    return number_text(*profile_, *s.reg, *v) + unit_suffix(*s.reg);
  };
  if (touched.size() == 2 && touched[0]->circuit == touched[1]->circuit) {
    const std::string first = touched[0]->reg->name;
    const std::string second = touched[1]->reg->name;
    const bool credit = first == "purchase_count" && second == "purchase_amount";
    const bool debit = first == "debit_count" && second == "debit_amount";
    const auto count = value_of(*touched[0]);
    const auto amount = value_of(*touched[1]);
    if ((credit || debit) && count && amount) {
      return std::string("[") + (credit ? "credit" : "debit") + " c" +
             std::to_string(touched[0]->circuit) + " #" + std::to_string(*count) + " " +
             (credit ? "+" : "-") + scaled_text(*touched[1]->reg, *amount) +
             unit_suffix(*touched[1]->reg) + "]";
    }
  }
  std::string out = "[setting";
  for (std::size_t i = 0; i < touched.size(); ++i)
    out += (i == 0 ? " " : ", ") + name_of(*touched[i]) + "=" + text_of(*touched[i]);
  return out + "]";
}

}  // namespace phil::sim
