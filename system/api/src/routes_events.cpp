// The live feed (GET /api/events): server-sent events of the board's and the alarms' changes for
// the console (live_feed.hpp says what a change is). prepaidctl has no counterpart: it is the
// front door of a screen that stays open.
//
// The stream, as text/event-stream:
//   retry: 2000                      (a client reconnects after 2 s, with Last-Event-ID)
//   event: hello / id / data {"as_of"}       on a fresh start
//   event: reset / id / data {"as_of"}       Last-Event-ID unknown: reload the board and alarms
//   event: meter / id / data BOARD_ROW       a meter's row as GET /api/status gives it
//   event: meter_removed / id / data {"meter"}
//   event: alarm / id / data ALARM           as GET /api/alarms gives it
//   event: end / data {"code", "message"}    the session ended (or the feed failed): log in again
//   ": keep-alive"                           a comment every 15 s so proxies keep it open
// A browser's EventSource cannot send the Authorization header, and a token never goes in a URL:
// a page reads the stream with fetch(); the console sends the header itself.
#include <phil/common/text.hpp>
#include <phil/common/time.hpp>
#include <phil/views/json_views.hpp>

#include "route_table.hpp"

namespace phil::api::detail {

namespace {

using nlohmann::json;

constexpr auto kKeepAlive = std::chrono::seconds(15);
/// How often a stream checks that its session still holds (each check is a session touch).
constexpr auto kSessionCheck = std::chrono::seconds(30);

std::string sse(std::string_view event, const std::string& id, const json& data) {
  std::string out = "event: " + std::string(event) + "\n";
  if (!id.empty()) out += "id: " + id + "\n";
  // dump() escapes every newline, so the data is one line.
  out += "data: " + data.dump() + "\n\n";
  return out;
}

class FeedStream final : public EventStream {
 public:
  FeedStream(Call& call, std::uint64_t after)
      : shared_(call.shared),
        ops_(call.ops),
        clock_(call.clock),
        config_(call.config),
        token_(call.token),
        actor_(call.actor),
        lang_(text::language()),
        after_(after),
        checked_at_(call.clock.now()),
        wrote_at_(call.clock.now()) {
    ++shared_.streams;
  }
  ~FeedStream() override { --shared_.streams; }
  FeedStream(const FeedStream&) = delete;
  FeedStream& operator=(const FeedStream&) = delete;

  std::chrono::milliseconds interval() const override { return shared_.feed.interval(); }

  std::optional<std::string> next() override {
    if (ended_) return std::nullopt;
    const text::LanguageScope lang(lang_);
    const auto now = clock_.now();
    if (now - checked_at_ >= kSessionCheck) {
      checked_at_ = now;
      if (!operator_session(ops_, clock_, config_, token_)) {
        ended_ = true;
        return sse(
            "end", "",
            {{"code", "unauthenticated"}, {"message", text::pattern(text::Id::kApiSessionEnded)}});
      }
    }
    auto b = shared_.feed.since(actor_, after_);
    if (!b) {
      ended_ = true;
      return sse("end", "", {{"code", error_code(b.error().kind)}, {"message", b.error().message}});
    }
    auto out = render(b.value(), shared_.feed, now);
    after_ = b.value().last;
    if (!out.empty()) {
      wrote_at_ = now;
    } else if (now - wrote_at_ >= kKeepAlive) {
      wrote_at_ = now;
      out = ": keep-alive\n\n";
    }
    return out;
  }

  /// The events of `b` as text (a reset first when the cursor was lost).
  static std::string render(const LiveFeed::Batch& b, const LiveFeed& feed, TimePoint now) {
    std::string out;
    if (b.reset) {
      out += sse("reset", feed.id_of(b.last), {{"as_of", format_timestamp(now, {})}});
      return out;
    }
    for (const auto& e : b.events) {
      const auto id = feed.id_of(e.seq);
      if (const auto* row = std::get_if<domain::BoardRow>(&e.what)) {
        service::StatusBoard at;
        at.as_of = e.as_of;
        at.utc_offset = e.utc_offset;
        out += sse("meter", id, views::board_row_json(*row, at));
      } else if (const auto* gone = std::get_if<domain::MeterId>(&e.what)) {
        out += sse("meter_removed", id, {{"meter", gone->to_string()}});
      } else {
        out +=
            sse("alarm", id, views::alarm_json(std::get<store::AlarmRecord>(e.what), e.utc_offset));
      }
    }
    return out;
  }

 private:
  Shared& shared_;
  service::Operations& ops_;
  const domain::Clock& clock_;
  const ApiConfig& config_;
  std::string token_;
  service::Actor actor_;
  text::Lang lang_;
  std::uint64_t after_;
  TimePoint checked_at_;
  TimePoint wrote_at_;
  bool ended_ = false;
};

Response events(Call& call) {
  const auto open = call.shared.streams.load();
  if (open >= call.config.limits.max_streams) {
    return error_response("too_many", text::format(text::Id::kApiTooManyStreams, open));
  }
  auto& feed = call.shared.feed;
  const auto last_id = call.req.header("Last-Event-ID");
  auto b =
      feed.since(call.actor, last_id ? std::optional<std::string_view>(*last_id) : std::nullopt);
  if (!b) return refused(b.error());
  Response r;
  r.content_type = "text/event-stream; charset=utf-8";
  r.headers.emplace_back("X-Accel-Buffering", "no");  // a proxy in front must not hold it back
  r.body = "retry: 2000\n\n";
  if (last_id) {
    r.body += FeedStream::render(b.value(), feed, call.clock.now());
  } else {
    r.body += sse("hello", feed.id_of(b.value().last),
                  {{"as_of", format_timestamp(call.clock.now(), {})}});
  }
  r.stream = std::make_shared<FeedStream>(call, b.value().last);
  return r;
}

}  // namespace

std::vector<Route> event_routes() {
  return {
      {{"GET",
        "/api/events",
        domain::Action::kQuery,
        true,
        "The live feed: the status board's and the alarms' changes as server-sent events "
        "(text/event-stream; resume with Last-Event-ID)",
        {},
        {},
        false,
        "text/event-stream"},
       events},
  };
}

}  // namespace phil::api::detail
