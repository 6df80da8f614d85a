#pragma once
// prepaidctl's `init`: creates the database file if needed and migrates it to this build's schema
// (what opening the store does), saying which of the three it was; on a database without an
// operator, `--admin ID` adds the first admin (issue 13 item 3). Idempotent.
#include <string>

#include <phil/domain/clock.hpp>

#include "prepaidctl_login.hpp"

namespace phil::app {

/// Runs `init` on `db`; returns the exit code (0 done, 1 cannot create/open/migrate it), printing
/// one line or, with `json`, one JSON object.
int run_init_command(const std::string& db, bool json, const InitAdmin& admin,
                     const domain::Clock& clock);

}  // namespace phil::app
