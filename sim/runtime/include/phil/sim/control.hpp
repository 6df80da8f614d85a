#pragma once
// The control commands of a running simulator (`adf300-sim ctl ...`), as text in, text out.
// The app carries them over a Unix socket; this part has no I/O so tests call it directly.
//
// One command per line; the answer starts with "OK" or "ERROR <what>. <what to do>":
//   status                                   boxes, circuits and faults (Simulator::status_text)
//   fault KIND BUS [key=value ...]           inject; answers "OK fault <id>"
//        keys: address, circuit, start (duration from now, default 0s), duration (0 = until
//        cleared), probability (0..1, 3 decimals), delay, bytes, ppm, seed
//        KIND: box_silent bus_silent drop_request drop_reply corrupt_crc delay truncate noise
//              power_loss meter_replaced clock_drift
//   clear ID | clear all                     end one fault or all
//   replace BUS ADDRESS CIRCUIT              replace a meter now
#include <string>
#include <string_view>

#include <phil/sim/simulator.hpp>

namespace phil::sim {

/// Executes one control command line on `sim`; never throws for bad input.
std::string control_command(Simulator& sim, std::string_view line);

}  // namespace phil::sim
