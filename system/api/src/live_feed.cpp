#include <charconv>
#include <utility>

#include <phil/api/live_feed.hpp>
#include <phil/service/operations.hpp>

namespace phil::api {

MeterKey meter_key(const domain::BoardRow& r) {
  return {r.status,       r.relay_closed,          r.mode, r.account, r.tenant,
          r.billing_mode, domain::board_actions(r)};
}

namespace {

/// What of an alarm makes a change worth an event once it is known.
auto alarm_key(const store::AlarmRecord& a) {
  return std::tie(a.cleared_at, a.acknowledged_at, a.acknowledged_by);
}

}  // namespace

std::vector<FeedEvent> feed_changes(const FeedLook& before, const FeedLook& after) {
  std::vector<FeedEvent> out;
  for (const auto& [id, row] : after.meters) {
    const auto it = before.meters.find(id);
    if (it == before.meters.end() || meter_key(it->second) != meter_key(row))
      out.push_back({0, row, {}});
  }
  for (const auto& [id, row] : before.meters) {
    if (!after.meters.contains(id)) out.push_back({0, id, {}});
  }
  for (const auto& [id, alarm] : after.alarms) {
    const auto it = before.alarms.find(id);
    if (it == before.alarms.end() || alarm_key(it->second) != alarm_key(alarm))
      out.push_back({0, alarm, {}});
  }
  return out;
}

LiveFeed::LiveFeed(service::Operations& ops, const domain::Clock& clock,
                   std::chrono::milliseconds interval, std::size_t keep)
    : ops_(ops),
      clock_(clock),
      interval_(interval),
      keep_(std::max<std::size_t>(keep, 1)),
      epoch_(std::to_string(
          std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch())
              .count())) {}

std::string LiveFeed::id_of(std::uint64_t seq) const {
  return epoch_ + "-" + std::to_string(seq);
}

domain::Result<void> LiveFeed::look(const service::Actor& actor) {
  const auto now = clock_.now();
  if (last_look_ && now - looked_at_ < interval_) return {};
  const auto board = ops_.status_board(actor, {});
  if (!board) return board.error();
  FeedLook look;
  for (const auto& building : board->buildings) {
    for (const auto& floor : building.floors) {
      for (const auto& box : floor.boxes) {
        for (const auto& m : box.meters)
          look.meters.emplace(m.meter, m);
      }
    }
  }
  // Every alarm active at some instant since the last look (a second earlier: the daemon's
  // clock and ours may differ by a little), so one raised and cleared in between is seen too.
  store::AlarmFilter f;
  if (last_look_) {
    f.from = looked_at_ - std::chrono::seconds(1);
  } else {
    f.active_only = true;
  }
  const auto alarms = ops_.alarms(actor, f);
  if (!alarms) return alarms.error();
  for (const auto& a : alarms->alarms)
    look.alarms.emplace(a.id, a);
  if (last_look_) {
    // An alarm cleared before this window is no longer listed and simply forgotten: it cannot
    // change any more. One still in it compares with what was seen.
    for (auto& e : feed_changes(*last_look_, look)) {
      e.seq = next_seq_++;
      e.as_of = now;
      e.utc_offset = board->utc_offset;
      events_.push_back(std::move(e));
    }
    while (events_.size() > keep_)
      events_.pop_front();
  }
  last_look_ = std::move(look);
  looked_at_ = now;
  return {};
}

LiveFeed::Batch LiveFeed::collect(std::uint64_t after) const {
  Batch b;
  b.last = next_seq_ - 1;
  const std::uint64_t oldest = events_.empty() ? next_seq_ : events_.front().seq;
  // after + 1 == oldest: nothing was dropped in between.
  if (after > b.last || after + 1 < oldest) {
    b.reset = true;
    return b;
  }
  for (const auto& e : events_) {
    if (e.seq > after) b.events.push_back(e);
  }
  return b;
}

domain::Result<LiveFeed::Batch> LiveFeed::since(const service::Actor& actor,
                                                std::optional<std::string_view> after) {
  const std::lock_guard lock(mutex_);
  if (auto r = look(actor); !r) return r.error();
  if (!after) {
    Batch b;
    b.last = next_seq_ - 1;
    return b;
  }
  // "EPOCH-SEQ" of this feed, else a reset.
  const auto dash = after->rfind('-');
  std::uint64_t seq = 0;
  if (dash != std::string_view::npos && after->substr(0, dash) == epoch_) {
    const auto digits = after->substr(dash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
    if (ec == std::errc() && end == digits.data() + digits.size() && !digits.empty())
      return collect(seq);
  }
  Batch b;
  b.reset = true;
  b.last = next_seq_ - 1;
  return b;
}

domain::Result<LiveFeed::Batch> LiveFeed::since(const service::Actor& actor, std::uint64_t after) {
  const std::lock_guard lock(mutex_);
  if (auto r = look(actor); !r) return r.error();
  return collect(after);
}

}  // namespace phil::api
