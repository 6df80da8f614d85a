// The notices' rules (domain/notices.hpp): who is told of an alarm's occurrence, when a notice
// may leave (quiet hours, the daily limit, expiry), the retry backoff and the site file's
// templates.
#include <gtest/gtest.h>

#include <phil/domain/notices.hpp>

namespace phil::domain {
namespace {

using namespace std::chrono_literals;

constexpr std::chrono::minutes kCst{480};
// 2026-03-01T00:00:00+08:00
constexpr TimePoint kMidnight{Millis(1'772'294'400'000)};

NoticeEvent low_balance(std::string phone = "13800138000") {
  NoticeEvent e;
  e.id = 7;
  e.alarm = 3;
  e.key = {AlarmKind::kAlarm1, AlarmTarget::of_meter(MeterId{"bus1", 1, 1})};
  e.account = "A401";
  e.tenant = "Li";
  e.phone = std::move(phone);
  e.balance_fen = 1500;
  e.threshold_fen = 2000;
  return e;
}

TEST(NoticePlan, ABalanceAlarmTellsTheTenant) {
  const auto d = plan_notices(low_balance(), NoticePolicy{});
  ASSERT_EQ(d.size(), 1U);
  EXPECT_EQ(d[0].audience, Audience::kTenant);
  EXPECT_EQ(d[0].kind, NoticeKind::kAlarm1);
  EXPECT_EQ(d[0].phone, "13800138000");
  EXPECT_EQ(d[0].event, 7);
  EXPECT_EQ(d[0].alarm, 3);
  EXPECT_FALSE(d[0].skip);
}

TEST(NoticePlan, AnAccountWithoutPhoneIsSkippedWithAReason) {
  const auto d = plan_notices(low_balance(""), NoticePolicy{});
  ASSERT_EQ(d.size(), 1U);
  EXPECT_EQ(d[0].skip, "no_phone");
}

TEST(NoticePlan, AnAccountToldAlreadyIsSkipped) {
  auto e = low_balance();
  e.account_told = true;
  const auto d = plan_notices(e, NoticePolicy{});
  ASSERT_EQ(d.size(), 1U);
  EXPECT_EQ(d[0].skip, "told_already");
}

TEST(NoticePlan, AMeterWithoutAccountTellsNoTenant) {
  auto e = low_balance();
  e.account.clear();
  EXPECT_TRUE(plan_notices(e, NoticePolicy{}).empty());
}

TEST(NoticePlan, AKindTheSiteDoesNotTellTenantsGivesNone) {
  NoticePolicy p;
  p.tenant_kinds = {AlarmKind::kArrears};
  EXPECT_TRUE(plan_notices(low_balance(), p).empty());
}

TEST(NoticePlan, ArrearsClearedTellsOfRestoreOnlyWhenAsked) {
  auto e = low_balance();
  e.key.kind = AlarmKind::kArrears;
  e.phase = NoticePhase::kCleared;
  EXPECT_TRUE(plan_notices(e, NoticePolicy{}).empty());
  NoticePolicy p;
  p.restore = true;
  const auto d = plan_notices(e, p);
  ASSERT_EQ(d.size(), 1U);
  EXPECT_EQ(d[0].kind, NoticeKind::kRestore);
  e.key.kind = AlarmKind::kAlarm1;  // alarm 1 ending is no news to the tenant
  EXPECT_TRUE(plan_notices(e, p).empty());
}

TEST(NoticePlan, OfficeSubscribersGetTheKindsTheyAskedForOnce) {
  NoticePolicy p;
  p.office = {{"100", {AlarmKind::kBusOffline}, "en"},
              {"200", {AlarmKind::kCommandFailed}, ""},
              {"100", {AlarmKind::kBusOffline}, ""}};
  NoticeEvent e;
  e.key = {AlarmKind::kBusOffline, AlarmTarget::of_bus("bus1")};
  const auto d = plan_notices(e, p);
  ASSERT_EQ(d.size(), 1U);
  EXPECT_EQ(d[0].audience, Audience::kOffice);
  EXPECT_EQ(d[0].phone, "100");
  EXPECT_EQ(d[0].language, "en");
  e.phase = NoticePhase::kCleared;
  EXPECT_TRUE(plan_notices(e, p).empty());
}

TEST(NoticeSend, QuietHoursHoldATenantNoticeUntilTheirEnd) {
  NoticePolicy p;
  p.utc_offset = kCst;
  p.quiet = QuietHours{22 * 60, 8 * 60};
  const auto at23 = kMidnight + 23h;
  const auto held = decide_send(at23, at23, Audience::kTenant, 0, p);
  EXPECT_EQ(held.verdict, SendDecision::Verdict::kHold);
  EXPECT_EQ(held.until, kMidnight + 24h + 8h);
  const auto at3 = kMidnight + 3h;
  EXPECT_EQ(decide_send(at3, at3, Audience::kTenant, 0, p).until, kMidnight + 8h);
  EXPECT_EQ(decide_send(at3, at3, Audience::kOffice, 0, p).verdict, SendDecision::Verdict::kSend);
  const auto at8 = kMidnight + 8h;
  EXPECT_EQ(decide_send(at8, at8, Audience::kTenant, 0, p).verdict, SendDecision::Verdict::kSend);
}

TEST(NoticeSend, TheDailyLimitStopsThePhone) {
  NoticePolicy p;
  p.daily_limit = 2;
  EXPECT_EQ(decide_send(kMidnight, kMidnight, Audience::kTenant, 1, p).verdict,
            SendDecision::Verdict::kSend);
  EXPECT_EQ(decide_send(kMidnight, kMidnight, Audience::kTenant, 2, p).verdict,
            SendDecision::Verdict::kLimit);
  p.daily_limit = 0;
  EXPECT_EQ(decide_send(kMidnight, kMidnight, Audience::kTenant, 99, p).verdict,
            SendDecision::Verdict::kSend);
}

TEST(NoticeSend, ANoticeTooOldExpires) {
  NoticePolicy p;
  EXPECT_EQ(decide_send(kMidnight + 24h, kMidnight, Audience::kOffice, 0, p).verdict,
            SendDecision::Verdict::kExpire);
  EXPECT_EQ(decide_send(kMidnight + 23h, kMidnight, Audience::kOffice, 0, p).verdict,
            SendDecision::Verdict::kSend);
}

TEST(NoticeSend, TheLocalDayIsTheSitesDay) {
  const auto [from, to] = local_day_span(kMidnight + 23h + 59min, kCst);
  EXPECT_EQ(from, kMidnight);
  EXPECT_EQ(to, kMidnight + 24h);
}

TEST(NoticeSend, RetriesBackOffByDoublingUpToTheMost) {
  NoticePolicy p;
  p.retry_first = 30s;
  p.retry_max = 5min;
  EXPECT_EQ(next_try(kMidnight, 1, p), kMidnight + 30s);
  EXPECT_EQ(next_try(kMidnight, 2, p), kMidnight + 60s);
  EXPECT_EQ(next_try(kMidnight, 4, p), kMidnight + 240s);
  EXPECT_EQ(next_try(kMidnight, 5, p), kMidnight + 5min);
  EXPECT_EQ(next_try(kMidnight, 60, p), kMidnight + 5min);
}

TEST(NoticeTemplate, NamedFieldsBecomePositions) {
  const auto t = positional_template("{tenant}: {balance} < {threshold} {{x}} at {time}");
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, "{0}: {2} < {3} {{x}} at {8}");
}

TEST(NoticeTemplate, AnUnknownFieldOrALoneBraceIsRefused) {
  const auto unknown = positional_template("hello {name}");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("unknown field {name}"), std::string::npos);
  EXPECT_NE(unknown.error().message.find("{tenant}"), std::string::npos);
  EXPECT_FALSE(positional_template("open { brace"));
  EXPECT_FALSE(positional_template("close } brace"));
}

TEST(NoticeNames, EveryNameReadsBack) {
  for (const auto k : {NoticeKind::kAlarm1, NoticeKind::kAlarm2, NoticeKind::kArrears,
                       NoticeKind::kRestore, NoticeKind::kOffice}) {
    EXPECT_EQ(parse_notice_kind(to_string(k)), k);
  }
  for (const auto s :
       {NoticeState::kPending, NoticeState::kSent, NoticeState::kSkipped, NoticeState::kExpired}) {
    EXPECT_EQ(parse_notice_state(to_string(s)), s);
  }
  EXPECT_FALSE(parse_notice_kind("alarm3"));
}

}  // namespace
}  // namespace phil::domain
