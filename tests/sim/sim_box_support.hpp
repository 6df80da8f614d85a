#pragma once
// Shared helpers of the sim's register-bank tests: a box's read as words, or its exception.
#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include <phil/sim/box.hpp>

namespace phil::sim::testing {

/// The words `box` answers a read of `count` registers from `start` with; a test failure (and
/// no words) if it answers an exception.
inline std::vector<std::uint16_t> read_words(const Box& box, std::uint16_t start,
                                             std::uint16_t count) {
  auto r = box.read(start, count);
  if (auto* e = std::get_if<rtu::Exception>(&r)) {
    ADD_FAILURE() << "exception " << static_cast<int>(*e);
    return {};
  }
  return std::get<std::vector<std::uint16_t>>(r);
}

/// The exception `box` answers a read with; nullopt if it answers words.
inline std::optional<rtu::Exception> read_error(const Box& box, std::uint16_t start,
                                                std::uint16_t count) {
  auto r = box.read(start, count);
  if (auto* e = std::get_if<rtu::Exception>(&r)) return *e;
  return std::nullopt;
}

}  // namespace phil::sim::testing
