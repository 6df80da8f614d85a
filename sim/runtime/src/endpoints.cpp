#include "endpoints.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <utility>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/write.hpp>
#pragma GCC diagnostic pop
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

namespace phil::sim::detail {

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

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

BusServer::BusServer(asio::io_context& io, const BusSpec& spec, std::size_t index,
                     std::string endpoint, RequestHandler& handler,
                     std::chrono::milliseconds silence)
    : io_(io),
      spec_(spec),
      index_(index),
      endpoint_(std::move(endpoint)),
      handler_(handler),
      silence_(silence),
      line_(line_timing(spec.baud, spec.parity, spec.stop_bits)),
      arbiter_(line_, spec.pacing) {}

BusServer::~BusServer() {
  close();
}

void BusServer::note(const char* dir, std::span<const std::uint8_t> bytes,
                     const std::string& what) {
  handler_.note(index_, dir, bytes, what);
}

std::string BusServer::via(const Link& l) {
  return l.id == 0 ? "" : " [client " + std::to_string(l.id) + "]";
}

// A request from `link` waits for the line.
void BusServer::enqueue(Link& link, rtu::Request request, std::optional<mbap::Frame> frame,
                        Steady::time_point end, const std::shared_ptr<Link>& self) {
  if (arbiter_.waiting() >= LineArbiter::kMaxQueue) {
    note("<-", request.frame, "queue of the line full: request dropped" + via(link));
    return;
  }
  arbiter_.offer(Job{self, std::move(request), std::move(frame), end});
}

// Serves the requests waiting for the line, one at a time: the next is taken when the reply of
// the previous one has gone out (or there was none).
void BusServer::pump() {
  while (auto job = arbiter_.take()) {
    const auto link = job->from.lock();
    if (!link || !link->open) {
      note("<-", job->request.frame, "client gone before its request reached the line: discarded");
      continue;
    }
    if (auto reply = handler_.serve(index_, *job, via(*link))) {
      reply->gateway = link->gateway;
      arbiter_.begin(std::move(*reply), link, job->request_end, Steady::now());
      tx_step();
    }
  }
}

void BusServer::wait_line(Steady::time_point until, void (BusServer::*next)()) {
  line_timer_->expires_at(until);
  line_timer_->async_wait([this, next](const boost::system::error_code& ec) {
    if (!ec) (this->*next)();
  });
}

// Writes what of the reply is due now: all of it, or (paced) every character whose start time
// has come.
void BusServer::tx_step() {
  const auto link = arbiter_.to().lock();
  if (!link || !link->open) {
    note("->", arbiter_.tx(), "client gone: stale reply dropped");
    finish_reply();
    return;
  }
  const auto now = Steady::now();
  if (now < arbiter_.tx_start()) {
    wait_line(arbiter_.tx_start(), &BusServer::tx_step);
    return;
  }
  const std::size_t due = arbiter_.due(now);
  const auto buffer = asio::buffer(arbiter_.tx().data() + arbiter_.sent(), due - arbiter_.sent());
  auto done = [this, link, due](const boost::system::error_code& ec, std::size_t) {
    if (ec) {
      close_link(link);
      finish_reply();
      return;
    }
    arbiter_.wrote(due);
    after_write();
  };
  if (link->pty) {
    asio::async_write(*link->pty, buffer, std::move(done));
    return;
  }
  // A TCP client that stops reading must not hold the line for every other client: what its
  // socket does not take at once (its buffers are full) closes it.
  boost::system::error_code ec;
  link->socket->non_blocking(true, ec);
  const std::size_t n = ec ? 0 : link->socket->write_some(buffer, ec);
  if (!ec && n < buffer.size()) {
    note("->", arbiter_.tx(), "client not reading its replies: connection closed" + via(*link));
    ec = asio::error::would_block;
  }
  done(ec, n);
}

void BusServer::after_write() {
  const auto next = arbiter_.after_write(Steady::now());
  switch (next.what) {
    case LineArbiter::Next::What::kWrite:
      wait_line(next.at, &BusServer::tx_step);
      return;
    case LineArbiter::Next::What::kDrain:
      wait_line(next.at, &BusServer::finish_reply);  // the last character
      return;
    case LineArbiter::Next::What::kFinish:
      finish_reply();
      return;
  }
}

void BusServer::finish_reply() {
  arbiter_.finish(Steady::now());
  pump();
}

// Bytes from a client (or the pty).
void BusServer::on_bytes(const std::shared_ptr<Link>& link, std::span<const std::uint8_t> bytes) {
  Link& l = *link;
  const auto now = Steady::now();
  l.last_rx = now;
  if (l.gateway) {
    on_gateway_bytes(link, bytes, now);
    pump();
    return;
  }
  if (l.decoder.idle()) l.frame_first = now;
  decode(
      link, [&] { l.decoder.feed(bytes); }, now);
  if (!l.decoder.idle()) {
    l.silence_timer.expires_after(silence_);
    l.silence_timer.async_wait([this, link](const boost::system::error_code& ec) {
      if (ec || !link->open || link->decoder.idle()) return;
      decode(
          link, [&] { link->decoder.silence(); }, link->last_rx);
      pump();
    });
  }
  pump();
}

// MBAP frames from a Modbus TCP client, each put on the line as the RTU frame the gateway sends.
void BusServer::on_gateway_bytes(const std::shared_ptr<Link>& link,
                                 std::span<const std::uint8_t> bytes, Steady::time_point now) {
  Link& l = *link;
  l.mbap_decoder.feed(bytes);
  while (auto frame = l.mbap_decoder.next()) {
    // The gateway puts [unit][PDU][CRC] on its line; the slaves frame it as on any line.
    const auto rtu_frame = mbap::to_rtu(*frame);
    rtu::RequestDecoder line;
    line.feed(rtu_frame);
    line.silence();
    if (auto request = line.next()) {
      const auto end =
          now + std::chrono::duration_cast<Steady::duration>(line_.frame(rtu_frame.size()));
      enqueue(l, std::move(*request), std::move(*frame), end, link);
    } else {
      note("<-", rtu_frame,
           "gateway: the PDU is no frame a slave accepts (e.g. byte count and length "
           "disagree): no reply" +
               via(l));
    }
  }
  if (const auto& bad = l.mbap_decoder.malformed()) {
    note("<-", bytes, "malformed MBAP header (" + *bad + "): connection closed" + via(l));
    close_link(link);
  }
}

// Runs `step` on the link's RTU decoder and queues what it completes.
template <typename Step>
void BusServer::decode(const std::shared_ptr<Link>& link, Step&& step, Steady::time_point now) {
  Link& l = *link;
  const auto bad = l.decoder.bad_crc();
  step();
  if (l.decoder.bad_crc() != bad) note("<-", {}, "bad CRC: frame dropped" + via(l));
  while (auto request = l.decoder.next()) {
    // Its last byte was on the line when it arrived, or (a master writing faster than the
    // line) one frame time after its first byte.
    const auto wire =
        std::chrono::duration_cast<Steady::duration>(line_.frame(request->frame.size()));
    enqueue(l, std::move(*request), std::nullopt, std::max(now, l.frame_first + wire), link);
    l.frame_first = now;
  }
}

void BusServer::start_read(const std::shared_ptr<Link>& link) {
  auto handler = [this, link](const boost::system::error_code& ec, std::size_t n) {
    if (ec == asio::error::operation_aborted || !link->open) return;
    if (ec && link->pty) {
      // Not expected while we hold a slave fd open; back off instead of spinning.
      note("!!", {}, "read error: " + ec.message());
      retry_timer_->expires_after(std::chrono::milliseconds(100));
      retry_timer_->async_wait([this, link](const boost::system::error_code& e) {
        if (!e) start_read(link);
      });
      return;
    }
    if (ec) {  // the client closed the connection (or it broke)
      note("--", {}, "client disconnected" + via(*link));
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

void BusServer::close_link(const std::shared_ptr<Link>& link) {
  if (!link->open || link->pty) return;
  link->open = false;
  boost::system::error_code ec;
  link->silence_timer.cancel();
  link->socket->shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  link->socket->close(ec);
  clients_.erase(link);
}

void BusServer::accept() {
  acceptor_->async_accept(
      [this](const boost::system::error_code& ec, asio::ip::tcp::socket socket) {
        if (ec == asio::error::operation_aborted) return;
        if (ec) {  // e.g. out of file descriptors: try again shortly instead of spinning
          note("!!", {}, "accept: " + ec.message());
          retry_timer_->expires_after(std::chrono::milliseconds(100));
          retry_timer_->async_wait([this](const boost::system::error_code& e) {
            if (!e) accept();
          });
          return;
        }
        boost::system::error_code ignored;
        socket.set_option(asio::ip::tcp::no_delay(true), ignored);
        auto link = std::make_shared<Link>(*this, io_, next_client_++);
        link->gateway = spec_.transport == Transport::kTcp;
        link->socket = std::make_unique<asio::ip::tcp::socket>(std::move(socket));
        clients_.insert(link);
        note("--", {}, "client connected" + via(*link));
        start_read(link);
        accept();
      });
}

std::string BusServer::open() {
  if (spec_.transport == Transport::kPty) {
    open_pty();
  } else {
    open_tcp();
  }
  retry_timer_ = std::make_unique<asio::steady_timer>(io_);
  line_timer_ = std::make_unique<asio::steady_timer>(io_);
  return endpoint_;
}

void BusServer::start() {
  if (pty_) {
    start_read(pty_);
  } else {
    accept();
  }
}

void BusServer::open_tcp() {
  const auto endpoint = asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(),
                                                static_cast<unsigned short>(spec_.tcp_port));
  acceptor_ = std::make_unique<asio::ip::tcp::acceptor>(io_);
  boost::system::error_code ec;
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(endpoint, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error(
        "bus " + spec_.id + ": cannot listen on 127.0.0.1:" + std::to_string(spec_.tcp_port) +
        " (" + ec.message() + "). Choose a free port in the fleet file, or 0 for any");
  }
  endpoint_ = "127.0.0.1:" + std::to_string(acceptor_->local_endpoint().port());
}

void BusServer::open_pty() {
  const auto fail = [&](const std::string& why) {
    throw std::runtime_error("bus " + spec_.id + ": cannot serve on " + endpoint_ + " (" + why +
                             "). Check that the directory is writable and ptys are available");
  };
  pty_ = std::make_shared<Link>(*this, io_, 0);
  const int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) fail(errno_text("posix_openpt"));
  pty_->pty = std::make_unique<asio::posix::stream_descriptor>(io_, master);
  if (grantpt(master) != 0) fail(errno_text("grantpt"));
  if (unlockpt(master) != 0) fail(errno_text("unlockpt"));
  std::array<char, 128> name{};
  if (ptsname_r(master, name.data(), name.size()) != 0) fail(errno_text("ptsname_r"));
  slave_name_ = name.data();
  // Holding a slave fd keeps the master from seeing EIO/HUP while no client has the port open
  // (which would make the reactor spin on an always-ready fd).
  slave_fd_ = ::open(slave_name_.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave_fd_ < 0) fail(errno_text("open slave"));
  termios tio{};
  if (tcgetattr(slave_fd_, &tio) != 0) fail(errno_text("tcgetattr"));
  cfmakeraw(&tio);  // no echo, no line editing: bytes pass through untouched
  cfsetispeed(&tio, speed_of(spec_.baud));
  cfsetospeed(&tio, speed_of(spec_.baud));
  if (tcsetattr(slave_fd_, TCSANOW, &tio) != 0) fail(errno_text("tcsetattr"));

  std::error_code ec;
  const fs::path link(endpoint_);
  fs::create_directories(link.parent_path(), ec);
  if (ec) fail("create " + link.parent_path().string() + ": " + ec.message());
  const auto st = fs::symlink_status(link, ec);
  if (fs::is_symlink(st)) {
    fs::remove(link, ec);  // a stale link from an earlier run
  } else if (fs::exists(st)) {
    fail(endpoint_ + " exists and is not a symlink; remove it or choose another port");
  }
  fs::create_symlink(slave_name_, link, ec);
  if (ec) fail("symlink: " + ec.message());
}

void BusServer::close() {
  retry_timer_.reset();
  line_timer_.reset();
  arbiter_.reset();
  if (acceptor_) {
    boost::system::error_code ec;
    acceptor_->close(ec);
    acceptor_.reset();
  }
  for (const auto& c : std::set(clients_))
    close_link(c);
  clients_.clear();
  if (pty_) {
    pty_->open = false;
    pty_->silence_timer.cancel();
    pty_->pty.reset();  // closes the master
    pty_.reset();
  }
  if (slave_fd_ >= 0) ::close(slave_fd_);
  slave_fd_ = -1;
  std::error_code ec;
  const fs::path link(endpoint_);
  if (!slave_name_.empty() && fs::is_symlink(fs::symlink_status(link, ec)) &&
      fs::read_symlink(link, ec) == fs::path(slave_name_)) {
    fs::remove(link, ec);
  }
  slave_name_.clear();
}

}  // namespace phil::sim::detail
