#pragma once
// Energy and money arithmetic of a simulated meter. Integers only: no floating point ever
// touches energy or money.
//
// THE ROUNDING RULE (the billing system applies the same rule on its side):
//   - Energy is integrated exactly in mJ (W x ms). The meter charges on every whole Wh.
//   - A price is in 0.0001 yuan/kWh. price x energy[Wh] = cost in units of 1e-5 fen
//     (0.0001 yuan/kWh = 0.01 fen / 1000 Wh = 1e-5 fen/Wh).
//   - Whole fen are taken from the balance as soon as they accrue; the sub-fen remainder
//     (0 <= remainder < 100000) carries forward to the next charge. It is never rounded up.
//   So the fen taken for a series of charges equals floor(price x total Wh / 100000) no matter
//   how the energy was split: many small charges sum exactly to the charge of their total.
#include <cstdint>

namespace phil::sim {

inline constexpr std::int64_t kMilliJoulePerWh = 3'600'000;  ///< 1 Wh = 3600 J
inline constexpr std::int64_t kSubFenPerFen = 100'000;       ///< cost unit: 1e-5 fen

/// Integrates power over time exactly and hands out whole Wh.
class EnergyIntegrator {
 public:
  /// Adds `power_w` (>= 0) drawn for `ms` (>= 0) milliseconds; returns the whole Wh completed.
  /// The caller keeps power_w * ms below ~9e18 (the model steps at most one day at a time).
  std::int64_t add(std::int64_t power_w, std::int64_t ms) {
    remainder_mj_ += power_w * ms;
    const std::int64_t wh = remainder_mj_ / kMilliJoulePerWh;
    remainder_mj_ %= kMilliJoulePerWh;
    return wh;
  }
  /// mJ accumulated towards the next whole Wh, in [0, 3'600'000).
  std::int64_t remainder_mj() const { return remainder_mj_; }

 private:
  std::int64_t remainder_mj_ = 0;
};

/// Turns whole Wh into whole fen by the rounding rule above.
class ChargeAccumulator {
 public:
  /// Charges `wh` (>= 0) at `price` (0.0001 yuan/kWh, >= 0); returns the whole fen to take now.
  std::int64_t charge(std::int64_t price, std::int64_t wh) {
    remainder_ += price * wh;
    const std::int64_t fen = remainder_ / kSubFenPerFen;
    remainder_ %= kSubFenPerFen;
    return fen;
  }
  /// Cost accrued but not yet taken, in 1e-5 fen, in [0, 100000).
  std::int64_t remainder() const { return remainder_; }

 private:
  std::int64_t remainder_ = 0;
};

}  // namespace phil::sim
