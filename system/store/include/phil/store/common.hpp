#pragma once
// What every role of the store shares (see store.hpp): the failure of the database, and the
// billing rules the polling and delivery paths pass in. Units as in phil/domain/money.hpp.
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include <phil/domain/status.hpp>

namespace phil::store {

/// The database failed (not a refusal): the message names the file, the statement and the cause.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What a poll or a confirmed command needs of the site to charge and derive statuses.
/// Who the system's own actions are recorded as (an operator id no person is given): host-side
/// trips and closes, and the charges of the poll path.
inline constexpr std::string_view kSystemOperator = "system";

struct BillingRules {
  std::int64_t price = 0;  ///< 0.0001 yuan/kWh
  int offline_after = domain::kDefaultOfflineAfter;
  /// Settings = the stored ones (issue 12.5): a meter's first answered poll (or the first after a
  /// detected swap) queues its stored thresholds unless it is known to hold them. Off only where
  /// the site file says so (`settings_at_first_contact: false`).
  bool settings_at_first_contact = true;
  /// The meters are plain energy meters (profile kind energy_only, issue 14 item 6): their
  /// readings are stored (readings, the meter's last values, so the roll-ups and energy reports
  /// have them), but they are never charged (not even on an account opened on them by mistake),
  /// their status is normal or offline only, and nothing is queued for them (no thresholds at
  /// first contact, no price download), nor is their balance checked.
  bool metering_only = false;
};

}  // namespace phil::store
