#include <fmt/format.h>

#include <phil/sim/rtu.hpp>

namespace phil::sim::rtu {

namespace {

std::uint16_t be16(const std::vector<std::uint8_t>& b, std::size_t at) {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

void push16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v & 0xFF));
}

bool crc_ok(std::span<const std::uint8_t> frame) {
  if (frame.size() < 4) return false;
  const std::uint16_t crc = crc16(frame.first(frame.size() - 2));
  return frame[frame.size() - 2] == (crc & 0xFF) && frame[frame.size() - 1] == (crc >> 8);
}

Request decode(std::vector<std::uint8_t> frame, bool by_silence) {
  Request r;
  // Callers pass CRC-checked frames (>= 4 bytes); the guard also tells GCC's -O3
  // -Wnull-dereference that frame[0] and frame[1] exist.
  if (frame.size() < 4) {
    r.error = Exception::kIllegalFunction;
    r.frame = std::move(frame);
    return r;
  }
  r.address = frame[0];
  r.function = frame[1];
  if (by_silence) {
    r.error = Exception::kIllegalFunction;
  } else if (r.function == kWriteSingle) {
    r.start = be16(frame, 2);
    r.count = 1;
    r.values.push_back(be16(frame, 4));
  } else {
    r.start = be16(frame, 2);
    r.count = be16(frame, 4);
    if (r.function == kWriteMultiple) {
      const std::size_t bytes = frame[6];
      if (r.count < 1 || r.count > kMaxWriteRegisters || bytes != 2U * r.count) {
        r.error = Exception::kIllegalDataValue;
      } else {
        for (std::size_t i = 0; i < r.count; ++i)
          r.values.push_back(be16(frame, 7 + 2 * i));
      }
    } else if (r.count < 1 || r.count > kMaxReadRegisters) {
      r.error = Exception::kIllegalDataValue;
    }
  }
  r.frame = std::move(frame);
  return r;
}

}  // namespace

std::uint16_t crc16(std::span<const std::uint8_t> bytes) {
  std::uint16_t crc = 0xFFFF;
  for (std::uint8_t b : bytes) {
    crc ^= b;
    for (int i = 0; i < 8; ++i) {
      crc = (crc & 1U) != 0 ? static_cast<std::uint16_t>((crc >> 1) ^ 0xA001)
                            : static_cast<std::uint16_t>(crc >> 1);
    }
  }
  return crc;
}

void append_crc(std::vector<std::uint8_t>& frame) {
  const std::uint16_t crc = crc16(frame);
  frame.push_back(static_cast<std::uint8_t>(crc & 0xFF));
  frame.push_back(static_cast<std::uint8_t>(crc >> 8));
}

void RequestDecoder::feed(std::span<const std::uint8_t> bytes) {
  if (discarding_) return;
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  parse();
}

void RequestDecoder::silence() {
  if (!discarding_ && !buffer_.empty()) {
    const auto length = frame_length();
    if (length == std::size_t{0} && buffer_.size() <= kMaxFrame && crc_ok(buffer_)) {
      take(buffer_.size(), true);
    } else {
      ++discarded_;
    }
  }
  buffer_.clear();
  discarding_ = false;
}

std::optional<Request> RequestDecoder::next() {
  if (ready_.empty()) return std::nullopt;
  Request r = std::move(ready_.front());
  ready_.pop_front();
  return r;
}

std::optional<std::size_t> RequestDecoder::frame_length() const {
  if (buffer_.size() < 2) return std::nullopt;
  switch (buffer_[1]) {
    case kReadHolding:
    case kReadInput:
    case kWriteSingle:
      return 8;
    case kWriteMultiple:
      if (buffer_.size() < 7) return std::nullopt;
      return 9 + std::size_t{buffer_[6]};
    default:
      return 0;
  }
}

void RequestDecoder::take(std::size_t length, bool by_silence) {
  std::vector<std::uint8_t> frame(buffer_.begin(),
                                  buffer_.begin() + static_cast<std::ptrdiff_t>(length));
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(length));
  ready_.push_back(decode(std::move(frame), by_silence));
}

void RequestDecoder::parse() {
  while (!discarding_) {
    const auto length = frame_length();
    if (!length) return;
    if (*length == 0) {
      // Unknown function: wait for silence, unless the frame is already longer than any frame.
      if (buffer_.size() > kMaxFrame) {
        ++discarded_;
        buffer_.clear();
        discarding_ = true;
      }
      return;
    }
    if (buffer_.size() < *length) return;
    if (!crc_ok(std::span(buffer_).first(*length))) {
      ++bad_crc_;
      buffer_.clear();
      discarding_ = true;
      return;
    }
    take(*length, false);
  }
}

std::vector<std::uint8_t> encode_read_response(std::uint8_t address, std::uint8_t function,
                                               std::span<const std::uint16_t> values) {
  std::vector<std::uint8_t> out{address, function, static_cast<std::uint8_t>(2 * values.size())};
  for (std::uint16_t v : values)
    push16(out, v);
  append_crc(out);
  return out;
}

std::vector<std::uint8_t> encode_write_single_response(std::uint8_t address, std::uint16_t start,
                                                       std::uint16_t value) {
  std::vector<std::uint8_t> out{address, kWriteSingle};
  push16(out, start);
  push16(out, value);
  append_crc(out);
  return out;
}

std::vector<std::uint8_t> encode_write_multiple_response(std::uint8_t address, std::uint16_t start,
                                                         std::uint16_t count) {
  std::vector<std::uint8_t> out{address, kWriteMultiple};
  push16(out, start);
  push16(out, count);
  append_crc(out);
  return out;
}

std::vector<std::uint8_t> encode_exception(std::uint8_t address, std::uint8_t function,
                                           Exception code) {
  std::vector<std::uint8_t> out{address, static_cast<std::uint8_t>(function | 0x80U),
                                static_cast<std::uint8_t>(code)};
  append_crc(out);
  return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  std::string out;
  for (std::uint8_t b : bytes) {
    if (!out.empty()) out += ' ';
    out += fmt::format("{:02X}", b);
  }
  return out;
}

std::string describe(const Request& r) {
  std::string out = fmt::format("addr {} fc {:02X}", r.address, r.function);
  if (r.error == Exception::kIllegalFunction) {
    return out + " unknown function -> exception 01";
  }
  switch (r.function) {
    case kReadHolding:
    case kReadInput:
      out += fmt::format(" read start {:#06x} count {}", r.start, r.count);
      break;
    case kWriteSingle:
      out += fmt::format(" write start {:#06x} value {}", r.start, r.values.at(0));
      break;
    default:
      out += fmt::format(" write start {:#06x} count {}", r.start, r.count);
      break;
  }
  if (r.error) out += fmt::format(" -> exception {:02X}", static_cast<int>(*r.error));
  if (r.address == kBroadcast) out += " (broadcast, no reply)";
  return out;
}

std::string describe_response(std::span<const std::uint8_t> frame) {
  if (frame.size() < 4) return "short frame";
  std::string out = fmt::format("addr {} fc {:02X}", frame[0], frame[1] & 0x7FU);
  if ((frame[1] & 0x80U) != 0) return out + fmt::format(" exception {:02X}", frame[2]);
  if (frame[1] == kReadHolding || frame[1] == kReadInput) {
    return out + fmt::format(" {} registers", frame[2] / 2);
  }
  if (frame.size() >= 8) {
    const auto word = [&](std::size_t at) { return (frame[at] << 8) | frame[at + 1]; };
    return out + fmt::format(" start {:#06x} {} {}", word(2),
                             frame[1] == kWriteSingle ? "value" : "count", word(4));
  }
  return out;
}

}  // namespace phil::sim::rtu
