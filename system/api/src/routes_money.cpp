#include <charconv>
#include <limits>
// Accounts and money at the counter: prepaidctl account open/show/close, sale, refund, reversal.
#include <algorithm>

#include <phil/common/text.hpp>
#include <phil/common/time.hpp>
#include <phil/common/utf8.hpp>
#include <phil/views/json_views.hpp>

#include "route_table.hpp"

namespace phil::api::detail {

namespace {

using nlohmann::json;

Response account(Call& call) {
  const auto& id = call.path_param("account");
  const auto a = call.ops.account(call.actor, id);
  if (!a) return refused(a.error());
  auto j = views::account_json(a.value());
  auto& ms = j["meters"] = json::array();
  for (const auto& m : a.value().meters) {
    json mj{{"meter", m.to_string()}};
    const auto rec = call.ops.meter(call.actor, m);
    if (rec) {
      mj["status"] = domain::to_string(rec.value().status);
      mj["billing_mode"] = domain::to_string(rec.value().billing_mode);
      mj["balance"] =
          rec.value().read_at ? json(views::yuan(rec.value().last.balance_fen)) : json();
    }
    ms.push_back(std::move(mj));
  }
  const auto debits = call.ops.account_debits(call.actor, id);
  if (!debits) return refused(debits.error());
  auto& ds = j["debits"] = json::array();
  for (const auto& d : debits.value())
    ds.push_back(views::debit_json(d));
  const auto closing = call.ops.account_closing(call.actor, id);
  if (!closing) return refused(closing.error());
  if (closing.value()) j["closing"] = views::closing_json(*closing.value());
  return ok({{"account", std::move(j)}});
}

Response ledger(Call& call) {
  const auto entries = call.ops.ledger(call.actor, call.path_param("account"));
  if (!entries) return refused(entries.error());
  json items = json::array();
  // Newest first: a counter looks at the last moves.
  for (auto it = entries.value().rbegin(); it != entries.value().rend(); ++it)
    items.push_back(views::ledger_entry_json(*it));
  return page(call, std::move(items));
}

Response open_account(Call& call) {
  service::OpenAccount req;
  req.account = *call.text("account");
  req.tenant = call.text("tenant").value_or("");
  for (const auto& text : call.strings("meters")) {
    auto id = domain::MeterId::parse(text);
    if (!id) {
      return invalid(
          text::format(text::Id::kApiWrongType, "meters", "bus/box/circuit ids, e.g. bus1/4/1"));
    }
    req.meters.push_back(*id);
  }
  req.first_sale_fen = call.fen("first_sale").value_or(0);
  req.contact.phone = call.text("phone").value_or("");
  req.contact.room = call.text("room");
  req.tenant_password = call.text("tenant_password").value_or("");
  const auto r = call.ops.open_account(call.actor, req);
  if (!r) return refused(r.error());
  Response out = ok({{"account", req.account}});
  out.status = 201;
  return out;
}

Response sale(Call& call) {
  const auto fen = *call.fen("amount");
  const auto command = call.ops.sale(call.actor, call.path_param("account"), fen);
  if (!command) return refused(command.error());
  // The money is the tenant's from now; the credit reaches the meter through the outbox.
  json out{{"account", call.path_param("account")},
           {"amount", views::yuan(fen)},
           {"credit_command", command.value()},
           {"state", "pending"}};
  // The entry just written, for the receipt: the newest sale of this amount by this operator
  // (one operator's counter sells one sale at a time).
  if (const auto entries = call.ops.ledger(call.actor, call.path_param("account")); entries) {
    const auto& all = entries.value();
    const auto it = std::find_if(all.rbegin(), all.rend(), [&](const store::LedgerRecord& e) {
      return e.kind == domain::EntryKind::kSale && e.amount_fen == fen &&
             e.operator_id == call.actor.id;
    });
    if (it != all.rend()) {
      out["seq"] = it->seq;
      out["log_entry"] = it->log_entry ? json(*it->log_entry) : json();
      out["at"] = format_timestamp(it->at, {});
    }
  }
  return ok(out);
}

json money_back_json(const store::MoneyBack& back) {
  if (back.seq) {
    return {{"seq", *back.seq}, {"amount", views::yuan(back.amount_fen)}, {"state", "confirmed"}};
  }
  // Meter-side: the cash is handed over once the debit is confirmed (account's debits).
  return {{"debit_command", back.command.value_or(0)},
          {"amount", views::yuan(back.amount_fen)},
          {"state", "pending"}};
}

Response refund(Call& call) {
  const auto r = call.ops.refund(call.actor, call.path_param("account"), *call.fen("amount"));
  if (!r) return refused(r.error());
  return ok(money_back_json(r.value()));
}

Response reversal(Call& call) {
  const auto seq = id_param(call, "seq");
  if (!seq) return seq.error();
  const auto r = call.ops.reversal(call.actor, *seq);
  if (!r) return refused(r.error());
  return ok(money_back_json(r.value()));
}

Response close_account(Call& call) {
  const auto r = call.ops.close_account(call.actor, call.path_param("account"));
  if (!r) return refused(r.error());
  const auto& c = r.value();
  json meters = json::array();
  for (const auto& m : c.meters)
    meters.push_back(m.to_string());
  return ok({{"closed", c.closed},
             {"resumed", c.resumed},
             {"refunded", views::yuan(c.refunded_fen)},
             {"meters", std::move(meters)}});
}

}  // namespace

std::vector<Route> money_routes() {
  using domain::Action;
  const FieldInfo amount{"amount", "yuan", true, "yuan, at most 2 decimals, e.g. \"50.00\""};
  return {
      {{"GET",
        "/api/accounts/{account}",
        Action::kQuery,
        true,
        "An account: tenant, balance, meters, pending debits and closing",
        {},
        {}},
       account},
      {{"GET",
        "/api/accounts/{account}/ledger",
        Action::kQuery,
        true,
        "An account's ledger entries, newest first",
        {},
        {},
        true},
       ledger},
      {{"POST",
        "/api/accounts",
        Action::kOpenAccount,
        true,
        "Open an account on meters, with an optional first sale",
        {},
        {{"account", "string", true, "the account's id"},
         {"tenant", "string", false, "the tenant's name"},
         {"meters", "strings", true, "bus/box/circuit; the first receives the credits"},
         {"first_sale", "yuan", false, "a first sale"},
         {"phone", "string", false, "the tenant's mobile number (SMS notices)"},
         {"room", "string", false, "a room of the site model"},
         {"tenant_password", "string", false,
          "the tenant page's password (at least 10 characters)"}}},
       open_account},
      {{"POST",
        "/api/accounts/{account}/sales",
        Action::kSale,
        true,
        "Sell credit: a ledger entry and a credit command to the first meter",
        {},
        {amount}},
       sale},
      {{"POST",
        "/api/accounts/{account}/refunds",
        Action::kRefund,
        true,
        "Pay back part of the balance: at once, or pending on the meter's debit",
        {},
        {amount}},
       refund},
      {{"POST",
        "/api/accounts/{account}/close",
        Action::kCloseAccount,
        true,
        "Close an account (or resume a blocked closing)",
        {},
        {}},
       close_account},
      {{"POST",
        "/api/sales/{seq}/reversal",
        Action::kReversal,
        true,
        "Cancel a wrong sale by its ledger seq",
        {},
        {}},
       reversal},
  };
}

}  // namespace phil::api::detail
