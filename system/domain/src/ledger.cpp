#include <phil/domain/ledger.hpp>

#include "enum_names.hpp"

namespace phil::domain {

namespace {

constexpr detail::NameTable<EntryKind, 8> kKindNames{{
    {EntryKind::kSale, "sale"},
    {EntryKind::kCharge, "charge"},
    {EntryKind::kRefund, "refund"},
    {EntryKind::kReversal, "reversal"},
    {EntryKind::kTransferIn, "transfer_in"},
    {EntryKind::kTransferOut, "transfer_out"},
    {EntryKind::kSettleDebit, "settle_debit"},
    {EntryKind::kSettleCredit, "settle_credit"},
}};

}  // namespace

std::string_view to_string(EntryKind k) {
  return detail::name_of(kKindNames, k);
}
std::optional<EntryKind> parse_entry_kind(std::string_view s) {
  return detail::value_of(kKindNames, s);
}

int balance_sign(EntryKind k) {
  switch (k) {
    case EntryKind::kSale:
    case EntryKind::kTransferIn:
    case EntryKind::kSettleCredit:
      return 1;
    case EntryKind::kCharge:
    case EntryKind::kRefund:
    case EntryKind::kReversal:
    case EntryKind::kTransferOut:
    case EntryKind::kSettleDebit:
      return -1;
  }
  return 0;
}

std::vector<std::string> verify_journal(
    const std::vector<JournalEntry>& entries,
    const std::map<std::string, std::int64_t>& account_balances) {
  std::vector<std::string> problems;
  std::map<std::string, std::int64_t> running;
  std::int64_t expected_seq = 1;
  for (const auto& e : entries) {
    const std::string where = "ledger entry " + std::to_string(e.seq) + " (account " + e.account +
                              ", " + std::string(to_string(e.kind)) + ")";
    if (e.seq != expected_seq) {
      problems.push_back("journal gap: expected entry " + std::to_string(expected_seq) +
                         ", found " + std::to_string(e.seq) +
                         "; entries are missing or out of order, restore from backup");
      expected_seq = e.seq;
    }
    ++expected_seq;
    const bool zero_allowed = e.kind == EntryKind::kCharge;
    if (e.amount_fen < 0 || (e.amount_fen == 0 && !zero_allowed)) {
      problems.push_back(where + ": invalid amount " + std::to_string(e.amount_fen) + " fen");
    }
    auto& bal = running[e.account];
    bal += balance_sign(e.kind) * e.amount_fen;
    if (bal != e.balance_after_fen) {
      problems.push_back(where + ": running balance " + std::to_string(e.balance_after_fen) +
                         " fen, but the entries sum to " + std::to_string(bal) + " fen");
    }
  }
  for (const auto& [account, cached] : account_balances) {
    const auto it = running.find(account);
    const std::int64_t sum = it == running.end() ? 0 : it->second;
    if (sum != cached) {
      problems.push_back("account " + account + ": balance " + std::to_string(cached) +
                         " fen, but its ledger entries sum to " + std::to_string(sum) + " fen");
    }
  }
  for (const auto& [account, sum] : running) {
    if (!account_balances.contains(account)) {
      problems.push_back("ledger entries for unknown account " + account);
    }
  }
  return problems;
}

std::vector<std::string> verify_transfers(const std::vector<TransferEntry>& transfers) {
  std::vector<std::string> problems;
  std::map<std::int64_t, const TransferEntry*> outs;
  std::map<std::int64_t, int> received;
  for (const auto& t : transfers) {
    if (t.kind == EntryKind::kTransferOut) outs[t.seq] = &t;
  }
  for (const auto& t : transfers) {
    if (t.kind != EntryKind::kTransferIn) continue;
    const std::string where = "transfer_in " + std::to_string(t.seq) + " (account " + t.account +
                              ", " + std::to_string(t.amount_fen) + " fen)";
    const auto it = t.ref_seq ? outs.find(*t.ref_seq) : outs.end();
    if (it == outs.end() || *t.ref_seq >= t.seq) {
      problems.push_back(where + " does not refer to an earlier transfer_out; money was created");
      continue;
    }
    if (it->second->amount_fen != t.amount_fen) {
      problems.push_back(where + " receives " + std::to_string(it->second->amount_fen) +
                         " fen from transfer_out " + std::to_string(it->first) +
                         "; the amounts must be equal");
    }
    ++received[it->first];
  }
  for (const auto& [seq, out] : outs) {
    const int n = received[seq];
    if (n != 1) {
      problems.push_back("transfer_out " + std::to_string(seq) + " (account " + out->account +
                         ", " + std::to_string(out->amount_fen) + " fen) is received by " +
                         std::to_string(n) + " transfer_in entries instead of one");
    }
  }
  return problems;
}

}  // namespace phil::domain
