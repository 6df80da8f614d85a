#pragma once
// The production clock: the only place in system/ that reads the wall clock.
#include <chrono>

#include <phil/domain/clock.hpp>

namespace phil::app {

class WallClock final : public domain::Clock {
 public:
  TimePoint now() const override {
    return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
  }
};

}  // namespace phil::app
