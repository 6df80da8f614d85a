#pragma once
// The operators role (issue 13 item 1): who may log in, with which role, and their login state.
// Operators are disabled, never deleted (the table refuses a delete). Every change and every
// login attempt writes one audit row in the same transaction.
#include <optional>
#include <string>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/domain/operators.hpp>
#include <phil/domain/permissions.hpp>
#include <phil/domain/result.hpp>
#include <phil/domain/sessions.hpp>

namespace phil::store {

struct OperatorRecord {
  std::string id;    ///< what they log in with
  std::string name;  ///< display name
  domain::Role role = domain::Role::kAuditor;
  /// The password's hash in libsodium's crypto_pwhash_str form (argon2id, its salt and cost
  /// inside); never the password.
  std::string password_hash;
  int failures = 0;                       ///< failed logins in a row
  std::optional<TimePoint> locked_until;  ///< the last lock (ended if in the past)
  std::optional<TimePoint> disabled_at;
  TimePoint created_at{};
  std::string created_by;
};

/// A login's session (issue 13 item 3): the database keeps only the SHA-256 of its token.
struct SessionRecord {
  std::string token_hash;  ///< hex SHA-256 of the token the operator holds
  std::string operator_id;
  domain::SessionTimes times;  ///< created, last used, revoked
  TimePoint expires_at{};      ///< domain::session_expires_at(created)
};

class Operators {
 public:
  virtual ~Operators() = default;

  /// Adds an operator (failures 0, not locked) with an "operator_add" audit row by `by`.
  /// Refused (nothing written): the id exists (disabled or not: ids are never reused).
  virtual domain::Result<void> add_operator(const OperatorRecord& op, const std::string& by,
                                            TimePoint at) = 0;
  virtual std::optional<OperatorRecord> operator_record(const std::string& id) const = 0;
  /// Every operator, by id.
  virtual std::vector<OperatorRecord> operators() const = 0;
  /// A new password hash; the failures and any lock are cleared, their sessions revoked.
  /// "operator_passwd" audit row.
  /// Refused: an unknown or disabled operator.
  virtual domain::Result<void> set_password_hash(const std::string& id, const std::string& hash,
                                                 const std::string& by, TimePoint at) = 0;
  /// Disables an operator for good ("operator_disable") and revokes their sessions. Refused:
  /// unknown, already disabled, the last enabled admin.
  virtual domain::Result<void> disable_operator(const std::string& id, const std::string& by,
                                                TimePoint at) = 0;
  /// Stores one login attempt's decision (failures, lock) on a known operator and writes its
  /// audit row ("login", by the id typed, with the outcome; a lock also "operator_locked").
  /// An unknown id writes only the audit row (outcome unknown_operator).
  virtual void record_login(const std::string& id, const std::optional<domain::LoginDecision>& d,
                            TimePoint at) = 0;
  /// A new role ("operator_role" audit row, from and to); their sessions are revoked. Refused:
  /// unknown or disabled operator, the same role, the last enabled admin losing admin.
  virtual domain::Result<void> set_role(const std::string& id, domain::Role role,
                                        const std::string& by, TimePoint at) = 0;

  // ---- sessions ----
  /// Stores a new session (its login wrote the audit row).
  virtual void add_session(const SessionRecord& s) = 0;
  virtual std::optional<SessionRecord> session(const std::string& token_hash) const = 0;
  /// A use of a valid session: last_used_at = at.
  virtual void touch_session(const std::string& token_hash, TimePoint at) = 0;
  /// Logout: revokes the session ("logout" audit row by its operator). Nothing for an unknown or
  /// revoked one.
  virtual void end_session(const std::string& token_hash, TimePoint at) = 0;
  /// A session refused (expired, idle, revoked): its audit row ("session_refused", why).
  virtual void record_session_refused(const SessionRecord& s, domain::SessionState why,
                                      TimePoint at) = 0;
};

}  // namespace phil::store
