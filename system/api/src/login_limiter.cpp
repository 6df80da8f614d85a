#include <algorithm>

#include <phil/api/login_limiter.hpp>

namespace phil::api {

namespace {
constexpr Millis kWindow{60'000};
}

LoginLimiter::LoginLimiter(int per_minute) : per_minute_(std::max(1, per_minute)) {}

void LoginLimiter::forget_before(TimePoint cutoff) {
  for (auto it = attempts_.begin(); it != attempts_.end();) {
    auto& q = it->second;
    while (!q.empty() && q.front() <= cutoff)
      q.pop_front();
    it = q.empty() ? attempts_.erase(it) : std::next(it);
  }
}

bool LoginLimiter::allow(const std::string& address, TimePoint now) {
  forget_before(now - kWindow);
  auto& q = attempts_[address];
  if (static_cast<int>(q.size()) >= per_minute_) return false;
  q.push_back(now);
  return true;
}

Millis LoginLimiter::retry_after(const std::string& address, TimePoint now) const {
  const auto it = attempts_.find(address);
  if (it == attempts_.end() || static_cast<int>(it->second.size()) < per_minute_) return Millis(0);
  // The oldest attempt in the window leaves it first.
  return std::max(Millis(0), it->second.front() + kWindow - now);
}

}  // namespace phil::api
