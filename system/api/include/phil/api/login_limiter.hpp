#pragma once
// How many login attempts one client address may make: a sliding window of a minute. The
// operators table's own lock (domain::decide_login, kMaxLoginFailures failures lock an operator)
// protects one operator from any number of addresses; this protects the server from one address
// trying many operators. Pure: the caller gives the time.
#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <string>

#include <phil/common/time.hpp>

namespace phil::api {

class LoginLimiter {
 public:
  /// At most `per_minute` attempts (>= 1) from an address in any minute.
  explicit LoginLimiter(int per_minute);

  /// Counts an attempt from `address` at `now`; false (not counted) when it is over the limit.
  bool allow(const std::string& address, TimePoint now);
  /// How long `address` must wait for its next attempt at `now` (0 if it may try now).
  Millis retry_after(const std::string& address, TimePoint now) const;
  /// Addresses tracked now (bounded: idle ones are forgotten as time passes).
  std::size_t tracked() const { return attempts_.size(); }

 private:
  void forget_before(TimePoint cutoff);

  int per_minute_;
  std::map<std::string, std::deque<TimePoint>> attempts_;
};

}  // namespace phil::api
