// perf_api: prepaid-api under load on loopback (issue 15 benchmarks), on the 10,000-meter office
// site of perf_status_board (10 buildings x 40 floors x 25 meters, 9,000 accounts):
//  - tenant balance queries: `clients` tenants, each logged in once, each on one kept-alive TLS
//    connection asking GET /api/tenant/account as fast as answers come, for `seconds`; the
//    answers per second and the latency percentiles (goal: >= 1,000/s, p99 < 50 ms);
//  - the status board over the API: GET /api/status?limit=1000 (the whole board is made for
//    every page; goal < 100 ms), median of `calls`, over TLS.
// Client and server share the machine's 2 cores, as they would on a site's one server.
// Usage: perf_api [--smoke] [--seconds N] [--out FILE.json]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <phil/api/api.hpp>
#include <phil/api/server.hpp>
#include <phil/api/tls.hpp>
#include <phil/service/operations.hpp>
#include <phil/store/store.hpp>

#include "perf_args.hpp"
#include "perf_site.hpp"
#include "support/https_client.hpp"
#include "support/sqlite_count.hpp"

namespace {

namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

constexpr phil::TimePoint kT0{phil::Millis(1'796'457'600'000)};  // 2026-12-05T08:00:00Z
constexpr const char* kPassword = "tenant password 2026";

/// perf_api's client: the tests' TLS client, with a request made per call.
class Client {
 public:
  Client(const std::string& cert, unsigned short port) : c_(cert, port) {}
  http::response<http::string_body> send(http::verb verb, const std::string& target,
                                         const std::string& token, const std::string& body = "") {
    return c_.send(phil::test::api_request(verb, target, token, body));
  }

 private:
  phil::test::TlsClient c_;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  // --seconds N: how long the tenants' load lasts (bench/api_cycle_compare keeps it on for a
  // whole poll cycle benchmark).
  double seconds = 0;
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
      if (seconds <= 0 || seconds > 3600) {
        std::fprintf(stderr, "--seconds: give 1..3600\n");
        return 2;
      }
    } else {
      rest.push_back(argv[i]);
    }
  }
  const auto args = phil::perf::parse_common_args(static_cast<int>(rest.size()), rest.data(),
                                                  "perf_api [--smoke] [--seconds N] [--out F]");
  if (!args) return 2;
  const int buildings = args->smoke ? 1 : 10;
  const int clients = args->smoke ? 2 : 8;
  if (seconds == 0) seconds = args->smoke ? 1.0 : 10.0;
  const int calls = args->smoke ? 2 : 10;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("perf-api-" + std::to_string(Clock::now().time_since_epoch().count()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "site.db").string();
  {
    auto store = phil::store::open_sqlite_store(path);
    if (auto r = store->import_site(phil::perf::office_site(buildings), "bench", kT0); !r) {
      std::fprintf(stderr, "import failed: %s\n", r.error().message.c_str());
      return 1;
    }
    const auto err = phil::test::sql(
        path,
        "UPDATE meters SET read_at = 1796457600000, energy_wh = 1000, power_w = 0, relay = 1, "
        "mode = 'prepaid', balance_fen = 10000 - circuit * 400, status = 'normal';");
    if (err.rfind("error", 0) == 0) {
      std::fprintf(stderr, "%s\n", err.c_str());
      return 1;
    }
  }
  // The API on the wall clock: sessions are timed as in production.
  struct Wall final : phil::domain::Clock {
    phil::TimePoint now() const override {
      return std::chrono::time_point_cast<phil::Millis>(std::chrono::system_clock::now());
    }
  } clock;
  auto ops = phil::service::Operations::open(path, clock);
  (void)ops->add_first_admin({"admin1", "Admin", phil::domain::Role::kAdmin, kPassword});
  const phil::service::Actor admin{"admin1", phil::domain::Role::kAdmin};
  (void)ops->add_operator(admin, {"auditor1", "Auditor", phil::domain::Role::kAuditor, kPassword});
  const phil::service::Actor cashier{"bench", phil::domain::Role::kCashier};
  for (int i = 1; i <= clients; ++i) {
    if (auto r = ops->set_tenant_password(cashier, "A" + std::to_string(i), kPassword); !r) {
      std::fprintf(stderr, "tenant password: %s\n", r.error().message.c_str());
      return 1;
    }
  }
  phil::api::ApiConfig cfg;
  cfg.address = "127.0.0.1";
  cfg.port = 0;
  cfg.limits.login_per_minute = 1000;
  const auto tls = phil::api::tls_files(cfg, (dir / "tls").string(), {"127.0.0.1"});
  phil::api::Api api(*ops, clock, cfg);
  phil::api::Server server(api, cfg, tls);
  server.start();
  const auto port = server.port();

  // Tenant balance queries.
  std::vector<std::string> tokens;
  for (int i = 1; i <= clients; ++i) {
    Client c(tls.certificate, port);
    const auto r = c.send(
        http::verb::post, "/api/tenant/session", "",
        nlohmann::json{{"account", "A" + std::to_string(i)}, {"password", kPassword}}.dump());
    if (r.result_int() != 200) {
      std::fprintf(stderr, "tenant login: %s\n", r.body().c_str());
      return 1;
    }
    tokens.push_back(nlohmann::json::parse(r.body())["token"].get<std::string>());
  }
  std::atomic<bool> stop{false};
  std::atomic<int> errors{0};
  std::vector<std::vector<double>> lat(static_cast<std::size_t>(clients));
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(clients));
  const auto t0 = Clock::now();
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      try {
        Client c(tls.certificate, port);
        auto& mine = lat[static_cast<std::size_t>(i)];
        while (!stop) {
          const auto s = Clock::now();
          const auto r =
              c.send(http::verb::get, "/api/tenant/account", tokens[static_cast<std::size_t>(i)]);
          mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - s).count());
          if (r.result_int() != 200) ++errors;
        }
      } catch (const std::exception&) {
        ++errors;
      }
    });
  }
  std::fprintf(stderr, "perf_api: load running for %.0f s\n", seconds);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads)
    t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  std::vector<double> all;
  for (auto& v : lat)
    all.insert(all.end(), v.begin(), v.end());
  const double per_second = static_cast<double>(all.size()) / elapsed;
  const double p50 = percentile(all, 0.50);
  const double p99 = percentile(all, 0.99);

  // The status board through the API.
  Client office(tls.certificate, port);
  const auto login =
      office.send(http::verb::post, "/api/session", "",
                  nlohmann::json{{"id", "auditor1"}, {"password", kPassword}}.dump());
  const auto token = nlohmann::json::parse(login.body())["token"].get<std::string>();
  std::vector<double> board;
  std::size_t meters = 0;
  for (int i = 0; i < calls; ++i) {
    const auto s = Clock::now();
    const auto r = office.send(http::verb::get, "/api/status?limit=1000", token);
    board.push_back(std::chrono::duration<double, std::milli>(Clock::now() - s).count());
    if (r.result_int() != 200) {
      std::fprintf(stderr, "status: %s\n", r.body().c_str());
      return 1;
    }
    meters = nlohmann::json::parse(r.body())["total"].get<std::size_t>();
  }
  server.stop();
  ops.reset();
  std::filesystem::remove_all(dir);
  char json[768];
  std::snprintf(json, sizeof json,
                "{\"benchmark\": \"api\", \"clients\": %d, \"seconds\": %.1f, "
                "\"tenant_queries\": %zu, \"tenant_queries_per_s\": %.0f, "
                "\"tenant_p50_ms\": %.2f, \"tenant_p99_ms\": %.2f, \"errors\": %d, "
                "\"goal_per_s\": 1000, \"goal_p99_ms\": 50, \"board_meters\": %zu, "
                "\"board_page_ms_median\": %.1f, \"board_goal_ms\": 100}\n",
                clients, elapsed, all.size(), per_second, p50, p99, errors.load(), meters,
                percentile(board, 0.5));
  std::fputs(json, stdout);
  if (!args->out.empty()) std::ofstream(args->out) << json;
  return errors.load() == 0 ? 0 : 1;
}
