#pragma once
// The virtual ADF300 fleet as one object: every bus served as Modbus-RTU slaves, every circuit
// stepped by its model. Used by adf300-sim (real time) and by the bench (manual clock,
// in-process).
//
// Transports (BusSpec::transport): a pseudo-terminal published as a symlink; a transparent
// serial server on 127.0.0.1 (RTU frames in a TCP stream, reassembled per connection by length,
// CRC and silence, exactly as on the pty); a Modbus TCP gateway on 127.0.0.1 (MBAP <-> RTU,
// unit id = box address, transaction id echoed, unit 0 = broadcast without reply; a malformed
// MBAP header — protocol id != 0 or length outside 2..254 — closes that connection, since the
// stream cannot be resynchronised; a reply that is not one valid RTU frame on the line, e.g.
// under corrupt_crc, truncate or noise, gets no answer, the master times out).
//
// The line: one request at a time per bus, whoever sent it, in arrival order; the next is
// served when the reply to the previous has gone out. Any number of TCP clients may connect.
// A reply whose client has closed meanwhile is dropped (never sent to another client); requests
// of a closed client still waiting for the line are discarded unexecuted.
//
// Pacing (BusSpec::pacing, off by default): a reply starts no earlier than t3.5 + turnaround
// after the request's last byte was on the line (the later of its arrival and its first byte +
// its wire time at the bus's baud/parity/stop bits), and goes out one character per character
// time (pty, rtu-over-tcp) or, through the gateway, all at once when it would have crossed the
// line. Pacing and the delay fault are wall-clock waits; the model runs on the TimeSource.
//
// Threading: start() runs the serving loop on a thread of its own. advance_to() and circuit()
// may be called from any thread; they and request handling are serialised by one mutex.
// Time: the TimeSource is read on the serving thread, once per request, under that mutex: the
// request is answered entirely at that one instant (its bus's models stepped to it, the faults
// in force at it, its trace lines stamped with it), whatever the clock does meanwhile (and once
// more for the trace line of an event that is no request, e.g. a client connecting). The
// calling thread reads it in set_load(), inject_fault(), clear_fault(), clear_faults() and
// replace_meter().
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <phil/common/expected.hpp>
#include <phil/common/time.hpp>
#include <phil/sim/box.hpp>
#include <phil/sim/fleet.hpp>

namespace phil::sim {

/// Where the simulator takes "now" from. Production: wall clock (optionally accelerated);
/// bench: the manual clock shared with the system.
///
/// now() is called on the simulator's serving thread while other threads (the bench's runner,
/// a test, the control socket's thread) may move or read the same clock, so an implementation
/// must be safe to read concurrently with its own updates: a manual one keeps a
/// phil::SharedTimePoint (an atomic; a store is a release, a load an acquire), a wall-clock one
/// reads the system or steady clock. It should not go backwards; if it does, the models do not
/// (a step to an earlier instant is a no-op). The simulator reads it once per request served,
/// so one request/reply exchange sees one instant however the clock moves meanwhile.
class TimeSource {
 public:
  virtual ~TimeSource() = default;
  virtual TimePoint now() const = 0;
};

/// A snapshot of one circuit, in model units (never floating point).
struct CircuitView {
  std::int64_t energy_wh = 0;    ///< total imported energy, Wh
  std::int64_t balance_fen = 0;  ///< remaining money, fen (may be <= 0 after a trip)
  std::int64_t power_w = 0;      ///< instantaneous power, W (0 while the relay is open)
  bool relay_closed = false;
  Mode mode = Mode::kPrepaid;
  std::uint16_t purchase_count = 0;  ///< count of the last accepted credit
  std::int64_t purchase_total_fen = 0;
  std::uint16_t debit_count = 0;  ///< count of the last accepted debit
  std::int64_t debit_total_fen = 0;
  std::uint16_t status = 0;  ///< status bits as in the profile's flags.status
};

/// A place in the fleet as `adf300-sim ctl` names it: "bus1" (a bus), "bus1/4" (the box at
/// configured address 4), "bus1/4/3" (its circuit 3: one tenant meter).
struct MeterId {
  std::string bus;
  int address = 0;  ///< 0: the whole bus
  int circuit = 0;  ///< 0: the whole box (or bus)
  /// Back to "bus1/4/3" form.
  std::string text() const;
};
/// Parses "BUS", "BUS/ADDRESS" or "BUS/ADDRESS/CIRCUIT" (address 1..247, circuit 1..64);
/// nullopt if malformed. Whether it exists is for the Simulator to say.
std::optional<MeterId> parse_meter_id(std::string_view text);

/// What `--trace` prints: every frame (on, nothing narrowed) unless narrowed to one bus, one
/// box address, one function code, or exchanges whose reply is a Modbus exception. The
/// request line and the reply line of one exchange are kept or dropped together.
struct TraceFilter {
  bool on = true;
  std::string bus;               ///< "" = every bus
  int address = 0;               ///< 0 = every address (broadcasts included)
  int function = 0;              ///< 0 = every function code
  bool exceptions_only = false;  ///< only exchanges answered with an exception
  /// "on", or "on bus=bus1 box=4 fc=16 exceptions", or "off".
  std::string text() const;
};

/// A meter or box as `adf300-sim ctl show` prints it.
struct Inspection {
  std::string id;     ///< "bus1/4/3" or "bus1/4"
  std::string model;  ///< e.g. "adf300l-i"
  TimePoint at;       ///< the simulated instant of the readings
  bool powered = true;
  std::int64_t clock_drift_ppm = 0;  ///< box only
  std::vector<Box::Reading> registers;
  /// Box only: one line per circuit (balance, relay, mode, power, energy).
  std::vector<std::string> circuits;
};

struct SimulatorOptions {
  /// Relative bus ports (e.g. "vbus/bus1") are resolved against this directory.
  std::string run_dir = ".";
  /// Print every frame with its decoding (and any fault applied) to this sink (nullptr: no
  /// trace). Called on the serving thread, after the simulator's mutex is released, so the sink
  /// may call back into the Simulator.
  std::function<void(const std::string&)> trace;
  /// Which frames reach `trace` at first; Simulator::set_trace_filter changes it live.
  TraceFilter trace_filter;
  /// Line silence that ends a frame (on a pty and on each rtu-over-tcp connection): a partial
  /// frame is discarded after it, and a frame of an unknown function code is only answered
  /// after it. Modbus' t3.5 is ~4 ms at 9600 baud, but a
  /// pty has no baud timing: bytes arrive in whatever chunks the client's write() calls and the
  /// scheduler make, so a frame written piecewise can pause for milliseconds mid-frame. 20 ms is
  /// well above such pauses and well below any master's response timeout.
  std::chrono::milliseconds silence{20};
};

class Simulator {
 public:
  /// `time` must outlive the simulator. Throws std::runtime_error naming the bus if a pty cannot
  /// be opened or its symlink cannot be published.
  Simulator(FleetSpec fleet, const TimeSource& time, SimulatorOptions options = {});
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  /// Opens every bus (a pty and its symlink, or a TCP listener on 127.0.0.1) and starts
  /// serving. Idempotent. Throws std::runtime_error naming the bus if one cannot be opened
  /// (then nothing is left open).
  void start();
  /// Stops serving, closes every connection and listener and removes the symlinks. Idempotent;
  /// called by the destructor.
  void stop();

  /// Where clients connect to `bus_id`: for a pty the published symlink, absolute, known from
  /// construction on; for TCP transports "127.0.0.1:PORT", the bound port once start()ed (the
  /// configured one before; an ephemeral port 0 may differ after a stop() and start()). Call
  /// from the thread that calls start(). Throws std::out_of_range for an unknown bus.
  std::string endpoint(const std::string& bus_id) const;
  /// "pty", "rtu-over-tcp" or "tcp". Throws std::out_of_range for an unknown bus.
  std::string transport(const std::string& bus_id) const;

  /// Steps every circuit model from its last time to `t` (no-op if t is not later).
  void advance_to(TimePoint t);

  /// Snapshot of one circuit as of the last advance (advance_to() or an answered request; it
  /// does not advance by itself); nullopt if no such bus/box/circuit.
  std::optional<CircuitView> circuit(const std::string& bus_id, int address, int circuit) const;

  /// Replaces the load of one circuit from now on (timeline step changes). False if unknown.
  bool set_load(const std::string& bus_id, int address, int circuit, const LoadSpec& load);

  /// Schedules `fault` (see FaultSpec in fleet.hpp; a relative start counts from now()) and
  /// returns its id (> 0). Faults from the fleet file are injected by the constructor. Box
  /// faults take effect exactly at their start and end in simulated time, on the next advance
  /// or request. Throws std::invalid_argument (naming the bus or box and what to do) if the bus,
  /// box or circuit does not exist, or the kind needs a box and none is given.
  std::uint64_t inject_fault(const FaultSpec& fault);
  /// Ends fault `id` at now() (power comes back, drift stops). False if no such fault.
  bool clear_fault(std::uint64_t id);
  /// Ends every fault at now().
  void clear_faults();
  /// The faults injected and not cleared (ended ones included until cleared), by id.
  std::vector<std::pair<std::uint64_t, FaultSpec>> faults() const;

  /// Replaces the meter of one circuit at now(): new serial, counters and balance from zero
  /// (Box::replace_meter). False if no such bus/box/circuit.
  bool replace_meter(const std::string& bus_id, int address, int circuit);

  /// A multi-line human-readable status: per bus its transport and endpoint, per box its
  /// address, model, power and clock, per configured-or-active circuit its balance, relay,
  /// mode, power and energy; then the faults. What `adf300-sim ctl status` prints.
  std::string status_text() const;

  /// The TimeSource's now(), the instant control commands act at.
  TimePoint now() const;
  /// The fleet's UTC offset (site-local time for printing).
  std::chrono::minutes utc_offset() const;

  /// Every readable register of a meter (circuit given) or box (circuit 0), decoded, after
  /// advancing the models to now(). The error says what does not exist and how to find out.
  Expected<Inspection, std::string> inspect(const MeterId& id);
  /// Box::set_state on the box or meter `id` at now(); the error (nothing changed) says what
  /// is wrong and what to write instead.
  Expected<void, std::string> set_state(const MeterId& id, std::string_view name,
                                        std::string_view value);

  /// Calls `sink` with one line per state change of a meter within `scope` (a bus, a box or a
  /// meter; an empty bus: the whole fleet), stamped with simulated time: relay opened (with its
  /// cause: balance ran out, overload) or closed, mode changed, a credit or debit applied (count,
  /// amount, balance), the balance crossing alarm1, alarm2 or 0, a meter replaced; per box,
  /// power lost and back. Changes are seen when the models next move (a request to the bus,
  /// the periodic advance, a control command), at that instant (a trip at its exact instant).
  /// The sink is called on whichever thread moved the models, without the simulator's mutex
  /// held; it must not block for long. Returns the id for unwatch(); a scope that does not
  /// exist is std::invalid_argument.
  std::uint64_t watch(const MeterId& scope, std::function<void(const std::string&)> sink);
  /// Stops watch `id` (no-op if unknown). After it returns the sink is not called again.
  void unwatch(std::uint64_t id);

  /// Narrows or widens the trace from now on (no effect without SimulatorOptions::trace).
  void set_trace_filter(const TraceFilter& filter);
  TraceFilter trace_filter() const;
  /// False if the simulator was built without a trace sink.
  bool can_trace() const;

  /// Replies sent so far on a bus, exception replies included (broadcasts, frames with a bad CRC
  /// and frames for absent boxes get none); 0 for an unknown bus. For tests and reports.
  std::uint64_t frames_answered(const std::string& bus_id) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phil::sim
