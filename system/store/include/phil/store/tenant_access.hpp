#pragma once
// Tenants' own access (issue 15 item 4): the password a tenant logs in with to see their account
// (set at the counter when the account opens, or reset by the office), and their sessions. Kept
// apart from operators: a tenant has no role and sees only the account of their session.
#include <optional>
#include <string>

#include <phil/common/time.hpp>
#include <phil/domain/operators.hpp>
#include <phil/domain/result.hpp>
#include <phil/domain/sessions.hpp>

namespace phil::store {

struct TenantCredential {
  std::string account;
  std::string password_hash;  ///< argon2id (crypto_pwhash_str form), never the password
  int failures = 0;           ///< failed logins in a row
  std::optional<TimePoint> locked_until;
  TimePoint set_at{};
  std::string set_by;  ///< the operator who set it
};

/// A tenant's session: the database keeps only the SHA-256 of its token.
struct TenantSessionRecord {
  std::string token_hash;
  std::string account;
  domain::SessionTimes times;
  TimePoint expires_at{};  ///< domain::session_expires_at(created)
};

class TenantAccess {
 public:
  virtual ~TenantAccess() = default;

  /// Sets (or replaces) the account's tenant password with a "tenant_passwd" audit row by `by`;
  /// failures and any lock cleared, the tenant's sessions revoked. Refused (nothing written):
  /// an unknown or closed account.
  virtual domain::Result<void> set_tenant_password(const std::string& account,
                                                   const std::string& hash, const std::string& by,
                                                   TimePoint at) = 0;
  /// The account's credential; nullopt if no password was ever set.
  virtual std::optional<TenantCredential> tenant_credential(const std::string& account) const = 0;
  /// One login attempt's decision (failures, lock) and its audit row ("tenant_login", by
  /// "tenant:<account>"); an account without a password writes only the row.
  virtual void record_tenant_login(const std::string& account,
                                   const std::optional<domain::LoginDecision>& d, TimePoint at) = 0;
  virtual void add_tenant_session(const TenantSessionRecord& s) = 0;
  virtual std::optional<TenantSessionRecord> tenant_session(
      const std::string& token_hash) const = 0;
  /// A use of a valid session: last_used_at = at.
  virtual void touch_tenant_session(const std::string& token_hash, TimePoint at) = 0;
  /// Logout: revokes it. Nothing for an unknown or revoked one.
  virtual void end_tenant_session(const std::string& token_hash, TimePoint at) = 0;
};

}  // namespace phil::store
