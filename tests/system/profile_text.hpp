#pragma once
// Shared helpers of the system's profile decoder tests: a profile text with one part changed,
// decoded under a file name, and the error it gives.
#include <string>

#include <gtest/gtest.h>

#include <phil/meterlink/profile.hpp>

namespace phil::meterlink::testing {

/// `text` with the first `from` replaced by `to`; a test failure if `from` is not there (so a
/// fixture edit cannot silently turn a negative test into a positive one).
inline std::string with(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "fixture lacks " << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

/// `text` decoded as the file `name` (errors say name:line:col).
inline Profile parse_named(const std::string& text, const std::string& name) {
  const auto doc = yaml::Document::load_string(text, name);
  return parse_profile(doc.root());
}

/// The ConfigError message decoding `text` as `name` gives; a test failure if it decodes.
inline std::string error_of_named(const std::string& text, const std::string& name) {
  try {
    (void)parse_named(text, name);
  } catch (const yaml::ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return {};
}

inline bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace phil::meterlink::testing
