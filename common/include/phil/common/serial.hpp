#pragma once
// Facts about RS485 serial lines that both sides use: the one list of baud rates a bus may run
// at (the site file, the fleet file and the sim's baud register all check against it), so a
// rate the system accepts is one the virtual fleet and a real UART and meter offer too.
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

namespace phil::serial {

/// The standard rates of RS485 meters, which Linux UARTs and USB adapters set exactly.
inline constexpr std::array<std::int64_t, 8> kStandardBauds{1200,  2400,  4800,  9600,
                                                            19200, 38400, 57600, 115200};

inline bool is_standard_baud(std::int64_t baud) {
  return std::find(kStandardBauds.begin(), kStandardBauds.end(), baud) != kStandardBauds.end();
}

/// "1200, 2400, ..., 115200", for messages.
inline std::string standard_bauds_text() {
  std::string out;
  for (const auto b : kStandardBauds) {
    if (!out.empty()) out += ", ";
    out += std::to_string(b);
  }
  return out;
}

}  // namespace phil::serial
