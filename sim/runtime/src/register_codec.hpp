#pragma once
// The register codec of the simulated box: model units <-> raw register numbers <-> words, and
// the names of the registers the model serves. Private to phil_sim_runtime (box.cpp and
// box_inspect.cpp); the conversion contract is in box.hpp.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include <phil/sim/circuit_spec.hpp>
#include <phil/sim/profile.hpp>

namespace phil::sim::codec {

inline std::int64_t pow10(int k) {
  std::int64_t p = 1;
  for (int i = 0; i < k; ++i)
    p *= 10;
  return p;
}

inline std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// Exponent of the model unit relative to the register's unit (e.g. Wh in kWh: -3).
inline int model_exp(const Register& r) {
  if (r.unit == "kWh") return -3;
  if (r.unit == "yuan") return -2;
  if (r.unit == "yuan/kWh") return -4;
  if (r.unit == "V") return -1;
  if (r.unit == "A") return -3;
  if (r.name == "power_factor") return -3;
  return 0;
}

// Model value -> raw register value, floored. Saturates instead of overflowing; the result is
// truncated to the register width anyway.
inline std::int64_t to_raw(const Register& r, std::int64_t value) {
  const int d = model_exp(r) - r.scale_exp;
  if (d < 0) return floor_div(value, pow10(-d));
  std::int64_t out = 0;
  if (__builtin_mul_overflow(value, pow10(d), &out)) {
    return value < 0 ? INT64_MIN : INT64_MAX;
  }
  return out;
}

// Raw register value -> model value; nullopt if not exact or out of range.
inline std::optional<std::int64_t> from_raw(const Register& r, std::int64_t raw) {
  const int d = r.scale_exp - model_exp(r);
  if (d < 0) {
    const std::int64_t p = pow10(-d);
    if (raw % p != 0) return std::nullopt;
    return raw / p;
  }
  std::int64_t out = 0;
  if (__builtin_mul_overflow(raw, pow10(d), &out)) return std::nullopt;
  return out;
}

inline std::vector<std::uint16_t> number_to_words(const Register& r, std::int64_t raw) {
  const auto bits = static_cast<std::uint64_t>(raw);
  if (r.words == 1) return {static_cast<std::uint16_t>(bits & 0xFFFF)};
  const auto hi = static_cast<std::uint16_t>((bits >> 16) & 0xFFFF);
  const auto lo = static_cast<std::uint16_t>(bits & 0xFFFF);
  return r.word_order == WordOrder::kHighFirst ? std::vector<std::uint16_t>{hi, lo}
                                               : std::vector<std::uint16_t>{lo, hi};
}

inline std::int64_t words_to_number(const Register& r, std::span<const std::uint16_t> w) {
  switch (r.type) {
    case RegType::kU16:
      return w[0];
    case RegType::kI16:
      return static_cast<std::int16_t>(w[0]);
    default: {
      const std::uint32_t hi = r.word_order == WordOrder::kHighFirst ? w[0] : w[1];
      const std::uint32_t lo = r.word_order == WordOrder::kHighFirst ? w[1] : w[0];
      const std::uint32_t v = (hi << 16) | lo;
      if (r.type == RegType::kI32) return static_cast<std::int32_t>(v);
      return v;
    }
  }
}

inline std::vector<std::uint16_t> bcd_words(std::uint64_t value, int words) {
  std::vector<std::uint16_t> out(static_cast<std::size_t>(words));
  for (std::size_t i = out.size(); i-- > 0;) {
    std::uint16_t w = 0;
    for (int shift = 0; shift < 16; shift += 4) {
      w = static_cast<std::uint16_t>(w | ((value % 10) << shift));
      value /= 10;
    }
    out[i] = w;
  }
  return out;
}

// Value of `label` in the register's enum; the adf300l values when the register has no enum.
inline std::int64_t enum_value(const Profile& p, const Register& r, std::string_view label,
                               std::int64_t fallback) {
  if (r.enum_name.empty()) return fallback;
  const auto& labels = p.enums.at(r.enum_name);
  const auto it = labels.find(std::string(label));
  return it != labels.end() ? it->second : fallback;
}

constexpr std::pair<Mode, std::string_view> kModeLabels[] = {{Mode::kPrepaid, "prepaid"},
                                                             {Mode::kKeepPower, "keep_power"},
                                                             {Mode::kForcedOff, "forced_off"}};

/// "prepaid", "keep_power" or "forced_off": the mode's label in the adf300l enum.
inline std::string_view mode_name(Mode m) {
  for (const auto& [mode, label] : kModeLabels) {
    if (mode == m) return label;
  }
  return "prepaid";
}

inline std::optional<Mode> mode_from_raw(const Profile& p, const Register& r, std::int64_t raw) {
  for (const auto& [mode, label] : kModeLabels) {
    if (enum_value(p, r, label, static_cast<std::int64_t>(mode)) == raw) return mode;
  }
  return std::nullopt;
}

inline std::optional<Rate> price_rate(std::string_view name) {
  if (name == "price_sharp") return Rate::kSharp;
  if (name == "price_peak") return Rate::kPeak;
  if (name == "price_flat") return Rate::kFlat;
  if (name == "price_valley") return Rate::kValley;
  return std::nullopt;
}

// The phase of a per-phase register name: `prefix` followed by a, b or c.
inline std::optional<Phase> phase_of(std::string_view name, std::string_view prefix) {
  if (name.size() != prefix.size() + 1 || !name.starts_with(prefix)) return std::nullopt;
  switch (name.back()) {
    case 'a':
      return Phase::kA;
    case 'b':
      return Phase::kB;
    case 'c':
      return Phase::kC;
    default:
      return std::nullopt;
  }
}

inline std::optional<Rate> energy_rate(std::string_view name) {
  if (name == "energy_sharp") return Rate::kSharp;
  if (name == "energy_peak") return Rate::kPeak;
  if (name == "energy_flat") return Rate::kFlat;
  if (name == "energy_valley") return Rate::kValley;
  return std::nullopt;
}

/// The status flags the circuit model derives itself, in the default bit order (a profile
/// without a flag set numbers them from bit 0). Other labels of a profile's status flags (e.g.
/// not_opened) are never set by the model; a technician may hold them (Box::set_state).
inline constexpr std::string_view kDerivedStatus[] = {
    "alarm1", "alarm2", "arrears", "overload", "forced_off", "keep_power", "power_loss"};

}  // namespace phil::sim::codec
