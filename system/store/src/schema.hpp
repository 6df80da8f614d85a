#pragma once
// Numbered schema migrations. Migration N (1-based) takes the database from user_version N-1 to
// N. Never edit a released migration: append a new one.
#include <string_view>
#include <vector>

namespace phil::store::schema {

const std::vector<std::string_view>& migrations();

}  // namespace phil::store::schema
