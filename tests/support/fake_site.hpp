#pragma once
// Test-only: a System and the operator's desk on the scripted FakeMaster with an emulated ADF300,
// on a manual clock: the fixture of the system tests that script the line request by request
// (service, collector, backoff, link errors, the comm property, the in-memory store). One copy,
// held by each test as a member (or a local), so a test picks the parts it needs.
//
// The contract:
//  - Construction sets the clock to the test's start and gives `config` a one-bus site ("bus1",
//    a port nobody opens, boxes 1 and 2 of model adf300l-i on the test profile adf300l) with the
//    SiteConfig defaults otherwise (30-minute polls, daily clock sync), except that a meter's
//    first contact downloads no thresholds (`settings_at_first_contact`, which the tests of the
//    settings turn on, so the others' request counts stay theirs), and no box identity is read
//    (`box_identity_check`, likewise). Nothing runs yet: a test
//    changes `config` (and the device's registers) first, then calls start().
//  - Every bus of `config` gets a master that forwards to the one `master` (all buses share it,
//    as they share `device`), taking `master_mutex` for each request: a test that looks at the
//    master while a Collector's bus workers run takes the same lock (the helpers below do).
//  - Members are destroyed in reverse order: the desk and the System before the master, the
//    clock and the folder they borrow.
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <phil/common/time.hpp>
#include <phil/domain/clock.hpp>
#include <phil/service/system.hpp>

#include "support/desk.hpp"
#include "support/fake_adf300.hpp"
#include "support/fake_master.hpp"
#include "support/temp_dir.hpp"

namespace phil::test {

class FakeSite {
 public:
  /// Wraps the master a bus gets (the fixture's, see above), e.g. to run a hook before each
  /// request or to take broadcasts; called once per bus each time the System is built.
  using Wrap = std::function<std::unique_ptr<meterlink::ModbusMaster>(
      std::unique_ptr<meterlink::ModbusMaster> fixture_master)>;

  /// The clock at `start`; the site in `config`, not started.
  explicit FakeSite(TimePoint start);
  FakeSite(const FakeSite&) = delete;
  FakeSite& operator=(const FakeSite&) = delete;

  /// The master factory start() gives the System, for a test that builds its System itself
  /// (another store, an injected monotonic clock).
  service::MasterFactory masters(Wrap wrap = {});
  /// Builds the System on `db` with `config` and the Desk on the same database, as the daemon
  /// and prepaidctl beside it. A System already running is destroyed first: calling start()
  /// again is a daemon restart (the database is all that survives).
  void start(const Wrap& wrap = {});
  /// Advances the clock by `d`, then runs one iteration of the System (what is due then).
  void step(Millis d);

  /// Requests in the master's log of `op` (kAny: reads and writes) to `slave` (nullopt: every
  /// slave, the broadcast address 0 included).
  int requests(meterlink::FakeMaster::Op op, std::optional<int> slave = std::nullopt) const;
  /// Writes to `slave` (nullopt: every slave).
  int writes(std::optional<int> slave = std::nullopt) const {
    return requests(meterlink::FakeMaster::Op::kWrite, slave);
  }
  /// Empties the master's log (under master_mutex).
  void clear_log();
  /// Box `slave` stops (true) or starts again (false) answering (under master_mutex).
  void set_silent(int slave, bool silent);
  /// `n` steps of config.poll_interval: n poll cycles.
  void step_polls(int n);

  TempDir dir;
  domain::ManualClock clock;
  mutable std::mutex master_mutex;  ///< held by the buses' masters during each request
  meterlink::FakeMaster master;
  FakeAdf300 device;  ///< on `master`, test profile adf300l
  service::SiteConfig config;
  std::string db;  ///< the SQLite file in `dir`
  std::unique_ptr<service::System> system;
  std::unique_ptr<Desk> desk;
};

}  // namespace phil::test
