#include <algorithm>
#include <atomic>
#include <charconv>
#include <exception>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include <phil/api/api.hpp>
#include <phil/common/decimal.hpp>
#include <phil/common/text.hpp>
#include <phil/common/time.hpp>
#include <phil/common/utf8.hpp>
#include <phil/domain/sessions.hpp>
#include <phil/service/operations.hpp>

#include "route_table.hpp"

namespace phil::api {

using nlohmann::json;
using text::Id;

int error_status(std::string_view code) {
  static constexpr std::pair<std::string_view, int> kStatus[] = {
      {"invalid", 400},          {"unauthenticated", 401}, {"login_failed", 401},
      {"forbidden", 403},        {"not_found", 404},       {"wrong_method", 405},
      {"timeout", 408},          {"refused", 409},         {"conflict", 409},
      {"too_large", 413},        {"too_many", 429},        {"internal", 500},
      {"header_too_large", 431}, {"unavailable", 503}};
  for (const auto& [c, status] : kStatus) {
    if (c == code) return status;
  }
  return 500;
}

std::string_view error_code(domain::ErrorKind kind) {
  switch (kind) {
    case domain::ErrorKind::kRefused:
      return "refused";
    case domain::ErrorKind::kNotFound:
      return "not_found";
    case domain::ErrorKind::kInvalid:
      return "invalid";
    case domain::ErrorKind::kIo:
      return "unavailable";
    case domain::ErrorKind::kTimeout:
      return "timeout";
    case domain::ErrorKind::kConflict:
      return "conflict";
    case domain::ErrorKind::kForbidden:
      return "forbidden";
  }
  return "internal";
}

std::vector<std::pair<std::string, std::string>> security_headers(bool tls) {
  std::vector<std::pair<std::string, std::string>> h{
      // Scripts, styles and images of the page's own origin only; never framed (clickjacking).
      {"Content-Security-Policy",
       "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
      // Balances and sessions must not stay in a shared computer's cache.
      {"Cache-Control", "no-store"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
      {"Cross-Origin-Resource-Policy", "same-origin"}};
  if (tls) h.emplace_back("Strict-Transport-Security", "max-age=31536000");
  return h;
}

Response error_response(std::string_view code, std::string_view message) {
  Response r;
  r.status = error_status(code);
  r.body = json{{"ok", false}, {"error", {{"code", code}, {"message", message}}}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
  return r;
}

text::Lang language_of(std::optional<std::string_view> accept) {
  if (!accept) return text::Lang::kZhCN;
  // The first language named decides; q-values are rarely other than descending in practice,
  // and a tie goes to the site's language.
  std::string_view rest = *accept;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    auto item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    item = item.substr(0, item.find(';'));
    while (!item.empty() && item.front() == ' ')
      item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ')
      item.remove_suffix(1);
    if (item.size() >= 2 && (item.substr(0, 2) == "zh" || item.substr(0, 2) == "ZH")) {
      return text::Lang::kZhCN;
    }
    if (item.size() >= 2 && (item.substr(0, 2) == "en" || item.substr(0, 2) == "EN")) {
      return text::Lang::kEn;
    }
  }
  return text::Lang::kZhCN;
}

namespace detail {

Response ok(const json& j) {
  Response r;
  json out{{"ok", true}};
  out.update(j);
  r.body = out.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

Response refused(const domain::Error& e) {
  return error_response(error_code(e.kind), e.message);
}

Response invalid(const std::string& message) {
  return error_response("invalid", message);
}

namespace {

constexpr std::int64_t kDefaultLimit = 100;
constexpr std::int64_t kMaxLimit = 1000;

}  // namespace

phil::Expected<std::int64_t, Response> id_param(const Call& call, std::string_view name) {
  std::int64_t n = 0;
  const auto& text = call.path_param(name);
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size() || n < 1) {
    return invalid(text::format(text::Id::kApiBadNumber, name, utf8::escaped(text), 1,
                                std::numeric_limits<std::int64_t>::max()));
  }
  return n;
}

phil::Expected<std::int64_t, Response> int_param(const Call& call, std::string_view name,
                                                 std::int64_t fallback, std::int64_t min,
                                                 std::int64_t max) {
  const auto v = call.param(name);
  if (!v) return fallback;
  std::int64_t n = 0;
  const auto* end = v->data() + v->size();
  const auto [p, ec] = std::from_chars(v->data(), end, n);
  if (ec != std::errc() || p != end || n < min || n > max) {
    return invalid(text::format(Id::kApiBadNumber, name, utf8::escaped(*v), min, max));
  }
  return n;
}

phil::Expected<std::optional<TimePoint>, Response> time_param(const Call& call,
                                                              std::string_view name) {
  const auto v = call.param(name);
  if (!v) return std::optional<TimePoint>();
  const auto t = parse_timestamp(*v);
  if (!t) return invalid(text::format(Id::kApiBadTime, name, utf8::escaped(*v)));
  return std::optional<TimePoint>(t->utc);
}

Response page(const Call& call, json items, json extra) {
  return page(
      call, items.size(), [&items](std::size_t i) { return std::move(items[i]); },
      std::move(extra));
}

Response page(const Call& call, std::size_t count, const std::function<json(std::size_t)>& item,
              json extra) {
  const auto offset = int_param(call, "offset", 0, 0, 1'000'000'000);
  if (!offset) return offset.error();
  const auto limit = int_param(call, "limit", kDefaultLimit, 1, kMaxLimit);
  if (!limit) return limit.error();
  const auto total = static_cast<std::int64_t>(count);
  json kept = json::array();
  for (auto i = *offset; i < total && i < *offset + *limit; ++i)
    kept.push_back(item(static_cast<std::size_t>(i)));
  extra["total"] = total;
  extra["offset"] = *offset;
  extra["limit"] = *limit;
  extra["items"] = std::move(kept);
  return ok(extra);
}

const std::string& Call::path_param(std::string_view name) const {
  for (const auto& [n, v] : path) {
    if (n == name) return v;
  }
  throw std::logic_error("route " + info.path + " has no path parameter " + std::string(name));
}

std::optional<std::string> Call::param(std::string_view name) const {
  const bool declared = std::find(info.query.begin(), info.query.end(), name) != info.query.end() ||
                        (info.paged && (name == "offset" || name == "limit"));
  if (!declared) {
    throw std::logic_error("route " + info.path + " reads an undeclared parameter " +
                           std::string(name));
  }
  for (const auto& [n, v] : query) {
    if (n == name) return v;
  }
  return std::nullopt;
}

std::optional<std::string> Call::text(std::string_view name) const {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<std::int64_t> Call::fen(std::string_view name) const {
  const auto t = text(name);
  if (!t) return std::nullopt;
  return parse_decimal(*t, 2);  // the router checked it parses
}

std::optional<std::int64_t> Call::integer(std::string_view name) const {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  return it->get<std::int64_t>();
}

bool Call::flag(std::string_view name) const {
  const auto it = body.find(name);
  return it != body.end() && it->is_boolean() && it->get<bool>();
}

std::vector<std::string> Call::strings(std::string_view name) const {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) return {};
  return it->get<std::vector<std::string>>();
}

std::optional<domain::MeterId> Call::meter() const {
  const auto text = path_param("bus") + "/" + path_param("box") + "/" + path_param("circuit");
  auto id = domain::MeterId::parse(text);
  if (!id || id->to_string() != text) return std::nullopt;
  return id;
}

std::optional<Response> login_limited(Call& call) {
  const std::lock_guard lock(call.shared.mutex);
  const auto now = call.clock.now();
  if (call.shared.limiter.allow(call.req.peer, now)) return std::nullopt;
  const auto wait =
      std::chrono::duration_cast<std::chrono::seconds>(
          call.shared.limiter.retry_after(call.req.peer, now) + std::chrono::milliseconds(999))
          .count();
  auto r = error_response("too_many", text::format(Id::kApiTooManyLogins, wait));
  r.headers.emplace_back("Retry-After", std::to_string(wait));
  return r;
}

std::optional<service::Actor> operator_session(service::Operations& ops, const domain::Clock& clock,
                                               const ApiConfig& config, const std::string& token) {
  auto session = ops.resume_session(token);
  if (!session) return std::nullopt;
  // The site may keep API sessions shorter than the operators' (session_lifetime).
  const auto started = session->expires_at - domain::kSessionLifetime;
  if (clock.now() >= started + config.session_lifetime) {
    ops.end_session(token);
    return std::nullopt;
  }
  return session->actor;
}

const std::vector<Route>& all_routes() {
  static const std::vector<Route> routes = [] {
    std::vector<Route> all;
    for (auto part : {session_routes(), meter_routes(), event_routes(), money_routes(),
                      office_routes(), tenant_routes()}) {
      for (auto& r : part)
        all.push_back(std::move(r));
    }
    return all;
  }();
  return routes;
}

}  // namespace detail

namespace {

using detail::Call;
using detail::Route;

/// The path's {name} segments against `segments`; nullopt if they do not match.
std::optional<std::vector<std::pair<std::string, std::string>>> match(
    std::string_view pattern, const std::vector<std::string>& segments) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t i = 0;
  std::size_t start = 1;
  while (start <= pattern.size()) {
    const auto end = std::min(pattern.find('/', start), pattern.size());
    const auto seg = pattern.substr(start, end - start);
    start = end + 1;
    if (i >= segments.size()) return std::nullopt;
    if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
      if (segments[i].empty()) return std::nullopt;
      params.emplace_back(std::string(seg.substr(1, seg.size() - 2)), segments[i]);
    } else if (seg != segments[i]) {
      return std::nullopt;
    }
    ++i;
  }
  if (i != segments.size()) return std::nullopt;
  return params;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names)
    out.append(out.empty() ? "" : ", ").append(n);
  return out.empty() ? "-" : out;
}

Id type_text(const std::string& type) {
  if (type == "yuan") return Id::kApiTypeYuan;
  if (type == "integer") return Id::kApiTypeInteger;
  if (type == "boolean") return Id::kApiTypeBoolean;
  if (type == "strings") return Id::kApiTypeStrings;
  if (type == "object") return Id::kApiTypeObject;
  return Id::kApiTypeString;
}

bool has_type(const json& v, const std::string& type) {
  if (type == "string") return v.is_string();
  if (type == "yuan") return v.is_string() && parse_decimal(v.get<std::string>(), 2).has_value();
  if (type == "integer") return v.is_number_integer();
  if (type == "boolean") return v.is_boolean();
  if (type == "object") return v.is_object();
  if (type == "strings") {
    return v.is_array() &&
           std::all_of(v.begin(), v.end(), [](const json& e) { return e.is_string(); });
  }
  return false;
}

/// The body checked against the route's fields; the 400 answer if it does not fit.
std::optional<Response> check_body(Call& call) {
  const auto& fields = call.info.body;
  if (fields.empty()) return std::nullopt;  // a body nobody reads is ignored, as HTTP allows
  auto parsed = json::parse(call.req.body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    const std::string why = parsed.is_discarded() ? "malformed JSON" : "not an object";
    return detail::invalid(text::format(Id::kApiBadJson, why));
  }
  std::vector<std::string> names;
  names.reserve(fields.size());
  for (const auto& f : fields)
    names.push_back(f.name);
  for (const auto& item : parsed.items()) {
    const auto& key = item.key();
    const auto& value = item.value();
    const auto f = std::find_if(fields.begin(), fields.end(),
                                [&key](const FieldInfo& x) { return x.name == key; });
    if (f == fields.end()) {
      return detail::invalid(text::format(Id::kApiUnknownField, utf8::escaped(key), joined(names)));
    }
    if (!value.is_null() && !has_type(value, f->type)) {
      return detail::invalid(
          text::format(Id::kApiWrongType, key, text::pattern(type_text(f->type))));
    }
  }
  for (const auto& f : fields) {
    if (f.required && (!parsed.contains(f.name) || parsed[f.name].is_null())) {
      return detail::invalid(text::format(Id::kApiMissingField, f.name));
    }
  }
  call.body = std::move(parsed);
  return std::nullopt;
}

/// The query's names against the route's; the 400 answer for an unknown or repeated one.
std::optional<Response> check_query(const RouteInfo& info,
                                    const std::vector<std::pair<std::string, std::string>>& q) {
  auto names = info.query;
  if (info.paged) {
    names.emplace_back("offset");
    names.emplace_back("limit");
  }
  for (std::size_t i = 0; i < q.size(); ++i) {
    const auto& name = q[i].first;
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      return detail::invalid(
          text::format(Id::kApiUnknownParam, utf8::escaped(name), info.path, joined(names)));
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (q[j].first == name) return detail::invalid(text::format(Id::kApiGivenTwice, name));
    }
  }
  return std::nullopt;
}

std::string content_type_of(const std::string& path) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".json", "application/json; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"}};
  for (const auto& [ext, type] : kTypes) {
    if (path.size() >= ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0)
      return std::string(type);
  }
  return "application/octet-stream";
}

std::atomic<std::uint64_t> g_reference{0};

}  // namespace

struct Api::Impl {
  service::Operations& ops;
  const domain::Clock& clock;
  ApiConfig config;
  detail::Shared shared;

  Impl(service::Operations& o, const domain::Clock& c, ApiConfig cfg)
      : ops(o),
        clock(c),
        config(std::move(cfg)),
        shared(config.limits.login_per_minute, ops, clock, config.feed_interval) {}

  /// The origin this server is reached at, as a browser writes it ("https://host:port").
  std::string own_origin(const Request& req) const {
    const auto host = req.header("Host");
    return std::string(req.tls ? "https://" : "http://") + std::string(host.value_or(""));
  }

  bool origin_allowed(const Request& req, std::string_view origin) const {
    if (origin == own_origin(req)) return true;
    return std::find(config.allowed_origins.begin(), config.allowed_origins.end(), origin) !=
           config.allowed_origins.end();
  }

  Response serve_static(const Request& req, const Target& target) const {
    if (config.static_dir.empty() || (req.method != "GET" && req.method != "HEAD")) {
      return error_response("not_found", text::format(Id::kApiNoRoute, utf8::escaped(req.method),
                                                      utf8::escaped(req.target.substr(0, 200))));
    }
    std::string rel;
    for (const auto& s : target.segments) {
      // No way out of the folder, no hidden files.
      if (s.empty() || s.front() == '.' || s.find('\\') != std::string::npos) {
        rel.clear();
        break;
      }
      rel += "/" + s;
    }
    if (target.segments.empty()) rel = "/index.html";
    std::ifstream in(config.static_dir + rel, std::ios::binary);
    if (rel.empty() || !in) {
      return error_response("not_found", text::format(Id::kApiNoRoute, "GET", utf8::escaped(rel)));
    }
    std::ostringstream body;
    body << in.rdbuf();
    Response r;
    r.content_type = content_type_of(rel);
    r.body = body.str();
    return r;
  }

  Response route(const Request& req) {
    const auto target = parse_target(req.target);
    if (!target) return error_response("invalid", text::pattern(Id::kApiBadTarget));
    if (target->segments.empty() || target->segments.front() != "api") {
      return serve_static(req, *target);
    }
    const Route* found = nullptr;
    std::vector<std::pair<std::string, std::string>> params;
    std::vector<std::string> methods;
    for (const auto& r : detail::all_routes()) {
      auto m = match(r.info.path, target->segments);
      if (!m) continue;
      methods.push_back(r.info.method);
      if (r.info.method == req.method) {
        found = &r;
        params = std::move(*m);
      }
    }
    if (!found && methods.empty()) {
      return error_response("not_found", text::format(Id::kApiNoRoute, utf8::escaped(req.method),
                                                      utf8::escaped(req.target.substr(0, 200))));
    }
    const auto origin = req.header("Origin");
    if (req.method == "OPTIONS" && origin && !found) {  // a CORS preflight
      if (!origin_allowed(req, *origin)) {
        return error_response("forbidden",
                              text::format(Id::kApiOriginRefused, utf8::escaped(*origin)));
      }
      Response r;
      r.status = 204;
      r.headers = {{"Access-Control-Allow-Origin", std::string(*origin)},
                   {"Access-Control-Allow-Methods", joined(methods)},
                   {"Access-Control-Allow-Headers", "Authorization, Content-Type"},
                   {"Access-Control-Max-Age", "600"},
                   {"Vary", "Origin"}};
      return r;
    }
    if (!found) {
      auto r = error_response(
          "wrong_method", text::format(Id::kApiWrongMethod,
                                       utf8::escaped(req.target.substr(0, req.target.find('?'))),
                                       utf8::escaped(req.method), joined(methods)));
      r.headers.emplace_back("Allow", joined(methods));
      return r;
    }
    // A page of another origin may not act (CSRF); reading needs a token it cannot have.
    if (origin && req.method != "GET" && !origin_allowed(req, *origin)) {
      return error_response("forbidden",
                            text::format(Id::kApiOriginRefused, utf8::escaped(*origin)));
    }
    if (auto bad = check_query(found->info, target->query)) return *bad;
    Call call{req,
              found->info,
              std::move(params),
              target->query,
              json::object(),
              {},
              {},
              {},
              ops,
              clock,
              config,
              shared};
    if (found->info.needs_session) {
      if (auto refused = authenticate(call)) return *refused;
    }
    if (auto bad = check_body(call)) return *bad;
    auto r = found->handler(call);
    if (origin && origin_allowed(req, *origin)) {
      r.headers.emplace_back("Access-Control-Allow-Origin", std::string(*origin));
      r.headers.emplace_back("Vary", "Origin");
    }
    return r;
  }

  /// The call's actor from its bearer token; the 401 answer if there is none or it has ended.
  std::optional<Response> authenticate(Call& call) {
    const auto auth = call.req.header("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (!auth || auth->size() <= kBearer.size() || auth->substr(0, kBearer.size()) != kBearer) {
      return error_response("unauthenticated", text::pattern(Id::kApiUnauthenticated));
    }
    call.token = std::string(auth->substr(kBearer.size()));
    // A token is 64 hex digits; anything else cannot be one and is not looked up.
    if (call.token.size() != 64 || !std::all_of(call.token.begin(), call.token.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) != 0;
        })) {
      return error_response("unauthenticated", text::pattern(Id::kApiSessionEnded));
    }
    if (call.info.tenant) {
      // A tenant's token opens only the tenant's routes, an operator's never them.
      auto t = ops.resume_tenant_session(call.token);
      if (!t) return error_response("unauthenticated", t.error().message);
      call.tenant = std::move(t).value();
      return std::nullopt;
    }
    auto actor = detail::operator_session(ops, clock, config, call.token);
    if (!actor) return error_response("unauthenticated", text::pattern(Id::kApiSessionEnded));
    call.actor = std::move(*actor);
    return std::nullopt;
  }
};

Api::Api(service::Operations& ops, const domain::Clock& clock, ApiConfig config)
    : impl_(std::make_unique<Impl>(ops, clock, std::move(config))) {}

Api::~Api() = default;

Response Api::handle(const Request& req) {
  const text::LanguageScope lang(language_of(req.header("Accept-Language")));
  Response r;
  try {
    r = impl_->route(req);
  } catch (const std::exception& e) {
    const auto ref = "api-" + std::to_string(++g_reference);
    spdlog::error("{}: {} {} failed: {}", ref, utf8::escaped(req.method),
                  utf8::escaped(req.target.substr(0, req.target.find('?'))), e.what());
    r = error_response("internal", text::format(Id::kApiInternal, ref));
  }
  // The security headers on every answer, once.
  for (auto& h : security_headers(req.tls)) {
    const bool present = std::any_of(r.headers.begin(), r.headers.end(),
                                     [&](const auto& x) { return x.first == h.first; });
    if (!present) r.headers.push_back(std::move(h));
  }
  if (r.content_type.rfind("application/json", 0) == 0 || r.status >= 400) {
    r.headers.emplace_back("Content-Language",
                           text::language() == text::Lang::kZhCN ? "zh-CN" : "en");
  }
  return r;
}

std::vector<RouteInfo> Api::routes() {
  std::vector<RouteInfo> out;
  for (const auto& r : detail::all_routes())
    out.push_back(r.info);
  return out;
}

}  // namespace phil::api
