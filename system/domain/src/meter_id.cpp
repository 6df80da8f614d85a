#include <charconv>

#include <phil/domain/meter_id.hpp>

namespace phil::domain {

namespace {

std::optional<int> parse_int(std::string_view s, int min, int max) {
  if (s.empty() || s.size() > 3 || s[0] == '0') return std::nullopt;
  int v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < min || v > max) return std::nullopt;
  return v;
}

bool valid_bus(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::optional<MeterId> MeterId::parse(std::string_view text) {
  const auto first = text.find('/');
  if (first == std::string_view::npos) return std::nullopt;
  const auto second = text.find('/', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  const auto bus = text.substr(0, first);
  const auto box = parse_int(text.substr(first + 1, second - first - 1), 1, 247);
  const auto circuit = parse_int(text.substr(second + 1), 1, 64);
  if (!valid_bus(bus) || !box || !circuit) return std::nullopt;
  return MeterId{std::string(bus), *box, *circuit};
}

std::string MeterId::to_string() const {
  return bus + "/" + std::to_string(box) + "/" + std::to_string(circuit);
}

}  // namespace phil::domain
