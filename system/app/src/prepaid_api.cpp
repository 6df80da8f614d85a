// prepaid-api: the HTTPS API and the tenant page (issue 15), beside prepaidd on the same
// database. It acts only through service::Operations, as prepaidctl does; remote commands and
// read-now go into the outbox and read-request tables that prepaidd serves.
//
// Until SIGTERM, SIGINT or SIGHUP; a changed configuration needs a restart.
#include <csignal>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <phil/api/api.hpp>
#include <phil/api/config.hpp>
#include <phil/api/server.hpp>
#include <phil/api/tls.hpp>
#include <phil/common/cli.hpp>
#include <phil/common/yaml.hpp>
#include <phil/service/operations.hpp>

#include "cli_support.hpp"
#include "stop_signals.hpp"
#include "wall_clock.hpp"

int main(int argc, char** argv) {
  CLI::App cli{"prepaid-api: the HTTPS API and the tenant page"};
  std::string config;
  std::string api_config;
  std::optional<std::string> db;
  std::string profiles = PHIL_DEFAULT_PROFILES_DIR;
  std::string level = "info";
  cli.add_option("--config", config, "site file (YAML), as prepaidd's")->required();
  cli.add_option("--api-config", api_config, "the API's file (YAML): listen, tls, limits...");
  cli.add_option("--db", db, "SQLite database file (default: <site name>.db)");
  cli.add_option("--profiles", profiles, "device profiles folder")->capture_default_str();
  cli.add_option("--log-level", level, "trace, debug, info, warn, error")->capture_default_str();
  if (const auto status = phil::cli::parse(cli, argc, argv)) return *status;
  spdlog::set_level(spdlog::level::from_str(level));

  // Before any thread starts: the server's threads inherit the mask.
  const sigset_t stop = phil::app::block_stop_signals();

  phil::api::ApiConfig cfg;
  if (!api_config.empty()) {
    try {
      cfg = phil::api::load_api_config(api_config);
    } catch (const phil::yaml::ConfigError& e) {
      std::cerr << "API configuration error: " << e.what() << "\n";
      return 2;
    }
  }
  // The tenant page's files: those the API config names, else the installed ones.
  if (cfg.static_dir.empty()) cfg.static_dir = PHIL_DEFAULT_WWW_DIR;
  const auto site = phil::app::load_site_or_report(config, profiles);
  if (!site) return 2;
  const auto db_path = phil::app::database_path(db, *site);
  phil::app::WallClock clock;
  const auto opened = phil::app::open_operations(db_path, site, clock, "cannot start");
  if (!opened.ops) return opened.exit_code;
  try {
    std::optional<phil::api::TlsFiles> tls;
    if (!cfg.plain_http) {
      const auto dir = cfg.generated_dir.empty()
                           ? (std::filesystem::absolute(db_path).parent_path() / "api-tls").string()
                           : cfg.generated_dir;
      tls = phil::api::tls_files(cfg, dir, {cfg.address, "127.0.0.1", "localhost"});
      if (tls->generated) {
        spdlog::warn("made a self-signed certificate {} (key {}); tell clients its fingerprint",
                     tls->certificate, tls->key);
      }
      spdlog::info("certificate SHA-256 fingerprint {}", tls->fingerprint);
    }
    phil::api::Api api(*opened.ops, clock, cfg);
    phil::api::Server server(api, cfg, tls);
    server.start();
    spdlog::info("prepaid-api {} on {}://{}:{}, database {}", PHIL_VERSION, tls ? "https" : "http",
                 cfg.address, server.port(), db_path);
    int sig = 0;
    while (sig == 0)
      sig = phil::app::wait_for_signal(stop, phil::Millis(60'000));
    spdlog::info("signal {} received; stopping", sig);
    server.stop();
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
    return 1;
  }
  return 0;
}
