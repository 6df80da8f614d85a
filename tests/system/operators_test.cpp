// Operators (issue 13 item 1): the password and login rules, and Operations on a real SQLite
// file: the first admin, argon2id hashes, roles from the table, lock-out after failed logins,
// disabled operators, and that every attempt is one audit row and nothing else.
#include <gtest/gtest.h>

#include <phil/domain/operators.hpp>
#include <phil/domain/sessions.hpp>
#include <phil/service/operations.hpp>
#include <phil/store/store.hpp>

#include "support/sqlite_count.hpp"
#include "support/temp_dir.hpp"

namespace phil::service {
namespace {

using domain::ErrorKind;
using domain::LoginOutcome;
using domain::Role;

constexpr TimePoint kT0{Millis(1'772'294'400'000)};  // 2026-02-28T16:00:00Z
constexpr const char* kGood = "correct horse battery";

TEST(OperatorRules, APasswordNeedsTenCharactersNotRepeatedNorTheId) {
  EXPECT_FALSE(domain::check_password("correct horse", "li"));
  EXPECT_FALSE(domain::check_password("电费预付管理系统密码好", "li"));  // 11 characters
  EXPECT_TRUE(domain::check_password("short", "li"));
  EXPECT_TRUE(domain::check_password("电费预付", "li"));  // 12 bytes, 4 characters
  EXPECT_TRUE(domain::check_password("aaaaaaaaaaaa", "li"));
  EXPECT_TRUE(domain::check_password("my name is zhangwei", "zhangwei"));
  EXPECT_TRUE(domain::check_password(std::string(129, 'x') + "y", "li"));
  EXPECT_NE(domain::check_password("short", "li")->find("at least 10"), std::string::npos);
}

TEST(OperatorRules, FiveFailuresLockForFifteenMinutesAndALockedOrDisabledOneIsNotChecked) {
  domain::LoginState s;
  int asked = 0;
  const auto wrong = [&] {
    ++asked;
    return false;
  };
  for (int i = 1; i < domain::kMaxLoginFailures; ++i) {
    const auto d = domain::decide_login(s, kT0, wrong);
    EXPECT_EQ(d.outcome, LoginOutcome::kBadPassword);
    EXPECT_EQ(d.failures, i);
    s = {false, d.failures, d.locked_until};
  }
  auto d = domain::decide_login(s, kT0, wrong);
  EXPECT_EQ(d.outcome, LoginOutcome::kLockedNow);
  ASSERT_TRUE(d.locked_until);
  EXPECT_EQ(*d.locked_until, kT0 + std::chrono::minutes(15));
  s = {false, d.failures, d.locked_until};
  asked = 0;
  d = domain::decide_login(s, kT0 + std::chrono::minutes(14), [&] { return ++asked > 0; });
  EXPECT_EQ(d.outcome, LoginOutcome::kLocked);
  EXPECT_EQ(asked, 0);  // no hashing while locked
  d = domain::decide_login(s, kT0 + std::chrono::minutes(15), [] { return true; });
  EXPECT_EQ(d.outcome, LoginOutcome::kOk);
  EXPECT_EQ(d.failures, 0);
  s.disabled = true;
  EXPECT_EQ(domain::decide_login(s, kT0 + std::chrono::hours(1), [] { return true; }).outcome,
            LoginOutcome::kDisabled);
}

TEST(SessionRules, ASessionEndsEightHoursAfterItsLoginOrHalfAnHourUnusedOrWhenRevoked) {
  using domain::SessionState;
  using std::chrono::hours;
  using std::chrono::minutes;
  domain::SessionTimes s{kT0, kT0, std::nullopt};
  EXPECT_EQ(domain::session_state(s, kT0), SessionState::kValid);
  EXPECT_EQ(domain::session_state(s, kT0 + minutes(29)), SessionState::kValid);
  EXPECT_EQ(domain::session_state(s, kT0 + minutes(30)), SessionState::kIdle);
  // Used every 20 minutes it lasts, but never past 8 hours after the login.
  s.last_used_at = kT0 + hours(7) + minutes(50);
  EXPECT_EQ(domain::session_state(s, kT0 + hours(7) + minutes(59)), SessionState::kValid);
  EXPECT_EQ(domain::session_state(s, kT0 + hours(8)), SessionState::kExpired);
  EXPECT_EQ(domain::session_ends_at(s), kT0 + hours(8));
  EXPECT_EQ(domain::session_ends_at({kT0, kT0, std::nullopt}), kT0 + minutes(30));
  s.revoked_at = kT0 + hours(7) + minutes(55);
  EXPECT_EQ(domain::session_state(s, kT0 + hours(7) + minutes(54)), SessionState::kValid);
  EXPECT_EQ(domain::session_state(s, kT0 + hours(7) + minutes(55)), SessionState::kRevoked);
}

class OperatorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("site.db");
    ops_ = Operations::open(db_, clock_);
    ASSERT_TRUE(ops_->add_first_admin({"boss", "Wang Li", Role::kAdmin, kGood}));
    auto admin = ops_->login("boss", kGood);
    ASSERT_TRUE(admin) << admin.error().message;
    admin_ = admin.value();
  }
  std::int64_t audit_rows() const { return test::count_rows(db_, "audit"); }
  std::string last_audit() const {
    return test::sql(
        db_,
        "SELECT operator, action, target, outcome, details FROM audit ORDER BY id DESC "
        "LIMIT 1");
  }

  test::TempDir dir_;
  std::string db_;
  domain::ManualClock clock_{kT0};
  std::unique_ptr<Operations> ops_;
  Actor admin_;
};

TEST_F(OperatorsTest, TheFirstAdminLogsInWithTheRoleOfTheTableAndIsTheOnlyFirst) {
  EXPECT_EQ(admin_.id, "boss");
  EXPECT_EQ(admin_.role, Role::kAdmin);
  const auto again = ops_->add_first_admin({"other", "Other", Role::kAdmin, kGood});
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("has operators already"), std::string::npos);
  // The hash is argon2id at the declared cost, never the password.
  const auto hash = test::sql(db_, "SELECT password_hash FROM operators WHERE id = 'boss'");
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0U) << hash;
  EXPECT_NE(hash.find("m=65536,t=5"), std::string::npos) << hash;
  EXPECT_EQ(hash.find(kGood), std::string::npos);
  EXPECT_EQ(last_audit(), "boss|login|boss|ok|{\"failures\":0}|");
}

TEST_F(OperatorsTest, OperatorsAreAddedByAnAdminAndActWithinTheirRole) {
  ASSERT_TRUE(ops_->add_operator(admin_, {"li", "Li Na", Role::kCashier, "counter password 1"}));
  EXPECT_EQ(last_audit(), "boss|operator_add|li|ok|{\"name\":\"Li Na\",\"role\":\"cashier\"}|");
  const auto li = ops_->login("li", "counter password 1").value();
  EXPECT_EQ(li.role, Role::kCashier);
  // A cashier adds no operator, and may not add a tariff: the refusal names who may.
  const auto before = audit_rows();
  const auto add = ops_->add_operator(li, {"zhao", "Zhao", Role::kAdmin, kGood});
  ASSERT_FALSE(add);
  EXPECT_NE(add.error().message.find("that needs the role admin"), std::string::npos)
      << add.error().message;
  const auto tariff = ops_->add_tariff(li, {"flat", {kT0, domain::Tariff::single(6000)}});
  ASSERT_FALSE(tariff);
  EXPECT_NE(tariff.error().message.find("li (cashier) may not add_tariff: that needs the role "
                                        "manager"),
            std::string::npos)
      << tariff.error().message;
  // Each refusal for the role is one row of its own (outcome denied), nothing else.
  EXPECT_EQ(audit_rows(), before + 2);
  EXPECT_EQ(last_audit(),
            "li|denied|add_tariff|denied|{\"action\":\"add_tariff\",\"role\":\"cashier\"}|");
  // Ids are never reused; bad ids, names and passwords are refused and write nothing.
  EXPECT_FALSE(ops_->add_operator(admin_, {"li", "Again", Role::kAuditor, kGood}));
  EXPECT_EQ(ops_->add_operator(admin_, {"", "No id", Role::kAuditor, kGood}).error().kind,
            ErrorKind::kInvalid);
  EXPECT_EQ(ops_->add_operator(admin_, {"a\tb", "Tab", Role::kAuditor, kGood}).error().kind,
            ErrorKind::kInvalid);
  EXPECT_EQ(ops_->add_operator(admin_, {"zhou", "Zhou", Role::kAuditor, "short"}).error().kind,
            ErrorKind::kInvalid);
  EXPECT_EQ(audit_rows(), before + 2);
  const auto all = ops_->operators(admin_).value();
  ASSERT_EQ(all.size(), 2U);
  EXPECT_TRUE(all[0].password_hash.empty());  // hashes never leave the service
  EXPECT_FALSE(ops_->operators(li));
}

TEST_F(OperatorsTest, FailedLoginsAreRefusedAlikeLockTheOperatorAndAreEachOneAuditRow) {
  ASSERT_TRUE(ops_->add_operator(admin_, {"li", "Li Na", Role::kCashier, "counter password 1"}));
  const auto tables = [&] {
    return test::count_rows(db_, "ledger") + test::count_rows(db_, "outbox");
  };
  const auto other = tables();
  auto before = audit_rows();
  // An unknown operator and a wrong password get the same words.
  const auto unknown = ops_->login("nobody", "whatever it is");
  const auto wrong = ops_->login("li", "not the password");
  ASSERT_FALSE(unknown);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(unknown.error().message, "operator nobody is unknown or the password is wrong");
  EXPECT_EQ(wrong.error().message, "operator li is unknown or the password is wrong");
  EXPECT_EQ(audit_rows(), before + 2);
  EXPECT_EQ(last_audit(), "li|login|li|bad_password|{\"failures\":1}|");
  for (int i = 2; i < domain::kMaxLoginFailures; ++i)
    ASSERT_FALSE(ops_->login("li", "not the password"));
  before = audit_rows();
  const auto locking = ops_->login("li", "not the password");
  ASSERT_FALSE(locking);
  EXPECT_NE(locking.error().message.find("locked until 2026-02-28T16:15:00"), std::string::npos)
      << locking.error().message;
  EXPECT_EQ(audit_rows(), before + 2);  // the attempt, and the lock
  EXPECT_NE(last_audit().find("li|operator_locked|"), std::string::npos) << last_audit();
  // Locked: even the right password is refused until the lock ends.
  clock_.advance(std::chrono::minutes(14));
  EXPECT_FALSE(ops_->login("li", "counter password 1"));
  clock_.advance(std::chrono::minutes(1));
  EXPECT_TRUE(ops_->login("li", "counter password 1"));
  // Disabled for good: refused, and nobody disables themselves.
  EXPECT_FALSE(ops_->disable_operator(admin_, "boss"));
  ASSERT_TRUE(ops_->disable_operator(admin_, "li"));
  const auto disabled = ops_->login("li", "counter password 1");
  ASSERT_FALSE(disabled);
  EXPECT_EQ(disabled.error().message, "operator li is disabled; ask an admin");
  EXPECT_FALSE(ops_->disable_operator(admin_, "li"));
  EXPECT_EQ(tables(), other);  // logins write only their audit rows
  // Never deleted, even by hand.
  EXPECT_NE(test::sql(db_, "DELETE FROM operators WHERE id = 'li'").find("never deleted"),
            std::string::npos);
}

TEST_F(OperatorsTest, APasswordIsChangedByItsOwnerOrAnAdminAndClearsALock) {
  ASSERT_TRUE(ops_->add_operator(admin_, {"li", "Li Na", Role::kCashier, "counter password 1"}));
  ASSERT_TRUE(ops_->add_operator(admin_, {"wu", "Wu", Role::kCashier, "counter password 2"}));
  const auto li = ops_->login("li", "counter password 1").value();
  ASSERT_TRUE(ops_->set_password(li, "li", "a new counter password"));
  EXPECT_FALSE(ops_->set_password(li, "wu", "li chose this one"));  // another's: admin only
  EXPECT_EQ(ops_->set_password(li, "li", "short").error().kind, ErrorKind::kInvalid);
  EXPECT_FALSE(ops_->login("li", "counter password 1"));
  EXPECT_TRUE(ops_->login("li", "a new counter password"));
  for (int i = 0; i < domain::kMaxLoginFailures; ++i)
    ASSERT_FALSE(ops_->login("wu", "a wrong password"));
  ASSERT_TRUE(ops_->set_password(admin_, "wu", "reset by the admin"));
  EXPECT_TRUE(ops_->login("wu", "reset by the admin"));  // the lock is cleared
}

TEST_F(OperatorsTest, ASessionIsResumedByItsTokenUntilItIsIdleExpiredOrLoggedOut) {
  auto started = ops_->start_session("boss", kGood);
  ASSERT_TRUE(started) << started.error().message;
  const auto token = started.value().token;
  EXPECT_EQ(token.size(), 64U);
  // The database keeps the token's SHA-256, never the token.
  EXPECT_EQ(test::sql(db_, "SELECT count(*) FROM sessions WHERE token_hash = '" + token + "'"),
            "0|");
  EXPECT_EQ(test::count_rows(db_, "sessions"), 1);
  auto s = ops_->resume_session(token);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s.value().actor.id, "boss");
  EXPECT_EQ(s.value().actor.role, Role::kAdmin);
  EXPECT_EQ(s.value().name, "Wang Li");
  EXPECT_EQ(s.value().expires_at, kT0 + std::chrono::hours(8));
  // Used within 30 minutes each time, it lasts; 30 minutes unused end it, with one audit row.
  clock_.advance(std::chrono::minutes(29));
  ASSERT_TRUE(ops_->resume_session(token));
  clock_.advance(std::chrono::minutes(29));
  ASSERT_TRUE(ops_->resume_session(token));
  clock_.advance(std::chrono::minutes(30));
  const auto before = audit_rows();
  const auto idle = ops_->resume_session(token);
  ASSERT_FALSE(idle);
  EXPECT_NE(idle.error().message.find("has ended (idle)"), std::string::npos)
      << idle.error().message;
  EXPECT_EQ(audit_rows(), before + 1);
  EXPECT_EQ(last_audit(), "boss|session_refused|boss|idle|{}|");
  // An unknown token; a logout (one row) ends a session for good.
  EXPECT_FALSE(ops_->resume_session(std::string(64, 'a')));
  const auto second = ops_->start_session("boss", kGood).value().token;
  ASSERT_TRUE(ops_->resume_session(second));
  ops_->end_session(second);
  EXPECT_EQ(last_audit(), "boss|logout|boss|ok|{}|");
  const auto out = ops_->resume_session(second);
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("(revoked)"), std::string::npos);
}

TEST_F(OperatorsTest, ASessionExpiresEightHoursAfterItsLoginHoweverOftenItIsUsed) {
  const auto token = ops_->start_session("boss", kGood).value().token;
  for (int i = 0; i < 23; ++i) {  // used every 20 minutes up to 7 h 40 min
    clock_.advance(std::chrono::minutes(20));
    ASSERT_TRUE(ops_->resume_session(token)) << i;
  }
  clock_.advance(std::chrono::minutes(20));  // 8 h after the login
  const auto expired = ops_->resume_session(token);
  ASSERT_FALSE(expired);
  EXPECT_NE(expired.error().message.find("(expired)"), std::string::npos);
  EXPECT_EQ(last_audit(), "boss|session_refused|boss|expired|{}|");
}

TEST_F(OperatorsTest, AWrongPasswordStartsNoSessionAndWritesOnlyItsLoginRow) {
  const auto before = audit_rows();
  EXPECT_FALSE(ops_->start_session("boss", "a wrong password"));
  EXPECT_FALSE(ops_->start_session("nobody", kGood));
  EXPECT_EQ(test::count_rows(db_, "sessions"), 0);
  EXPECT_EQ(audit_rows(), before + 2);
}

TEST_F(OperatorsTest, DisablingChangingThePasswordOrTheRoleEndsTheOperatorsSessions) {
  ASSERT_TRUE(ops_->add_operator(admin_, {"li", "Li Na", Role::kCashier, "counter password 1"}));
  const auto login = [&] { return ops_->start_session("li", "counter password 1").value().token; };
  auto token = login();
  ASSERT_TRUE(ops_->set_password(admin_, "li", "counter password 1"));
  EXPECT_FALSE(ops_->resume_session(token));
  token = login();
  ASSERT_TRUE(ops_->set_role(admin_, "li", Role::kManager));
  EXPECT_EQ(last_audit(), "boss|operator_role|li|ok|{\"from\":\"cashier\",\"to\":\"manager\"}|");
  EXPECT_FALSE(ops_->resume_session(token));
  token = login();
  EXPECT_EQ(ops_->resume_session(token).value().actor.role, Role::kManager);  // the table's
  ASSERT_TRUE(ops_->disable_operator(admin_, "li"));
  EXPECT_FALSE(ops_->resume_session(token));
}

TEST_F(OperatorsTest, NobodyChangesTheirOwnRoleAndARoleChangeIsTheTablesAtTheNextLogin) {
  const auto own = ops_->set_role(admin_, "boss", Role::kManager);
  ASSERT_FALSE(own);
  EXPECT_NE(own.error().message.find("own role"), std::string::npos);
  ASSERT_TRUE(ops_->add_operator(admin_, {"zhao", "Zhao", Role::kAdmin, "second admin pw"}));
  const auto zhao = ops_->login("zhao", "second admin pw").value();
  ASSERT_TRUE(ops_->set_role(zhao, "boss", Role::kAuditor));  // two admins: one may go
  EXPECT_EQ(ops_->login("boss", kGood).value().role, Role::kAuditor);
  EXPECT_FALSE(ops_->set_role(zhao, "boss", Role::kAuditor));  // the same role: refused
  const auto li = ops_->set_role(zhao, "nobody", Role::kCashier);
  ASSERT_FALSE(li);
  EXPECT_EQ(li.error().kind, ErrorKind::kNotFound);
}

TEST_F(OperatorsTest, TheLastEnabledAdminCannotLoseAdminNorBeDisabled) {
  // Through Operations an admin cannot reach the last admin but themselves (refused as their
  // own); two admins acting on each other at once can. The store's transaction holds the rule.
  const auto store = store::open_sqlite_store(db_, store::Checkpoints::kAtCommit);
  const auto role = store->set_role("boss", Role::kManager, "zhao", kT0);
  ASSERT_FALSE(role);
  EXPECT_NE(role.error().message.find("last enabled admin"), std::string::npos)
      << role.error().message;
  EXPECT_FALSE(store->disable_operator("boss", "zhao", kT0));
  ASSERT_TRUE(ops_->add_operator(admin_, {"zhao", "Zhao", Role::kAdmin, "second admin pw"}));
  ASSERT_TRUE(store->disable_operator("boss", "zhao", kT0));
  EXPECT_FALSE(store->set_role("zhao", Role::kManager, "boss", kT0));  // zhao is the last now
  EXPECT_EQ(test::sql(db_,
                      "SELECT id FROM operators WHERE role = 'admin' AND disabled_at IS "
                      "NULL"),
            "zhao|");
}

TEST_F(OperatorsTest, AnActorWithoutARoleIsRefusedNamingWhatItNeeds) {
  const auto r = ops_->tariffs(Actor{"script"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("script has no role"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace phil::service
