#pragma once
// Private to the router: the route table's entries (what routes() shows, and the handler), and
// what a handler is given. The router checks the path, the method, the session, the query's
// parameter names and the body's fields and types against the entry before the handler runs,
// so a handler reads values that are there and of their declared type.
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <phil/api/api.hpp>
#include <phil/api/live_feed.hpp>
#include <phil/api/login_limiter.hpp>
#include <phil/domain/meter_id.hpp>
#include <phil/service/actor.hpp>
#include <phil/service/operations.hpp>

namespace phil::api::detail {

/// What the routes share beyond Operations: the login limiter and the live feed.
struct Shared {
  std::mutex mutex;  ///< guards limiter
  LoginLimiter limiter;
  LiveFeed feed;
  std::atomic<std::size_t> streams{0};  ///< live feeds open now (limits.max_streams)
  Shared(int per_minute, service::Operations& ops, const domain::Clock& clock,
         std::chrono::milliseconds feed_interval)
      : limiter(per_minute), feed(ops, clock, feed_interval) {}
};

struct Call {
  const Request& req;
  const RouteInfo& info;
  std::vector<std::pair<std::string, std::string>> path;   ///< {name} -> segment
  std::vector<std::pair<std::string, std::string>> query;  ///< declared names only
  nlohmann::json body = nlohmann::json::object();          ///< checked against info.body
  service::Actor actor;                                    ///< with an operator's session
  std::optional<service::TenantSession> tenant;            ///< with a tenant's session
  std::string token;                                       ///< the session's
  service::Operations& ops;
  const domain::Clock& clock;
  const ApiConfig& config;
  Shared& shared;

  /// The path parameter `{name}` (the route has it).
  const std::string& path_param(std::string_view name) const;
  /// The query parameter, if sent (the route declares it: a programming error otherwise).
  std::optional<std::string> param(std::string_view name) const;
  /// A body field of type string, if sent.
  std::optional<std::string> text(std::string_view name) const;
  /// A body field of type yuan, in fen, if sent.
  std::optional<std::int64_t> fen(std::string_view name) const;
  /// A body field of type integer, if sent.
  std::optional<std::int64_t> integer(std::string_view name) const;
  /// A body field of type boolean, false if not sent.
  bool flag(std::string_view name) const;
  /// A body field of type strings, empty if not sent.
  std::vector<std::string> strings(std::string_view name) const;
  /// The meter of the path's {bus}/{box}/{circuit}; nullopt if they do not make one.
  std::optional<domain::MeterId> meter() const;
};

using Handler = std::function<Response(Call&)>;

struct Route {
  RouteInfo info;
  Handler handler;
};

// The tables, one per part of prepaidctl.
std::vector<Route> session_routes();  ///< login, logout, whoami
std::vector<Route> meter_routes();    ///< status board, meters, commands, batches, read-now
std::vector<Route> event_routes();    ///< the live feed
std::vector<Route> money_routes();    ///< accounts, sales, refunds, reversals
std::vector<Route> office_routes();   ///< alarms, reports, tariffs, operators, log
std::vector<Route> tenant_routes();   ///< the tenant page's: login, own account, use, tariff
/// The actor of an operator's session `token`; nullopt when there is none, it has ended, or it
/// is older than config.session_lifetime (then it is ended here).
std::optional<service::Actor> operator_session(service::Operations& ops, const domain::Clock& clock,
                                               const ApiConfig& config, const std::string& token);
/// The login limiter's answer for the call's address: nullopt if it may try now.
std::optional<Response> login_limited(Call& call);
/// All of them, in the order of the OpenAPI document.
const std::vector<Route>& all_routes();

// Answers.
/// {"ok": true} merged with `j` (an object).
Response ok(const nlohmann::json& j = nlohmann::json::object());
/// The refusal of Operations as an error answer.
Response refused(const domain::Error& e);
/// A 400 "invalid" answer with `message`.
Response invalid(const std::string& message);
/// A list: the page of `items` that the call's offset and limit select, with the total.
Response page(const Call& call, nlohmann::json items,
              nlohmann::json extra = nlohmann::json::object());
/// The same for a list of `count` items made one by one: only the page's are made (the status
/// board of 10,000 meters shows 100 at a time).
Response page(const Call& call, std::size_t count,
              const std::function<nlohmann::json(std::size_t)>& item,
              nlohmann::json extra = nlohmann::json::object());

// Reading query values (each gives the 400 answer in place of the value when it is bad).
/// A whole number in [min, max], or `fallback` when not sent.
phil::Expected<std::int64_t, Response> int_param(const Call& call, std::string_view name,
                                                 std::int64_t fallback, std::int64_t min,
                                                 std::int64_t max);
/// The path parameter `{name}` as an id or sequence number: a whole number >= 1.
phil::Expected<std::int64_t, Response> id_param(const Call& call, std::string_view name);
/// An ISO 8601 time with its offset, nullopt when not sent.
phil::Expected<std::optional<TimePoint>, Response> time_param(const Call& call,
                                                              std::string_view name);

}  // namespace phil::api::detail
