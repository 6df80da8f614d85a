// Modbus-RTU framing: CRC, the slave's request decoder, response encoders.
#include <gtest/gtest.h>

#include <phil/sim/rtu.hpp>

namespace phil::sim::rtu {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes with_crc(Bytes b) {
  append_crc(b);
  return b;
}

std::vector<Request> drain(RequestDecoder& d) {
  std::vector<Request> out;
  for (int i = 0; i < 100; ++i) {
    auto r = d.next();
    if (!r) break;
    out.push_back(std::move(*r));
  }
  return out;
}

TEST(simRtuCrc, SpecExampleReadTenRegisters) {
  const Bytes frame{0x01, 0x03, 0x00, 0x00, 0x00, 0x0A};
  EXPECT_EQ(with_crc(frame), (Bytes{0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD}));
  EXPECT_EQ(crc16(frame), 0xCDC5);
}

TEST(simRtuCrc, ReadOneRegister) {
  EXPECT_EQ(with_crc({0x01, 0x03, 0x00, 0x00, 0x00, 0x01}),
            (Bytes{0x01, 0x03, 0x00, 0x00, 0x00, 0x01, 0x84, 0x0A}));
}

TEST(simRtuDecoder, ByteByByteFeedingYieldsOneFrameWhenComplete) {
  const Bytes frame = with_crc({0x01, 0x03, 0x10, 0x00, 0x00, 0x19});
  RequestDecoder d;
  for (std::size_t i = 0; i < frame.size(); ++i) {
    EXPECT_FALSE(d.next().has_value()) << "after " << i << " bytes";
    d.feed(std::span(frame).subspan(i, 1));
  }
  const auto r = d.next();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->address, 1);
  EXPECT_EQ(r->function, kReadHolding);
  EXPECT_EQ(r->start, 0x1000);
  EXPECT_EQ(r->count, 25);
  EXPECT_FALSE(r->error.has_value());
  EXPECT_EQ(r->frame, frame);
  EXPECT_FALSE(d.next().has_value());
}

TEST(simRtuDecoder, ConcatenatedFramesAreSplitByLength) {
  Bytes burst = with_crc({0x01, 0x04, 0x00, 0x10, 0x00, 0x02});
  const Bytes write =
      with_crc({0x02, 0x10, 0x10, 0x14, 0x00, 0x03, 0x06, 0x00, 0x01, 0x00, 0x00, 0x13, 0x88});
  const Bytes single = with_crc({0x03, 0x06, 0x10, 0x13, 0x00, 0x02});
  burst.insert(burst.end(), write.begin(), write.end());
  burst.insert(burst.end(), single.begin(), single.end());
  RequestDecoder d;
  d.feed(burst);
  const auto all = drain(d);
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all[0].function, kReadInput);
  EXPECT_EQ(all[1].function, kWriteMultiple);
  EXPECT_EQ(all[1].start, 0x1014);
  EXPECT_EQ(all[1].values, (std::vector<std::uint16_t>{1, 0, 5000}));
  EXPECT_EQ(all[2].function, kWriteSingle);
  EXPECT_EQ(all[2].values, (std::vector<std::uint16_t>{2}));
  EXPECT_EQ(d.pending(), 0U);
}

TEST(simRtuDecoder, BadCrcIsDroppedSilentlyAndTheLineIsIgnoredUntilSilence) {
  Bytes bad = with_crc({0x01, 0x03, 0x00, 0x00, 0x00, 0x0A});
  bad.back() ^= 0xFF;
  const Bytes good = with_crc({0x01, 0x03, 0x00, 0x00, 0x00, 0x01});
  RequestDecoder d;
  d.feed(bad);
  d.feed(good);  // same burst: the decoder cannot know where it starts
  EXPECT_TRUE(drain(d).empty());
  EXPECT_EQ(d.bad_crc(), 1U);
  EXPECT_EQ(d.pending(), 0U);
  EXPECT_FALSE(d.idle());  // still waiting for silence
  d.silence();
  EXPECT_TRUE(d.idle());
  d.feed(good);
  const auto after = drain(d);
  ASSERT_EQ(after.size(), 1U);
  EXPECT_EQ(after[0].count, 1);
}

TEST(simRtuDecoder, PartialFrameIsDiscardedAtSilence) {
  const Bytes frame = with_crc({0x01, 0x03, 0x00, 0x00, 0x00, 0x01});
  RequestDecoder d;
  d.feed(std::span(frame).first(5));
  d.silence();
  EXPECT_EQ(d.discarded(), 1U);
  d.feed(frame);
  EXPECT_EQ(drain(d).size(), 1U);
}

TEST(simRtuDecoder, UnknownFunctionWithGoodCrcIsExceptionOneAfterSilence) {
  const Bytes frame = with_crc({0x01, 0x2B, 0x0E, 0x01, 0x00});
  RequestDecoder d;
  d.feed(frame);
  EXPECT_FALSE(d.next().has_value());  // its length is only known by silence
  d.silence();
  const auto r = d.next();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->function, 0x2B);
  EXPECT_EQ(r->error, Exception::kIllegalFunction);
}

TEST(simRtuDecoder, UnknownFunctionWithBadCrcIsIgnored) {
  Bytes frame = with_crc({0x01, 0x2B, 0x0E, 0x01, 0x00});
  frame[2] ^= 1;
  RequestDecoder d;
  d.feed(frame);
  d.silence();
  EXPECT_FALSE(d.next().has_value());
}

TEST(simRtuDecoder, QuantitiesBeyondTheModbusLimitsAreExceptionThree) {
  RequestDecoder d;
  d.feed(with_crc({0x01, 0x03, 0x00, 0x00, 0x00, 126}));
  d.feed(with_crc({0x01, 0x03, 0x00, 0x00, 0x00, 125}));
  d.feed(with_crc({0x01, 0x03, 0x00, 0x00, 0x00, 0}));
  Bytes big{0x01, 0x10, 0x00, 0x00, 0x00, 124, 248};
  big.resize(big.size() + 248, 0);
  d.feed(with_crc(big));
  d.feed(with_crc({0x01, 0x10, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x01}));  // byte count 2 != 4
  const auto all = drain(d);
  ASSERT_EQ(all.size(), 5U);
  EXPECT_EQ(all[0].error, Exception::kIllegalDataValue);
  EXPECT_FALSE(all[1].error.has_value());
  EXPECT_EQ(all[2].error, Exception::kIllegalDataValue);
  EXPECT_EQ(all[3].error, Exception::kIllegalDataValue);
  EXPECT_EQ(all[4].error, Exception::kIllegalDataValue);
}

TEST(simRtuEncoder, ReadResponseIsBigEndianWithByteCountAndCrc) {
  const std::uint16_t values[] = {0x1234, 0x00FF};
  EXPECT_EQ(encode_read_response(1, kReadHolding, values),
            with_crc({0x01, 0x03, 0x04, 0x12, 0x34, 0x00, 0xFF}));
}

TEST(simRtuEncoder, WritesAreEchoed) {
  EXPECT_EQ(encode_write_single_response(1, 0x1013, 2),
            with_crc({0x01, 0x06, 0x10, 0x13, 0x00, 0x02}));
  EXPECT_EQ(encode_write_multiple_response(1, 0x1014, 3),
            with_crc({0x01, 0x10, 0x10, 0x14, 0x00, 0x03}));
}

TEST(simRtuEncoder, ExceptionSetsTheHighBitOfTheFunction) {
  // Known frame from the Modbus serial line guide: illegal data address on FC03.
  EXPECT_EQ(encode_exception(1, kReadHolding, Exception::kIllegalDataAddress),
            (Bytes{0x01, 0x83, 0x02, 0xC0, 0xF1}));
}

TEST(simRtuTrace, DescribesRequestsAndResponses) {
  RequestDecoder d;
  d.feed(with_crc({0x01, 0x03, 0x10, 0x00, 0x00, 0x19}));
  const auto r = d.next();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(describe(*r), "addr 1 fc 03 read start 0x1000 count 25");
  EXPECT_EQ(to_hex(encode_exception(1, 0x10, Exception::kDeviceFailure)).substr(0, 8), "01 90 04");
  EXPECT_EQ(describe_response(encode_exception(1, 0x10, Exception::kDeviceFailure)),
            "addr 1 fc 10 exception 04");
}

}  // namespace
}  // namespace phil::sim::rtu

#include <phil/sim/mbap.hpp>

namespace phil::sim::mbap {
namespace {

using Bytes = std::vector<std::uint8_t>;

std::vector<Frame> drain(Decoder& d) {
  std::vector<Frame> out;
  for (int i = 0; i < 100; ++i) {
    auto f = d.next();
    if (!f) break;
    out.push_back(std::move(*f));
  }
  return out;
}

const Bytes kRead{0x12, 0x34, 0, 0, 0, 6, 0x11, 0x03, 0x00, 0x6B, 0x00, 0x03};

TEST(simMbap, ByteByByteFeedingYieldsOneFrame) {
  Decoder d;
  for (std::size_t i = 0; i < kRead.size(); ++i) {
    EXPECT_TRUE(drain(d).empty());
    d.feed(std::span(kRead).subspan(i, 1));
  }
  const auto frames = drain(d);
  ASSERT_EQ(frames.size(), 1U);
  EXPECT_EQ(frames[0].transaction, 0x1234);
  EXPECT_EQ(frames[0].unit, 0x11);
  EXPECT_EQ(frames[0].pdu, (Bytes{0x03, 0x00, 0x6B, 0x00, 0x03}));
  EXPECT_EQ(d.pending(), 0U);
  EXPECT_EQ(encode(frames[0]), kRead);
}

TEST(simMbap, ConcatenatedFramesAreSplitByTheirLength) {
  Bytes two = kRead;
  two.insert(two.end(), kRead.begin(), kRead.end());
  two[12 + 1] = 0x35;
  Decoder d;
  d.feed(std::span(two).first(15));
  d.feed(std::span(two).subspan(15));
  const auto frames = drain(d);
  ASSERT_EQ(frames.size(), 2U);
  EXPECT_EQ(frames[1].transaction, 0x1235);
}

TEST(simMbap, AWrongProtocolIdOrLengthIsMalformedAndStopsTheDecoder) {
  Decoder bad_protocol;
  Bytes b = kRead;
  b[3] = 1;
  bad_protocol.feed(b);
  EXPECT_TRUE(drain(bad_protocol).empty());
  ASSERT_TRUE(bad_protocol.malformed().has_value());
  EXPECT_NE(bad_protocol.malformed()->find("protocol id 1"), std::string::npos);
  bad_protocol.feed(kRead);  // nothing more is decoded on that stream
  EXPECT_TRUE(drain(bad_protocol).empty());
  for (const std::uint8_t length : {std::uint8_t{0}, std::uint8_t{1}}) {
    Decoder d;
    d.feed(Bytes{0, 1, 0, 0, 0, length, 1});
    EXPECT_TRUE(d.malformed().has_value()) << int{length};
  }
  Decoder too_long;
  too_long.feed(Bytes{0, 1, 0, 0, 0, 255, 1});
  EXPECT_NE(too_long.malformed()->find("length 255"), std::string::npos);
}

TEST(simMbap, RtuConversionAddsTheCrcAndTheReplyKeepsTheTransaction) {
  Decoder d;
  d.feed(kRead);
  const Frame f = *d.next();
  const Bytes line = to_rtu(f);
  EXPECT_EQ(line.size(), 8U);
  EXPECT_EQ(line[0], 0x11);
  Bytes reply{0x11, 0x03, 0x02, 0x00, 0x2A};
  rtu::append_crc(reply);
  EXPECT_EQ(to_mbap(f, reply), (Bytes{0x12, 0x34, 0, 0, 0, 5, 0x11, 0x03, 0x02, 0x00, 0x2A}));
  Bytes corrupt = reply;
  corrupt.back() ^= 1;
  EXPECT_FALSE(to_mbap(f, corrupt).has_value());
  EXPECT_FALSE(to_mbap(f, std::span(reply).first(4)).has_value());
  Bytes noisy{0x55};
  noisy.insert(noisy.end(), reply.begin(), reply.end());
  EXPECT_FALSE(to_mbap(f, noisy).has_value());
  Bytes other{0x12, 0x03, 0x02, 0x00, 0x2A};  // from another slave
  rtu::append_crc(other);
  EXPECT_FALSE(to_mbap(f, other).has_value());
}

}  // namespace
}  // namespace phil::sim::mbap
