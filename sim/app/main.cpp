// adf300-sim: serves a virtual ADF300 fleet on pseudo-terminals or loopback TCP in (optionally
// accelerated) real time. The only place in sim/ that reads the wall clock.
#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <deque>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include <phil/common/cli.hpp>
// GCC 12 at -O3 reports -Wnull-dereference inside Asio's scheduler (a false positive in a
// system header); the release preset builds with -Werror.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#pragma GCC diagnostic pop
#include <unistd.h>

#include <phil/common/time.hpp>
#include <phil/common/yaml.hpp>
#include <phil/sim/control.hpp>
#include <phil/sim/fleet.hpp>
#include <phil/sim/profile.hpp>
#include <phil/sim/simulator.hpp>

namespace {

// start + (wall time elapsed) x speed, where `ctl speed` may change the speed: each change
// rebases start at the simulated instant it happens, so time never jumps.
class WallTime final : public phil::sim::TimeSource, public phil::sim::ClockControl {
 public:
  WallTime(phil::TimePoint start, std::int64_t speed)
      : start_(start), origin_(std::chrono::steady_clock::now()), speed_(speed) {}
  phil::TimePoint now() const override {
    std::lock_guard lock(mu_);
    return now_locked();
  }
  std::int64_t speed() const override {
    std::lock_guard lock(mu_);
    return speed_;
  }
  void set_speed(std::int64_t speed) override {
    std::lock_guard lock(mu_);
    start_ = now_locked();
    origin_ = std::chrono::steady_clock::now();
    speed_ = speed;
  }

 private:
  phil::TimePoint now_locked() const {
    const auto elapsed =
        std::chrono::duration_cast<phil::Millis>(std::chrono::steady_clock::now() - origin_);
    return start_ + elapsed * speed_;
  }
  mutable std::mutex mu_;  // read on the serving thread, set on the control thread
  phil::TimePoint start_;
  std::chrono::steady_clock::time_point origin_;
  std::int64_t speed_;
};

// --dump-map: the CSV of one model's registers on stdout; 0 on success, 2 on a bad name.
int dump_register_map(const std::string& profiles_dir, const std::string& name) {
  std::map<std::string, phil::sim::Profile> profiles;
  try {
    profiles = phil::sim::load_profiles_dir(profiles_dir);
  } catch (const phil::yaml::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  const phil::sim::Profile* profile = nullptr;
  const phil::sim::ModelInfo* model = nullptr;
  if (auto ref = phil::sim::find_model(profiles, name)) {
    profile = ref->profile;
    model = ref->model;
  } else if (auto it = profiles.find(name); it != profiles.end() && !it->second.models.empty()) {
    profile = &it->second;
    model =
        &*std::max_element(profile->models.begin(), profile->models.end(),
                           [](const auto& a, const auto& b) { return a.circuits < b.circuits; });
  }
  if (model == nullptr) {
    std::string known;
    for (const auto& [id, p] : profiles) {
      known += (known.empty() ? "" : ", ") + id;
      for (const auto& m : p.models)
        known += ", " + m.name;
    }
    std::cerr << "adf300-sim: --profile \"" << name << "\" is neither a model nor a profile in "
              << profiles_dir << "; use one of: " << known << "\n";
    return 2;
  }
  std::cout << phil::sim::register_map_csv(*profile, *model);
  return 0;
}

}  // namespace

// `adf300-sim ctl [--control PATH] [--lines N] [--timeout DUR] COMMAND...`: one command to a
// running simulator. The answer is printed as it arrives (a `watch` streams until the
// simulator stops, N event lines have come, the timeout passes, or Ctrl-C).
int ctl_main(int argc, char** argv) {
  CLI::App app{"Send one control command to a running adf300-sim (see sim/README.md)"};
  std::string control = "adf300-sim.ctl";
  std::int64_t lines = 0;
  std::string timeout_text;
  app.add_option("--control", control, "the simulator's control socket")->capture_default_str();
  app.add_option("--lines", lines, "watch: stop after this many event lines (0: no limit)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1'000'000}));
  app.add_option("--timeout", timeout_text,
                 "watch: stop after this long, e.g. 30s (default: none)");
  // Everything from the first word on is the command, as typed: values such as -5.00 or
  // --json belong to it, not to ctl.
  app.prefix_command();
  app.footer(
      "COMMAND: status | show METER|BOX [--json] | set METER|BOX NAME VALUE | load METER "
      "constant=W | load METER daily=KIND peak_w=W [seed=N] | watch [BUS|BOX|METER] | time | "
      "speed N | trace [on [bus=B] [box=N] [fc=N] [exceptions] | off] | fault KIND BUS "
      "[key=value...] | clear ID|all | replace BUS ADDRESS CIRCUIT. METER is "
      "BUS/ADDRESS/CIRCUIT, e.g. bus1/4/3");
  if (const auto status = phil::cli::parse(app, argc, argv)) return *status;
  const auto words = app.remaining();
  if (words.empty()) {
    std::cerr << "adf300-sim ctl: no command given. See --help\n";
    return 2;
  }
  std::optional<phil::Millis> timeout;
  if (!timeout_text.empty()) {
    timeout = phil::parse_duration(timeout_text);
    if (!timeout) {
      std::cerr << "adf300-sim ctl: --timeout \"" << timeout_text << "\" is not a duration; "
                << "write e.g. 30s or 2m\n";
      return 2;
    }
  }
  std::string line;
  for (const auto& w : words)
    line += (line.empty() ? "" : " ") + w;
  boost::asio::io_context io;
  boost::asio::local::stream_protocol::socket socket(io);
  boost::system::error_code ec;
  socket.connect(boost::asio::local::stream_protocol::endpoint(control), ec);
  if (ec) {
    std::cerr << "adf300-sim ctl: cannot connect to " << control << " (" << ec.message()
              << "). Is adf300-sim running? Pass its --control path\n";
    return 1;
  }
  line += "\n";
  boost::asio::write(socket, boost::asio::buffer(line), ec);
  // The first line is the answer; a watch then sends one line per event.
  boost::asio::streambuf in;
  bool ok = false;
  std::int64_t events = -1;  // the answer line is not an event
  boost::asio::steady_timer deadline(io);
  if (timeout) {
    deadline.expires_after(*timeout);
    deadline.async_wait([&](const boost::system::error_code& e) {
      if (!e) socket.close();
    });
  }
  std::function<void()> read_line = [&] {
    boost::asio::async_read_until(
        socket, in, '\n', [&](const boost::system::error_code& e, std::size_t n) {
          if (e) {
            // The rest of an answer without a final newline, then the end.
            std::cout << std::string(boost::asio::buffers_begin(in.data()),
                                     boost::asio::buffers_end(in.data()))
                      << std::flush;
            deadline.cancel();
            return;
          }
          std::string text(boost::asio::buffers_begin(in.data()),
                           boost::asio::buffers_begin(in.data()) + static_cast<std::ptrdiff_t>(n));
          in.consume(n);
          if (events < 0) ok = text.rfind("OK", 0) == 0;
          std::cout << text << std::flush;
          ++events;
          if (lines > 0 && events >= lines) {  // closing ends the reads: no handler after this
            socket.close();
            deadline.cancel();
            return;
          }
          read_line();
        });
  };
  read_line();
  io.run();
  return ok ? 0 : 1;
}

// Serves control connections: one command line per connection, answered, then closed; a
// `watch` stays open and streams event lines until the client hangs up or the fleet stops.
class ControlServer {
 public:
  ControlServer(boost::asio::io_context& io, const std::string& path, phil::sim::Simulator& sim,
                phil::sim::ClockControl& clock)
      : acceptor_(io), path_(path), sim_(sim), clock_(clock) {
    ::unlink(path.c_str());  // a stale socket of an earlier run
    const boost::asio::local::stream_protocol::endpoint ep(path);
    acceptor_.open(ep.protocol());
    acceptor_.bind(ep);
    acceptor_.listen();
    accept();
  }
  ~ControlServer() {
    for (const auto& w : watches_)
      sim_.unwatch(w->watch_id);
    ::unlink(path_.c_str());
  }
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

 private:
  struct Session {
    explicit Session(boost::asio::io_context& io) : socket(io) {}
    boost::asio::local::stream_protocol::socket socket;
    boost::asio::streambuf in;
    std::string out;
    // A watch: lines queued by the simulator's threads, written in order on the io thread.
    std::deque<std::string> queue;
    bool writing = false;
    std::uint64_t watch_id = 0;
    std::array<char, 64> discard{};
  };
  using SessionPtr = std::shared_ptr<Session>;

  boost::asio::io_context& io() {
    return static_cast<boost::asio::io_context&>(acceptor_.get_executor().context());
  }

  void accept() {
    auto session = std::make_shared<Session>(io());
    acceptor_.async_accept(session->socket, [this, session](const boost::system::error_code& ec) {
      if (ec) return;  // stopping
      boost::asio::async_read_until(
          session->socket, session->in, '\n',
          [this, session](const boost::system::error_code& rec, std::size_t) {
            if (rec && session->in.size() == 0) return;
            std::istream is(&session->in);
            std::string line;
            std::getline(is, line);
            auto reply = phil::sim::control(sim_, line, &clock_);
            if (reply.watch) {
              start_watch(session, *reply.watch, std::move(reply.text));
              return;
            }
            session->out = std::move(reply.text);
            boost::asio::async_write(session->socket, boost::asio::buffer(session->out),
                                     [session](const boost::system::error_code&, std::size_t) {});
          });
      accept();
    });
  }

  void start_watch(const SessionPtr& session, const phil::sim::MeterId& scope, std::string ok) {
    enqueue(session, std::move(ok));
    try {
      // The sink runs on simulator threads: hand each line to the io thread.
      session->watch_id = sim_.watch(scope, [this, session](const std::string& l) {
        boost::asio::post(io(), [this, session, text = l + "\n"] { enqueue(session, text); });
      });
    } catch (const std::invalid_argument& e) {
      session->queue.clear();
      enqueue(session, std::string("ERROR ") + e.what() + "\n");
      return;
    }
    watches_.insert(session);
    // The client never sends more; a read ending (hang-up) ends the watch.
    session->socket.async_read_some(
        boost::asio::buffer(session->discard),
        [this, session](const boost::system::error_code&, std::size_t) { end_watch(session); });
  }

  void end_watch(const SessionPtr& session) {
    if (watches_.erase(session) == 0) return;
    sim_.unwatch(session->watch_id);
    boost::system::error_code ignored;
    session->socket.close(ignored);
  }

  void enqueue(const SessionPtr& session, std::string text) {
    if (!session->socket.is_open()) return;
    session->queue.push_back(std::move(text));
    if (!session->writing) write_next(session);
  }

  void write_next(const SessionPtr& session) {
    if (session->queue.empty()) {
      session->writing = false;
      return;
    }
    session->writing = true;
    session->out = std::move(session->queue.front());
    session->queue.pop_front();
    boost::asio::async_write(session->socket, boost::asio::buffer(session->out),
                             [this, session](const boost::system::error_code& ec, std::size_t) {
                               if (ec) {
                                 end_watch(session);
                                 return;
                               }
                               write_next(session);
                             });
  }

  boost::asio::local::stream_protocol::acceptor acceptor_;
  std::string path_;
  phil::sim::Simulator& sim_;
  phil::sim::ClockControl& clock_;
  std::set<SessionPtr> watches_;
};

namespace {

/// The command line of the serving form (`adf300-sim --fleet ...`).
struct Options {
  std::string control_path;
  std::string fleet_file;
  std::string profiles_dir = PHIL_DEFAULT_PROFILES_DIR;
  std::string run_dir = ".";
  std::int64_t speed = 1;
  std::string start_text;
  bool trace = false;
  std::string trace_bus;
  int trace_box = 0;
  int trace_fc = 0;
  bool trace_exceptions = false;
  std::string dump_profile;
  bool dump_map = false;
};

void add_options(CLI::App& app, Options& o) {
  app.add_option("--fleet", o.fleet_file, "fleet file (YAML, see sim/README.md)");
  app.add_option("--profile", o.dump_profile,
                 "with --dump-map: a model (e.g. adf300l-iii) or a profile id (its largest model)");
  app.add_flag("--dump-map", o.dump_map,
               "print the register map of --profile as CSV (name,address,words,type,scale,unit,"
               "access) and exit");
  app.add_option("--profiles", o.profiles_dir, "directory of device profiles")
      ->capture_default_str();
  app.add_option("--run-dir", o.run_dir, "directory relative bus ports are created in")
      ->capture_default_str();
  app.add_option("--speed", o.speed, "simulated seconds per wall-clock second")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1'000'000}))
      ->capture_default_str();
  app.add_option("--start", o.start_text,
                 "simulated start time, e.g. 2026-03-01T00:00:00+08:00 (default: now)");
  app.add_flag("--trace", o.trace,
               "print every frame to stderr, decoded, with the registers it touches");
  app.add_option("--trace-bus", o.trace_bus, "trace only this bus (implies --trace)");
  app.add_option("--trace-box", o.trace_box,
                 "trace only requests to this address (implies --trace)")
      ->check(CLI::Range(1, 247));
  app.add_option("--trace-fc", o.trace_fc,
                 "trace only this function code, decimal: 3, 4, 6, 16 (implies --trace)")
      ->check(CLI::Range(1, 127));
  app.add_flag("--trace-exceptions", o.trace_exceptions,
               "trace only exchanges answered with an exception (implies --trace)");
  app.add_option("--control", o.control_path,
                 "control socket for `adf300-sim ctl` (default: RUN_DIR/adf300-sim.ctl)");
}

/// The simulated start: --start, or now; nullopt (after saying why) if --start is not a time.
std::optional<phil::TimePoint> start_time(const std::string& start_text) {
  if (start_text.empty()) {
    return std::chrono::time_point_cast<phil::Millis>(std::chrono::system_clock::now());
  }
  const auto parsed = phil::parse_timestamp(start_text);
  if (!parsed) {
    std::cerr << "--start: invalid timestamp \"" << start_text
              << "\"; write it like 2026-03-01T00:00:00+08:00\n";
    return std::nullopt;
  }
  return parsed->utc;
}

/// Serves `fleet` until SIGINT or SIGTERM: a BUS line per bus on stdout, the control socket, and
/// the model advanced every wall-clock second. Returns the exit status.
int serve(phil::sim::FleetSpec fleet, WallTime& time, const Options& o) {
  phil::sim::SimulatorOptions options;
  options.run_dir = o.run_dir;
  // Always a sink, so `ctl trace on` can start a trace the command line did not ask for.
  options.trace = [](const std::string& line) { std::cerr << line << std::endl; };
  options.trace_filter.bus = o.trace_bus;
  options.trace_filter.address = o.trace_box;
  options.trace_filter.function = o.trace_fc;
  options.trace_filter.exceptions_only = o.trace_exceptions;
  options.trace_filter.on =
      o.trace || !o.trace_bus.empty() || o.trace_box != 0 || o.trace_fc != 0 || o.trace_exceptions;
  std::vector<std::string> bus_ids;
  for (const auto& b : fleet.buses)
    bus_ids.push_back(b.id);
  // Signals are caught before anything is served, so a stop always removes the symlinks.
  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const boost::system::error_code&, int) { io.stop(); });
  try {
    phil::sim::Simulator sim(std::move(fleet), time, options);
    sim.start();
    const auto control_path =
        o.control_path.empty() ? o.run_dir + "/adf300-sim.ctl" : o.control_path;
    ControlServer control(io, control_path, sim, time);
    for (const auto& id : bus_ids) {
      std::cout << "BUS " << id << " " << sim.transport(id) << " " << sim.endpoint(id)
                << std::endl;  // flushes
    }

    boost::asio::steady_timer tick(io);
    std::function<void()> step = [&] {
      tick.expires_after(std::chrono::seconds(1));
      tick.async_wait([&](const boost::system::error_code& ec) {
        if (ec) return;
        sim.advance_to(time.now());
        step();
      });
    };
    step();
    io.run();
    sim.stop();
  } catch (const std::exception& e) {
    std::cerr << "adf300-sim: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "ctl") return ctl_main(argc - 1, argv + 1);
  CLI::App app{"Virtual ADF300 fleet: Modbus-RTU slaves on a pty or loopback TCP per bus"};
  Options o;
  add_options(app, o);
  if (const auto status = phil::cli::parse(app, argc, argv)) return *status;

  if (o.dump_map) return dump_register_map(o.profiles_dir, o.dump_profile);
  if (o.fleet_file.empty()) {
    std::cerr << "adf300-sim: --fleet is required (or --dump-map with --profile). See --help\n";
    return 2;
  }
  const auto start = start_time(o.start_text);
  if (!start) return 2;

  phil::sim::FleetSpec fleet;
  try {
    fleet = phil::sim::load_fleet_file(o.fleet_file, o.profiles_dir);
  } catch (const phil::yaml::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  if (!o.trace_bus.empty() &&
      std::none_of(fleet.buses.begin(), fleet.buses.end(),
                   [&](const phil::sim::BusSpec& b) { return b.id == o.trace_bus; })) {
    std::cerr << "adf300-sim: --trace-bus \"" << o.trace_bus << "\" is no bus of " << o.fleet_file
              << "; name one of its bus ids\n";
    return 2;
  }
  WallTime time(*start, o.speed);
  return serve(std::move(fleet), time, o);
}
