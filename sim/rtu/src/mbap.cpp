#include <string>

#include <phil/sim/mbap.hpp>
#include <phil/sim/rtu.hpp>

namespace phil::sim::mbap {

namespace {

std::uint16_t be16(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

void push16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v & 0xFF));
}

}  // namespace

void Decoder::feed(std::span<const std::uint8_t> bytes) {
  if (malformed_) return;
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  std::size_t at = 0;
  while (buffer_.size() - at >= kHeader) {
    const std::span<const std::uint8_t> head(buffer_.data() + at, kHeader);
    const std::uint16_t protocol = be16(head, 2);
    const std::uint16_t length = be16(head, 4);
    if (protocol != 0) {
      malformed_ = "protocol id " + std::to_string(protocol) + " (Modbus is 0)";
    } else if (length < kMinLength || length > kMaxLength) {
      malformed_ = "length " + std::to_string(length) + " (allowed " + std::to_string(kMinLength) +
                   ".." + std::to_string(kMaxLength) + ")";
    }
    if (malformed_) {
      buffer_.clear();
      return;
    }
    const std::size_t total = kHeader - 1 + length;  // the unit id is inside the length
    if (buffer_.size() - at < total) break;
    Frame f;
    f.transaction = be16(head, 0);
    f.unit = head[6];
    f.pdu.assign(buffer_.begin() + static_cast<std::ptrdiff_t>(at + kHeader),
                 buffer_.begin() + static_cast<std::ptrdiff_t>(at + total));
    ready_.push_back(std::move(f));
    at += total;
  }
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(at));
}

std::optional<Frame> Decoder::next() {
  if (ready_.empty()) return std::nullopt;
  Frame f = std::move(ready_.front());
  ready_.pop_front();
  return f;
}

std::vector<std::uint8_t> to_rtu(const Frame& frame) {
  std::vector<std::uint8_t> out;
  out.reserve(frame.pdu.size() + 3);
  out.push_back(frame.unit);
  out.insert(out.end(), frame.pdu.begin(), frame.pdu.end());
  rtu::append_crc(out);
  return out;
}

std::optional<std::vector<std::uint8_t>> to_mbap(const Frame& request,
                                                 std::span<const std::uint8_t> reply) {
  if (reply.size() < 4 || reply.size() > rtu::kMaxFrame || reply[0] != request.unit) {
    return std::nullopt;
  }
  const std::uint16_t crc = rtu::crc16(reply.first(reply.size() - 2));
  if (reply[reply.size() - 2] != (crc & 0xFF) || reply[reply.size() - 1] != (crc >> 8)) {
    return std::nullopt;
  }
  const auto pdu = reply.subspan(1, reply.size() - 3);
  std::vector<std::uint8_t> out;
  out.reserve(kHeader + pdu.size());
  push16(out, request.transaction);
  push16(out, 0);
  push16(out, static_cast<std::uint16_t>(1 + pdu.size()));
  out.push_back(request.unit);
  out.insert(out.end(), pdu.begin(), pdu.end());
  return out;
}

std::vector<std::uint8_t> encode(const Frame& frame) {
  std::vector<std::uint8_t> out;
  push16(out, frame.transaction);
  push16(out, 0);
  push16(out, static_cast<std::uint16_t>(1 + frame.pdu.size()));
  out.push_back(frame.unit);
  out.insert(out.end(), frame.pdu.begin(), frame.pdu.end());
  return out;
}

}  // namespace phil::sim::mbap
