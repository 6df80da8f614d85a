#pragma once
// Timing rules of a bus's communication, pure: the backoff of a box that does not answer, the
// response timeout that follows measured reply times, and the anchored poll schedule.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include <phil/common/time.hpp>

namespace phil::domain {

/// The wait after the n-th run in a row (n >= 1) in which a box did not answer, before its
/// commands are tried again: doubling from retry_delay(1), never longer than the bus's
/// `poll_interval` (the poll probes the box anyway), and at least 1 ms.
Millis silent_box_backoff(int n, Millis poll_interval);

/// Reply times needed before adaptive_timeout gives a figure.
inline constexpr std::size_t kAdaptiveTimeoutMinSamples = 8;

/// The response timeout that follows the measured reply times: factor x their p99 (the element
/// at index size x 99 / 100 in sorted order), at least `floor` and at most `ceiling` (ceiling
/// wins if they cross). nullopt with fewer than kAdaptiveTimeoutMinSamples times.
std::optional<Millis> adaptive_timeout(std::span<const Millis> replies, int factor, Millis floor,
                                       Millis ceiling);

struct PollSlot {
  TimePoint next;            ///< when the next cycle is due
  std::uint64_t missed = 0;  ///< slots that passed while the cycle ran
};

/// The bus's next poll after a cycle that started at `started` and finished at `finished`. The
/// schedule stays anchored: after the first cycle (`scheduled` nullopt) the bus's slot is
/// started + interval + offset (its offset into the interval); after that, the previous slot +
/// interval. Slots at or before `finished` are skipped and counted as missed.
PollSlot next_poll_slot(std::optional<TimePoint> scheduled, TimePoint started, Millis interval,
                        Millis offset, TimePoint finished);

}  // namespace phil::domain
