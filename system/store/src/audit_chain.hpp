#pragma once
// The system log's hash chain (phil/store/system_log.hpp has the formula): the canonical bytes
// of a row and of a ledger entry, the SHA-256 over them, and sealing the rows a transaction
// wrote. Hashing is OpenSSL's (libcrypto uses the CPU's SHA instructions).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <openssl/evp.h>

#include "sqlite.hpp"

namespace phil::store::audit {

/// The previous hash of the first row: 64 zero hex digits.
inline constexpr std::string_view kGenesis =
    "0000000000000000000000000000000000000000000000000000000000000000";

/// SHA-256 over netstring fields ("<length>:<bytes>,"): a field's bytes can never be read as
/// another field's, whatever a name contains.
class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;
  /// `hex` (64 hex digits) as its 32 raw bytes; a malformed one counts as its text.
  Hasher& raw_hex(std::string_view hex);
  Hasher& field(std::string_view bytes);
  Hasher& field(std::int64_t v);
  Hasher& field(const std::optional<std::int64_t>& v);
  /// The digest as 64 lowercase hex digits; the hasher is spent.
  std::string hex();

 private:
  void flush();

  EVP_MD_CTX* ctx_;
  /// Fields are gathered here and hashed in blocks: a poll cycle's 10,000 charges are ~110,000
  /// short fields.
  std::string pending_;
};

/// A ledger entry as the digest reads it.
struct EntryFields {
  std::int64_t seq = 0;
  std::string_view account;
  std::string_view kind;
  std::string_view meter;  ///< "" for none
  std::int64_t amount_fen = 0;
  std::int64_t energy_wh = 0;
  std::int64_t carry = 0;
  std::int64_t balance_after_fen = 0;
  std::string_view operator_id;
  std::int64_t at_ms = 0;
  std::optional<std::int64_t> ref_seq;
};
void add_entry(Hasher& h, const EntryFields& e);

/// A row as the chain reads it.
struct RowFields {
  std::int64_t id = 0;
  std::int64_t at_ms = 0;
  std::string_view operator_id;
  std::string_view action;
  std::string_view target;
  std::string_view outcome;
  std::string_view details;
  std::optional<std::string_view> ledger_digest;
};
std::string row_hash(std::string_view prev_hex, const RowFields& r);

/// Inserts a row (inside the caller's transaction) and returns its id. When every earlier row is
/// sealed and `ledger_digest` is given (the caller knows all the entries that will refer to it:
/// a poll cycle's charges), the row is sealed at once; otherwise just before the commit, when
/// the entries written after it that refer to it are known. Throws std::logic_error outside a
/// transaction.
std::int64_t insert_row(sqlite::Db& db, std::string_view operator_id, std::string_view action,
                        std::string_view target, std::string_view outcome, std::string_view details,
                        std::int64_t at_ms,
                        const std::optional<std::string>& ledger_digest = std::nullopt);

/// Seals every unsealed row in id order: its ledger digest (unless stored already) from the
/// entries that refer to it with seq > `after_seq`, then its hash. The migration to v17 calls it
/// with after_seq 0; insert_row registers it to run before the commit.
void seal(sqlite::Db& db, std::int64_t after_seq);

}  // namespace phil::store::audit
