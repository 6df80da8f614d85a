#pragma once
// Meter-side billing: the energy a meter used since the last billed reading is charged to its
// account at the site price with the carry rule of money.hpp. Pure.
#include <cstdint>
#include <optional>

namespace phil::domain {

enum class EnergyEvent : std::uint8_t {
  kNone,           ///< ordinary reading: the delta (possibly 0) is charged
  kBaseline,       ///< first reading since the account opened: it becomes the baseline, no charge
  kMeterReplaced,  ///< energy went backwards (meter replaced or reset): re-baseline, never charge
};

struct ChargeInputs {
  std::optional<std::int64_t> billed_energy_wh;  ///< reading billed up to; nullopt: none yet
  std::int64_t energy_wh = 0;                    ///< the new reading, Wh
  std::int64_t price = 0;                        ///< 0.0001 yuan/kWh
  std::int64_t carry = 0;                        ///< the meter's carried remainder, cost units
};

struct ChargePlan {
  EnergyEvent event = EnergyEvent::kNone;
  std::int64_t energy_wh = 0;         ///< energy charged now (>= 0)
  std::int64_t fen = 0;               ///< whole fen charged now (>= 0)
  std::int64_t carry = 0;             ///< remainder to carry forward
  std::int64_t billed_energy_wh = 0;  ///< new "billed up to" reading
};

/// Throws std::invalid_argument if the price or carry is out of the ranges of money.hpp (a
/// configuration or programming error).
ChargePlan plan_charge(const ChargeInputs& in);

}  // namespace phil::domain
