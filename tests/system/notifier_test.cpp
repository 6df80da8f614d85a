// SMS (issue 14 item 4) on a real SQLite file: the System on the scripted line raises a balance
// alarm and the tenant gets one SMS per occurrence through the file gateway; the notifier on its
// own connection with a scripted gateway sends each notice once across failures and restarts,
// holds tenants' notices in quiet hours, keeps the daily limit, tells an account once for its
// several meters and the office of what it subscribed to.
#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <phil/service/notifier.hpp>
#include <phil/service/operations.hpp>
#include <phil/service/system.hpp>
#include <phil/store/sqlite_open.hpp>
#include <phil/store/store.hpp>

#include "support/fake_site.hpp"

namespace phil::service {
namespace {

using namespace std::chrono_literals;
using domain::AlarmKind;
using domain::MeterId;

constexpr TimePoint kStart{Millis(1'772'294'400'000)};  // 2026-03-01T00:00:00+08:00
constexpr std::chrono::minutes kCst{480};

/// A gateway that fails the tries its script says and records what it accepted.
class ScriptedGateway final : public notify::Gateway {
 public:
  std::function<bool(int try_number)> fail = [](int) { return false; };
  notify::SendResult send(const notify::Sms& sms) override {
    ++tries;
    if (fail(tries)) return notify::SendError{notify::SendError::Kind::kRefused, "answered 500"};
    accepted.push_back(sms);
    return {};
  }
  std::string describe() const override { return "scripted"; }
  int tries = 0;
  std::vector<notify::Sms> accepted;
};

std::vector<nlohmann::json> lines_of(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    out.push_back(nlohmann::json::parse(line));
  return out;
}

class NotifierTest : public ::testing::Test {
 protected:
  NotifierTest() {
    site_.config.clock_sync.reset();
    site_.config.utc_offset = kCst;
    site_.start();
    config_.language = text::Lang::kEn;
    config_.policy.utc_offset = kCst;
  }

  void open(const std::string& account, const std::vector<MeterId>& meters,
            const std::string& phone) {
    OpenAccount req;
    req.account = account;
    req.tenant = "Li";
    req.meters = meters;
    req.contact.phone = phone;
    auto r = site_.desk->ops().open_account({"cash", domain::Role::kCashier}, req);
    ASSERT_TRUE(r) << r.error().message;
  }
  /// The notifier as the daemon runs it after a restart: a connection and a notifier of its own.
  void restart_notifier() {
    notifier_.reset();
    store_ = store::sqlite_store_factory(site_.db)(store::Checkpoints::kAtCommit);
    notifier_ = std::make_unique<Notifier>(*store_, site_.clock, config_, &gateway_);
  }
  void observe(AlarmKind kind, const MeterId& m, bool holds, const std::string& details = "{}") {
    store_->observe_alarms({{{kind, domain::AlarmTarget::of_meter(m)}, holds, details}},
                           site_.clock.now());
  }
  std::vector<store::NoticeRecord> notices() { return store_->notices({}); }

  test::FakeSite site_{kStart};
  NotifyConfig config_;
  ScriptedGateway gateway_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Notifier> notifier_;
  const MeterId m11_{"bus1", 1, 1};
  const MeterId m12_{"bus1", 1, 2};
};

TEST_F(NotifierTest, ALowBalanceSendsTheTenantOneSmsPerOccurrenceNotPerPoll) {
  // End to end: the System polls, raises alarm 1, its notifier writes the SMS to the file.
  const auto file = site_.dir.file("sms.jsonl");
  config_.gateway.kind = notify::GatewaySpec::Kind::kFile;
  config_.gateway.path = file;
  site_.config.notify = config_;
  site_.start();
  open("A401", {m11_}, "13800138000");
  const auto balance = [&](std::int64_t fen) {
    std::lock_guard l(site_.master_mutex);
    auto c = site_.device.circuit(1, 1);
    c.balance_fen = fen;
    site_.device.set(1, 1, c);
  };
  balance(1500);  // below alarm 1 (20.00), above alarm 2 (5.00)
  site_.step_polls(4);
  auto sent = lines_of(file);
  ASSERT_EQ(sent.size(), 1U);
  EXPECT_EQ(sent[0]["to"], "13800138000");
  EXPECT_EQ(sent[0]["kind"], "alarm1");
  const std::string text = sent[0]["text"];
  EXPECT_NE(text.find("Li"), std::string::npos) << text;
  EXPECT_NE(text.find("15.00 yuan"), std::string::npos) << text;
  EXPECT_NE(text.find("20.00 yuan"), std::string::npos) << text;

  balance(8000);  // topped up: the occurrence ends
  site_.step_polls(2);
  balance(1200);  // a new occurrence
  site_.step_polls(3);
  sent = lines_of(file);
  ASSERT_EQ(sent.size(), 2U);
  EXPECT_NE(std::string(sent[1]["text"]).find("12.00"), std::string::npos);
  EXPECT_NE(sent[0]["id"], sent[1]["id"]);
}

TEST_F(NotifierTest, AFailedSendIsRetriedAfterItsBackoffAndSentOnceAcrossARestart) {
  open("A401", {m11_}, "13800138000");
  config_.policy.retry_first = 30s;
  gateway_.fail = [](int n) { return n <= 2; };
  restart_notifier();
  observe(AlarmKind::kAlarm1, m11_, true, R"({"balance":"15.00"})");
  auto pass = notifier_->run_iterate();
  EXPECT_EQ(pass.written, 1U);
  EXPECT_EQ(pass.failed, 1U);
  EXPECT_EQ(notifier_->next_due(), site_.clock.now() + 30s);

  site_.clock.advance(29s);
  EXPECT_EQ(notifier_->run_iterate().failed, 0U) << "not before its backoff";
  site_.clock.advance(1s);
  EXPECT_EQ(notifier_->run_iterate().failed, 1U);
  EXPECT_EQ(notifier_->next_due(), site_.clock.now() + 60s) << "the wait doubles";

  restart_notifier();  // the daemon restarts: the notice and its tries are in the file
  EXPECT_EQ(notifier_->run_iterate().written, 0U) << "the event was consumed once";
  site_.clock.advance(60s);
  EXPECT_EQ(notifier_->run_iterate().sent, 1U);
  for (int i = 0; i < 3; ++i) {
    site_.clock.advance(1h);
    EXPECT_EQ(notifier_->run_iterate().sent, 0U);
  }
  ASSERT_EQ(gateway_.accepted.size(), 1U);
  EXPECT_EQ(gateway_.tries, 3);
  const auto n = notices();
  ASSERT_EQ(n.size(), 1U);
  EXPECT_EQ(n[0].state, domain::NoticeState::kSent);
  EXPECT_EQ(n[0].tries, 3);
  EXPECT_EQ(gateway_.accepted[0].id, std::to_string(n[0].id));
}

TEST_F(NotifierTest, AnAccountWithoutPhoneGetsASkippedNoticeThatSaysWhy) {
  open("A401", {m11_}, "");
  restart_notifier();
  observe(AlarmKind::kArrears, m11_, true);
  EXPECT_EQ(notifier_->run_iterate().sent, 0U);
  const auto n = notices();
  ASSERT_EQ(n.size(), 1U);
  EXPECT_EQ(n[0].state, domain::NoticeState::kSkipped);
  EXPECT_NE(n[0].reason.find("A401 has no phone"), std::string::npos) << n[0].reason;
  EXPECT_TRUE(gateway_.accepted.empty());
}

TEST_F(NotifierTest, QuietHoursHoldTheTenantButNotTheOffice) {
  open("A401", {m11_}, "13800138000");
  config_.policy.quiet = domain::QuietHours{22 * 60, 8 * 60};
  config_.policy.office = {{"13900000000", {AlarmKind::kAlarm1}, ""}};
  restart_notifier();
  site_.clock.set(kStart + 23h);  // 23:00 local
  observe(AlarmKind::kAlarm1, m11_, true);
  auto pass = notifier_->run_iterate();
  EXPECT_EQ(pass.sent, 1U);
  EXPECT_EQ(pass.held, 1U);
  ASSERT_EQ(gateway_.accepted.size(), 1U);
  EXPECT_EQ(gateway_.accepted[0].to, "13900000000");
  EXPECT_EQ(gateway_.accepted[0].kind, "office");
  EXPECT_EQ(notifier_->next_due(), kStart + 32h) << "08:00 the next morning";
  site_.clock.set(kStart + 31h);
  EXPECT_EQ(notifier_->run_iterate().sent, 0U);
  site_.clock.set(kStart + 32h);
  EXPECT_EQ(notifier_->run_iterate().sent, 1U);
  EXPECT_EQ(gateway_.accepted.back().to, "13800138000");
}

TEST_F(NotifierTest, TheDailyLimitSkipsTheRestOfTheDay) {
  open("A401", {m11_}, "13800138000");
  config_.policy.daily_limit = 2;
  restart_notifier();
  for (int i = 0; i < 3; ++i) {  // three occurrences of alarm 1 in one day
    observe(AlarmKind::kAlarm1, m11_, true);
    (void)notifier_->run_iterate();
    site_.clock.advance(1h);
    observe(AlarmKind::kAlarm1, m11_, false);
  }
  EXPECT_EQ(gateway_.accepted.size(), 2U);
  const auto n = notices();
  ASSERT_EQ(n.size(), 3U);
  EXPECT_EQ(n[2].state, domain::NoticeState::kSkipped);
  EXPECT_NE(n[2].reason.find("2 messages today"), std::string::npos) << n[2].reason;
  site_.clock.set(kStart + 24h);  // the next local day
  observe(AlarmKind::kAlarm1, m11_, true);
  (void)notifier_->run_iterate();
  EXPECT_EQ(gateway_.accepted.size(), 3U);
}

TEST_F(NotifierTest, TwoMetersOfOneAccountTellTheTenantOnce) {
  open("A401", {m11_, m12_}, "13800138000");
  restart_notifier();
  observe(AlarmKind::kAlarm2, m11_, true);
  observe(AlarmKind::kAlarm2, m12_, true);
  (void)notifier_->run_iterate();
  EXPECT_EQ(gateway_.accepted.size(), 1U);
  const auto n = notices();
  ASSERT_EQ(n.size(), 2U);
  EXPECT_EQ(n[1].state, domain::NoticeState::kSkipped);
  // The same alarm on the second meter later, while the first's is still open: still told once.
  observe(AlarmKind::kAlarm2, m12_, false);
  (void)notifier_->run_iterate();
  observe(AlarmKind::kAlarm2, m12_, true);
  (void)notifier_->run_iterate();
  EXPECT_EQ(gateway_.accepted.size(), 1U);
}

TEST_F(NotifierTest, ArrearsClearedTellsTheTenantThePowerIsBackWhenTheSiteAsks) {
  open("A401", {m11_}, "13800138000");
  config_.policy.restore = true;
  config_.language = text::Lang::kZhCN;
  restart_notifier();
  observe(AlarmKind::kArrears, m11_, true);
  (void)notifier_->run_iterate();
  observe(AlarmKind::kArrears, m11_, false);
  (void)notifier_->run_iterate();
  ASSERT_EQ(gateway_.accepted.size(), 2U);
  EXPECT_EQ(gateway_.accepted[0].kind, "arrears");
  EXPECT_EQ(gateway_.accepted[1].kind, "restore");
  EXPECT_NE(gateway_.accepted[1].text.find("恢复供电"), std::string::npos)
      << gateway_.accepted[1].text;
}

TEST_F(NotifierTest, ASiteTemplateReplacesTheCatalogues) {
  open("A401", {m11_}, "13800138000");
  config_.templates[domain::NoticeKind::kAlarm1][text::Lang::kEn] =
      domain::positional_template("{room}/{tenant}: {balance} left").value();
  restart_notifier();
  observe(AlarmKind::kAlarm1, m11_, true);
  (void)notifier_->run_iterate();
  ASSERT_EQ(gateway_.accepted.size(), 1U);
  // A401 has no room in the site model: the tenant is told its account number instead.
  EXPECT_EQ(gateway_.accepted[0].text.substr(0, 8), "A401/Li:");
}

TEST_F(NotifierTest, WithoutNotificationsTheEventsAreConsumedAndNobodyIsTold) {
  open("A401", {m11_}, "13800138000");
  store_ = store::sqlite_store_factory(site_.db)(store::Checkpoints::kAtCommit);
  Notifier quiet(*store_, site_.clock, std::nullopt, nullptr);
  observe(AlarmKind::kAlarm1, m11_, true);
  EXPECT_EQ(store_->notice_events(10).size(), 1U);
  EXPECT_EQ(quiet.run_iterate().written, 0U);
  EXPECT_TRUE(store_->notice_events(10).empty());
  EXPECT_TRUE(notices().empty());
}

}  // namespace
}  // namespace phil::service
