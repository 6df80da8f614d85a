#pragma once
// Who performs an operator action. Every action of service::Operations takes one; the audit row of
// the action names it.
#include <string>

namespace phil::service {

/// The operator (or program: "bench", "site-file") behind an action. Only an id today; the
/// operators issue adds the role here, so no action's signature changes when it does.
struct Actor {
  std::string id;  ///< recorded in the audit log and the ledger; not checked yet
};

}  // namespace phil::service
