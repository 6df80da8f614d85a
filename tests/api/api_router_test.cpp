// The API's router (issue 15) without a network: sessions, the role x endpoint matrix, IDOR
// probes, bad input of every kind answered with a JSON error that writes nothing, the language of
// messages, security headers, pagination, CSRF, and the OpenAPI document against the routes.
#include <algorithm>
#include <set>

#include <phil/api/config.hpp>
#include <phil/common/yaml.hpp>
#include <phil/domain/sessions.hpp>
#include <phil/store/store.hpp>

#include "api_fixture.hpp"
#include "support/sqlite_count.hpp"

namespace phil::test {
namespace {

using nlohmann::json;

class ApiRouter : public ApiFixture {};

TEST_F(ApiRouter, AnOperatorLogsInWithTheirPasswordAndTheTokenNamesThemAndTheirRole) {
  const auto t = token("cashier1");
  ASSERT_EQ(t.size(), 64U);
  const auto r = send("GET", "/api/whoami", "", t);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_of(r)["operator"], "cashier1");
  EXPECT_EQ(json_of(r)["role"], "cashier");
  // The token is never stored: only its digest.
  EXPECT_EQ(sql(db_, "SELECT count(*) FROM sessions WHERE token_hash = '" + t + "'"), "0|");
}

TEST_F(ApiRouter, WhoamiListsWhatTheRoleMayDoAndTheAmountLimitsForTheConsole) {
  api::ApiConfig config;
  config.confirm_above_fen = 50'000;
  start(config);
  const auto cashier = json_of(send("GET", "/api/whoami", "", token("cashier1")));
  const auto may = cashier["may"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(may.begin(), may.end(), "sale"), may.end());
  EXPECT_EQ(std::find(may.begin(), may.end(), "command"), may.end());
  EXPECT_EQ(std::find(may.begin(), may.end(), "manage_operators"), may.end());
  EXPECT_EQ(cashier["limits"]["max_amount"], "10000.00");  // small-site.yaml's max_amount
  EXPECT_EQ(cashier["limits"]["confirm_above"], "500.00");
  // The same at login, and each role's list is the permission table's row.
  const auto login =
      json_of(send("POST", "/api/session",
                   nlohmann::json{{"id", "engineer1"}, {"password", kApiPassword}}.dump()));
  std::size_t n = 0;
  for (std::size_t i = 0; i < domain::kActionCount; ++i) {
    n += domain::permits(domain::Role::kEngineer, static_cast<domain::Action>(i)) ? 1U : 0U;
  }
  EXPECT_EQ(login["may"].size(), n);
  EXPECT_EQ(login["limits"]["confirm_above"], "500.00");
}

TEST_F(ApiRouter, TheConfirmAboveAmountOfTheApiFileMustBeAnAmount) {
  EXPECT_EQ(api::parse_api_config("confirm_above: \"250.50\"\n", "api.yaml").confirm_above_fen,
            25'050);
  for (const auto* bad : {"confirm_above: \"-1.00\"\n", "confirm_above: \"0\"\n",
                          "confirm_above: \"12.345\"\n", "confirm_above: lots\n"}) {
    EXPECT_THROW(api::parse_api_config(bad, "api.yaml"), yaml::ConfigError) << bad;
  }
}

TEST_F(ApiRouter, TheLogsChainIsCheckedThroughTheApiForWhoMayReadTheLog) {
  const auto r = send("GET", "/api/log/verify", "", token("auditor1"));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto j = json_of(r);
  EXPECT_EQ(j["intact"], true);
  EXPECT_GT(j["rows"].get<int>(), 0);
  EXPECT_EQ(j["head"]["hash"].get<std::string>().size(), 64U);
  EXPECT_EQ(send("GET", "/api/log/verify", "", token("cashier1")).status, 403);
  // A row changed behind the system's back breaks the chain, and the answer says so.
  sql(db_, "DROP TRIGGER IF EXISTS audit_sealed_never_updated");
  sql(db_, "UPDATE audit SET target = 'forged' WHERE id = 2");
  const auto broken = json_of(send("GET", "/api/log/verify", "", token("auditor1")));
  EXPECT_EQ(broken["intact"], false);
  EXPECT_FALSE(broken["problems"].empty());
}

TEST_F(ApiRouter, AWrongPasswordIsOneMessageForAnUnknownIdTooAnd401) {
  const auto wrong =
      send("POST", "/api/session", R"({"id":"cashier1","password":"not it at all"})");
  const auto unknown =
      send("POST", "/api/session", R"({"id":"nobody","password":"not it at all"})");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(json_of(wrong)["error"]["code"], "login_failed");
  // The same words whether the id exists or not (each names the id typed).
  auto said = json_of(unknown)["error"]["message"].get<std::string>();
  said.replace(said.find("nobody"), 6, "cashier1");
  EXPECT_EQ(json_of(wrong)["error"]["message"], said);
}

TEST_F(ApiRouter, LoginIsRateLimitedPerAddressAndSaysWhenToTryAgain) {
  api::ApiConfig c;
  c.limits.login_per_minute = 2;
  start(c);
  const std::string body = R"({"id":"cashier1","password":"not it at all"})";
  EXPECT_EQ(send("POST", "/api/session", body).status, 401);
  EXPECT_EQ(send("POST", "/api/session", body).status, 401);
  const auto third = send("POST", "/api/session", body);
  EXPECT_EQ(third.status, 429) << third.body;
  EXPECT_EQ(json_of(third)["error"]["code"], "too_many");
  EXPECT_EQ(header(third, "Retry-After"), "60");
  // Refused before the password was checked: no audit row for it.
  const auto logins = count_rows(db_, "audit");
  EXPECT_EQ(send("POST", "/api/session", body).status, 429);
  EXPECT_EQ(count_rows(db_, "audit"), logins);
  clock_.advance(std::chrono::seconds(61));
  EXPECT_EQ(send("POST", "/api/session", body).status, 401);
}

TEST_F(ApiRouter, NoTokenAForgedOneAnExpiredOneOrALoggedOutOneIs401) {
  EXPECT_EQ(send("GET", "/api/whoami").status, 401);
  EXPECT_EQ(json_of(send("GET", "/api/whoami"))["error"]["code"], "unauthenticated");
  EXPECT_EQ(send("GET", "/api/whoami", "", std::string(64, 'a')).status, 401);
  EXPECT_EQ(send("GET", "/api/whoami", "", "not-hex").status, 401);
  const auto t = token("auditor1");
  EXPECT_EQ(send("GET", "/api/whoami", "", t).status, 200);
  // Basic or another scheme is not a session.
  EXPECT_EQ(send("GET", "/api/whoami", "", "", {{"Authorization", "Basic " + t}}).status, 401);
  clock_.advance(domain::kSessionLifetime);
  EXPECT_EQ(send("GET", "/api/whoami", "", t).status, 401);

  const auto u = token("manager1");
  EXPECT_EQ(send("DELETE", "/api/session", "", u).status, 200);
  EXPECT_EQ(send("GET", "/api/whoami", "", u).status, 401);
}

TEST_F(ApiRouter, TheSitesSessionLifetimeCutsAnApiSessionShorter) {
  api::ApiConfig c;
  c.session_lifetime = std::chrono::minutes(10);
  start(c);
  const auto t = token("auditor1");
  clock_.advance(std::chrono::minutes(9));
  EXPECT_EQ(send("GET", "/api/whoami", "", t).status, 200);
  clock_.advance(std::chrono::minutes(1));
  EXPECT_EQ(send("GET", "/api/whoami", "", t).status, 401);
}

/// A request of each route that would be accepted if the role may: its path filled in and a
/// body of the right shape. A route without one here fails the matrix (a new route must join it).
std::optional<std::pair<std::string, std::string>> sample(const api::RouteInfo& r) {
  static const std::map<std::string, std::pair<std::string, std::string>> kSamples{
      {"GET /api/status", {"/api/status", ""}},
      {"GET /api/meters/{bus}/{box}/{circuit}", {"/api/meters/bus1/1/1", ""}},
      {"GET /api/meters/{bus}/{box}/{circuit}/commands", {"/api/meters/bus1/1/1/commands", ""}},
      {"GET /api/meters/{bus}/{box}/{circuit}/events", {"/api/meters/bus1/1/1/events", ""}},
      {"POST /api/meters/{bus}/{box}/{circuit}/commands",
       {"/api/meters/bus1/1/2/commands", R"({"command":"trip"})"}},
      {"POST /api/boxes/{bus}/{box}/commands",
       {"/api/boxes/bus1/2/commands", R"({"command":"clock"})"}},
      {"POST /api/batches/preview",
       {"/api/batches/preview", R"({"command":"trip","status":"not_opened"})"}},
      {"POST /api/batches", {"/api/batches", R"({"command":"trip","meters":["bus1/1/3"]})"}},
      {"GET /api/batches", {"/api/batches", ""}},
      {"GET /api/batches/{batch}", {"/api/batches/1", ""}},
      {"POST /api/read-requests", {"/api/read-requests", R"({"target":"bus1/1"})"}},
      {"GET /api/read-requests/{id}", {"/api/read-requests/1", ""}},
      {"GET /api/accounts/{account}", {"/api/accounts/A1", ""}},
      {"GET /api/accounts/{account}/ledger", {"/api/accounts/A1/ledger", ""}},
      {"POST /api/accounts",
       {"/api/accounts", R"({"account":"B2","meters":["bus1/1/4"],"first_sale":"10.00"})"}},
      {"POST /api/accounts/{account}/sales", {"/api/accounts/A1/sales", R"({"amount":"1.00"})"}},
      {"POST /api/accounts/{account}/refunds",
       {"/api/accounts/A1/refunds", R"({"amount":"0.10"})"}},
      {"POST /api/accounts/{account}/close", {"/api/accounts/C3/close", ""}},
      {"POST /api/accounts/{account}/tenant-password",
       {"/api/accounts/A1/tenant-password", R"({"password":"tenant password 9"})"}},
      {"POST /api/sales/{seq}/reversal", {"/api/sales/999/reversal", ""}},
      {"GET /api/alarms", {"/api/alarms", ""}},
      {"GET /api/events", {"/api/events", ""}},
      {"POST /api/alarms/{id}/ack", {"/api/alarms/999/ack", ""}},
      {"GET /api/tariffs", {"/api/tariffs", ""}},
      {"POST /api/tariffs",
       {"/api/tariffs", R"({"name":"flat","from":"2026-03-01T00:00:00+08:00","price":"0.6000"})"}},
      {"POST /api/tariffs/assign", {"/api/tariffs/assign", R"({"name":"nope"})"}},
      {"GET /api/operators", {"/api/operators", ""}},
      {"POST /api/operators",
       {"/api/operators", R"({"id":"new1","role":"auditor","password":"a long password 9"})"}},
      {"POST /api/operators/{id}/role", {"/api/operators/cashier2/role", R"({"role":"auditor"})"}},
      {"POST /api/operators/{id}/disable", {"/api/operators/nobody/disable", ""}},
      {"GET /api/log", {"/api/log", ""}},
      {"GET /api/log/verify", {"/api/log/verify", ""}},
  };
  const auto it = kSamples.find(r.method + " " + r.path);
  if (it == kSamples.end()) return std::nullopt;
  return it->second;
}

TEST_F(ApiRouter, EveryRoleAgainstEveryEndpointIsRefusedExactlyWhereThePermissionTableSaysSo) {
  std::size_t checked = 0;
  std::size_t refused = 0;
  for (const auto& route : api::Api::routes()) {
    if (!route.action) continue;  // decided by the data: the next tests
    const auto s = sample(route);
    ASSERT_TRUE(s) << route.method << " " << route.path << " has no sample in the matrix";
    for (const auto role : {domain::Role::kAdmin, domain::Role::kManager, domain::Role::kCashier,
                            domain::Role::kEngineer, domain::Role::kAuditor}) {
      const auto r = send(route.method, s->first, s->second, token(id_of(role)));
      const auto what = std::string(domain::to_string(role)) + " " + route.method + " " + s->first +
                        " -> " + std::to_string(r.status) + " " + r.body;
      ++checked;
      if (domain::permits(role, *route.action)) {
        EXPECT_NE(r.status, 403) << what;
        EXPECT_NE(r.status, 401) << what;
        EXPECT_LT(r.status, 500) << what;
      } else {
        ++refused;
        EXPECT_EQ(r.status, 403) << what;
        EXPECT_EQ(json_of(r)["error"]["code"], "forbidden") << what;
      }
    }
  }
  EXPECT_GE(checked, 5U * 25U);
  EXPECT_GT(refused, 40U);
  // Each refusal of a role is in the system log, as at the command line.
  EXPECT_EQ(sql(db_, "SELECT count(*) FROM audit WHERE outcome = 'denied'"),
            std::to_string(refused) + "|");
}

TEST_F(ApiRouter, ReportsNeedTheReportRoleAndACashierSeesOnlyTheirOwnShift) {
  const std::string period = "from=2026-02-01T00:00:00%2B08:00&to=2026-03-01T00:00:00%2B08:00";
  for (const auto role : {domain::Role::kManager, domain::Role::kAuditor}) {
    EXPECT_EQ(send("GET", "/api/reports/readings", "", token(id_of(role))).status, 200);
  }
  for (const auto role : {domain::Role::kCashier, domain::Role::kEngineer, domain::Role::kAdmin}) {
    EXPECT_EQ(send("GET", "/api/reports/readings", "", token(id_of(role))).status, 403);
  }
  // IDOR: cashier1 asking for cashier2's takings.
  const auto own = send("GET", "/api/reports/shift?" + period, "", token("cashier1"));
  EXPECT_EQ(own.status, 200) << own.body;
  const auto theirs =
      send("GET", "/api/reports/shift?cashier=cashier2&" + period, "", token("cashier1"));
  EXPECT_EQ(theirs.status, 403) << theirs.body;
  EXPECT_EQ(
      send("GET", "/api/reports/shift?cashier=cashier2&" + period, "", token("manager1")).status,
      200);
}

TEST_F(ApiRouter, AnOperatorSetsTheirOwnPasswordButNotAnothersWithoutManageOperators) {
  const std::string body = R"({"password":"a brand new password"})";
  EXPECT_EQ(send("POST", "/api/operators/cashier1/password", body, token("cashier1")).status, 200);
  // A new password ends the operator's sessions: the old token is gone, the new password works.
  EXPECT_EQ(send("GET", "/api/whoami", "", token("cashier1")).status, 401);
  const auto again = json_of(
      send("POST", "/api/session", R"({"id":"cashier1","password":"a brand new password"})"));
  const auto fresh = again.value("token", std::string());
  ASSERT_FALSE(fresh.empty()) << again;
  const auto theirs = send("POST", "/api/operators/cashier2/password", body, fresh);
  EXPECT_EQ(theirs.status, 403) << theirs.body;
  EXPECT_EQ(send("POST", "/api/operators/cashier2/password", body, token("admin1")).status, 200);
}

TEST_F(ApiRouter, ASaleIsBookedOnceAndItsCreditQueued) {
  const auto before = count_rows(db_, "ledger");
  const auto r = send("POST", "/api/accounts/A1/sales", R"({"amount":"12.30"})", token("cashier1"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_of(r)["amount"], "12.30");
  EXPECT_EQ(json_of(r)["state"], "pending");
  // What the receipt prints: the ledger entry and the system log row written with it.
  const auto seq = json_of(r)["seq"].get<std::int64_t>();
  const auto log_entry = json_of(r)["log_entry"].get<std::int64_t>();
  EXPECT_EQ(sql(db_, "SELECT audit_id, amount_fen FROM ledger WHERE seq = " + std::to_string(seq)),
            std::to_string(log_entry) + "|1230|");
  EXPECT_EQ(sql(db_, "SELECT action, target FROM audit WHERE id = " + std::to_string(log_entry)),
            "sale|A1|");
  EXPECT_EQ(count_rows(db_, "ledger"), before + 1);
  const auto a = json_of(send("GET", "/api/accounts/A1", "", token("auditor1")));
  EXPECT_EQ(a["account"]["balance"], "62.30");
  const auto ledger =
      json_of(send("GET", "/api/accounts/A1/ledger?limit=1", "", token("auditor1")));
  EXPECT_EQ(ledger["total"], 2);
  ASSERT_EQ(ledger["items"].size(), 1U);
  EXPECT_EQ(ledger["items"][0]["amount_fen"], 1230);  // newest first
}

TEST_F(ApiRouter, BadBodiesAreA400NamingTheFieldAndWriteNothing) {
  const auto t = token("cashier1");
  const auto before = count_rows(db_, "ledger");
  const auto outbox = count_rows(db_, "outbox");
  const std::vector<std::pair<std::string, std::string>> bad{
      {"{", "not a JSON object"},
      {"[1,2]", "not a JSON object"},
      {R"({"amount":12.30})", "amount must be"},
      {R"({"amount":"12.345"})", "amount must be"},
      {R"({"amount":"-5.00"})", ""},
      {R"({"amount":"1.00","extra":1})", "extra is not a field"},
      {R"({})", "amount"},
      {R"({"amount":"100000000.00"})", ""},
      {"{\"amount\":\"1.00\xff\"}", ""},
  };
  for (const auto& [body, says] : bad) {
    const auto r = send("POST", "/api/accounts/A1/sales", body, t, {{"Accept-Language", "en"}});
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    const auto j = json::parse(r.body, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << r.body;
    EXPECT_EQ(j["ok"], false);
    EXPECT_EQ(j["error"]["code"], "invalid") << body;
    EXPECT_NE(j["error"]["message"].get<std::string>().find(says), std::string::npos)
        << body << " -> " << r.body;
  }
  EXPECT_EQ(count_rows(db_, "ledger"), before);
  EXPECT_EQ(count_rows(db_, "outbox"), outbox);
}

TEST_F(ApiRouter, UnknownRoutesWrongMethodsUnknownOrRepeatedParametersAndBadPathsAreRefused) {
  const auto t = token("auditor1");
  const auto none = send("GET", "/api/nothing", "", t);
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(json_of(none)["error"]["code"], "not_found");
  const auto method = send("PUT", "/api/status", "", t);
  EXPECT_EQ(method.status, 405);
  EXPECT_EQ(header(method, "Allow"), "GET");
  const auto param = send("GET", "/api/status?flor=4", "", t, {{"Accept-Language", "en"}});
  EXPECT_EQ(param.status, 400);
  EXPECT_NE(json_of(param)["error"]["message"].get<std::string>().find("flor"), std::string::npos);
  EXPECT_EQ(send("GET", "/api/status?floor=4&floor=5", "", t).status, 400);
  EXPECT_EQ(send("GET", "/api/status?floor=four", "", t).status, 400);
  EXPECT_EQ(send("GET", "/api/status?limit=0", "", t).status, 400);
  EXPECT_EQ(send("GET", "/api/status?limit=1001", "", t).status, 400);
  EXPECT_EQ(send("GET", "/api/status?text=%ff", "", t).status, 400);  // not UTF-8
  EXPECT_EQ(send("GET", "/api/status?text=%0a", "", t).status, 400);  // control character
  EXPECT_EQ(send("GET", "/api/status?text=%zz", "", t).status, 400);  // bad escape
  EXPECT_EQ(send("GET", "/api/meters/bus1/x/1", "", t).status, 400);
  EXPECT_EQ(send("GET", "/api/meters/bus1/1/1%2F2", "", t).status, 400);
  EXPECT_EQ(send("GET", "http://elsewhere/api/status", "", t).status, 400);
}

TEST_F(ApiRouter, MessagesAreChineseByDefaultAndEnglishWhenAsked) {
  const auto zh = send("GET", "/api/nothing");
  const auto en = send("GET", "/api/nothing", "", "", {{"Accept-Language", "en-US,en;q=0.9"}});
  const auto zh2 = send("GET", "/api/nothing", "", "", {{"Accept-Language", "zh-CN,zh;q=0.9,en"}});
  EXPECT_NE(json_of(zh)["error"]["message"].get<std::string>().find("没有这个接口"),
            std::string::npos);
  EXPECT_EQ(json_of(zh)["error"]["message"], json_of(zh2)["error"]["message"]);
  EXPECT_NE(json_of(en)["error"]["message"].get<std::string>().find("no such endpoint"),
            std::string::npos);
  EXPECT_EQ(header(en, "Content-Language"), "en");
  EXPECT_EQ(header(zh, "Content-Language"), "zh-CN");
  // A refusal of Operations too: the process's language is untouched.
  const auto refusal =
      send("POST", "/api/accounts/A1/sales", R"({"amount":"100000000.00"})", token("cashier1"));
  EXPECT_EQ(refusal.status, 400);
  EXPECT_EQ(text::language(), text::Lang::kEn);
}

TEST_F(ApiRouter, EveryAnswerCarriesTheSecurityHeadersAndNoStore) {
  for (const auto& r : {send("GET", "/api/nothing"), send("GET", "/api/openapi.json"),
                        send("GET", "/api/whoami", "", token("auditor1"))}) {
    EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(header(r, "X-Frame-Options"), "DENY");
    EXPECT_EQ(header(r, "Cache-Control"), "no-store");
    EXPECT_EQ(header(r, "Referrer-Policy"), "no-referrer");
    EXPECT_NE(header(r, "Content-Security-Policy").find("frame-ancestors 'none'"),
              std::string::npos);
    EXPECT_EQ(header(r, "Strict-Transport-Security"), "max-age=31536000");
  }
}

TEST_F(ApiRouter, APageOfAnotherOriginCannotActButTheOwnOriginAndAllowedOnesCan) {
  api::ApiConfig c;
  c.allowed_origins = {"https://office.example"};
  start(c);
  const auto t = token("cashier1");
  const std::string body = R"({"amount":"1.00"})";
  const auto evil =
      send("POST", "/api/accounts/A1/sales", body, t, {{"Origin", "https://evil.example"}});
  EXPECT_EQ(evil.status, 403);
  EXPECT_EQ(json_of(evil)["error"]["code"], "forbidden");
  EXPECT_EQ(header(evil, "Access-Control-Allow-Origin"), "");
  const auto preflight =
      send("OPTIONS", "/api/accounts/A1/sales", "", "", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(preflight.status, 403);
  EXPECT_EQ(
      send("POST", "/api/accounts/A1/sales", body, t, {{"Origin", "https://api.test"}}).status,
      200);
  const auto office =
      send("OPTIONS", "/api/accounts/A1/sales", "", "", {{"Origin", "https://office.example"}});
  EXPECT_EQ(office.status, 204);
  EXPECT_EQ(header(office, "Access-Control-Allow-Origin"), "https://office.example");
  EXPECT_EQ(send("POST", "/api/accounts/A1/sales", body, t, {{"Origin", "https://office.example"}})
                .status,
            200);
}

TEST_F(ApiRouter, TheStatusBoardIsPagedWithCountsOfEveryMeter) {
  const auto t = token("auditor1");
  const auto all = json_of(send("GET", "/api/status", "", t));
  EXPECT_EQ(all["total"], 48);  // 12 + 36 circuits
  EXPECT_EQ(all["items"].size(), 48U);
  const auto page = json_of(send("GET", "/api/status?offset=10&limit=5", "", t));
  ASSERT_EQ(page["items"].size(), 5U);
  EXPECT_EQ(page["items"][0]["meter"], all["items"][10]["meter"]);
  EXPECT_EQ(page["offset"], 10);
  EXPECT_EQ(page["limit"], 5);
  const auto one = json_of(send("GET", "/api/status?account=A1", "", t));
  EXPECT_EQ(one["total"], 1);
  EXPECT_EQ(one["items"][0]["meter"], "bus1/1/1");
  EXPECT_EQ(one["counts"]["not_opened"], 0);
}

TEST_F(ApiRouter, ReportsComeAsJsonCsvOrAWorkbook) {
  const auto t = token("manager1");
  const auto j = send("GET", "/api/reports/readings", "", t);
  ASSERT_EQ(j.status, 200) << j.body;
  EXPECT_EQ(json_of(j)["reports"][0]["rows"].size(), 48U);
  const auto csv = send("GET", "/api/reports/readings?format=csv", "", t);
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 49);
  const auto x = send("GET", "/api/reports/readings?format=xlsx", "", t);
  EXPECT_EQ(x.status, 200);
  EXPECT_EQ(x.body.substr(0, 2), "PK");  // a zip: the workbook
  EXPECT_NE(header(x, "Content-Disposition").find("readings.xlsx"), std::string::npos);
  EXPECT_EQ(send("GET", "/api/reports/readings?format=pdf", "", t).status, 400);
  EXPECT_EQ(
      send("GET", "/api/reports/nothing?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z", "", t)
          .status,
      404);
}

TEST_F(ApiRouter, TheOpenApiDocumentListsExactlyTheRoutesAndEachOfItsPathsIsRouted) {
  const auto doc = json_of(send("GET", "/api/openapi.json"));
  EXPECT_EQ(doc["openapi"], "3.0.3");
  std::set<std::string> documented;
  for (const auto& [path, ops] : doc["paths"].items()) {
    for (const auto& [method, op] : ops.items()) {
      std::string m = method;
      std::transform(m.begin(), m.end(), m.begin(), ::toupper);
      documented.insert(std::string(m).append(" ").append(path));
      // Routed: a request of that method and path is never "no such endpoint" nor "wrong method".
      std::string concrete = path;
      for (std::size_t b; (b = concrete.find('{')) != std::string::npos;)
        concrete.replace(b, concrete.find('}', b) - b + 1, "1");
      const auto r = send(m, concrete);
      EXPECT_NE(r.status, 404) << m << " " << concrete << " " << r.body;
      EXPECT_NE(r.status, 405) << m << " " << concrete;
    }
  }
  std::set<std::string> routed;
  for (const auto& r : api::Api::routes())
    routed.insert(r.method + " " + r.path);
  EXPECT_EQ(documented, routed);
  // The body schema of a sale names its one field, required.
  const auto& sale = doc["paths"]["/api/accounts/{account}/sales"]["post"];
  EXPECT_EQ(sale["requestBody"]["content"]["application/json"]["schema"]["required"],
            json::array({"amount"}));
  EXPECT_EQ(sale["x-roles"], json::array({"cashier"}));
}

TEST_F(ApiRouter, AMetersEventsComeNewestFirstAndAnUnknownMeterIsNotFound) {
  {
    // What the daemon records as it polls, on its own connection to the file.
    auto daemon = store::open_sqlite_store(db_);
    const auto meter = domain::MeterId::parse("bus1/1/1");
    daemon->add_event(meter, "relay_mismatch", "relay open, expected closed", kApiT0);
    daemon->add_event(meter, "meter_replaced", "serial 300001001001 -> 400001001001",
                      kApiT0 + std::chrono::minutes(5));
    daemon->add_event(domain::MeterId::parse("bus1/1/2"), "clock_drift", "other meter", kApiT0);
  }
  const auto t = token("auditor1");
  const auto r = send("GET", "/api/meters/bus1/1/1/events", "", t);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto items = json_of(r)["items"];
  ASSERT_EQ(items.size(), 2U) << r.body;
  EXPECT_EQ(items[0]["kind"], "meter_replaced");
  EXPECT_EQ(items[0]["at"], "2026-02-28T16:05:00+00:00");
  EXPECT_EQ(items[1]["kind"], "relay_mismatch");
  EXPECT_EQ(items[1]["details"], "relay open, expected closed");
  EXPECT_EQ(send("GET", "/api/meters/bus1/1/1/events?limit=1", "", t).status, 200);
  EXPECT_EQ(json_of(send("GET", "/api/meters/bus1/1/1/events?limit=1", "", t))["items"].size(), 1U);
  EXPECT_EQ(send("GET", "/api/meters/bus1/9/1/events", "", t).status, 404);
  EXPECT_EQ(send("GET", "/api/meters/bus1/x/1/events", "", t).status, 400);
}

TEST_F(ApiRouter, ACommandGoesToTheOutboxAndABatchPreviewWritesNothing) {
  const auto t = token("engineer1");
  const auto outbox = count_rows(db_, "outbox");
  const auto preview =
      send("POST", "/api/batches/preview", R"({"command":"trip","building":"","bus":"bus1"})", t);
  ASSERT_EQ(preview.status, 200) << preview.body;
  EXPECT_EQ(json_of(preview)["preview"]["meters"], 48);
  EXPECT_EQ(count_rows(db_, "outbox"), outbox);
  const auto one =
      send("POST", "/api/meters/bus1/1/1/commands",
           R"({"command":"thresholds","alarm1":"20.00","alarm2":"5.00","overload_w":4000})", t);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(json_of(one)["kind"], "thresholds");
  EXPECT_EQ(count_rows(db_, "outbox"), outbox + 1);
  const auto bad = send("POST", "/api/meters/bus1/1/1/commands", R"({"command":"explode"})", t);
  EXPECT_EQ(bad.status, 400);
  const auto both =
      send("POST", "/api/batches", R"({"command":"trip","all":true,"bus":"bus1"})", t);
  EXPECT_EQ(both.status, 400);
  EXPECT_EQ(count_rows(db_, "outbox"), outbox + 1);
}

}  // namespace
}  // namespace phil::test
