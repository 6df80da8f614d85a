#pragma once
// A clock the sim's runtime tests move by hand.
#include <atomic>
#include <cstdint>

#include <phil/common/time.hpp>
#include <phil/sim/simulator.hpp>

namespace phil::sim::testing {

/// Safe to read from the simulator's serving thread.
class ManualTime final : public TimeSource {
 public:
  explicit ManualTime(TimePoint start) : ms_(start.time_since_epoch().count()) {}
  TimePoint now() const override { return TimePoint(Millis(ms_.load())); }
  void advance(Millis d) { ms_ += d.count(); }

 private:
  std::atomic<std::int64_t> ms_;
};

}  // namespace phil::sim::testing
