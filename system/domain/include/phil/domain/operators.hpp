#pragma once
// Operators (issue 13 item 1), the pure rules: what a password must be, and what a login
// attempt decides from the operator's state (disabled, locked, failures so far). Hashing is an
// adapter's (service: argon2id through libsodium); storing, the store's Operators role. Pure.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <phil/domain/clock.hpp>
#include <phil/domain/permissions.hpp>

namespace phil::domain {

/// Shortest password, in characters (UTF-8 code points); OWASP's minimum without MFA is 8.
inline constexpr std::size_t kMinPasswordChars = 10;
/// Longest password, in bytes (beyond it a password is a paste accident, and hashing it costs).
inline constexpr std::size_t kMaxPasswordBytes = 128;
/// Failed logins in a row that lock an operator out ...
inline constexpr int kMaxLoginFailures = 5;
/// ... for this long; the lock ends by itself (an admin may also reset the password).
inline constexpr std::chrono::minutes kLockFor{15};

/// Why `password` is not acceptable for operator `id`, or nullopt (the caller has checked it is
/// valid UTF-8 without control characters: Operations::check_text). Shorter
/// than kMinPasswordChars characters, longer than kMaxPasswordBytes bytes, one character
/// repeated, or containing the operator's id.
std::optional<std::string> check_password(std::string_view password, std::string_view id);

/// What the store knows of an operator when they try to log in.
struct LoginState {
  bool disabled = false;
  int failures = 0;                       ///< failed attempts in a row
  std::optional<TimePoint> locked_until;  ///< a lock, ended or not
};

enum class LoginOutcome : std::uint8_t {
  kOk,           ///< logged in: failures back to 0
  kBadPassword,  ///< refused: one failure more
  kLockedNow,    ///< refused, and this failure locks the operator until `locked_until`
  kLocked,       ///< refused without checking the password: locked until `locked_until`
  kDisabled,     ///< refused: the operator is disabled
};
std::string_view to_string(LoginOutcome o);

struct LoginDecision {
  LoginOutcome outcome = LoginOutcome::kBadPassword;
  int failures = 0;                       ///< to store
  std::optional<TimePoint> locked_until;  ///< to store (kept after the lock ends, for the log)
};

/// The decision of one attempt at `now`; `password_ok` is only asked (the hash only verified)
/// when the operator may log in at all, so a locked or disabled one costs no hashing.
template <typename CheckPassword>
LoginDecision decide_login(const LoginState& s, TimePoint now, CheckPassword password_ok) {
  if (s.disabled) return {LoginOutcome::kDisabled, s.failures, s.locked_until};
  if (s.locked_until && now < *s.locked_until) {
    return {LoginOutcome::kLocked, s.failures, s.locked_until};
  }
  if (password_ok()) return {LoginOutcome::kOk, 0, s.locked_until};
  const int failures = s.failures + 1;
  if (failures >= kMaxLoginFailures) {
    return {LoginOutcome::kLockedNow, 0, now + std::chrono::duration_cast<Millis>(kLockFor)};
  }
  return {LoginOutcome::kBadPassword, failures, s.locked_until};
}

}  // namespace phil::domain
