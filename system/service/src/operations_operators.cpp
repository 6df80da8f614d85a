// Operations: operators and login (issue 13 item 1). The rules are domain/operators.hpp; the
// hashing is password_hash.hpp; the store keeps the rows and writes the audit.
#include <phil/common/text.hpp>
#include <phil/common/time.hpp>
#include <phil/service/operations.hpp>

#include "password_hash.hpp"

namespace phil::service {

namespace {

domain::Error refused(std::string message) {
  return domain::Error{domain::ErrorKind::kRefused, std::move(message)};
}

/// The text checks of a new operator and their password; the first refusal.
std::optional<domain::Error> check_new_operator(const NewOperator& op) {
  if (auto bad = check_text("operator id", op.id, TextLimits::kId)) return bad;
  if (op.id.empty()) {
    return domain::Error{domain::ErrorKind::kInvalid, "the operator id is empty; give one"};
  }
  if (auto bad = check_text("operator name", op.name, TextLimits::kName)) return bad;
  if (auto bad = check_text("password", op.password, domain::kMaxPasswordBytes)) return bad;
  if (auto why = domain::check_password(op.password, op.id)) {
    return domain::Error{domain::ErrorKind::kInvalid, *why};
  }
  return std::nullopt;
}

}  // namespace

domain::Result<Actor> Operations::login(const std::string& id, const std::string& password) {
  // The id is the actor of the audit row, so it passes the text rules first.
  if (auto bad = check_text("operator id", id, TextLimits::kId)) return *bad;
  Guard lock(mutex_);
  const auto now = clock_.now();
  const auto op = store_.operator_record(id);
  if (!op) {
    store_.record_login(id, std::nullopt, now);
    return refused(text::format(text::Id::kLoginRefused, id));
  }
  const domain::LoginState state{op->disabled_at.has_value(), op->failures, op->locked_until};
  const auto d = domain::decide_login(
      state, now, [&] { return detail::verify_password(op->password_hash, password); });
  store_.record_login(id, d, now);
  switch (d.outcome) {
    case domain::LoginOutcome::kOk:
      return Actor{op->id, op->role};
    case domain::LoginOutcome::kDisabled:
      return refused(text::format(text::Id::kLoginDisabled, id));
    case domain::LoginOutcome::kLocked:
    case domain::LoginOutcome::kLockedNow:
      return refused(text::format(text::Id::kLoginLocked, id,
                                  format_timestamp(d.locked_until.value_or(now), {}),
                                  domain::kMaxLoginFailures));
    case domain::LoginOutcome::kBadPassword:
      break;
  }
  return refused(text::format(text::Id::kLoginRefused, id));
}

bool Operations::has_operators() const {
  Guard lock(mutex_);
  return !store_.operators().empty();
}

domain::Result<void> Operations::add_first_admin(const NewOperator& op) {
  if (auto bad = check_new_operator(op)) return *bad;
  Guard lock(mutex_);
  if (!store_.operators().empty()) {
    return refused(
        "the site has operators already; an admin adds more with prepaidctl operator "
        "add");
  }
  store::OperatorRecord r;
  r.id = op.id;
  r.name = op.name;
  r.role = domain::Role::kAdmin;
  r.password_hash = detail::hash_password(op.password);
  return store_.add_operator(r, "init", clock_.now());
}

domain::Result<void> Operations::add_operator(const Actor& actor, const NewOperator& op) {
  auto g = begin(actor, Action::kManageOperators);
  if (!g) return g.error();
  if (auto bad = check_new_operator(op)) return *bad;
  store::OperatorRecord r;
  r.id = op.id;
  r.name = op.name;
  r.role = op.role;
  r.password_hash = detail::hash_password(op.password);
  return store_.add_operator(r, actor.id, clock_.now());
}

domain::Result<void> Operations::set_password(const Actor& actor, const std::string& id,
                                              const std::string& password) {
  // One's own password needs no role; another's needs manage_operators.
  auto g = begin(actor, actor.id == id ? Action::kQuery : Action::kManageOperators);
  if (!g) return g.error();
  if (auto bad = check_text("password", password, domain::kMaxPasswordBytes)) return *bad;
  if (auto why = domain::check_password(password, id)) {
    return domain::Error{domain::ErrorKind::kInvalid, *why};
  }
  return store_.set_password_hash(id, detail::hash_password(password), actor.id, clock_.now());
}

domain::Result<void> Operations::disable_operator(const Actor& actor, const std::string& id) {
  auto g = begin(actor, Action::kManageOperators);
  if (!g) return g.error();
  if (id == actor.id) {
    return refused("operator " + id + " cannot disable themselves; another admin can");
  }
  return store_.disable_operator(id, actor.id, clock_.now());
}

domain::Result<void> Operations::set_role(const Actor& actor, const std::string& id,
                                          domain::Role role) {
  auto g = begin(actor, Action::kManageOperators);
  if (!g) return g.error();
  if (id == actor.id) {
    return refused("operator " + id + " cannot change their own role; another admin can");
  }
  return store_.set_role(id, role, actor.id, clock_.now());
}

domain::Result<NewSession> Operations::start_session(const std::string& id,
                                                     const std::string& password) {
  auto actor = login(id, password);
  if (!actor) return actor.error();
  Guard lock(mutex_);
  const auto now = clock_.now();
  NewSession out;
  out.token = detail::new_session_token();
  store::SessionRecord r;
  r.token_hash = detail::token_hash(out.token);
  r.operator_id = actor.value().id;
  r.times = {now, now, std::nullopt};
  r.expires_at = domain::session_expires_at(now);
  store_.add_session(r);
  const auto op = store_.operator_record(r.operator_id);
  out.session = {actor.value(), op ? op->name : std::string(), r.expires_at,
                 domain::session_ends_at(r.times)};
  return out;
}

domain::Result<Session> Operations::resume_session(const std::string& token, bool record) {
  Guard lock(mutex_);
  const auto now = clock_.now();
  const auto hash = detail::token_hash(token);
  auto r = store_.session(hash);
  if (!r) return refused(text::format(text::Id::kSessionUnknown));
  const auto state = domain::session_state(r->times, now);
  if (state != domain::SessionState::kValid) {
    if (record) store_.record_session_refused(*r, state, now);
    return refused(text::format(text::Id::kSessionEnded, r->operator_id, domain::to_string(state)));
  }
  const auto op = store_.operator_record(r->operator_id);
  if (!op || op->disabled_at) {
    if (record) store_.record_session_refused(*r, domain::SessionState::kRevoked, now);
    return refused(text::format(text::Id::kLoginDisabled, r->operator_id));
  }
  if (record) {
    store_.touch_session(hash, now);
    r->times.last_used_at = now;
  }
  return Session{Actor{op->id, op->role}, op->name, r->expires_at,
                 domain::session_ends_at(r->times)};
}

void Operations::end_session(const std::string& token) {
  Guard lock(mutex_);
  store_.end_session(detail::token_hash(token), clock_.now());
}

domain::Result<std::vector<store::OperatorRecord>> Operations::operators(const Actor& actor) const {
  auto g = begin(actor, Action::kManageOperators);
  if (!g) return g.error();
  auto all = store_.operators();
  for (auto& op : all)
    op.password_hash.clear();  // never leaves the service
  return all;
}

}  // namespace phil::service
