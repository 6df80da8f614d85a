#pragma once
// The system's only source of time. Production uses WallClock; tests and the bench use a manual
// clock they step themselves. Nothing in system/ reads the wall clock any other way.
#include <phil/common/time.hpp>

namespace phil::domain {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

/// A clock the caller sets; never moves on its own.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_(start) {}
  TimePoint now() const override { return now_; }
  void set(TimePoint t) { now_ = t; }
  void advance(Millis d) { now_ += d; }

 private:
  TimePoint now_;
};

}  // namespace phil::domain
