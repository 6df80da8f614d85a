#include <phil/sim/messages.hpp>

namespace phil::sim::text {

std::string_view pattern(Id id) {
  switch (id) {
    case Id::kUnknownRegisterName:
      return "unknown register name \"{0}\"; the simulator knows: {1}. Use a canonical name";
    case Id::kDuplicateName:
      return "duplicate {0} \"{1}\". Keep only one";
    case Id::kWrongRegisterType:
      return "register \"{0}\" cannot have this type; use {1}";
    case Id::kWrongWords:
      return "type {0} takes exactly one word per 16 bits, not {1}. Remove `words` or fix it";
    case Id::kWordsRequired:
      return "type {0} needs `words` (1..64). Add it";
    case Id::kScaleNotPowerOfTen:
      return "scale \"{0}\" is not an exact power of ten. Use 1, 10, 0.1, 0.01, ...";
    case Id::kWrongUnit:
      return "register \"{0}\" must have unit \"{1}\", not \"{2}\". Correct the unit";
    case Id::kMoneyTooCoarse:
      return "register \"{0}\" holds money; its scale must be 0.01 yuan or finer";
    case Id::kUnknownEnum:
      return "no {0} named \"{1}\" is defined. Define it or correct the name";
    case Id::kEnumMissingLabel:
      return "enum \"{0}\" needs the label \"{1}\". Add it";
    case Id::kDuplicateBit:
      return "bit {0} is used twice in this flag set. Give each flag its own bit";
    case Id::kRegisterPastEnd:
      return "register \"{0}\" of circuit {1} runs past address 0xFFFF. Lower its base or stride";
    case Id::kRegisterOverlap:
      return "register {0} overlaps register {1} at address {2:#06x}. Move one of them";
    case Id::kCreditNotAdjacent:
      return "{1} must directly follow {0} with the same stride (a credit or a debit is one "
             "write of both). Move it";
    case Id::kCreditNotWritable:
      return "{0} and {1} must both be RW (a credit or a debit writes them). Fix access";
    case Id::kDuplicateProfile:
      return "profile id \"{0}\" is also declared by {1}. Give each profile its own id";
    case Id::kDuplicateModel:
      return "model \"{0}\" is also defined by profile \"{1}\". Model names must be unique";
    case Id::kPhaseSplitShape:
      return "phase_split is three integer weights [A, B, C], e.g. [40, 35, 25], each 0..1000000 "
             "and not all 0. Correct the list";
    case Id::kPhaseSplitSinglePhase:
      return "circuit {0} has a phase_split but model {1} is single-phase. Remove phase_split or "
             "use a three-phase model";
    case Id::kLoadKind:
      return "a load is one of {{constant: W}}, {{daily: residential|office|shop, peak_w: W, "
             "seed: N}}, {{csv: FILE}} or {{walk: {{start_w, min_w, max_w, step_w, interval, "
             "seed}}}}. Give exactly one of `constant`, `daily`, `csv` and `walk`";
    case Id::kBadUtcOffset:
      return "invalid UTC offset \"{0}\"; write it as +HH:MM or -HH:MM (e.g. +08:00)";
    case Id::kBadBaud:
      return "unsupported baud rate {0}; use one of {1}";
    case Id::kAlarmOrder:
      return "alarm2 {0} is above alarm1 {1}; alarm 2 is the lower, later warning. Lower alarm2 "
             "or raise alarm1";
    case Id::kPortLeavesRunDir:
      return "port \"{0}\" leads out of the run directory; a relative port stays inside it "
             "(write an absolute path to publish the pty elsewhere)";
    case Id::kEmptyText:
      return "{0} must not be empty. Give it a value";
    case Id::kBadTouStart:
      return "invalid period start \"{0}\"; write it as HH:MM (00:00..23:59)";
    case Id::kTouNotIncreasing:
      return "period starts must strictly increase through the day (at most 14 periods). Sort "
             "them";
    case Id::kCannotReadCsv:
      return "cannot read the load file {0} ({1}). Check the path (relative to the fleet file)";
    case Id::kBadCsvLine:
      return "{0}:{1}: {2}. Write each line as TIMESTAMP,WATTS (e.g. "
             "2026-03-01T00:00:00+08:00,1200), timestamps increasing";
    case Id::kUnknownFaultBus:
      return "no bus \"{0}\" in this fleet. Name one of the fleet's bus ids";
    case Id::kUnknownFaultBox:
      return "no box at address {0} on bus {1}. Give the address of one of its boxes (or 0 for "
             "all)";
    case Id::kFaultNeedsBox:
      return "this fault kind needs the `address` of one box of the bus. Add it";
    case Id::kWalkRange:
      return "a random walk needs 0 <= min_w <= start_w <= max_w. Fix the bounds";
    case Id::kNoModelWithPhases:
      return "no model has {0} phase(s), so register \"{1}\" would exist on none. Correct "
             "`phases` or the models";
    case Id::kPerPhaseNeedsThree:
      return "register \"{0}\" is per phase and exists only on three-phase models. Add "
             "`phases: 3`";
    case Id::kCreditPhasesDiffer:
      return "{0} and {1} must have the same `phases`, so every model that has one has both";
    case Id::kPrepaidInEnergyOnly:
      return "register \"{0}\" belongs to a prepaid meter, and this profile is `kind: "
             "energy_only` (it meters only: no balance, relay, mode, status, credit, debit, "
             "threshold or price). Remove the register, or drop `kind: energy_only`";
    case Id::kEnergyOnlyNoTotal:
      return "a profile of kind energy_only is read for its energy and needs the circuit register "
             "energy_total. Add it";
    case Id::kEnergyOnlyKey:
      return "`{0}` is a prepaid setting, and circuit {1} of model {2} is an energy-only meter (no "
             "balance, relay, mode or prices: it meters its load). Remove `{0}`";
  }
  return "?";
}

}  // namespace phil::sim::text
