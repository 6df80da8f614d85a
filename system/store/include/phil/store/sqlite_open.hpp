#pragma once
// How a SQLite store opens its database file: who may create one, and read-only connections.
// Only `prepaidctl init` (and the bench and tests) create a database, so a mistyped path never
// becomes a new, empty one.
#include <memory>
#include <string>

#include <phil/store/common.hpp>
#include <phil/store/store.hpp>

namespace phil::store {

/// The database file to open does not exist and the open may not create it (OpenMode). The
/// message names the path and says to run prepaidctl init.
class DatabaseNotFound : public StoreError {
 public:
  using StoreError::StoreError;
};

/// How a connection opens its database file.
enum class OpenMode {
  kCreate,    ///< create the file if it is missing; migrate it (prepaidctl init, tests, bench)
  kExisting,  ///< the file must exist (else DatabaseNotFound); migrated if older
  /// The file must exist (else DatabaseNotFound); opened SQLITE_OPEN_READONLY, so any write
  /// throws StoreError; not migrated (a file of another schema version is refused: run
  /// prepaidctl init). Works on a read-only file. A WAL database also needs its -shm file, which
  /// SQLite creates where the folder is writable and which exists while a writer (the daemon)
  /// has it open; when neither holds, the file is complete (the last writer checkpointed it on
  /// close) and is read as immutable (no locks: no writer can be running beside it).
  kReadOnly,
};

/// Throws DatabaseNotFound unless something exists at `path`: what a connection opened without
/// OpenMode::kCreate checks first, and what prepaidd checks before it takes the site's locks.
void require_database_file(const std::string& path);

/// open_sqlite_store (store.hpp) as `mode` says: kCreate is the two-argument form.
std::unique_ptr<Store> open_sqlite_store(const std::string& path, Checkpoints checkpoints,
                                         OpenMode mode);

/// A factory of open_sqlite_store(path, checkpoints, mode) connections to one database file.
StoreFactory sqlite_store_factory(std::string path, OpenMode mode);

}  // namespace phil::store
