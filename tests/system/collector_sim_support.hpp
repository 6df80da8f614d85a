#pragma once
// Shared by the tests that run the System against the virtual fleet: one clock for both sides.
#include <atomic>
#include <cstdint>

#include <phil/domain/clock.hpp>
#include <phil/sim/simulator.hpp>

namespace phil::test {

/// One clock for both sides; read from the simulator's serving thread, hence atomic.
class SharedClock final : public domain::Clock, public sim::TimeSource {
 public:
  explicit SharedClock(TimePoint t) : ms_(t.time_since_epoch().count()) {}
  TimePoint now() const override { return TimePoint(Millis(ms_.load())); }
  void advance(Millis d) { ms_ += d.count(); }

 private:
  std::atomic<std::int64_t> ms_;
};

}  // namespace phil::test
