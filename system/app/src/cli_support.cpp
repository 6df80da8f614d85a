#include "cli_support.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include <phil/common/decimal.hpp>
#include <phil/common/text.hpp>
#include <phil/common/time.hpp>
#include <phil/common/utf8.hpp>
#include <phil/common/yaml.hpp>
#include <phil/report/report.hpp>
#include <phil/views/json_views.hpp>

namespace phil::app {

std::optional<service::SiteConfig> load_site_or_report(const std::string& config_path,
                                                       const std::string& profiles_dir) {
  try {
    return service::load_site_file(config_path, profiles_dir);
  } catch (const yaml::ConfigError& e) {
    usage_error(std::string("configuration error: ") + e.what());
  }
  return std::nullopt;
}

std::string database_path(const std::optional<std::string>& db, const service::SiteConfig& site) {
  if (db) return *db;
  std::string name;
  for (char c : site.name)
    name += (std::isalnum(static_cast<unsigned char>(c)) != 0) ? c : '_';
  return (name.empty() ? std::string("site") : name) + ".db";
}

OpenedOperations open_operations(const std::string& db,
                                 const std::optional<service::SiteConfig>& site,
                                 const domain::Clock& clock, const std::string& failure,
                                 Access access) {
  const auto mode =
      access == Access::kView ? store::OpenMode::kReadOnly : store::OpenMode::kExisting;
  try {
    auto ops = service::Operations::open(db, clock, site, store::Checkpoints::kAtCommit, mode);
    if (site && access == Access::kAction) {
      // The site file's registration is the program's, as the daemon's at start-up.
      if (auto r = ops->register_site(service::site_file_actor()); !r) {
        throw std::runtime_error(r.error().message);
      }
    }
    return {std::move(ops), kExitOk};
  } catch (const store::DatabaseNotFound& e) {
    return {nullptr, usage_error(e.what())};
  } catch (const std::exception& e) {
    print_failure(failure + ": " + e.what(), json_output());
  }
  return {nullptr, kExitRefused};
}

namespace {

bool& json_flag() {
  static bool json = false;
  return json;
}

}  // namespace

void set_json_output(bool json) {
  json_flag() = json;
}

bool json_output() {
  return json_flag();
}

int usage_error(const std::string& message) {
  if (json_output()) {
    std::cout << json_text(nlohmann::json{{"ok", false}, {"usage", true}, {"error", message}})
              << "\n";
  } else {
    std::fprintf(stderr, "%s\n", message.c_str());
  }
  return kExitUsage;
}

std::optional<std::int64_t> amount_arg(const std::string& text, std::string_view what,
                                       std::string_view example) {
  const auto fen = parse_decimal(text, 2);
  if (!fen) {
    usage_error(std::string(what) + " \"" + printable(text) +
                "\" is not an amount in yuan with at most 2 decimals (e.g. " +
                std::string(example) + ")");
  }
  return fen;
}

std::optional<domain::MeterId> meter_arg(const std::string& text) {
  auto id = domain::MeterId::parse(text);
  if (!id) {
    usage_error("\"" + printable(text) +
                "\" is not a meter id; write bus/box/circuit, e.g. bus1/1/1");
  }
  return id;
}

std::optional<TimePoint> time_arg(const std::string& text, std::string_view what) {
  const auto t = parse_timestamp(text);
  if (!t) {
    usage_error(text::format(text::Id::kBadTimeArg, what, printable(text)));
    return std::nullopt;
  }
  return t->utc;
}

std::optional<domain::MeterId> box_arg(const std::string& text) {
  // A box id is a meter id without the circuit: the same rules for the bus and the address.
  auto id =
      text.find('/') == std::string::npos ? std::nullopt : domain::MeterId::parse(text + "/1");
  if (!id || id->to_string() != text + "/1") {
    usage_error("\"" + printable(text) +
                "\" is not a box id; write bus/box (the box's Modbus address 1..247), e.g. bus1/4");
    return std::nullopt;
  }
  id->circuit = 0;
  return id;
}

void print_failure(const std::string& message, bool json) {
  if (json) {
    std::cout << json_text(nlohmann::json{{"ok", false}, {"error", message}}) << "\n";
  } else {
    std::fprintf(stderr, "%s\n", message.c_str());
  }
}

int exit_code(const domain::Error& e) {
  return e.kind == domain::ErrorKind::kInvalid ? kExitUsage : kExitRefused;
}

int print_refusal(const domain::Error& e, bool json) {
  print_failure(json ? e.message : "refused: " + e.message, json);
  return exit_code(e);
}

std::string json_text(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string printable(std::string_view text) {
  return utf8::escaped(text);
}

int write_workbook(const std::vector<report::Report>& reports, const std::string& path, bool json) {
  try {
    report::write_xlsx(reports, path);
  } catch (const std::runtime_error& e) {
    print_failure(text::format(text::Id::kXlsxFailed, path, e.what()), json);
    return kExitRefused;
  }
  if (json) {
    std::cout << json_text({{"ok", true}, {"xlsx", path}}) << "\n";
  } else {
    std::cout << text::format(text::Id::kReportWritten, path) << "\n";
  }
  return kExitOk;
}

std::string duration_text(Millis d) {
  const auto minutes =
      std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::minutes>(d).count());
  constexpr std::int64_t kDay = std::int64_t{24} * 60;
  if (minutes < 60) return text::format(text::Id::kAgeMinutes, minutes);
  if (minutes < kDay) return text::format(text::Id::kAgeHours, minutes / 60, minutes % 60);
  return text::format(text::Id::kAgeDays, minutes / kDay, (minutes / 60) % 24);
}

std::string yuan(std::int64_t fen) {
  return views::yuan(fen);
}

std::string csv(std::string_view v) {
  return report::csv_field(v);
}

}  // namespace phil::app
