#pragma once
// Password hashing for operators (issue 13 item 1): argon2id through libsodium's crypto_pwhash_str,
// whose output carries the algorithm, its cost and the salt, so a cost raised later still
// verifies old hashes. Private to the service.
#include <string>
#include <string_view>

namespace phil::service::detail {

/// Opslimit (passes) and memlimit (bytes) of new hashes: above OWASP's minimum for argon2id
/// (19 MiB, t=2, p=1); a login costs about what bench/RESULTS.md says (perf_login).
inline constexpr unsigned long long kHashOps = 5;
inline constexpr std::size_t kHashMemory = std::size_t{64} << 20U;

/// The hash of `password` (crypto_pwhash_str form). Throws std::runtime_error if libsodium
/// cannot start or is out of memory.
std::string hash_password(std::string_view password);
/// True if `password` is the one `hash` was made from; false for a wrong one or a malformed hash.
bool verify_password(const std::string& hash, std::string_view password);

/// A new session token: 32 random bytes (randombytes_buf), as 64 hex digits.
std::string new_session_token();
/// What the database keeps of a token: its SHA-256 (crypto_hash_sha256), as 64 hex digits.
std::string token_hash(std::string_view token);

}  // namespace phil::service::detail
