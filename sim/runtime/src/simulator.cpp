#include <array>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <phil/sim/box.hpp>
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

struct Simulator::Impl {
  struct Bus {
    BusSpec spec;
    std::string endpoint;  // absolute symlink path
    std::vector<std::unique_ptr<Box>> boxes;
    std::map<int, Box*> by_address;
    std::uint64_t answered = 0;
    // Serving state: only touched on the serving thread (and by start/stop around it).
    int slave_fd = -1;
    std::string slave_name;
    std::unique_ptr<asio::posix::stream_descriptor> stream;
    std::unique_ptr<asio::steady_timer> silence_timer;
    std::unique_ptr<asio::steady_timer> retry_timer;
    std::array<std::uint8_t, 512> rx{};
    std::deque<std::vector<std::uint8_t>> tx;
    bool writing = false;
    rtu::RequestDecoder decoder;  // guarded by mu
  };

  Impl(FleetSpec f, const TimeSource& t, SimulatorOptions o)
      : fleet(std::move(f)), time(t), options(std::move(o)) {}

  FleetSpec fleet;
  const TimeSource& time;
  SimulatorOptions options;
  mutable std::mutex mu;
  std::vector<std::unique_ptr<Bus>> buses;
  std::unique_ptr<asio::io_context> io;
  std::thread thread;
  bool started = false;
  TimePoint served_at;  // the instant requests are being answered at (for traces); guarded by mu

  Bus* find_bus(const std::string& id) const {
    for (const auto& b : buses) {
      if (b->spec.id == id) return b.get();
    }
    return nullptr;
  }

  void advance_all(TimePoint t) {
    for (auto& b : buses) {
      for (auto& box : b->boxes)
        box->advance_to(t);
    }
  }

  void trace(const Bus& b, const char* dir, std::span<const std::uint8_t> bytes,
             const std::string& what) const {
    if (!options.trace) return;
    options.trace(format_timestamp(served_at, fleet.utc_offset) + " " + b.spec.id + " " + dir +
                  " " + rtu::to_hex(bytes) + " | " + what);
  }

  // One request -> the reply to send, if any. Called with mu held.
  std::optional<std::vector<std::uint8_t>> handle(Bus& b, const rtu::Request& req) {
    trace(b, "<-", req.frame, rtu::describe(req));
    auto reply = answer(b.by_address, req);
    if (reply) {
      ++b.answered;
      trace(b, "->", *reply, rtu::describe_response(*reply));
    }
    return reply;
  }

  // Drains decoded requests into replies. Called with mu held.
  std::vector<std::vector<std::uint8_t>> drain(Bus& b, std::uint64_t bad_crc_before) {
    if (b.decoder.bad_crc() != bad_crc_before) trace(b, "<-", {}, "bad CRC: frame dropped");
    std::vector<std::vector<std::uint8_t>> replies;
    while (auto req = b.decoder.next()) {
      if (auto reply = handle(b, *req)) replies.push_back(std::move(*reply));
    }
    return replies;
  }

  void send(Bus& b, std::vector<std::vector<std::uint8_t>> replies) {
    for (auto& r : replies)
      b.tx.push_back(std::move(r));
    if (!b.writing) write_next(b);
  }

  void write_next(Bus& b) {
    if (b.tx.empty() || !b.stream) {
      b.writing = false;
      return;
    }
    b.writing = true;
    asio::async_write(*b.stream, asio::buffer(b.tx.front()),
                      [this, &b](const boost::system::error_code& ec, std::size_t) {
                        if (ec) {
                          b.tx.clear();
                          b.writing = false;
                          return;
                        }
                        b.tx.pop_front();
                        write_next(b);
                      });
  }

  void on_bytes(Bus& b, std::span<const std::uint8_t> bytes) {
    std::vector<std::vector<std::uint8_t>> replies;
    {
      std::lock_guard lock(mu);
      served_at = time.now();
      advance_all(served_at);
      const auto bad = b.decoder.bad_crc();
      b.decoder.feed(bytes);
      replies = drain(b, bad);
    }
    send(b, std::move(replies));
    b.silence_timer->expires_after(options.silence);
    b.silence_timer->async_wait([this, &b](const boost::system::error_code& ec) {
      if (ec) return;  // re-armed by newer bytes, or stopping
      std::vector<std::vector<std::uint8_t>> late;
      {
        std::lock_guard lock(mu);
        if (b.decoder.idle()) return;
        served_at = time.now();
        advance_all(served_at);
        const auto bad = b.decoder.bad_crc();
        b.decoder.silence();
        late = drain(b, bad);
      }
      send(b, std::move(late));
    });
  }

  void start_read(Bus& b) {
    b.stream->async_read_some(
        asio::buffer(b.rx), [this, &b](const boost::system::error_code& ec, std::size_t n) {
          if (ec == asio::error::operation_aborted) return;
          if (ec) {
            // Not expected while we hold a slave fd open; back off instead of spinning.
            {
              std::lock_guard lock(mu);
              served_at = time.now();
              trace(b, "!!", {}, "read error: " + ec.message());
            }
            b.retry_timer->expires_after(std::chrono::milliseconds(100));
            b.retry_timer->async_wait([this, &b](const boost::system::error_code& e) {
              if (!e) start_read(b);
            });
            return;
          }
          on_bytes(b, std::span(b.rx).first(n));
          start_read(b);
        });
  }

  void open_pty(Bus& b) {
    const auto fail = [&](const std::string& why) {
      throw std::runtime_error("bus " + b.spec.id + ": cannot serve on " + b.endpoint + " (" + why +
                               "). Check that the directory is writable and ptys are " +
                               "available");
    };
    const int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) fail(errno_text("posix_openpt"));
    b.stream = std::make_unique<asio::posix::stream_descriptor>(*io, master);
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
    b.silence_timer = std::make_unique<asio::steady_timer>(*io);
    b.retry_timer = std::make_unique<asio::steady_timer>(*io);
  }

  void close_bus(Bus& b) {
    b.silence_timer.reset();
    b.retry_timer.reset();
    b.stream.reset();  // closes the master
    if (b.slave_fd >= 0) ::close(b.slave_fd);
    b.slave_fd = -1;
    b.tx.clear();
    b.writing = false;
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
    const fs::path port(spec.port);
    bus->endpoint = (port.is_absolute() ? port : run_dir / port).lexically_normal().string();
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
    impl_->buses.push_back(std::move(bus));
  }
}

Simulator::~Simulator() {
  stop();
}

void Simulator::start() {
  if (impl_->started) return;
  impl_->io = std::make_unique<asio::io_context>();
  try {
    for (auto& b : impl_->buses)
      impl_->open_pty(*b);
  } catch (...) {
    for (auto& b : impl_->buses)
      impl_->close_bus(*b);
    impl_->io.reset();
    throw;
  }
  for (auto& b : impl_->buses)
    impl_->start_read(*b);
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
  if (impl_->find_bus(bus_id) == nullptr) {
    throw std::out_of_range("no bus \"" + bus_id + "\" in the fleet");
  }
  return "pty";
}

void Simulator::advance_to(TimePoint t) {
  std::lock_guard lock(impl_->mu);
  impl_->advance_all(t);
}

std::optional<CircuitView> Simulator::circuit(const std::string& bus_id, int address,
                                              int circuit) const {
  std::lock_guard lock(impl_->mu);
  const Impl::Bus* b = impl_->find_bus(bus_id);
  if (b == nullptr) return std::nullopt;
  const auto it = b->by_address.find(address);
  if (it == b->by_address.end() || circuit < 1 || circuit > it->second->circuit_count()) {
    return std::nullopt;
  }
  const Box& box = *it->second;
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
  Impl::Bus* b = impl_->find_bus(bus_id);
  if (b == nullptr) return false;
  const auto it = b->by_address.find(address);
  if (it == b->by_address.end() || circuit < 1 || circuit > it->second->circuit_count()) {
    return false;
  }
  it->second->advance_to(impl_->time.now());
  it->second->circuit(circuit).set_load(load);
  return true;
}

std::uint64_t Simulator::frames_answered(const std::string& bus_id) const {
  std::lock_guard lock(impl_->mu);
  const Impl::Bus* b = impl_->find_bus(bus_id);
  return b == nullptr ? 0 : b->answered;
}

}  // namespace phil::sim
