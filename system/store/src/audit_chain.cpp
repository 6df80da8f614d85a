// The system log's hash chain (see audit_chain.hpp).
#include "audit_chain.hpp"

#include <array>
#include <charconv>
#include <map>
#include <stdexcept>
#include <vector>

#include <phil/store/common.hpp>

namespace phil::store::audit {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

namespace {

constexpr std::size_t kDigestBytes = 32;
constexpr std::size_t kBlock = 16384;

/// SHA-256 fetched once: an implicit fetch per context costs a look-up each time in OpenSSL 3.
const EVP_MD* sha256() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) throw StoreError("OpenSSL has no SHA-256; the system log cannot be hashed");
  return md;
}

}  // namespace

Hasher::Hasher() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(ctx_);
    throw StoreError("cannot start a SHA-256 digest (OpenSSL); out of memory?");
  }
  pending_.reserve(kBlock + 256);
}

Hasher::~Hasher() {
  EVP_MD_CTX_free(ctx_);
}

void Hasher::flush() {
  if (pending_.empty()) return;
  EVP_DigestUpdate(ctx_, pending_.data(), pending_.size());
  pending_.clear();
}

Hasher& Hasher::raw_hex(std::string_view hex) {
  std::array<char, kDigestBytes> raw{};
  bool ok = hex.size() == raw.size() * 2;
  for (std::size_t i = 0; ok && i < raw.size(); ++i) {
    const int hi = hex_digit(hex[2 * i]);
    const int lo = hex_digit(hex[2 * i + 1]);
    ok = hi >= 0 && lo >= 0;
    raw[i] = static_cast<char>(hi * 16 + lo);
  }
  if (!ok) return field(hex);
  pending_.append(raw.data(), raw.size());
  return *this;
}

Hasher& Hasher::field(std::string_view bytes) {
  std::array<char, 24> len{};
  const auto end = std::to_chars(len.data(), len.data() + len.size(), bytes.size()).ptr;
  pending_.append(len.data(), end);
  pending_.push_back(':');
  pending_.append(bytes);
  pending_.push_back(',');
  if (pending_.size() >= kBlock) flush();
  return *this;
}

Hasher& Hasher::field(std::int64_t v) {
  std::array<char, 24> text{};
  const auto end = std::to_chars(text.data(), text.data() + text.size(), v).ptr;
  return field(std::string_view(text.data(), static_cast<std::size_t>(end - text.data())));
}

Hasher& Hasher::field(const std::optional<std::int64_t>& v) {
  return v ? field(*v) : field(std::string_view());
}

std::string Hasher::hex() {
  flush();
  std::array<unsigned char, kDigestBytes> out{};
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(ctx_, out.data(), &n) != 1 || n != out.size()) {
    throw StoreError("SHA-256 digest failed (OpenSSL)");
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(out.size() * 2);
  for (const auto b : out) {
    s.push_back(kDigits[b >> 4]);
    s.push_back(kDigits[b & 0xF]);
  }
  return s;
}

void add_entry(Hasher& h, const EntryFields& e) {
  h.field(e.seq).field(e.account).field(e.kind).field(e.meter).field(e.amount_fen);
  h.field(e.energy_wh).field(e.carry).field(e.balance_after_fen).field(e.operator_id);
  h.field(e.at_ms).field(e.ref_seq);
}

std::string row_hash(std::string_view prev_hex, const RowFields& r) {
  Hasher h;
  h.raw_hex(prev_hex).field(r.id).field(r.at_ms).field(r.operator_id).field(r.action);
  h.field(r.target).field(r.outcome).field(r.details);
  h.field(r.ledger_digest.value_or(std::string_view()));
  return h.hex();
}

namespace {

/// The id the next row will get (inside the caller's transaction).
std::int64_t next_id(sqlite::Db& db) {
  auto s = db.prepare("SELECT COALESCE(max(id), 0) + 1 FROM audit");
  s->step();
  return s->int64(0);
}

/// The hash of the last sealed row before `id`, or kGenesis; a row before it still unsealed is
/// a programming error (rows are sealed in id order).
std::string prev_hash(sqlite::Db& db, std::int64_t id) {
  auto s = db.prepare("SELECT hash FROM audit WHERE id < ?1 ORDER BY id DESC LIMIT 1");
  s->bind(1, id);
  if (!s->step()) return std::string(kGenesis);
  auto h = s->opt_text(0);
  if (!h) {
    throw StoreError("database " + db.path() + ": system log row before " + std::to_string(id) +
                     " is not sealed; run prepaidctl log verify");
  }
  return *h;
}

bool all_sealed(sqlite::Db& db) {
  auto s = db.prepare("SELECT 1 FROM audit WHERE hash IS NULL LIMIT 1");
  return !s->step();
}

}  // namespace

std::int64_t insert_row(sqlite::Db& db, std::string_view operator_id, std::string_view action,
                        std::string_view target, std::string_view outcome, std::string_view details,
                        std::int64_t at_ms, const std::optional<std::string>& ledger_digest) {
  if (!db.in_transaction()) {
    throw std::logic_error(
        "a system log row was written outside a transaction: it would never "
        "be sealed");
  }
  // Ids are given here, not by SQLite: the hash covers the id. Writers hold the write lock
  // (BEGIN IMMEDIATE), so the next id cannot be taken by another process meanwhile.
  const auto id = next_id(db);
  std::optional<std::string> hash;
  if (ledger_digest && all_sealed(db)) {
    hash = row_hash(prev_hash(db, id), {id, at_ms, operator_id, action, target, outcome, details,
                                        std::string_view(*ledger_digest)});
  }
  auto s = db.prepare(
      "INSERT INTO audit (id, operator, action, target, outcome, details, at, ledger_digest, "
      "hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  s->bind(1, id).bind(2, operator_id).bind(3, action).bind(4, target).bind(5, outcome);
  s->bind(6, details).bind(7, at_ms);
  if (ledger_digest) {
    s->bind(8, *ledger_digest);
  } else {
    s->bind_null(8);
  }
  if (hash) {
    s->bind(9, *hash);
  } else {
    s->bind_null(9);
  }
  s->run();
  if (!hash) {
    std::int64_t last_seq = 0;
    {
      auto q = db.prepare("SELECT COALESCE(max(seq), 0) FROM ledger");
      q->step();
      last_seq = q->int64(0);
    }
    // Registered once per transaction, with the ledger's end before its first unsealed row:
    // every entry that may refer to a row sealed by it comes after.
    db.before_commit("system_log.seal", [&db, last_seq] { seal(db, last_seq); });
  }
  return id;
}

void seal(sqlite::Db& db, std::int64_t after_seq) {
  struct Row {
    std::int64_t id = 0;
    std::int64_t at_ms = 0;
    std::string operator_id, action, target, outcome, details;
    std::optional<std::string> ledger_digest;
  };
  std::vector<Row> rows;
  {
    auto s = db.prepare(
        "SELECT id, at, operator, action, target, outcome, details, ledger_digest FROM audit "
        "WHERE hash IS NULL ORDER BY id");
    while (s->step()) {
      rows.push_back({s->int64(0), s->int64(1), s->text(2), s->text(3), s->text(4), s->text(5),
                      s->text(6), s->opt_text(7)});
    }
  }
  if (rows.empty()) return;
  // The digests still to compute: the entries after `after_seq` that refer to those rows.
  std::map<std::int64_t, Hasher> digests;
  std::map<std::int64_t, bool> wanted;
  for (const auto& r : rows)
    if (!r.ledger_digest) wanted[r.id] = false;
  if (!wanted.empty()) {
    auto s = db.prepare(
        "SELECT seq, account, kind, COALESCE(meter, ''), amount_fen, energy_wh, carry, "
        "balance_after_fen, operator, at, ref_seq, audit_id FROM ledger WHERE seq > ?1 AND "
        "audit_id IS NOT NULL ORDER BY seq");
    s->bind(1, after_seq);
    while (s->step()) {
      const auto audit_id = s->int64(11);
      const auto w = wanted.find(audit_id);
      if (w == wanted.end()) continue;
      w->second = true;
      const auto account = s->text(1);
      const auto kind = s->text(2);
      const auto meter = s->text(3);
      const auto op = s->text(8);
      add_entry(digests[audit_id], {s->int64(0), account, kind, meter, s->int64(4), s->int64(5),
                                    s->int64(6), s->int64(7), op, s->int64(9), s->opt_int64(10)});
    }
  }
  auto prev = prev_hash(db, rows.front().id);
  auto update = db.prepare("UPDATE audit SET ledger_digest = ?2, hash = ?3 WHERE id = ?1");
  for (auto& r : rows) {
    if (!r.ledger_digest && wanted[r.id]) r.ledger_digest = digests[r.id].hex();
    std::optional<std::string_view> digest;
    if (r.ledger_digest) digest = *r.ledger_digest;
    auto hash = row_hash(
        prev, {r.id, r.at_ms, r.operator_id, r.action, r.target, r.outcome, r.details, digest});
    update->bind(1, r.id);
    if (r.ledger_digest) {
      update->bind(2, *r.ledger_digest);
    } else {
      update->bind_null(2);
    }
    update->bind(3, hash);
    update->run();
    update->reset();
    prev = std::move(hash);
  }
}

}  // namespace phil::store::audit
