#pragma once
// Shared helpers of the sim tests: the profiles directory and timestamps.
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include <phil/common/time.hpp>
#include <phil/common/yaml.hpp>

namespace phil::sim::testing {

/// The profiles the tests decode: the repository's, unless PHIL_PROFILES_DIR names another
/// directory (to run the suite against a site's edited profile).
inline std::string profiles_dir() {
  if (const char* dir = std::getenv("PHIL_PROFILES_DIR")) return dir;
  return PHIL_SOURCE_DIR "/profiles";
}

inline TimePoint at(const char* iso) {
  const auto t = parse_timestamp(iso);
  if (!t) std::abort();
  return t->utc;
}

/// `text` with the first `from` replaced by `to`; a test failure if `from` is not there (so a
/// fixture edit cannot silently turn a negative test into a positive one).
inline std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  if (at == std::string::npos) {
    ADD_FAILURE() << "fixture lacks " << from;
  } else {
    text.replace(at, from.size(), to);
  }
  return text;
}

/// The message of the yaml::ConfigError that `parse` throws; "" if it throws none.
template <typename Parse>
std::string config_error_of(Parse&& parse) {
  try {
    parse();
  } catch (const yaml::ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace phil::sim::testing
