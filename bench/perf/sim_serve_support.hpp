#pragma once
// Shared by the simulator's serving benchmarks (perf_sim_pacing, perf_sim_capacity): a fleet of
// ADF300L-III boxes on pty buses served in real time by an in-process Simulator, and a raw
// Modbus-RTU master per bus. Header-only, bench use only.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <phil/common/time.hpp>
#include <phil/sim/rtu.hpp>
#include <phil/sim/simulator.hpp>

namespace phil::perf {

using SteadyClock = std::chrono::steady_clock;

/// The wall clock, as adf300-sim reads it.
class WallTime final : public sim::TimeSource {
 public:
  TimePoint now() const override {
    return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
  }
};

/// A fleet file: `buses` pty buses of `boxes` ADF300L-III boxes (36 circuits, every one with a
/// load and money) at `baud` 8N1, paced with `turnaround` or not.
inline std::string fleet_yaml(int buses, int boxes, int baud, bool paced, int turnaround_ms) {
  std::string y = "buses:\n";
  for (int b = 1; b <= buses; ++b) {
    y += "  - id: bus" + std::to_string(b) + "\n    port: vbus/bus" + std::to_string(b) +
         "\n    baud: " + std::to_string(baud) + "\n";
    if (paced) y += "    pacing: {turnaround: " + std::to_string(turnaround_ms) + "ms}\n";
    y += "    boxes:\n";
    for (int a = 1; a <= boxes; ++a) {
      y += "      - address: " + std::to_string(a) + "\n        model: adf300l-iii\n" +
           "        circuits:\n";
      for (int c = 1; c <= 36; ++c) {
        y += "          " + std::to_string(c) + ": {load: {daily: residential, peak_w: 2500, " +
             "seed: " + std::to_string(c) + "}, balance: \"500.00\"}\n";
      }
    }
  }
  return y;
}

/// Opens a pty (raw, non-blocking); -1 on failure.
inline int open_raw(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return -1;
  termios t{};
  ::tcgetattr(fd, &t);
  ::cfmakeraw(&t);
  ::tcsetattr(fd, TCSANOW, &t);
  return fd;
}

/// An FC03 read request with its CRC.
inline std::vector<std::uint8_t> read_request(int address, int start, int count) {
  std::vector<std::uint8_t> f{
      static_cast<std::uint8_t>(address),    sim::rtu::kReadHolding,
      static_cast<std::uint8_t>(start >> 8), static_cast<std::uint8_t>(start & 0xFF),
      static_cast<std::uint8_t>(count >> 8), static_cast<std::uint8_t>(count & 0xFF)};
  sim::rtu::append_crc(f);
  return f;
}

/// The reads a head-end makes to poll one ADF300L-III: its 36 circuit blocks (0x20 words each,
/// from 0x1000) in reads of at most 120 words.
struct Read {
  int start;
  int count;
};
inline std::vector<Read> box_poll_reads() {
  std::vector<Read> out;
  const int first = 0x1000;
  const int end = 0x1000 + 36 * 0x20;
  for (int at = first; at < end; at += 120)
    out.push_back({at, std::min(120, end - at)});
  return out;
}

/// Resident set size of this process, bytes (0 if unknown).
inline std::int64_t rss_bytes() {
  std::ifstream in("/proc/self/statm");
  std::int64_t pages = 0;
  std::int64_t resident = 0;
  in >> pages >> resident;
  return resident * ::sysconf(_SC_PAGESIZE);
}

/// The value at quantile q (0..1) of `v` (sorted in place); 0 for none.
inline double quantile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  return v[i];
}

/// One bus's Modbus-RTU master, polling its boxes in turn (box_poll_reads() per box).
struct Master {
  int fd = -1;
  int boxes = 1;
  std::chrono::nanoseconds period{0};  ///< request to request (0: as soon as the line allows)
  std::chrono::nanoseconds pause{0};   ///< quiet time after a reply before the next request
  std::chrono::nanoseconds timeout{std::chrono::seconds(1)};
  // State.
  SteadyClock::time_point next_send;
  SteadyClock::time_point sent_at;
  SteadyClock::time_point first_at;
  bool waiting = false;
  std::size_t expected = 0;
  std::size_t got = 0;
  std::size_t read_bytes = 8;
  int box = 1;
  std::size_t read = 0;
};

/// What one request came to.
struct Exchange {
  SteadyClock::time_point sent;   ///< the request was written
  SteadyClock::time_point first;  ///< the first reply byte was read
  SteadyClock::time_point last;   ///< the whole reply was read
  std::size_t request_bytes = 0;
  std::size_t reply_bytes = 0;
  bool missed = false;  ///< no complete reply within the timeout
};

/// Runs `masters` until `until` on this thread (ppoll, microsecond timeouts), calling
/// `done(index, exchange)` for every request.
template <typename Done>
void run_masters(std::vector<Master>& masters, SteadyClock::time_point until, Done&& done) {
  const auto reads = box_poll_reads();
  std::vector<pollfd> fds(masters.size());
  std::vector<std::uint8_t> buf(512);
  for (;;) {
    auto now = SteadyClock::now();
    if (now >= until) return;
    auto wake = until;
    for (std::size_t i = 0; i < masters.size(); ++i) {
      Master& m = masters[i];
      if (!m.waiting && now >= m.next_send) {
        const Read r = reads[m.read];
        const auto req = read_request(m.box, r.start, r.count);
        if (::write(m.fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
          m.waiting = true;
          m.sent_at = now;
          m.expected = 5 + 2 * static_cast<std::size_t>(r.count);
          m.read_bytes = req.size();
          m.got = 0;
        }
        if (++m.read == reads.size()) {
          m.read = 0;
          m.box = m.box % m.boxes + 1;
        }
        m.next_send = std::max(m.next_send + m.period, now);
      }
      if (m.waiting && now - m.sent_at > m.timeout) {
        done(i, Exchange{m.sent_at, m.first_at, now, m.read_bytes, m.got, true});
        m.waiting = false;
        while (::read(m.fd, buf.data(), buf.size()) > 0) {
        }
      }
      wake = std::min(wake, m.waiting ? m.sent_at + m.timeout : m.next_send);
      fds[i] = pollfd{m.fd, static_cast<short>(m.waiting ? POLLIN : 0), 0};
    }
    const auto left = std::max(wake - now, SteadyClock::duration(0));
    const timespec ts{static_cast<time_t>(left.count() / 1'000'000'000),
                      static_cast<long>(left.count() % 1'000'000'000)};
    if (::ppoll(fds.data(), fds.size(), &ts, nullptr) <= 0) continue;
    now = SteadyClock::now();
    for (std::size_t i = 0; i < masters.size(); ++i) {
      Master& m = masters[i];
      if ((fds[i].revents & POLLIN) == 0 || !m.waiting) continue;
      const ssize_t n = ::read(m.fd, buf.data(), buf.size());
      if (n <= 0) continue;
      if (m.got == 0) m.first_at = now;
      m.got += static_cast<std::size_t>(n);
      if (m.got >= m.expected) {
        done(i, Exchange{m.sent_at, m.first_at, now, m.read_bytes, m.got, false});
        m.waiting = false;
        m.next_send = std::max(m.next_send, now + m.pause);
      }
    }
  }
}

}  // namespace phil::perf
