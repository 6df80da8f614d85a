#pragma once
// A request and its answer as the API's router sees them: plain data, no socket and no Beast
// type, so the router is tested (and fuzzed) without a network. The server (server.hpp) turns
// Beast's messages into these and back.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace phil::api {

struct Request {
  std::string method;  ///< "GET", "POST", ...
  std::string target;  ///< path and query as sent: "/api/status?floor=4"
  /// Header fields in order; names as sent (compared without case).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string peer;  ///< the client's address (the login limiter counts per address)
  bool tls = true;   ///< came over TLS (plain HTTP is loopback only)

  /// The first field of that name (case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const;
};

/// The rest of an answer that stays open (server-sent events, GET /api/events): after the
/// answer's header and body, the server calls next() every interval() on one of its threads and
/// writes what it gives, until it gives nullopt or the client goes. A client that does not take
/// what is written within the request timeout is cut off.
class EventStream {
 public:
  virtual ~EventStream() = default;
  virtual std::chrono::milliseconds interval() const = 0;
  /// The text to write next ("" for nothing now); nullopt: the stream ends here.
  virtual std::optional<std::string> next() = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;  ///< besides the security headers
  std::string body;
  /// Set: the answer goes on as a stream after `body` (no Content-Length; the connection closes
  /// at its end).
  std::shared_ptr<EventStream> stream;
};

/// A target split into its path (percent-decoded per segment) and query parameters
/// (percent-decoded, '+' as space), in order.
struct Target {
  std::vector<std::string> segments;  ///< "/api/meters/bus1/4/1" -> api, meters, bus1, 4, 1
  std::vector<std::pair<std::string, std::string>> query;
};

/// The target's parts; nullopt when it is not an origin-form target ("/..."), has a bad percent
/// escape, or decodes to something that is not UTF-8 or holds a control character.
std::optional<Target> parse_target(std::string_view target);

}  // namespace phil::api
