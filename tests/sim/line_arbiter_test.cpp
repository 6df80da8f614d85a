// The shared line of one bus on manual monotonic time: one request at a time in arrival order,
// and the pacing of replies (t3.5, turnaround, one character per character time, the gateway's
// whole reply once it crossed the line, the delay fault). Pure; no pty, no sleeping.
#include <gtest/gtest.h>

#include <phil/sim/detail/line_arbiter.hpp>

namespace phil::sim::detail {
namespace {

using namespace std::chrono_literals;
using What = LineArbiter::Next::What;

const LineTiming kLine = line_timing(9600, Parity::kNone, 1);  // 10 bits: ~1.04 ms a character
const Steady::time_point kT0 = Steady::time_point(1h);         // any instant

Job job(std::uint8_t address) {
  Job j;
  j.request.address = address;
  return j;
}

Reply reply(std::size_t size) {
  Reply r;
  r.bytes.assign(size, 0x55);
  r.wire_size = size;
  return r;
}

PacingSpec paced(std::chrono::microseconds turnaround) {
  return PacingSpec{true, turnaround};
}

TEST(simLineArbiter, ServesOneRequestAtATimeInArrivalOrder) {
  LineArbiter line(kLine, PacingSpec{});
  for (std::uint8_t a = 1; a <= 3; ++a)
    ASSERT_TRUE(line.offer(job(a)));
  auto first = line.take();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->request.address, 1);
  line.begin(reply(9), {}, kT0, kT0);
  EXPECT_TRUE(line.busy());
  EXPECT_FALSE(line.take());  // the line is taken until the reply is out
  line.wrote(9);
  line.finish(kT0);
  auto second = line.take();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->request.address, 2);
  EXPECT_EQ(line.waiting(), 1u);
}

TEST(simLineArbiter, RequestsBeyondTheQueueLimitAreRefused) {
  LineArbiter line(kLine, PacingSpec{});
  for (std::size_t i = 0; i < LineArbiter::kMaxQueue; ++i)
    ASSERT_TRUE(line.offer(job(1)));
  EXPECT_FALSE(line.offer(job(2)));
  EXPECT_EQ(line.waiting(), LineArbiter::kMaxQueue);
  line.reset();
  EXPECT_EQ(line.waiting(), 0u);
  EXPECT_FALSE(line.busy());
}

TEST(simLineArbiter, AnUnpacedReplyGoesOutWholeAtOnce) {
  LineArbiter line(kLine, PacingSpec{});
  EXPECT_EQ(line.begin(reply(9), {}, kT0 - 1s, kT0), kT0);
  EXPECT_EQ(line.due(kT0), 9u);
  line.wrote(9);
  EXPECT_EQ(line.after_write(kT0).what, What::kFinish);
}

TEST(simLineArbiter, ThePacedReplyStartsT35PlusTurnaroundAfterItsRequestsLastByte) {
  LineArbiter line(kLine, paced(5ms));
  const auto start = line.begin(reply(9), {}, kT0, kT0);
  EXPECT_EQ(start, kT0 + kLine.t35 + 5ms);
  EXPECT_EQ(line.due(start - 1us), 0u);
  EXPECT_EQ(line.due(start), 1u);
  // Three and a half character times in, the fourth character has started.
  EXPECT_EQ(line.due(start + kLine.char_time * 7 / 2), 4u);
  line.wrote(4);
  const auto next = line.after_write(start + kLine.char_time * 7 / 2);
  EXPECT_EQ(next.what, What::kWrite);
  EXPECT_EQ(next.at, start + kLine.frame(4));
}

TEST(simLineArbiter, AReplyDecidedLateStartsAtOnce) {
  LineArbiter line(kLine, paced(0us));
  EXPECT_EQ(line.begin(reply(9), {}, kT0, kT0 + 1s), kT0 + 1s);
}

TEST(simLineArbiter, ThePacedLineIsBusyUntilTheLastCharacterLeft) {
  LineArbiter line(kLine, paced(0us));
  const auto start = line.begin(reply(5), {}, kT0, kT0);
  line.wrote(5);  // the writer caught up with the clock
  const auto next = line.after_write(start + kLine.frame(4));
  EXPECT_EQ(next.what, What::kDrain);
  EXPECT_EQ(next.at, start + kLine.frame(5));
  EXPECT_EQ(line.after_write(start + kLine.frame(5)).what, What::kFinish);
}

TEST(simLineArbiter, TheNextPacedReplyKeepsT35AfterThePrevious) {
  LineArbiter line(kLine, paced(0us));
  line.begin(reply(5), {}, kT0, kT0);
  line.wrote(5);
  const auto free = kT0 + 20ms;
  line.finish(free);
  // Its request ended long ago (it waited in the queue): the gap to the previous reply rules.
  EXPECT_EQ(line.begin(reply(5), {}, kT0, free), free + kLine.t35);
}

TEST(simLineArbiter, TheGatewaySendsTheWholeReplyOnceItCrossedTheLine) {
  LineArbiter line(kLine, paced(2ms));
  Reply r = reply(15);  // MBAP: 6 header bytes + the unit and PDU
  r.wire_size = 11;     // the RTU reply on the line
  r.gateway = true;
  const auto start = line.begin(std::move(r), {}, kT0, kT0);
  EXPECT_EQ(start, kT0 + kLine.t35 + 2ms + kLine.frame(11));
  EXPECT_EQ(line.due(start - 1us), 0u);
  EXPECT_EQ(line.due(start), 15u);
  line.wrote(15);
  EXPECT_EQ(line.after_write(start).what, What::kFinish);
}

TEST(simLineArbiter, TheDelayFaultPostponesTheReply) {
  LineArbiter line(kLine, PacingSpec{});
  Reply r = reply(9);
  r.delay = 200ms;
  EXPECT_EQ(line.begin(std::move(r), {}, kT0, kT0), kT0 + 200ms);
  EXPECT_EQ(line.due(kT0 + 199ms), 0u);
  EXPECT_EQ(line.due(kT0 + 200ms), 9u);
}

}  // namespace
}  // namespace phil::sim::detail
