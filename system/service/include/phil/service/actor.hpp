#pragma once
// Who performs an operator action. Every action of service::Operations takes one; the audit row of
// the action names it.
#include <optional>
#include <string>

#include <phil/domain/permissions.hpp>

namespace phil::service {

/// The operator (or program: "bench", "site-file") behind an action.
struct Actor {
  std::string id;  ///< recorded in the audit log and the ledger
  /// What the actor may do (domain::kPermissions), checked by Operations::begin, which refuses
  /// an actor without one. prepaidctl's actor is a logged-in operator, whose role comes from the
  /// operators table (login, resume_session), never from the caller's word; in-process callers
  /// (the bench, tests) name theirs.
  std::optional<domain::Role> role = std::nullopt;
};

}  // namespace phil::service
