// Crash safety: a process doing a batch of operations is killed (SIGKILL) at random points; on
// reopening, the ledger verifies and no operation is half-applied (every sale has its credit in
// the outbox, every refund and reversal its audit row).
//
// The kill point is chosen by progress, not by wall time: the child reports each finished
// operation on a pipe, and the parent kills it after a random number of them plus a random few
// milliseconds (so it lands inside an operation too). A loaded machine then changes how long a
// round takes, not what it tests.
#include <chrono>
#include <cstdint>
#include <random>
#include <thread>

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <phil/store/store.hpp>

#include "support/meter_counts.hpp"
#include "support/temp_dir.hpp"

namespace phil::store {
namespace {

using domain::MeterId;

constexpr TimePoint kT0{Millis(1'772'294'400'000)};

std::int64_t scalar(const std::string& path, const std::string& query) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, query.c_str(), -1, &s, nullptr);
  std::int64_t n = -1;
  if (s && sqlite3_step(s) == SQLITE_ROW) n = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return n;
}

/// The child: operations until killed (bounded, in case the parent is late); one byte on
/// `progress` after each.
[[noreturn]] void run_batch(const std::string& path, unsigned seed, int progress) {
  auto store = open_sqlite_store(path);
  std::mt19937 rng(seed);
  TimePoint now = kT0 + Millis(seed * 1'000'000LL);
  std::int64_t energy = 0;
  const MeterId m{"bus1", 1, 1};
  for (int i = 0; i < 20'000; ++i) {
    now += Millis(1000);
    switch (std::uniform_int_distribution<int>(0, 4)(rng)) {
      case 0:
      case 1:
        (void)store->sale({"A401", 100 + i % 50, "op", now});
        break;
      case 2:
        (void)store->refund({"A401", 7, "op", now});
        break;
      case 3: {
        const auto next = store->next_commands("bus1", now, 1);
        if (!next.empty()) (void)test::deliver(*store, next[0].id, {}, now, {6000, 3});
        break;
      }
      default: {
        energy += 700;
        domain::MeterReading r;
        r.energy_wh = energy;
        r.balance_fen = 100;
        store->record_readings({{m, test::counted(*store, m, r)}}, now, {6000, 3});
      }
    }
    const char tick = 1;
    if (write(progress, &tick, 1) != 1) _exit(0);  // the parent is gone
  }
  _exit(0);
}

TEST(LedgerCrash, KilledAtRandomPointsNoOperationIsHalfApplied) {
  test::TempDir dir;
  const auto path = dir.file("site.db");
  {
    auto store = open_sqlite_store(path);
    store->register_meters({MeterId{"bus1", 1, 1}}, "adf300l-i", false);
    ASSERT_TRUE(store->open_account({"A401", "Li", {MeterId{"bus1", 1, 1}}, 0, "op", kT0}));
  }
  std::mt19937 rng(11);
  for (unsigned round = 1; round <= 6; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      run_batch(path, round, fds[1]);
    }
    close(fds[1]);
    // Wait for a random number of finished operations (at most 60 s in all), then a random few
    // milliseconds more, so the kill falls between or inside operations.
    const int wanted = std::uniform_int_distribution<int>(5, 60)(rng);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    int done = 0;
    while (done < wanted && std::chrono::steady_clock::now() < deadline) {
      pollfd pfd{fds[0], POLLIN, 0};
      if (poll(&pfd, 1, 1000) <= 0) continue;
      char buf[64];
      const auto n = read(fds[0], buf, sizeof buf);
      if (n <= 0) break;  // the child ended
      done += static_cast<int>(n);
    }
    std::this_thread::sleep_for(
        std::chrono::microseconds(std::uniform_int_distribution<int>(0, 20'000)(rng)));
    kill(child, SIGKILL);
    close(fds[0]);
    int status = 0;
    waitpid(child, &status, 0);
    EXPECT_GE(done, wanted) << "round " << round << ": the child did too little before the kill";

    auto store = open_sqlite_store(path);
    const auto problems = store->verify_ledger();
    ASSERT_TRUE(problems.empty()) << "round " << round << ": " << problems[0];
    EXPECT_EQ(scalar(path,
                     "SELECT count(*) FROM ledger l WHERE kind = 'sale' AND NOT EXISTS "
                     "(SELECT 1 FROM outbox o WHERE o.ledger_seq = l.seq)"),
              0)
        << "a sale without its credit";
    EXPECT_EQ(scalar(path,
                     "SELECT count(*) FROM ledger l WHERE kind IN ('refund', 'reversal') "
                     "AND NOT EXISTS (SELECT 1 FROM audit a WHERE ' ' || a.details || ' ' LIKE "
                     "'% seq=' || l.seq || ' %')"),
              0)
        << "a refund without its audit row";
    EXPECT_EQ(scalar(path,
                     "SELECT count(*) FROM outbox o WHERE kind = 'credit' AND NOT EXISTS "
                     "(SELECT 1 FROM ledger l WHERE l.seq = o.ledger_seq)"),
              0)
        << "a credit without its sale";
  }
  EXPECT_GT(scalar(path, "SELECT count(*) FROM ledger"), 10) << "the children did too little";
}

}  // namespace
}  // namespace phil::store
