#include <array>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

// GCC 12 at -O3 reports -Wnull-dereference inside Asio's scheduler (a false positive in a
// system header, inlined here); the release preset builds with -Werror.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#pragma GCC diagnostic pop
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <phil/sim/box.hpp>
#include <phil/sim/load.hpp>
#include <phil/sim/mbap.hpp>
#include <phil/sim/rtu.hpp>
#include <phil/sim/simulator.hpp>

namespace phil::sim {

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

// Serial numbers: "300" + 3-digit bus index + 3-digit box address + 3-digit circuit.
constexpr std::uint64_t kSerialPrefix = 300'000'000'000;

speed_t speed_of(int baud) {
  switch (baud) {
    case 1200:
      return B1200;
    case 2400:
      return B2400;
    case 4800:
      return B4800;
    case 19200:
      return B19200;
    case 38400:
      return B38400;
    case 57600:
      return B57600;
    case 115200:
      return B115200;
    default:
      return B9600;
  }
}

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

struct Outgoing {
  std::vector<std::uint8_t> bytes;
  Millis delay{0};            // wall-clock delay before it goes out (fault kDelay)
  std::size_t wire_size = 0;  // the RTU reply's size on the line (the gateway's is converted)
};

using Steady = std::chrono::steady_clock;

struct Simulator::Impl {
  struct Bus;

  // One connection to a bus: its pty, or one TCP client. Only touched on the serving thread.
  struct Link {
    Link(Bus& b, asio::io_context& io, std::uint64_t n) : bus(b), id(n), silence_timer(io) {}
    Bus& bus;
    std::uint64_t id;  // 0 for the pty, 1.. for TCP clients in accept order
    std::unique_ptr<asio::posix::stream_descriptor> pty;
    std::unique_ptr<asio::ip::tcp::socket> socket;
    bool gateway = false;  // Modbus TCP: MBAP framing
    bool open = true;
    rtu::RequestDecoder decoder;
    mbap::Decoder mbap_decoder;
    asio::steady_timer silence_timer;
    std::array<std::uint8_t, 512> rx{};
    Steady::time_point frame_first;  // when the first byte of the frame being received came
    Steady::time_point last_rx;
  };

  // A request waiting for the line (one at a time per bus, as on a real RS485 line).
  struct Job {
    std::weak_ptr<Link> from;
    rtu::Request request;
    std::optional<mbap::Frame> mbap;  // a Modbus TCP request, answered under its header
    Steady::time_point request_end;   // when its last byte was on the line
  };
  static constexpr std::size_t kMaxQueue = 256;  // requests waiting per bus; more are dropped

  struct Bus {
    BusSpec spec;
    std::string endpoint;  // absolute symlink path, or 127.0.0.1:PORT
    LineTiming line;
    std::vector<std::unique_ptr<Box>> boxes;
    std::map<int, Box*> by_address;
    std::uint64_t answered = 0;  // guarded by mu
    // Serving state: only touched on the serving thread (and by start/stop around it).
    int slave_fd = -1;
    std::string slave_name;
    std::shared_ptr<Link> pty;
    std::unique_ptr<asio::ip::tcp::acceptor> acceptor;
    std::set<std::shared_ptr<Link>> clients;
    std::uint64_t next_client = 1;
    std::unique_ptr<asio::steady_timer> retry_timer;
    std::unique_ptr<asio::steady_timer> line_timer;
    std::deque<Job> queue;
    bool busy = false;             // a reply is waiting for, or going out on, the line
    Steady::time_point line_free;  // when the last reply's last character left (pacing)
    // The reply being sent.
    std::weak_ptr<Link> tx_to;
    bool tx_paced = false;  // written character by character at the line's speed
    std::vector<std::uint8_t> tx;
    std::size_t tx_sent = 0;
    Steady::time_point tx_start;
  };

  Impl(FleetSpec f, const TimeSource& t, SimulatorOptions o)
      : fleet(std::move(f)), time(t), options(std::move(o)) {}

  struct Fault {
    std::uint64_t id = 0;
    FaultSpec spec;
    std::uint64_t frames = 0;  // frames it has been consulted for (the probability's counter)
    bool started = false;      // box faults: start edge applied
    bool ended = false;        // box faults: end edge applied, or cleared
  };
  std::vector<Fault> faults;  // guarded by mu
  std::uint64_t next_fault_id = 1;
  std::vector<std::string> pending_trace;  // guarded by mu; emitted after it is released
  TimePoint model_time;                    // the instant every box has been advanced to

  static bool box_fault(FaultSpec::Kind k) {
    return k == FaultSpec::Kind::kPowerLoss || k == FaultSpec::Kind::kMeterReplaced ||
           k == FaultSpec::Kind::kClockDrift;
  }
  static std::optional<TimePoint> end_of(const FaultSpec& f) {
    if (f.duration.count() <= 0) return std::nullopt;
    return f.start + f.duration;
  }
  bool frame_fault_active(const Fault& f, const Bus& b, TimePoint t, int address) const {
    if (f.ended || f.spec.bus != b.spec.id || t < f.spec.start) return false;
    if (const auto end = end_of(f.spec); end && t >= *end) return false;
    return f.spec.address == 0 || address == 0 || f.spec.address == address;
  }
  // A deterministic draw for frame faults with a probability.
  static bool chance(Fault& f) {
    if (f.spec.probability_permille >= 1000) return true;
    const std::uint64_t h = splitmix64(f.spec.seed ^ splitmix64(f.id) ^ splitmix64(++f.frames));
    return static_cast<int>(h % 1000) < f.spec.probability_permille;
  }
  Fault* active_fault(Bus& b, FaultSpec::Kind kind, int address, bool draw) {
    for (auto& f : faults) {
      if (f.spec.kind != kind || !frame_fault_active(f, b, served_at, address)) continue;
      if (!draw || chance(f)) return &f;
    }
    return nullptr;
  }

  // Re-derives every box's supply and clock drift from the box faults in force.
  void apply_box_state() {
    for (auto& b : buses) {
      for (auto& box : b->boxes) {
        bool powered = true;
        const int configured = configured_address(*b, *box);
        std::int64_t ppm = 0;  // the fleet file's drift, then the faults'
        for (const auto& spec : b->spec.boxes) {
          if (spec.address == configured) ppm = spec.clock_drift_ppm;
        }
        for (const auto& f : faults) {
          if (!f.started || f.ended || f.spec.bus != b->spec.id) continue;
          if (f.spec.address != 0 && f.spec.address != configured) continue;
          if (f.spec.kind == FaultSpec::Kind::kPowerLoss) powered = false;
          if (f.spec.kind == FaultSpec::Kind::kClockDrift) ppm += f.spec.drift_ppm;
        }
        if (box->powered() != powered) box->set_powered(powered);
        if (box->clock_drift_ppm() != ppm) box->set_clock_drift_ppm(ppm);
      }
    }
  }
  static int configured_address(const Bus& b, const Box& box) {
    for (const auto& [address, p] : b.by_address) {
      if (p == &box) return address;
    }
    return 0;
  }
  FleetSpec fleet;
  const TimeSource& time;
  SimulatorOptions options;
  mutable std::mutex mu;
  std::vector<std::unique_ptr<Bus>> buses;
  std::unique_ptr<asio::io_context> io;
  std::thread thread;
  bool started = false;
  TimePoint served_at;  // the instant requests are being answered at (for traces); guarded by mu

  // The box holding circuit `circuit` of box `address` (as configured) on bus `id`, or nullptr.
  Box* find_circuit(const std::string& id, int address, int circuit) const {
    const Bus* b = find_bus(id);
    if (b == nullptr) return nullptr;
    const auto it = b->by_address.find(address);
    if (it == b->by_address.end() || circuit < 1 || circuit > it->second->circuit_count()) {
      return nullptr;
    }
    return it->second;
  }

  Bus* find_bus(const std::string& id) const {
    for (const auto& b : buses) {
      if (b->spec.id == id) return b.get();
    }
    return nullptr;
  }

  void step_boxes(TimePoint t, const Bus* only) {
    for (auto& b : buses) {
      if (only != nullptr && b.get() != only) continue;
      for (auto& box : b->boxes)
        box->advance_to(t);
    }
    if (only == nullptr && t > model_time) model_time = t;
  }

  // Steps every box (or only those of bus `only`) to `t`, stopping at each box-fault edge on
  // the way to apply it there, so a power loss or replacement happens at its exact instant
  // whatever the step size. Buses are independent: a request steps only its own bus's boxes.
  void advance_all(TimePoint t, const Bus* only = nullptr) {
    for (;;) {
      Fault* next = nullptr;
      TimePoint when = TimePoint::max();
      bool is_end = false;
      for (auto& f : faults) {
        if (!box_fault(f.spec.kind) || f.ended) continue;
        if (only != nullptr && f.spec.bus != only->spec.id) continue;
        if (!f.started && f.spec.start <= t && f.spec.start < when) {
          next = &f;
          when = f.spec.start;
          is_end = false;
        } else if (f.started && f.spec.kind != FaultSpec::Kind::kMeterReplaced) {
          const auto end = end_of(f.spec);
          if (end && *end <= t && *end < when) {
            next = &f;
            when = *end;
            is_end = true;
          }
        }
      }
      if (next == nullptr) break;
      step_boxes(when, only);
      if (is_end) {
        next->ended = true;
      } else {
        next->started = true;
        if (next->spec.kind == FaultSpec::Kind::kMeterReplaced) {
          next->ended = true;
          if (Bus* b = find_bus(next->spec.bus)) {
            if (auto it = b->by_address.find(next->spec.address); it != b->by_address.end()) {
              it->second->replace_meter(next->spec.circuit);
            }
          }
        }
      }
      apply_box_state();
    }
    step_boxes(t, only);
  }

  void trace(const Bus& b, const char* dir, std::span<const std::uint8_t> bytes,
             const std::string& what) {
    if (!options.trace) return;
    pending_trace.push_back(format_timestamp(served_at, fleet.utc_offset) + " " + b.spec.id + " " +
                            dir + " " + rtu::to_hex(bytes) + " | " + what);
  }
  // Emits traces collected under mu; call without mu held (the sink may call back).
  void flush_trace() {
    if (!options.trace) return;
    std::vector<std::string> lines;
    {
      std::lock_guard lock(mu);
      lines.swap(pending_trace);
    }
    for (const auto& l : lines)
      options.trace(l);
  }

  // One request -> what to send, if anything, with the frame faults in force applied. Called
  // with mu held.
  std::optional<Outgoing> handle(Bus& b, const rtu::Request& req) {
    using K = FaultSpec::Kind;
    const int address = req.address;
    if (active_fault(b, K::kBusSilent, address, false) != nullptr) {
      trace(b, "<-", req.frame, rtu::describe(req) + " [fault bus_silent: not heard]");
      return std::nullopt;
    }
    if (active_fault(b, K::kDropRequest, address, true) != nullptr) {
      trace(b, "<-", req.frame, rtu::describe(req) + " [fault drop_request: lost]");
      return std::nullopt;
    }
    std::map<int, Box*> hearing;
    std::string silenced;
    for (const auto& [configured, box] : b.by_address) {
      if (active_fault(b, K::kBoxSilent, configured, false) != nullptr) {
        silenced += " " + std::to_string(configured);
        continue;
      }
      hearing.emplace(configured, box);
    }
    trace(b, "<-", req.frame,
          rtu::describe(req) +
              (silenced.empty() ? "" : " [fault box_silent: box" + silenced + " deaf]"));
    auto reply = answer(hearing, req);
    if (!reply) return std::nullopt;
    Outgoing out;
    std::string applied;
    if (active_fault(b, K::kDropReply, address, true) != nullptr) {
      trace(b, "->", *reply, rtu::describe_response(*reply) + " [fault drop_reply: not sent]");
      return std::nullopt;
    }
    if (Fault* f = active_fault(b, K::kNoise, address, true)) {
      std::uint64_t h = splitmix64(f->spec.seed ^ f->frames);
      for (int i = 0; i < f->spec.noise_bytes; ++i) {
        h = splitmix64(h);
        out.bytes.push_back(static_cast<std::uint8_t>(h & 0xFF));
      }
      applied += " [fault noise: " + std::to_string(f->spec.noise_bytes) + " bytes first]";
    }
    if (active_fault(b, K::kCorruptCrc, address, true) != nullptr) {
      reply->back() = static_cast<std::uint8_t>(reply->back() ^ 0xFF);
      applied += " [fault corrupt_crc]";
    }
    if (active_fault(b, K::kTruncate, address, true) != nullptr) {
      reply->resize(reply->size() / 2);
      applied += " [fault truncate]";
    }
    if (Fault* f = active_fault(b, K::kDelay, address, true)) {
      out.delay = f->spec.delay;
      applied += " [fault delay: " + format_duration(f->spec.delay) + "]";
    }
    ++b.answered;
    trace(b, "->", *reply, rtu::describe_response(*reply) + applied);
    out.bytes.insert(out.bytes.end(), reply->begin(), reply->end());
    return out;
  }

  // Records one trace line at now() (takes mu) and emits it. Serving thread, mu not held.
  void note(const Bus& b, const char* dir, std::span<const std::uint8_t> bytes,
            const std::string& what) {
    if (!options.trace) return;
    {
      std::lock_guard lock(mu);
      served_at = time.now();
      trace(b, dir, bytes, what);
    }
    flush_trace();
  }
  static std::string via(const Link& l) {
    return l.id == 0 ? "" : " [client " + std::to_string(l.id) + "]";
  }

  // A request from `link` waits for the line.
  void enqueue(Link& link, rtu::Request request, std::optional<mbap::Frame> frame,
               Steady::time_point end, const std::shared_ptr<Link>& self) {
    Bus& b = link.bus;
    if (b.queue.size() >= kMaxQueue) {
      note(b, "<-", request.frame, "queue of the line full: request dropped" + via(link));
      return;
    }
    b.queue.push_back(Job{self, std::move(request), std::move(frame), end});
  }

  // Serves the requests waiting for the line, one at a time: the next is taken when the reply
  // of the previous one has gone out (or there was none).
  void pump(Bus& b) {
    while (!b.busy && !b.queue.empty()) {
      Job job = std::move(b.queue.front());
      b.queue.pop_front();
      const auto link = job.from.lock();
      if (!link || !link->open) {
        note(b, "<-", job.request.frame,
             "client gone before its request reached the line: discarded");
        continue;
      }
      std::optional<Outgoing> out;
      {
        std::lock_guard lock(mu);
        served_at = time.now();
        advance_all(served_at, &b);
        if (job.mbap) {
          pending_trace.push_back(format_timestamp(served_at, fleet.utc_offset) + " " + b.spec.id +
                                  " <- MBAP transaction " + std::to_string(job.mbap->transaction) +
                                  " unit " + std::to_string(job.mbap->unit) + via(*link));
        }
        out = handle(b, job.request);
        if (out) {
          out->wire_size = out->bytes.size();
          if (job.mbap) {
            if (auto reply = mbap::to_mbap(*job.mbap, out->bytes)) {
              out->bytes = std::move(*reply);
            } else {
              trace(b, "->", out->bytes,
                    "gateway: no valid RTU reply on the line, nothing sent to the client");
              out.reset();
            }
          }
        }
      }
      flush_trace();
      if (out) begin_reply(b, link, std::move(*out), job.request_end);
    }
  }

  bool paced(const Bus& b) const { return b.spec.pacing.enabled; }

  void begin_reply(Bus& b, const std::shared_ptr<Link>& link, Outgoing out,
                   Steady::time_point request_end) {
    b.busy = true;
    b.tx_to = link;
    b.tx = std::move(out.bytes);
    b.tx_sent = 0;
    b.tx_paced = false;
    Steady::time_point start = Steady::now();
    if (paced(b)) {
      // The box starts answering t3.5 + turnaround after the request's last byte.
      // ... and t3.5 after the previous reply on the line.
      const auto earliest =
          std::max(request_end + b.line.t35 + b.spec.pacing.turnaround, b.line_free + b.line.t35);
      start = std::max(start, std::chrono::time_point_cast<Steady::duration>(earliest));
      if (link->gateway) {
        // The gateway sends its TCP reply once the whole RTU reply has crossed the line.
        start += std::chrono::duration_cast<Steady::duration>(b.line.frame(out.wire_size));
      } else {
        b.tx_paced = true;
      }
    }
    b.tx_start = start + out.delay;
    tx_step(b);
  }

  void wait_line(Bus& b, Steady::time_point until, void (Impl::*next)(Bus&)) {
    b.line_timer->expires_at(until);
    b.line_timer->async_wait([this, &b, next](const boost::system::error_code& ec) {
      if (!ec) (this->*next)(b);
    });
  }

  // Writes what of the reply is due now: all of it, or (paced) every character whose start
  // time has come.
  void tx_step(Bus& b) {
    const auto link = b.tx_to.lock();
    if (!link || !link->open) {
      note(b, "->", b.tx, "client gone: stale reply dropped");
      finish_reply(b);
      return;
    }
    const auto now = Steady::now();
    if (now < b.tx_start) {
      wait_line(b, b.tx_start, &Impl::tx_step);
      return;
    }
    std::size_t due = b.tx.size();
    if (b.tx_paced) {
      const auto chars = static_cast<std::size_t>((now - b.tx_start) / b.line.char_time) + 1;
      due = std::min(due, std::max(chars, b.tx_sent + 1));
    }
    const auto buffer = asio::buffer(b.tx.data() + b.tx_sent, due - b.tx_sent);
    auto done = [this, &b, link, due](const boost::system::error_code& ec, std::size_t) {
      if (ec) {
        close_link(link);
        finish_reply(b);
        return;
      }
      b.tx_sent = due;
      after_write(b);
    };
    if (link->pty) {
      asio::async_write(*link->pty, buffer, std::move(done));
      return;
    }
    // A TCP client that stops reading must not hold the line for every other client: what
    // its socket does not take at once (its buffers are full) closes it.
    boost::system::error_code ec;
    link->socket->non_blocking(true, ec);
    const std::size_t n = ec ? 0 : link->socket->write_some(buffer, ec);
    if (!ec && n < buffer.size()) {
      note(b, "->", b.tx, "client not reading its replies: connection closed" + via(*link));
      ec = asio::error::would_block;
    }
    done(ec, n);
  }

  Steady::time_point char_start(const Bus& b, std::size_t n) const {
    return b.tx_start + std::chrono::duration_cast<Steady::duration>(b.line.frame(n));
  }

  void after_write(Bus& b) {
    if (b.tx_sent < b.tx.size()) {
      wait_line(b, char_start(b, b.tx_sent), &Impl::tx_step);
    } else if (b.tx_paced && Steady::now() < char_start(b, b.tx.size())) {
      wait_line(b, char_start(b, b.tx.size()), &Impl::finish_reply);  // the last character
    } else {
      finish_reply(b);
    }
  }

  void finish_reply(Bus& b) {
    b.busy = false;
    b.line_free = Steady::now();
    b.tx.clear();
    b.tx_sent = 0;
    b.tx_to.reset();
    pump(b);
  }

  // Bytes from a client (or the pty).
  void on_bytes(const std::shared_ptr<Link>& link, std::span<const std::uint8_t> bytes) {
    Link& l = *link;
    Bus& b = l.bus;
    const auto now = Steady::now();
    l.last_rx = now;
    if (l.gateway) {
      l.mbap_decoder.feed(bytes);
      while (auto frame = l.mbap_decoder.next()) {
        // The gateway puts [unit][PDU][CRC] on its line; the slaves frame it as on any line.
        const auto rtu_frame = mbap::to_rtu(*frame);
        rtu::RequestDecoder line;
        line.feed(rtu_frame);
        line.silence();
        if (auto request = line.next()) {
          const auto end =
              now + std::chrono::duration_cast<Steady::duration>(b.line.frame(rtu_frame.size()));
          enqueue(l, std::move(*request), std::move(*frame), end, link);
        } else {
          note(b, "<-", rtu_frame,
               "gateway: the PDU is no frame a slave accepts (e.g. byte count and length "
               "disagree): no reply" +
                   via(l));
        }
      }
      if (const auto& bad = l.mbap_decoder.malformed()) {
        note(b, "<-", bytes, "malformed MBAP header (" + *bad + "): connection closed" + via(l));
        close_link(link);
      }
      pump(b);
      return;
    }
    if (l.decoder.idle()) l.frame_first = now;
    decode(
        link, [&] { l.decoder.feed(bytes); }, now);
    if (!l.decoder.idle()) {
      l.silence_timer.expires_after(options.silence);
      l.silence_timer.async_wait([this, link](const boost::system::error_code& ec) {
        if (ec || !link->open || link->decoder.idle()) return;
        decode(
            link, [&] { link->decoder.silence(); }, link->last_rx);
        pump(link->bus);
      });
    }
    pump(b);
  }

  // Runs `step` on the link's RTU decoder and queues what it completes.
  template <typename Step>
  void decode(const std::shared_ptr<Link>& link, Step&& step, Steady::time_point now) {
    Link& l = *link;
    const auto bad = l.decoder.bad_crc();
    step();
    if (l.decoder.bad_crc() != bad) note(l.bus, "<-", {}, "bad CRC: frame dropped" + via(l));
    while (auto request = l.decoder.next()) {
      // Its last byte was on the line when it arrived, or (a master writing faster than the
      // line) one frame time after its first byte.
      const auto wire =
          std::chrono::duration_cast<Steady::duration>(l.bus.line.frame(request->frame.size()));
      enqueue(l, std::move(*request), std::nullopt, std::max(now, l.frame_first + wire), link);
      l.frame_first = now;
    }
  }

  void start_read(const std::shared_ptr<Link>& link) {
    auto handler = [this, link](const boost::system::error_code& ec, std::size_t n) {
      if (ec == asio::error::operation_aborted || !link->open) return;
      if (ec && link->pty) {
        // Not expected while we hold a slave fd open; back off instead of spinning.
        note(link->bus, "!!", {}, "read error: " + ec.message());
        link->bus.retry_timer->expires_after(std::chrono::milliseconds(100));
        link->bus.retry_timer->async_wait([this, link](const boost::system::error_code& e) {
          if (!e) start_read(link);
        });
        return;
      }
      if (ec) {  // the client closed the connection (or it broke)
        note(link->bus, "--", {}, "client disconnected" + via(*link));
        close_link(link);
        return;
      }
      on_bytes(link, std::span(link->rx).first(n));
      if (link->open) start_read(link);
    };
    if (link->pty) {
      link->pty->async_read_some(asio::buffer(link->rx), std::move(handler));
    } else {
      link->socket->async_read_some(asio::buffer(link->rx), std::move(handler));
    }
  }

  void close_link(const std::shared_ptr<Link>& link) {
    if (!link->open || link->pty) return;
    link->open = false;
    boost::system::error_code ec;
    link->silence_timer.cancel();
    link->socket->shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    link->socket->close(ec);
    link->bus.clients.erase(link);
  }

  void accept(Bus& b) {
    b.acceptor->async_accept(
        [this, &b](const boost::system::error_code& ec, asio::ip::tcp::socket socket) {
          if (ec == asio::error::operation_aborted) return;
          if (ec) {  // e.g. out of file descriptors: try again shortly instead of spinning
            note(b, "!!", {}, "accept: " + ec.message());
            b.retry_timer->expires_after(std::chrono::milliseconds(100));
            b.retry_timer->async_wait([this, &b](const boost::system::error_code& e) {
              if (!e) accept(b);
            });
            return;
          }
          boost::system::error_code ignored;
          socket.set_option(asio::ip::tcp::no_delay(true), ignored);
          auto link = std::make_shared<Link>(b, *io, b.next_client++);
          link->gateway = b.spec.transport == Transport::kTcp;
          link->socket = std::make_unique<asio::ip::tcp::socket>(std::move(socket));
          b.clients.insert(link);
          note(b, "--", {}, "client connected" + via(*link));
          start_read(link);
          accept(b);
        });
  }

  void open_tcp(Bus& b) {
    const auto endpoint = asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(),
                                                  static_cast<unsigned short>(b.spec.tcp_port));
    b.acceptor = std::make_unique<asio::ip::tcp::acceptor>(*io);
    boost::system::error_code ec;
    b.acceptor->open(endpoint.protocol(), ec);
    if (!ec) b.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) b.acceptor->bind(endpoint, ec);
    if (!ec) b.acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      throw std::runtime_error(
          "bus " + b.spec.id + ": cannot listen on 127.0.0.1:" + std::to_string(b.spec.tcp_port) +
          " (" + ec.message() + "). Choose a free port in the fleet file, or 0 for any");
    }
    b.endpoint = "127.0.0.1:" + std::to_string(b.acceptor->local_endpoint().port());
    b.retry_timer = std::make_unique<asio::steady_timer>(*io);
    b.line_timer = std::make_unique<asio::steady_timer>(*io);
  }

  void open_pty(Bus& b) {
    const auto fail = [&](const std::string& why) {
      throw std::runtime_error("bus " + b.spec.id + ": cannot serve on " + b.endpoint + " (" + why +
                               "). Check that the directory is writable and ptys are " +
                               "available");
    };
    b.pty = std::make_shared<Link>(b, *io, 0);
    const int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) fail(errno_text("posix_openpt"));
    b.pty->pty = std::make_unique<asio::posix::stream_descriptor>(*io, master);
    if (grantpt(master) != 0) fail(errno_text("grantpt"));
    if (unlockpt(master) != 0) fail(errno_text("unlockpt"));
    std::array<char, 128> name{};
    if (ptsname_r(master, name.data(), name.size()) != 0) fail(errno_text("ptsname_r"));
    b.slave_name = name.data();
    // Holding a slave fd keeps the master from seeing EIO/HUP while no client has the port open
    // (which would make the reactor spin on an always-ready fd).
    b.slave_fd = ::open(b.slave_name.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (b.slave_fd < 0) fail(errno_text("open slave"));
    termios tio{};
    if (tcgetattr(b.slave_fd, &tio) != 0) fail(errno_text("tcgetattr"));
    cfmakeraw(&tio);  // no echo, no line editing: bytes pass through untouched
    cfsetispeed(&tio, speed_of(b.spec.baud));
    cfsetospeed(&tio, speed_of(b.spec.baud));
    if (tcsetattr(b.slave_fd, TCSANOW, &tio) != 0) fail(errno_text("tcsetattr"));

    std::error_code ec;
    const fs::path link(b.endpoint);
    fs::create_directories(link.parent_path(), ec);
    if (ec) fail("create " + link.parent_path().string() + ": " + ec.message());
    const auto st = fs::symlink_status(link, ec);
    if (fs::is_symlink(st)) {
      fs::remove(link, ec);  // a stale link from an earlier run
    } else if (fs::exists(st)) {
      fail(b.endpoint + " exists and is not a symlink; remove it or choose another port");
    }
    fs::create_symlink(b.slave_name, link, ec);
    if (ec) fail("symlink: " + ec.message());
    b.retry_timer = std::make_unique<asio::steady_timer>(*io);
    b.line_timer = std::make_unique<asio::steady_timer>(*io);
  }

  void close_bus(Bus& b) {
    b.retry_timer.reset();
    b.line_timer.reset();
    b.queue.clear();
    b.busy = false;
    b.tx.clear();
    b.tx_to.reset();
    if (b.acceptor) {
      boost::system::error_code ec;
      b.acceptor->close(ec);
      b.acceptor.reset();
    }
    for (const auto& c : std::set(b.clients))
      close_link(c);
    b.clients.clear();
    if (b.pty) {
      b.pty->open = false;
      b.pty->silence_timer.cancel();
      b.pty->pty.reset();  // closes the master
      b.pty.reset();
    }
    if (b.slave_fd >= 0) ::close(b.slave_fd);
    b.slave_fd = -1;
    std::error_code ec;
    const fs::path link(b.endpoint);
    if (!b.slave_name.empty() && fs::is_symlink(fs::symlink_status(link, ec)) &&
        fs::read_symlink(link, ec) == fs::path(b.slave_name)) {
      fs::remove(link, ec);
    }
    b.slave_name.clear();
  }
};

Simulator::Simulator(FleetSpec fleet, const TimeSource& time, SimulatorOptions options)
    : impl_(std::make_unique<Impl>(std::move(fleet), time, std::move(options))) {
  const TimePoint start = time.now();
  const fs::path run_dir = fs::absolute(impl_->options.run_dir);
  std::uint64_t bus_index = 0;
  for (const auto& spec : impl_->fleet.buses) {
    ++bus_index;
    auto bus = std::make_unique<Impl::Bus>();
    bus->spec = spec;
    bus->line = line_timing(spec.baud, spec.parity, spec.stop_bits);
    if (spec.transport == Transport::kPty) {
      const fs::path port(spec.port);
      bus->endpoint = (port.is_absolute() ? port : run_dir / port).lexically_normal().string();
    } else {
      bus->endpoint = "127.0.0.1:" + std::to_string(spec.tcp_port);
    }
    for (const auto& box_spec : spec.boxes) {
      const auto ref = find_model(impl_->fleet.profiles, box_spec.model);
      if (!ref) {
        throw std::invalid_argument("bus " + spec.id + " box " + std::to_string(box_spec.address) +
                                    ": model \"" + box_spec.model +
                                    "\" is in none of the fleet's profiles; parse the fleet with "
                                    "parse_fleet() so its profiles are loaded");
      }
      const std::uint64_t serial_base = kSerialPrefix + bus_index * 1'000'000 +
                                        static_cast<std::uint64_t>(box_spec.address) * 1000;
      auto box = std::make_unique<Box>(*ref->profile, *ref->model, box_spec, spec.baud, start,
                                       impl_->fleet.utc_offset, serial_base);
      bus->by_address[box_spec.address] = box.get();
      bus->boxes.push_back(std::move(box));
    }
    // The boxes hold their circuits' specs; keep only what the bus needs (addresses, drift).
    for (auto& box_spec : bus->spec.boxes)
      box_spec.circuits.clear();
    impl_->buses.push_back(std::move(bus));
  }
  impl_->model_time = start;
  for (const auto& f : impl_->fleet.faults)
    (void)inject_fault(f);
  impl_->fleet.buses.clear();  // copied into the buses above
  impl_->fleet.buses.shrink_to_fit();
}

Simulator::~Simulator() {
  stop();
}

void Simulator::start() {
  if (impl_->started) return;
  impl_->io = std::make_unique<asio::io_context>();
  try {
    for (auto& b : impl_->buses) {
      if (b->spec.transport == Transport::kPty) {
        impl_->open_pty(*b);
      } else {
        impl_->open_tcp(*b);
      }
    }
  } catch (...) {
    for (auto& b : impl_->buses)
      impl_->close_bus(*b);
    impl_->io.reset();
    throw;
  }
  for (auto& b : impl_->buses) {
    if (b->pty) {
      impl_->start_read(b->pty);
    } else {
      impl_->accept(*b);
    }
  }
  impl_->thread = std::thread([io = impl_->io.get()] { io->run(); });
  impl_->started = true;
}

void Simulator::stop() {
  if (!impl_->started) return;
  impl_->io->stop();
  impl_->thread.join();
  for (auto& b : impl_->buses)
    impl_->close_bus(*b);
  impl_->io.reset();
  impl_->started = false;
}

std::string Simulator::endpoint(const std::string& bus_id) const {
  const Impl::Bus* b = impl_->find_bus(bus_id);
  if (b == nullptr) throw std::out_of_range("no bus \"" + bus_id + "\" in the fleet");
  return b->endpoint;
}

std::string Simulator::transport(const std::string& bus_id) const {
  const Impl::Bus* b = impl_->find_bus(bus_id);
  if (b == nullptr) throw std::out_of_range("no bus \"" + bus_id + "\" in the fleet");
  return std::string(transport_name(b->spec.transport));
}

void Simulator::advance_to(TimePoint t) {
  // Bus by bus, so requests on other buses are not held up for the whole fleet's step.
  for (const auto& b : impl_->buses) {
    std::lock_guard lock(impl_->mu);
    impl_->advance_all(t, b.get());
  }
  std::lock_guard lock(impl_->mu);
  if (t > impl_->model_time) impl_->model_time = t;
}

std::optional<CircuitView> Simulator::circuit(const std::string& bus_id, int address,
                                              int circuit) const {
  std::lock_guard lock(impl_->mu);
  const Box* found = impl_->find_circuit(bus_id, address, circuit);
  if (found == nullptr) return std::nullopt;
  const Box& box = *found;
  const CircuitModel& c = box.circuit(circuit);
  CircuitView v;
  v.energy_wh = c.energy_wh();
  v.balance_fen = c.balance_fen();
  v.power_w = c.power_w();
  v.relay_closed = c.relay_closed();
  v.mode = c.mode();
  v.purchase_count = c.purchase_count();
  v.purchase_total_fen = c.purchase_total_fen();
  v.status = box.status_bits(circuit);
  return v;
}

bool Simulator::set_load(const std::string& bus_id, int address, int circuit,
                         const LoadSpec& load) {
  std::lock_guard lock(impl_->mu);
  Box* box = impl_->find_circuit(bus_id, address, circuit);
  if (box == nullptr) return false;
  impl_->advance_all(impl_->time.now());
  box->circuit(circuit).set_load(load);
  return true;
}

std::uint64_t Simulator::inject_fault(const FaultSpec& fault) {
  std::lock_guard lock(impl_->mu);
  Impl::Bus* b = impl_->find_bus(fault.bus);
  if (b == nullptr) {
    throw std::invalid_argument("fault on bus \"" + fault.bus +
                                "\": no such bus in the fleet; name one of its bus ids");
  }
  const auto box = b->by_address.find(fault.address);
  if (fault.address != 0 && box == b->by_address.end()) {
    throw std::invalid_argument("fault on bus " + fault.bus + " box " +
                                std::to_string(fault.address) +
                                ": no box at that address; use one of the bus's boxes or 0");
  }
  using K = FaultSpec::Kind;
  const bool needs_box = fault.kind == K::kBoxSilent || fault.kind == K::kMeterReplaced ||
                         fault.kind == K::kClockDrift;
  if (needs_box && fault.address == 0) {
    throw std::invalid_argument("fault " + std::string(fault_kind_name(fault.kind)) + " on bus " +
                                fault.bus + ": give the address of one box");
  }
  if (fault.kind == K::kMeterReplaced &&
      (fault.circuit < 1 || fault.circuit > box->second->circuit_count())) {
    throw std::invalid_argument("fault meter_replaced on bus " + fault.bus + " box " +
                                std::to_string(fault.address) + ": circuit " +
                                std::to_string(fault.circuit) + " does not exist (1.." +
                                std::to_string(box->second->circuit_count()) + ")");
  }
  Impl::Fault f;
  f.id = impl_->next_fault_id++;
  f.spec = fault;
  if (fault.start_relative) {
    f.spec.start = impl_->time.now() + fault.start_after;
    f.spec.start_relative = false;
  }
  impl_->faults.push_back(f);
  return f.id;
}

bool Simulator::clear_fault(std::uint64_t id) {
  std::lock_guard lock(impl_->mu);
  impl_->advance_all(impl_->time.now());
  const auto it = std::find_if(impl_->faults.begin(), impl_->faults.end(),
                               [&](const Impl::Fault& f) { return f.id == id; });
  if (it == impl_->faults.end()) return false;
  impl_->faults.erase(it);
  impl_->apply_box_state();
  return true;
}

void Simulator::clear_faults() {
  std::lock_guard lock(impl_->mu);
  impl_->advance_all(impl_->time.now());
  impl_->faults.clear();
  impl_->apply_box_state();
}

std::vector<std::pair<std::uint64_t, FaultSpec>> Simulator::faults() const {
  std::lock_guard lock(impl_->mu);
  std::vector<std::pair<std::uint64_t, FaultSpec>> out;
  for (const auto& f : impl_->faults)
    out.emplace_back(f.id, f.spec);
  return out;
}

bool Simulator::replace_meter(const std::string& bus_id, int address, int circuit) {
  std::lock_guard lock(impl_->mu);
  Box* box = impl_->find_circuit(bus_id, address, circuit);
  if (box == nullptr) return false;
  impl_->advance_all(impl_->time.now());
  box->replace_meter(circuit);
  return true;
}

std::string Simulator::status_text() const {
  std::lock_guard lock(impl_->mu);
  const auto money = [](std::int64_t fen) {
    const std::string sign = fen < 0 ? "-" : "";
    const std::int64_t a = fen < 0 ? -fen : fen;
    return sign + std::to_string(a / 100) + "." + (a % 100 < 10 ? "0" : "") +
           std::to_string(a % 100);
  };
  const char* modes[] = {"prepaid", "keep_power", "forced_off"};
  std::string out =
      "sim time " + format_timestamp(impl_->model_time, impl_->fleet.utc_offset) + "\n";
  for (const auto& b : impl_->buses) {
    out += "bus " + b->spec.id + " " + std::string(transport_name(b->spec.transport)) + " " +
           b->endpoint + " baud " + std::to_string(b->spec.baud) +
           (b->spec.pacing.enabled ? " paced" : "") + " answered " + std::to_string(b->answered) +
           "\n";
    for (const auto& [configured, box] : b->by_address) {
      out += "  box " + std::to_string(configured) + " " + box->model().name +
             (box->address() != configured ? " now at " + std::to_string(box->address()) : "") +
             (box->powered() ? "" : " POWER LOSS") + (box->hears_bus() ? "" : " DEAF (baud)") +
             "\n";
      for (int n = 1; n <= box->circuit_count(); ++n) {
        const CircuitModel& c = box->circuit(n);
        out += "    c" + std::to_string(n) + " balance " + money(c.balance_fen()) + " relay " +
               (c.relay_closed() ? "closed" : "open") + " mode " +
               modes[static_cast<int>(c.mode())] + " power " + std::to_string(c.power_w()) +
               " W energy " + std::to_string(c.energy_wh()) + " Wh" +
               (c.overload_tripped() ? " OVERLOAD" : "") + "\n";
      }
    }
  }
  for (const auto& f : impl_->faults) {
    out += "fault " + std::to_string(f.id) + " " + std::string(fault_kind_name(f.spec.kind)) +
           " bus " + f.spec.bus + " box " + std::to_string(f.spec.address) + " from " +
           format_timestamp(f.spec.start, impl_->fleet.utc_offset) +
           (f.spec.duration.count() > 0 ? " for " + format_duration(f.spec.duration)
                                        : " until cleared") +
           "\n";
  }
  return out;
}

std::uint64_t Simulator::frames_answered(const std::string& bus_id) const {
  std::lock_guard lock(impl_->mu);
  const Impl::Bus* b = impl_->find_bus(bus_id);
  return b == nullptr ? 0 : b->answered;
}

}  // namespace phil::sim
