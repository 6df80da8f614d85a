#include <phil/meterlink/rtu_frame.hpp>

namespace phil::meterlink {

namespace {

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v & 0xFFU));
}

void append_crc(std::vector<std::uint8_t>& out) {
  const auto crc = rtu_crc(out);
  out.push_back(static_cast<std::uint8_t>(crc & 0xFFU));
  out.push_back(static_cast<std::uint8_t>(crc >> 8));
}

std::uint16_t get16(const std::vector<std::uint8_t>& b, std::size_t at) {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

constexpr std::uint8_t kRead = 0x03;
constexpr std::uint8_t kWrite = 0x10;
constexpr std::uint8_t kExceptionBit = 0x80;
/// Largest byte count of an FC03 reply (125 registers).
constexpr std::size_t kMaxReadBytes = 250;

}  // namespace

std::uint16_t rtu_crc(std::span<const std::uint8_t> bytes) {
  std::uint16_t crc = 0xFFFF;
  for (const auto b : bytes) {
    crc ^= b;
    for (int i = 0; i < 8; ++i) {
      const bool lsb = (crc & 1U) != 0;
      crc = static_cast<std::uint16_t>(crc >> 1);
      if (lsb) crc ^= 0xA001;
    }
  }
  return crc;
}

std::vector<std::uint8_t> rtu_read_request(std::uint8_t slave, std::uint16_t start,
                                           std::uint16_t count) {
  std::vector<std::uint8_t> out{slave, kRead};
  put16(out, start);
  put16(out, count);
  append_crc(out);
  return out;
}

std::vector<std::uint8_t> rtu_write_request(std::uint8_t slave, std::uint16_t start,
                                            std::span<const std::uint16_t> values) {
  std::vector<std::uint8_t> out{slave, kWrite};
  put16(out, start);
  put16(out, static_cast<std::uint16_t>(values.size()));
  out.push_back(static_cast<std::uint8_t>(values.size() * 2));
  for (const auto v : values)
    put16(out, v);
  append_crc(out);
  return out;
}

RtuReplyAssembler::RtuReplyAssembler(std::uint8_t slave, std::uint8_t function)
    : slave_(slave), function_(function) {}

std::optional<std::size_t> RtuReplyAssembler::frame_length(std::size_t off) const {
  const auto have = buf_.size() - off;
  if (have == 0) return std::nullopt;
  if (buf_[off] != slave_) return 0;
  if (have < 2) return std::nullopt;
  const auto fc = buf_[off + 1];
  if (fc == (function_ | kExceptionBit)) return 5;
  if (fc != function_) return 0;
  if (fc == kWrite) return 8;
  if (have < 3) return std::nullopt;
  const std::size_t n = buf_[off + 2];
  if (n == 0 || n % 2 != 0 || n > kMaxReadBytes) return 0;
  return 5 + n;
}

std::optional<RtuReply> RtuReplyAssembler::feed(std::span<const std::uint8_t> bytes) {
  if (done_) return done_;
  buf_.insert(buf_.end(), bytes.begin(), bytes.end());
  std::size_t drop = 0;
  while (drop < buf_.size()) {
    const auto len = frame_length(drop);
    if (!len) break;  // need more bytes to judge the candidate at `drop`
    if (*len == 0 || drop + *len > buf_.size()) {
      if (*len != 0) break;  // a plausible frame, still arriving
      ++drop;
      continue;
    }
    const std::span<const std::uint8_t> frame(buf_.data() + drop, *len);
    const auto crc = rtu_crc(frame.first(*len - 2));
    if (frame[*len - 2] != (crc & 0xFFU) || frame[*len - 1] != (crc >> 8)) {
      ++crc_errors_;
      ++drop;
      continue;
    }
    RtuReply r;
    r.function = frame[1];
    if (r.is_exception()) {
      r.exception_code = frame[2];
    } else if (r.function == kWrite) {
      r.start = static_cast<std::uint16_t>((frame[2] << 8) | frame[3]);
      r.count = static_cast<std::uint16_t>((frame[4] << 8) | frame[5]);
    } else {
      const std::size_t n = frame[2] / 2U;
      r.registers.reserve(n);
      for (std::size_t i = 0; i < n; ++i)
        r.registers.push_back(get16(buf_, drop + 3 + 2 * i));
    }
    dropped_ += drop;
    buf_.clear();
    done_ = std::move(r);
    return done_;
  }
  dropped_ += drop;
  buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(drop));
  return std::nullopt;
}

}  // namespace phil::meterlink
