#pragma once
// Exact decimal text <-> scaled integers. Money and energy never pass through floating point.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace phil {

/// Parses "12.34", "-0.5" or "7" into an integer scaled by 10^decimals ("12.34" with 2 -> 1234).
/// Rejects more fractional digits than `decimals` (no silent rounding), exponents, spaces,
/// leading '+', and values that do not fit in int64. Returns nullopt on any of these.
std::optional<std::int64_t> parse_decimal(std::string_view text, int decimals);

/// Formats an integer scaled by 10^decimals as decimal text: (1234, 2) -> "12.34",
/// (-5, 2) -> "-0.05".
std::string format_decimal(std::int64_t scaled, int decimals);

/// Parses a power of ten written as decimal text ("1", "10", "0.01", "0.0001") and returns its
/// exponent (0, 1, -2, -4). Returns nullopt for anything that is not an exact power of ten.
std::optional<int> parse_power_of_ten(std::string_view text);

}  // namespace phil
