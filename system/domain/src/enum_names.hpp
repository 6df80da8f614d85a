#pragma once
// Name tables for the domain's enums: one table per enum gives both directions.
#include <array>
#include <optional>
#include <string_view>
#include <utility>

namespace phil::domain::detail {

template <typename E, std::size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

template <typename E, std::size_t N>
std::string_view name_of(const NameTable<E, N>& table, E e) {
  for (const auto& [k, v] : table) {
    if (k == e) return v;
  }
  return "?";
}

template <typename E, std::size_t N>
std::optional<E> value_of(const NameTable<E, N>& table, std::string_view s) {
  for (const auto& [k, v] : table) {
    if (v == s) return k;
  }
  return std::nullopt;
}

}  // namespace phil::domain::detail
