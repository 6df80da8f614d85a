#include <charconv>
#include <stdexcept>

#include "gateways.hpp"

namespace phil::notify {

std::optional<Url> parse_url(std::string_view url) {
  Url u;
  if (url.starts_with("https://")) {
    u.tls = true;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  const auto slash = url.find('/');
  auto authority = url.substr(0, slash);
  u.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  if (authority.find('@') != std::string_view::npos) return std::nullopt;  // no credentials
  const auto colon = authority.rfind(':');
  u.port = u.tls ? "443" : "80";
  if (colon != std::string_view::npos) {
    const auto port = authority.substr(colon + 1);
    int n = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (ec != std::errc{} || end != port.data() + port.size() || n < 1 || n > 65535) {
      return std::nullopt;
    }
    u.port = std::string(port);
    authority = authority.substr(0, colon);
  }
  if (authority.empty()) return std::nullopt;
  for (const char c : authority) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-';
    if (!ok) return std::nullopt;
  }
  u.host = std::string(authority);
  for (const char c : u.target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return std::nullopt;
  }
  return u;
}

std::unique_ptr<Gateway> make_gateway(const GatewaySpec& spec) {
  switch (spec.kind) {
    case GatewaySpec::Kind::kFile:
      if (spec.path.empty()) {
        throw std::invalid_argument("the file gateway needs a path; give `path: sms.log`");
      }
      return std::make_unique<detail::FileGateway>(spec.path);
    case GatewaySpec::Kind::kCommand:
      if (spec.argv.empty() || spec.argv.front().empty()) {
        throw std::invalid_argument(
            "the command gateway needs a program; give `command: [/usr/local/bin/send-sms]`");
      }
      return std::make_unique<detail::CommandGateway>(spec.argv, spec.timeout);
    case GatewaySpec::Kind::kHttp:
      return std::make_unique<detail::HttpGateway>(spec);
  }
  throw std::invalid_argument("unknown gateway kind");
}

}  // namespace phil::notify
