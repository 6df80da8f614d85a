#include "prepaidctl_init.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>

#include <phil/domain/clock.hpp>
#include <phil/service/operations.hpp>

#include "cli_support.hpp"

namespace phil::app {

namespace {

constexpr int kOk = 0;
constexpr int kRefused = 1;

int fail(const std::string& message, bool json) {
  print_failure(message, json);
  return kRefused;
}

}  // namespace

int run_init_command(const std::string& db, bool json, const InitAdmin& admin,
                     const domain::Clock& clock) {
  std::error_code ec;
  const bool existed = std::filesystem::exists(db, ec);
  if (existed && !std::filesystem::is_regular_file(db, ec)) {
    return fail("cannot initialise " + db + ": it is not a file; give the path of a database file",
                json);
  }
  const std::optional<int> before =
      existed ? service::Operations::schema_version(db) : std::nullopt;
  const int current = service::Operations::schema_version();
  try {
    // Opening creates the file and runs the migrations it lacks; no clock is read.
    const domain::ManualClock unused(TimePoint{});
    (void)service::Operations::open(db, unused);
  } catch (const std::exception& e) {
    return fail(std::string("cannot initialise the database: ") + e.what(), json);
  }
  std::string action;
  std::string message;
  const std::string v = std::to_string(current);
  if (!existed) {
    action = "created";
    message = "created " + db + " with schema version " + v;
  } else if (before.value_or(0) == 0) {
    action = "created";
    message = "initialised the empty database " + db + " with schema version " + v;
  } else if (*before < current) {
    action = "migrated";
    message = "migrated " + db + " from schema version " + std::to_string(*before) + " to " + v;
  } else {
    action = "current";
    message = db + " is already at schema version " + v + "; nothing to do";
  }
  nlohmann::json j{{"ok", true}, {"db", db}, {"action", action}, {"schema_version", current}};
  try {
    if (const int rc = init_first_admin(db, admin, clock, j, message); rc != kOk) return rc;
  } catch (const std::exception& e) {
    return fail(std::string("cannot add the first admin: ") + e.what(), json);
  }
  if (json) {
    j["message"] = message;
    if (existed && before) j["from_version"] = *before;
    std::cout << json_text(j) << "\n";
  } else {
    std::cout << message << "\n";
  }
  return kOk;
}

}  // namespace phil::app
