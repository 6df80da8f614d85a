#pragma once
// The scenario loader's parts, private to the bench: the top level (scenario_loader.cpp: clock,
// fleet, system, accounts), expectations, conditions and the quantities table
// (expect_parser.cpp), and the timeline's steps and actions (action_parser.cpp). Each refuses
// what it cannot read with file:line:col (yaml::Node::fail).
#include <string>
#include <string_view>
#include <vector>

#include <phil/bench/scenario.hpp>

namespace phil::bench::detail {

/// "bus/box/circuit", each part in the fleet.
MeterRef parse_meter(const yaml::Node& where, std::string_view text, const sim::FleetSpec& fleet);

/// "relay(bus1/1/1) == open"
Check parse_condition(const yaml::Node& node, const sim::FleetSpec& fleet);

/// `expect: {meter | account | ledger: ..., quantities..., within, tolerance}`
/// `scans`: the scenario runs the status scan (system.status_scan), so a window may count scans.
Step parse_expect(const yaml::Node& step_node, const yaml::Node& body, const sim::FleetSpec& fleet,
                  const std::vector<AccountSpec>& accounts, bool scans);

/// What the timeline knows while it is being read: the fleet, the accounts and the faults
/// named so far (clear_fault may only name a fault injected by an earlier step).
struct TimelineContext {
  const sim::FleetSpec& fleet;
  const std::vector<AccountSpec>& accounts;
  std::vector<std::string> fault_names;
  bool status_scan = false;  ///< system.status_scan is on: `within: N scans` is allowed
};

/// One element of `timeline`.
Step parse_step(const yaml::Node& node, TimelineContext& ctx);

}  // namespace phil::bench::detail
