#pragma once
// The small ADF300-like profile the driver fuzz targets decode with (circuit stride 0x20, every
// register the driver needs); each target adds the registers it fuzzes.
#include <string>

namespace phil::fuzz {

/// Profile text with one model `m` of `circuits` circuits. `box_extra` and `circuit_extra` are
/// YAML list items ("  - {...}\n") appended to the box and circuit register lists; circuit
/// registers 0x19..0x1F of each circuit are free for them.
inline std::string adf300_profile_text(int circuits, bool high_first, int max_read,
                                       const std::string& box_extra = "",
                                       const std::string& circuit_extra = "") {
  return std::string("profile: f\nword_order: ") + (high_first ? "high_first" : "low_first") +
         "\nmax_read: " + std::to_string(max_read) +
         "\nmax_write: 123\n"
         "models: [{name: m, code: 1, circuits: " +
         std::to_string(circuits) +
         ", phases: 1}]\n"
         "enums: {relay: {open: 0, closed: 1}, mode: {prepaid: 0, keep_power: 1, forced_off: 2}}\n"
         "flags: {status: {alarm1: 0, alarm2: 1, arrears: 2}}\n"
         "box:\n"
         "  - {name: model, address: 0, type: u16, access: R}\n" +
         box_extra +
         "circuit:\n"
         "  - {name: energy_total, base: 0x1000, stride: 0x20, type: u32, scale: 0.01, unit: kWh, "
         "access: R}\n"
         "  - {name: power, base: 0x100C, stride: 0x20, type: i32, unit: W, access: R}\n"
         "  - {name: status, base: 0x100F, stride: 0x20, type: u16, flags: status, access: R}\n"
         "  - {name: balance, base: 0x1010, stride: 0x20, type: i32, scale: 0.001, unit: yuan, "
         "access: R}\n"
         "  - {name: relay, base: 0x1012, stride: 0x20, type: u16, enum: relay, access: R}\n"
         "  - {name: mode, base: 0x1013, stride: 0x20, type: u16, enum: mode, access: RW}\n"
         "  - {name: purchase_count, base: 0x1014, stride: 0x20, type: u16, access: RW}\n"
         "  - {name: purchase_amount, base: 0x1015, stride: 0x20, type: u32, scale: 0.01, "
         "unit: yuan, access: RW}\n"
         "  - {name: purchase_total, base: 0x1017, stride: 0x20, type: u32, scale: 0.01, "
         "unit: yuan, access: R}\n" +
         circuit_extra;
}

}  // namespace phil::fuzz
