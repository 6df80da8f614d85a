#pragma once
// prepaidctl's remote commands to meters (seed: 拉闸 trip, 合闸 close, 保电 keep-power, 恢复预付费
// restore prepaid, 设置下发 thresholds, 电价下发 price). Each queues one row in the outbox (one
// transaction, audited); the daemon's bus worker delivers it before further polling and confirms
// it by reading the meter back.
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include <phil/service/operations.hpp>

namespace phil::app {

struct RemoteCommands;

/// Adds `command <trip|close|keep-power|restore-prepaid|thresholds|price> --meter M ...` (or,
/// for a batch, the board's filters, --meters FILE or --all, with --yes, --dry-run, --preview N),
/// `command status [--batch N]`,
/// `command <tou|clock> --box BUS/BOX ...` and `read-now TARGET [--wait S]` to `cli`. The returned
/// object holds the parsed options; keep it alive until run.
std::shared_ptr<RemoteCommands> add_remote_commands(CLI::App& cli);

/// True if the command given only reads (command status): the database opens for viewing.
bool remote_view_parsed(const RemoteCommands& rc);

/// If one of the remote commands was given, queues it and returns the exit code (0 queued,
/// 1 refused, 2 bad arguments); nullopt if none was given.
std::optional<int> run_remote_commands(const RemoteCommands& rc, service::Operations& ops,
                                       const service::Actor& actor, bool json);

}  // namespace phil::app
