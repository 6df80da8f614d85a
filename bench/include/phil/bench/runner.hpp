#pragma once
// Runs one scenario in-process: the virtual fleet (real ptys) and the billing system (real
// libmodbus, real SQLite file) under one manual clock. The runner steps the clock itself — to the
// next tick, the next poll or the next timeline time, whichever is first — so a month of
// 30-minute polls runs in seconds and the same scenario always gives the same result.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <phil/bench/scenario.hpp>

namespace phil::bench {

struct StepOutcome {
  std::string text;  ///< the step as written
  yaml::Mark mark;   ///< where it is written
  bool passed = false;
  bool skipped = false;  ///< not run because an earlier step failed
  std::string detail;    ///< what was observed
  TimePoint started{};
  TimePoint finished{};
};

struct ScenarioResult {
  std::string id;
  std::string name;
  std::string file;
  bool passed = false;
  std::string failure;  ///< first failure, "file:line:col: ..." (empty when passed)
  std::chrono::minutes utc_offset{0};
  TimePoint sim_start{};
  TimePoint sim_end{};
  double wall_seconds = 0;
  std::uint64_t frames = 0;    ///< Modbus frames the fleet answered
  std::uint64_t polls = 0;     ///< poll cycles the system completed
  std::uint64_t commands = 0;  ///< commands the system confirmed
  std::vector<StepOutcome> steps;
};

struct RunOptions {
  std::string work_dir;  ///< per-scenario directory: ptys (vbus/...), system.db
  std::string profiles_dir;
  /// Frame trace sink (adf300-sim --trace format); empty: no trace.
  std::function<void(const std::string&)> trace;
};

/// Runs `scenario`. Never throws for a failing expectation (that is a result); throws only if the
/// environment prevents running (a pty cannot be opened, the database cannot be created).
ScenarioResult run_scenario(const Scenario& scenario, const RunOptions& options);

}  // namespace phil::bench
