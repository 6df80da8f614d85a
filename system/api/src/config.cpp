#include <arpa/inet.h>

#include <phil/api/config.hpp>
#include <phil/common/decimal.hpp>
#include <phil/common/yaml.hpp>
#include <phil/domain/sessions.hpp>

namespace phil::api {

bool loopback_address(const std::string& address) {
  in_addr v4{};
  if (::inet_pton(AF_INET, address.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, address.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

namespace {

bool ip_address(const std::string& address) {
  in_addr v4{};
  in6_addr v6{};
  return ::inet_pton(AF_INET, address.c_str(), &v4) == 1 ||
         ::inet_pton(AF_INET6, address.c_str(), &v6) == 1;
}

ApiConfig parse(const yaml::Document& doc) {
  ApiConfig c;
  yaml::Map m(doc.root());
  if (auto n = m.optional("listen")) {
    const auto text = n->as_string();
    // "address:port", "[v6]:port"
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) n->fail("write address:port, e.g. 0.0.0.0:8443 or [::1]:8443");
    auto host = text.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    if (!ip_address(host)) {
      n->fail("\"" + host + "\" is not an IP address; give the address to listen on, e.g. 0.0.0.0");
    }
    int port = 0;
    try {
      std::size_t used = 0;
      port = std::stoi(text.substr(colon + 1), &used);
      if (used != text.size() - colon - 1) port = 0;
    } catch (const std::exception&) {
      port = 0;
    }
    if (port < 1 || port > 65535) n->fail("the port must be 1..65535, e.g. 0.0.0.0:8443");
    c.address = host;
    c.port = static_cast<unsigned short>(port);
  }
  if (auto n = m.optional("tls")) {
    yaml::Map t(*n);
    if (auto x = t.optional("certificate")) c.certificate = x->as_string();
    if (auto x = t.optional("key")) c.key = x->as_string();
    if (auto x = t.optional("generated_dir")) c.generated_dir = x->as_string();
    if (c.certificate.has_value() != c.key.has_value()) {
      n->fail("give both certificate and key, or neither (a self-signed pair is then made)");
    }
    t.finish();
  }
  if (auto n = m.optional("plain_http")) {
    c.plain_http = n->as_bool();
    if (c.plain_http && !loopback_address(c.address)) {
      n->fail("plain HTTP is allowed on a loopback address only (127.0.0.1, ::1); listen is " +
              c.address);
    }
  }
  if (auto n = m.optional("session_lifetime")) {
    c.session_lifetime = n->as_duration(
        Millis(60'000), std::chrono::duration_cast<Millis>(domain::kSessionLifetime));
  }
  if (auto n = m.optional("allowed_origins")) {
    for (const auto& e : n->elements()) {
      const auto o = e.as_string();
      if (o.rfind("https://", 0) != 0 && o.rfind("http://", 0) != 0) {
        e.fail("an origin is scheme://host[:port], e.g. https://office.example");
      }
      c.allowed_origins.push_back(o);
    }
  }
  if (auto n = m.optional("limits")) {
    yaml::Map l(*n);
    auto& x = c.limits;
    if (auto v = l.optional("max_body"))
      x.max_body = static_cast<std::size_t>(v->as_int(1024, std::int64_t{16} * 1024 * 1024));
    if (auto v = l.optional("max_header"))
      x.max_header = static_cast<std::size_t>(v->as_int(1024, std::int64_t{64} * 1024));
    if (auto v = l.optional("request_timeout")) {
      x.request_timeout = v->as_duration(Millis(1000), Millis(300'000));
    }
    if (auto v = l.optional("max_connections"))
      x.max_connections = static_cast<std::size_t>(v->as_int(1, 100'000));
    if (auto v = l.optional("login_per_minute")) {
      x.login_per_minute = static_cast<int>(v->as_int(1, 1000));
    }
    if (auto v = l.optional("threads")) x.threads = static_cast<int>(v->as_int(1, 64));
    if (auto v = l.optional("max_streams"))
      x.max_streams = static_cast<std::size_t>(v->as_int(0, 10'000));
    l.finish();
  }
  if (auto n = m.optional("feed_interval")) {
    c.feed_interval = n->as_duration(Millis(200), Millis(60'000));
  }
  if (auto n = m.optional("static_dir")) c.static_dir = n->as_string();
  if (auto n = m.optional("confirm_above")) {
    const auto text = n->as_string();
    const auto fen = parse_decimal(text, 2);
    if (!fen || *fen <= 0) {
      n->fail("confirm_above \"" + text +
              "\" is not an amount above zero; write yuan with at "
              "most 2 decimals, e.g. \"1000.00\"");
    }
    c.confirm_above_fen = *fen;
  }
  m.finish();
  return c;
}

}  // namespace

ApiConfig load_api_config(const std::string& path) {
  return parse(yaml::Document::load_file(path));
}

ApiConfig parse_api_config(const std::string& text, const std::string& name) {
  return parse(yaml::Document::load_string(text, name));
}

}  // namespace phil::api
