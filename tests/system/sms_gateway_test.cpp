// The SMS gateways against real peers (issue 14 item 4): the HTTP gateway over TLS against a
// flaky HTTPS provider in Python (500s, lost replies, hangs, dropped connections) through the
// notifier on a real SQLite file: every SMS arrives exactly once; a certificate the gateway does
// not trust is refused. The command gateway runs real programs; the file gateway writes a file.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <phil/notify/gateway.hpp>
#include <phil/service/notifier.hpp>
#include <phil/service/operations.hpp>
#include <phil/store/sqlite_open.hpp>
#include <phil/store/store.hpp>

#include "support/fake_site.hpp"
#include "support/temp_dir.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX declares it nowhere

namespace phil::notify {
namespace {

using namespace std::chrono_literals;

/// A self-signed certificate for 127.0.0.1 and localhost, made by the openssl program.
void make_certificate(const std::string& cert, const std::string& key) {
  const auto cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
      "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout '" +
      key + "' -out '" + cert + "' >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

/// The flaky provider, running until destroyed.
class FlakyProvider {
 public:
  FlakyProvider(const test::TempDir& dir, const std::string& token) {
    cert = dir.file("cert.pem");
    const auto key = dir.file("key.pem");
    make_certificate(cert, key);
    log = dir.file("provider.jsonl");
    const auto port_file = dir.file("port");
    const std::string script = std::string(PHIL_SOURCE_DIR) + "/tests/system/flaky_sms_server.py";
    std::vector<std::string> args{"/usr/bin/python3", script, cert,  key,
                                  port_file,          log,    token, "2.5"};
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
    for (int i = 0; i < 200 && !std::filesystem::exists(port_file); ++i)
      std::this_thread::sleep_for(50ms);
    std::ifstream in(port_file);
    in >> port;
  }
  ~FlakyProvider() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  FlakyProvider(const FlakyProvider&) = delete;
  FlakyProvider& operator=(const FlakyProvider&) = delete;

  /// The provider's log: each request's fate and key.
  std::vector<std::pair<std::string, std::string>> fates() const {
    std::vector<std::pair<std::string, std::string>> out;
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);) {
      const auto j = nlohmann::json::parse(line);
      out.emplace_back(j["event"], j["id"]);
    }
    return out;
  }

  std::string cert;
  std::string log;
  int port = 0;

 private:
  pid_t pid_ = -1;
};

GatewaySpec https_to(const FlakyProvider& p, const std::string& token) {
  GatewaySpec g;
  g.kind = GatewaySpec::Kind::kHttp;
  g.url = "https://localhost:" + std::to_string(p.port) + "/v1/sms";
  g.token_header = "X-Token";
  g.token = token;
  g.ca_file = p.cert;
  g.timeout = 1000ms;
  return g;
}

TEST(HttpGateway, EverySmsArrivesExactlyOnceThroughAFlakyHttpsProvider) {
  constexpr TimePoint kStart{Millis(1'772'294'400'000)};
  test::FakeSite site(kStart);
  site.config.clock_sync.reset();
  site.start();
  FlakyProvider provider(site.dir, "s3cret");
  ASSERT_GT(provider.port, 0) << "the provider did not start";
  auto gateway = make_gateway(https_to(provider, "s3cret"));

  std::vector<domain::MeterId> meters;
  meters.reserve(6);
  for (int c = 1; c <= 6; ++c) {
    const domain::MeterId m{"bus1", 1, c};
    service::OpenAccount req;
    req.account = "A40" + std::to_string(c);
    req.tenant = "T" + std::to_string(c);
    req.meters = {m};
    req.contact.phone = "1380013800" + std::to_string(c);
    ASSERT_TRUE(site.desk->ops().open_account({"cash", domain::Role::kCashier}, req));
    meters.push_back(m);
  }
  auto store = store::sqlite_store_factory(site.db)(store::Checkpoints::kAtCommit);
  service::NotifyConfig config;
  config.policy.retry_first = 10s;
  config.policy.retry_max = 60s;
  service::Notifier notifier(*store, site.clock, config, gateway.get());
  std::vector<domain::AlarmSeen> seen;
  seen.reserve(meters.size());
  for (const auto& m : meters)
    seen.push_back({{domain::AlarmKind::kArrears, domain::AlarmTarget::of_meter(m)}, true, "{}"});
  store->observe_alarms(seen, site.clock.now());

  // Bounded: each pass tries every due notice once; the provider fails 5 requests in 8.
  for (int pass = 0; pass < 40; ++pass) {
    (void)notifier.run_iterate();
    if (store->due_notices(site.clock.now() + 1h, 100).empty()) break;
    site.clock.advance(1min);
  }
  const auto notices = store->notices({});
  ASSERT_EQ(notices.size(), 6U);
  std::set<std::string> ids;
  for (const auto& n : notices) {
    EXPECT_EQ(n.state, domain::NoticeState::kSent) << n.id << ": " << n.last_error;
    ids.insert(std::to_string(n.id));
  }
  std::map<std::string, int> delivered;
  std::map<std::string, int> fate_count;
  for (const auto& [fate, id] : provider.fates()) {
    ++fate_count[fate];
    if (fate == "delivered") ++delivered[id];
  }
  EXPECT_EQ(delivered.size(), 6U);
  for (const auto& id : ids)
    EXPECT_EQ(delivered[id], 1) << "notice " << id;
  // The run met every kind of failure, and the reply lost after acceptance was retried under
  // the same key (a duplicate the provider recognised), not sent as a second SMS.
  for (const auto* fate : {"500", "accept_then_hang", "hang", "close", "duplicate"})
    EXPECT_GE(fate_count[fate], 1) << fate;
  EXPECT_EQ(fate_count["unauthorized"], 0);
}

TEST(HttpGateway, AProviderWhoseCertificateIsNotTrustedIsRefused) {
  test::TempDir dir;
  FlakyProvider provider(dir, "s3cret");
  ASSERT_GT(provider.port, 0);
  auto spec = https_to(provider, "s3cret");
  spec.ca_file = dir.file("other.pem");
  make_certificate(spec.ca_file, dir.file("other-key.pem"));
  const auto r = make_gateway(spec)->send({"1", "13800138000", "hello", "alarm1"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, SendError::Kind::kIo);
  EXPECT_NE(r.error().message.find("certificate verify failed"), std::string::npos)
      << r.error().message;
  EXPECT_TRUE(provider.fates().empty()) << "nothing reached the provider";
}

TEST(HttpGateway, AWrongTokenIsTheProvidersRefusal) {
  test::TempDir dir;
  FlakyProvider provider(dir, "s3cret");
  ASSERT_GT(provider.port, 0);
  const auto r = make_gateway(https_to(provider, "wrong"))->send({"1", "1380", "hi", "alarm1"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, SendError::Kind::kRefused);
  EXPECT_NE(r.error().message.find("answered 401"), std::string::npos) << r.error().message;
}

TEST(HttpGateway, AUrlThatIsNotHttpIsAConfigurationError) {
  for (const auto* bad : {"ftp://x/y", "https://", "http://host:0/", "http://host:70000/",
                          "http://user@host/", "https://ho st/"}) {
    EXPECT_FALSE(parse_url(bad)) << bad;
    GatewaySpec g;
    g.kind = GatewaySpec::Kind::kHttp;
    g.url = bad;
    EXPECT_THROW((void)make_gateway(g), std::invalid_argument) << bad;
  }
  const auto u = parse_url("https://sms.example.com/v1/send?x=1");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "sms.example.com");
  EXPECT_EQ(u->port, "443");
  EXPECT_EQ(u->target, "/v1/send?x=1");
  EXPECT_EQ(parse_url("http://127.0.0.1:8080")->target, "/");
}

/// A shell script in `dir`, executable.
std::string script(const test::TempDir& dir, const std::string& name, const std::string& body) {
  auto path = dir.file(name);
  std::ofstream(path) << "#!/bin/sh\n" << body;
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  return path;
}

TEST(CommandGateway, TheProgramGetsTheMessageOnStdinAndItsKeyInTheEnvironment) {
  test::TempDir dir;
  const auto out = dir.file("out");
  GatewaySpec g;
  g.kind = GatewaySpec::Kind::kCommand;
  g.argv = {script(dir, "send",
                   "cat > '" + out + "'; echo \" $PHIL_SMS_ID $PHIL_SMS_TO " +
                       "$PHIL_SMS_KIND $1\" >> '" + out + "'\n"),
            "arg1"};
  const auto r = make_gateway(g)->send({"42", "13800138000", "余额不足", "alarm1"});
  ASSERT_TRUE(r) << r.error().message;
  std::ifstream in(out);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(all, "余额不足 42 13800138000 alarm1 arg1\n");
}

TEST(CommandGateway, ANonZeroExitIsARefusalWithWhatTheProgramSaid) {
  test::TempDir dir;
  GatewaySpec g;
  g.kind = GatewaySpec::Kind::kCommand;
  g.argv = {script(dir, "send", "cat >/dev/null; echo 'quota exceeded' >&2; exit 3\n")};
  const auto r = make_gateway(g)->send({"1", "1", "x", "alarm1"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, SendError::Kind::kRefused);
  EXPECT_NE(r.error().message.find("exited with 3: quota exceeded"), std::string::npos)
      << r.error().message;
}

TEST(CommandGateway, AProgramThatHangsIsKilledAtTheTimeout) {
  test::TempDir dir;
  GatewaySpec g;
  g.kind = GatewaySpec::Kind::kCommand;
  g.argv = {script(dir, "send", "exec sleep 30\n")};
  g.timeout = 300ms;
  const auto r = make_gateway(g)->send({"1", "1", "x", "alarm1"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, SendError::Kind::kTimeout);
}

TEST(CommandGateway, AMissingProgramIsAFailureNotACrash) {
  GatewaySpec g;
  g.kind = GatewaySpec::Kind::kCommand;
  g.argv = {"/nonexistent/send-sms"};
  const auto r = make_gateway(g)->send({"1", "1", "x", "alarm1"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("exited with 127"), std::string::npos) << r.error().message;
}

TEST(FileGateway, AFolderThatCannotBeWrittenIsAnIoFailure) {
  GatewaySpec g;
  g.kind = GatewaySpec::Kind::kFile;
  g.path = "/nonexistent/folder/sms.jsonl";
  const auto r = make_gateway(g)->send({"1", "1", "x", "alarm1"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, SendError::Kind::kIo);
  EXPECT_NE(r.error().message.find("/nonexistent/folder/sms.jsonl"), std::string::npos);
}

/// The lines of `path`, each parsed (a line that is not JSON is null).
std::vector<nlohmann::json> json_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> out;
  for (std::string line; std::getline(in, line);)
    out.push_back(nlohmann::json::parse(line, nullptr, false));
  return out;
}

GatewaySpec file_spec(const std::string& path) {
  GatewaySpec g;
  g.kind = GatewaySpec::Kind::kFile;
  g.path = path;
  return g;
}

TEST(FileGateway, AMessageAlreadyInTheFileIsNotWrittenAgainEvenAfterARestart) {
  test::TempDir dir;
  const auto path = dir.file("sms.jsonl");
  auto gateway = make_gateway(file_spec(path));
  ASSERT_TRUE(gateway->send({"7", "13800138000", "余额不足", "alarm1"}));
  ASSERT_TRUE(gateway->send({"7", "13800138000", "余额不足", "alarm1"}));  // a retry
  // A restart: the try was written, its success never recorded, so it is tried again.
  auto restarted = make_gateway(file_spec(path));
  ASSERT_TRUE(restarted->send({"7", "13800138000", "余额不足", "alarm1"}));
  ASSERT_TRUE(restarted->send({"8", "13800138001", "已欠费", "arrears"}));
  const auto lines = json_lines(path);
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0]["id"], "7");
  EXPECT_EQ(lines[0]["text"], "余额不足");
  EXPECT_EQ(lines[1]["id"], "8");
  // Another writer of the file (a second gateway on it) is seen too.
  ASSERT_TRUE(gateway->send({"8", "13800138001", "已欠费", "arrears"}));
  EXPECT_EQ(json_lines(path).size(), 2U);
}

TEST(FileGateway, AfterALineTornByACrashTheMessageIsWrittenWholeOnItsOwnLine) {
  test::TempDir dir;
  const auto path = dir.file("sms.jsonl");
  {
    std::ofstream torn(path);
    torn << R"({"id":"1","to":"1380)";  // the append was cut short: no id to trust
  }
  auto gateway = make_gateway(file_spec(path));
  ASSERT_TRUE(gateway->send({"1", "13800138000", "hello", "alarm1"}));
  ASSERT_TRUE(gateway->send({"1", "13800138000", "hello", "alarm1"}));
  const auto lines = json_lines(path);
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_TRUE(lines[0].is_discarded());
  EXPECT_EQ(lines[1]["id"], "1");
  EXPECT_EQ(lines[1]["to"], "13800138000");
}

TEST(FileGateway, ARotatedFileStartsAfresh) {
  test::TempDir dir;
  const auto path = dir.file("sms.jsonl");
  auto gateway = make_gateway(file_spec(path));
  ASSERT_TRUE(gateway->send({"1", "1", "x", "alarm1"}));
  std::filesystem::rename(path, path + ".1");
  ASSERT_TRUE(gateway->send({"2", "1", "y", "alarm1"}));
  const auto lines = json_lines(path);
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0]["id"], "2");
}

}  // namespace
}  // namespace phil::notify
