#pragma once
// Sessions (issue 13 item 3), the pure rule: whether a login's session may still be used at a
// given time. A session ends 8 hours after its login whatever happens (a shift), after 30
// minutes without use (a counter left alone), or when revoked (logout; the operator disabled,
// their password or role changed). Storing it is the store's Operators role; the token, the
// service's. Pure.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include <phil/domain/clock.hpp>

namespace phil::domain {

/// How long a session lasts after its login, used or not ...
inline constexpr std::chrono::hours kSessionLifetime{8};
/// ... and how long it may go unused.
inline constexpr std::chrono::minutes kSessionIdle{30};

/// What the store knows of a session.
struct SessionTimes {
  TimePoint created_at{};
  TimePoint last_used_at{};
  std::optional<TimePoint> revoked_at;
};

enum class SessionState : std::uint8_t {
  kValid,    ///< may be used (and its last use moves to now)
  kExpired,  ///< kSessionLifetime after its login
  kIdle,     ///< unused for kSessionIdle
  kRevoked,  ///< logged out, or revoked by a change of the operator
};

inline std::string_view to_string(SessionState s) {
  switch (s) {
    case SessionState::kValid:
      return "valid";
    case SessionState::kExpired:
      return "expired";
    case SessionState::kIdle:
      return "idle";
    case SessionState::kRevoked:
      return "revoked";
  }
  return "?";
}

/// The end of a session's life: its login plus kSessionLifetime.
inline TimePoint session_expires_at(TimePoint created_at) {
  return created_at + std::chrono::duration_cast<Millis>(kSessionLifetime);
}

/// When the session ends if it is not used again: the sooner of its expiry and its last use
/// plus kSessionIdle.
inline TimePoint session_ends_at(const SessionTimes& s) {
  return std::min(session_expires_at(s.created_at),
                  s.last_used_at + std::chrono::duration_cast<Millis>(kSessionIdle));
}

/// The state of session `s` at `now`. A revocation counts from its time on; expiry is checked
/// before idleness (an 8-hour-old session is expired, whatever its last use).
inline SessionState session_state(const SessionTimes& s, TimePoint now) {
  if (s.revoked_at && *s.revoked_at <= now) return SessionState::kRevoked;
  if (now >= session_expires_at(s.created_at)) return SessionState::kExpired;
  if (now >= s.last_used_at + std::chrono::duration_cast<Millis>(kSessionIdle)) {
    return SessionState::kIdle;
  }
  return SessionState::kValid;
}

}  // namespace phil::domain
