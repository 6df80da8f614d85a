// Crash safety: a process doing a batch of operations is killed (SIGKILL) at random points; on
// reopening, the ledger verifies and no operation is half-applied (every sale has its credit in
// the outbox, every refund and reversal its audit row).
#include <chrono>
#include <random>
#include <thread>

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <phil/store/store.hpp>

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

/// The child: operations until killed (bounded, in case the parent is late).
[[noreturn]] void run_batch(const std::string& path, unsigned seed) {
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
        if (!next.empty() && store->try_begin_attempt(next[0].id, std::uint16_t{1}, now)) {
          store->confirm_command(next[0].id, {}, now, {6000, 3});
        }
        break;
      }
      default: {
        energy += 700;
        domain::MeterReading r;
        r.energy_wh = energy;
        r.balance_fen = 100;
        store->record_readings({{m, r}}, now, {6000, 3});
      }
    }
  }
  _exit(0);
}

TEST(LedgerCrash, KilledAtRandomPointsNoOperationIsHalfApplied) {
  test::TempDir dir;
  const auto path = dir.file("site.db");
  {
    auto store = open_sqlite_store(path);
    store->register_meters({MeterId{"bus1", 1, 1}}, "adf300l-i");
    ASSERT_TRUE(store->open_account({"A401", "Li", {MeterId{"bus1", 1, 1}}, 0, "op", kT0}));
  }
  std::mt19937 rng(11);
  for (unsigned round = 1; round <= 6; ++round) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) run_batch(path, round);
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(150, 600)(rng)));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);

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
