#pragma once
// The one place user-facing text comes from. Every message shown to an operator, a QA engineer
// or a site engineer is a template here, keyed by a stable id, so a zh_CN catalogue can follow
// by adding a second table; code never embeds user-facing English inline.
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace phil::text {

enum class Id {
  // Configuration errors.
  kYamlSyntax,            // {0}=message
  kYamlUnknownKey,        // {0}=key {1}=allowed keys
  kYamlMissingKey,        // {0}=key
  kYamlWrongType,         // {0}=expected {1}=got
  kYamlOutOfRange,        // {0}=value {1}=min {2}=max
  kYamlBadValue,          // {0}=value {1}=expected form
  kYamlCannotOpen,        // {0}=reason
  kYamlDuplicate,         // {0}=what
  kYamlSeveralDocuments,  // {0}=line of the second document
  kYamlNotText,           // {0}=what is wrong {1}=line {2}=column
  kTextInvalidUtf8,       // {0}=byte (hex)
  kTextControlChar,       // {0}=code point (hex)
  // Devices (phil/common/device_models.hpp).
  kUnknownModel,       // {0}=model {1}=known models
  kCircuitOutOfModel,  // {0}=circuit {1}=model {2}=circuits
  kNoProfiles,         // {0}=dir
  kCannotReadDir,      // {0}=reason
  // Bench.
  kScenarioPassed,
  kScenarioFailed,
  kReportWritten,  // {0}=path
};

/// The template for `id` in the active language (English for now).
std::string_view pattern(Id id);

/// Formats the template for `id` with `args` (fmt syntax, positional).
template <typename... Args>
std::string format(Id id, Args&&... args) {
  return fmt::vformat(pattern(id), fmt::make_format_args(args...));
}

}  // namespace phil::text
