#pragma once
// Scenario results for people and machines: a console table, JUnit XML (for CI dashboards),
// a Markdown report with each step's outcome, and JSON.
#include <ostream>
#include <string>
#include <vector>

#include <phil/bench/runner.hpp>

namespace phil::bench {

void print_table(std::ostream& out, const std::vector<ScenarioResult>& results);
std::string to_junit(const std::vector<ScenarioResult>& results);
std::string to_markdown(const std::vector<ScenarioResult>& results);
std::string to_json(const std::vector<ScenarioResult>& results);

/// Escapes text for XML attribute and element content.
std::string xml_escape(const std::string& s);

}  // namespace phil::bench
