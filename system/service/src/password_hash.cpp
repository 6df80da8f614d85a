#include "password_hash.hpp"

#include <array>
#include <stdexcept>

#include <sodium.h>

namespace phil::service::detail {

namespace {

void start_sodium() {
  // Thread-safe and idempotent; < 0 only if the library cannot work at all.
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
}

}  // namespace

std::string hash_password(std::string_view password) {
  start_sodium();
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(), kHashOps, kHashMemory,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw std::runtime_error("hashing a password ran out of memory (" +
                             std::to_string(kHashMemory >> 20U) + " MiB)");
  }
  return std::string(out.data());
}

bool verify_password(const std::string& hash, std::string_view password) {
  start_sodium();
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

namespace {

template <std::size_t N>
std::string hex(const std::array<unsigned char, N>& bytes) {
  std::array<char, (N * 2) + 1> out{};
  sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
  return std::string(out.data());
}

}  // namespace

std::string new_session_token() {
  start_sodium();
  std::array<unsigned char, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  return hex(bytes);
}

std::string token_hash(std::string_view token) {
  start_sodium();
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(token.data()),
                     token.size());
  return hex(digest);
}

}  // namespace phil::service::detail
