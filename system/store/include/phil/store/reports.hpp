#pragma once
// The reports' side of the store (issue 14 item 5): the daily per-meter roll-ups and the
// look-ups the reports are made of, so that no report scans the raw readings.
//
// The roll-ups (table meter_days) hold, per meter and local day of the site, the energy used by
// TOU rate (domain::spread_energy of each reading interval, by the daily periods of the tariff
// that charges the meter at the interval's end, flat without one) and the charges the ledger
// booked that day. They are written off the poll path: roll_up() takes whatever was read and
// charged since its last call (the collector calls it from its maintenance thread), and
// rebuild_rollups() makes them again from all the readings and the ledger, by the same code, so
// the two agree.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <phil/domain/reports.hpp>
#include <phil/store/common.hpp>

namespace phil::store {

/// What one roll-up pass took in.
struct RollupSummary {
  std::int64_t readings = 0;  ///< readings rolled up (a meter's first is only its start)
  std::int64_t charges = 0;   ///< charge entries of the ledger rolled up
};

class Reports {
 public:
  virtual ~Reports() = default;

  /// Rolls up the readings and charges stored since the last pass into meter_days (one
  /// transaction), days in `utc_offset`'s local time; a different offset than the roll-ups were
  /// made in rebuilds them. Throws StoreError on a database failure.
  virtual RollupSummary roll_up(std::chrono::minutes utc_offset) = 0;
  /// Drops the roll-ups and makes them again from every reading and charge, with the system log
  /// row of `actor` ("rebuild_reports"), in one transaction.
  virtual RollupSummary rebuild_rollups(const std::string& actor, std::chrono::minutes utc_offset,
                                        TimePoint at) = 0;
  /// The roll-ups of local days `from_day` .. `to_day` ("YYYY-MM-DD", both included), by day
  /// then meter.
  virtual std::vector<domain::MeterDay> meter_days(const std::string& from_day,
                                                   const std::string& to_day) const = 0;
  /// Sales, refunds and reversals booked in [from, to), and the debits (meter-side refunds and
  /// reversals) asked for in it and still waiting for their meter (pending), by time.
  virtual std::vector<domain::MoneyMove> money_moves(TimePoint from, TimePoint to) const = 0;
  /// Every meter's energy register as last read, Wh (meters never read are absent).
  virtual std::map<std::string, std::int64_t> meter_energies() const = 0;
};

}  // namespace phil::store
