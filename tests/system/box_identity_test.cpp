// Box identity (issue 12.8), the pure rules: a box's reported model code and circuit count
// against the site file's model, an operator's confirmation, and the money an on-site meter
// swap leaves to credit onto the new device.
#include <gtest/gtest.h>

#include <phil/domain/box_identity.hpp>

namespace phil::domain {
namespace {

ExpectedBox expected() {
  return ExpectedBox{"adf300l-iii", 3, 36, 12};
}

TEST(BoxIdentity, ABoxReportingItsModelsCodeAndCircuitsAgrees) {
  EXPECT_EQ(box_identity_mismatch(expected(), {3, 36}, std::nullopt), std::nullopt);
}

TEST(BoxIdentity, AnotherModelCodeIsAMismatchNamingBoth) {
  const auto why = box_identity_mismatch(expected(), {1, 12}, std::nullopt);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("model code 1"), std::string::npos) << *why;
  EXPECT_NE(why->find("adf300l-iii (model code 3)"), std::string::npos) << *why;
}

TEST(BoxIdentity, ACircuitCountOtherThanTheModelsIsAMismatch) {
  const auto why = box_identity_mismatch(expected(), {3, 24}, std::nullopt);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("has 36 circuits"), std::string::npos) << *why;
}

TEST(BoxIdentity, FewerCircuitsThanTheSiteConfiguresNamesTheHighestCircuit) {
  const auto why = box_identity_mismatch(expected(), {3, 6}, std::nullopt);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("configures circuit 12"), std::string::npos) << *why;
}

TEST(BoxIdentity, AConfirmedBoxAgreesWhileItReportsWhatWasConfirmed) {
  EXPECT_EQ(box_identity_mismatch(expected(), {2, 24}, BoxIdentity{2, 24}), std::nullopt);
  // Something else again: a mismatch once more.
  EXPECT_TRUE(box_identity_mismatch(expected(), {1, 12}, BoxIdentity{2, 24}));
  // The expected box is fine whatever was confirmed before.
  EXPECT_EQ(box_identity_mismatch(expected(), {3, 36}, BoxIdentity{2, 24}), std::nullopt);
}

TEST(SwapCredit, AMeterSideMeterGetsTheOldDevicesPositiveBalance) {
  EXPECT_EQ(swap_credit_fen({1880}, true), 1880);
  EXPECT_EQ(swap_credit_fen({0}, true), 0);
  EXPECT_EQ(swap_credit_fen({-250}, true), 0);  // a debt stays on the ledger
}

TEST(SwapCredit, AHostSideMeterHoldsNoMoneySoNothingMoves) {
  EXPECT_EQ(swap_credit_fen({1880}, false), 0);
}

}  // namespace
}  // namespace phil::domain
