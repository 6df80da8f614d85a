#pragma once
// A thin RAII layer over the SQLite C API: one connection, prepared statements cached by SQL
// text, and transactions that roll back unless committed. Every failure throws StoreError with
// the database path, the statement and SQLite's message.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sqlite3.h>

#include <phil/common/time.hpp>
#include <phil/store/sqlite_open.hpp>

namespace phil::store::sqlite {

/// Times are stored as INTEGER milliseconds since 1970-01-01T00:00:00Z.
inline std::int64_t to_ms(TimePoint t) {
  return t.time_since_epoch().count();
}
inline TimePoint from_ms(std::int64_t ms) {
  return TimePoint(Millis(ms));
}

class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* s, std::string path);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  /// Binding is 1-based like SQLite's; each bind returns *this for chaining.
  Stmt& bind(int i, std::int64_t v);
  Stmt& bind(int i, int v) { return bind(i, std::int64_t{v}); }
  Stmt& bind(int i, std::string_view v);
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, std::optional<std::int64_t> v);
  Stmt& bind_null(int i);

  /// Advances to the next row; false when done. Resets automatically after the last row.
  bool step();
  /// Runs a statement that returns no rows.
  void run();
  void reset();

  std::int64_t int64(int col) const;
  int integer(int col) const;
  std::optional<std::int64_t> opt_int64(int col) const;
  std::string text(int col) const;
  std::optional<std::string> opt_text(int col) const;
  bool is_null(int col) const;

 private:
  [[noreturn]] void fail(int rc) const;
  sqlite3* db_;
  sqlite3_stmt* s_;
  std::string path_;
};

/// A borrowed cached statement; resets it when dropped so no read transaction stays open (in WAL
/// mode an unfinished SELECT would pin an old snapshot and hide other processes' writes).
class StmtRef {
 public:
  explicit StmtRef(Stmt& s) : s_(&s) {}
  ~StmtRef() { s_->reset(); }
  StmtRef(const StmtRef&) = delete;
  StmtRef& operator=(const StmtRef&) = delete;
  Stmt* operator->() const { return s_; }
  Stmt& operator*() const { return *s_; }

 private:
  Stmt* s_;
};

class Db {
 public:
  /// Opens the database file as `mode` says (phil/store/common.hpp). Throws DatabaseNotFound or
  /// StoreError.
  explicit Db(const std::string& path, OpenMode mode = OpenMode::kCreate);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  /// A cached prepared statement, reset and with bindings cleared.
  StmtRef prepare(const std::string& sql);
  /// Runs SQL text that takes no parameters (schema, pragmas).
  void exec(const std::string& sql);
  std::int64_t pragma_int(const std::string& name);
  std::string pragma_text(const std::string& name);
  std::int64_t changes() const;
  /// A PASSIVE checkpoint of the main database; returns the log's length in pages. Throws
  /// StoreError.
  std::int64_t checkpoint();
  const std::string& path() const { return path_; }
  /// True inside an explicit transaction (BEGIN ... COMMIT/ROLLBACK).
  bool in_transaction() const;

  /// Runs `step` just before the current transaction commits, after the steps registered
  /// before it, unless a step of the same `key` is registered already (then false); dropped if
  /// the transaction rolls back. The system log seals its rows this way: a row's hash covers the
  /// ledger entries written after it in the same transaction. Throws std::logic_error outside a
  /// transaction (nothing would ever run it).
  bool before_commit(std::string_view key, std::function<void()> step);

 private:
  friend class Transaction;
  /// Runs and clears the registered steps (Transaction::commit); clears them (rollback).
  void run_before_commit();
  void drop_before_commit() { before_commit_.clear(); }

  /// sqlite3_open_v2 of `name` (a path or a file: URI) into db_, the busy timeout set.
  void open(const std::string& name, int flags);

  sqlite3* db_ = nullptr;
  std::string path_;
  std::map<std::string, std::unique_ptr<Stmt>, std::less<>> cache_;
  std::vector<std::pair<std::string, std::function<void()>>> before_commit_;
};

/// A JSON array of the strings, escaped, for json_each(?): one bound parameter for a whole batch
/// of keys instead of a statement per key.
std::string json_array(const std::vector<std::string>& items);

/// BEGIN IMMEDIATE on construction (takes the write lock up front, so a busy database waits at
/// the start instead of failing half way); ROLLBACK on destruction unless commit() was called.
/// How long every statement waits for another connection's lock before failing with "database
/// is locked", ms. Set when a connection opens, before its first statement.
inline constexpr int kBusyTimeoutMs = 5000;

class Transaction {
 public:
  explicit Transaction(Db& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Db& db_;
  bool done_ = false;
};

}  // namespace phil::store::sqlite
