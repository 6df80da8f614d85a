#pragma once
// A meter (one circuit of one box on one bus), written "bus1/3/12": bus id, box address,
// circuit number from 1.
#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace phil::domain {

struct MeterId {
  std::string bus;
  int box = 0;      ///< Modbus address 1..247
  int circuit = 0;  ///< 1..64

  /// Parses "bus/box/circuit"; nullopt if malformed or out of range.
  static std::optional<MeterId> parse(std::string_view text);
  std::string to_string() const;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy misreads the defaulted comparison
  auto operator<=>(const MeterId&) const = default;
};

}  // namespace phil::domain
