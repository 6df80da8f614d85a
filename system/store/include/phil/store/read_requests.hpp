#pragma once
// The read request role: on-demand reads asked for by another process (prepaidctl read-now),
// run by the bus worker of the target's bus, which stores what it found.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <phil/common/time.hpp>

namespace phil::store {

class ReadRequests {
 public:
  virtual ~ReadRequests() = default;

  struct ReadRequest {
    std::int64_t id = 0;
    std::string target;  ///< "BUS", "BUS/BOX" or "BUS/BOX/CIRCUIT"
    std::string bus;
    std::string state;   ///< "pending" | "done" | "failed"
    std::string result;  ///< what the reader found (failed: why)
    TimePoint created_at{};
    TimePoint updated_at{};
  };
  /// Queues a read of `target` (its bus is the part before the first '/') with an audit row
  /// ("read_now") naming `operator_id`, in one transaction; returns its id.
  virtual std::int64_t request_read(const std::string& target, const std::string& operator_id,
                                    TimePoint at) = 0;
  /// The pending requests of a bus, oldest first.
  virtual std::vector<ReadRequest> pending_read_requests(const std::string& bus) const = 0;
  /// Ends a request: done (ok) or failed, with what was found or why.
  virtual void finish_read_request(std::int64_t id, bool ok, const std::string& result,
                                   TimePoint at) = 0;
  virtual std::optional<ReadRequest> read_request(std::int64_t id) const = 0;
};

}  // namespace phil::store
