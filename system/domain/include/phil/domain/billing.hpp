#pragma once
// Meter-side billing: the energy a meter used since the last billed reading is charged to its
// account at the site price with the carry rule of money.hpp, or by a tariff schedule over the
// reading interval (tariff.hpp: TOU periods, midnight, tier steps, tariff changes). Pure.
#include <cstdint>
#include <optional>

#include <phil/common/time.hpp>
#include <phil/domain/tariff.hpp>

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

/// The reading interval of a tariff-priced charge and the meter's position in it.
struct TariffChargeInputs {
  std::optional<std::int64_t> billed_energy_wh;  ///< reading billed up to; nullopt: none yet
  std::int64_t energy_wh = 0;                    ///< the new reading, Wh
  std::int64_t carry = 0;                        ///< the meter's carried remainder, cost units
  TierState tier;                                ///< the tier position (the account's)
  TimePoint from{};  ///< when the billed reading was taken (the interval's start)
  TimePoint to{};    ///< when the new reading was taken; before `from` (clock set back): an
                     ///< instant at `to`
};

struct TariffChargePlan {
  ChargePlan plan;
  TierState tier;  ///< after the charge (unchanged on a baseline or a replaced meter)
};

/// As plan_charge, but the energy is priced by `schedule` over [from, to) with
/// charge_interval (energy spread evenly; cut at every price edge; carry through the pieces).
/// Throws std::invalid_argument on values out of range (as plan_charge).
TariffChargePlan plan_tariff_charge(const TariffSchedule& schedule, const TariffChargeInputs& in);

}  // namespace phil::domain
