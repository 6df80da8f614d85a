#pragma once
// Raising and clearing alarms inside the caller's transaction (issue 14 item 3): the poll
// cycle's status alarms (sqlite_billing.cpp), the balance check (sqlite_balance_check.cpp), a
// failed or confirmed command (sqlite_outbox.cpp), a meter swap found and completed, and
// PollSink::observe_alarms all decide by domain::alarm_changes through this one function.
#include <set>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/domain/alarms.hpp>

#include "sqlite.hpp"

namespace phil::store::alarms {

/// One observation made over a transaction, gathered a condition at a time and then applied:
/// the open alarms of the observed keys against it, new rows for the raised, cleared_at = `at`
/// for the cleared. The open alarms are read once, at construction; a condition seen not holding
/// whose alarm is not open would change nothing and is not kept, so a poll cycle that looks at
/// every meter's conditions keeps only the few that matter.
class Observation {
 public:
  explicit Observation(sqlite::Db& db);
  void add(domain::AlarmSeen seen);
  void apply(TimePoint at);

 private:
  sqlite::Db& db_;
  std::vector<domain::OpenAlarm> open_;
  std::set<domain::AlarmKey> open_keys_;
  std::vector<domain::AlarmSeen> kept_;
};

/// A whole observation at once (Observation's add for each, then apply).
void observe(sqlite::Db& db, const std::vector<domain::AlarmSeen>& seen, TimePoint at);

}  // namespace phil::store::alarms
