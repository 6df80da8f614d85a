#include <algorithm>
#include <vector>

#include <phil/domain/comm.hpp>
#include <phil/domain/outbox.hpp>

namespace phil::domain {

Millis silent_box_backoff(int n, Millis poll_interval) {
  Millis d = retry_delay(1);
  for (int i = 1; i < n && d < poll_interval; ++i)
    d *= 2;
  return std::max(Millis(1), std::min(d, poll_interval));
}

std::optional<Millis> adaptive_timeout(std::span<const Millis> replies, int factor, Millis floor,
                                       Millis ceiling) {
  if (replies.size() < kAdaptiveTimeoutMinSamples) return std::nullopt;
  std::vector<Millis> sorted(replies.begin(), replies.end());
  const auto k = (sorted.size() * 99) / 100;
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(k), sorted.end());
  return std::min(std::max(Millis(sorted[k].count() * factor), floor), ceiling);
}

PollSlot next_poll_slot(std::optional<TimePoint> scheduled, TimePoint started, Millis interval,
                        Millis offset, TimePoint finished) {
  PollSlot slot{scheduled ? *scheduled + interval : started + interval + offset, 0};
  while (slot.next <= finished) {
    slot.next += interval;
    ++slot.missed;
  }
  return slot;
}

}  // namespace phil::domain
