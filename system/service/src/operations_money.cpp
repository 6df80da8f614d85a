// Operations: accounts, money and tariffs. Each is one store transaction with its audit row.
#include <algorithm>
#include <span>

#include <spdlog/spdlog.h>

#include <phil/service/operations.hpp>

#include "password_hash.hpp"

namespace phil::service {

namespace {

/// How many of a meter's newest commands a reversal looks through for its sale's credit; an
/// older credit is not checked here (a meter that cannot take the debit cancels it on delivery,
/// with the reason and nothing moved).
constexpr int kCreditLookBack = 64;

}  // namespace

domain::Result<void> Operations::open_account(const Actor& actor, const OpenAccount& req) {
  auto g = begin(actor, Action::kOpenAccount);
  if (!g) return g.error();
  if (auto bad = check_text("account id", req.account, TextLimits::kId)) return *bad;
  if (auto bad = check_amount("first sale", req.first_sale_fen, max_amount_fen_)) return *bad;
  if (auto bad = check_billable("account open", req.meters)) return *bad;
  if (req.first_sale_fen > 0 && !req.meters.empty()) {
    if (auto bad = check_credit("first sale", req.meters.front(), req.first_sale_fen)) return *bad;
  }
  if (auto bad = check_text("tenant name", req.tenant, TextLimits::kName)) return *bad;
  if (auto bad = check_text("tenant phone", req.contact.phone, TextLimits::kPhone)) return *bad;
  if (req.contact.room) {
    if (auto bad = check_text("tenant room", *req.contact.room, TextLimits::kId)) return *bad;
  }
  if (!req.tenant_password.empty()) {
    if (auto bad = check_text("password", req.tenant_password, domain::kMaxPasswordBytes)) {
      return *bad;
    }
    if (auto why = domain::check_password(req.tenant_password, req.account)) {
      return domain::Error{domain::ErrorKind::kInvalid, *why};
    }
  }
  auto r = store_.open_account(
      {req.account, req.tenant, req.meters, req.first_sale_fen, actor.id, clock_.now()},
      req.contact);
  if (r) spdlog::info("account {} opened by {}", req.account, actor.id);
  // The tenant page's password: its own row, after the account exists (a failure here leaves
  // the account open without one; the office sets it with set_tenant_password).
  if (r && !req.tenant_password.empty()) {
    return store_.set_tenant_password(req.account, detail::hash_password(req.tenant_password),
                                      actor.id, clock_.now());
  }
  return r;
}

domain::Result<std::int64_t> Operations::sale(const Actor& actor, const std::string& account,
                                              std::int64_t amount_fen) {
  auto g = begin(actor, Action::kSale);
  if (!g) return g.error();
  if (auto bad = check_text("account id", account, TextLimits::kId)) return *bad;
  if (auto bad = check_amount("sale", amount_fen, max_amount_fen_)) return *bad;
  // A meter-side account's credit goes to its first meter (store::Ledger::sale); a host-side
  // account's money stays in the ledger, no register to overflow.
  if (const auto acc = store_.account(account); acc && !acc->meters.empty() && amount_fen > 0) {
    if (auto bad = check_billable("sale", acc->meters)) return *bad;
    const auto first = store_.meter(acc->meters.front());
    if (acc->meters.size() == 1 && first &&
        first->billing_mode == domain::BillingMode::kMeterSide) {
      if (auto bad = check_credit("sale", acc->meters.front(), amount_fen)) return *bad;
    }
  }
  auto r = store_.sale({account, amount_fen, actor.id, clock_.now()});
  if (r && r.value() != store::kNoCredit) {
    spdlog::info("sale of {} fen to {} by {}; credit {} queued", amount_fen, account, actor.id,
                 r.value());
  } else if (r) {
    spdlog::info("sale of {} fen to host-side {} by {}: held by the ledger", amount_fen, account,
                 actor.id);
  }
  return r;
}

domain::Result<store::MoneyBack> Operations::refund(const Actor& actor, const std::string& account,
                                                    std::int64_t amount_fen) {
  auto g = begin(actor, Action::kRefund);
  if (!g) return g.error();
  if (auto bad = check_text("account id", account, TextLimits::kId)) return *bad;
  if (auto bad = check_amount("refund", amount_fen, max_amount_fen_)) return *bad;
  if (amount_fen > 0) {
    if (auto bad = check_debit("refund", account, amount_fen)) return *bad;
  }
  auto r = store_.refund({account, amount_fen, actor.id, clock_.now()});
  if (r && r.value().command) {
    spdlog::info("refund of {} fen from {} by {}: debit {} queued", amount_fen, account, actor.id,
                 *r.value().command);
  }
  return r;
}

domain::Result<store::MoneyBack> Operations::reversal(const Actor& actor, std::int64_t sale_seq) {
  auto g = begin(actor, Action::kReversal);
  if (!g) return g.error();
  // A sale whose credit the meter confirmed is taken back by a debit: refused here if the
  // meter's profile cannot take one (the store refuses what else is wrong with the sale).
  if (const auto sale = store_.ledger_entry(sale_seq);
      sale && sale->kind == domain::EntryKind::kSale && sale->meter) {
    const auto recent = store_.meter_commands(*sale->meter, kCreditLookBack);
    const bool on_meter = std::any_of(recent.begin(), recent.end(), [&](const auto& c) {
      return c.kind == domain::CommandKind::kCredit && c.ledger_seq == sale_seq &&
             c.state == domain::CommandState::kConfirmed;
    });
    if (on_meter) {
      if (auto bad = check_debit("reversal", sale->account, sale->amount_fen)) return *bad;
    }
  }
  return store_.reversal({sale_seq, actor.id, clock_.now()});
}

domain::Result<store::CloseAccountResult> Operations::close_account(const Actor& actor,
                                                                    const std::string& account) {
  auto g = begin(actor, Action::kCloseAccount);
  if (!g) return g.error();
  if (auto bad = check_text("account id", account, TextLimits::kId)) return *bad;
  return store_.close_account({account, actor.id, clock_.now()});
}

domain::Result<void> Operations::add_tariff(const Actor& actor, const AddTariff& req) {
  auto g = begin(actor, Action::kAddTariff);
  if (!g) return g.error();
  if (auto bad = check_text("tariff name", req.name, TextLimits::kTariffName)) return *bad;
  return store_.add_tariff({req.name, req.version, req.utc_offset, actor.id, clock_.now()});
}

domain::Result<void> Operations::assign_tariff(const Actor& actor, const AssignTariff& req) {
  auto g = begin(actor, Action::kAssignTariff);
  if (!g) return g.error();
  if (auto bad = check_text("tariff name", req.name, TextLimits::kTariffName)) return *bad;
  if (req.meter) {
    if (auto bad = check_billable("tariff assignment", std::span(&*req.meter, 1))) return *bad;
  }
  return store_.assign_tariff({req.name, req.meter, actor.id, clock_.now(), req.from});
}

}  // namespace phil::service
