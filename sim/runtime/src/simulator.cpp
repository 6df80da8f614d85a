#include <array>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

// GCC 12 at -O3 reports -Wnull-dereference inside Asio's scheduler (a false positive in a
// system header, inlined here); the release preset builds with -Werror.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#pragma GCC diagnostic pop
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <phil/sim/box.hpp>
#include <phil/sim/load.hpp>
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
  Millis delay{0};  // wall-clock delay before it goes out (fault kDelay)
};

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

  void step_boxes(TimePoint t) {
    for (auto& b : buses) {
      for (auto& box : b->boxes)
        box->advance_to(t);
    }
    if (t > model_time) model_time = t;
  }

  // Steps every box to `t`, stopping at each box-fault edge on the way to apply it there, so a
  // power loss or replacement happens at its exact instant whatever the step size.
  void advance_all(TimePoint t) {
    for (;;) {
      Fault* next = nullptr;
      TimePoint when = TimePoint::max();
      bool is_end = false;
      for (auto& f : faults) {
        if (!box_fault(f.spec.kind) || f.ended) continue;
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
      step_boxes(when);
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
    step_boxes(t);
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

  // Drains decoded requests into replies. Called with mu held.
  std::vector<Outgoing> drain(Bus& b, std::uint64_t bad_crc_before) {
    if (b.decoder.bad_crc() != bad_crc_before) trace(b, "<-", {}, "bad CRC: frame dropped");
    std::vector<Outgoing> replies;
    while (auto req = b.decoder.next()) {
      if (auto reply = handle(b, *req)) replies.push_back(std::move(*reply));
    }
    return replies;
  }

  void send(Bus& b, std::vector<Outgoing> replies) {
    flush_trace();
    for (auto& r : replies) {
      if (r.delay.count() > 0 && io) {
        auto timer = std::make_shared<asio::steady_timer>(*io, r.delay);
        timer->async_wait([this, &b, timer, bytes = std::move(r.bytes)](
                              const boost::system::error_code& ec) mutable {
          if (ec) return;
          b.tx.push_back(std::move(bytes));
          if (!b.writing) write_next(b);
        });
        continue;
      }
      b.tx.push_back(std::move(r.bytes));
    }
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
    std::vector<Outgoing> replies;
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
      std::vector<Outgoing> late;
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
            flush_trace();
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
  impl_->model_time = start;
  for (const auto& f : impl_->fleet.faults)
    (void)inject_fault(f);
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
    out += "bus " + b->spec.id + " pty " + b->endpoint + " baud " + std::to_string(b->spec.baud) +
           " answered " + std::to_string(b->answered) + "\n";
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
