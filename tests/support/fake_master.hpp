#pragma once
// Test-only (tests/support): a scripted in-memory Modbus master: a register space per slave, faults
// injected per request, and a log of every request. Device behaviour beyond plain register memory
// (e.g. an ADF300 accepting a credit only at count last + 1) is supplied by the test through
// on_write.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include <phil/meterlink/modbus_master.hpp>

namespace phil::meterlink {

class FakeMaster final : public ModbusMaster {
 public:
  enum class Op : std::uint8_t { kRead, kWrite, kAny };
  enum class Fault : std::uint8_t {
    kRequestLost,  ///< the device never sees the request: nothing applied, timeout
    kReplyLost,    ///< the device applies the request, the reply is lost: timeout
    kException,    ///< the device answers with `exception_code`, nothing applied
    kIo,           ///< garbled reply (request applied)
    kBadReply,     ///< well-framed reply of the wrong size (request applied): kBadReply
  };
  struct Script {
    Op op = Op::kAny;
    std::optional<int> slave;  ///< nullopt: any slave
    Fault fault = Fault::kRequestLost;
    std::uint8_t exception_code = 4;
  };
  struct Request {
    Op op = Op::kRead;
    int slave = 0;
    std::uint16_t start = 0;
    std::uint16_t count = 0;
    std::vector<std::uint16_t> values;  ///< writes
    std::string outcome;  ///< "ok", "timeout", "exception N", "io", "bad reply", "port unavailable"
  };
  /// Device logic for a write that reached the device: it updates the registers itself (through
  /// set) and returns nullopt to accept, or an exception code to refuse. Without a hook, writes
  /// are stored as written.
  using WriteHook = std::function<std::optional<std::uint8_t>(
      FakeMaster& m, int slave, std::uint16_t start, std::span<const std::uint16_t> values)>;

  /// Registers not set read as 0.
  void set(int slave, std::uint16_t address, std::uint16_t value) { regs_[slave][address] = value; }
  std::uint16_t get(int slave, std::uint16_t address) const;
  /// A silent slave times out on every request.
  void set_silent(int slave, bool silent);
  /// While set, the port "cannot be opened": every request fails with kPortUnavailable, nothing
  /// reaches any slave.
  void set_port_unavailable(bool unavailable) { port_unavailable_ = unavailable; }
  /// Queues a fault; it applies to the first later request matching op and slave.
  void inject(Script s) { script_.push_back(s); }
  void on_write(WriteHook hook) { hook_ = std::move(hook); }
  const std::vector<Request>& log() const { return log_; }
  void clear_log() { log_.clear(); }
  /// Requests that timed out so far (per slave).
  int timeouts(int slave) const;

  LinkResult<std::vector<std::uint16_t>> read_registers(int slave, std::uint16_t start,
                                                        std::uint16_t count) override;
  LinkResult<void> write_registers(int slave, std::uint16_t start,
                                   std::span<const std::uint16_t> values) override;
  std::string describe() const override { return "fake"; }

 private:
  std::optional<Script> take_fault(Op op, int slave);
  std::map<int, std::map<std::uint16_t, std::uint16_t>> regs_;
  std::set<int> silent_;
  bool port_unavailable_ = false;
  std::deque<Script> script_;
  WriteHook hook_;
  std::vector<Request> log_;
};

}  // namespace phil::meterlink
