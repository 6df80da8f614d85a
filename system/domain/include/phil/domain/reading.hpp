#pragma once
// One circuit's measurement as the system stores it, in integer units (decoded from the
// meter's registers by meterlink according to the device profile).
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace phil::domain {

/// What the meter does with its relay (the profile's `mode` enum).
enum class MeterMode : std::uint8_t { kPrepaid, kKeepPower, kForcedOff, kUnknown };

/// "prepaid", "keep_power", "forced_off" or "unknown".
std::string_view to_string(MeterMode m);
std::optional<MeterMode> parse_meter_mode(std::string_view s);

struct MeterReading {
  std::int64_t energy_wh = 0;    ///< total imported energy, Wh
  std::int64_t power_w = 0;      ///< instantaneous power, W
  std::int64_t balance_fen = 0;  ///< balance the meter reports, fen (<= 0 in arrears)
  bool relay_closed = false;
  MeterMode mode = MeterMode::kUnknown;
  std::uint16_t status_bits = 0;  ///< raw status register (bit positions from the profile)
  bool alarm1 = false;            ///< status flags decoded by the profile's names
  bool alarm2 = false;
  bool arrears = false;
  /// The profile's `overload` flag: the meter tripped on overload (latched until a mode command)
  /// or draws above its threshold now. With the relay open it is an overload trip.
  bool overload = false;
  std::uint16_t purchase_count = 0;      ///< count of the last credit the meter accepted
  std::uint16_t debit_count = 0;         ///< count of the last debit (read with a credit state)
  std::int64_t purchase_amount_fen = 0;  ///< amount of that credit, fen
  std::int64_t purchase_total_fen = 0;   ///< all credits accepted, fen
  // What a plain energy meter's poll reads besides (profile kind energy_only: its metering
  // registers; 0 where the profile lacks one). A prepaid box's poll reads none of them.
  std::int64_t voltage_dv = 0;  ///< voltage, 0.1 V
  std::int64_t current_ma = 0;  ///< current, mA
  /// Energy of each time-of-use rate the meter keeps itself (sharp, peak, flat, valley), Wh.
  std::array<std::int64_t, 4> rate_energy_wh{};
};

/// What a status scan reads of a circuit between full readings (issue 14 item 7): the meter's
/// state without its counters. Each field as in MeterReading.
struct StateReading {
  std::int64_t balance_fen = 0;
  bool relay_closed = false;
  MeterMode mode = MeterMode::kUnknown;
  std::uint16_t status_bits = 0;
  bool alarm1 = false;
  bool alarm2 = false;
  bool arrears = false;
  bool overload = false;
  bool operator==(const StateReading&) const = default;
};

/// The state part of a full reading.
StateReading state_of(const MeterReading& r);
/// `r` with its state fields replaced by `s` (its counters and energy kept).
void apply_state(MeterReading& r, const StateReading& s);

}  // namespace phil::domain
