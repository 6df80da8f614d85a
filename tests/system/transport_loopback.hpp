#pragma once
// Loopback stand-ins for the network side of a bus, for the transport tests: a TCP server on
// 127.0.0.1 (ephemeral port) that answers as a transparent serial server (raw RTU frames) or a
// Modbus TCP gateway (MBAP), over a register map per slave, with faults a test can switch on:
// replies cut into 1-byte segments, replies held back, connections dropped. Every wait is
// bounded; the server thread stops in the destructor.
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <phil/meterlink/rtu_frame.hpp>

#include "support/loopback_listener.hpp"

namespace phil::test {

class LoopbackServer {
 public:
  enum class Framing : std::uint8_t { kRtu, kMbap };

  explicit LoopbackServer(Framing framing) : framing_(framing) {
    thread_ = std::thread([this] { serve(); });
  }
  ~LoopbackServer() {
    stop_ = true;
    thread_.join();
  }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  int port() const { return listener_.port(); }
  std::string endpoint() const { return listener_.endpoint(); }

  void set(int slave, std::uint16_t address, std::uint16_t value) {
    std::lock_guard l(m_);
    regs_[slave][address] = value;
  }
  std::uint16_t get(int slave, std::uint16_t address) {
    std::lock_guard l(m_);
    return regs_[slave][address];
  }
  /// Slaves that exist (others never answer, like an empty address on RS485).
  void add_slave(int slave) {
    std::lock_guard l(m_);
    slaves_.insert(slave);
  }
  /// Sends every reply one byte per TCP segment.
  void set_segmented(bool on) { segmented_ = on; }
  /// Holds the next `n` replies back by `delay_ms` (longer than the master's timeout: a late
  /// reply), then sends them anyway.
  void delay_next(int n, int delay_ms) {
    delay_count_ = n;
    delay_ms_ = delay_ms;
  }
  /// Prefixes the next reply with line noise and a copy of it whose CRC is wrong.
  void garble_next() { garble_ = true; }
  /// Closes the connection instead of answering the next request.
  void drop_next() { drop_ = true; }
  int connections() const { return connections_; }
  int requests() const { return requests_; }

 private:
  void serve() {
    int client = -1;
    std::vector<std::uint8_t> in;
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
        ++connections_;
        continue;
      }
      if (client < 0 || (fds[1].revents & (POLLIN | POLLHUP)) == 0) continue;
      std::uint8_t buf[512];
      const auto n = ::recv(client, buf, sizeof buf, 0);
      if (n <= 0) {
        ::close(client);
        client = -1;
        continue;
      }
      in.insert(in.end(), buf, buf + n);
      while (auto reply = take_request(in)) {
        ++requests_;
        if (drop_.exchange(false)) {
          ::close(client);
          client = -1;
          break;
        }
        if (reply->empty()) continue;  // absent slave: silence
        if (delay_count_ > 0) {
          --delay_count_;
          std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_.load()));
        }
        if (garble_.exchange(false)) {
          std::vector<std::uint8_t> noise{0x00, 0xFF, 0x13};
          noise.insert(noise.end(), reply->begin(), reply->end());
          noise.back() ^= 0x5A;  // the copy's CRC is wrong
          send(client, noise);
        }
        send(client, *reply);
      }
    }
    if (client >= 0) ::close(client);
  }

  void send(int fd, const std::vector<std::uint8_t>& bytes) {
    if (!segmented_) {
      (void)::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      return;
    }
    for (const auto b : bytes) {
      (void)::send(fd, &b, 1, MSG_NOSIGNAL);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }

  /// The PDU answer (function code onwards) of `slave` to `pdu`, or empty for no answer.
  std::vector<std::uint8_t> answer(int slave, const std::uint8_t* pdu, std::size_t len) {
    std::lock_guard l(m_);
    if (!slaves_.contains(slave) || len < 5) return {};
    const std::uint8_t fc = pdu[0];
    const auto start = static_cast<std::uint16_t>((pdu[1] << 8) | pdu[2]);
    const auto count = static_cast<std::uint16_t>((pdu[3] << 8) | pdu[4]);
    auto& regs = regs_[slave];
    if (fc == 0x03) {
      std::vector<std::uint8_t> out{fc, static_cast<std::uint8_t>(count * 2)};
      for (std::uint16_t i = 0; i < count; ++i) {
        const auto v = regs[static_cast<std::uint16_t>(start + i)];
        out.push_back(static_cast<std::uint8_t>(v >> 8));
        out.push_back(static_cast<std::uint8_t>(v & 0xFF));
      }
      return out;
    }
    if (fc == 0x10 && len >= 6 + 2U * count) {
      for (std::uint16_t i = 0; i < count; ++i) {
        regs[static_cast<std::uint16_t>(start + i)] =
            static_cast<std::uint16_t>((pdu[6 + 2 * i] << 8) | pdu[7 + 2 * i]);
      }
      return {fc, pdu[1], pdu[2], pdu[3], pdu[4]};
    }
    return {static_cast<std::uint8_t>(fc | 0x80), 0x01};
  }

  /// Takes one complete request off `in`; its reply frame (empty: none), or nullopt if more
  /// bytes are needed.
  std::optional<std::vector<std::uint8_t>> take_request(std::vector<std::uint8_t>& in) {
    if (framing_ == Framing::kRtu) {
      if (in.size() < 2) return std::nullopt;
      std::size_t len = 8;
      if (in[1] == 0x10) {
        if (in.size() < 7) return std::nullopt;
        len = 9 + std::size_t{in[6]};
      }
      if (in.size() < len) return std::nullopt;
      std::vector<std::uint8_t> frame(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(len));
      in.erase(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(len));
      auto pdu = answer(frame[0], frame.data() + 1, len - 3);
      if (pdu.empty()) return std::vector<std::uint8_t>{};
      std::vector<std::uint8_t> out{frame[0]};
      out.insert(out.end(), pdu.begin(), pdu.end());
      const auto crc = meterlink::rtu_crc(out);
      out.push_back(static_cast<std::uint8_t>(crc & 0xFF));
      out.push_back(static_cast<std::uint8_t>(crc >> 8));
      return out;
    }
    if (in.size() < 7) return std::nullopt;
    const std::size_t len = 6 + static_cast<std::size_t>((in[4] << 8) | in[5]);
    if (in.size() < len) return std::nullopt;
    std::vector<std::uint8_t> frame(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(len));
    in.erase(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(len));
    auto pdu = answer(frame[6], frame.data() + 7, len - 7);
    if (pdu.empty()) return std::vector<std::uint8_t>{};
    const auto n = pdu.size() + 1;
    std::vector<std::uint8_t> out{frame[0],
                                  frame[1],
                                  0,
                                  0,
                                  static_cast<std::uint8_t>(n >> 8),
                                  static_cast<std::uint8_t>(n & 0xFF),
                                  frame[6]};
    out.insert(out.end(), pdu.begin(), pdu.end());
    return out;
  }

  Framing framing_;
  LoopbackListener listener_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex m_;
  std::map<int, std::map<std::uint16_t, std::uint16_t>> regs_;
  std::set<int> slaves_;
  std::atomic<bool> segmented_{false};
  std::atomic<int> delay_count_{0};
  std::atomic<int> delay_ms_{0};
  std::atomic<bool> garble_{false};
  std::atomic<bool> drop_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
};

}  // namespace phil::test
