#pragma once
// User-facing text of the simulator (profile and fleet errors, start-up failures). Kept in one
// place, like phil::text, so a translation can follow; generic YAML messages come from
// phil::text. Every message says what is wrong and what to do; the location is added by
// yaml::ConfigError.
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace phil::sim::text {

enum class Id {
  kUnknownRegisterName,    // {0}=name {1}=known names
  kDuplicateName,          // {0}=what {1}=name
  kWrongRegisterType,      // {0}=name {1}=allowed types
  kWrongWords,             // {0}=type {1}=words
  kWordsRequired,          // {0}=type
  kScaleNotPowerOfTen,     // {0}=value
  kWrongUnit,              // {0}=name {1}=expected unit {2}=given unit
  kMoneyTooCoarse,         // {0}=name
  kUnknownEnum,            // {0}=kind (enum/flags) {1}=name
  kEnumMissingLabel,       // {0}=enum {1}=label
  kDuplicateBit,           // {0}=bit
  kRegisterPastEnd,        // {0}=register {1}=circuit
  kRegisterOverlap,        // {0}=register A {1}=register B {2}=address
  kCreditNotAdjacent,      // {0} count register, {1} amount register
  kCreditNotWritable,      // {0} count register, {1} amount register
  kDuplicateProfile,       // {0}=id {1}=other file
  kDuplicateModel,         // {0}=model {1}=other profile
  kLoadKind,               // no args
  kBadUtcOffset,           // {0}=value
  kBadBaud,                // {0}=value {1}=standard rates
  kEmptyText,              // {0}=what
  kBadTouStart,            // {0}=value
  kTouNotIncreasing,       // no args
  kCannotReadCsv,          // {0}=path {1}=reason
  kBadCsvLine,             // {0}=path {1}=line {2}=what
  kWalkRange,              // no args
  kUnknownFaultBus,        // {0}=bus
  kUnknownFaultBox,        // {0}=address {1}=bus
  kFaultNeedsBox,          // no args
  kNoModelWithPhases,      // {0}=phases {1}=register
  kPerPhaseNeedsThree,     // {0}=register
  kCreditPhasesDiffer,     // {0} count register, {1} amount register
  kPhaseSplitShape,        // no args
  kPhaseSplitSinglePhase,  // {0}=circuit {1}=model
  kAlarmOrder,             // {0}=alarm 2 (yuan) {1}=alarm 1 (yuan)
  kPortLeavesRunDir,       // {0}=port
  kPrepaidInEnergyOnly,    // {0}=register
  kEnergyOnlyNoTotal,      // no args
  kEnergyOnlyKey,          // {0}=key {1}=circuit {2}=model
};

std::string_view pattern(Id id);

template <typename... Args>
std::string format(Id id, Args&&... args) {
  return fmt::vformat(pattern(id), fmt::make_format_args(args...));
}

}  // namespace phil::sim::text
