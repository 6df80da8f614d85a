#pragma once
// The system's only sources of time. Clock is wall time (timestamps, schedules): production uses
// WallClock; tests and the bench use a manual clock they step themselves. MonotonicClock is
// elapsed time and waiting (reply times, the silence after a broadcast): production uses the
// steady clock (System's default); tests may step a ManualMonotonicClock. Nothing
// in system/ reads either clock any other way.
//
// Threads (Clock): now() is called concurrently from every thread that runs the System — the
// daemon's main thread, the collector's bus workers and its checkpoint thread — and, in the bench
// and the tests that run the virtual fleet, from the simulator's serving thread through
// sim::TimeSource (one clock object implements both). An implementation must therefore be safe
// to read from any number of threads while it moves (WallClock reads the system clock; the
// bench's clock and the tests' shared clocks keep a phil::SharedTimePoint, an atomic with
// release/acquire order). A manual clock is moved by one thread only, between the System's
// iterations (never while a transaction of its own is on the wire), so one exchange with a meter
// sees one instant on the system's side; the simulator reads the clock once per request it
// serves.
#include <atomic>
#include <chrono>
#include <cstdint>

#include <phil/common/time.hpp>

namespace phil::domain {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

/// A clock the caller sets; never moves on its own. Not synchronised: set() and advance() only
/// while no other thread reads it (single-threaded tests, or a clock set before threads start).
/// A clock moved while other threads read it keeps a phil::SharedTimePoint instead.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_(start) {}
  TimePoint now() const override { return now_.load(); }
  void set(TimePoint t) { now_.store(t); }
  /// Moves it on; one thread steps it while others may read it (a server under test).
  void advance(Millis d) { now_.store(now_.load() + d); }

 private:
  std::atomic<TimePoint> now_;
};

/// Elapsed time since an arbitrary fixed origin, and sleeping. Never jumps (unlike wall time).
/// Implementations are thread-safe: bus workers use one clock in parallel.
class MonotonicClock {
 public:
  virtual ~MonotonicClock() = default;
  virtual std::chrono::nanoseconds now() const = 0;
  /// Returns after `d` has elapsed on this clock.
  virtual void sleep_for(Millis d) const = 0;
};

/// A monotonic clock the caller steps; sleep_for advances it instead of blocking.
class ManualMonotonicClock final : public MonotonicClock {
 public:
  std::chrono::nanoseconds now() const override { return std::chrono::nanoseconds(ns_.load()); }
  void sleep_for(Millis d) const override { ns_ += std::chrono::nanoseconds(d).count(); }
  void advance(std::chrono::nanoseconds d) { ns_ += d.count(); }
  /// Total time slept or advanced so far.
  std::chrono::nanoseconds elapsed() const { return now(); }

 private:
  mutable std::atomic<std::int64_t> ns_{0};
};

}  // namespace phil::domain
