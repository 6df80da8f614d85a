#include <algorithm>
#include <stdexcept>
#include <string>

#include <phil/domain/billing.hpp>
#include <phil/domain/money.hpp>

namespace phil::domain {

ChargePlan plan_charge(const ChargeInputs& in) {
  ChargePlan p;
  p.carry = in.carry;
  p.billed_energy_wh = in.energy_wh;
  if (!in.billed_energy_wh) {
    p.event = EnergyEvent::kBaseline;
    return p;
  }
  const std::int64_t delta = in.energy_wh - *in.billed_energy_wh;
  if (delta < 0) {
    p.event = EnergyEvent::kMeterReplaced;
    return p;
  }
  const auto a = accrue(in.price, delta, in.carry);
  if (!a) {
    throw std::invalid_argument("cannot charge " + std::to_string(delta) + " Wh at price " +
                                std::to_string(in.price) + " with carry " +
                                std::to_string(in.carry) + ": value out of range");
  }
  p.energy_wh = delta;
  p.fen = a->fen;
  p.carry = a->carry;
  return p;
}

TariffChargePlan plan_tariff_charge(const TariffSchedule& schedule, const TariffChargeInputs& in) {
  TariffChargePlan out;
  out.tier = in.tier;
  auto& p = out.plan;
  p.carry = in.carry;
  p.billed_energy_wh = in.energy_wh;
  if (!in.billed_energy_wh) {
    p.event = EnergyEvent::kBaseline;
    return out;
  }
  const std::int64_t delta = in.energy_wh - *in.billed_energy_wh;
  if (delta < 0) {
    p.event = EnergyEvent::kMeterReplaced;
    return out;
  }
  const TimePoint from = std::min(in.from, in.to);
  const auto c = charge_interval(schedule, from, in.to, delta, in.carry, in.tier);
  p.energy_wh = delta;
  p.fen = c.fen;
  p.carry = c.carry;
  out.tier = c.tier;
  return out;
}

}  // namespace phil::domain
