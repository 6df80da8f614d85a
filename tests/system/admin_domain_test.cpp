// The site model's rules, transfers in the ledger and the meter-side balance check: pure domain.
#include <gtest/gtest.h>

#include <phil/domain/ledger.hpp>
#include <phil/domain/site_model.hpp>

namespace phil::domain {
namespace {

SiteModel small_site() {
  SiteModel m;
  m.settings.name = "s";
  m.buildings = {{"b1", "Block 1"}};
  m.floors = {{"b1", 4}};
  m.rooms = {{"401", "b1", 4}};
  m.comm_managers = {{"cm1", "serial server", "10.0.0.2:4001"}};
  m.buses = {{"bus1", "cm1"}};
  m.boxes = {{"bus1", 4, "adf300l-iii", "b1", 4}};
  m.meters = {{MeterId{"bus1", 4, 1}, "401", {}, std::nullopt}};
  return m;
}

bool mentions(const std::vector<std::string>& problems, const std::string& text) {
  for (const auto& p : problems) {
    if (p.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(SiteModelTest, AConsistentModelHasNoProblems) {
  EXPECT_TRUE(check_site_model(small_site()).empty());
}

TEST(SiteModelTest, DanglingReferencesAndDuplicatesAreNamed) {
  auto m = small_site();
  m.rooms.push_back({"401", "b1", 4});
  m.meters.push_back({MeterId{"bus1", 5, 1}, "999", {}, std::nullopt});
  m.buses.push_back({"bus2", "cm9"});
  m.boxes.push_back({"bus1", 6, "adf300l-iii", "b1", 7});
  const auto p = check_site_model(m);
  EXPECT_TRUE(mentions(p, "room 401 is listed twice"));
  EXPECT_TRUE(mentions(p, "meter bus1/5/1: its box is not listed"));
  EXPECT_TRUE(mentions(p, "no room 999"));
  EXPECT_TRUE(mentions(p, "bus bus2: no comm manager cm9"));
  EXPECT_TRUE(mentions(p, "box bus1/6: floor 7 of building b1 is not listed"));
}

TEST(SiteModelTest, MeterThresholdsOverrideTheSiteDefaultsOneByOne) {
  const Thresholds site{2000, 500, 0};
  EXPECT_EQ(effective(site, {}), site);
  EXPECT_EQ(effective(site, {std::nullopt, 800, 4400}), (Thresholds{2000, 800, 4400}));
  auto m = small_site();
  m.meters[0].thresholds.alarm2_fen = 3000;  // above the site's alarm 1 of 20.00
  EXPECT_TRUE(mentions(check_site_model(m), "alarm 2 (3000 fen) is above alarm 1 (2000 fen)"));
}

TEST(SiteModelTest, BillingModesHaveOneSpelling) {
  EXPECT_EQ(parse_billing_mode("meter-side"), BillingMode::kMeterSide);
  EXPECT_EQ(parse_billing_mode("host-side"), BillingMode::kHostSide);
  EXPECT_FALSE(parse_billing_mode("host_side"));
  EXPECT_EQ(to_string(BillingMode::kHostSide), "host-side");
}

TEST(SiteModelTest, PhoneNumbersAreDigitsWithSeparators) {
  EXPECT_FALSE(check_phone(""));
  EXPECT_FALSE(check_phone("13800138000"));
  EXPECT_FALSE(check_phone("+86 (29) 8888-1234"));
  EXPECT_TRUE(check_phone("call me"));
  EXPECT_TRUE(check_phone("12"));
  EXPECT_TRUE(check_phone("123456789012345678901"));
}

TEST(BalanceCheckTest, MetersAgreeWithinTheToleranceAndDifferBeyondIt) {
  // Ledger 50.00, of which 10.00 is not delivered yet: the meters should hold 40.00.
  EXPECT_FALSE(balance_mismatch({5000, 1000, 4000, 100}));
  EXPECT_FALSE(balance_mismatch({5000, 1000, 4100, 100}));  // exactly the tolerance
  EXPECT_EQ(balance_mismatch({5000, 1000, 4101, 100}), 101);
  EXPECT_EQ(balance_mismatch({5000, 1000, 3000, 100}), -1000);
}

TEST(TransferTest, PairedTransfersOfEqualAmountsVerify) {
  const std::vector<TransferEntry> t{{3, "A", EntryKind::kTransferOut, 700, std::nullopt},
                                     {4, "B", EntryKind::kTransferIn, 700, 3}};
  EXPECT_TRUE(verify_transfers(t).empty());
}

TEST(TransferTest, UnpairedOrUnequalTransfersAreReported) {
  const std::vector<TransferEntry> created{{4, "B", EntryKind::kTransferIn, 700, std::nullopt}};
  ASSERT_EQ(verify_transfers(created).size(), 1U);
  EXPECT_NE(verify_transfers(created)[0].find("money was created"), std::string::npos);
  const std::vector<TransferEntry> lost{{3, "A", EntryKind::kTransferOut, 700, std::nullopt}};
  ASSERT_EQ(verify_transfers(lost).size(), 1U);
  EXPECT_NE(verify_transfers(lost)[0].find("received by 0"), std::string::npos);
  const std::vector<TransferEntry> unequal{{3, "A", EntryKind::kTransferOut, 700, std::nullopt},
                                           {4, "B", EntryKind::kTransferIn, 900, 3}};
  ASSERT_EQ(verify_transfers(unequal).size(), 1U);
  EXPECT_NE(verify_transfers(unequal)[0].find("must be equal"), std::string::npos);
  const std::vector<TransferEntry> twice{{3, "A", EntryKind::kTransferOut, 700, std::nullopt},
                                         {4, "B", EntryKind::kTransferIn, 700, 3},
                                         {5, "C", EntryKind::kTransferIn, 700, 3}};
  ASSERT_EQ(verify_transfers(twice).size(), 1U);
  EXPECT_NE(verify_transfers(twice)[0].find("received by 2"), std::string::npos);
}

TEST(TransferTest, TransfersKeepTheJournalInvariant) {
  // balance = sales - refunds - reversals - charges +/- transfers
  const std::vector<JournalEntry> j{{1, "A", EntryKind::kSale, 5000, 5000},
                                    {2, "A", EntryKind::kCharge, 300, 4700},
                                    {3, "A", EntryKind::kTransferOut, 1000, 3700},
                                    {4, "B", EntryKind::kTransferIn, 1000, 1000}};
  EXPECT_TRUE(verify_journal(j, {{"A", 3700}, {"B", 1000}}).empty());
  EXPECT_FALSE(verify_journal(j, {{"A", 4700}, {"B", 1000}}).empty());
}

}  // namespace
}  // namespace phil::domain
