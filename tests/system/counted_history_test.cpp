// domain::verify_counts: a meter's confirmed credits and debits against the counts the meter
// applies (issue 13 item 4: ledger verify checks the history against the meters' counts).

#include <gtest/gtest.h>

#include <phil/domain/outbox.hpp>

namespace phil::domain {
namespace {

CountedCommand credit(std::int64_t id, std::optional<std::uint16_t> count) {
  return {id, CommandKind::kCredit, count};
}
CountedCommand debit(std::int64_t id, std::optional<std::uint16_t> count) {
  return {id, CommandKind::kDebit, count};
}

TEST(CountedHistoryTest, RisingCountsThatTheMeterReachedAgree) {
  EXPECT_TRUE(verify_counts({"m1", {credit(1, 1), credit(4, 2), credit(9, 3)}, 3}).empty());
}

TEST(CountedHistoryTest, GapsLeftByAnotherHeadEndOrACardAgree) {
  EXPECT_TRUE(verify_counts({"m1", {credit(1, 1), credit(2, 5)}, 7}).empty());
}

TEST(CountedHistoryTest, CountsWrapAroundTheSixteenBitRegister) {
  EXPECT_TRUE(verify_counts({"m1", {credit(1, 65534), credit(2, 65535), credit(3, 0)}, 0}).empty());
  EXPECT_TRUE(verify_counts({"m1", {credit(3, 0)}, 1}).empty());
}

TEST(CountedHistoryTest, ARepeatedCountIsFoundAndNamesBothCommands) {
  const auto problems = verify_counts({"m1", {credit(1, 1), credit(2, 2), credit(7, 2)}, 2});
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].find("credit 7 of meter m1 has count 2 after credit 2"), std::string::npos)
      << problems[0];
}

TEST(CountedHistoryTest, AFallingCountIsFound) {
  const auto problems = verify_counts({"m1", {credit(1, 5), credit(2, 3)}, 5});
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].find("credit 2"), std::string::npos) << problems[0];
}

TEST(CountedHistoryTest, ACreditAheadOfTheMetersCountIsFound) {
  // A forged confirmed credit given the next free count: the meter never reached it.
  const auto problems = verify_counts({"m1", {credit(1, 1), credit(2, 2)}, 1});
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].find("meter last reported purchase count 1"), std::string::npos)
      << problems[0];
  EXPECT_NE(problems[0].find("meter replace"), std::string::npos) << problems[0];
}

TEST(CountedHistoryTest, AMeterNeverReadIsNotComparedWithItsCount) {
  EXPECT_TRUE(verify_counts({"m1", {credit(1, 1)}, std::nullopt}).empty());
}

TEST(CountedHistoryTest, AConfirmedCommandWithoutACountIsFound) {
  const auto problems = verify_counts({"m1", {credit(1, 1), debit(2, std::nullopt)}, 1});
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].find("debit 2 of meter m1 is confirmed but was never given a count"),
            std::string::npos)
      << problems[0];
}

TEST(CountedHistoryTest, DebitsCountOnTheirOwnRegister) {
  // Debit counts interleave with credit counts without conflict: separate registers.
  EXPECT_TRUE(
      verify_counts({"m1", {credit(1, 1), debit(2, 1), credit(3, 2), debit(4, 2)}, 2}).empty());
  const auto problems = verify_counts({"m1", {debit(2, 1), credit(3, 2), debit(4, 1)}, 2});
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].find("debit 4"), std::string::npos) << problems[0];
}

TEST(CountedHistoryTest, TheMetersCountIsComparedWithTheLastCreditOnly) {
  // A debit's count says nothing about purchase_count.
  EXPECT_TRUE(verify_counts({"m1", {credit(1, 3), debit(2, 9)}, 3}).empty());
}

}  // namespace
}  // namespace phil::domain
