#pragma once
// The storage of a manual clock that other threads read while its owner moves it: the bench's
// clock (read by the simulator's serving thread) and the tests' clocks shared by a System and a
// running Simulator. Header-only so both sides' clock interfaces can wrap it.
#include <atomic>
#include <cstdint>

#include <phil/common/time.hpp>

namespace phil {

/// One instant, moved by one thread (set/advance) and read by any number of threads (now) at
/// the same time without a data race. A store is a release and a load an acquire: a reader that
/// sees an instant also sees everything its owner wrote before moving the clock there (e.g. the
/// models it stepped). Readers that must not see time move during a piece of work (one
/// request/reply exchange of the simulator) call now() once and keep the value.
class SharedTimePoint {
 public:
  explicit SharedTimePoint(TimePoint t) : ms_(t.time_since_epoch().count()) {}
  TimePoint now() const { return TimePoint(Millis(ms_.load(std::memory_order_acquire))); }
  void set(TimePoint t) { ms_.store(t.time_since_epoch().count(), std::memory_order_release); }
  void advance(Millis d) { ms_.fetch_add(d.count(), std::memory_order_acq_rel); }

 private:
  static_assert(std::atomic<std::int64_t>::is_always_lock_free);
  std::atomic<std::int64_t> ms_;
};

}  // namespace phil
