#pragma once
// Meter status rules the store applies inside SQL statements, generated from the domain's pure
// functions so the rule is written once (domain/status.hpp) and the SQL cannot drift from it.
#include <string>

namespace phil::store {

/// An SQL expression for a meter's new `status` after an account change: the CASE on the
/// current `status` column that domain::status_after_account_change(current, account_open)
/// gives for every status (an offline meter keeps its status). A value that is no status at all
/// is taken as a non-offline one.
std::string status_after_account_change_sql(bool account_open);

}  // namespace phil::store
