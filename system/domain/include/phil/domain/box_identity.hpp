#pragma once
// Box identity (issue 12.8): what a box says it is (its `model` code and circuit count, read
// at its first contact and after a detected swap) against what the site file says it is, and
// what an on-site meter swap leaves to do. Pure rules; the store keeps the state and the
// service reads the box.
#include <cstdint>
#include <optional>
#include <string>

namespace phil::domain {

/// What a box reports of itself: its `model` register and its `circuits` register.
struct BoxIdentity {
  int model_code = 0;
  int circuits = 0;
  bool operator==(const BoxIdentity&) const = default;
};

/// What the site file says the box is: its model (name, and the code and circuit count the
/// profile gives that model) and the highest circuit the site configures on it.
struct ExpectedBox {
  std::string model;
  int model_code = 0;
  int circuits = 0;
  int highest_circuit = 0;
};

/// Why a box that reports `read` is not the box the site file expects, for an operator's
/// event row; nullopt when it agrees. A box an operator confirmed (`confirmed`: what it
/// reported then) agrees as long as it reports the same again. Checked: the model code, the
/// circuit count against the model's, and that every circuit the site configures exists.
std::optional<std::string> box_identity_mismatch(const ExpectedBox& expected,
                                                 const BoxIdentity& read,
                                                 const std::optional<BoxIdentity>& confirmed);

/// What a detected on-site meter swap leaves on the meter until an operator completes it
/// (`meter replace --in-place`): the balance the old device held at its last reading, to be
/// credited onto the new one. A host-side meter holds no money: nothing moves.
struct SwapAction {
  std::int64_t old_balance_fen = 0;  ///< the old device's balance register at its last reading
};

/// The money `meter replace --in-place` credits onto the new device: the old device's last
/// balance if the meter is meter-side and that balance is positive; else 0 (nothing moves).
std::int64_t swap_credit_fen(const SwapAction& action, bool meter_side);

}  // namespace phil::domain
