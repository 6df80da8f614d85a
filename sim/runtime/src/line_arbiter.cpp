#include <algorithm>

#include <phil/sim/detail/line_arbiter.hpp>

namespace phil::sim::detail {

bool LineArbiter::offer(Job job) {
  if (queue_.size() >= kMaxQueue) return false;
  queue_.push_back(std::move(job));
  return true;
}

std::optional<Job> LineArbiter::take() {
  if (busy_ || queue_.empty()) return std::nullopt;
  Job job = std::move(queue_.front());
  queue_.pop_front();
  return job;
}

Steady::time_point LineArbiter::begin(Reply reply, std::weak_ptr<Link> to,
                                      Steady::time_point request_end, Steady::time_point now) {
  busy_ = true;
  to_ = std::move(to);
  tx_ = std::move(reply.bytes);
  sent_ = 0;
  paced_ = false;
  Steady::time_point start = now;
  if (pacing_.enabled) {
    // The box starts answering t3.5 + turnaround after the request's last byte ...
    // ... and t3.5 after the previous reply on the line.
    const auto earliest =
        std::max(request_end + line_.t35 + pacing_.turnaround, line_free_ + line_.t35);
    start = std::max(start, std::chrono::time_point_cast<Steady::duration>(earliest));
    if (reply.gateway) {
      // The gateway sends its TCP reply once the whole RTU reply has crossed the line.
      start += std::chrono::duration_cast<Steady::duration>(line_.frame(reply.wire_size));
    } else {
      paced_ = true;
    }
  }
  tx_start_ = start + reply.delay;
  return tx_start_;
}

std::size_t LineArbiter::due(Steady::time_point now) const {
  if (now < tx_start_) return sent_;
  std::size_t due = tx_.size();
  if (paced_) {
    const auto chars = static_cast<std::size_t>((now - tx_start_) / line_.char_time) + 1;
    due = std::min(due, std::max(chars, sent_ + 1));
  }
  return due;
}

Steady::time_point LineArbiter::char_start(std::size_t n) const {
  return tx_start_ + std::chrono::duration_cast<Steady::duration>(line_.frame(n));
}

LineArbiter::Next LineArbiter::after_write(Steady::time_point now) const {
  if (sent_ < tx_.size()) return {Next::What::kWrite, char_start(sent_)};
  if (paced_ && now < char_start(tx_.size())) return {Next::What::kDrain, char_start(tx_.size())};
  return {Next::What::kFinish, now};
}

void LineArbiter::finish(Steady::time_point now) {
  busy_ = false;
  line_free_ = now;
  tx_.clear();
  sent_ = 0;
  to_.reset();
}

void LineArbiter::reset() {
  queue_.clear();
  busy_ = false;
  tx_.clear();
  sent_ = 0;
  to_.reset();
}

}  // namespace phil::sim::detail
