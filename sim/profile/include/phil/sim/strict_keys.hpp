#pragma once
// Strict-map helper shared by the sim's decoders (profiles, fleets).
#include <initializer_list>
#include <string_view>

#include <phil/common/yaml.hpp>

namespace phil::sim {

/// Throws yaml::ConfigError if `node` (a map) has a key outside `allowed`. Call it before looking
/// up required keys, so a misspelt key is reported as unknown (with the allowed keys) rather
/// than as a missing required one.
inline void reject_unknown_keys(const yaml::Node& node,
                                std::initializer_list<std::string_view> allowed) {
  yaml::Map m(node);
  for (auto key : allowed)
    (void)m.optional(key);
  m.finish();
}

}  // namespace phil::sim
