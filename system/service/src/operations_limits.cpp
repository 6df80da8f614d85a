// Operations: what the meters' registers can take, checked at the counter before anything is
// written (issue 12, items 7 and 9): a credit that would not fit the first meter's
// purchase_amount or would push its balance past the balance register, a command the target's
// driver cannot encode, and a close that a meter at zero balance would never carry out.
#include <algorithm>
#include <limits>
#include <variant>

#include <phil/common/decimal.hpp>
#include <phil/common/text.hpp>
#include <phil/meterlink/adf300.hpp>
#include <phil/service/operations.hpp>

namespace phil::service {

namespace {

domain::Error invalid(std::string message) {
  return domain::Error{domain::ErrorKind::kInvalid, std::move(message)};
}

/// The sum of `meter`'s credits not yet confirmed or failed: money on its way to the meter.
std::int64_t open_credits_fen(const store::Store& store, const domain::MeterId& meter) {
  std::int64_t sum = 0;
  for (const auto& c : store.open_commands(meter.bus)) {
    if (c.kind == domain::CommandKind::kCredit && c.meter == meter) sum += c.amount_fen;
  }
  return sum;
}

}  // namespace

const meterlink::Adf300Driver* Operations::driver_of(const domain::MeterId& target) const {
  for (const auto& b : boxes_) {
    if (b.bus == target.bus && b.address == target.box) return b.driver.get();
  }
  return nullptr;
}

std::optional<domain::Error> Operations::check_credit(std::string_view what,
                                                      const domain::MeterId& meter,
                                                      std::int64_t amount_fen) const {
  const auto* driver = driver_of(meter);
  if (driver == nullptr) return std::nullopt;
  const auto yuan = [](std::int64_t fen) { return format_decimal(fen, 2); };
  if (auto ok = driver->check_command(domain::CreditPayload{amount_fen}, meter.circuit); !ok) {
    return invalid(text::format(text::Id::kCreditOverRegister, what, yuan(amount_fen),
                                meter.to_string(), ok.error().message));
  }
  const auto limits = driver->money_limits();
  const auto m = store_.meter(meter);
  const std::int64_t last = m && m->read_at ? m->last.balance_fen : 0;
  const std::int64_t pending = open_credits_fen(store_, meter);
  const std::int64_t after = last + pending + amount_fen;
  if (after <= limits.max_balance_fen) return std::nullopt;
  const std::int64_t room = std::max<std::int64_t>(0, limits.max_balance_fen - last - pending);
  return invalid(text::format(text::Id::kBalanceOverRegister, what, yuan(amount_fen),
                              meter.to_string(), yuan(after), yuan(last), yuan(pending),
                              yuan(limits.max_balance_fen), yuan(room)));
}

std::optional<domain::Error> Operations::check_debit(std::string_view what,
                                                     const std::string& account,
                                                     std::int64_t amount_fen) const {
  const auto acc = store_.account(account);
  if (!acc || acc->meters.empty()) return std::nullopt;  // the store's refusal
  const auto& first = acc->meters.front();
  const auto m = store_.meter(first);
  if (!m || m->billing_mode != domain::BillingMode::kMeterSide) return std::nullopt;
  const auto* driver = driver_of(first);
  if (driver == nullptr) return std::nullopt;
  const domain::DebitPayload debit{amount_fen, domain::DebitPurpose::kRefund, std::nullopt};
  if (auto ok = driver->check_command(debit, first.circuit); !ok) {
    return invalid(text::format(text::Id::kDebitNotPossible, what, format_decimal(amount_fen, 2),
                                first.to_string(), ok.error().message));
  }
  return std::nullopt;
}

std::int64_t Operations::credit_room_fen(const domain::MeterId& meter) const {
  const auto* driver = driver_of(meter);
  if (driver == nullptr) return std::numeric_limits<std::int64_t>::max();
  const auto limits = driver->money_limits();
  const auto m = store_.meter(meter);
  const std::int64_t last = m && m->read_at ? m->last.balance_fen : 0;
  return std::min(limits.max_credit_fen,
                  limits.max_balance_fen - last - open_credits_fen(store_, meter));
}

std::optional<std::string> Operations::energy_meter_model(const domain::MeterId& target) const {
  if (const auto* driver = driver_of(target)) {
    if (driver->energy_only()) return driver->model();
    return std::nullopt;
  }
  if (target.circuit == 0) return std::nullopt;  // a box: the store refuses it
  if (const auto m = store_.meter(target); m && m->metering_only) return m->model;
  return std::nullopt;
}

std::optional<domain::Error> Operations::check_billable(
    std::string_view what, std::span<const domain::MeterId> meters) const {
  for (const auto& meter : meters) {
    if (const auto model = energy_meter_model(meter)) {
      return invalid(
          text::format(text::Id::kEnergyMeterNotBilled, what, meter.to_string(), *model));
    }
  }
  return std::nullopt;
}

std::optional<domain::Error> Operations::check_command(
    const domain::MeterId& target, const domain::CommandPayload& payload) const {
  const auto kind = domain::kind_of(payload);
  const bool box_level = domain::is_box_level(kind);
  const auto name =
      box_level ? "box " + target.bus + "/" + std::to_string(target.box) : target.to_string();
  if (const auto model = energy_meter_model(target)) {
    return invalid(
        text::format(text::Id::kEnergyMeterNotCommanded, domain::to_string(kind), name, *model));
  }
  const auto* driver = driver_of(target);
  if (driver == nullptr) return std::nullopt;  // the store refuses a target not at the site
  if (box_level != (target.circuit == 0)) return std::nullopt;  // the store's refusal
  if (auto ok = driver->check_command(payload, target.circuit); !ok) {
    return invalid(text::format(text::Id::kCommandNotEncodable, domain::to_string(kind), name,
                                ok.error().message));
  }
  // A close puts the meter in prepaid mode, which keeps the relay open at zero balance: the
  // close could never be confirmed. Judged by the meter's last read balance (never read: not
  // known, not refused).
  const auto* mode = std::get_if<domain::ModePayload>(&payload);
  if (mode == nullptr || mode->relay != domain::RelayCommand::kClose) return std::nullopt;
  const auto m = store_.meter(target);
  if (!m || !m->read_at || m->last.balance_fen > 0) return std::nullopt;
  const auto balance = format_decimal(m->last.balance_fen, 2);
  if (const auto pending = open_credits_fen(store_, target); pending > 0) {
    return invalid(text::format(text::Id::kCloseAwaitingCredit, target.to_string(), balance,
                                format_decimal(pending, 2)));
  }
  return invalid(text::format(text::Id::kCloseAtZero, target.to_string(), balance));
}

}  // namespace phil::service
