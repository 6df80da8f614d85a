#pragma once
// Counts the rows of a table through a separate SQLite connection, as another process would
// see them (tests only).
#include <cstdint>
#include <string>

#include <sqlite3.h>

namespace phil::test {

/// Rows in `table` of the database file at `path`; -1 if it cannot be read.
inline std::int64_t count_rows(const std::string& path, const std::string& table) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, ("SELECT count(*) FROM " + table).c_str(), -1, &s, nullptr);
  std::int64_t n = -1;
  if (sqlite3_step(s) == SQLITE_ROW) n = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return n;
}

}  // namespace phil::test
