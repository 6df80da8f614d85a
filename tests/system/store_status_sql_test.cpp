// The store's status rule in SQL against its specification, domain::status_after_account_change:
// the generated CASE expression gives the same status for every status and both account states,
// evaluated by SQLite itself.
#include <string>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <phil/domain/status.hpp>

#include "status_sql.hpp"

namespace phil::store {
namespace {

/// `expr` evaluated by SQLite on one row whose `status` column holds `status`.
std::string evaluate(const std::string& expr, const std::string& status) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  const auto sql = "SELECT " + expr + " FROM (SELECT ?1 AS status)";
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
  sqlite3_bind_text(st, 1, status.c_str(), -1, SQLITE_TRANSIENT);
  std::string out = "(no row)";
  if (sqlite3_step(st) == SQLITE_ROW) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

TEST(StatusSql, TheCaseExpressionAgreesWithTheDomainRuleOnEveryStatus) {
  using domain::MeterStatus;
  for (const bool open : {false, true}) {
    for (const auto s : {MeterStatus::kNotOpened, MeterStatus::kNormal, MeterStatus::kAlarm1,
                         MeterStatus::kAlarm2, MeterStatus::kArrears, MeterStatus::kOffline}) {
      const auto expected = domain::to_string(domain::status_after_account_change(s, open));
      EXPECT_EQ(evaluate(status_after_account_change_sql(open), std::string(domain::to_string(s))),
                expected)
          << "status " << domain::to_string(s) << ", account open " << open;
    }
  }
}

TEST(StatusSql, AnOfflineMeterKeepsItsStatusAndOthersFollowTheAccount) {
  EXPECT_EQ(evaluate(status_after_account_change_sql(true), "offline"), "offline");
  EXPECT_EQ(evaluate(status_after_account_change_sql(false), "offline"), "offline");
  EXPECT_EQ(evaluate(status_after_account_change_sql(true), "arrears"), "normal");
  EXPECT_EQ(evaluate(status_after_account_change_sql(false), "alarm1"), "not_opened");
}

TEST(StatusSql, AValueThatIsNoStatusIsTakenAsNotOffline) {
  EXPECT_EQ(evaluate(status_after_account_change_sql(true), "garbage"), "normal");
  EXPECT_EQ(evaluate(status_after_account_change_sql(false), "garbage"), "not_opened");
}

}  // namespace
}  // namespace phil::store
