// Property: whatever the line does to requests and replies (lost requests, lost replies,
// refusals, garbled replies, silent boxes, daemon restarts), every sale reaches its meter exactly
// once: zero double and zero lost credits. 1,000+ random fault schedules, seeded, on the scripted
// fake master with an emulated ADF300 and a manual clock (fast and deterministic).
#include <filesystem>
#include <random>

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <phil/service/system.hpp>

#include "support/fake_site.hpp"

namespace phil::service {
namespace {

using domain::MeterId;
using meterlink::FakeMaster;

constexpr TimePoint kStart{Millis(1'772'294'400'000)};

TEST(CommProperty, ThousandRandomFaultSchedulesGiveZeroDoubleAndZeroLostCredits) {
  constexpr int kSchedules = 1'000;
  // Thousands of expected warnings would dominate the run time; failures speak for themselves.
  spdlog::set_level(spdlog::level::err);
  constexpr int kMeters = 4;  // two circuits on each of two boxes
  // SQLite syncs every transaction to disk; in memory-backed /dev/shm (when there is one) the
  // thousands of transactions cost CPU time only. The store is the same.
  std::filesystem::path shm_dir;
  if (std::filesystem::is_directory("/dev/shm")) {
    shm_dir = std::filesystem::path("/dev/shm") /
              ("phil-comm-property-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(shm_dir);
  }
  struct Cleanup {
    std::filesystem::path p;
    ~Cleanup() {
      std::error_code ec;
      if (!p.empty()) std::filesystem::remove_all(p, ec);
    }
  } cleanup{shm_dir};  // after the site (declared below) has closed the database
  test::FakeSite site(kStart);
  if (!shm_dir.empty()) site.db = (shm_dir / "site.db").string();
  site.start();
  auto& master = site.master;
  auto& device = site.device;
  const std::vector<MeterId> meters{{"bus1", 1, 1}, {"bus1", 1, 2}, {"bus1", 2, 1}, {"bus1", 2, 2}};
  std::vector<std::int64_t> sold(kMeters, 0);
  std::vector<int> sales(kMeters, 0);
  for (int i = 0; i < kMeters; ++i) {
    device.set(meters[static_cast<std::size_t>(i)].box, meters[static_cast<std::size_t>(i)].circuit,
               {.purchase_count = static_cast<std::uint16_t>(65'530 + i)});  // wraps past 65535
    ASSERT_TRUE(site.desk->open_account("A" + std::to_string(i), "",
                                        {meters[static_cast<std::size_t>(i)]}, 0, "op"));
  }
  site.system->run_iterate();

  std::mt19937_64 rng(20261123);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  const FakeMaster::Fault faults[] = {FakeMaster::Fault::kRequestLost,
                                      FakeMaster::Fault::kReplyLost, FakeMaster::Fault::kException,
                                      FakeMaster::Fault::kIo};
  int restarts = 0;
  for (int schedule = 0; schedule < kSchedules; ++schedule) {
    const auto m = static_cast<std::size_t>(pick(kMeters));
    const std::int64_t amount = 1 + pick(50'000);
    ASSERT_TRUE(site.desk->sale("A" + std::to_string(m), amount, "op"));
    sold[m] += amount;
    ++sales[m];
    // Up to 5 faults on the next requests (reads or writes) of the meter's box.
    const int nfaults = pick(6);
    for (int f = 0; f < nfaults; ++f) {
      const auto op = pick(2) == 0 ? FakeMaster::Op::kRead : FakeMaster::Op::kWrite;
      master.inject({op, meters[m].box, faults[pick(4)], 4});
    }
    if (pick(10) == 0) master.set_silent(meters[m].box, true);  // a whole box goes quiet a while
    // Deliver, with a restart of the daemon now and then (the outbox is all that survives).
    for (int step = 0; step < 40; ++step) {
      if (step == 3) master.set_silent(meters[m].box, false);
      if (pick(25) == 0) {
        site.start();
        ++restarts;
      }
      site.step(Millis(6 * 60 * 1000));  // past any backoff (at most 5 min)
      if (site.system->counters("bus1").commands_pending == 0) break;
    }
    ASSERT_EQ(site.system->counters("bus1").commands_pending, 0U) << "schedule " << schedule;
    const auto& c = device.circuit(meters[m].box, meters[m].circuit);
    ASSERT_EQ(c.purchase_total_fen, sold[m]) << "schedule " << schedule << ": lost or double";
    ASSERT_EQ(c.purchase_count,
              static_cast<std::uint16_t>(65'530 + m + static_cast<std::size_t>(sales[m])))
        << "schedule " << schedule;
  }
  int total_sales = 0;
  for (const int s : sales)
    total_sales += s;
  EXPECT_EQ(device.credits_applied(), total_sales);
  EXPECT_TRUE(site.system->verify_ledger().empty());
  EXPECT_GT(restarts, 10);
}

}  // namespace
}  // namespace phil::service
