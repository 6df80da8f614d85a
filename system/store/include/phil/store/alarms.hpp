#pragma once
// The alarms role (issue 14 item 3): the alarms table, one row per occurrence of a condition
// (domain/alarms.hpp), with its raised and cleared times and the operator who acknowledged it.
// The bus workers raise and clear through PollSink::observe_alarms (and the poll cycle, command
// failures and meter swaps in their own transactions); operators list and acknowledge here.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/domain/alarms.hpp>
#include <phil/domain/result.hpp>

namespace phil::store {

/// One alarm as stored.
struct AlarmRecord {
  std::int64_t id = 0;
  domain::AlarmKey key;
  TimePoint raised_at{};
  std::optional<TimePoint> cleared_at;  ///< nullopt while the alarm is active
  std::string details;                  ///< a JSON object
  std::optional<std::string> acknowledged_by;
  std::optional<TimePoint> acknowledged_at;
};

/// Which alarms `alarms` lists: each set field narrows it. [from, to) selects the alarms active
/// at some instant of it (raised before `to`, not cleared before `from`).
struct AlarmFilter {
  bool active_only = false;
  std::optional<TimePoint> from;
  std::optional<TimePoint> to;
  std::optional<domain::AlarmKind> kind;
  std::optional<std::string> bus;  ///< the target's bus; with box and circuit, a box or meter
  std::optional<int> box;
  std::optional<int> circuit;
  std::optional<std::string> account;
  std::optional<std::int64_t> id;  ///< only the alarm of this id
  int limit = 100000;              ///< newest kept when more match
};

class Alarms {
 public:
  virtual ~Alarms() = default;

  /// The alarms `f` selects, oldest raised first.
  virtual std::vector<AlarmRecord> alarms(const AlarmFilter& f) const = 0;
  /// Acknowledges alarm `id` by `operator_id` at `at` and writes one system log row
  /// ("ack_alarm"), in one transaction. kNotFound for an unknown id, kRefused for one
  /// acknowledged already (naming who and when); either changes nothing.
  virtual domain::Result<AlarmRecord> ack_alarm(std::int64_t id, const std::string& operator_id,
                                                TimePoint at) = 0;
};

}  // namespace phil::store
