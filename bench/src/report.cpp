#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <phil/bench/report.hpp>
#include <phil/common/text.hpp>

namespace phil::bench {

namespace {

std::string verdict(const ScenarioResult& r) {
  return std::string(
      text::pattern(r.passed ? text::Id::kScenarioPassed : text::Id::kScenarioFailed));
}

std::string sim_span(const ScenarioResult& r) {
  return format_duration(std::chrono::duration_cast<Millis>(r.sim_end - r.sim_start));
}

std::size_t passed_steps(const ScenarioResult& r) {
  std::size_t n = 0;
  for (const auto& s : r.steps)
    n += s.passed ? 1 : 0;
  return n;
}

std::string step_log(const ScenarioResult& r) {
  std::string out;
  for (const auto& s : r.steps) {
    const char* mark = s.skipped ? "skip" : (s.passed ? "ok  " : "FAIL");
    out += fmt::format("{} [{}] {} ({}) {}\n", mark, format_timestamp(s.started, r.utc_offset),
                       s.text, s.mark.to_string(), s.detail);
  }
  return out;
}

}  // namespace

std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // Control characters other than tab/newline are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') {
          out += '?';
        } else {
          out += c;
        }
    }
  }
  return out;
}

void print_table(std::ostream& out, const std::vector<ScenarioResult>& results) {
  std::size_t width = 8;
  for (const auto& r : results)
    width = std::max(width, r.id.size());
  out << fmt::format("{:<{}}  {:<6}  {:>6}  {:>10}  {:>8}  {:>7}  {:>6}  {:>8}\n", "SCENARIO",
                     width, "RESULT", "STEPS", "SIM TIME", "WALL", "FRAMES", "POLLS", "COMMANDS");
  std::size_t passed = 0;
  for (const auto& r : results) {
    passed += r.passed ? 1 : 0;
    out << fmt::format("{:<{}}  {:<6}  {:>6}  {:>10}  {:>7.2f}s  {:>7}  {:>6}  {:>8}\n", r.id,
                       width, verdict(r), fmt::format("{}/{}", passed_steps(r), r.steps.size()),
                       sim_span(r), r.wall_seconds, r.frames, r.polls, r.commands);
    if (!r.passed) out << "    " << r.failure << "\n";
  }
  out << fmt::format("{} passed, {} failed\n", passed, results.size() - passed);
}

std::string to_junit(const std::vector<ScenarioResult>& results) {
  std::size_t failures = 0;
  double total = 0;
  for (const auto& r : results) {
    failures += r.passed ? 0 : 1;
    total += r.wall_seconds;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites tests=\"{}\" failures=\"{}\" time=\"{:.3f}\">\n", results.size(),
                     failures, total);
  out +=
      fmt::format("  <testsuite name=\"scenarios\" tests=\"{}\" failures=\"{}\" time=\"{:.3f}\">\n",
                  results.size(), failures, total);
  for (const auto& r : results) {
    out += fmt::format(
        "    <testcase classname=\"scenarios\" name=\"{}\" file=\"{}\" time=\"{:.3f}\">\n",
        xml_escape(r.id), xml_escape(r.file), r.wall_seconds);
    if (!r.passed) {
      out += fmt::format("      <failure message=\"{}\">{}</failure>\n", xml_escape(r.failure),
                         xml_escape(step_log(r)));
    }
    out += fmt::format("      <system-out>{}</system-out>\n", xml_escape(step_log(r)));
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

std::string to_markdown(const std::vector<ScenarioResult>& results) {
  std::string out =
      "# Scenario report\n\n| scenario | result | steps | simulated | wall | frames | polls | "
      "commands |\n|---|---|---|---|---|---|---|---|\n";
  for (const auto& r : results) {
    out += fmt::format("| {} | {} | {}/{} | {} | {:.2f} s | {} | {} | {} |\n", r.id, verdict(r),
                       passed_steps(r), r.steps.size(), sim_span(r), r.wall_seconds, r.frames,
                       r.polls, r.commands);
  }
  for (const auto& r : results) {
    out += fmt::format("\n## {} — {}\n\n{} · `{}` · simulated {} → {}\n\n", r.id, verdict(r),
                       r.name, r.file, format_timestamp(r.sim_start, r.utc_offset),
                       format_timestamp(r.sim_end, r.utc_offset));
    if (!r.passed) out += "**Failure:** " + r.failure + "\n\n";
    out += "| # | at (sim time) | step | where | outcome |\n|---|---|---|---|---|\n";
    std::size_t i = 0;
    for (const auto& s : r.steps) {
      const char* mark = s.skipped ? "skipped" : (s.passed ? "ok" : "**FAIL**");
      out += fmt::format("| {} | {} | {} | {} | {}: {} |\n", ++i,
                         format_timestamp(s.started, r.utc_offset), s.text, s.mark.to_string(),
                         mark, s.detail);
    }
  }
  return out;
}

std::string to_json(const std::vector<ScenarioResult>& results) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& r : results) {
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& s : r.steps) {
      steps.push_back({{"text", s.text},
                       {"where", s.mark.to_string()},
                       {"passed", s.passed},
                       {"skipped", s.skipped},
                       {"detail", s.detail},
                       {"started", format_timestamp(s.started, r.utc_offset)},
                       {"finished", format_timestamp(s.finished, r.utc_offset)}});
    }
    arr.push_back({{"id", r.id},
                   {"name", r.name},
                   {"file", r.file},
                   {"passed", r.passed},
                   {"failure", r.failure},
                   {"sim_start", format_timestamp(r.sim_start, r.utc_offset)},
                   {"sim_end", format_timestamp(r.sim_end, r.utc_offset)},
                   {"wall_seconds", r.wall_seconds},
                   {"frames", r.frames},
                   {"polls", r.polls},
                   {"commands", r.commands},
                   {"steps", steps}});
  }
  return nlohmann::json{{"scenarios", arr}}.dump(2) + "\n";
}

}  // namespace phil::bench
