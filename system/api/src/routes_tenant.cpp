// The tenant page's routes (issue 15 item 4): a tenant logs in with their account id and
// password and sees their own account only: no account id is ever taken from the request.
#include <phil/common/decimal.hpp>
#include <phil/common/text.hpp>
#include <phil/common/time.hpp>
#include <phil/domain/tariff.hpp>
#include <phil/views/json_views.hpp>

#include "route_table.hpp"

namespace phil::api::detail {

namespace {

using nlohmann::json;

Response login(Call& call) {
  if (auto limited = login_limited(call)) return *limited;
  auto s = call.ops.start_tenant_session(*call.text("account"), *call.text("password"));
  if (!s) {
    return s.error().kind == domain::ErrorKind::kInvalid
               ? refused(s.error())
               : error_response("login_failed", s.error().message);
  }
  return ok({{"token", s.value().token},
             {"account", s.value().session.account},
             {"expires_at", format_timestamp(s.value().session.expires_at, {})}});
}

Response logout(Call& call) {
  call.ops.end_tenant_session(call.token);
  return ok();
}

/// The account's status as the tenant page colours it: the worst of its meters' (the seed's
/// colours: normal green, alarm 1 yellow, alarm 2 orange, arrears red, offline grey).
std::string overall_status(const std::vector<store::MeterRecord>& meters) {
  static constexpr domain::MeterStatus kWorstFirst[] = {
      domain::MeterStatus::kArrears, domain::MeterStatus::kAlarm2, domain::MeterStatus::kAlarm1,
      domain::MeterStatus::kOffline, domain::MeterStatus::kNormal};
  for (const auto s : kWorstFirst) {
    for (const auto& m : meters) {
      if (m.status == s) return std::string(domain::to_string(s));
    }
  }
  return std::string(domain::to_string(domain::MeterStatus::kNotOpened));
}

Response account(Call& call) {
  const auto v = call.ops.tenant_view(*call.tenant);
  if (!v) return refused(v.error());
  const auto& a = v.value().account;
  json meters = json::array();
  for (const auto& m : v.value().meters) {
    const bool read = m.read_at.has_value();
    meters.push_back(
        {{"meter", m.id.to_string()},
         {"status", domain::to_string(m.status)},
         {"relay", read ? json(m.last.relay_closed ? "closed" : "open") : json()},
         {"balance", read ? json(views::yuan(m.last.balance_fen)) : json()},
         {"energy_kwh", read ? json(format_decimal(m.last.energy_wh, 3)) : json()},
         {"read_at", read ? json(format_timestamp(*m.read_at, v.value().utc_offset)) : json()}});
  }
  return ok({{"account", a.id},
             {"tenant", a.tenant},
             {"room", views::opt(a.room)},
             {"balance", views::yuan(a.balance_fen)},
             {"status", overall_status(v.value().meters)},
             {"meters", std::move(meters)},
             {"as_of", format_timestamp(v.value().as_of, v.value().utc_offset)}});
}

Response usage(Call& call) {
  const auto days = int_param(call, "days", 30, 1, 366);
  if (!days) return days.error();
  const auto st = call.ops.tenant_statement(*call.tenant, static_cast<int>(*days));
  if (!st) return refused(st.error());
  const auto& s = st.value();
  json use = json::array();
  for (const auto& r : s.use.rows) {
    use.push_back({{"day", r.period},
                   {"energy_kwh", format_decimal(r.energy_wh, 3)},
                   {"charge", views::yuan(r.charge_fen)}});
  }
  json moves = json::array();
  for (auto it = s.entries.rbegin(); it != s.entries.rend(); ++it) {
    moves.push_back({{"kind", domain::to_string(it->kind)},
                     {"amount", views::yuan(it->amount_fen)},
                     {"balance_after", views::yuan(it->balance_after_fen)},
                     {"at", format_timestamp(it->at, s.head.utc_offset)}});
  }
  return ok({{"days", *days},
             {"from", format_timestamp(s.head.from, s.head.utc_offset)},
             {"to", format_timestamp(s.head.to, s.head.utc_offset)},
             {"opening", views::yuan(s.opening_fen)},
             {"closing", views::yuan(s.closing_fen)},
             {"total_kwh", format_decimal(s.use.totals.energy_wh, 3)},
             {"use", std::move(use)},
             {"moves", std::move(moves)}});
}

Response tariff(Call& call) {
  const auto t = call.ops.tenant_tariff(*call.tenant);
  if (!t) return refused(t.error());
  if (!t.value()) return ok({{"tariff", json()}});
  const auto& tf = t.value()->tariff;
  json periods = json::array();
  for (const auto& p : tf.periods)
    periods.push_back(
        {{"from", views::hh_mm(p.start_minute)}, {"rate", domain::to_string(p.rate)}});
  json tiers = json::array();
  for (const auto& s : tf.tiers) {
    tiers.push_back({{"from_kwh", format_decimal(s.from_wh, 3)},
                     {"surcharge", format_decimal(s.surcharge, 4)}});
  }
  return ok({{"tariff",
              {{"name", t.value()->name},
               {"rates",
                {{"sharp", format_decimal(tf.rates[0], 4)},
                 {"peak", format_decimal(tf.rates[1], 4)},
                 {"flat", format_decimal(tf.rates[2], 4)},
                 {"valley", format_decimal(tf.rates[3], 4)}}},
               {"periods", std::move(periods)},
               {"tiers", std::move(tiers)}}}});
}

Response set_password(Call& call) {
  const auto r =
      call.ops.set_tenant_password(call.actor, call.path_param("account"), *call.text("password"));
  if (!r) return refused(r.error());
  return ok({{"account", call.path_param("account")}});
}

}  // namespace

std::vector<Route> tenant_routes() {
  RouteInfo login_info{"POST",
                       "/api/tenant/session",
                       std::nullopt,
                       false,
                       "A tenant's login with their account id and password (rate-limited)",
                       {},
                       {{"account", "string", true, "the account id"},
                        {"password", "string", true, "set at the counter"}}};
  RouteInfo logout_info{
      "DELETE", "/api/tenant/session", std::nullopt, true, "A tenant's logout", {}, {}};
  logout_info.tenant = true;
  RouteInfo account_info{"GET",
                         "/api/tenant/account",
                         std::nullopt,
                         true,
                         "The tenant's own account: balance, status, each meter's relay",
                         {},
                         {}};
  account_info.tenant = true;
  RouteInfo usage_info{"GET",
                       "/api/tenant/usage",
                       std::nullopt,
                       true,
                       "The tenant's use per day over the last days (default 30), purchases and "
                       "refunds",
                       {"days"},
                       {}};
  usage_info.tenant = true;
  RouteInfo tariff_info{"GET",
                        "/api/tenant/tariff",
                        std::nullopt,
                        true,
                        "The tariff in force for the tenant's meter",
                        {},
                        {}};
  tariff_info.tenant = true;
  return {
      {login_info, login},
      {logout_info, logout},
      {account_info, account},
      {usage_info, usage},
      {tariff_info, tariff},
      {{"POST",
        "/api/accounts/{account}/tenant-password",
        domain::Action::kOpenAccount,
        true,
        "Set or reset the tenant's password for the tenant page (the counter)",
        {},
        {{"password", "string", true, "at least 10 characters"}}},
       set_password},
  };
}

}  // namespace phil::api::detail
