// Fuzz target: arbitrary requests through the API's router (issue 15), the part of prepaid-api
// that reads what a client sends: the target (path, percent escapes, query), headers, and JSON
// bodies, with a session (the text @TOKEN@ stands for a valid admin token) or without. Every
// input must be answered: a JSON error or a success, never a crash, a hang or a 500 (a 500 is the
// router failing on input it should have refused).
//
// Input: the request line "METHOD TARGET", header lines "Name: value", an empty line, the body.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <phil/api/api.hpp>
#include <phil/domain/clock.hpp>
#include <phil/service/operations.hpp>

namespace {

struct World {
  std::string dir =
      (std::filesystem::temp_directory_path() / ("phil-fuzz-api-" + std::to_string(::getpid())))
          .string();
  phil::domain::ManualClock clock{phil::TimePoint(phil::Millis(1'772'294'400'000))};
  std::unique_ptr<phil::service::Operations> ops;
  std::unique_ptr<phil::api::Api> api;
  std::string token;

  World() {
    std::filesystem::create_directories(dir);
    ops = phil::service::Operations::open(dir + "/fuzz.db", clock);
    (void)ops->add_first_admin({"admin1", "Admin", phil::domain::Role::kAdmin, "fuzz password 1"});
    auto s = ops->start_session("admin1", "fuzz password 1");
    if (s) token = s.value().token;
    api = std::make_unique<phil::api::Api>(*ops, clock, phil::api::ApiConfig{});
  }
  ~World() {
    api.reset();
    ops.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

std::string with_token(std::string s, const std::string& token) {
  for (std::size_t at; (at = s.find("@TOKEN@")) != std::string::npos;)
    s.replace(at, 7, token);
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  const std::string text =
      with_token(std::string(reinterpret_cast<const char*>(data), size), world.token);
  phil::api::Request req;
  req.peer = "192.0.2.1";
  std::string_view rest = text;
  const auto line = [&] {
    const auto nl = rest.find('\n');
    auto l = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    return l;
  };
  const auto first = line();
  const auto sp = first.find(' ');
  req.method = std::string(first.substr(0, sp));
  req.target = sp == std::string_view::npos ? "" : std::string(first.substr(sp + 1));
  for (auto h = line(); !h.empty(); h = line()) {
    const auto colon = h.find(':');
    if (colon == std::string_view::npos) continue;
    auto value = h.substr(colon + 1);
    while (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
    req.headers.emplace_back(std::string(h.substr(0, colon)), std::string(value));
  }
  req.body = std::string(rest);
  const auto r = world.api->handle(req);
  if (r.status < 200 || r.status >= 500) __builtin_trap();
  if (r.content_type.rfind("application/json", 0) == 0 &&
      nlohmann::json::parse(r.body, nullptr, false).is_discarded()) {
    __builtin_trap();
  }
  return 0;
}
