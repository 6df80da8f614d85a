#include <phil/domain/ledger.hpp>

#include "enum_names.hpp"

namespace phil::domain {

namespace {

constexpr detail::NameTable<EntryKind, 6> kKindNames{{
    {EntryKind::kSale, "sale"},
    {EntryKind::kCharge, "charge"},
    {EntryKind::kRefund, "refund"},
    {EntryKind::kReversal, "reversal"},
    {EntryKind::kTransferIn, "transfer_in"},
    {EntryKind::kTransferOut, "transfer_out"},
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
      return 1;
    case EntryKind::kCharge:
    case EntryKind::kRefund:
    case EntryKind::kReversal:
    case EntryKind::kTransferOut:
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

}  // namespace phil::domain
