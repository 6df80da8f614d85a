#pragma once
// Shared by the collector benchmarks: a paced loopback serial line. Header-only, bench use only.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <phil/domain/clock.hpp>
#include <phil/meterlink/rtu_frame.hpp>
#include <phil/service/system.hpp>

#include "support/loopback_listener.hpp"

namespace phil::perf {

using SteadyClock = std::chrono::steady_clock;
using Micros = std::chrono::microseconds;

/// Character time and t3.5 of a serial line at `baud`, 8N1 (Modbus: t3.5 is fixed at 1.75 ms
/// above 19200 baud).
struct Line {
  Micros char_time;
  Micros t35;
  explicit Line(int baud)
      : char_time(10'000'000 / baud),
        t35(baud > 19'200 ? Micros(1750) : Micros(35'000'000 / baud)) {}
  Micros frame(std::size_t bytes) const { return char_time * static_cast<std::int64_t>(bytes); }
};

/// A transparent serial server on loopback whose RS485 side is paced like a real line; behind
/// it every box is plain register memory (reads return what was written, else zeros).
class PacedSerialServer {
 public:
  explicit PacedSerialServer(Line line) : line_(line) {
    thread_ = std::thread([this] { serve(); });
  }
  ~PacedSerialServer() {
    stop_ = true;
    thread_.join();
  }
  PacedSerialServer(const PacedSerialServer&) = delete;
  PacedSerialServer& operator=(const PacedSerialServer&) = delete;
  int port() const { return listener_.port(); }

 private:
  void serve() {
    int client = -1;
    std::vector<std::uint8_t> in;
    auto line_free = SteadyClock::now();
    while (!stop_) {
      std::vector<pollfd> fds{{listener_.fd(), POLLIN, 0}};
      if (client >= 0) fds.push_back({client, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
      if ((fds[0].revents & POLLIN) != 0) {
        if (client >= 0) ::close(client);
        client = ::accept4(listener_.fd(), nullptr, nullptr, SOCK_CLOEXEC);
        const int one = 1;
        ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        in.clear();
        continue;
      }
      std::uint8_t buf[512];
      const auto n = ::recv(client, buf, sizeof buf, 0);
      if (n <= 0) {
        ::close(client);
        client = -1;
        continue;
      }
      in.insert(in.end(), buf, buf + n);
      for (;;) {
        if (in.size() < 2) break;
        const std::size_t len = in[1] == 0x10 ? (in.size() >= 7 ? 9U + in[6] : 0U) : 8U;
        if (len == 0 || in.size() < len) break;
        std::vector<std::uint8_t> reply{in[0], in[1]};
        const auto start = static_cast<std::uint16_t>((in[2] << 8) | in[3]);
        const auto count = static_cast<std::size_t>((in[4] << 8) | in[5]);
        auto& regs = regs_[in[0]];
        if (in[1] == 0x03) {
          reply.push_back(static_cast<std::uint8_t>(2 * count));
          for (std::size_t i = 0; i < count; ++i) {
            const auto v = regs[static_cast<std::uint16_t>(start + i)];
            reply.push_back(static_cast<std::uint8_t>(v >> 8));
            reply.push_back(static_cast<std::uint8_t>(v & 0xFF));
          }
        } else {
          for (std::size_t i = 0; i < count && 8 + 2 * i < len; ++i) {
            regs[static_cast<std::uint16_t>(start + i)] =
                static_cast<std::uint16_t>((in[7 + 2 * i] << 8) | in[8 + 2 * i]);
          }
          reply.insert(reply.end(), in.begin() + 2, in.begin() + 6);
        }
        const auto crc = phil::meterlink::rtu_crc(reply);
        reply.push_back(static_cast<std::uint8_t>(crc & 0xFF));
        reply.push_back(static_cast<std::uint8_t>(crc >> 8));
        // The request goes out on the line once it is free, then silence, then the reply.
        const auto on_wire = std::max(SteadyClock::now(), line_free);
        const auto reply_done = on_wire + line_.frame(len) + line_.t35 + line_.frame(reply.size());
        std::this_thread::sleep_until(reply_done);
        (void)::send(client, reply.data(), reply.size(), MSG_NOSIGNAL);
        line_free = reply_done + line_.t35;
        in.erase(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(len));
      }
    }
    if (client >= 0) ::close(client);
  }

  Line line_;
  test::LoopbackListener listener_{2};
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::map<int, std::map<std::uint16_t, std::uint16_t>> regs_;  // serving thread only
};

/// The seed site on `server`'s line: `boxes` ADF300L-III boxes (36 circuits each, addresses 1..)
/// on one bus at `baud`, reached as RTU over TCP, profiles from `profiles_dir`. The paced line's
/// boxes are plain register memory (no model register): their identity is not checked, as
/// before issue 12.8, so the collector benchmarks' figures stay comparable.
inline service::SiteConfig seed_site(const PacedSerialServer& server, int baud, int boxes,
                                     const std::string& profiles_dir) {
  service::SiteConfig site;
  site.name = "seed";
  site.profiles_dir = profiles_dir;
  site.box_identity_check = false;
  service::BusConfig bus;
  bus.id = "bus1";
  bus.transport = service::Transport::kRtuOverTcp;
  bus.port = "127.0.0.1:" + std::to_string(server.port());
  bus.baud = baud;
  bus.response_timeout = Millis(2000);
  for (int b = 1; b <= boxes; ++b)
    bus.boxes.push_back({b, "adf300l-iii", "adf300l"});
  site.buses = {bus};
  return site;
}

/// The wall clock, for the benchmarks that run the Collector in real time (a benchmark is a main:
/// it may read it).
class WallClock final : public domain::Clock {
 public:
  TimePoint now() const override {
    return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
  }
};

}  // namespace phil::perf
