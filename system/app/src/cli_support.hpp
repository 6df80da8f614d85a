#pragma once
// What prepaidd and prepaidctl share: loading the site file with readable errors, and the
// default database path.
#include <memory>
#include <optional>
#include <string>

#include <phil/domain/clock.hpp>
#include <phil/service/operations.hpp>
#include <phil/service/system.hpp>

namespace phil::app {

/// Loads the site; on a configuration error prints it (file:line:col, key, what to do) to stderr
/// and returns nullopt.
std::optional<service::SiteConfig> load_site_or_report(const std::string& config_path,
                                                       const std::string& profiles_dir);

/// Database path: `db` if given, else "<site name>.db" in the current directory.
std::string database_path(const std::optional<std::string>& db, const service::SiteConfig& site);

/// prepaidctl's way to the database: Operations on `db` (created and migrated if needed) and,
/// with `site`, the site's meters registered first, as the daemon does at start-up. On failure
/// prints "<failure>: <cause>" on stderr and returns nullptr.
std::unique_ptr<service::Operations> open_operations(const std::string& db,
                                                     const std::optional<service::SiteConfig>& site,
                                                     const service::Actor& actor,
                                                     const domain::Clock& clock,
                                                     const std::string& failure);

/// A failure of a prepaidctl command: `message` on stderr or, with `json`, {"ok":false,"error":
/// message} on stdout.
void print_failure(const std::string& message, bool json);

/// Money as text: 2050 -> "20.50".
std::string yuan(std::int64_t fen);

}  // namespace phil::app
