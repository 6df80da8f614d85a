// Login, logout, whoami: prepaidctl login / logout / whoami.
#include <phil/common/text.hpp>
#include <phil/common/time.hpp>

#include "route_table.hpp"

namespace phil::api::detail {

namespace {

using nlohmann::json;

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
  return ok({{"token", s.value().token},
             {"operator", session.actor.id},
             {"name", session.name},
             {"role", session.actor.role ? domain::to_string(*session.actor.role) : ""},
             {"expires_at", format_timestamp(session.expires_at, {})}});
}

Response logout(Call& call) {
  call.ops.end_session(call.token);
  return ok();
}

Response whoami(Call& call) {
  return ok({{"operator", call.actor.id},
             {"role", call.actor.role ? domain::to_string(*call.actor.role) : ""}});
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
