#pragma once
// What prepaidd and prepaidctl share: loading the site file with readable errors, and the
// default database path.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <phil/domain/clock.hpp>
#include <phil/report/report.hpp>
#include <phil/service/operations.hpp>
#include <phil/service/system.hpp>

namespace phil::app {

/// Loads the site; on a configuration error prints it (file:line:col, key, what to do) to stderr
/// and returns nullopt.
std::optional<service::SiteConfig> load_site_or_report(const std::string& config_path,
                                                       const std::string& profiles_dir);

/// Database path: `db` if given, else "<site name>.db" in the current directory.
std::string database_path(const std::optional<std::string>& db, const service::SiteConfig& site);

/// prepaidctl's exit codes: 0 done, 1 refused or failed, 2 usage or bad input.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;
inline constexpr int kExitUsage = 2;

/// What open_operations gives: Operations, or nullptr and the exit code of the failure it printed.
struct OpenedOperations {
  std::unique_ptr<service::Operations> ops;
  int exit_code = kExitOk;  ///< without ops: kExitUsage for a missing database, else kExitRefused
};

/// How a verb uses the database: an action writes (the file must exist: only init creates one),
/// a view only reads (opened read-only: works on a read-only file).
enum class Access { kAction, kView };

/// prepaidctl's way to the database: Operations on the existing file `db` and, for an action
/// with `site`, the site's meters registered first, as the daemon does at start-up and in the
/// same name (service::site_file_actor; a view does not register: it writes nothing). On failure
/// prints "<failure>: <cause>" on stderr (a missing file: "database <db> not found: run prepaidctl
/// init ...") and returns no ops.
OpenedOperations open_operations(const std::string& db,
                                 const std::optional<service::SiteConfig>& site,
                                 const domain::Clock& clock, const std::string& failure,
                                 Access access = Access::kAction);

/// How prepaidctl prints what goes wrong: main sets it once, after the command line parsed, from
/// --json. Until then (and in prepaidd) text on stderr.
void set_json_output(bool json);
bool json_output();

/// A usage or bad-input error found after the command line parsed (an amount, a meter id, a
/// file's configuration error, --config missing, ...): `message` on stderr or, under --json,
/// {"ok":false,"usage":true,"error":message} on stdout, as phil::cli::parse prints CLI11's.
/// Returns kExitUsage.
int usage_error(const std::string& message);

/// `text` (option `what`) as an amount in yuan with at most 2 decimals, in fen; nullopt after a
/// usage_error naming the option, the value and an `example`.
std::optional<std::int64_t> amount_arg(const std::string& text, std::string_view what,
                                       std::string_view example);

/// `text` (option `what`, e.g. "--from") as a time with its UTC offset
/// (2026-04-01T00:00:00+08:00); nullopt after a usage_error naming the option and the value.
std::optional<TimePoint> time_arg(const std::string& text, std::string_view what);

/// `text` as a meter id (bus/box/circuit); nullopt after a usage_error saying how to write one.
std::optional<domain::MeterId> meter_arg(const std::string& text);

/// `text` as a box id (bus/box, the box's Modbus address 1..247), as a meter id without its
/// circuit; nullopt after a usage_error saying how to write one.
std::optional<domain::MeterId> box_arg(const std::string& text);

/// A failure of a prepaidctl command: `message` on stderr or, with `json`, {"ok":false,"error":
/// message} on stdout.
void print_failure(const std::string& message, bool json);

/// The exit code of a refusal: kExitUsage for bad input (domain::ErrorKind::kInvalid: the value
/// as typed is not acceptable), kExitRefused for the rest.
int exit_code(const domain::Error& e);

/// A refusal of Operations: "refused: <message>" on stderr or, with `json`, {"ok":false,"error":
/// message} on stdout. Returns exit_code(e).
int print_refusal(const domain::Error& e, bool json);

/// JSON as text for stdout. Never throws on stored text that is not UTF-8 (an old database may
/// hold some): such bytes become U+FFFD, so --json output is always valid JSON.
std::string json_text(const nlohmann::json& j, int indent = -1);

/// Stored or typed text for a table, a line of output or a message: utf8::escaped (line breaks,
/// tabs and escape codes shown as backslash sequences, never sent to the terminal).
std::string printable(std::string_view text);

/// Writes `reports` as an Excel workbook at `path` (one sheet each) and says so; a file that
/// cannot be written is a failure (print_failure naming it). Returns the exit code.
int write_workbook(const std::vector<report::Report>& reports, const std::string& path, bool json);

/// A duration as people read it, to the minute: "12 min", "3 h 5 min", "2 d 4 h" (text layer);
/// a negative one as 0 min.
std::string duration_text(Millis d);

/// Money as text: 2050 -> "20.50".
std::string yuan(std::int64_t fen);

/// A CSV field: quoted, quotes doubled, so a name with a comma or a quote stays one field; a
/// leading =, +, - or @ is prefixed with ' so a spreadsheet does not run it as a formula.
std::string csv(std::string_view v);

}  // namespace phil::app
