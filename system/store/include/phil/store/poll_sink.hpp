#pragma once
// The poll sink role: where a bus worker's poll cycles go (readings, failed cycles, the serial
// numbers it read, the events its supervision raises). Each call is one transaction.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/domain/meter_id.hpp>
#include <phil/domain/reading.hpp>
#include <phil/store/common.hpp>

namespace phil::store {

/// The readings of one poll cycle of many boxes, stored in one transaction by record_cycle.
struct CycleBatch {
  std::vector<std::pair<domain::MeterId, domain::MeterReading>> readings;  ///< meters that answered
  std::vector<domain::MeterId> failed;  ///< meters of boxes that did not answer
};

class PollSink {
 public:
  virtual ~PollSink() = default;

  /// Stores the readings of one box taken at `at`: reading rows, the meters' last values,
  /// charges for the energy used since the last billed reading (the meter's tariff, else
  /// rules.price; carry rule; see record_cycle),
  /// "meter_replaced" events when energy went backwards, and the derived status.
  virtual void record_readings(
      const std::vector<std::pair<domain::MeterId, domain::MeterReading>>& readings, TimePoint at,
      const BillingRules& rules) = 0;
  /// Counts one failed poll cycle for each meter and updates its status.
  virtual void record_failed_cycle(const std::vector<domain::MeterId>& ids, TimePoint at,
                                   const BillingRules& rules) = 0;
  /// A whole poll cycle in one transaction: record_readings of every answering meter and
  /// record_failed_cycle of the others, with the same contracts; meters not configured here are
  /// skipped. Charges use the meter's tariffs (its own, else the site default, as assigned over
  /// time; see Tariffs::assign_tariff) over the interval since its last reading, with its account's
  /// tier position (meters of one account in one cycle count in reading order); where no tariff is
  /// assigned, rules.price (single price).
  virtual void record_cycle(const CycleBatch& cycle, TimePoint at, const BillingRules& rules) = 0;

  /// Records one event (e.g. "relay_mismatch", "clock_drift", "host_trip"); `meter` nullopt for
  /// a box or bus event (the details then name it).
  virtual void add_event(const std::optional<domain::MeterId>& meter, const std::string& kind,
                         const std::string& details, TimePoint at) = 0;
  /// Stores the serial numbers read from meters, in one transaction. Where a DIFFERENT serial
  /// was stored, the meter was replaced: a "meter_replaced" event with both serials, and its
  /// billing re-based (no baseline: the next reading becomes it, so the new meter's counters are
  /// never charged as negative or foreign use). Returns the meters found replaced.
  virtual std::vector<domain::MeterId> record_serials(
      const std::vector<std::pair<domain::MeterId, std::string>>& serials, TimePoint at) = 0;
};

}  // namespace phil::store
