// prepaid-api's network side (issue 15) on loopback: the TLS pair made once and kept, requests
// over TLS verified against it, the limits (body, header, time to send a request, connections
// open at once) answered with JSON errors while others are served, and many clients at once
// each answered rightly. Every wait is bounded.
#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <sys/stat.h>

#include <phil/api/server.hpp>
#include <phil/api/tls.hpp>
#include <phil/common/yaml.hpp>
#include <phil/store/store.hpp>

#include "api_fixture.hpp"
#include "support/https_client.hpp"

namespace phil::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using nlohmann::json;

using Reply = http::response<http::string_body>;

/// A plain client (plain_http on loopback), or raw bytes for the limits. Its reads are bounded:
/// beast::tcp_stream's deadline applies to asynchronous operations only, so each read runs as one
/// on the client's own io_context, which the deadline empties.
class PlainClient {
 public:
  explicit PlainClient(unsigned short port) : stream_(ioc_) {
    stream_.expires_after(std::chrono::seconds(10));
    stream_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  Reply send(const http::request<http::string_body>& req) {
    http::write(stream_, req);
    return read();
  }
  void raw(const std::string& bytes) { asio::write(stream_.socket(), asio::buffer(bytes)); }
  /// The next answer; throws boost::system::system_error if none came within `within`.
  Reply read(std::chrono::milliseconds within = std::chrono::seconds(10)) {
    Reply res;
    beast::error_code ec;
    bounded(
        within, [&](auto done) { http::async_read(stream_, buffer_, res, done); }, ec);
    if (ec) throw boost::system::system_error(ec);
    // NOLINTNEXTLINE(clang-analyzer-cplusplus.Move): async_read fills `res` through a reference
    return res;
  }
  /// What arrived until `needle` did (or the deadline, or the end): for a stream that stays open.
  std::string read_until(const std::string& needle, std::chrono::milliseconds within) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (got_.find(needle) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left <= std::chrono::milliseconds(0)) break;
      std::array<char, 4096> chunk{};
      beast::error_code ec;
      const auto n = bounded(
          left, [&](auto done) { stream_.async_read_some(asio::buffer(chunk), done); }, ec);
      got_.append(chunk.data(), n);
      if (ec) break;
    }
    return got_;
  }
  /// True if the server closed the connection within `within`.
  bool closed_within(std::chrono::milliseconds within) {
    char c = 0;
    beast::error_code ec;
    bounded(
        within, [&](auto done) { stream_.async_read_some(asio::buffer(&c, 1), done); }, ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

 private:
  /// Starts `op` with a completion handler and runs it to its end or the deadline (the stream's
  /// timer then cancels it with beast::error::timeout); the bytes it moved.
  template <class Op>
  std::size_t bounded(std::chrono::milliseconds within, Op op, beast::error_code& ec) {
    std::size_t moved = 0;
    stream_.expires_after(within);
    op([&](beast::error_code e, std::size_t n) {
      ec = e;
      moved = n;
    });
    ioc_.restart();
    ioc_.run();
    return moved;
  }

  asio::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::string got_;  ///< read_until's bytes so far
};

class ApiServer : public ApiFixture {
 protected:
  /// A server on a free loopback port: TLS with a pair made in the test's folder, or plain.
  void serve(api::ApiConfig c, bool tls = true) {
    c.address = "127.0.0.1";
    c.port = 0;
    c.plain_http = !tls;
    start(c);
    std::optional<api::TlsFiles> pair;
    if (tls) pair = api::tls_files(c, dir_.file("tls"), {"127.0.0.1", "localhost"});
    if (pair) certificate_ = pair->certificate;
    server_ = std::make_unique<api::Server>(*api_, c, pair);
    server_->start();
  }
  void TearDown() override {
    if (server_) server_->stop();
  }
  std::string login_over(PlainClient& c, const std::string& id) {
    const auto r = c.send(api_request(http::verb::post, "/api/session", "",
                                      json{{"id", id}, {"password", kApiPassword}}.dump()));
    EXPECT_EQ(r.result_int(), 200) << r.body();
    return json::parse(r.body()).value("token", "");
  }

  std::unique_ptr<api::Server> server_;
  std::string certificate_;
};

TEST_F(ApiServer, TheSelfSignedPairIsMadeOnceKeptPrivateAndItsFingerprintStays) {
  api::ApiConfig c;
  const auto first = api::tls_files(c, dir_.file("tls"), {"127.0.0.1"});
  EXPECT_TRUE(first.generated);
  struct stat st {};
  ASSERT_EQ(::stat(first.key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  const auto again = api::tls_files(c, dir_.file("tls"), {"127.0.0.1"});
  EXPECT_FALSE(again.generated);
  EXPECT_EQ(again.fingerprint, first.fingerprint);
  EXPECT_EQ(first.fingerprint.size(), 32U * 3 - 1);  // "AB:CD:..." of SHA-256
  c.certificate = dir_.file("missing.crt");
  c.key = dir_.file("missing.key");
  EXPECT_THROW((void)api::tls_files(c, dir_.file("tls"), {}), std::runtime_error);
}

TEST_F(ApiServer, OverTlsAnOperatorLogsInAndReadsAnAccountWithTheCertificateVerified) {
  serve({});
  TlsClient client(certificate_, server_->port());
  const auto login =
      client.send(api_request(http::verb::post, "/api/session", "",
                              json{{"id", "cashier1"}, {"password", kApiPassword}}.dump()));
  ASSERT_EQ(login.result_int(), 200) << login.body();
  const auto token = json::parse(login.body())["token"].get<std::string>();
  const auto a = client.send(api_request(http::verb::get, "/api/accounts/A1", token));
  ASSERT_EQ(a.result_int(), 200) << a.body();
  EXPECT_EQ(json::parse(a.body())["account"]["balance"], "50.00");
  EXPECT_EQ(a[http::field::strict_transport_security], "max-age=31536000");
}

TEST_F(ApiServer, PlainHttpIsOnlyForLoopbackAndOnlyWhenAsked) {
  api::ApiConfig c;
  c.address = "0.0.0.0";
  c.port = 0;
  c.plain_http = true;
  EXPECT_THROW(api::Server(*api_, c, std::nullopt), std::runtime_error);
  c.address = "127.0.0.1";
  c.plain_http = false;
  EXPECT_THROW(api::Server(*api_, c, std::nullopt), std::runtime_error);
  EXPECT_THROW((void)api::parse_api_config("listen: 0.0.0.0:8080\nplain_http: true\n", "api.yaml"),
               yaml::ConfigError);
  EXPECT_NO_THROW(
      (void)api::parse_api_config("listen: 127.0.0.1:8080\nplain_http: true\n", "api.yaml"));
  EXPECT_THROW(
      (void)api::parse_api_config("listen: 127.0.0.1:8080\nplian_http: true\n", "api.yaml"),
      yaml::ConfigError);
  EXPECT_THROW((void)api::parse_api_config("listen: localhost:99999\n", "api.yaml"),
               yaml::ConfigError);
}

TEST_F(ApiServer, AHugeBodyOrHeaderOrGarbageGetsItsJsonErrorAndOthersAreStillServed) {
  api::ApiConfig c;
  c.limits.max_body = 1024;
  c.limits.max_header = 1024;
  serve(c, false);
  {
    PlainClient big(server_->port());
    const auto r =
        big.send(api_request(http::verb::post, "/api/session", "", std::string(4096, ' ')));
    EXPECT_EQ(r.result_int(), 413);
    EXPECT_EQ(json::parse(r.body())["error"]["code"], "too_large");
  }
  {
    PlainClient headers(server_->port());
    auto req = api_request(http::verb::get, "/api/whoami");
    req.set("X-Padding", std::string(2048, 'x'));
    const auto r = headers.send(req);
    EXPECT_EQ(r.result_int(), 431);
    EXPECT_EQ(json::parse(r.body())["error"]["code"], "header_too_large");
  }
  {
    PlainClient garbage(server_->port());
    garbage.raw("HELLO THERE\r\n\r\n");
    const auto r = garbage.read();
    EXPECT_EQ(r.result_int(), 400);
    EXPECT_EQ(json::parse(r.body())["error"]["code"], "invalid");
  }
  PlainClient fine(server_->port());
  EXPECT_EQ(fine.send(api_request(http::verb::get, "/api/openapi.json")).result_int(), 200);
}

TEST_F(ApiServer, ASlowClientIsCutOffWhileOthersAreServed) {
  api::ApiConfig c;
  c.limits.request_timeout = std::chrono::milliseconds(800);
  serve(c, false);
  PlainClient slow(server_->port());
  slow.raw("GET /api/openapi.json HTTP/1.1\r\nHost: x\r\n");  // and never the rest
  const auto t0 = std::chrono::steady_clock::now();
  PlainClient other(server_->port());
  EXPECT_EQ(other.send(api_request(http::verb::get, "/api/openapi.json")).result_int(), 200);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(700));
  EXPECT_TRUE(slow.closed_within(std::chrono::seconds(5)));
}

TEST_F(ApiServer, ConnectionsBeyondTheBoundWaitUntilOneCloses) {
  api::ApiConfig c;
  c.limits.max_connections = 2;
  serve(c, false);
  auto a = std::make_unique<PlainClient>(server_->port());
  PlainClient b(server_->port());
  EXPECT_EQ(a->send(api_request(http::verb::get, "/api/openapi.json")).result_int(), 200);
  EXPECT_EQ(b.send(api_request(http::verb::get, "/api/openapi.json")).result_int(), 200);
  PlainClient third(server_->port());  // the kernel takes it; the server does not yet
  third.raw("GET /api/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_THROW((void)third.read(std::chrono::milliseconds(300)), boost::system::system_error);
  EXPECT_EQ(server_->connections(), 2U);
}

TEST_F(ApiServer, ManyClientsAtOnceOverTlsAreEachAnsweredRightly) {
  serve({});
  TlsClient login(certificate_, server_->port());
  const auto r =
      login.send(api_request(http::verb::post, "/api/session", "",
                             json{{"id", "auditor1"}, {"password", kApiPassword}}.dump()));
  ASSERT_EQ(r.result_int(), 200);
  const auto token = json::parse(r.body())["token"].get<std::string>();
  constexpr int kClients = 8;
  constexpr int kEach = 25;
  std::atomic<int> right{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> clients;
  clients.reserve(kClients);
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      try {
        TlsClient c(certificate_, server_->port());
        for (int k = 0; k < kEach; ++k) {
          // Alternate two requests so an answer given to the wrong request would show.
          const bool account = (i + k) % 2 == 0;
          const auto res = c.send(account ? api_request(http::verb::get, "/api/accounts/A1", token)
                                          : api_request(http::verb::get, "/api/whoami", token));
          const auto j = json::parse(res.body(), nullptr, false);
          const bool ok = res.result_int() == 200 && (account ? j["account"]["balance"] == "50.00"
                                                              : j["operator"] == "auditor1");
          ++(ok ? right : wrong);
        }
      } catch (const std::exception&) {
        ++wrong;
      }
    });
  }
  for (auto& t : clients)
    t.join();
  EXPECT_EQ(right.load(), kClients * kEach);
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(ApiServer, TheLiveFeedStreamsEventsAsTheyHappenAndTheServerStopsWithItOpen) {
  api::ApiConfig c;
  c.feed_interval = std::chrono::milliseconds(200);
  serve(c, false);
  PlainClient office(server_->port());
  const auto token = login_over(office, "auditor1");
  PlainClient feed(server_->port());
  feed.raw("GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
           "\r\n\r\n");
  auto got = feed.read_until("event: hello", std::chrono::seconds(5));
  ASSERT_NE(got.find("event: hello"), std::string::npos) << got;
  EXPECT_NE(got.find("Content-Type: text/event-stream"), std::string::npos) << got;
  EXPECT_EQ(got.find("Content-Length"), std::string::npos) << got;
  // The daemon raises an alarm; a look later (the clock moved past the interval) it is sent.
  store::open_sqlite_store(db_)->observe_alarms(
      {{{domain::AlarmKind::kBusOffline, domain::AlarmTarget::of_bus("bus1")}, true, "{}"}},
      clock_.now());
  clock_.advance(std::chrono::seconds(1));
  got = feed.read_until("event: alarm", std::chrono::seconds(5));
  ASSERT_NE(got.find("event: alarm"), std::string::npos) << got;
  EXPECT_NE(got.find("bus_offline"), std::string::npos) << got;
  // Others are still served while it stays open.
  EXPECT_EQ(office.send(api_request(http::verb::get, "/api/whoami", token)).result_int(), 200);
  EXPECT_EQ(server_->connections(), 2U);
}

}  // namespace
}  // namespace phil::test
