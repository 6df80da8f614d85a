#pragma once
// The server-sent events of prepaid-api's live feed (GET /api/events), decoded from the bytes as
// they arrive, in whatever pieces the network gives them. Plain C++ (no Qt), so the decoder of
// these outside bytes is fuzzed on its own (tests/fuzz/fuzz_console_sse.cpp).
//
// The format (HTML Living Standard, "server-sent events"): lines end in LF, CRLF or CR; a blank
// line ends an event; "field: value" (one optional space after the colon); ':' starts a comment;
// several data lines join with LF; an event without data is dropped; an id with a NUL is ignored.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace phil::console {

struct SseEvent {
  std::string type = "message";  ///< the event field, "message" without one
  std::string data;              ///< the data lines joined by LF
  std::string id;                ///< the last event id as of this event ("" for none yet)
};

class SseParser {
 public:
  /// A line longer than `max_line` bytes, or an event's data beyond `max_event`, fails the
  /// stream (failed() stays true; the client drops the connection and reconnects).
  explicit SseParser(std::size_t max_line = 1 << 20, std::size_t max_event = 4 << 20)
      : max_line_(max_line), max_event_(max_event) {}

  /// Decodes `bytes` (the next piece of the stream); returns the events they complete, in order.
  std::vector<SseEvent> feed(std::string_view bytes);

  /// The last event id seen (what a reconnect sends as Last-Event-ID).
  const std::string& last_id() const { return last_id_; }
  bool failed() const { return failed_; }

 private:
  void line(std::string_view l, std::vector<SseEvent>& out);

  std::size_t max_line_;
  std::size_t max_event_;
  std::string partial_;    ///< the current line so far
  bool after_cr_ = false;  ///< the last byte was a CR (an LF next belongs to it)
  bool failed_ = false;
  std::string type_;
  std::string data_;
  bool has_data_ = false;
  std::string last_id_;
};

}  // namespace phil::console
