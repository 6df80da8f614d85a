#include "status_sql.hpp"

#include <phil/domain/status.hpp>

namespace phil::store {

std::string status_after_account_change_sql(bool account_open) {
  using domain::MeterStatus;
  const auto after = [&](MeterStatus s) {
    return "'" +
           std::string(domain::to_string(domain::status_after_account_change(s, account_open))) +
           "'";
  };
  std::string sql = "CASE status";
  for (const auto s : {MeterStatus::kNotOpened, MeterStatus::kNormal, MeterStatus::kAlarm1,
                       MeterStatus::kAlarm2, MeterStatus::kArrears, MeterStatus::kOffline}) {
    sql += " WHEN '" + std::string(domain::to_string(s)) + "' THEN " + after(s);
  }
  return sql + " ELSE " + after(MeterStatus::kNormal) + " END";
}

}  // namespace phil::store
