// The live feed (GET /api/events, issue 15) without a network: what counts as a change (the pure
// diff), each change sent once, an alarm raised and cleared between two looks still seen, resuming
// with Last-Event-ID, a reset for an id it no longer has, the end of the session ending the
// stream, and the bound on feeds open at once. The server's side is in api_server_test.
#include <phil/api/live_feed.hpp>
#include <phil/store/store.hpp>

#include "api_fixture.hpp"

namespace phil::test {
namespace {

using nlohmann::json;

/// The events of a text/event-stream: each one's fields.
struct Sse {
  std::string event;
  std::string id;
  std::string data;
};

std::vector<Sse> parse_sse(const std::string& text) {
  std::vector<Sse> out;
  Sse cur;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const auto line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) {
      if (!cur.event.empty() || !cur.data.empty()) out.push_back(cur);
      cur = {};
    } else if (line.rfind("event: ", 0) == 0) {
      cur.event = line.substr(7);
    } else if (line.rfind("id: ", 0) == 0) {
      cur.id = line.substr(4);
    } else if (line.rfind("data: ", 0) == 0) {
      cur.data = line.substr(6);
    }
  }
  return out;
}

std::vector<std::string> kinds(const std::vector<Sse>& events) {
  std::vector<std::string> out;
  out.reserve(events.size());
  for (const auto& e : events)
    out.push_back(e.event);
  return out;
}

class ApiEvents : public ApiFixture {
 protected:
  static constexpr auto kInterval = std::chrono::seconds(2);

  void SetUp() override {
    api::ApiConfig c;
    c.feed_interval = kInterval;
    start(c);
  }

  /// Opens the feed; its first events.
  std::vector<Sse> open(const std::string& who, const std::string& last_id = "") {
    std::vector<std::pair<std::string, std::string>> h;
    if (!last_id.empty()) h.emplace_back("Last-Event-ID", last_id);
    auto r = send("GET", "/api/events", "", token(who), h);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.content_type, "text/event-stream; charset=utf-8");
    EXPECT_TRUE(r.stream);
    stream_ = r.stream;
    EXPECT_EQ(r.body.rfind("retry: 2000\n\n", 0), 0U) << r.body;
    return parse_sse(r.body);
  }

  /// The feed's next text after the clock moved by one interval.
  std::optional<std::string> step() {
    clock_.advance(kInterval);
    return stream_->next();
  }

  /// A second connection to the database, as the daemon's bus workers have.
  std::unique_ptr<store::Store> daemon_store() { return store::open_sqlite_store(db_); }

  std::shared_ptr<api::EventStream> stream_;
};

domain::AlarmKey bus_down() {
  return {domain::AlarmKind::kBusOffline, domain::AlarmTarget::of_bus("bus1")};
}

TEST(LiveFeedDiff, AMeterCountsAsChangedByItsStatusRelayOrAccountNotByItsBalanceOrReadingTime) {
  domain::BoardRow row;
  row.meter = *domain::MeterId::parse("bus1/1/1");
  row.status = domain::MeterStatus::kNormal;
  row.relay_closed = true;
  row.balance_fen = 100;
  api::FeedLook before;
  before.meters[row.meter] = row;
  auto after = before;
  after.meters[row.meter].balance_fen = 50;
  after.meters[row.meter].read_at = kApiT0;
  EXPECT_TRUE(api::feed_changes(before, after).empty());
  after.meters[row.meter].relay_closed = false;
  auto changes = api::feed_changes(before, after);
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(std::get<domain::BoardRow>(changes[0].what).relay_closed, false);
  after = before;
  after.meters[row.meter].account = "A1";
  EXPECT_EQ(api::feed_changes(before, after).size(), 1U);
  // A meter gone from the board, and a new one.
  after = {};
  auto other = row;
  other.meter = *domain::MeterId::parse("bus1/1/2");
  after.meters[other.meter] = other;
  changes = api::feed_changes(before, after);
  ASSERT_EQ(changes.size(), 2U);
  EXPECT_EQ(std::get<domain::BoardRow>(changes[0].what).meter, other.meter);
  EXPECT_EQ(std::get<domain::MeterId>(changes[1].what), row.meter);
}

TEST(LiveFeedDiff, AnAlarmCountsWhenNewAcknowledgedOrClearedAndNotAgainAfter) {
  store::AlarmRecord a;
  a.id = 7;
  a.key = bus_down();
  a.raised_at = kApiT0;
  api::FeedLook before;
  api::FeedLook after;
  after.alarms[7] = a;
  EXPECT_EQ(api::feed_changes(before, after).size(), 1U);
  EXPECT_TRUE(api::feed_changes(after, after).empty());
  auto acked = after;
  acked.alarms[7].acknowledged_by = "engineer1";
  acked.alarms[7].acknowledged_at = kApiT0;
  EXPECT_EQ(api::feed_changes(after, acked).size(), 1U);
  auto cleared = acked;
  cleared.alarms[7].cleared_at = kApiT0 + Millis(1000);
  EXPECT_EQ(api::feed_changes(acked, cleared).size(), 1U);
  // Gone from the window (cleared long ago): nothing more to say.
  EXPECT_TRUE(api::feed_changes(cleared, before).empty());
}

TEST_F(ApiEvents, AFreshFeedSaysHelloWithAnIdAndThenNothingUntilSomethingChanges) {
  const auto first = open("auditor1");
  ASSERT_EQ(first.size(), 1U);
  EXPECT_EQ(first[0].event, "hello");
  EXPECT_FALSE(first[0].id.empty());
  EXPECT_EQ(step(), "");
  EXPECT_EQ(step(), "");
}

TEST_F(ApiEvents,
       AnAlarmAndAnAccountOpenedAreEachSentOnceWithTheBoardRowAndTheAlarmAsTheApiShowsThem) {
  open("engineer1");
  daemon_store()->observe_alarms({{bus_down(), true, "{}"}}, clock_.now());
  ASSERT_EQ(send("POST", "/api/accounts",
                 R"({"account":"B2","tenant":"Li Si","meters":["bus1/1/4"],"first_sale":"0.00"})",
                 token("cashier1"))
                .status,
            201);
  const auto text = step();
  ASSERT_TRUE(text);
  const auto events = parse_sse(*text);
  ASSERT_EQ(kinds(events), (std::vector<std::string>{"meter", "alarm"})) << *text;
  const auto row = json::parse(events[0].data);
  EXPECT_EQ(row["meter"], "bus1/1/4");
  EXPECT_EQ(row["account"], "B2");
  EXPECT_EQ(row["tenant"], "Li Si");
  const auto alarm = json::parse(events[1].data);
  EXPECT_EQ(alarm["kind"], "bus_offline");
  EXPECT_EQ(alarm["active"], true);
  EXPECT_NE(events[0].id, events[1].id);
  // Each once.
  EXPECT_EQ(step(), "");
}

TEST_F(ApiEvents, AnAlarmRaisedAndClearedBetweenTwoLooksIsStillSeenCleared) {
  open("auditor1");
  auto s = daemon_store();
  s->observe_alarms({{bus_down(), true, "{}"}}, clock_.now());
  s->observe_alarms({{bus_down(), false, "{}"}}, clock_.now() + Millis(500));
  const auto events = parse_sse(step().value_or(""));
  ASSERT_EQ(kinds(events), std::vector<std::string>{"alarm"});
  EXPECT_EQ(json::parse(events[0].data)["active"], false);
}

TEST_F(ApiEvents, AnAcknowledgementIsSentAsTheAlarmsNewState) {
  open("auditor1");
  daemon_store()->observe_alarms({{bus_down(), true, "{}"}}, clock_.now());
  const auto raised = parse_sse(step().value_or(""));
  ASSERT_EQ(raised.size(), 1U);
  const auto id = json::parse(raised[0].data)["id"].get<std::int64_t>();
  ASSERT_EQ(
      send("POST", "/api/alarms/" + std::to_string(id) + "/ack", "", token("engineer1")).status,
      200);
  const auto acked = parse_sse(step().value_or(""));
  ASSERT_EQ(acked.size(), 1U);
  EXPECT_EQ(json::parse(acked[0].data)["acknowledged_by"], "engineer1");
}

TEST_F(ApiEvents, AClientThatReconnectsWithLastEventIdGetsWhatItMissedAndAnUnknownIdAReset) {
  const auto hello = open("auditor1");
  ASSERT_EQ(hello.size(), 1U);
  daemon_store()->observe_alarms({{bus_down(), true, "{}"}}, clock_.now());
  const auto seen = parse_sse(step().value_or(""));
  ASSERT_EQ(seen.size(), 1U);
  // The client lost the connection before reading it: back with the hello's id.
  stream_.reset();
  auto again = open("auditor1", hello[0].id);
  ASSERT_EQ(kinds(again), std::vector<std::string>{"alarm"});
  EXPECT_EQ(again[0].id, seen[0].id);
  EXPECT_EQ(again[0].data, seen[0].data);
  // Up to date: nothing again.
  EXPECT_TRUE(open("auditor1", seen[0].id).empty());
  // An id of another run of the server, or garbage: a reset, with the id to go on from.
  for (const auto& bad : std::vector<std::string>{"1-1", "garbage", hello[0].id + "99"}) {
    auto reset = open("auditor1", bad);
    ASSERT_EQ(kinds(reset), std::vector<std::string>{"reset"}) << bad;
    EXPECT_EQ(reset[0].id, seen[0].id) << bad;
  }
}

TEST_F(ApiEvents, TheStreamEndsWhenItsSessionEnds) {
  open("auditor1");
  ASSERT_EQ(send("DELETE", "/api/session", "", token("auditor1")).status, 200);
  std::optional<std::string> text = "";
  for (int i = 0; i < 30 && text && text->find("event: end") == std::string::npos; ++i)
    text = step();
  ASSERT_TRUE(text);
  const auto end = parse_sse(*text);
  ASSERT_EQ(kinds(end), std::vector<std::string>{"end"});
  EXPECT_EQ(json::parse(end[0].data)["code"], "unauthenticated");
  EXPECT_EQ(step(), std::nullopt);
}

TEST_F(ApiEvents, ATenantsTokenOrNoneOpensNoFeed) {
  EXPECT_EQ(send("GET", "/api/events").status, 401);
  ASSERT_EQ(send("POST", "/api/accounts/A1/tenant-password", R"({"password":"tenant password 1"})",
                 token("cashier1"))
                .status,
            200);
  const auto t = json_of(
      send("POST", "/api/tenant/session", R"({"account":"A1","password":"tenant password 1"})"));
  const auto tenant_token = t.value("token", std::string());
  ASSERT_FALSE(tenant_token.empty()) << t;
  EXPECT_EQ(send("GET", "/api/events", "", tenant_token).status, 401);
}

TEST_F(ApiEvents, FeedsBeyondTheBoundAre429UntilOneCloses) {
  api::ApiConfig c;
  c.limits.max_streams = 1;
  start(c);
  open("auditor1");
  const auto second = send("GET", "/api/events", "", token("engineer1"));
  EXPECT_EQ(second.status, 429);
  EXPECT_EQ(json_of(second)["error"]["code"], "too_many");
  EXPECT_FALSE(second.stream);
  stream_.reset();
  EXPECT_EQ(send("GET", "/api/events", "", token("engineer1")).status, 200);
}

}  // namespace
}  // namespace phil::test
