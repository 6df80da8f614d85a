#include <algorithm>

#include <phil/domain/box_identity.hpp>

namespace phil::domain {

std::optional<std::string> box_identity_mismatch(const ExpectedBox& expected,
                                                 const BoxIdentity& read,
                                                 const std::optional<BoxIdentity>& confirmed) {
  if (confirmed && *confirmed == read) return std::nullopt;
  const auto reports = "the box reports model code " + std::to_string(read.model_code) + " and " +
                       std::to_string(read.circuits) + " circuits";
  if (read.model_code != expected.model_code) {
    return reports + "; the site file says " + expected.model + " (model code " +
           std::to_string(expected.model_code) + ")";
  }
  if (read.circuits < expected.highest_circuit) {
    return reports + "; the site file configures circuit " +
           std::to_string(expected.highest_circuit);
  }
  if (read.circuits != expected.circuits) {
    return reports + "; model " + expected.model + " has " + std::to_string(expected.circuits) +
           " circuits";
  }
  return std::nullopt;
}

std::int64_t swap_credit_fen(const SwapAction& action, bool meter_side) {
  return meter_side ? std::max<std::int64_t>(0, action.old_balance_fen) : 0;
}

}  // namespace phil::domain
