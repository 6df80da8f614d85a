#pragma once
// The watchers of `adf300-sim ctl watch` (Simulator::watch): who looks at what, what each
// circuit and box looked like at the last look, and the lines of what changed since. Pure: the
// Simulator calls it with its mutex held, after the models moved, and delivers the lines after
// releasing it (the sinks run outside the lock).
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/sim/box.hpp>
#include <phil/sim/simulator.hpp>

namespace phil::sim::detail {

class WatchBook {
 public:
  using Sink = std::function<void(const std::string&)>;

  bool empty() const { return watchers_.empty(); }
  /// A new watcher of `scope`; returns its id (> 0). What was seen before it is forgotten when
  /// nobody was watching (it is stale); the caller then observes everything once.
  std::uint64_t add(const MeterId& scope, Sink sink);
  /// Forgets watcher `id` and its undelivered lines.
  void remove(std::uint64_t id);
  /// Compares box `address` of bus `bus` (its supply, each circuit) with the last look and
  /// queues a line per change for the watchers whose scope holds it, stamped in `utc_offset`.
  /// The first look at a box or circuit only records it. No-op without watchers.
  void observe(const std::string& bus, int address, const Box& box, TimePoint at,
               std::chrono::minutes utc_offset);
  /// The lines queued so far with the sinks to call, in order; the queue is emptied.
  std::vector<std::pair<Sink, std::string>> take();

 private:
  // What a watcher last saw of one circuit (or, circuit 0, one box's supply).
  struct Seen {
    bool relay = false;
    Mode mode = Mode::kPrepaid;
    StatusFlags flags;
    std::uint16_t purchase_count = 0;
    std::uint16_t debit_count = 0;
    std::uint64_t serial = 0;
    std::optional<TimePoint> last_trip;
    std::optional<TimePoint> last_overload_trip;
    bool powered = true;
  };
  struct Watcher {
    std::uint64_t id = 0;
    MeterId scope;
    Sink sink;
  };
  struct Line {
    std::uint64_t watcher = 0;
    std::string text;
  };
  /// One place the lines of one observe() are about, and how to stamp them.
  struct Place {
    MeterId id;
    std::chrono::minutes utc_offset;
  };

  static Seen seen_of(const Box& box, int n);
  void emit(const Place& where, TimePoint at, const std::string& what);
  void circuit_changes(const Place& where, const CircuitModel& c, const Seen& was, const Seen& now,
                       TimePoint at);

  std::vector<Watcher> watchers_;
  std::uint64_t next_id_ = 1;
  std::map<std::tuple<std::string, int, int>, Seen> seen_;  // (bus, configured address, circuit)
  std::vector<Line> lines_;
};

}  // namespace phil::sim::detail
