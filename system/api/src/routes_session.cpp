// Login, logout, whoami: prepaidctl login / logout / whoami.
#include <phil/common/text.hpp>
#include <phil/common/time.hpp>
#include <phil/domain/permissions.hpp>
#include <phil/views/json_views.hpp>

#include "route_table.hpp"

namespace phil::api::detail {

namespace {

using nlohmann::json;

// What a console shows and hides for the session: the actions the role may do (the permission
// table's, so no client keeps a copy of it) and the amounts that are refused or ask again.
void add_role_view(json& j, const std::optional<domain::Role>& role, const Call& call) {
  json may = json::array();
  for (std::size_t i = 0; i < domain::kActionCount; ++i) {
    const auto action = static_cast<domain::Action>(i);
    if (role && domain::permits(*role, action)) may.push_back(domain::to_string(action));
  }
  j["may"] = std::move(may);
  j["limits"] = {{"max_amount", views::yuan(call.ops.max_amount_fen())},
                 {"confirm_above", views::yuan(call.config.confirm_above_fen)}};
}

Response login(Call& call) {
  if (auto limited = login_limited(call)) return *limited;
  auto s = call.ops.start_session(*call.text("id"), *call.text("password"));
  if (!s) {
    // One message for an unknown id and a wrong password (Operations gives it).
    return s.error().kind == domain::ErrorKind::kInvalid
               ? refused(s.error())
               : error_response("login_failed", s.error().message);
  }
  const auto& session = s.value().session;
  json out{{"token", s.value().token},
           {"operator", session.actor.id},
           {"name", session.name},
           {"role", session.actor.role ? domain::to_string(*session.actor.role) : ""},
           {"expires_at", format_timestamp(session.expires_at, {})}};
  add_role_view(out, session.actor.role, call);
  return ok(out);
}

Response logout(Call& call) {
  call.ops.end_session(call.token);
  return ok();
}

Response whoami(Call& call) {
  json out{{"operator", call.actor.id},
           {"role", call.actor.role ? domain::to_string(*call.actor.role) : ""}};
  add_role_view(out, call.actor.role, call);
  return ok(out);
}

Response openapi(Call&) {
  Response r;
  r.body = Api::openapi().dump(1);
  return r;
}

}  // namespace

std::vector<Route> session_routes() {
  return {
      {{"POST",
        "/api/session",
        std::nullopt,
        false,
        "Log in: a session token for an operator's id and password (rate-limited per address)",
        {},
        {{"id", "string", true, "the operator's id"},
         {"password", "string", true, "the operator's password"}}},
       login},
      {{"DELETE", "/api/session", std::nullopt, true, "Log out: the session's token ends", {}, {}},
       logout},
      {{"GET",
        "/api/whoami",
        std::nullopt,
        true,
        "The operator of the session and their role",
        {},
        {}},
       whoami},
      {{"GET", "/api/openapi.json", std::nullopt, false, "This description of the API", {}, {}},
       openapi},
  };
}

}  // namespace phil::api::detail
