#include "stop_signals.hpp"

#include <algorithm>
#include <cstdint>
#include <ctime>

#include <pthread.h>

namespace phil::app {

sigset_t block_stop_signals() {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  return stop;
}

int wait_for_signal(const sigset_t& set, Millis d) {
  const auto ms = std::max<std::int64_t>(0, d.count());
  timespec ts{static_cast<std::time_t>(ms / 1000), static_cast<long>((ms % 1000) * 1'000'000)};
  const int sig = sigtimedwait(&set, nullptr, &ts);
  return sig > 0 ? sig : 0;
}

}  // namespace phil::app
