#include <limits>

#include <phil/common/decimal.hpp>

namespace phil {

std::optional<std::int64_t> parse_decimal(std::string_view text, int decimals) {
  if (text.empty() || decimals < 0 || decimals > 12) return std::nullopt;
  bool negative = false;
  std::size_t i = 0;
  if (text[0] == '-') {
    negative = true;
    i = 1;
  }
  if (i >= text.size()) return std::nullopt;
  // Accumulate as a negative number so INT64_MIN parses without overflow.
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  std::int64_t acc = 0;
  int frac_digits = 0;
  bool seen_point = false;
  bool seen_digit = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.') {
      if (seen_point || !seen_digit) return std::nullopt;
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    if (seen_point && ++frac_digits > decimals) return std::nullopt;
    const int digit = c - '0';
    if (acc < (kMin + digit) / 10) return std::nullopt;
    acc = acc * 10 - digit;
    seen_digit = true;
  }
  if (!seen_digit || (seen_point && frac_digits == 0)) return std::nullopt;
  for (int k = frac_digits; k < decimals; ++k) {
    if (acc < kMin / 10) return std::nullopt;
    acc *= 10;
  }
  if (negative) return acc;
  if (acc == kMin) return std::nullopt;
  return -acc;
}

std::string format_decimal(std::int64_t scaled, int decimals) {
  const bool negative = scaled < 0;
  // Work in unsigned magnitude so INT64_MIN formats correctly.
  std::uint64_t mag =
      negative ? (~static_cast<std::uint64_t>(scaled) + 1U) : static_cast<std::uint64_t>(scaled);
  std::string digits = std::to_string(mag);
  const auto d = static_cast<std::size_t>(decimals < 0 ? 0 : decimals);
  if (digits.size() <= d) digits.insert(0, d + 1 - digits.size(), '0');
  if (d > 0) digits.insert(digits.size() - d, 1, '.');
  return negative ? "-" + digits : digits;
}

std::optional<int> parse_power_of_ten(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text.find('.') == std::string_view::npos) {
    // "1", "10", "100", ...
    if (text[0] != '1') return std::nullopt;
    for (std::size_t i = 1; i < text.size(); ++i) {
      if (text[i] != '0') return std::nullopt;
    }
    return static_cast<int>(text.size() - 1);
  }
  // "0.1", "0.01", ...
  if (text.size() < 3 || text.substr(0, 2) != "0." || text.back() != '1') return std::nullopt;
  for (std::size_t i = 2; i + 1 < text.size(); ++i) {
    if (text[i] != '0') return std::nullopt;
  }
  return -static_cast<int>(text.size() - 2);
}

}  // namespace phil
