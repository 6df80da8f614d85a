// perf_login: the cost of one operator login (issue 13): Operations::login on a real SQLite
// file, which verifies an argon2id hash at the cost new hashes get (password_hash.hpp), plus its
// audit row. The target is about 0.2-0.5 s a login on the site's machine: slow for a
// guesser, unnoticed by a cashier. Wall and CPU time per login, median and extremes.
// Usage: perf_login [--smoke] [--out FILE.json]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <phil/service/operations.hpp>

#include "perf_args.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = phil::perf::parse_common_args(argc, argv, "perf_login [--smoke] [--out F]");
  if (!args) return 2;
  const int logins = args->smoke ? 2 : 20;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("perf-login-" + std::to_string(Clock::now().time_since_epoch().count()));
  std::filesystem::create_directories(dir);
  std::vector<double> wall;
  std::vector<double> cpu;
  {
    phil::domain::ManualClock clock{phil::TimePoint{phil::Millis(1'772'294'400'000)}};
    auto ops = phil::service::Operations::open((dir / "site.db").string(), clock);
    const std::string password = "correct horse battery";
    if (!ops->add_first_admin({"boss", "Boss", phil::domain::Role::kAdmin, password})) return 1;
    for (int i = 0; i < logins; ++i) {
      const auto c0 = cpu_ms();
      const auto t0 = Clock::now();
      const auto r = ops->login("boss", password);
      wall.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      cpu.push_back(cpu_ms() - c0);
      if (!r) {
        std::fprintf(stderr, "login failed: %s\n", r.error().message.c_str());
        return 1;
      }
    }
  }
  std::filesystem::remove_all(dir);
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  const auto median = [](const std::vector<double>& v) { return v[v.size() / 2]; };
  char json[512];
  std::snprintf(json, sizeof json,
                "{\"benchmark\": \"login\", \"logins\": %d, \"wall_ms_median\": %.1f, "
                "\"wall_ms_min\": %.1f, \"wall_ms_max\": %.1f, \"cpu_ms_median\": %.1f}\n",
                logins, median(wall), wall.front(), wall.back(), median(cpu));
  std::fputs(json, stdout);
  if (!args->out.empty()) std::ofstream(args->out) << json;
  return 0;
}
