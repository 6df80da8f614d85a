#pragma once
// libmodbus as the master of the sim's integration tests: a context that closes and frees
// itself.
#include <memory>

#include <modbus.h>

namespace phil::sim {

struct ModbusDeleter {
  void operator()(modbus_t* ctx) const {
    modbus_close(ctx);
    modbus_free(ctx);
  }
};
using Modbus = std::unique_ptr<modbus_t, ModbusDeleter>;

}  // namespace phil::sim
