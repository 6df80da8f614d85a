// Operations: the system log (issue 13 item 4). The chain and its verification are the store's
// (phil/store/system_log.hpp); this is the front door to them, and the rows for refusals.
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <phil/service/operations.hpp>

namespace phil::service {

void Operations::record_denial(const Actor& actor, Action action) const {
  const nlohmann::json details{
      {"action", domain::to_string(action)},
      {"role", domain::to_string(actor.role.value_or(domain::Role::kAuditor))}};
  try {
    store_.record(
        {actor.id, "denied", std::string(domain::to_string(action)), "denied", details.dump()},
        clock_.now());
  } catch (const store::StoreError& e) {
    // A view opens the database read-only; the refusal stands, the row cannot be written.
    spdlog::debug("refusal of {} to {} not logged: {}", domain::to_string(action), actor.id,
                  e.what());
  }
}

domain::Result<std::vector<store::LogRow>> Operations::log(const Actor& actor,
                                                           const store::LogFilter& filter) const {
  for (const auto* text : {&filter.operator_id, &filter.action, &filter.target}) {
    if (*text) {
      if (auto bad = check_text("log filter", **text, TextLimits::kId)) return *bad;
    }
  }
  auto g = begin(actor, Action::kReadLog);
  if (!g) return g.error();
  return store_.log(filter);
}

domain::Result<store::LogCheck> Operations::verify_log(
    const Actor& actor, const std::optional<store::ChainHead>& kept) const {
  auto g = begin(actor, Action::kReadLog);
  if (!g) return g.error();
  return store_.verify_log(kept);
}

domain::Result<store::ChainHead> Operations::log_head(const Actor& actor) const {
  // The daily report prints it: a reader of reports may see it as well as an auditor.
  const bool reports = actor.role && domain::permits(*actor.role, Action::kReport);
  auto g = begin(actor, reports ? Action::kReport : Action::kReadLog);
  if (!g) return g.error();
  return store_.log_head();
}

}  // namespace phil::service
