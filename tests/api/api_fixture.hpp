#pragma once
// Test-only: the API's router on a real SQLite file for the small site (one bus, boxes 1 and 2),
// an operator of every role logged in through POST /api/session, an account A1 on bus1/1/1 with
// a first sale, and helpers that send requests and read their JSON. No socket: Api::handle.
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <phil/api/api.hpp>
#include <phil/domain/clock.hpp>
#include <phil/domain/permissions.hpp>
#include <phil/service/operations.hpp>
#include <phil/service/site_registration.hpp>
#include <phil/service/system.hpp>

#include "support/temp_dir.hpp"

namespace phil::test {

inline constexpr TimePoint kApiT0{Millis(1'772'294'400'000)};  // 2026-02-28T16:00:00Z
inline constexpr const char* kApiPassword = "counter password 1";

class ApiFixture : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }

  /// (Re)starts the router with `config` on the same database.
  void start(api::ApiConfig config) {
    if (!ops_) {
      db_ = dir_.file("site.db");
      auto site = service::load_site_file(PHIL_SOURCE_DIR "/system/app/examples/small-site.yaml",
                                          PHIL_SOURCE_DIR "/profiles");
      ops_ = service::Operations::open(db_, clock_, site);
      ASSERT_TRUE(ops_->register_site(service::site_file_actor()));
      ASSERT_TRUE(ops_->add_first_admin({"admin1", "Admin", domain::Role::kAdmin, kApiPassword}));
      const service::Actor admin{"admin1", domain::Role::kAdmin};
      for (const auto role : {domain::Role::kManager, domain::Role::kCashier,
                              domain::Role::kEngineer, domain::Role::kAuditor}) {
        const auto id = std::string(domain::to_string(role)) + "1";
        ASSERT_TRUE(ops_->add_operator(admin, {id, id, role, kApiPassword}));
      }
      ASSERT_TRUE(
          ops_->add_operator(admin, {"cashier2", "Other", domain::Role::kCashier, kApiPassword}));
      service::OpenAccount a;
      a.account = "A1";
      a.tenant = "Zhang San";
      a.meters = {*domain::MeterId::parse("bus1/1/1")};
      a.first_sale_fen = 5'000;
      ASSERT_TRUE(ops_->open_account({"cashier1", domain::Role::kCashier}, a));
    }
    if (config.limits.login_per_minute == api::Limits{}.login_per_minute) {
      config.limits.login_per_minute = 1000;  // the tests log in often; one test sets its own
    }
    api_ = std::make_unique<api::Api>(*ops_, clock_, std::move(config));
    tokens_.clear();
  }

  api::Response send(const std::string& method, const std::string& target,
                     const std::string& body = "", const std::string& token = "",
                     std::vector<std::pair<std::string, std::string>> headers = {}) {
    api::Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.peer = "192.0.2.10";
    r.headers = std::move(headers);
    r.headers.emplace_back("Host", "api.test");
    if (!token.empty()) r.headers.emplace_back("Authorization", "Bearer " + token);
    return api_->handle(r);
  }

  static nlohmann::json json_of(const api::Response& r) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.body;
    return j;
  }

  /// The session token of `id` (logged in once per test).
  std::string token(const std::string& id) {
    const auto it = tokens_.find(id);
    if (it != tokens_.end()) return it->second;
    const auto r =
        send("POST", "/api/session", nlohmann::json{{"id", id}, {"password", kApiPassword}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    auto t = json_of(r).value("token", std::string());
    tokens_[id] = t;
    return t;
  }

  static std::string id_of(domain::Role role) { return std::string(domain::to_string(role)) + "1"; }

  static std::string header(const api::Response& r, const std::string& name) {
    for (const auto& [n, v] : r.headers) {
      if (n == name) return v;
    }
    return "";
  }

  TempDir dir_;
  std::string db_;
  domain::ManualClock clock_{kApiT0};
  std::unique_ptr<service::Operations> ops_;
  std::unique_ptr<api::Api> api_;
  std::map<std::string, std::string> tokens_;
};

}  // namespace phil::test
