#pragma once
// The control commands of a running simulator (`adf300-sim ctl ...`), as text in, text out.
// The app carries them over a Unix socket; this part has no I/O so tests call it directly.
//
// One command per line; the answer starts with "OK" or "ERROR <what>. <what to do>". METER is
// BUS/ADDRESS/CIRCUIT (e.g. bus1/4/3), BOX is BUS/ADDRESS, as in `status`:
//   status                                   boxes, circuits and faults (Simulator::status_text)
//   show METER|BOX [--json]                  every readable register, decoded, with its unit;
//                                            for a box its clock, TOU table and circuits
//   set METER|BOX NAME VALUE                 set state as a technician could (Box::set_state):
//                                            balance, energy_* (a meter reset), relay, mode,
//                                            thresholds, prices, address, baud, clock,
//                                            tou_schedule, status flags such as not_opened
//   load METER constant=W                    the circuit's load from now on: a constant power,
//   load METER daily=KIND peak_w=W [seed=N]  or a daily curve (residential, office, shop)
//   watch [BUS|BOX|METER]                    keeps the connection open and streams one line
//                                            per state change (Simulator::watch)
//   time                                     simulated time and speed
//   speed N                                  simulated seconds per wall second, from now on
//   trace [on [bus=B] [box=N] [fc=N] [exceptions] | off]
//                                            narrow, widen or stop the trace; alone: show it
//   fault KIND BUS [key=value ...]           inject; answers "OK fault <id>"
//        keys: address, circuit, start (duration from now, default 0s), duration (0 = until
//        cleared), probability (0..1, 3 decimals), delay, bytes, ppm, seed
//        KIND: box_silent bus_silent drop_request drop_reply corrupt_crc delay truncate noise
//              power_loss meter_replaced clock_drift
//   clear ID | clear all                     end one fault or all
//   replace BUS ADDRESS CIRCUIT              replace a meter now
// Bad input (an unknown meter, register or key, a value out of the register's range) is an
// ERROR answer and changes nothing.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <phil/sim/simulator.hpp>

namespace phil::sim {

/// The speed of a running simulator's clock (the app's accelerated wall clock).
class ClockControl {
 public:
  virtual ~ClockControl() = default;
  /// Simulated seconds per wall-clock second.
  virtual std::int64_t speed() const = 0;
  /// From now on, simulated time runs `speed` (1..kMaxSpeed) times the wall clock, on from the
  /// current simulated instant (time never jumps).
  virtual void set_speed(std::int64_t speed) = 0;
};
inline constexpr std::int64_t kMaxSpeed = 1'000'000;

struct ControlReply {
  std::string text;  ///< the answer, ending with a newline
  /// Set for an accepted `watch`: the caller keeps the connection open and streams the lines
  /// of Simulator::watch(*watch, ...) until the client hangs up.
  std::optional<MeterId> watch;
};

/// Executes one control command line on `sim` (`clock`: nullptr where time is not the
/// simulator's own, e.g. in-process on a manual clock: `time` then shows no speed and `speed`
/// is refused). Never throws for bad input.
ControlReply control(Simulator& sim, std::string_view line, ClockControl* clock = nullptr);

/// control(sim, line).text: for callers that never stream.
std::string control_command(Simulator& sim, std::string_view line);

}  // namespace phil::sim
