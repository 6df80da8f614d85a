#pragma once
// A look at a SQLite database file without opening it as a store (which would migrate it).
#include <optional>
#include <string>

namespace phil::store {

/// The schema version (PRAGMA user_version) of an existing database file, read without writing
/// it; nullopt if SQLite cannot read it (open_sqlite_store then says why).
std::optional<int> sqlite_file_schema_version(const std::string& path);

}  // namespace phil::store
