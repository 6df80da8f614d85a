#include "cli_support.hpp"

#include <cctype>
#include <cstdio>
#include <iostream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include <phil/common/decimal.hpp>
#include <phil/common/yaml.hpp>

namespace phil::app {

std::optional<service::SiteConfig> load_site_or_report(const std::string& config_path,
                                                       const std::string& profiles_dir) {
  try {
    return service::load_site_file(config_path, profiles_dir);
  } catch (const yaml::ConfigError& e) {
    std::fprintf(stderr, "configuration error: %s\n", e.what());
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

std::unique_ptr<service::Operations> open_operations(const std::string& db,
                                                     const std::optional<service::SiteConfig>& site,
                                                     const service::Actor& actor,
                                                     const domain::Clock& clock,
                                                     const std::string& failure) {
  try {
    auto ops = service::Operations::open(db, clock, site);
    if (site) {
      if (auto r = ops->register_site(actor); !r) throw std::runtime_error(r.error().message);
    }
    return ops;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", failure.c_str(), e.what());
  }
  return nullptr;
}

void print_failure(const std::string& message, bool json) {
  if (json) {
    std::cout << nlohmann::json{{"ok", false}, {"error", message}}.dump() << "\n";
  } else {
    std::fprintf(stderr, "%s\n", message.c_str());
  }
}

std::string yuan(std::int64_t fen) {
  return format_decimal(fen, 2);
}

}  // namespace phil::app
