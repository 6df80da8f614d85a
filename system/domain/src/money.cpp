#include <phil/domain/money.hpp>

namespace phil::domain {

std::optional<Accrual> accrue(std::int64_t price, std::int64_t energy_wh, std::int64_t carry_in) {
  if (price < 0 || price > kMaxPrice) return std::nullopt;
  if (energy_wh < 0 || energy_wh > kMaxChargeEnergyWh) return std::nullopt;
  if (carry_in < 0 || carry_in >= kCostUnitsPerFen) return std::nullopt;
  const std::int64_t units = price * energy_wh + carry_in;
  return Accrual{units / kCostUnitsPerFen, units % kCostUnitsPerFen};
}

}  // namespace phil::domain
