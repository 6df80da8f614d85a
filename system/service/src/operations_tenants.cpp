// Operations: tenants' own access (issue 15 item 4). A tenant logs in with their account id and
// the password the counter set; their views take the session, never an account id, so what they
// see is their own account. The login rules are the operators' (domain::decide_login).
#include <phil/common/text.hpp>
#include <phil/common/time.hpp>
#include <phil/domain/reports.hpp>
#include <phil/service/operations.hpp>

#include "password_hash.hpp"

namespace phil::service {

namespace {

domain::Error refused(std::string message) {
  return domain::Error{domain::ErrorKind::kRefused, std::move(message)};
}

}  // namespace

domain::Result<void> Operations::set_tenant_password(const Actor& actor, const std::string& account,
                                                     const std::string& password) {
  auto g = begin(actor, Action::kOpenAccount);
  if (!g) return g.error();
  if (auto bad = check_text("account id", account, TextLimits::kId)) return *bad;
  if (auto bad = check_text("password", password, domain::kMaxPasswordBytes)) return *bad;
  if (auto why = domain::check_password(password, account)) {
    return domain::Error{domain::ErrorKind::kInvalid, *why};
  }
  return store_.set_tenant_password(account, detail::hash_password(password), actor.id,
                                    clock_.now());
}

domain::Result<NewTenantSession> Operations::start_tenant_session(const std::string& account,
                                                                  const std::string& password) {
  if (auto bad = check_text("account id", account, TextLimits::kId)) return *bad;
  Guard lock(mutex_);
  const auto now = clock_.now();
  const auto c = store_.tenant_credential(account);
  const auto acc = store_.account(account);
  if (!c || !acc || acc->closed_at) {
    store_.record_tenant_login(account, std::nullopt, now);
    return refused(text::format(text::Id::kTenantLoginRefused, account));
  }
  const domain::LoginState state{false, c->failures, c->locked_until};
  const auto d = domain::decide_login(
      state, now, [&] { return detail::verify_password(c->password_hash, password); });
  store_.record_tenant_login(account, d, now);
  switch (d.outcome) {
    case domain::LoginOutcome::kOk:
      break;
    case domain::LoginOutcome::kLocked:
    case domain::LoginOutcome::kLockedNow:
      return refused(text::format(text::Id::kTenantLoginLocked, account,
                                  format_timestamp(d.locked_until.value_or(now), utc_offset()),
                                  domain::kMaxLoginFailures));
    case domain::LoginOutcome::kDisabled:
    case domain::LoginOutcome::kBadPassword:
      return refused(text::format(text::Id::kTenantLoginRefused, account));
  }
  NewTenantSession out;
  out.token = detail::new_session_token();
  store::TenantSessionRecord r;
  r.token_hash = detail::token_hash(out.token);
  r.account = account;
  r.times = {now, now, std::nullopt};
  r.expires_at = domain::session_expires_at(now);
  store_.add_tenant_session(r);
  out.session = {account, r.expires_at};
  return out;
}

domain::Result<TenantSession> Operations::resume_tenant_session(const std::string& token) {
  Guard lock(mutex_);
  const auto now = clock_.now();
  const auto hash = detail::token_hash(token);
  auto r = store_.tenant_session(hash);
  if (!r || domain::session_state(r->times, now) != domain::SessionState::kValid) {
    return refused(text::format(text::Id::kTenantSessionEnded));
  }
  const auto acc = store_.account(r->account);
  if (!acc || acc->closed_at) return refused(text::format(text::Id::kTenantSessionEnded));
  store_.touch_tenant_session(hash, now);
  return TenantSession{r->account, r->expires_at};
}

void Operations::end_tenant_session(const std::string& token) {
  Guard lock(mutex_);
  store_.end_tenant_session(detail::token_hash(token), clock_.now());
}

domain::Result<TenantView> Operations::tenant_view(const TenantSession& s) const {
  Guard lock(mutex_);
  auto acc = store_.account(s.account);
  if (!acc) return refused(text::format(text::Id::kTenantSessionEnded));
  TenantView v{std::move(*acc), {}, clock_.now(), utc_offset()};
  for (const auto& m : v.account.meters) {
    if (auto rec = store_.meter(m)) v.meters.push_back(std::move(*rec));
  }
  return v;
}

domain::Result<Statement> Operations::tenant_statement(const TenantSession& s, int days) const {
  if (days < 1 || days > 366) {
    return domain::Error{domain::ErrorKind::kInvalid,
                         "days " + std::to_string(days) + " is not 1..366"};
  }
  Guard lock(mutex_);
  const auto now = clock_.now();
  // From the start of the local day `days` - 1 days back, up to now.
  const auto offset = utc_offset();
  const auto today = domain::local_day(now, offset);
  const auto start = domain::day_start(today, offset).value_or(now);
  return statement_of(s.account, start - std::chrono::hours(24) * (days - 1), now);
}

domain::Result<std::optional<Operations::MeterTariff>> Operations::tenant_tariff(
    const TenantSession& s) const {
  Guard lock(mutex_);
  const auto acc = store_.account(s.account);
  if (!acc || acc->meters.empty()) return std::optional<MeterTariff>{};
  return tariff_of(acc->meters.front());
}

}  // namespace phil::service
