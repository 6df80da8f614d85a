// Operations: batch commands (issue 14 item 2). The meters come from the status board's filter
// or a list; each gets the counter's checks of a single command (check_command) and, once sent,
// its own outbox command (store::CommandBatches).
#include <map>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include <phil/domain/command_batch.hpp>
#include <phil/service/operations.hpp>

namespace phil::service {

namespace {

domain::Error invalid(std::string message) {
  return domain::Error{domain::ErrorKind::kInvalid, std::move(message)};
}

std::optional<domain::Error> check_kind(const domain::CommandPayload& payload) {
  const auto kind = domain::kind_of(payload);
  if (domain::batchable(kind)) return std::nullopt;
  return invalid(std::string(domain::to_string(kind)) +
                 " cannot be sent as a batch; a batch sends trip, close, keep-power, "
                 "restore-prepaid, thresholds or price, one meter at a time for the others");
}

}  // namespace

domain::Result<BatchPlan> Operations::plan_batch(const Actor& actor,
                                                 const BatchSelection& selection,
                                                 const domain::CommandPayload& payload) const {
  if (selection.filter) {
    if (auto e = check_filter(*selection.filter)) return *e;
  }
  if (auto e = check_kind(payload)) return *e;
  if (auto bad = domain::check_payload(payload)) return invalid(*bad);
  auto g = begin(actor, Action::kCommand);
  if (!g) return g.error();
  auto board = board_rows();
  BatchPlan plan;
  if (selection.filter) {
    for (auto& row : board) {
      if (domain::matches(row, *selection.filter)) plan.rows.push_back({std::move(row), ""});
    }
  } else {
    if (auto problem = domain::check_batch_members(selection.meters)) return invalid(*problem);
    std::map<domain::MeterId, domain::BoardRow*> by_id;
    for (auto& row : board)
      by_id.emplace(row.meter, &row);
    for (const auto& m : selection.meters) {
      const auto it = by_id.find(m);
      if (it == by_id.end()) {
        return domain::Error{
            domain::ErrorKind::kNotFound,
            "meter " + m.to_string() +
                " is not at this site; check the list against `prepaidctl status`"};
      }
      plan.rows.push_back({*it->second, ""});
    }
  }
  std::vector<domain::MeterId> ids;
  ids.reserve(plan.rows.size());
  for (const auto& r : plan.rows)
    ids.push_back(r.row.meter);
  if (auto problem = domain::check_batch_members(ids)) return invalid(*problem);
  for (auto& r : plan.rows) {
    if (auto bad = check_command(r.row.meter, payload)) {
      r.refusal = bad->message;
      ++plan.refused;
    }
  }
  plan.as_of = clock_.now();
  plan.utc_offset = utc_offset();
  return plan;
}

domain::Result<store::BatchOutcome> Operations::command_batch(
    const Actor& actor, const std::vector<domain::MeterId>& meters,
    const domain::CommandPayload& payload, const std::string& selection) {
  if (auto bad = check_text("batch selection", selection, TextLimits::kSelection)) return *bad;
  if (auto e = check_kind(payload)) return *e;
  if (auto bad = domain::check_payload(payload)) return invalid(*bad);
  if (auto problem = domain::check_batch_members(meters)) return invalid(*problem);
  auto g = begin(actor, Action::kCommand);
  if (!g) return g.error();
  store::BatchRequest req{payload, {}, selection, actor.id, clock_.now()};
  req.members.reserve(meters.size());
  for (const auto& m : meters) {
    const auto bad = check_command(m, payload);
    req.members.push_back({m, bad ? bad->message : ""});
  }
  auto r = store_.enqueue_batch(req);
  if (r) {
    spdlog::info("batch {} of {} ({}): {} queued, {} refused, by {} ({})", r.value().batch,
                 domain::to_string(domain::kind_of(payload)), domain::encode_payload(payload),
                 r.value().queued, r.value().refused, actor.id, selection);
  }
  return r;
}

domain::Result<BatchView> Operations::command_batch_status(const Actor& actor,
                                                           std::int64_t id) const {
  auto g = begin(actor, Action::kQuery);
  if (!g) return g.error();
  auto b = store_.command_batch(id);
  if (!b) {
    return domain::Error{domain::ErrorKind::kNotFound,
                         "no batch " + std::to_string(id) +
                             "; `prepaidctl command status` lists the recent batches"};
  }
  BatchView v{{}, clock_.now(), utc_offset()};
  v.batches.push_back(std::move(*b));
  return v;
}

domain::Result<BatchView> Operations::command_batches(const Actor& actor, std::size_t limit) const {
  auto g = begin(actor, Action::kQuery);
  if (!g) return g.error();
  return BatchView{store_.command_batches(limit), clock_.now(), utc_offset()};
}

}  // namespace phil::service
