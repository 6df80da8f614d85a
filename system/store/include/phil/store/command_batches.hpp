#pragma once
// The batch commands role (issue 14 item 2): one command sent to many meters, each member its
// own outbox command (phil/store/outbox.hpp), the batch one record and one system log row
// listing its members. Used by service::Operations (command_batch, command_batch_status).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/domain/command_batch.hpp>
#include <phil/domain/meter_id.hpp>
#include <phil/domain/outbox.hpp>
#include <phil/domain/result.hpp>
#include <phil/store/outbox.hpp>

namespace phil::store {

/// A meter of a batch to queue: "" to queue the command for it, else why the counter's checks
/// (service::Operations::check_command) refused it.
struct BatchMemberRequest {
  domain::MeterId meter;
  std::string refusal;
};

/// A batch to queue: the command and its meters, in the order they were chosen.
struct BatchRequest {
  domain::CommandPayload params;  ///< its alternative decides the kind (domain::batchable)
  std::vector<BatchMemberRequest> members;
  /// How the meters were chosen, for the record ("status=arrears floor=4", "meters file x").
  std::string selection;
  std::string operator_id;
  TimePoint at{};
};

/// What queuing a batch did.
struct BatchOutcome {
  std::int64_t batch = 0;
  std::size_t queued = 0;   ///< members with a command (new, or an equal one already open)
  std::size_t refused = 0;  ///< members refused, by the counter or by the store
};

/// One member: its command as the outbox holds it now, or why it was refused.
struct BatchMemberRecord {
  domain::MeterId meter;
  std::optional<CommandRecord> command;
  std::string refusal;  ///< "" when queued
};

struct BatchRecord {
  std::int64_t id = 0;
  domain::CommandKind kind = domain::CommandKind::kMode;
  std::string payload;  ///< canonical text (domain::encode_payload)
  std::string selection;
  std::string operator_id;
  TimePoint created_at{};
  domain::BatchProgress progress;
  /// In the order chosen; empty in CommandBatches::batches (the list).
  std::vector<BatchMemberRecord> members;
};

/// Each writer is one transaction; a refused batch writes nothing. Database failures throw
/// StoreError.
class CommandBatches {
 public:
  virtual ~CommandBatches() = default;
  /// Queues the command for every member as Outbox::enqueue_command does for one (its checks,
  /// its supersede rule, a thresholds or price command becoming the meter's own, an equal open
  /// command returned as "already queued"), records the members refused (req.refused, and any
  /// the store refuses for one of enqueue_command's reasons, which then change nothing for that
  /// member) and writes ONE system log row ("command_batch") listing the members and their
  /// commands, all in one transaction. Refused as a whole (nothing written): a kind that is not
  /// batchable, members that domain::check_batch_members refuses (refused ones included), an
  /// invalid payload.
  virtual domain::Result<BatchOutcome> enqueue_batch(const BatchRequest& req) = 0;
  /// The batch with its members and their commands' progress; nullopt if there is none.
  virtual std::optional<BatchRecord> command_batch(std::int64_t id) const = 0;
  /// The newest `limit` batches, newest first, with their progress and no members.
  virtual std::vector<BatchRecord> command_batches(std::size_t limit) const = 0;
};

}  // namespace phil::store
