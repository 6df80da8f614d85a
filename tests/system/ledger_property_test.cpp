// Property: any sequence of operator operations, readings and deliveries, refused or not, keeps
// the ledger invariant: per account, balance = sales - refunds - reversals - charges
// +/- transfers, the journal is gap-free, and the store's checks (verify_ledger) pass.
#include <map>
#include <random>

#include <gtest/gtest.h>

#include <phil/store/store.hpp>

#include "support/meter_counts.hpp"
#include "support/temp_dir.hpp"

namespace phil::store {
namespace {

using domain::EntryKind;
using domain::MeterId;

constexpr TimePoint kT0{Millis(1'772'294'400'000)};

/// The invariant recomputed from the journal, independently of the store's own checks.
std::map<std::string, std::int64_t> balances_by_kind(const std::vector<LedgerRecord>& ledger) {
  std::map<std::string, std::int64_t> out;
  for (const auto& e : ledger) {
    switch (e.kind) {
      case EntryKind::kSale:
      case EntryKind::kTransferIn:
      case EntryKind::kSettleCredit:
        out[e.account] += e.amount_fen;
        break;
      case EntryKind::kRefund:
      case EntryKind::kReversal:
      case EntryKind::kCharge:
      case EntryKind::kTransferOut:
      case EntryKind::kSettleDebit:
        out[e.account] -= e.amount_fen;
        break;
    }
  }
  return out;
}

TEST(LedgerProperty, RandomOperationSequencesKeepTheInvariant) {
  for (unsigned seed : {1U, 2U, 3U}) {
    test::TempDir dir;
    auto store = open_sqlite_store(dir.file("site.db"));
    std::vector<MeterId> meters;
    for (int c = 1; c <= 6; ++c)
      meters.push_back(MeterId{"bus1", 1, c});
    store->register_meters(meters, "adf300l-i", false);
    std::mt19937 rng(seed);
    auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
    std::map<MeterId, std::int64_t> energy;
    TimePoint now = kT0;
    int accounts = 0;
    int accepted = 0;
    const BillingRules rules{5873, 3};
    for (int step = 0; step < 300; ++step) {
      now += Millis(60'000);
      const std::string account = "A" + std::to_string(pick(std::max(accounts, 1)) + 1);
      const std::int64_t fen = std::uniform_int_distribution<std::int64_t>(-10, 5000)(rng);
      bool ok = false;
      switch (pick(8)) {
        case 0: {
          const std::string id = "A" + std::to_string(accounts + 1);
          ok = store
                   ->open_account({id,
                                   "",
                                   {meters[static_cast<std::size_t>(pick(6))]},
                                   std::max<std::int64_t>(fen, 0),
                                   "op",
                                   now})
                   .ok();
          if (ok) ++accounts;
          break;
        }
        case 1:
          ok = store->sale({account, fen, "op", now}).ok();
          break;
        case 2:
          ok = store->refund({account, fen / 10, "op", now}).ok();
          break;
        case 3: {
          const auto ledger = store->ledger(std::nullopt);
          if (ledger.empty()) break;
          ok = store
                   ->reversal(
                       {ledger[static_cast<std::size_t>(pick(static_cast<int>(ledger.size())))].seq,
                        "op", now})
                   .ok();
          break;
        }
        case 4:
          ok = store->close_account({account, "op", now}).ok();
          break;
        case 5: {  // the worker confirms or fails the head command
          auto next = store->next_commands("bus1", now, 1);
          if (next.empty()) break;
          if (pick(4) == 0) {
            if (!store->try_begin_attempt(next[0].id, std::uint16_t{1}, now)) break;
            store->fail_command(next[0].id, "test", now);
          } else if (!test::deliver(*store, next[0].id, {}, now, rules)) {
            break;
          }
          ok = true;
          break;
        }
        default: {  // a poll: every meter used some energy
          std::vector<std::pair<MeterId, domain::MeterReading>> readings;
          for (const auto& m : meters) {
            energy[m] += pick(3000);
            domain::MeterReading r;
            r.energy_wh = energy[m];
            r.balance_fen = 100;
            readings.emplace_back(m, test::counted(*store, m, r));
          }
          store->record_readings(readings, now, rules);
          ok = true;
        }
      }
      accepted += ok ? 1 : 0;
      const auto problems = store->verify_ledger();
      ASSERT_TRUE(problems.empty()) << "seed " << seed << " step " << step << ": " << problems[0];
      for (const auto& [acc, sum] : balances_by_kind(store->ledger(std::nullopt))) {
        ASSERT_EQ(store->account_balance_fen(acc), sum) << acc;
      }
    }
    EXPECT_GT(accepted, 100) << "too few operations were accepted to test anything";
  }
}

}  // namespace
}  // namespace phil::store
