#pragma once
// Persistence of the billing-and-control system behind narrow role interfaces, so that a second
// backend (PostgreSQL) can implement them part by part and each user holds only what it calls:
//
//   Outbox        the command outbox (bus workers deliver; operators enqueue)   outbox.hpp
//   PollSink      poll cycles, serial numbers, supervision events (bus workers)  poll_sink.hpp
//   ReadRequests  on-demand reads asked for by another process                   read_requests.hpp
//   Ledger        money operations (open, sale, refund, reversal, close), verify ledger.hpp
//   SiteAdmin     site model, meter registration and billing mode, replacements  site_admin.hpp
//   Tariffs       stored tariffs, their assignments, tier positions              tariffs.hpp
//   Operators     who may log in, their role and login state                     operators.hpp
//   SystemLog     the hash-chained system log (audit): list, verify, head        system_log.hpp
//   Queries       the read side: meters, accounts, ledger, events, commands      queries.hpp
//   Reports       the daily per-meter roll-ups and the reports' look-ups          reports.hpp
//   Alarms        the alarms table: list, acknowledge (raised by the poll path)  alarms.hpp
//   CommandBatches one command to many meters: queue, progress        command_batches.hpp
//   Notifications the notification outbox: alarm events to SMS, sent once  notices.hpp
//
// Store is all of them on one database connection (plus checkpoint()); the SQLite store
// implements it. Units as in phil/domain/money.hpp (fen, Wh, 0.0001 yuan/kWh); times are UTC
// instants (stored as milliseconds since 1970-01-01T00:00:00Z).
//
// Contracts every implementation keeps:
//   - every operator action (open_account, sale) is ONE transaction: the ledger entry, the outbox
//     command and the audit row are all written or none is; every ledger entry refers to the
//     system log row of the action (or poll cycle) that wrote it (system_log.hpp);
//   - the ledger is append-only and numbered 1..N without gaps; an account's balance is the sum
//     of its entries;
//   - a refused operator action returns an error Result and changes nothing;
//   - database failures (disk full, corrupt file, lock timeout) throw StoreError.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <phil/store/alarms.hpp>
#include <phil/store/command_batches.hpp>
#include <phil/store/common.hpp>
#include <phil/store/ledger.hpp>
#include <phil/store/notices.hpp>
#include <phil/store/operators.hpp>
#include <phil/store/outbox.hpp>
#include <phil/store/poll_sink.hpp>
#include <phil/store/queries.hpp>
#include <phil/store/read_requests.hpp>
#include <phil/store/reports.hpp>
#include <phil/store/site_admin.hpp>
#include <phil/store/system_log.hpp>
#include <phil/store/tariffs.hpp>
#include <phil/store/tenant_access.hpp>

namespace phil::store {

/// Every role on one connection: what a process opens (prepaidctl, the System and each of its
/// bus workers, the bench). The roles write to the same database, so a sale's credit is seen by
/// the bus worker's Outbox at its next look.
class Store : public Outbox,
              public PollSink,
              public ReadRequests,
              public Ledger,
              public SiteAdmin,
              public Tariffs,
              public Operators,
              public SystemLog,
              public Queries,
              public Reports,
              public Alarms,
              public CommandBatches,
              public Notifications,
              public TenantAccess {
 public:
  ~Store() override = default;

  // ---- housekeeping ----
  /// Copies the committed pages of the write-ahead log into the database file without waiting
  /// for or blocking a writer or reader (SQLite's PASSIVE checkpoint: it copies what no reader
  /// still needs). Returns the log's length in pages when called (the log restarts from its
  /// beginning at the next write once all of it is copied). Throws StoreError on an I/O error.
  virtual std::int64_t checkpoint() = 0;
};

/// Who copies the write-ahead log into the database file.
enum class Checkpoints {
  /// SQLite's default: the commit that takes the log past 1,000 pages (4 MiB) does it, so that
  /// commit waits for a copy and an fsync of the database file. For prepaidctl and tests.
  kAtCommit,
  /// Store::checkpoint(), called by the owner off the write path (the collector does it every
  /// second from a thread of its own). A commit still does it past 16,384 pages (64 MiB), so the
  /// log stays bounded if nobody calls.
  kByCaller,
};

/// Opens (creating if needed) a SQLite database file and migrates it to the current schema:
/// WAL journal, synchronous=FULL, foreign keys on, busy timeout 5 s. Throws StoreError naming the
/// path and the cause if it cannot, or if the file was written by a newer version.
std::unique_ptr<Store> open_sqlite_store(const std::string& path,
                                         Checkpoints checkpoints = Checkpoints::kAtCommit);

/// Schema version this build migrates to (PRAGMA user_version).
int sqlite_schema_version();

/// Opens a store (one connection) with the given checkpoint mode: how the System and the tools
/// get theirs without knowing the backend. Called once per connection wanted (the System calls
/// it for itself and once per bus). Throws StoreError if the database cannot be opened.
using StoreFactory = std::function<std::unique_ptr<Store>(Checkpoints checkpoints)>;

/// A factory of open_sqlite_store(path, checkpoints) connections to one database file.
StoreFactory sqlite_store_factory(std::string path);

}  // namespace phil::store
