// domain::verify_counts: a meter's confirmed credits and debits against the counts the meter
// applies (issue 13 item 4: ledger verify checks the history against the meters' counts).

#include <gtest/gtest.h>

#include <phil/domain/counted_history.hpp>

namespace phil::domain {
namespace {

/// `seconds` after a fixed time.
TimePoint at(int seconds) {
  return TimePoint{} + std::chrono::seconds(1'000'000 + seconds);
}

/// A command confirmed at(id): ids are delivered in order.
CountedCommand credit(std::int64_t id, std::optional<std::uint16_t> count) {
  return {id, CommandKind::kCredit, count, at(static_cast<int>(id))};
}
CountedCommand debit(std::int64_t id, std::optional<std::uint16_t> count) {
  return {id, CommandKind::kDebit, count, at(static_cast<int>(id))};
}

/// Meter m1's history: its confirmed commands, its last reported purchase count and the times
/// its on-site swaps were completed.
std::vector<std::string> verify(std::vector<CountedCommand> confirmed,
                                std::optional<std::uint16_t> meter_count,
                                std::vector<TimePoint> swaps = {}) {
  return verify_counts({"m1", std::move(confirmed), meter_count, std::move(swaps)});
}

TEST(CountedHistoryTest, RisingCountsThatTheMeterReachedAgree) {
  EXPECT_TRUE(verify({credit(1, 1), credit(4, 2), credit(9, 3)}, 3).empty());
}

TEST(CountedHistoryTest, GapsLeftByAnotherHeadEndOrACardAgree) {
  EXPECT_TRUE(verify({credit(1, 1), credit(2, 5)}, 7).empty());
}

TEST(CountedHistoryTest, CountsWrapAroundTheSixteenBitRegister) {
  EXPECT_TRUE(verify({credit(1, 65534), credit(2, 65535), credit(3, 0)}, 0).empty());
  EXPECT_TRUE(verify({credit(3, 0)}, 1).empty());
}

TEST(CountedHistoryTest, ARepeatedCountIsFoundAndNamesBothCommands) {
  const auto problems = verify({credit(1, 1), credit(2, 2), credit(7, 2)}, 2);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].find("credit 7 of meter m1 has count 2 after credit 2"), std::string::npos)
      << problems[0];
}

TEST(CountedHistoryTest, AFallingCountIsFound) {
  const auto problems = verify({credit(1, 5), credit(2, 3)}, 5);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].find("credit 2"), std::string::npos) << problems[0];
}

TEST(CountedHistoryTest, ACreditAheadOfTheMetersCountIsFound) {
  // A forged confirmed credit given the next free count: the meter never reached it.
  const auto problems = verify({credit(1, 1), credit(2, 2)}, 1);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].find("meter last reported purchase count 1"), std::string::npos)
      << problems[0];
  EXPECT_NE(problems[0].find("reset on site"), std::string::npos) << problems[0];
}

TEST(CountedHistoryTest, AMeterNeverReadIsNotComparedWithItsCount) {
  EXPECT_TRUE(verify({credit(1, 1)}, std::nullopt).empty());
}

TEST(CountedHistoryTest, AConfirmedCommandWithoutACountIsFound) {
  const auto problems = verify({credit(1, 1), debit(2, std::nullopt)}, 1);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].find("debit 2 of meter m1 is confirmed but was never given a count"),
            std::string::npos)
      << problems[0];
}

TEST(CountedHistoryTest, DebitsCountOnTheirOwnRegister) {
  // Debit counts interleave with credit counts without conflict: separate registers.
  EXPECT_TRUE(verify({credit(1, 1), debit(2, 1), credit(3, 2), debit(4, 2)}, 2).empty());
  const auto problems = verify({debit(2, 1), credit(3, 2), debit(4, 1)}, 2);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].find("debit 4"), std::string::npos) << problems[0];
}

TEST(CountedHistoryTest, TheMetersCountIsComparedWithTheLastCreditOnly) {
  // A debit's count says nothing about purchase_count.
  EXPECT_TRUE(verify({credit(1, 3), debit(2, 9)}, 3).empty());
}

TEST(CountedHistoryTest, AMeterSwappedOnSiteStartsItsCountsAnew) {
  // Credits 4 and 5 on the old device, the swap at 10, the new device's counts from 1:
  // its credit and its debit count again from its own registers.
  const std::vector<CountedCommand> history = {credit(1, 4),  debit(2, 7),  credit(3, 5),
                                               credit(11, 1), debit(12, 1), credit(13, 2)};
  EXPECT_TRUE(verify(history, 2, {at(10)}).empty());
  // Commands the new device took before the swap was completed at 10 (it was detected at 6)
  // count on it too.
  EXPECT_TRUE(verify({credit(1, 5), credit(7, 1), credit(8, 2)}, 2, {at(10)}).empty());
  // A used device whose count happens to be ahead of the old one's.
  EXPECT_TRUE(verify({credit(1, 5), credit(11, 40)}, 40, {at(10)}).empty());
  // No swap: the falling count is a finding that names both commands.
  const auto problems = verify({credit(1, 5), credit(11, 1)}, 1);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].find("credit 11 of meter m1 has count 1 after credit 1 with count 5"),
            std::string::npos)
      << problems[0];
}

TEST(CountedHistoryTest, ASwapAfterTheLastCreditLeavesTheNewDevicesCountUncompared) {
  // The new device reports 0: it took none of the old device's credits.
  EXPECT_TRUE(verify({credit(1, 4), credit(2, 5)}, 0, {at(10)}).empty());
  EXPECT_FALSE(verify({credit(1, 4), credit(2, 5)}, 0).empty());
  // A swap taken by the credits' new start is not one after the last credit.
  const auto problems = verify({credit(1, 5), credit(11, 1), credit(12, 2)}, 1, {at(10)});
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].find("credit 12 of meter m1 has count 2 but the meter last reported "
                             "purchase count 1"),
            std::string::npos)
      << problems[0];
}

TEST(CountedHistoryTest, EachSwapStartsEachRegisterAnewOnce) {
  // A repeated count after the new device's first is still found.
  auto problems = verify({credit(1, 5), credit(11, 1), credit(12, 1)}, 1, {at(10)});
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].find("credit 12 of meter m1 has count 1 after credit 11"),
            std::string::npos)
      << problems[0];
  // Two falls before one swap: one of them is not the swap's.
  problems = verify({credit(1, 5), credit(2, 1), credit(3, 1)}, 1, {at(10)});
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].find("credit 3"), std::string::npos) << problems[0];
  // A swap completed before the old device's last command does not excuse a fall after it.
  problems = verify({credit(1, 5), credit(11, 6), credit(12, 2)}, 2, {at(10)});
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].find("credit 12"), std::string::npos) << problems[0];
  // Two swaps, two new starts.
  EXPECT_TRUE(
      verify({credit(1, 5), credit(11, 1), credit(21, 1), credit(22, 2)}, 2, {at(10), at(20)})
          .empty());
}

}  // namespace
}  // namespace phil::domain
