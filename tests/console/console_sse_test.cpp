// The live feed's decoder (system/console/sse.hpp): the server-sent events of GET /api/events in
// whatever pieces the network gives them. Plain C++: it builds without Qt.
#include <string>

#include <gtest/gtest.h>

#include <phil/console/sse.hpp>

namespace phil::console {
namespace {

TEST(SseParser, AnEventEndsAtABlankLineWithItsTypeDataAndId) {
  SseParser p;
  const auto events = p.feed("event: meter\nid: 7-1\ndata: {\"meter\":\"bus1/4/1\"}\n\n");
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].type, "meter");
  EXPECT_EQ(events[0].data, "{\"meter\":\"bus1/4/1\"}");
  EXPECT_EQ(events[0].id, "7-1");
  EXPECT_EQ(p.last_id(), "7-1");
}

TEST(SseParser, BytesSplitAnywhereGiveTheSameEventsAsOnePiece) {
  const std::string stream =
      ": keep-alive\r\n\r\nevent: alarm\r\nid: 3-9\r\ndata: a\r\ndata: b\r\n\r\n"
      "event: reset\rid: 3-10\rdata: {}\r\r";
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    SseParser p;
    auto events = p.feed(stream.substr(0, cut));
    for (auto& e : p.feed(stream.substr(cut)))
      events.push_back(e);
    ASSERT_EQ(events.size(), 2U) << "cut at " << cut;
    EXPECT_EQ(events[0].type, "alarm");
    EXPECT_EQ(events[0].data, "a\nb");  // data lines joined by LF
    EXPECT_EQ(events[1].type, "reset");
    EXPECT_EQ(events[1].id, "3-10");
  }
}

TEST(SseParser, CommentsEventsWithoutDataAndUnknownFieldsGiveNothing) {
  SseParser p;
  EXPECT_TRUE(p.feed(": comment\n\nevent: meter\n\nretry: 100\nfoo: bar\n\n").empty());
  // A type without data is dropped, and does not leak into the next event.
  const auto e = p.feed("data: x\n\n");
  ASSERT_EQ(e.size(), 1U);
  EXPECT_EQ(e[0].type, "message");
}

TEST(SseParser, AnIdWithANulIsIgnoredAndAFieldWithoutColonIsAnEmptyValue) {
  SseParser p;
  p.feed("id: 1-1\ndata: a\n\n");
  using namespace std::string_literals;
  const auto events = p.feed("id: 1-\0002\ndata\n\n"s);
  EXPECT_EQ(p.last_id(), "1-1");
  ASSERT_EQ(events.size(), 1U);  // "data" alone: a data line with an empty value
  EXPECT_EQ(events[0].data, "");
}

TEST(SseParser, ALineBeyondTheBoundFailsTheStreamAndNothingMoreComes) {
  SseParser p(16, 64);
  EXPECT_TRUE(p.feed("data: " + std::string(32, 'x')).empty());
  EXPECT_TRUE(p.failed());
  EXPECT_TRUE(p.feed("\n\ndata: y\n\n").empty());
  SseParser q(1024, 8);
  q.feed("data: 12345\ndata: 6789\n");
  EXPECT_TRUE(q.failed());  // the event's data beyond its bound
}

}  // namespace
}  // namespace phil::console
