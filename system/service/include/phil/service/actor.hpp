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
  /// What the actor may do (domain::kPermissions), checked by Operations::begin. nullopt: not
  /// checked. Until prepaidctl logs operators in (issue 13 item 3) its actors carry none; a
  /// logged-in operator's role comes from the operators table, never from the caller's word.
  std::optional<domain::Role> role = std::nullopt;
};

}  // namespace phil::service
