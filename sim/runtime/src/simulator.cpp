// The Simulator wires its parts together: the fleet's models (boxes stepped on the TimeSource),
// the fault schedule (detail/fault_schedule.hpp, pure), and per bus its serving side
// (endpoints.hpp: pty or TCP, framing, the line's queue and pacing in detail/line_arbiter.hpp),
// all on one Asio thread. This file holds what needs the models: answering a request at one
// instant with the faults in force, stepping the boxes across fault edges, and the public API.
#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <phil/common/decimal.hpp>
#include <phil/sim/box.hpp>
#include <phil/sim/detail/fault_schedule.hpp>
#include <phil/sim/load.hpp>
#include <phil/sim/mbap.hpp>
#include <phil/sim/rtu.hpp>
#include <phil/sim/simulator.hpp>

#include "endpoints.hpp"
#include "register_codec.hpp"
#include "watch_book.hpp"

namespace phil::sim {

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using detail::FaultSchedule;

// Serial numbers: "300" + 3-digit bus index + 3-digit box address + 3-digit circuit.
constexpr std::uint64_t kSerialPrefix = 300'000'000'000;

}  // namespace

struct Simulator::Impl final : detail::RequestHandler {
  // A bus's models; its serving side is a detail::BusServer while started.
  struct Bus {
    BusSpec spec;
    std::string endpoint;  // absolute symlink path, or 127.0.0.1:PORT
    std::vector<std::unique_ptr<Box>> boxes;
    std::map<int, Box*> by_address;
    std::uint64_t answered = 0;  // guarded by mu
  };

  Impl(FleetSpec f, const TimeSource& t, SimulatorOptions o)
      : fleet(std::move(f)), time(t), options(std::move(o)), trace_filter(options.trace_filter) {}

  FleetSpec fleet;
  const TimeSource& time;
  SimulatorOptions options;
  // Lock order: sink_mu, then mu. sink_mu is held while watch sinks run, so unwatch() (which
  // takes it) returns only once no call of the removed sink is in flight.
  std::mutex sink_mu;
  mutable std::mutex mu;  // guards everything below but the serving members
  std::vector<std::unique_ptr<Bus>> buses;
  FaultSchedule faults;
  std::vector<std::string> pending_trace;  // emitted after mu is released
  TraceFilter trace_filter;
  detail::WatchBook watches;          // its lines are delivered after mu is released
  bool last_reply_exception = false;  // of the exchange handle() just answered
  TimePoint model_time;               // the instant every box has been advanced to
  // Serving: created by start(), destroyed by stop().
  std::unique_ptr<asio::io_context> io;
  std::vector<std::unique_ptr<detail::BusServer>> servers;
  std::thread thread;
  bool started = false;

  // The box holding circuit `circuit` of box `address` (as configured) on bus `id`, or nullptr.
  Box* find_circuit(const std::string& id, int address, int circuit) const {
    if (address < 1 || circuit < 1) return nullptr;
    auto found = locate(MeterId{id, address, circuit});
    return found ? *found : nullptr;
  }

  // The box of `id` (nullptr for a whole bus), or why there is none and where to look.
  Expected<Box*, std::string> locate(const MeterId& id) const {
    const Bus* b = find_bus(id.bus);
    if (b == nullptr) return "no bus \"" + id.bus + "\" in the fleet; `ctl status` lists them";
    if (id.address == 0) return static_cast<Box*>(nullptr);
    const auto it = b->by_address.find(id.address);
    if (it == b->by_address.end()) {
      return "no box at address " + std::to_string(id.address) + " on bus " + id.bus +
             "; `ctl status` lists them";
    }
    if (id.circuit > it->second->circuit_count()) {
      return "box " + id.bus + "/" + std::to_string(id.address) + " (" + it->second->model().name +
             ") has circuits 1.." + std::to_string(it->second->circuit_count());
    }
    return it->second;
  }

  Bus* find_bus(const std::string& id) const {
    for (const auto& b : buses) {
      if (b->spec.id == id) return b.get();
    }
    return nullptr;
  }

  static int configured_address(const Bus& b, const Box& box) {
    for (const auto& [address, p] : b.by_address) {
      if (p == &box) return address;
    }
    return 0;
  }

  // Re-derives every box's supply and clock drift from the box faults in force.
  void apply_box_state() {
    for (auto& b : buses) {
      for (auto& box : b->boxes) {
        const int configured = configured_address(*b, *box);
        std::int64_t ppm = 0;  // the fleet file's drift, then the faults'
        for (const auto& spec : b->spec.boxes) {
          if (spec.address == configured) ppm = spec.clock_drift_ppm;
        }
        const auto effect = faults.box_effect(b->spec.id, configured);
        ppm += effect.drift_ppm;
        if (box->powered() != effect.powered) box->set_powered(effect.powered);
        if (box->clock_drift_ppm() != ppm) box->set_clock_drift_ppm(ppm);
      }
    }
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
    const std::string_view bus = only == nullptr ? std::string_view() : only->spec.id;
    while (const auto edge = faults.take_edge(t, bus)) {
      step_boxes(edge->at, only);
      if (!edge->is_end && edge->spec.kind == FaultSpec::Kind::kMeterReplaced) {
        if (Box* box = find_circuit(edge->spec.bus, edge->spec.address, edge->spec.circuit)) {
          box->replace_meter(edge->spec.circuit);
        }
      }
      apply_box_state();
      check_events(only, edge->at);  // a power loss or replacement at its own instant
    }
    step_boxes(t, only);
  }

  bool tracing() const { return options.trace && trace_filter.on; }

  // Whether an exchange on bus `b` (request to `address`, function `function`) is traced.
  bool traced(const Bus& b, int address, int function, bool exception) const {
    const TraceFilter& f = trace_filter;
    return f.on && (f.bus.empty() || f.bus == b.spec.id) &&
           (f.address == 0 || f.address == address) &&
           (f.function == 0 || f.function == function) && (!f.exceptions_only || exception);
  }

  // The registers `req` touches, named by the box it is for (any box for a broadcast).
  static std::string register_names(const Bus& b, const rtu::Request& req) {
    if (req.error) return "";
    for (const auto& [configured, box] : b.by_address) {
      if (req.address == rtu::kBroadcast || box->address() == req.address) {
        const std::string names = box->describe(req);
        return names.empty() ? "" : " " + names;
      }
    }
    return "";
  }

  void trace(const Bus& b, TimePoint at, const char* dir, std::span<const std::uint8_t> bytes,
             const std::string& what) {
    if (!tracing()) return;
    pending_trace.push_back(format_timestamp(at, fleet.utc_offset) + " " + b.spec.id + " " + dir +
                            " " + rtu::to_hex(bytes) + " | " + what);
  }
  // Emits traces and watch events collected under mu; call without mu held (sinks may call
  // back into the Simulator).
  void flush() {
    std::lock_guard sinks(sink_mu);
    std::vector<std::string> lines;
    std::vector<std::pair<detail::WatchBook::Sink, std::string>> events;
    {
      std::lock_guard lock(mu);
      lines.swap(pending_trace);
      events = watches.take();
    }
    if (options.trace) {
      for (const auto& l : lines)
        options.trace(l);
    }
    for (const auto& [sink, line] : events)
      sink(line);
  }

  // Compares every circuit (of bus `only`, or all) with what watchers last saw and queues the
  // changes as events. Called with mu held, after the models moved to `at`.
  void check_events(const Bus* only, TimePoint at) {
    if (watches.empty()) return;
    for (const auto& b : buses) {
      if (only != nullptr && b.get() != only) continue;
      for (const auto& [address, box] : b->by_address)
        watches.observe(b->spec.id, address, *box, at, fleet.utc_offset);
    }
  }

  // The faults that keep a request from being answered, or its reply from being sent; the
  // boxes that hear it. Called with mu held.
  std::optional<std::vector<std::uint8_t>> answer_request(Bus& b, const rtu::Request& req,
                                                          TimePoint at) {
    using K = FaultSpec::Kind;
    const int address = req.address;
    if (faults.frame_fault(K::kBusSilent, b.spec.id, address, at, false) != nullptr) {
      trace(b, at, "<-", req.frame, rtu::describe(req) + " [fault bus_silent: not heard]");
      return std::nullopt;
    }
    if (faults.frame_fault(K::kDropRequest, b.spec.id, address, at, true) != nullptr) {
      trace(b, at, "<-", req.frame, rtu::describe(req) + " [fault drop_request: lost]");
      return std::nullopt;
    }
    std::map<int, Box*> hearing;
    std::string silenced;
    for (const auto& [configured, box] : b.by_address) {
      if (faults.frame_fault(K::kBoxSilent, b.spec.id, configured, at, false) != nullptr) {
        silenced += " " + std::to_string(configured);
        continue;
      }
      hearing.emplace(configured, box);
    }
    if (tracing()) {
      trace(b, at, "<-", req.frame,
            rtu::describe(req) + register_names(b, req) +
                (silenced.empty() ? "" : " [fault box_silent: box" + silenced + " deaf]"));
    }
    auto reply = answer(hearing, req);
    if (!reply) return std::nullopt;
    if (faults.frame_fault(K::kDropReply, b.spec.id, address, at, true) != nullptr) {
      trace(b, at, "->", *reply, rtu::describe_response(*reply) + " [fault drop_reply: not sent]");
      return std::nullopt;
    }
    return reply;
  }

  // One request -> what to send, if anything, with the frame faults in force at `at` applied.
  // Called with mu held.
  std::optional<detail::Reply> handle(Bus& b, const rtu::Request& req, TimePoint at) {
    using K = FaultSpec::Kind;
    last_reply_exception = false;
    auto reply = answer_request(b, req, at);
    if (!reply) return std::nullopt;
    last_reply_exception = reply->size() > 2 && ((*reply)[1] & 0x80U) != 0;
    const int address = req.address;
    detail::Reply out;
    std::string applied;
    if (const auto* f = faults.frame_fault(K::kNoise, b.spec.id, address, at, true)) {
      out.bytes = FaultSchedule::noise(*f);
      applied += " [fault noise: " + std::to_string(f->spec.noise_bytes) + " bytes first]";
    }
    if (faults.frame_fault(K::kCorruptCrc, b.spec.id, address, at, true) != nullptr) {
      reply->back() = static_cast<std::uint8_t>(reply->back() ^ 0xFF);
      applied += " [fault corrupt_crc]";
    }
    if (faults.frame_fault(K::kTruncate, b.spec.id, address, at, true) != nullptr) {
      reply->resize(reply->size() / 2);
      applied += " [fault truncate]";
    }
    if (const auto* f = faults.frame_fault(K::kDelay, b.spec.id, address, at, true)) {
      out.delay = f->spec.delay;
      applied += " [fault delay: " + format_duration(f->spec.delay) + "]";
    }
    ++b.answered;
    trace(b, at, "->", *reply, rtu::describe_response(*reply) + applied);
    out.bytes.insert(out.bytes.end(), reply->begin(), reply->end());
    return out;
  }

  // detail::RequestHandler, on the serving thread. The one read of the time source for the
  // whole exchange (simulator.hpp, "Time").
  std::optional<detail::Reply> serve(std::size_t bus, const detail::Job& job,
                                     const std::string& via) override {
    Bus& b = *buses[bus];
    std::optional<detail::Reply> out;
    {
      std::lock_guard lock(mu);
      const TimePoint at = time.now();
      advance_all(at, &b);
      const std::size_t first_line = pending_trace.size();
      if (job.mbap && tracing()) {
        pending_trace.push_back(format_timestamp(at, fleet.utc_offset) + " " + b.spec.id +
                                " <- MBAP transaction " + std::to_string(job.mbap->transaction) +
                                " unit " + std::to_string(job.mbap->unit) + via);
      }
      out = handle(b, job.request, at);
      if (out) {
        out->wire_size = out->bytes.size();
        if (job.mbap) {
          if (auto reply = mbap::to_mbap(*job.mbap, out->bytes)) {
            out->bytes = std::move(*reply);
          } else {
            trace(b, at, "->", out->bytes,
                  "gateway: no valid RTU reply on the line, nothing sent to the client");
            out.reset();
          }
        }
      }
      if (!traced(b, job.request.address, job.request.function, last_reply_exception)) {
        pending_trace.resize(first_line);
      }
      check_events(&b, at);
    }
    flush();
    return out;
  }

  // detail::RequestHandler: a trace line at now() for an event that is no request.
  void note(std::size_t bus, const char* dir, std::span<const std::uint8_t> bytes,
            const std::string& what) override {
    {
      std::lock_guard lock(mu);
      const TraceFilter& f = trace_filter;
      const Bus& b = *buses[bus];
      if (!tracing() || (!f.bus.empty() && f.bus != b.spec.id) || f.address != 0 ||
          f.function != 0 || f.exceptions_only) {
        return;
      }
      trace(b, time.now(), dir, bytes, what);
    }
    flush();
  }

  void stop_serving() {
    for (auto& s : servers)
      s->close();
    io.reset();
    servers.clear();
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
    for (std::size_t i = 0; i < impl_->buses.size(); ++i) {
      auto& b = *impl_->buses[i];
      impl_->servers.push_back(std::make_unique<detail::BusServer>(
          *impl_->io, b.spec, i, b.endpoint, *impl_, impl_->options.silence));
      b.endpoint = impl_->servers.back()->open();
    }
  } catch (...) {
    impl_->stop_serving();
    throw;
  }
  for (auto& s : impl_->servers)
    s->start();
  impl_->thread = std::thread([io = impl_->io.get()] { io->run(); });
  impl_->started = true;
}

void Simulator::stop() {
  if (!impl_->started) return;
  impl_->io->stop();
  impl_->thread.join();
  impl_->stop_serving();
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
    impl_->check_events(b.get(), t);
  }
  {
    std::lock_guard lock(impl_->mu);
    if (t > impl_->model_time) impl_->model_time = t;
  }
  impl_->flush();
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
  v.debit_count = c.debit_count();
  v.debit_total_fen = c.debit_total_fen();
  v.status = box.status_bits(circuit);
  return v;
}

bool Simulator::set_load(const std::string& bus_id, int address, int circuit,
                         const LoadSpec& load) {
  {
    std::lock_guard lock(impl_->mu);
    Box* box = impl_->find_circuit(bus_id, address, circuit);
    if (box == nullptr) return false;
    const TimePoint now = impl_->time.now();
    impl_->advance_all(now);
    impl_->check_events(nullptr, now);
    box->circuit(circuit).set_load(load);
  }
  impl_->flush();
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
  return impl_->faults.add(fault, impl_->time.now());
}

bool Simulator::clear_fault(std::uint64_t id) {
  {
    std::lock_guard lock(impl_->mu);
    const TimePoint now = impl_->time.now();
    impl_->advance_all(now);
    if (!impl_->faults.remove(id)) return false;
    impl_->apply_box_state();
    impl_->check_events(nullptr, now);
  }
  impl_->flush();
  return true;
}

void Simulator::clear_faults() {
  {
    std::lock_guard lock(impl_->mu);
    const TimePoint now = impl_->time.now();
    impl_->advance_all(now);
    impl_->faults.clear();
    impl_->apply_box_state();
    impl_->check_events(nullptr, now);
  }
  impl_->flush();
}

std::vector<std::pair<std::uint64_t, FaultSpec>> Simulator::faults() const {
  std::lock_guard lock(impl_->mu);
  std::vector<std::pair<std::uint64_t, FaultSpec>> out;
  for (const auto& f : impl_->faults.entries())
    out.emplace_back(f.id, f.spec);
  return out;
}

bool Simulator::replace_meter(const std::string& bus_id, int address, int circuit) {
  {
    std::lock_guard lock(impl_->mu);
    Box* box = impl_->find_circuit(bus_id, address, circuit);
    if (box == nullptr) return false;
    const TimePoint now = impl_->time.now();
    impl_->advance_all(now);
    box->replace_meter(circuit);
    impl_->check_events(nullptr, now);
  }
  impl_->flush();
  return true;
}

std::string Simulator::status_text() const {
  std::lock_guard lock(impl_->mu);
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
        if (!c.has_relay()) {  // an energy meter: no balance, relay nor mode to show
          out += "    c" + std::to_string(n) + " energy meter power " +
                 std::to_string(c.power_w()) + " W energy " + std::to_string(c.energy_wh()) +
                 " Wh\n";
          continue;
        }
        out += "    c" + std::to_string(n) + " balance " + format_decimal(c.balance_fen(), 2) +
               " relay " + (c.relay_closed() ? "closed" : "open") + " mode " +
               std::string(codec::mode_name(c.mode())) + " power " + std::to_string(c.power_w()) +
               " W energy " + std::to_string(c.energy_wh()) + " Wh" +
               (c.overload_tripped() ? " OVERLOAD" : "") + "\n";
      }
    }
  }
  for (const auto& f : impl_->faults.entries()) {
    out += "fault " + std::to_string(f.id) + " " + std::string(fault_kind_name(f.spec.kind)) +
           " bus " + f.spec.bus + " box " + std::to_string(f.spec.address) + " from " +
           format_timestamp(f.spec.start, impl_->fleet.utc_offset) +
           (f.spec.duration.count() > 0 ? " for " + format_duration(f.spec.duration)
                                        : " until cleared") +
           "\n";
  }
  return out;
}

TimePoint Simulator::now() const {
  return impl_->time.now();
}

std::chrono::minutes Simulator::utc_offset() const {
  return impl_->fleet.utc_offset;
}

Expected<Inspection, std::string> Simulator::inspect(const MeterId& id) {
  std::lock_guard lock(impl_->mu);
  auto found = impl_->locate(id);
  if (!found) return std::move(found).error();
  if (*found == nullptr) return std::string("show takes a box or a meter, not a whole bus");
  Box& box = **found;
  const TimePoint now = impl_->time.now();
  impl_->advance_all(now);
  Inspection out;
  out.id = id.text();
  out.model = box.model().name;
  out.at = std::max(now, box.now());
  out.powered = box.powered();
  out.registers = box.readings(id.circuit);
  if (id.circuit == 0) {
    out.clock_drift_ppm = box.clock_drift_ppm();
    for (int n = 1; n <= box.circuit_count(); ++n) {
      const CircuitModel& c = box.circuit(n);
      out.circuits.push_back("c" + std::to_string(n) +
                             (c.has_relay() ? " balance " + format_decimal(c.balance_fen(), 2) +
                                                  " relay " + (c.relay_closed() ? "closed" : "open")
                                            : std::string(" energy meter")) +
                             " power " + std::to_string(c.power_w()) + " W energy " +
                             format_decimal(c.energy_wh(), 3) + " kWh");
    }
  }
  return out;
}

Expected<void, std::string> Simulator::set_state(const MeterId& id, std::string_view name,
                                                 std::string_view value) {
  std::optional<std::string> refused;
  {
    std::lock_guard lock(impl_->mu);
    auto found = impl_->locate(id);
    if (!found || *found == nullptr) {
      return "no " + std::string(id.circuit == 0 ? "box " : "meter ") + id.text() + ": " +
             (found ? std::string("give a box or a meter, not a bus") : found.error());
    }
    const TimePoint now = impl_->time.now();
    impl_->advance_all(now);
    refused = (*found)->set_state(id.circuit, name, value);
    impl_->check_events(nullptr, now);
  }
  impl_->flush();
  if (refused) return *refused;
  return {};
}

std::uint64_t Simulator::watch(const MeterId& scope, std::function<void(const std::string&)> sink) {
  std::uint64_t id = 0;
  {
    std::lock_guard lock(impl_->mu);
    if (!scope.bus.empty()) {
      if (auto found = impl_->locate(scope); !found) {
        throw std::invalid_argument("nothing to watch at " + scope.text() + ": " + found.error());
      }
    }
    const TimePoint now = impl_->time.now();
    impl_->advance_all(now);
    impl_->check_events(nullptr, now);  // earlier watchers see what led here
    id = impl_->watches.add(scope, std::move(sink));
    impl_->check_events(nullptr, now);  // the new watcher's starting point
  }
  impl_->flush();
  return id;
}

void Simulator::unwatch(std::uint64_t id) {
  std::lock_guard sinks(impl_->sink_mu);
  std::lock_guard lock(impl_->mu);
  impl_->watches.remove(id);
}

void Simulator::set_trace_filter(const TraceFilter& filter) {
  std::lock_guard lock(impl_->mu);
  impl_->trace_filter = filter;
}

TraceFilter Simulator::trace_filter() const {
  std::lock_guard lock(impl_->mu);
  return impl_->trace_filter;
}

bool Simulator::can_trace() const {
  return static_cast<bool>(impl_->options.trace);
}

std::string MeterId::text() const {
  return bus + (address == 0 ? "" : "/" + std::to_string(address)) +
         (circuit == 0 ? "" : "/" + std::to_string(circuit));
}

std::optional<MeterId> parse_meter_id(std::string_view text) {
  MeterId out;
  const auto slash = text.find('/');
  out.bus = std::string(text.substr(0, slash));
  if (out.bus.empty()) return std::nullopt;
  if (slash == std::string_view::npos) return out;
  const auto number = [](std::string_view part, int lo, int hi) -> std::optional<int> {
    const auto v = parse_decimal(part, 0);
    if (!v || *v < lo || *v > hi || part.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    return static_cast<int>(*v);
  };
  const std::string_view rest = text.substr(slash + 1);
  const auto slash2 = rest.find('/');
  const auto address = number(rest.substr(0, slash2), 1, 247);
  if (!address) return std::nullopt;
  out.address = *address;
  if (slash2 == std::string_view::npos) return out;
  const auto circuit = number(rest.substr(slash2 + 1), 1, 64);
  if (!circuit) return std::nullopt;
  out.circuit = *circuit;
  return out;
}

std::string TraceFilter::text() const {
  if (!on) return "off";
  std::string out = "on";
  if (!bus.empty()) out += " bus=" + bus;
  if (address != 0) out += " box=" + std::to_string(address);
  if (function != 0) out += " fc=" + std::to_string(function);
  if (exceptions_only) out += " exceptions";
  return out;
}

std::uint64_t Simulator::frames_answered(const std::string& bus_id) const {
  std::lock_guard lock(impl_->mu);
  const Impl::Bus* b = impl_->find_bus(bus_id);
  return b == nullptr ? 0 : b->answered;
}

}  // namespace phil::sim
