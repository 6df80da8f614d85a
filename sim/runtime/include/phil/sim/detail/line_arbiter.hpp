#pragma once
// DETAIL HEADER: a part of the Simulator (sim/runtime/src/), public only so that its unit tests
// (tests/sim/line_arbiter_test.cpp) can reach it. Not part of the sim's contract.
//
// The shared RS485 line of one bus: requests wait in arrival order, one is served at a time, and
// the next is taken when the reply to the previous has gone out (or there was none). With pacing
// (BusSpec::pacing) a reply starts no earlier than t3.5 + turnaround after its request's last
// byte and t3.5 after the previous reply's last character, and goes out one character per
// character time (or, through a Modbus TCP gateway, all at once when it would have crossed the
// line). PURE: monotonic time comes in as arguments (the serving loop passes steady_clock::now(),
// the tests a manual instant); writing and waiting are the caller's.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/sim/fleet.hpp>
#include <phil/sim/line.hpp>
#include <phil/sim/mbap.hpp>
#include <phil/sim/rtu.hpp>

namespace phil::sim::detail {

using Steady = std::chrono::steady_clock;

struct Link;  // one connection to a bus (the serving loop's); opaque here

/// A request waiting for the line.
struct Job {
  std::weak_ptr<Link> from;
  rtu::Request request;
  std::optional<mbap::Frame> mbap;  ///< a Modbus TCP request, answered under its header
  Steady::time_point request_end;   ///< when its last byte was on the line
};

/// A reply to put on the line.
struct Reply {
  std::vector<std::uint8_t> bytes;
  std::size_t wire_size = 0;  ///< the RTU reply's size on the line (the gateway's is converted)
  Millis delay{0};            ///< wall-clock delay before it goes out (fault kDelay)
  bool gateway = false;       ///< to a Modbus TCP client: sent whole once it crossed the line
};

class LineArbiter {
 public:
  static constexpr std::size_t kMaxQueue = 256;  ///< requests waiting; more are dropped

  LineArbiter(LineTiming line, PacingSpec pacing) : line_(line), pacing_(pacing) {}

  /// Queues a request; false (and dropped) if kMaxQueue are waiting already.
  bool offer(Job job);
  /// The oldest waiting request if the line is free (no reply in progress), else nullopt.
  std::optional<Job> take();
  /// A reply is waiting for, or going out on, the line.
  bool busy() const { return busy_; }

  /// Occupies the line with `reply` to `to`, for a request whose last byte was on the line at
  /// `request_end`, decided at `now`; returns when its first byte may go out.
  Steady::time_point begin(Reply reply, std::weak_ptr<Link> to, Steady::time_point request_end,
                           Steady::time_point now);
  /// How many bytes of the reply may have been written by `now` (0 before its start; all at
  /// once unless paced; paced, every character whose start has come, and at least one more
  /// than written once it started).
  std::size_t due(Steady::time_point now) const;
  /// Records that the first `upto` bytes have been written.
  void wrote(std::size_t upto) { sent_ = upto; }

  /// What comes after a write: write more at `at`, wait for the last character to leave the
  /// line (paced) until `at` and finish, or finish now.
  struct Next {
    enum class What : std::uint8_t { kWrite, kDrain, kFinish } what = What::kFinish;
    Steady::time_point at;
  };
  Next after_write(Steady::time_point now) const;
  /// The reply is done (or dropped) at `now`: the line is free; take() may give the next.
  void finish(Steady::time_point now);
  /// Drops every waiting request and any reply in progress (the bus stops serving).
  void reset();

  const std::vector<std::uint8_t>& tx() const { return tx_; }
  std::size_t sent() const { return sent_; }
  Steady::time_point tx_start() const { return tx_start_; }
  const std::weak_ptr<Link>& to() const { return to_; }
  std::size_t waiting() const { return queue_.size(); }

 private:
  Steady::time_point char_start(std::size_t n) const;

  LineTiming line_;
  PacingSpec pacing_;
  std::deque<Job> queue_;
  bool busy_ = false;
  Steady::time_point line_free_;  // when the last reply's last character left (pacing)
  // The reply being sent.
  std::weak_ptr<Link> to_;
  bool paced_ = false;  // written character by character at the line's speed
  std::vector<std::uint8_t> tx_;
  std::size_t sent_ = 0;
  Steady::time_point tx_start_;
};

}  // namespace phil::sim::detail
