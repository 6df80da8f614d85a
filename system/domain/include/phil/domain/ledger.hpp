#pragma once
// The ledger: an append-only journal of money movements per account. An account's balance is
// never stored on its own authority; it is the sum of its entries (sales in, charges out).
// Entries are numbered 1, 2, 3, ... with no gaps, so a lost or deleted entry is detectable.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phil::domain {

enum class EntryKind : std::uint8_t {
  kSale,         ///< money paid in by the tenant (recharge); credits the account
  kCharge,       ///< energy consumed, at the tariff; debits the account
  kRefund,       ///< money paid back to the tenant; debits
  kReversal,     ///< cancels an erroneous sale; debits
  kTransferIn,   ///< balance moved in from a replaced meter's account; credits
  kTransferOut,  ///< balance moved out on meter replacement; debits
  /// Closing a meter-side account (closing.hpp settle_close): the ledger is settled to what the
  /// meter holds. The meter used more than the ledger mirrored: debits.
  kSettleDebit,
  kSettleCredit,  ///< as kSettleDebit, the meter used less than the ledger mirrored: credits
};

std::string_view to_string(EntryKind k);
std::optional<EntryKind> parse_entry_kind(std::string_view s);

/// +1 if the kind credits the account, -1 if it debits it.
int balance_sign(EntryKind k);

/// What verify_journal needs of an entry. `amount_fen` is a magnitude (>= 0); its direction
/// comes from the kind. `balance_after_fen` is the account's running balance after the entry.
struct JournalEntry {
  std::int64_t seq = 0;
  std::string account;
  EntryKind kind = EntryKind::kSale;
  std::int64_t amount_fen = 0;
  std::int64_t balance_after_fen = 0;
};

/// Checks the journal invariants: entries in order are numbered 1..N without gaps; amounts are
/// non-negative (and positive for everything but charges, which may be 0 fen when only a sub-fen
/// remainder accrued); each running balance equals the sum of the account's entries so far; and
/// `account_balances` (the per-account balance the store keeps for quick reads) equals the sum of
/// each account's entries. Returns one human-readable line per problem; empty if all hold.
std::vector<std::string> verify_journal(
    const std::vector<JournalEntry>& entries,
    const std::map<std::string, std::int64_t>& account_balances);

/// A transfer entry (kTransferIn or kTransferOut) as verify_transfers needs it.
struct TransferEntry {
  std::int64_t seq = 0;
  std::string account;
  EntryKind kind = EntryKind::kTransferOut;
  std::int64_t amount_fen = 0;
  std::optional<std::int64_t> ref_seq;  ///< transfer_in: the transfer_out it receives
};

/// Checks that transfers neither create nor lose money: every transfer_in refers to an earlier
/// transfer_out of the same amount, and every transfer_out is received by exactly one
/// transfer_in. Returns one human-readable line per problem; empty if all hold.
std::vector<std::string> verify_transfers(const std::vector<TransferEntry>& transfers);

}  // namespace phil::domain
