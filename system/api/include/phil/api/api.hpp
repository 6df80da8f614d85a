#pragma once
// The HTTPS API's router (issue 15): a request in, its answer out, with no socket. It follows
// prepaidctl one to one and calls service::Operations only, so every rule, role check and audit
// row is the same as at the command line. The server (server.hpp) feeds it; tests and the fuzz
// target call it directly.
//
// Contract of every answer:
// - JSON, `{"ok": true, ...}`, or `{"ok": false, "error": {"code", "message"}}` with the status
//   of the code (error_status); the message in the language of Accept-Language (zh_CN or en;
//   zh when the client prefers Chinese), saying what, where and what to do.
// - A refused or malformed request writes nothing: handlers read and check every field before
//   they call Operations, and Operations refuses before it writes.
// - Lists take `offset` (default 0) and `limit` (default 100, at most 1000) and answer
//   `{"total", "offset", "limit", "items"}`.
// - Sessions: POST /api/session with {"id", "password"} gives a token (64 hex digits, only its
//   SHA-256 is stored); every other endpoint but /api/openapi.json wants it as
//   `Authorization: Bearer TOKEN`. Tokens never appear in URLs, and the log never shows one.
// - State-changing requests from a browser page (an Origin header) are refused unless the origin
//   is the server's own or in allowed_origins: a page elsewhere cannot act with a tenant's or an
//   operator's session (CSRF), and cannot read answers (no CORS grant).
// - Every answer carries the security headers (security_headers).
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <phil/api/config.hpp>
#include <phil/api/http.hpp>
#include <phil/common/text.hpp>
#include <phil/domain/clock.hpp>
#include <phil/domain/permissions.hpp>
#include <phil/domain/result.hpp>

namespace phil::service {
class Operations;
}

namespace phil::api {

/// One field of a JSON body.
struct FieldInfo {
  std::string name;
  std::string type;  ///< "string", "yuan" (a decimal string, 2 places), "integer", "boolean",
                     ///< "strings" (an array of strings)
  bool required = false;
  std::string description;
};

/// One endpoint, as the OpenAPI document and the tests see it.
struct RouteInfo {
  std::string method;  ///< GET, POST, DELETE
  std::string path;    ///< "/api/accounts/{account}/sales"
  /// The permission Operations checks (domain::kPermissions); nullopt: no single one (public,
  /// any session, or decided by the data: a cashier's own shift report).
  std::optional<domain::Action> action;
  bool needs_session = true;
  std::string summary;
  std::vector<std::string> query;  ///< the query parameters it takes (lists add offset, limit)
  std::vector<FieldInfo> body;     ///< the JSON body's fields; empty: no body
  bool paged = false;              ///< a list: offset, limit, total
  std::string produces = "application/json";  ///< also text/csv and xlsx for reports
  /// The session is a tenant's (POST /api/tenant/session), not an operator's: the route shows
  /// the session's own account only.
  bool tenant = false;
};

/// The HTTP status of an error code: invalid 400, unauthenticated 401, login_failed 401,
/// forbidden 403, not_found 404, wrong_method 405, refused 409, conflict 409, too_large 413,
/// header_too_large 431, too_many 429, timeout 408, unavailable 503, internal 500.
int error_status(std::string_view code);
/// The error code of a refusal of Operations: kInvalid invalid, kRefused refused, kNotFound
/// not_found, kForbidden forbidden, kConflict conflict, kIo unavailable, kTimeout timeout.
std::string_view error_code(domain::ErrorKind kind);
/// An error answer: the status of `code` and the JSON error object (Api::handle adds the
/// security headers; the server adds them to its own).
Response error_response(std::string_view code, std::string_view message);
/// The headers every answer carries: Content-Security-Policy, X-Content-Type-Options,
/// X-Frame-Options, Referrer-Policy, Cache-Control no-store, Cross-Origin-Opener-Policy, and
/// Strict-Transport-Security over TLS.
std::vector<std::pair<std::string, std::string>> security_headers(bool tls);
/// The language of an Accept-Language value: zh_CN when Chinese comes before English (or alone),
/// else en; without the header zh_CN, the site's language.
text::Lang language_of(std::optional<std::string_view> accept_language);

class Api {
 public:
  /// The API on `ops` at `clock`'s time; both must outlive it.
  Api(service::Operations& ops, const domain::Clock& clock, ApiConfig config);
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  /// The answer to one request. Never throws for anything a client sends; a failure of the
  /// server itself is a 500 with a reference to its log line. Safe to call from several threads
  /// (Operations serialises what it must; the login limiter has its own lock).
  Response handle(const Request& req);

  /// Every endpoint, in the order the OpenAPI document lists them.
  static std::vector<RouteInfo> routes();
  /// The OpenAPI 3.0 description of routes(), as GET /api/openapi.json serves it.
  static nlohmann::json openapi();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phil::api
