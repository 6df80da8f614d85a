#include "host_billing.hpp"

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

}  // namespace

void host_billing(BusContext& ctx, const BoxRuntime& box, TimePoint now,
                  const std::optional<domain::MeterId>& only) {
  auto& queries = ctx.queries();
  auto& outbox = ctx.outbox();
  std::optional<std::set<domain::MeterId>> open_mode;  // read once, only when an action is due
  for (const auto& id : box.meters) {
    if (only && id != *only) continue;
    const auto m = queries.meter(id);
    // The database's mode (the site model's, or what the site file declared at start-up).
    if (!m || m->billing_mode != domain::BillingMode::kHostSide) continue;
    if (!m->account || !m->read_at) continue;
    const auto balance = queries.account_balance_fen(*m->account);
    if (!balance) continue;
    const auto action = domain::decide_host_relay(*balance, m->last.mode,
                                                  [&] { return tripped_by_host(queries, id); });
    if (!action) continue;
    // A closing account's relays are the closing's: it forced them off for good.
    if (const auto c = queries.account_closing(*m->account); c && !c->finished_at) continue;
    if (!open_mode) {
      open_mode.emplace();
      for (const auto& c : outbox.open_commands(ctx.bus.config.id)) {
        if (c.kind == domain::CommandKind::kMode) open_mode->insert(c.meter);
      }
    }
    if (open_mode->contains(id)) continue;
    const auto kind = std::string(domain::to_string(*action));
    auto r = outbox.enqueue_command(
        {id, domain::CommandPayload{domain::ModePayload{domain::relay_command(*action)}}, "system",
         now});
    if (!r) {
      spdlog::error("{}: host-side {} not queued: {}", id.to_string(), kind, r.error().message);
      continue;
    }
    ctx.sink().add_event(id, kind,
                         "account " + *m->account + " balance " + std::to_string(*balance) +
                             " fen; command " + std::to_string(r.value()) + " queued",
                         now);
    spdlog::info("{}: host-side billing queued {} (account {} balance {} fen)", id.to_string(),
                 kind, *m->account, *balance);
  }
}

}  // namespace phil::service::detail
