#pragma once
// Raising and clearing alarms inside the caller's transaction (issue 14 item 3): the poll
// cycle's status alarms (sqlite_billing.cpp), the balance check (sqlite_balance_check.cpp), a
// failed or confirmed command (sqlite_outbox.cpp), a meter swap found and completed, and
// PollSink::observe_alarms all decide by domain::alarm_changes through this one function.
#include <vector>

#include <phil/common/time.hpp>
#include <phil/domain/alarms.hpp>

#include "sqlite.hpp"

namespace phil::store::alarms {

/// The open alarms of the observed keys against the observation: new rows for the raised,
/// cleared_at = `at` for the cleared.
void observe(sqlite::Db& db, const std::vector<domain::AlarmSeen>& seen, TimePoint at);

}  // namespace phil::store::alarms
