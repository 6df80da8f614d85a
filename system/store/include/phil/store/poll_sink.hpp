#pragma once
// The poll sink role: where a bus worker's poll cycles go (readings, failed cycles, the serial
// numbers it read, the events its supervision raises). Each call is one transaction.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/domain/alarms.hpp>
#include <phil/domain/box_identity.hpp>
#include <phil/domain/meter_id.hpp>
#include <phil/domain/reading.hpp>
#include <phil/store/common.hpp>

namespace phil::store {

/// The readings of one poll cycle of many boxes, stored in one transaction by record_cycle.
/// What a bus worker keeps of a box between runs and across restarts (issue 12.10): the backoff
/// of commands to a box that does not answer, and what supervision raised already, so a
/// restart neither sends to a silent box at once nor raises an event twice.
struct BoxSupervision {
  int silent_runs = 0;                         ///< runs in a row the box did not answer
  std::optional<TimePoint> hold_until;         ///< no command to the box before this
  bool clock_drifting = false;                 ///< its clock_drift event was raised
  std::set<int> relay_mismatch;                ///< circuits whose relay_mismatch event was raised
  std::map<int, domain::MeterMode> commanded;  ///< mode the last confirmed command set, per circuit
  bool operator==(const BoxSupervision&) const = default;
};

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
  ///
  /// The ledger charges from the confirmation at the meter's price: a meter-side meter that
  /// confirmed a price download is charged, from each confirmation's read-back instant on, the
  /// prices it confirmed (on the stored tariff's period table, without tiers:
  /// domain::meter_price_schedule), so its ledger deducts what the meter deducts; before its
  /// first confirmation, and host-side always, by the stored tariffs as above.
  ///
  /// Before the readings are written, a tariff change that took effect since an answering
  /// meter's previous reading (a future-dated assignment or version, see Tariffs) and changed
  /// its tariff in force queues that meter's price download (record_readings does the same).
  virtual void record_cycle(const CycleBatch& cycle, TimePoint at, const BillingRules& rules) = 0;

  /// Stores a status scan taken at `at` (issue 14 item 7), in one transaction: each meter's
  /// state (balance, relay, mode, status bits) replaces the one stored, with the time it was
  /// read (state_at), and its status is derived again as a poll derives it, raising and clearing
  /// the same alarms and events (a meter that answers is online again). Counters, energy, the
  /// reading time and charges are left to the full readings: nothing is charged, no reading row
  /// is written, and no balance check is made (the meter deducts between readings, the ledger
  /// at them). A meter never read whole yet, or not configured here, is skipped.
  virtual void record_states(
      const std::vector<std::pair<domain::MeterId, domain::StateReading>>& states, TimePoint at,
      const BillingRules& rules) = 0;
  /// Records one event (e.g. "relay_mismatch", "clock_drift", "host_trip"); `meter` nullopt for
  /// a box or bus event (the details then name it).
  virtual void add_event(const std::optional<domain::MeterId>& meter, const std::string& kind,
                         const std::string& details, TimePoint at) = 0;
  /// Raises and clears alarms by what was observed (domain::alarm_changes against the open
  /// alarms of the observed keys), in one transaction: a condition that holds with no open
  /// alarm is a new row, an open one seen not holding gets its cleared_at; nothing else changes.
  virtual void observe_alarms(const std::vector<domain::AlarmSeen>& seen, TimePoint at) = 0;
  /// Stores the serial numbers read from meters, in one transaction. Where a DIFFERENT serial
  /// was stored, the meter was replaced: a "meter_replaced" event with both serials, and its
  /// billing re-based (no baseline: the next reading becomes it, so the new meter's counters are
  /// never charged as negative or foreign use), and an on-site swap left on it for an operator
  /// (MeterPlacement::swap_action) and its box's identity due. Returns the meters found replaced.
  virtual std::vector<domain::MeterId> record_serials(
      const std::vector<std::pair<domain::MeterId, std::string>>& serials, TimePoint at) = 0;
  /// Whether the box's identity must be read at its next answered poll (issue 12.8): at its
  /// first contact (never read), and after a swap was detected on it (a changed serial, counters
  /// that went back: the store marks it due then).
  virtual bool box_identity_due(const std::string& bus, int address) = 0;
  /// Stores what the box reported of itself, checked against the site file's `expected`
  /// (domain::box_identity_mismatch, with the operator's confirmation if any), in one
  /// transaction. A new mismatch is a "box_identity_mismatch" event and stops billing the box
  /// until an operator confirms (SiteAdmin::confirm_box); a box that agrees again stays stopped
  /// until then. Returns the mismatch in force (nullopt: the box is billed).
  virtual std::optional<std::string> record_box_identity(const std::string& bus, int address,
                                                         const domain::ExpectedBox& expected,
                                                         const domain::BoxIdentity& read,
                                                         TimePoint at) = 0;
  /// Stores a box's supervision state (replacing what was stored); a worker saves it when it
  /// changes.
  virtual void save_box_supervision(const std::string& bus, int address,
                                    const BoxSupervision& state) = 0;
  /// The box's stored supervision state; all defaults if none was stored.
  virtual BoxSupervision box_supervision(const std::string& bus, int address) = 0;
};

}  // namespace phil::store
