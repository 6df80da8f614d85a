#pragma once
// The live feed (GET /api/events, issue 15): the status board's changes and the alarms' as
// server-sent events, for the console. One feed serves every subscriber: it looks at the board
// and the alarms at most once per interval, whoever asks, and keeps the last `keep` events so a
// client that reconnects with Last-Event-ID misses nothing it could still get.
//
// What counts as a change:
// - a meter: a new one, one gone, or a change of its status, relay, mode, account, tenant,
//   billing mode or the actions it asks for (not each new balance or reading time: the board
//   gives those when the console reloads it, and 10,000 meters read each cycle would flood it);
// - an alarm: raised, acknowledged or cleared, including one raised and cleared between two looks.
//
// Event ids are "EPOCH-SEQ": EPOCH names this feed (a restarted server makes a new one), SEQ
// counts from 1. An id of another feed, or older than the events kept, gets a reset: the client
// reloads the board and the alarms, and goes on from the id the reset gives.
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>
#include <vector>

#include <phil/domain/clock.hpp>
#include <phil/domain/result.hpp>
#include <phil/domain/status_board.hpp>
#include <phil/service/actor.hpp>
#include <phil/store/alarms.hpp>

namespace phil::service {
class Operations;
}

namespace phil::api {

/// What of a board row makes a change worth an event (see above).
using MeterKey = std::tuple<domain::MeterStatus, std::optional<bool>,
                            std::optional<domain::MeterMode>, std::optional<std::string>,
                            std::string, domain::BillingMode, std::vector<domain::BoardAction>>;
MeterKey meter_key(const domain::BoardRow& row);

/// One event: a meter's row, a meter gone from the board (its id), or an alarm as it is now.
struct FeedEvent {
  std::uint64_t seq = 0;
  std::variant<domain::BoardRow, domain::MeterId, store::AlarmRecord> what;
  TimePoint as_of{};                   ///< when the feed saw it (a row's ages are measured from it)
  std::chrono::minutes utc_offset{0};  ///< the site's, to show times in (StatusBoard's)
};

/// The board and alarm changes between two looks (pure: the feed's diff, tested on its own).
struct FeedLook {
  std::map<domain::MeterId, domain::BoardRow> meters;
  /// Alarms active at some instant since the previous look, by id.
  std::map<std::int64_t, store::AlarmRecord> alarms;
};
/// The events `after` makes of `before`, in order: meters (by id), meters gone, then alarms (by
/// id) that are new or whose acknowledgement or clearing changed. seq and as_of are left 0.
std::vector<FeedEvent> feed_changes(const FeedLook& before, const FeedLook& after);

class LiveFeed {
 public:
  /// Looks at most once per `interval` (by `clock`); keeps the last `keep` events (>= 1).
  LiveFeed(service::Operations& ops, const domain::Clock& clock, std::chrono::milliseconds interval,
           std::size_t keep = 10'000);

  struct Batch {
    bool reset = false;  ///< `after` was not one of this feed's kept ids
    std::vector<FeedEvent> events;
    std::uint64_t last = 0;  ///< the seq to ask after next time
  };
  /// The events after `after` ("EPOCH-SEQ", or nullopt for "from now"), looking first if the
  /// last look is older than the interval. `actor` must be allowed kQuery: its refusal
  /// otherwise (and an I/O failure of the store as Operations reports it).
  domain::Result<Batch> since(const service::Actor& actor, std::optional<std::string_view> after);
  /// As since(), after a seq of this feed (a stream's own cursor).
  domain::Result<Batch> since(const service::Actor& actor, std::uint64_t after);

  /// This feed's EPOCH.
  const std::string& epoch() const { return epoch_; }
  /// "EPOCH-SEQ".
  std::string id_of(std::uint64_t seq) const;
  std::chrono::milliseconds interval() const { return interval_; }

 private:
  domain::Result<void> look(const service::Actor& actor);
  Batch collect(std::uint64_t after) const;

  service::Operations& ops_;
  const domain::Clock& clock_;
  std::chrono::milliseconds interval_;
  std::size_t keep_;
  std::string epoch_;
  std::mutex mutex_;  ///< guards what follows
  std::optional<FeedLook> last_look_;
  TimePoint looked_at_{};
  std::deque<FeedEvent> events_;
  std::uint64_t next_seq_ = 1;
};

}  // namespace phil::api
