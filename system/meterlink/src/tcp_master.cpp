#include <cerrno>
#include <chrono>
#include <cstring>

#include <fcntl.h>
#include <modbus.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <phil/meterlink/rtu_frame.hpp>
#include <phil/meterlink/tcp_master.hpp>

namespace phil::meterlink {

namespace {

using SteadyClock = std::chrono::steady_clock;

std::string endpoint(const TcpSettings& s) {
  const bool v6 = s.host.find(':') != std::string::npos;
  return (v6 ? "[" + s.host + "]" : s.host) + ":" + std::to_string(s.port);
}

int millis_left(SteadyClock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

LinkError bad_request(const std::string& what, const std::string& where) {
  return LinkError{LinkErrorKind::kEncode, 0, "invalid " + what + " on " + where};
}

}  // namespace

std::optional<std::pair<std::string, int>> parse_host_port(std::string_view text) {
  std::string host;
  std::string_view rest;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    host = std::string(text.substr(1, close - 1));
    rest = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) return std::nullopt;
    host = std::string(text.substr(0, colon));
    rest = text.substr(colon + 1);
  }
  if (host.empty() || rest.empty() || rest.size() > 5) return std::nullopt;
  int port = 0;
  for (const char c : rest) {
    if (c < '0' || c > '9') return std::nullopt;
    port = port * 10 + (c - '0');
  }
  if (port < 1 || port > 65535) return std::nullopt;
  return std::pair{host, port};
}

// ---- Modbus TCP (libmodbus) ------------------------------------------------------------------

struct ModbusTcpMaster::Impl {
  TcpSettings s;
  modbus_t* ctx = nullptr;

  std::string where(int unit) const {
    return "tcp " + endpoint(s) + " unit " + std::to_string(unit);
  }

  void close() {
    if (ctx) {
      modbus_close(ctx);
      modbus_free(ctx);
    }
    ctx = nullptr;
  }

  std::optional<LinkError> connect() {
    if (ctx) return std::nullopt;
    const auto port = std::to_string(s.port);
    ctx = modbus_new_tcp_pi(s.host.c_str(), port.c_str());
    if (!ctx) {
      return LinkError{LinkErrorKind::kPortUnavailable, 0,
                       "cannot set up Modbus TCP to " + endpoint(s) + ": " +
                           modbus_strerror(errno) + "; check the host and port"};
    }
    // libmodbus bounds the connect by the response timeout; give it the connect timeout, then
    // the response timeout for requests.
    auto set_timeout = [&](Millis t) {
      modbus_set_response_timeout(ctx, static_cast<std::uint32_t>(t.count() / 1000),
                                  static_cast<std::uint32_t>((t.count() % 1000) * 1000));
    };
    set_timeout(s.connect_timeout);
    if (modbus_connect(ctx) != 0) {
      const int err = errno;
      modbus_free(ctx);
      ctx = nullptr;
      return LinkError{LinkErrorKind::kPortUnavailable, 0,
                       "cannot connect to Modbus TCP gateway " + endpoint(s) + ": " +
                           std::strerror(err) + "; check that the gateway is on and reachable"};
    }
    set_timeout(s.response_timeout);
    return std::nullopt;
  }

  LinkError failure(int unit, const char* what) {
    const int err = errno;
    const std::string msg = std::string(what) + " on " + where(unit) + ": " + modbus_strerror(err);
    if (err >= EMBXILFUN && err <= EMBXGTAR) {
      return LinkError{LinkErrorKind::kException, static_cast<std::uint8_t>(err - MODBUS_ENOBASE),
                       msg};
    }
    // A late reply would carry an old transaction id: start a fresh connection instead of
    // flushing and hoping.
    close();
    const auto kind = err == ETIMEDOUT    ? LinkErrorKind::kTimeout
                      : err == EMBBADDATA ? LinkErrorKind::kBadReply  // framed, but wrong
                                          : LinkErrorKind::kIo;
    return LinkError{kind, 0, msg};
  }
};

void ModbusTcpMaster::set_response_timeout(std::chrono::milliseconds timeout) {
  if (impl_->s.response_timeout == timeout) return;
  impl_->s.response_timeout = timeout;
  if (impl_->ctx) {
    modbus_set_response_timeout(impl_->ctx, static_cast<std::uint32_t>(timeout.count() / 1000),
                                static_cast<std::uint32_t>((timeout.count() % 1000) * 1000));
  }
}

ModbusTcpMaster::ModbusTcpMaster(TcpSettings settings) : impl_(std::make_unique<Impl>()) {
  impl_->s = std::move(settings);
}

ModbusTcpMaster::~ModbusTcpMaster() {
  impl_->close();
}

LinkResult<std::vector<std::uint16_t>> ModbusTcpMaster::read_registers(int slave,
                                                                       std::uint16_t start,
                                                                       std::uint16_t count) {
  if (count == 0 || count > kMaxReadRegisters || slave < 0 || slave > 255) {
    return bad_request("read of " + std::to_string(count) + " registers", impl_->where(slave));
  }
  if (auto e = impl_->connect()) return *e;
  modbus_set_slave(impl_->ctx, slave);
  std::vector<std::uint16_t> out(count);
  const int n = modbus_read_registers(impl_->ctx, start, count, out.data());
  if (n < 0) return impl_->failure(slave, "read");
  out.resize(static_cast<std::size_t>(n));
  return out;
}

LinkResult<void> ModbusTcpMaster::write_registers(int slave, std::uint16_t start,
                                                  std::span<const std::uint16_t> values) {
  if (values.empty() || values.size() > kMaxWriteRegisters || slave < 0 || slave > 255) {
    return bad_request("write of " + std::to_string(values.size()) + " registers",
                       impl_->where(slave));
  }
  if (auto e = impl_->connect()) return *e;
  modbus_set_slave(impl_->ctx, slave);
  const int n =
      modbus_write_registers(impl_->ctx, start, static_cast<int>(values.size()), values.data());
  if (n < 0) return impl_->failure(slave, "write");
  return {};
}

std::string ModbusTcpMaster::describe() const {
  return "tcp " + endpoint(impl_->s);
}

// ---- RTU over TCP (own socket, RTU framing) ---------------------------------------------------

struct RtuOverTcpMaster::Impl {
  TcpSettings s;
  int fd = -1;

  std::string where(int slave) const {
    return "rtu-over-tcp " + endpoint(s) + " slave " + std::to_string(slave);
  }

  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }

  std::optional<LinkError> connect() {
    if (fd >= 0) return std::nullopt;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const auto port = std::to_string(s.port);
    if (const int rc = ::getaddrinfo(s.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
      return LinkError{LinkErrorKind::kPortUnavailable, 0,
                       "cannot resolve serial server " + endpoint(s) + ": " + gai_strerror(rc) +
                           "; check the host name"};
    }
    std::string last = "no address";
    for (auto* a = found; a && fd < 0; a = a->ai_next) {
      const int sock =
          ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
      if (sock < 0) {
        last = std::strerror(errno);
        continue;
      }
      int rc = ::connect(sock, a->ai_addr, a->ai_addrlen);
      if (rc != 0 && errno == EINPROGRESS) {
        pollfd p{sock, POLLOUT, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(s.connect_timeout.count()));
        int err = ready == 0 ? ETIMEDOUT : errno;
        if (ready == 1) {
          socklen_t len = sizeof err;
          ::getsockopt(sock, SOL_SOCKET, SO_ERROR, &err, &len);
        }
        rc = err == 0 ? 0 : -1;
        errno = err;
      }
      if (rc != 0) {
        last = std::strerror(errno);
        ::close(sock);
        continue;
      }
      const int one = 1;
      // Requests are small and must leave at once: no Nagle delay.
      ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      fd = sock;
    }
    ::freeaddrinfo(found);
    if (fd < 0) {
      return LinkError{LinkErrorKind::kPortUnavailable, 0,
                       "cannot connect to serial server " + endpoint(s) + ": " + last +
                           "; check that it is on, reachable and in transparent (raw) mode"};
    }
    return std::nullopt;
  }

  /// Discards bytes that arrived after an earlier request gave up (a late reply must not be
  /// taken for the answer to this one). False if the peer closed the connection.
  bool drain() {
    std::uint8_t junk[512];
    for (;;) {
      const auto n = ::recv(fd, junk, sizeof junk, MSG_DONTWAIT);
      if (n > 0) continue;
      if (n == 0) return false;
      return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    }
  }

  LinkResult<RtuReply> transact(int slave, std::uint8_t function,
                                const std::vector<std::uint8_t>& request, const char* what) {
    if (auto e = connect()) return *e;
    const auto broken = [&](const std::string& why) {
      close();
      return LinkError{LinkErrorKind::kIo, 0,
                       std::string(what) + " on " + where(slave) + ": " + why +
                           "; reconnecting at the next request"};
    };
    if (!drain()) return broken("the serial server closed the connection");
    std::size_t sent = 0;
    while (sent < request.size()) {
      const auto n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          pollfd p{fd, POLLOUT, 0};
          ::poll(&p, 1, static_cast<int>(s.response_timeout.count()));
          continue;
        }
        return broken(std::strerror(errno));
      }
      sent += static_cast<std::size_t>(n);
    }
    // A broadcast gets no reply: it is done once sent.
    if (slave == 0) return RtuReply{function, 0, {}, 0, 0};
    RtuReplyAssembler assembler(static_cast<std::uint8_t>(slave), function);
    const auto deadline = SteadyClock::now() + s.response_timeout;
    std::uint8_t buf[512];
    for (;;) {
      const int left = millis_left(deadline);
      pollfd p{fd, POLLIN, 0};
      const int rc = left > 0 ? ::poll(&p, 1, left) : 0;
      if (rc < 0 && errno == EINTR) continue;
      if (rc <= 0) break;
      const auto n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n == 0) return broken("the serial server closed the connection");
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
        return broken(std::strerror(errno));
      }
      if (auto reply = assembler.feed(std::span(buf, static_cast<std::size_t>(n)))) {
        return std::move(*reply);
      }
    }
    std::string msg = std::string(what) + " on " + where(slave) + ": no valid reply within " +
                      format_duration(s.response_timeout);
    if (assembler.crc_errors() > 0) {
      msg += " (" + std::to_string(assembler.crc_errors()) + " frame(s) with a bad CRC)";
    }
    return LinkError{LinkErrorKind::kTimeout, 0, msg};
  }

  static LinkError exception(const RtuReply& r, const std::string& where_, const char* what) {
    return LinkError{LinkErrorKind::kException, r.exception_code,
                     std::string(what) + " on " + where_ + ": Modbus exception " +
                         std::to_string(r.exception_code)};
  }
};

RtuOverTcpMaster::RtuOverTcpMaster(TcpSettings settings) : impl_(std::make_unique<Impl>()) {
  impl_->s = std::move(settings);
}

RtuOverTcpMaster::~RtuOverTcpMaster() {
  impl_->close();
}

LinkResult<std::vector<std::uint16_t>> RtuOverTcpMaster::read_registers(int slave,
                                                                        std::uint16_t start,
                                                                        std::uint16_t count) {
  if (count == 0 || count > kMaxReadRegisters || slave < 1 || slave > 247) {
    return bad_request("read of " + std::to_string(count) + " registers", impl_->where(slave));
  }
  auto r = impl_->transact(
      slave, 0x03, rtu_read_request(static_cast<std::uint8_t>(slave), start, count), "read");
  if (!r) return r.error();
  if (r.value().is_exception()) return Impl::exception(r.value(), impl_->where(slave), "read");
  if (r.value().registers.size() != count) {
    return LinkError{LinkErrorKind::kBadReply, 0,
                     "read on " + impl_->where(slave) + ": " +
                         std::to_string(r.value().registers.size()) + " registers for a read of " +
                         std::to_string(count)};
  }
  return std::move(r.value().registers);
}

LinkResult<void> RtuOverTcpMaster::write_registers(int slave, std::uint16_t start,
                                                   std::span<const std::uint16_t> values) {
  if (values.empty() || values.size() > kMaxWriteRegisters || slave < 0 || slave > 247) {
    return bad_request("write of " + std::to_string(values.size()) + " registers",
                       impl_->where(slave));
  }
  auto r = impl_->transact(
      slave, 0x10, rtu_write_request(static_cast<std::uint8_t>(slave), start, values), "write");
  if (!r) return r.error();
  if (slave == 0) return {};  // broadcast: sent, no reply to check
  if (r.value().is_exception()) return Impl::exception(r.value(), impl_->where(slave), "write");
  if (r.value().start != start || r.value().count != values.size()) {
    return LinkError{LinkErrorKind::kBadReply, 0,
                     "write on " + impl_->where(slave) + ": the reply echoes another range"};
  }
  return {};
}

void RtuOverTcpMaster::set_response_timeout(std::chrono::milliseconds timeout) {
  impl_->s.response_timeout = timeout;
}

std::string RtuOverTcpMaster::describe() const {
  return "rtu-over-tcp " + endpoint(impl_->s);
}

}  // namespace phil::meterlink
