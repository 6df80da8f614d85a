#include "sqlite.hpp"

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include <phil/store/store.hpp>

namespace phil::store::sqlite {

namespace {

std::string message(sqlite3* db, int rc) {
  const char* m = db ? sqlite3_errmsg(db) : nullptr;
  return m ? std::string(m) : std::string(sqlite3_errstr(rc));
}

}  // namespace

Stmt::Stmt(sqlite3* db, sqlite3_stmt* s, std::string path)
    : db_(db), s_(s), path_(std::move(path)) {}
Stmt::~Stmt() {
  sqlite3_finalize(s_);
}

void Stmt::fail(int rc) const {
  const char* sql = sqlite3_sql(s_);
  throw StoreError("database " + path_ + ": " + message(db_, rc) +
                   " (in: " + (sql ? std::string(sql) : std::string("?")) +
                   "). Check disk space and file permissions");
}

Stmt& Stmt::bind(int i, std::int64_t v) {
  if (const int rc = sqlite3_bind_int64(s_, i, v); rc != SQLITE_OK) fail(rc);
  return *this;
}

Stmt& Stmt::bind(int i, std::string_view v) {
  if (const int rc = sqlite3_bind_text64(s_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      rc != SQLITE_OK) {
    fail(rc);
  }
  return *this;
}

Stmt& Stmt::bind(int i, std::optional<std::int64_t> v) {
  return v ? bind(i, *v) : bind_null(i);
}

Stmt& Stmt::bind_null(int i) {
  if (const int rc = sqlite3_bind_null(s_, i); rc != SQLITE_OK) fail(rc);
  return *this;
}

bool Stmt::step() {
  const int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) {
    sqlite3_reset(s_);
    return false;
  }
  sqlite3_reset(s_);
  fail(rc);
}

void Stmt::run() {
  while (step()) {
  }
}

void Stmt::reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

std::int64_t Stmt::int64(int col) const {
  return sqlite3_column_int64(s_, col);
}
int Stmt::integer(int col) const {
  return sqlite3_column_int(s_, col);
}
bool Stmt::is_null(int col) const {
  return sqlite3_column_type(s_, col) == SQLITE_NULL;
}
std::optional<std::int64_t> Stmt::opt_int64(int col) const {
  if (is_null(col)) return std::nullopt;
  return int64(col);
}
std::string Stmt::text(int col) const {
  const auto* p = sqlite3_column_text(s_, col);
  const int n = sqlite3_column_bytes(s_, col);
  if (!p) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}
std::optional<std::string> Stmt::opt_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}

namespace {

/// `path` as a file: URI (RFC 3986 percent-encoding of what is not unreserved or '/').
std::string file_uri(const std::string& path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string uri = "file:";
  for (const char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
      uri += ch;
    } else {
      uri += '%';
      uri += kHex[c >> 4];
      uri += kHex[c & 0xF];
    }
  }
  return uri;
}

}  // namespace

Db::Db(const std::string& path, OpenMode mode) : path_(path) {
  if (mode != OpenMode::kCreate) require_database_file(path);
  const int flags = mode == OpenMode::kReadOnly   ? SQLITE_OPEN_READONLY
                    : mode == OpenMode::kExisting ? SQLITE_OPEN_READWRITE
                                                  : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  open(path, flags | SQLITE_OPEN_NOMUTEX);
  if (mode != OpenMode::kReadOnly) return;
  // A read-only WAL database needs its -shm file: SQLite creates it if the folder is writable,
  // and it exists while a writer has the database open. With neither, the first read fails with
  // SQLITE_READONLY(_CANTINIT); the file is then complete and no writer can be beside us, so it
  // is read as immutable.
  const int probe =
      sqlite3_exec(db_, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr);
  if ((probe & 0xFF) == SQLITE_READONLY || (probe & 0xFF) == SQLITE_CANTOPEN) {
    if (std::filesystem::exists(path + "-wal")) {  // a log we cannot use: reading without it
      throw StoreError("cannot read database " + path + " with its write-ahead log " + path +
                       "-wal: " + message(db_, probe) + "; run as a user who may read both");
    }
    sqlite3_close(db_);
    db_ = nullptr;
    open(file_uri(path) + "?immutable=1",
         SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX);
  }
}

void Db::open(const std::string& name, int flags) {
  const int rc = sqlite3_open_v2(name.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string m = message(db_, rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError("cannot open database " + path_ + ": " + m +
                     ". Check that the directory exists and is writable");
  }
  sqlite3_extended_result_codes(db_, 1);
  // Before any statement: the first ones (journal mode, the schema version) meet another
  // process's lock as often as later ones do, and must wait for it like them.
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
}

Db::~Db() {
  cache_.clear();
  sqlite3_close(db_);
}

StmtRef Db::prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* s = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &s, nullptr);
    if (rc != SQLITE_OK) {
      throw StoreError("database " + path_ + ": cannot prepare \"" + sql +
                       "\": " + message(db_, rc));
    }
    it = cache_.emplace(sql, std::make_unique<Stmt>(db_, s, path_)).first;
  }
  it->second->reset();
  return StmtRef(*it->second);
}

void Db::exec(const std::string& sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    const std::string m = err ? err : message(db_, rc);
    sqlite3_free(err);
    throw StoreError("database " + path_ + ": " + m);
  }
}

bool Db::in_transaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

bool Db::before_commit(std::string_view key, std::function<void()> step) {
  if (!in_transaction()) {
    throw std::logic_error("database " + path_ + ": step " + std::string(key) +
                           " to run before a commit was registered outside a transaction");
  }
  for (const auto& [k, unused] : before_commit_)
    if (k == key) return false;
  before_commit_.emplace_back(std::string(key), std::move(step));
  return true;
}

void Db::run_before_commit() {
  // A step may register another (it runs in the same pass): index, not iterators.
  for (std::size_t i = 0; i < before_commit_.size(); ++i) {
    const auto step = before_commit_[i].second;  // a copy: the vector may grow under it
    step();
  }
  before_commit_.clear();
}

std::int64_t Db::pragma_int(const std::string& name) {
  auto s = prepare("PRAGMA " + name);
  return s->step() ? s->int64(0) : 0;
}

std::string Db::pragma_text(const std::string& name) {
  auto s = prepare("PRAGMA " + name);
  return s->step() ? s->text(0) : std::string();
}

std::int64_t Db::checkpoint() {
  int log = 0;
  int copied = 0;
  const int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
  // BUSY: another connection is checkpointing; its copy serves as well.
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
    throw StoreError("database " + path_ + ": checkpoint failed: " + message(db_, rc) +
                     ". Check disk space and file permissions");
  }
  (void)copied;  // counts pages copied by earlier checkpoints of the same log too
  return log;
}

std::int64_t Db::changes() const {
  return sqlite3_changes64(db_);
}

std::string json_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const auto& item : items) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (const char ch : item) {
      const auto c = static_cast<unsigned char>(ch);
      if (c == '"' || c == '\\') {
        out += '\\';
        out += ch;
      } else if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else {
        out += ch;
      }
    }
    out += '"';
  }
  out += ']';
  return out;
}

Transaction::Transaction(Db& db) : db_(db) {
  db_.exec("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  if (!done_) {
    db_.drop_before_commit();
    try {
      db_.exec("ROLLBACK");
    } catch (const StoreError&) {
      // SQLite may already have rolled back (e.g. after SQLITE_FULL); nothing more to undo.
    }
  }
}

void Transaction::commit() {
  try {
    db_.run_before_commit();
  } catch (...) {
    db_.drop_before_commit();
    throw;
  }
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace phil::store::sqlite

namespace phil::store {

void require_database_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw DatabaseNotFound("database " + path + " not found: run prepaidctl init --db " + path +
                           " to create it, or check the path");
  }
}

}  // namespace phil::store
