#include <cerrno>
#include <cstring>

#include <modbus.h>

#include <phil/meterlink/rtu_master.hpp>

namespace phil::meterlink {

struct RtuMaster::Impl {
  RtuSettings s;
  modbus_t* ctx = nullptr;
  bool connected = false;

  std::string where(int slave) const { return s.port + " slave " + std::to_string(slave); }

  void close() {
    if (ctx) {
      if (connected) modbus_close(ctx);
      modbus_free(ctx);
    }
    ctx = nullptr;
    connected = false;
  }

  std::optional<LinkError> connect() {
    if (connected) return std::nullopt;
    if (!ctx) {
      ctx = modbus_new_rtu(s.port.c_str(), s.baud, s.parity, s.data_bits, s.stop_bits);
      if (!ctx) {
        return LinkError{LinkErrorKind::kPortUnavailable, 0,
                         "cannot set up RTU on " + s.port + ": " + modbus_strerror(errno) +
                             "; check baud, parity, data and stop bits"};
      }
      const auto ms = s.response_timeout.count();
      modbus_set_response_timeout(ctx, static_cast<std::uint32_t>(ms / 1000),
                                  static_cast<std::uint32_t>((ms % 1000) * 1000));
    }
    if (modbus_connect(ctx) != 0) {
      const int err = errno;
      close();
      return LinkError{LinkErrorKind::kPortUnavailable, 0,
                       "port " + s.port + " missing or busy: " + std::strerror(err) +
                           "; check the device path, that no other program holds it, and "
                           "permissions"};
    }
    connected = true;
    return std::nullopt;
  }

  /// Maps libmodbus' errno after a failed request and recovers the line.
  LinkError failure(int slave, const char* what) {
    const int err = errno;
    const std::string msg = std::string(what) + " on " + where(slave) + ": " + modbus_strerror(err);
    if (err >= EMBXILFUN && err <= EMBXGTAR) {
      return LinkError{LinkErrorKind::kException, static_cast<std::uint8_t>(err - MODBUS_ENOBASE),
                       msg};
    }
    if (err == ETIMEDOUT) {
      modbus_flush(ctx);  // a late reply must not answer the next request
      return LinkError{LinkErrorKind::kTimeout, 0, msg};
    }
    // Bad CRC, bad data, wrong slave, port gone: start clean on the next request.
    modbus_flush(ctx);
    close();
    // EMBBADDATA: a reply with a valid CRC from the right slave that does not match the request
    // (byte count, echoed range): the device answered, wrongly.
    return LinkError{err == EMBBADDATA ? LinkErrorKind::kBadReply : LinkErrorKind::kIo, 0, msg};
  }

  /// Selects the slave and discards what the line holds before a request is sent. An RTU reply
  /// names no request: a late reply (after our timeout gave up on it, or left unread by a
  /// process killed mid-exchange) of the same length would be taken for the next request's
  /// answer, another circuit's purchase_count read as this one's. The flush after a timeout
  /// cannot catch a reply that comes later still; this one, just before sending, does.
  bool ready(int slave) {
    if (modbus_set_slave(ctx, slave) != 0) return false;
    modbus_flush(ctx);
    return true;
  }
};

RtuMaster::RtuMaster(RtuSettings settings) : impl_(std::make_unique<Impl>()) {
  impl_->s = std::move(settings);
}

RtuMaster::~RtuMaster() {
  impl_->close();
}

LinkResult<std::vector<std::uint16_t>> RtuMaster::read_registers(int slave, std::uint16_t start,
                                                                 std::uint16_t count) {
  if (auto e = impl_->connect()) return *e;
  if (count == 0 || count > kMaxReadRegisters || !impl_->ready(slave)) {
    return LinkError{
        LinkErrorKind::kEncode, 0,
        "invalid read of " + std::to_string(count) + " registers on " + impl_->where(slave)};
  }
  std::vector<std::uint16_t> out(count);
  const int n = modbus_read_registers(impl_->ctx, start, count, out.data());
  if (n < 0) return impl_->failure(slave, "read");
  out.resize(static_cast<std::size_t>(n));
  return out;
}

LinkResult<void> RtuMaster::write_registers(int slave, std::uint16_t start,
                                            std::span<const std::uint16_t> values) {
  if (auto e = impl_->connect()) return *e;
  if (values.empty() || values.size() > kMaxWriteRegisters || !impl_->ready(slave)) {
    return LinkError{LinkErrorKind::kEncode, 0,
                     "invalid write of " + std::to_string(values.size()) + " registers on " +
                         impl_->where(slave)};
  }
  const int n =
      modbus_write_registers(impl_->ctx, start, static_cast<int>(values.size()), values.data());
  if (n < 0) return impl_->failure(slave, "write");
  return {};
}

void RtuMaster::set_response_timeout(std::chrono::milliseconds timeout) {
  if (impl_->s.response_timeout == timeout) return;
  impl_->s.response_timeout = timeout;
  if (impl_->ctx) {
    const auto ms = timeout.count();
    modbus_set_response_timeout(impl_->ctx, static_cast<std::uint32_t>(ms / 1000),
                                static_cast<std::uint32_t>((ms % 1000) * 1000));
  }
}

std::string RtuMaster::describe() const {
  const auto& s = impl_->s;
  return "rtu " + s.port + " " + std::to_string(s.baud) + " " + std::to_string(s.data_bits) +
         s.parity + std::to_string(s.stop_bits);
}

}  // namespace phil::meterlink
