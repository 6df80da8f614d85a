#pragma once
// Units and THE rounding rule for money and energy. No floating point anywhere.
//
// Units:
//   - balances and amounts: int64 fen (0.01 yuan);
//   - prices: int64 in 0.0001 yuan/kWh (6000 = 0.6000 yuan/kWh);
//   - energy: int64 Wh.
//
// The rounding rule (the virtual meters deduct by the very same rule, per whole Wh):
//   cost accrues in "cost units" of 1e-5 fen, exactly price x Wh (0.0001 yuan/kWh x 1 Wh =
//   1e-7 yuan = 1e-5 fen). Whole fen are charged as they accrue; the sub-fen remainder (0 ..
//   99999 cost units) carries forward per meter and is never rounded up. Hence any split of an
//   energy total into charges sums exactly to the charge of the total:
//     accrue(p, a, c).fen + accrue(p, b, accrue(p, a, c).carry).fen == accrue(p, a + b, c).fen
#include <cstdint>
#include <optional>

namespace phil::domain {

/// Cost units (price x Wh) per fen.
inline constexpr std::int64_t kCostUnitsPerFen = 100'000;
/// Largest accepted price, 0.0001 yuan/kWh (1000 yuan/kWh): keeps price x Wh far from overflow.
inline constexpr std::int64_t kMaxPrice = 10'000'000;
/// Largest energy charged at once, Wh (1 TWh): keeps price x Wh within int64.
inline constexpr std::int64_t kMaxChargeEnergyWh = 900'000'000'000;

struct Accrual {
  std::int64_t fen = 0;    ///< whole fen to charge now, >= 0
  std::int64_t carry = 0;  ///< remainder in cost units carried forward, 0 .. kCostUnitsPerFen-1
};

/// Charges `energy_wh` (>= 0) at `price` (0.0001 yuan/kWh, >= 0) on top of `carry_in` cost units
/// (0 .. kCostUnitsPerFen-1). Returns nullopt if an argument is out of range.
std::optional<Accrual> accrue(std::int64_t price, std::int64_t energy_wh, std::int64_t carry_in);

}  // namespace phil::domain
