#pragma once
// Test-only: actors for in-process callers. Operations refuses an actor without a role; a test
// that is not about roles acts, under its own id, with the first role that may take the action
// (domain::roles_for): a cashier sells, an engineer sends commands, a manager adds tariffs.
// Tests about roles name theirs.
#include <string>

#include <phil/domain/permissions.hpp>
#include <phil/service/actor.hpp>

namespace phil::test {

/// `who` (its id) acting with the first role that may take `action`.
inline service::Actor as(const service::Actor& who, domain::Action action) {
  return {who.id, domain::roles_for(action).front()};
}

}  // namespace phil::test
