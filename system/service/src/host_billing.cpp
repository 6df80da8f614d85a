#include "host_billing.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>

#include <phil/domain/supervision.hpp>

namespace phil::service::detail {

namespace {

/// True if the system, not an operator, opened the meter's relay: its latest host-billing
/// event is a trip.
bool tripped_by_host(const store::Queries& queries, const domain::MeterId& id) {
  const auto events = queries.events(id);
  std::vector<std::string_view> kinds;
  kinds.reserve(events.size());
  for (const auto& e : events)
    kinds.emplace_back(e.kind);
  return domain::tripped_by_host(kinds);
}

/// The newest mode commands of a meter, enough to find an open one and the last confirmed one.
constexpr int kRecentCommands = 16;

bool mode_command_open(const std::vector<store::CommandRecord>& newest_first) {
  return std::any_of(newest_first.begin(), newest_first.end(), [](const auto& c) {
    return c.kind == domain::CommandKind::kMode && !domain::is_terminal(c.state);
  });
}

/// True if the keep_power the meter is in was set by an operator (保电): its last confirmed mode
/// command is a keep_power not queued by the system. A keep_power of unknown origin (no command
/// found: the device's own setting, or a command older than the record of who asked) counts as
/// an operator's: the system never trips a meter someone may have kept on deliberately.
bool kept_by_operator(const std::vector<store::CommandRecord>& newest_first) {
  for (const auto& c : newest_first) {
    if (c.kind != domain::CommandKind::kMode || c.state != domain::CommandState::kConfirmed) {
      continue;
    }
    const auto* mode = std::get_if<domain::ModePayload>(&c.params);
    return !(mode && mode->relay == domain::RelayCommand::kKeepPower &&
             c.operator_id == std::string(store::kSystemOperator));
  }
  return true;
}

}  // namespace

void host_billing(BusContext& ctx, const BoxRuntime& box, TimePoint now,
                  const std::optional<domain::MeterId>& only) {
  if (box.driver->energy_only()) return;  // an energy meter is never billed nor switched
  auto& queries = ctx.queries();
  auto& outbox = ctx.outbox();
  std::set<domain::MeterId> decided;  // the meters of the accounts already decided in this call
  for (const auto& read_id : box.meters) {
    if (only && read_id != *only) continue;
    if (decided.contains(read_id)) continue;
    const auto read = queries.meter(read_id);
    // The database's mode (the site model's, or what the site file declared at start-up).
    if (!read || read->billing_mode != domain::BillingMode::kHostSide) continue;
    if (!read->account || !read->read_at) continue;
    const auto& account = *read->account;
    const auto balance = queries.account_balance_fen(account);
    if (!balance) continue;
    // A closing account's relays are the closing's: it forced them off for good.
    if (const auto c = queries.account_closing(account); c && !c->finished_at) continue;
    // The account's meters trip and close together: the meter read now decides for all of them
    // (each by its own last known mode), wherever they are.
    const auto acc = queries.account(account);
    for (const auto& id : acc ? acc->meters : std::vector<domain::MeterId>{read_id}) {
      decided.insert(id);
      const auto m = id == read_id ? read : queries.meter(id);
      if (!m || !m->read_at || m->billing_mode != domain::BillingMode::kHostSide) continue;
      std::optional<std::vector<store::CommandRecord>> recent;  // looked up only if needed
      const auto commands = [&]() -> const std::vector<store::CommandRecord>& {
        if (!recent) recent = queries.meter_commands(id, kRecentCommands);
        return *recent;
      };
      const auto action = domain::decide_host_relay(
          *balance, m->last.mode, [&] { return tripped_by_host(queries, id); },
          [&] { return kept_by_operator(commands()); });
      if (!action || mode_command_open(commands())) continue;
      const auto kind = std::string(domain::to_string(*action));
      auto r = outbox.enqueue_command(
          {id, domain::CommandPayload{domain::ModePayload{domain::relay_command(*action)}},
           std::string(store::kSystemOperator), now});
      if (!r) {
        spdlog::error("{}: host-side {} not queued: {}", id.to_string(), kind, r.error().message);
        continue;
      }
      ctx.sink().add_event(id, kind,
                           "account " + account + " balance " + std::to_string(*balance) +
                               " fen; command " + std::to_string(r.value()) + " queued",
                           now);
      spdlog::info("{}: host-side billing queued {} (account {} balance {} fen)", id.to_string(),
                   kind, account, *balance);
    }
  }
}

}  // namespace phil::service::detail
