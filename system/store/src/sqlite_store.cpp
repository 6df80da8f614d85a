// Opening the SQLite store (see sqlite_store.hpp for where each role is implemented): the
// connection's pragmas, the numbered migrations, and the factory.
#include "sqlite_store.hpp"

#include <memory>
#include <optional>
#include <string>

#include <phil/store/sqlite_file.hpp>
#include <phil/store/sqlite_open.hpp>
#include <phil/store/store.hpp>

#include "audit_chain.hpp"
#include "schema.hpp"
#include "sqlite.hpp"

namespace phil::store {

using sqlite::Transaction;

SqliteStore::SqliteStore(const std::string& path, Checkpoints checkpoints, OpenMode mode)
    : db_(path, mode) {
  if (mode == OpenMode::kReadOnly) {
    check_version_read_only();
    return;
  }
  configure(checkpoints);
  migrate();
}

std::int64_t SqliteStore::checkpoint() {
  return db_.checkpoint();
}

void SqliteStore::configure(Checkpoints checkpoints) {
  // WAL lets prepaidctl write while prepaidd reads; FULL makes a committed sale survive power
  // loss; the busy timeout (set at open, sqlite::kBusyTimeoutMs) lets the two processes take
  // turns instead of failing.
  if (db_.pragma_text("journal_mode = WAL") != "wal") {
    throw StoreError("database " + db_.path() +
                     ": cannot switch to WAL journal mode; put the file on a local disk");
  }
  db_.exec("PRAGMA synchronous = FULL");
  db_.exec("PRAGMA foreign_keys = ON");
  // A poll cycle of 10,000 meters touches far more pages than the 2 MB default cache holds.
  db_.exec("PRAGMA cache_size = -65536");
  // A poll cycle of 10,000 meters writes ~1,000 pages: at SQLite's default every such commit
  // would also copy the log into the file and fsync it.
  if (checkpoints == Checkpoints::kByCaller) db_.exec("PRAGMA wal_autocheckpoint = 16384");
}

void SqliteStore::check_version_read_only() {
  const auto current = db_.pragma_int("user_version");
  const auto latest = static_cast<std::int64_t>(schema::migrations().size());
  if (current != latest) {
    throw StoreError("database " + db_.path() + " has schema version " + std::to_string(current) +
                     ", this build reads version " + std::to_string(latest) +
                     ": run prepaidctl init --db " + db_.path() +
                     (current > latest ? " with a newer build" : " to migrate it"));
  }
  db_.exec("PRAGMA foreign_keys = ON");
}

void SqliteStore::migrate() {
  const auto& all = schema::migrations();
  const auto latest = static_cast<std::int64_t>(all.size());
  const auto check = [&](std::int64_t current) {
    if (current > latest) {
      throw StoreError("database " + db_.path() + " has schema version " + std::to_string(current) +
                       " but this build knows only up to " + std::to_string(latest) +
                       "; use a newer prepaid-hil build");
    }
  };
  auto current = db_.pragma_int("user_version");
  check(current);
  if (current == latest) return;  // the usual open: no write lock taken
  // The version is read again under the write lock: two processes opening an old or new file
  // at once would otherwise both run the same migration, and the second fail half-way.
  // A migration that rebuilds a table others refer to (the outbox, in v9) drops the old one:
  // with foreign keys on, that drop fails on the rows that refer to it. SQLite's procedure for
  // a rebuild: keys off outside the transaction, then foreign_key_check before the commit.
  db_.exec("PRAGMA foreign_keys = OFF");
  {
    Transaction tx(db_);
    current = db_.pragma_int("user_version");
    check(current);
    for (auto v = static_cast<std::size_t>(current); v < all.size(); ++v) {
      db_.exec(std::string(all[v]));
      db_.exec("PRAGMA user_version = " + std::to_string(v + 1));
    }
    // v17 made the system log a hash chain; the rows it carried over are hashed here.
    audit::seal(db_, 0);
    auto broken = db_.prepare("PRAGMA foreign_key_check");
    if (broken->step()) {
      throw StoreError("database " + db_.path() + ": migrating to schema version " +
                       std::to_string(latest) + " left table " + broken->text(0) +
                       " referring to a missing row of " + broken->text(2) +
                       "; nothing was changed. Restore the file from a backup");
    }
    tx.commit();
  }
  db_.exec("PRAGMA foreign_keys = ON");
}

std::unique_ptr<Store> open_sqlite_store(const std::string& path, Checkpoints checkpoints,
                                         OpenMode mode) {
  return std::make_unique<SqliteStore>(path, checkpoints, mode);
}

std::unique_ptr<Store> open_sqlite_store(const std::string& path, Checkpoints checkpoints) {
  return open_sqlite_store(path, checkpoints, OpenMode::kCreate);
}

StoreFactory sqlite_store_factory(std::string path, OpenMode mode) {
  return [path = std::move(path), mode](Checkpoints checkpoints) {
    return open_sqlite_store(path, checkpoints, mode);
  };
}

StoreFactory sqlite_store_factory(std::string path) {
  return sqlite_store_factory(std::move(path), OpenMode::kCreate);
}

int sqlite_schema_version() {
  return static_cast<int>(schema::migrations().size());
}

std::optional<int> sqlite_file_schema_version(const std::string& path) {
  sqlite3* db = nullptr;
  std::optional<int> version;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
      version = sqlite3_column_int(s, 0);
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return version;
}

}  // namespace phil::store
