#pragma once
// A clock the sim's runtime tests move by hand.
#include <phil/common/shared_time.hpp>
#include <phil/common/time.hpp>
#include <phil/sim/simulator.hpp>

namespace phil::sim::testing {

/// Safe to read from the simulator's serving thread while the test moves it.
class ManualTime final : public TimeSource {
 public:
  explicit ManualTime(TimePoint start) : now_(start) {}
  TimePoint now() const override { return now_.now(); }
  void advance(Millis d) { now_.advance(d); }

 private:
  SharedTimePoint now_;
};

}  // namespace phil::sim::testing
