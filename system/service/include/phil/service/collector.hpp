#pragma once
// The collector runs a System's buses in parallel for the daemon: one worker thread per bus, so
// the blocking Modbus calls of one bus never hold up another (or the daemon's main thread), while
// on each bus one transaction at a time is on the wire.
//
// A worker runs its bus's iteration (System::run_bus_iterate: pending commands, then on-demand
// reads or the poll cycle if due), then sleeps until the bus has work next (System::next_due of
// the bus), at most `max_sleep`, so commands written by another process (prepaidctl) are seen
// within that delay. wake() cuts the sleep short. stop() asks the System to stop between
// transactions, lets each worker finish the transaction in flight, and joins them: the outbox is
// left consistent (every command is pending, in flight with its count stored, or final).
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/domain/clock.hpp>
#include <phil/service/system.hpp>

namespace phil::service {

class Collector {
 public:
  struct Options {
    /// Longest sleep of a worker; bounds how late it sees outbox rows written by another process.
    Millis max_sleep{2000};
    /// Pause after an iteration threw (database or programming error) before the next try.
    Millis error_pause{1000};
    /// How often a thread of its own copies the database's write-ahead log into the file
    /// (System::checkpoint), so that no bus's commit waits for that copy.
    Millis checkpoint_every{1000};
    /// How often the same thread rolls up what was read and charged since into the reports'
    /// daily per-meter roll-ups (System::roll_up), off the poll path; counted in checkpoint
    /// periods (at least one).
    Millis rollup_every{60'000};
    /// How often the notifier thread makes the alarms' new events into notices and sends what
    /// is due (System::notify); a send blocks that thread only, at most the gateway's timeout.
    Millis notify_every{1000};
  };

  /// `system` and `clock` must outlive the collector. Nothing runs before start().
  Collector(System& system, const domain::Clock& clock, Options options);
  Collector(System& system, const domain::Clock& clock) : Collector(system, clock, Options{}) {}
  ~Collector();
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  /// Starts one worker per bus, the checkpoint thread (checkpoints and roll-ups) and the
  /// notifier thread.
  /// Idempotent.
  void start();
  /// Wakes every sleeping worker at once (after a sale or read-now made in this process).
  void wake();
  /// Stops at the next transaction boundary and joins the workers. Idempotent; the destructor
  /// calls it.
  void stop();
  /// Iterations run so far on a bus (0 for an unknown bus).
  std::uint64_t iterations(const std::string& bus_id) const;

 private:
  void work(std::size_t index);
  void checkpoints();
  void notices();

  System& system_;
  const domain::Clock& clock_;
  Options options_;
  std::vector<std::string> buses_;
  std::vector<std::thread> threads_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::uint64_t wake_generation_ = 0;
  std::vector<std::uint64_t> iterations_;
};

}  // namespace phil::service
