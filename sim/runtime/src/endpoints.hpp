#pragma once
// The serving side of one bus (private to the Simulator): its endpoint — a pseudo-terminal
// published as a symlink, or a TCP listener on 127.0.0.1 with its clients (RTU frames in the
// stream, or MBAP through the Modbus TCP gateway) — framing what arrives into requests, queueing
// them on the bus's line (LineArbiter), asking the simulator for each reply, and writing the
// replies out, paced or not. Everything here runs on the simulator's serving thread (open() and
// close() around it, from the thread that calls Simulator::start/stop).
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>

// GCC 12 at -O3 reports -Wnull-dereference inside Asio's scheduler (a false positive in a
// system header, inlined here); the release preset builds with -Werror.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#pragma GCC diagnostic pop

#include <phil/sim/detail/line_arbiter.hpp>
#include <phil/sim/fleet.hpp>
#include <phil/sim/mbap.hpp>
#include <phil/sim/rtu.hpp>

namespace phil::sim::detail {

class BusServer;

/// One connection to a bus: its pty, or one TCP client.
struct Link {
  Link(BusServer& s, boost::asio::io_context& io, std::uint64_t n)
      : server(s), id(n), silence_timer(io) {}
  BusServer& server;
  std::uint64_t id;  // 0 for the pty, 1.. for TCP clients in accept order
  std::unique_ptr<boost::asio::posix::stream_descriptor> pty;
  std::unique_ptr<boost::asio::ip::tcp::socket> socket;
  bool gateway = false;  // Modbus TCP: MBAP framing
  bool open = true;
  rtu::RequestDecoder decoder;
  mbap::Decoder mbap_decoder;
  boost::asio::steady_timer silence_timer;
  std::array<std::uint8_t, 512> rx{};
  Steady::time_point frame_first;  // when the first byte of the frame being received came
  Steady::time_point last_rx;
};

/// What a bus's serving side asks of the simulator.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  /// Answers `job`, a request that has reached the line of bus number `bus` (models, faults and
  /// trace at one instant): the reply to send (its `gateway` is the caller's), or nullopt.
  /// `via` names the client in trace lines ("" for the pty).
  virtual std::optional<Reply> serve(std::size_t bus, const Job& job, const std::string& via) = 0;
  /// Records a trace line about bus number `bus` (an event that is no request).
  virtual void note(std::size_t bus, const char* dir, std::span<const std::uint8_t> bytes,
                    const std::string& what) = 0;
};

class BusServer {
 public:
  /// `endpoint`: the absolute symlink path for a pty (unused for TCP). `silence`: see
  /// SimulatorOptions::silence.
  BusServer(boost::asio::io_context& io, const BusSpec& spec, std::size_t index,
            std::string endpoint, RequestHandler& handler, std::chrono::milliseconds silence);
  ~BusServer();
  BusServer(const BusServer&) = delete;
  BusServer& operator=(const BusServer&) = delete;

  /// Opens the pty and publishes its symlink, or binds and listens; returns the endpoint
  /// (the bound 127.0.0.1:PORT for TCP). Throws std::runtime_error naming the bus and what to
  /// do; then close() undoes what was done.
  std::string open();
  /// Starts reading (pty) or accepting (TCP) on the io_context.
  void start();
  /// Drops the queue and any reply, closes every connection and the listener or pty, removes
  /// the symlink (if it is still ours). Idempotent. Call with the io_context stopped.
  void close();

 private:
  void note(const char* dir, std::span<const std::uint8_t> bytes, const std::string& what);
  static std::string via(const Link& l);
  void enqueue(Link& link, rtu::Request request, std::optional<mbap::Frame> frame,
               Steady::time_point end, const std::shared_ptr<Link>& self);
  void pump();
  void tx_step();
  void after_write();
  void finish_reply();
  void wait_line(Steady::time_point until, void (BusServer::*next)());
  void on_bytes(const std::shared_ptr<Link>& link, std::span<const std::uint8_t> bytes);
  void on_gateway_bytes(const std::shared_ptr<Link>& link, std::span<const std::uint8_t> bytes,
                        Steady::time_point now);
  template <typename Step>
  void decode(const std::shared_ptr<Link>& link, Step&& step, Steady::time_point now);
  void start_read(const std::shared_ptr<Link>& link);
  void close_link(const std::shared_ptr<Link>& link);
  void accept();
  void open_tcp();
  void open_pty();

  boost::asio::io_context& io_;
  const BusSpec& spec_;
  std::size_t index_;
  std::string endpoint_;
  RequestHandler& handler_;
  std::chrono::milliseconds silence_;
  LineTiming line_;
  LineArbiter arbiter_;
  int slave_fd_ = -1;
  std::string slave_name_;
  std::shared_ptr<Link> pty_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::set<std::shared_ptr<Link>> clients_;
  std::uint64_t next_client_ = 1;
  std::unique_ptr<boost::asio::steady_timer> retry_timer_;
  std::unique_ptr<boost::asio::steady_timer> line_timer_;
};

}  // namespace phil::sim::detail
