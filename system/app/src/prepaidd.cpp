// prepaidd: the billing-and-control daemon. Polls the meters of the site and delivers meter
// commands, against the wall clock, until SIGTERM, SIGINT or SIGHUP.
//
// SIGHUP stops it as SIGTERM does (finishing the transactions in flight, closing the database so
// its write-ahead log is folded back): it logs to stderr (the journal under systemd), so there is
// no log file to reopen, and a configuration is read only at start, so a supervisor restarts it
// to apply a changed one. Left unhandled, SIGHUP would kill it without closing the database.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <ctime>
#include <exception>
#include <thread>
#include <variant>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <phil/common/cli.hpp>
#include <phil/common/decimal.hpp>
#include <phil/service/collector.hpp>
#include <phil/service/system.hpp>
#include <phil/store/sqlite_open.hpp>

#include "cli_support.hpp"
#include "site_lock.hpp"
#include "stop_signals.hpp"
#include "wall_clock.hpp"

namespace {

// Operator sales arrive through the database (prepaidctl), so each bus worker looks at least this
// often, even when no poll is due: a sale reaches its meter within this delay.
constexpr phil::Millis kMaxSleep{500};

/// --once: one iteration on a thread of its own, so that a stop signal is taken while it runs
/// (with many silent boxes an iteration takes many timeouts) and stops it between transactions.
int run_once(phil::service::System& system, const sigset_t& stop) {
  std::atomic<bool> done{false};
  std::exception_ptr error;
  std::thread worker([&] {
    try {
      system.run_iterate();
    } catch (...) {
      error = std::current_exception();
    }
    done = true;
  });
  int sig = 0;
  while (!done && sig == 0)
    sig = phil::app::wait_for_signal(stop, phil::Millis(100));
  if (sig != 0) {
    spdlog::info("signal {} ({}) received; stopping the iteration between transactions", sig,
                 sigabbrev_np(sig) != nullptr ? sigabbrev_np(sig) : "?");
    system.request_stop();
  }
  worker.join();
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      spdlog::error("iteration failed: {}", e.what());
      return 1;
    }
  }
  return 0;
}

/// The start-up banner: the site, its buses and how it supervises them.
void log_site(const phil::service::SiteConfig& site, const std::string& db_path) {
  spdlog::info("prepaidd {}: site \"{}\", database {}, poll every {}, price {} yuan/kWh",
               PHIL_VERSION, site.name, db_path, phil::format_duration(site.poll_interval),
               phil::format_decimal(site.price, 4));
  for (const auto& bus : site.buses) {
    const auto poll = bus.poll_interval.value_or(site.poll_interval);
    if (bus.transport == phil::service::Transport::kRtu) {
      spdlog::info("  bus {}: rtu {} {} {}{}{}, {} box(es), timeout {}, poll every {}", bus.id,
                   bus.port, bus.baud, bus.data_bits, bus.parity, bus.stop_bits, bus.boxes.size(),
                   phil::format_duration(bus.response_timeout), phil::format_duration(poll));
    } else {
      spdlog::info("  bus {}: {} {}, {} box(es), timeout {}, poll every {}", bus.id,
                   phil::service::to_string(bus.transport), bus.port, bus.boxes.size(),
                   phil::format_duration(bus.response_timeout), phil::format_duration(poll));
    }
  }
  spdlog::info("  clock sync {}, drift limit {}, cycles {}, response timeout {}",
               site.clock_sync ? "by broadcast every " + phil::format_duration(*site.clock_sync)
                               : std::string("off"),
               phil::format_duration(site.clock_drift_limit),
               site.spread_cycles ? "spread over the interval" : "not spread",
               site.adaptive_timeout ? "adaptive (k x p99, up to the configured)" : "fixed");
  for (const auto& bus : site.buses) {
    for (const auto& box : bus.boxes) {
      if (bus.billing_of(box.address) == phil::domain::BillingMode::kHostSide) {
        spdlog::info("  box {}/{}: host-side billing (the system trips and closes)", bus.id,
                     box.address);
      }
    }
  }
}

/// Until a stop signal: one worker per bus (buses in parallel, one transaction at a time on
/// each); this thread only waits for the signal.
int run_until_stopped(phil::service::System& system, const phil::domain::Clock& clock,
                      const sigset_t& stop) {
  phil::service::Collector collector(system, clock, {kMaxSleep, phil::Millis(1000)});
  collector.start();
  int sig = 0;
  while (sig == 0)
    sig = phil::app::wait_for_signal(stop, phil::Millis(60'000));
  spdlog::info("signal {} ({}) received; finishing the transactions in flight", sig,
               sigabbrev_np(sig) != nullptr ? sigabbrev_np(sig) : "?");
  collector.stop();
  spdlog::info("stopped; pending commands stay in the outbox for the next start");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"prepaidd: prepaid electricity billing-and-control daemon"};
  std::string config;
  std::optional<std::string> db;
  std::string profiles = PHIL_DEFAULT_PROFILES_DIR;
  bool once = false;
  std::string level = "info";
  cli.add_option("--config", config, "site file (YAML)")->required();
  cli.add_option("--db", db, "SQLite database file (default: <site name>.db)");
  cli.add_option("--profiles", profiles, "device profiles folder")->capture_default_str();
  cli.add_flag("--once", once, "run one iteration (commands, then polls due) and exit");
  cli.add_option("--log-level", level, "trace, debug, info, warn, error")->capture_default_str();
  if (const auto status = phil::cli::parse(cli, argc, argv)) return *status;
  spdlog::set_level(spdlog::level::from_str(level));

  // Before anything starts: the stop signals are only taken between iterations.
  const sigset_t stop = phil::app::block_stop_signals();
  const auto site = phil::app::load_site_or_report(config, profiles);
  if (!site) return 2;
  const auto db_path = phil::app::database_path(db, *site);
  try {
    // Only prepaidctl init creates a database: a mistyped --db must not become an empty one.
    phil::store::require_database_file(db_path);
  } catch (const phil::store::DatabaseNotFound& e) {
    spdlog::critical("cannot start: {}", e.what());
    return 2;
  }
  auto lock = phil::app::SiteLock::acquire(db_path, *site);
  if (const auto* refused = std::get_if<std::string>(&lock)) {
    spdlog::critical("cannot start: {}", *refused);
    return 1;
  }
  phil::app::WallClock clock;
  std::unique_ptr<phil::service::System> system;
  try {
    system = std::make_unique<phil::service::System>(
        *site, phil::store::sqlite_store_factory(db_path, phil::store::OpenMode::kExisting), clock);
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
    return 1;
  }
  log_site(*site, db_path);
  // The system log has the daemon's start and stop (issue 13.4): who ran the site, and when.
  const nlohmann::json started{{"version", PHIL_VERSION},
                               {"pid", static_cast<std::int64_t>(getpid())},
                               {"buses", site->buses.size()},
                               {"once", once}};
  try {
    system->log({"system", "daemon_start", site->name, "ok", started.dump()});
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: the system log cannot be written: {}", e.what());
    return 1;
  }
  const int rc = once ? run_once(*system, stop) : run_until_stopped(*system, clock, stop);
  try {
    system->log({"system", "daemon_stop", site->name, rc == 0 ? "ok" : "failed",
                 nlohmann::json{{"exit_code", rc}}.dump()});
  } catch (const std::exception& e) {
    spdlog::error("the daemon's stop was not written to the system log: {}", e.what());
  }
  return rc;
}
