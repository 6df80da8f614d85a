#include <algorithm>
#include <exception>

#include <spdlog/spdlog.h>

#include <phil/service/collector.hpp>

namespace phil::service {

Collector::Collector(System& system, const domain::Clock& clock, Options options)
    : system_(system), clock_(clock), options_(options), buses_(system.bus_ids()) {
  iterations_.assign(buses_.size(), 0);
}

Collector::~Collector() {
  stop();
}

void Collector::start() {
  std::lock_guard lock(mutex_);
  if (!threads_.empty() || stopping_) return;
  threads_.reserve(buses_.size() + 2);
  for (std::size_t i = 0; i < buses_.size(); ++i) {
    threads_.emplace_back([this, i] { work(i); });
  }
  threads_.emplace_back([this] { checkpoints(); });
  threads_.emplace_back([this] { notices(); });
}

void Collector::wake() {
  {
    std::lock_guard lock(mutex_);
    ++wake_generation_;
  }
  cv_.notify_all();
}

void Collector::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  system_.request_stop();
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  std::lock_guard lock(mutex_);
  threads_.clear();
}

std::uint64_t Collector::iterations(const std::string& bus_id) const {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < buses_.size(); ++i) {
    if (buses_[i] == bus_id) return iterations_[i];
  }
  return 0;
}

void Collector::work(std::size_t index) {
  const auto& bus = buses_[index];
  for (;;) {
    std::uint64_t seen = 0;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      seen = wake_generation_;
    }
    Millis pause{0};
    try {
      system_.run_bus_iterate(bus);
    } catch (const std::exception& e) {
      // A database or device failure must not end the worker; the work is retried.
      spdlog::error("{}: iteration failed: {}; retrying in {}", bus, e.what(),
                    format_duration(options_.error_pause));
      pause = options_.error_pause;
    }
    Millis sleep = options_.max_sleep;
    try {
      sleep = std::clamp(system_.next_due(bus) - clock_.now(), pause,
                         std::max(pause, options_.max_sleep));
    } catch (const std::exception& e) {
      spdlog::error("{}: cannot tell when work is due: {}", bus, e.what());
    }
    std::unique_lock lock(mutex_);
    ++iterations_[index];
    cv_.wait_for(lock, sleep, [&] { return stopping_ || wake_generation_ != seen; });
  }
}

void Collector::checkpoints() {
  Millis since_rollup{0};
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (cv_.wait_for(lock, options_.checkpoint_every, [&] { return stopping_; })) return;
    }
    try {
      system_.checkpoint();
    } catch (const std::exception& e) {
      // The next commit past the backstop checkpoints by itself; keep trying meanwhile.
      spdlog::error("database checkpoint failed: {}; retrying in {}", e.what(),
                    format_duration(options_.checkpoint_every));
    }
    since_rollup += options_.checkpoint_every;
    if (since_rollup < options_.rollup_every) continue;
    since_rollup = Millis{0};
    try {
      system_.roll_up();
    } catch (const std::exception& e) {
      // What was not rolled up now is the next pass's: the roll-ups only lag.
      spdlog::error("reports' roll-up failed: {}; retrying in {}", e.what(),
                    format_duration(options_.rollup_every));
    }
  }
}

void Collector::notices() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (cv_.wait_for(lock, options_.notify_every, [&] { return stopping_; })) return;
    }
    try {
      (void)system_.notify();  // what it did is in the store (prepaidctl sms list)
    } catch (const std::exception& e) {
      // The events and notices stay in the store: the next pass takes them up.
      spdlog::error("notifications: {}; retrying in {}", e.what(),
                    format_duration(options_.notify_every));
    }
  }
}

}  // namespace phil::service
