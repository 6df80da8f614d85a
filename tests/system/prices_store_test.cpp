// Tariff = what the meter uses (issue 12.4), in the SQLite store on a real file: assigning a
// tariff or a version taking effect queues the price table (and a TOU tariff's period table to
// the box) to each meter-side meter whose tariff in force changes, never a duplicate; nothing to
// host-side meters or for a tiered tariff; a future-dated change is queued by the first poll
// after it takes effect, never before; a meter-side meter's ledger charges the prices the meter
// confirmed from the confirmation on; a price command typed by hand becomes the meter's own
// tariff; refusals change nothing.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include <phil/domain/settings.hpp>
#include <phil/store/store.hpp>

#include "support/sqlite_count.hpp"
#include "support/tariff_fixtures.hpp"
#include "support/temp_dir.hpp"

namespace phil::store {
namespace {

using domain::CommandKind;
using domain::CommandState;
using domain::MeterId;
using domain::PricePayload;
using domain::Tariff;
using std::chrono::hours;
using std::chrono::minutes;

constexpr BillingRules kRules{6000, 3};
constexpr TimePoint kStart = test::local(2026, 3, 1, 8);

MeterId meter(int circuit) {
  return MeterId{"bus1", 1, circuit};
}

PricePayload single(std::int64_t price) {
  return {{price, price, price, price}};
}

class PricesStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("site.db");
    store_ = open_sqlite_store(path_);
    store_->register_meters({meter(1), meter(2), meter(3)}, "adf300l-i", false);
    ASSERT_TRUE(store_->open_account({"A1", "Li", {meter(1)}, 0, "cashier", kStart}));
  }
  void add(const std::string& name, TimePoint from, const Tariff& t, TimePoint at = kStart) {
    auto r = store_->add_tariff({name, {from, t}, minutes(480), "manager", at});
    ASSERT_TRUE(r) << r.error().message;
  }
  void assign(const std::string& name, std::optional<MeterId> m = std::nullopt,
              TimePoint at = kStart, std::optional<TimePoint> from = std::nullopt) {
    auto r = store_->assign_tariff({name, std::move(m), "manager", at, from});
    ASSERT_TRUE(r) << r.error().message;
  }
  /// The commands of `kind` to `target`, oldest first.
  std::vector<CommandRecord> commands(const MeterId& target, CommandKind kind) const {
    std::vector<CommandRecord> out;
    for (const auto& c : store_->meter_commands(target, 100)) {
      if (c.kind == kind) out.insert(out.begin(), c);
    }
    return out;
  }
  /// The TOU schedule commands of box 1, oldest first.
  std::vector<CommandRecord> tables() const {
    std::vector<CommandRecord> out;
    for (const auto& c : store_->open_commands("bus1")) {
      if (c.kind == CommandKind::kTouSchedule) out.push_back(c);
    }
    return out;
  }
  std::vector<CommandRecord> prices(int circuit) const {
    return commands(meter(circuit), CommandKind::kPrice);
  }
  /// An answered poll of `circuit` at `at`.
  void read(int circuit, std::int64_t energy_wh, TimePoint at) {
    domain::MeterReading r;
    r.energy_wh = energy_wh;
    r.balance_fen = 5'000;
    r.relay_closed = true;
    r.mode = domain::MeterMode::kPrepaid;
    store_->record_readings({{meter(circuit), r}}, at, kRules);
  }
  /// Delivers `id` as the bus worker does when its read-back shows it, at `at`.
  void confirm(std::int64_t id, TimePoint at) {
    ASSERT_TRUE(store_->try_begin_attempt(id, std::nullopt, at));
    Readback rb;
    rb.balance_fen = 5'000;
    rb.relay_closed = true;
    store_->confirm_command(id, rb, at, kRules);
  }
  std::vector<std::int64_t> charges(const std::string& account) const {
    std::vector<std::int64_t> out;
    for (const auto& e : store_->ledger(account)) {
      if (e.kind == domain::EntryKind::kCharge) out.push_back(e.amount_fen);
    }
    return out;
  }
  std::int64_t outbox_rows() const { return test::count_rows(path_, "outbox"); }

  test::TempDir dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
};

TEST_F(PricesStoreTest, AssigningTheSiteTariffQueuesItsPricesToEveryMeterSideMeter) {
  ASSERT_EQ(store_->set_billing_mode({meter(3)}, domain::BillingMode::kHostSide, "admin", kStart),
            1);
  add("standard", kStart, Tariff::single(6500));
  EXPECT_EQ(outbox_rows(), 0);  // stored, assigned to nothing: nothing to download
  assign("standard");
  for (int c : {1, 2}) {
    const auto cmds = prices(c);
    ASSERT_EQ(cmds.size(), 1U) << c;
    EXPECT_EQ(std::get<PricePayload>(cmds[0].params), single(6500));
    EXPECT_EQ(cmds[0].state, CommandState::kPending);
  }
  EXPECT_TRUE(prices(3).empty());  // host-side: the ledger charges, the meter holds no price
  // A single price needs no period table on the box.
  EXPECT_TRUE(tables().empty());
}

TEST_F(PricesStoreTest, OnlyMetersWhoseTariffInForceChangesGetADownload) {
  add("standard", kStart, Tariff::single(6500));
  add("shop", kStart, Tariff::single(9000));
  assign("shop", meter(2));
  ASSERT_EQ(prices(2).size(), 1U);
  EXPECT_TRUE(prices(1).empty());
  assign("standard", std::nullopt, kStart + minutes(1));
  EXPECT_EQ(prices(1).size(), 1U);
  ASSERT_EQ(prices(2).size(), 1U);  // its own tariff still charges it
  EXPECT_EQ(std::get<PricePayload>(prices(2)[0].params), single(9000));
}

TEST_F(PricesStoreTest, AnEqualTableOpenOrConfirmedIsNeverQueuedAgain) {
  add("standard", kStart, Tariff::single(6500));
  add("same", kStart, Tariff::single(6500));
  assign("standard", meter(1));
  ASSERT_EQ(prices(1).size(), 1U);
  assign("same", meter(1), kStart + minutes(1));  // same table, still open: no duplicate
  ASSERT_EQ(prices(1).size(), 1U);
  confirm(prices(1)[0].id, kStart + minutes(2));
  assign("standard", meter(1), kStart + minutes(3));  // the meter holds it
  EXPECT_EQ(prices(1).size(), 1U);
  add("dearer", kStart, Tariff::single(7000));
  assign("dearer", meter(1), kStart + minutes(4));
  ASSERT_EQ(prices(1).size(), 2U);
  EXPECT_EQ(std::get<PricePayload>(prices(1)[1].params), single(7000));
}

TEST_F(PricesStoreTest, ANewerTableSupersedesThePendingOne) {
  add("a", kStart, Tariff::single(6500));
  add("b", kStart, Tariff::single(7000));
  assign("a", meter(1));
  assign("b", meter(1), kStart + minutes(1));
  const auto cmds = prices(1);
  ASSERT_EQ(cmds.size(), 2U);
  EXPECT_EQ(cmds[0].state, CommandState::kSuperseded);
  EXPECT_EQ(cmds[1].state, CommandState::kPending);
}

TEST_F(PricesStoreTest, ATouTariffAlsoQueuesItsPeriodTableToTheBoxOnce) {
  add("tou", kStart, test::tou());
  assign("tou");
  ASSERT_EQ(tables().size(), 1U);  // one box, three meters: one table
  EXPECT_EQ(std::get<domain::TouSchedulePayload>(tables()[0].params).periods, test::tou().periods);
  EXPECT_EQ(std::get<PricePayload>(prices(1).at(0).params), (PricePayload{test::tou().rates}));
}

TEST_F(PricesStoreTest, ATieredTariffQueuesNothing) {
  Tariff t = Tariff::single(5000);
  t.tier_period = domain::TierPeriod::kMonthly;
  t.tiers = {{0, 0}, {10'000, 3000}};
  add("tiered", kStart, t);
  assign("tiered");
  EXPECT_EQ(outbox_rows(), 0);
}

TEST_F(PricesStoreTest, AVersionInForceNowReachesTheMetersItCharges) {
  add("standard", kStart, Tariff::single(6500));
  assign("standard", meter(1));
  ASSERT_EQ(prices(1).size(), 1U);
  add("standard", kStart + hours(1), Tariff::single(7000), kStart + hours(1));
  ASSERT_EQ(prices(1).size(), 2U);
  EXPECT_EQ(std::get<PricePayload>(prices(1)[1].params), single(7000));
  EXPECT_TRUE(prices(2).empty());  // not charged by it
}

TEST_F(PricesStoreTest, AFutureVersionIsQueuedByTheFirstPollAfterItTakesEffect) {
  add("standard", kStart, Tariff::single(6500));
  assign("standard", meter(1));
  read(1, 0, kStart);
  ASSERT_EQ(prices(1).size(), 1U);
  add("standard", kStart + hours(2), Tariff::single(7000));  // made at kStart, from 2 h later
  EXPECT_EQ(prices(1).size(), 1U);                           // never early
  read(1, 100, kStart + hours(1));
  EXPECT_EQ(prices(1).size(), 1U);
  read(1, 200, kStart + hours(2) + minutes(30));
  ASSERT_EQ(prices(1).size(), 2U);
  EXPECT_EQ(std::get<PricePayload>(prices(1)[1].params), single(7000));
  read(1, 300, kStart + hours(3));
  EXPECT_EQ(prices(1).size(), 2U);  // once
  EXPECT_TRUE(prices(2).empty());
}

TEST_F(PricesStoreTest, AFutureAssignmentIsQueuedByTheFirstPollAfterItTakesEffect) {
  add("standard", kStart, Tariff::single(6500));
  add("night", kStart, Tariff::single(4000));
  assign("standard");
  ASSERT_EQ(prices(1).size(), 1U);
  assign("night", meter(1), kStart, kStart + hours(1));
  EXPECT_EQ(prices(1).size(), 1U);
  read(1, 0, kStart + minutes(30));
  EXPECT_EQ(prices(1).size(), 1U);
  read(2, 0, kStart + hours(1) + minutes(30));  // another meter's poll: not its change
  EXPECT_EQ(prices(2).size(), 1U);
  EXPECT_EQ(prices(1).size(), 1U);
  read(1, 100, kStart + hours(1) + minutes(30));
  ASSERT_EQ(prices(1).size(), 2U);
  EXPECT_EQ(std::get<PricePayload>(prices(1)[1].params), single(4000));
}

TEST_F(PricesStoreTest, AMeterFirstReadAfterAFutureChangeTookEffectGetsIt) {
  add("standard", kStart, Tariff::single(6500));
  add("night", kStart, Tariff::single(4000));
  assign("standard");
  assign("night", meter(3), kStart, kStart + hours(1));
  read(3, 0, kStart + hours(2));  // its first answered poll
  ASSERT_EQ(prices(3).size(), 2U);
  EXPECT_EQ(std::get<PricePayload>(prices(3)[1].params), single(4000));
}

TEST_F(PricesStoreTest, TheLedgerChargesTheConfirmedPriceFromTheConfirmationOn) {
  add("standard", kStart, Tariff::single(6000));
  assign("standard");
  confirm(prices(1).at(0).id, kStart);
  read(1, 0, kStart);
  // The operator changes the price at kStart + 10 min; the meter confirms it only at +30 min.
  add("standard", kStart + minutes(10), Tariff::single(8000), kStart + minutes(10));
  ASSERT_EQ(prices(1).size(), 2U);
  confirm(prices(1)[1].id, kStart + minutes(30));
  // 1 kWh over the hour, spread evenly: 0.5 kWh at 0.60 before the read-back, 0.5 at 0.80.
  read(1, 1000, kStart + hours(1));
  EXPECT_EQ(charges("A1"), (std::vector<std::int64_t>{70}));
}

TEST_F(PricesStoreTest, AHostSideMeterIsChargedByTheStoredTariff) {
  ASSERT_EQ(store_->set_billing_mode({meter(1)}, domain::BillingMode::kHostSide, "admin", kStart),
            1);
  add("standard", kStart, Tariff::single(6000));
  assign("standard");
  auto id = store_->enqueue_command({meter(1), PricePayload{single(9000)}, "qa", kStart});
  ASSERT_TRUE(id);
  confirm(id.value(), kStart);
  read(1, 0, kStart);
  // The hand-typed price is its own tariff now: charged at 0.90 by the ledger, not by the meter.
  read(1, 1000, kStart + hours(1));
  EXPECT_EQ(charges("A1"), (std::vector<std::int64_t>{90}));
}

TEST_F(PricesStoreTest, WithoutAConfirmationTheStoredTariffCharges) {
  add("standard", kStart, Tariff::single(6000));
  assign("standard");
  read(1, 0, kStart);
  read(1, 1000, kStart + hours(1));
  EXPECT_EQ(charges("A1"), (std::vector<std::int64_t>{60}));
}

TEST_F(PricesStoreTest, APriceTypedByHandBecomesTheMetersOwnTariff) {
  add("standard", kStart, test::tou());
  assign("standard");
  ASSERT_EQ(prices(1).size(), 1U);
  auto id = store_->enqueue_command({meter(1), PricePayload{single(8000)}, "qa", kStart});
  ASSERT_TRUE(id) << id.error().message;
  ASSERT_EQ(prices(1).size(), 2U);
  EXPECT_EQ(prices(1)[1].id, id.value());
  EXPECT_EQ(prices(1)[0].state, CommandState::kSuperseded);
  const auto name = std::string("manual bus1/1/1");
  auto find = [&] {
    for (auto& t : store_->tariffs()) {
      if (t.name == name) return std::optional{t};
    }
    return std::optional<TariffRecord>{};
  };
  auto manual = find();
  ASSERT_TRUE(manual);
  EXPECT_EQ(manual->meters, std::vector<MeterId>{meter(1)});
  ASSERT_EQ(manual->schedule.versions.size(), 1U);
  EXPECT_EQ(manual->schedule.versions[0].tariff.rates, single(8000).prices);
  EXPECT_EQ(manual->schedule.versions[0].tariff.periods, test::tou().periods);  // the box's table
  // The same price again: the open command, no new version or assignment.
  auto again = store_->enqueue_command({meter(1), PricePayload{single(8000)}, "qa", kStart});
  ASSERT_TRUE(again);
  EXPECT_EQ(again.value(), id.value());
  EXPECT_EQ(find()->assignments.size(), 1U);
  EXPECT_EQ(find()->schedule.versions.size(), 1U);
  // Another price later: a new version of the same tariff, still one assignment.
  auto other =
      store_->enqueue_command({meter(1), PricePayload{single(8500)}, "qa", kStart + minutes(5)});
  ASSERT_TRUE(other);
  EXPECT_EQ(find()->schedule.versions.size(), 2U);
  EXPECT_EQ(find()->assignments.size(), 1U);
  EXPECT_TRUE(prices(2).at(0).state == CommandState::kPending);  // the others keep theirs
  EXPECT_EQ(prices(2).size(), 1U);
}

TEST_F(PricesStoreTest, APriceTypedByHandBeforeAFutureAssignmentIsRefusedAndChangesNothing) {
  add("standard", kStart, Tariff::single(6000));
  assign("standard", meter(1), kStart, kStart + hours(1));
  const auto rows = outbox_rows();
  const auto audits = test::count_rows(path_, "audit");
  auto r = store_->enqueue_command({meter(1), PricePayload{single(8000)}, "qa", kStart});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, domain::ErrorKind::kRefused);
  EXPECT_NE(r.error().message.find("assign a tariff instead"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(outbox_rows(), rows);
  EXPECT_EQ(test::count_rows(path_, "audit"), audits);
  EXPECT_EQ(store_->tariffs().size(), 1U);
}

TEST_F(PricesStoreTest, ARefusedAssignmentQueuesNothing) {
  add("standard", kStart, Tariff::single(6000));
  auto r = store_->assign_tariff({"standard", meter(9), "manager", kStart, std::nullopt});
  ASSERT_FALSE(r);
  r = store_->assign_tariff({"standard", meter(1), "manager", kStart, kStart - hours(1)});
  ASSERT_FALSE(r);
  auto v = store_->add_tariff(
      {"standard", {kStart - hours(1), Tariff::single(7000)}, minutes(480), "manager", kStart});
  ASSERT_FALSE(v);
  EXPECT_EQ(outbox_rows(), 0);
}

}  // namespace
}  // namespace phil::store
