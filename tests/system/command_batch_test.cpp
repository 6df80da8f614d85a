// Batch commands (issue 14 item 2): the domain's rules (which kinds, which lists of meters, how
// progress counts) and the SQLite store's CommandBatches on a real database file: each member its
// own outbox command, refusals recorded per member, one system log row, nothing written for a
// batch refused as a whole.
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <phil/domain/command_batch.hpp>
#include <phil/store/store.hpp>

#include "support/sqlite_count.hpp"
#include "support/temp_dir.hpp"

namespace phil {
namespace {

using domain::CommandKind;
using domain::CommandState;
using domain::MeterId;
using domain::ModePayload;
using domain::RelayCommand;

constexpr TimePoint kT0{Millis(1'772'294'400'000)};  // 2026-02-28T16:00:00Z

MeterId meter(int box, int circuit) {
  return MeterId{"bus1", box, circuit};
}

// ---- domain ----

TEST(BatchRules, OnlyRelayModesThresholdsAndPricesMayBeSentAsABatch) {
  EXPECT_TRUE(domain::batchable(CommandKind::kMode));
  EXPECT_TRUE(domain::batchable(CommandKind::kThresholds));
  EXPECT_TRUE(domain::batchable(CommandKind::kPrice));
  for (const auto k :
       {CommandKind::kCredit, CommandKind::kDebit, CommandKind::kTouSchedule, CommandKind::kClock})
    EXPECT_FALSE(domain::batchable(k)) << domain::to_string(k);
}

TEST(BatchRules, AnEmptyListABoxOrAMeterListedTwiceIsNoBatch) {
  EXPECT_EQ(domain::check_batch_members({}),
            "the selection holds no meter; widen the filters or check the meters file");
  const std::vector<MeterId> with_box{meter(1, 1), MeterId{"bus1", 2, 0}};
  EXPECT_EQ(domain::check_batch_members(with_box),
            "box bus1/2 is not a meter; a batch addresses circuits (bus/box/circuit)");
  const std::vector<MeterId> twice{meter(1, 1), meter(1, 2), meter(1, 1)};
  EXPECT_EQ(domain::check_batch_members(twice), "meter bus1/1/1 is listed twice");
  const std::vector<MeterId> fine{meter(1, 1), meter(1, 2)};
  EXPECT_EQ(domain::check_batch_members(fine), std::nullopt);
}

TEST(BatchRules, MoreMetersThanTheLimitIsNoBatch) {
  std::vector<MeterId> many;
  for (std::size_t i = 0; i <= domain::kMaxBatchMembers; ++i)
    many.push_back(MeterId{"bus" + std::to_string(i / 36), static_cast<int>(i % 36) + 1, 1});
  const auto problem = domain::check_batch_members(many);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("20001 meters, more than 20000"), std::string::npos) << *problem;
  many.pop_back();
  EXPECT_EQ(domain::check_batch_members(many), std::nullopt);
}

TEST(BatchRules, ProgressCountsEachStateAndIsDoneWhenNothingIsLeftToSend) {
  domain::BatchProgress p;
  p.add(std::nullopt);
  p.add(CommandState::kConfirmed);
  p.add(CommandState::kFailed);
  p.add(CommandState::kSuperseded);
  EXPECT_TRUE(p.done());
  p.add(CommandState::kInFlight);
  EXPECT_FALSE(p.done());
  p.add(CommandState::kPending);
  EXPECT_EQ(p.total(), 6U);
  EXPECT_EQ((domain::BatchProgress{1, 1, 1, 1, 1, 1}), p);
}

// ---- the SQLite store ----

class BatchStore : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("site.db");
    store_ = store::open_sqlite_store(path_);
    store_->register_meters({meter(1, 1), meter(1, 2), meter(1, 3)}, "adf300l-i", false);
  }
  /// A trip of `members`; a member with a refusal is one the counter refused.
  static store::BatchRequest trip(std::vector<store::BatchMemberRequest> members) {
    return {ModePayload{RelayCommand::kForcedOff}, std::move(members), "--floor 4", "qa-engineer",
            kT0};
  }
  std::vector<store::LogRow> log_rows(const std::string& action) {
    store::LogFilter f;
    f.action = action;
    return store_->log(f);
  }

  test::TempDir dir_;
  std::string path_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(BatchStore, EachMemberGetsItsOwnPendingCommandAndTheBatchOneLogRowListingThem) {
  const auto r = store_->enqueue_batch(trip({{meter(1, 1), ""}, {meter(1, 2), ""}}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().queued, 2U);
  EXPECT_EQ(r.value().refused, 0U);
  const auto b = store_->command_batch(r.value().batch);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->kind, CommandKind::kMode);
  EXPECT_EQ(b->payload, "relay=forced_off");
  EXPECT_EQ(b->selection, "--floor 4");
  EXPECT_EQ(b->operator_id, "qa-engineer");
  EXPECT_EQ(b->created_at, kT0);
  ASSERT_EQ(b->members.size(), 2U);
  std::set<std::int64_t> ids;
  for (const auto& m : b->members) {
    ASSERT_TRUE(m.command);
    EXPECT_EQ(m.command->state, CommandState::kPending);
    EXPECT_EQ(m.command->meter, m.meter);
    EXPECT_EQ(m.command->operator_id, "qa-engineer");
    ids.insert(m.command->id);
  }
  EXPECT_EQ(ids.size(), 2U);
  EXPECT_EQ(b->progress, (domain::BatchProgress{0, 2, 0, 0, 0, 0}));
  EXPECT_EQ(store_->open_commands("bus1").size(), 2U);
  // One row for the batch; none per command.
  EXPECT_TRUE(log_rows("command").empty());
  const auto rows = log_rows("command_batch");
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].target, "batch " + std::to_string(b->id));
  const auto details = nlohmann::json::parse(rows[0].details);
  EXPECT_EQ(details["members"].size(), 2U);
  EXPECT_EQ(details["members"][0]["meter"], "bus1/1/1");
  EXPECT_EQ(details["members"][0]["command"], b->members[0].command->id);
  EXPECT_EQ(details["selection"], "--floor 4");
}

TEST_F(BatchStore, AMemberTheStoreRefusesIsRecordedWithWhyAndChangesNothingForIt) {
  // bus1/9/1 is no meter of the site: enqueue_command refuses it; the others go on.
  const auto r = store_->enqueue_batch(trip({{meter(1, 1), ""},
                                             {MeterId{"bus1", 9, 1}, ""},
                                             {meter(1, 2), "balance 0.00"},
                                             {meter(1, 3), ""}}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().queued, 2U);
  EXPECT_EQ(r.value().refused, 2U);
  const auto b = store_->command_batch(r.value().batch);
  ASSERT_TRUE(b);
  ASSERT_EQ(b->members.size(), 4U);
  EXPECT_EQ(b->members[1].meter, (MeterId{"bus1", 9, 1}));
  EXPECT_FALSE(b->members[1].command);
  EXPECT_EQ(b->members[1].refusal,
            "meter bus1/9/1 is not configured at this site; check the bus, box and circuit");
  EXPECT_EQ(b->members[2].meter, meter(1, 2));
  EXPECT_EQ(b->members[2].refusal, "balance 0.00");
  EXPECT_EQ(b->members[3].meter, meter(1, 3));
  EXPECT_TRUE(b->members[3].command);
  EXPECT_EQ(b->progress.refused, 2U);
  EXPECT_EQ(b->progress.pending, 2U);
  EXPECT_EQ(store_->open_commands("bus1").size(), 2U);
  const auto details = nlohmann::json::parse(log_rows("command_batch").at(0).details);
  EXPECT_EQ(details["refused"].size(), 2U);
}

TEST_F(BatchStore, ABatchRefusedAsAWholeWritesNothing) {
  const auto count = [&] {
    return test::count_rows(path_, "command_batches") + test::count_rows(path_, "outbox") +
           test::count_rows(path_, "command_batch_members");
  };
  const auto before = count();
  const auto log_before = store_->log({}).size();
  auto credit = trip({{meter(1, 1), ""}});
  credit.params = domain::CreditPayload{100};
  EXPECT_FALSE(store_->enqueue_batch(credit));
  EXPECT_FALSE(store_->enqueue_batch(trip({})));
  EXPECT_FALSE(store_->enqueue_batch(trip({{meter(1, 1), ""}, {meter(1, 1), "twice"}})));
  auto bad = trip({{meter(1, 1), ""}});
  bad.params = domain::ThresholdsPayload{100, 500, 0};  // alarm 2 above alarm 1
  EXPECT_FALSE(store_->enqueue_batch(bad));
  EXPECT_EQ(count(), before);
  EXPECT_EQ(store_->log({}).size(), log_before);
}

TEST_F(BatchStore, AMemberAlreadyQueuedWithTheSameValuesKeepsItsCommand) {
  const domain::ThresholdsPayload th{3000, 800, 0};
  const auto single = store_->enqueue_command({meter(1, 1), th, "qa-engineer", kT0});
  ASSERT_TRUE(single);
  auto req = trip({{meter(1, 1), ""}, {meter(1, 2), ""}});
  req.params = th;
  const auto r = store_->enqueue_batch(req);
  ASSERT_TRUE(r) << r.error().message;
  const auto b = store_->command_batch(r.value().batch);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->members[0].command->id, single.value());
  EXPECT_EQ(store_->open_commands("bus1").size(), 2U);
}

TEST_F(BatchStore, TheListShowsTheNewestBatchesFirstWithTheirProgress) {
  const auto first = store_->enqueue_batch(trip({{meter(1, 1), ""}}));
  auto second_req = trip({{meter(1, 2), ""}, {meter(1, 3), ""}});
  second_req.params = ModePayload{RelayCommand::kKeepPower};
  const auto second = store_->enqueue_batch(second_req);
  ASSERT_TRUE(first && second);
  // The first batch's command is confirmed: its batch is done.
  const auto cmd = store_->command_batch(first.value().batch)->members[0].command->id;
  store_->begin_attempt(cmd, std::nullopt, kT0);
  domain::CreditReadback rb;
  rb.relay_closed = false;
  store_->confirm_command(cmd, rb, kT0, {});
  const auto list = store_->command_batches(10);
  ASSERT_EQ(list.size(), 2U);
  EXPECT_EQ(list[0].id, second.value().batch);
  EXPECT_TRUE(list[0].members.empty());
  EXPECT_EQ(list[0].progress.pending, 2U);
  EXPECT_FALSE(list[0].progress.done());
  EXPECT_EQ(list[1].progress.confirmed, 1U);
  EXPECT_TRUE(list[1].progress.done());
  EXPECT_EQ(store_->command_batches(1).size(), 1U);
  EXPECT_FALSE(store_->command_batch(99));
}

}  // namespace
}  // namespace phil
