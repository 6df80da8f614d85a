// hil-bench: runs YAML scenarios against the virtual fleet and the billing system in-process,
// under one manual clock. Exit status: 0 all passed, 1 a scenario failed, 2 bad input.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <phil/bench/report.hpp>
#include <phil/bench/runner.hpp>
#include <phil/bench/scenario.hpp>
#include <phil/common/cli.hpp>
#include <phil/common/text.hpp>

namespace fs = std::filesystem;

namespace {

/// "scenarios/arrears/trip-and-restore.yaml" -> "arrears/trip-and-restore".
std::string scenario_id(const fs::path& file) {
  fs::path rel = file.stem();
  for (fs::path dir = file.parent_path(); !dir.empty() && dir != dir.parent_path();
       dir = dir.parent_path()) {
    if (dir.filename() == "scenarios") return rel.generic_string();
    rel = dir.filename() / rel;
  }
  return file.stem().string();
}

std::vector<fs::path> expand(const std::vector<std::string>& paths) {
  std::vector<fs::path> files;
  for (const auto& p : paths) {
    const fs::path path(p);
    if (fs::is_directory(path)) {
      std::vector<fs::path> found;
      for (const auto& e : fs::recursive_directory_iterator(path)) {
        if (e.is_regular_file() && e.path().extension() == ".yaml") found.push_back(e.path());
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(path)) {
      files.push_back(path);
    } else {
      throw std::invalid_argument(p + ": no such scenario file or directory. Check the path");
    }
  }
  if (files.empty())
    throw std::invalid_argument("no scenario files (*.yaml) found in the paths given");
  return files;
}

bool write_file(const fs::path& path, const std::string& content) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hil-bench: run prepaid-hil scenarios against the virtual ADF300 fleet"};
  app.require_subcommand(1);
  std::vector<std::string> paths;
  std::string junit;
  std::string report_dir = "reports/latest";
  std::string profiles_dir = PHIL_DEFAULT_PROFILES_DIR;
  bool trace = false;
  std::string log_level = "error";  // comm-loss scenarios make the system warn by design

  auto* run = app.add_subcommand("run", "Run scenarios and report the results");
  run->add_option("paths", paths, "Scenario files or directories")->required();
  run->add_option("--junit", junit, "Write JUnit XML to this file");
  run->add_option("--report", report_dir, "Directory for report.md, results.json, work files")
      ->capture_default_str();
  run->add_option("--profiles", profiles_dir, "Device profile directory")->capture_default_str();
  run->add_flag("--trace", trace, "Print every Modbus frame with its decoding");
  run->add_option("--log-level", log_level, "System log level while running")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();

  auto* check = app.add_subcommand("check", "Validate scenario files without running them");
  check->add_option("paths", paths, "Scenario files or directories")->required();
  check->add_option("--profiles", profiles_dir, "Device profile directory")->capture_default_str();

  if (const auto status = phil::cli::parse(app, argc, argv)) return *status;

  std::vector<phil::bench::Scenario> scenarios;
  try {
    for (const auto& f : expand(paths)) {
      scenarios.push_back(phil::bench::load_scenario(f.string(), scenario_id(f), profiles_dir));
    }
  } catch (const std::exception& e) {
    std::cerr << "hil-bench: " << e.what() << "\n";
    return 2;
  }
  if (check->parsed()) {
    for (const auto& s : scenarios)
      std::cout << "valid: " << s.file << " (" << s.name << ")\n";
    return 0;
  }

  // The system's log goes to stderr: stdout carries the result table only.
  spdlog::set_default_logger(spdlog::stderr_color_mt("hil-bench"));
  spdlog::set_level(spdlog::level::from_str(log_level));
  std::vector<phil::bench::ScenarioResult> results;
  for (const auto& s : scenarios) {
    phil::bench::RunOptions opt;
    opt.work_dir = (fs::path(report_dir) / "work" / s.id).string();
    opt.profiles_dir = profiles_dir;
    if (trace) opt.trace = [](const std::string& line) { std::cerr << line << "\n"; };
    try {
      results.push_back(phil::bench::run_scenario(s, opt));
    } catch (const std::exception& e) {
      phil::bench::ScenarioResult r;
      r.id = s.id;
      r.name = s.name;
      r.file = s.file;
      r.failure = std::string("could not run: ") + e.what();
      results.push_back(r);
    }
  }

  phil::bench::print_table(std::cout, results);
  const fs::path report = fs::path(report_dir) / "report.md";
  bool written = write_file(report, phil::bench::to_markdown(results)) &&
                 write_file(fs::path(report_dir) / "results.json", phil::bench::to_json(results)) &&
                 write_file(fs::path(report_dir) / "junit.xml", phil::bench::to_junit(results));
  if (!junit.empty()) written = write_file(junit, phil::bench::to_junit(results)) && written;
  if (!written) {
    std::cerr << "hil-bench: could not write the report under " << report_dir
              << ". Check that the directory is writable\n";
    return 2;
  }
  std::cout << phil::text::format(phil::text::Id::kReportWritten, fs::absolute(report).string())
            << "\n";
  return std::all_of(results.begin(), results.end(),
                     [](const phil::bench::ScenarioResult& r) { return r.passed; })
             ? 0
             : 1;
}
