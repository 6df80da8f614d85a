#pragma once
// What one scenario run shares, private to the bench: the scenario, the manual clock, the
// virtual fleet, the System and the Operations the timeline goes through, and the faults it
// injected. Its parts: the run loop (runner.cpp), the actions of timeline steps (actions.cpp)
// and the evaluation of checks (checks.cpp).
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <phil/bench/runner.hpp>
#include <phil/common/decimal.hpp>
#include <phil/common/shared_time.hpp>
#include <phil/domain/clock.hpp>
#include <phil/service/operations.hpp>
#include <phil/service/system.hpp>
#include <phil/sim/simulator.hpp>

namespace phil::bench::detail {

/// One manual clock seen by both sides through their own interfaces; only the runner moves it.
///
/// Threads: the runner's thread moves it (set(), in tick()) and reads it, and so does the System,
/// which the runner runs on that same thread (run_iterate()). The simulator's serving thread reads
/// it concurrently, once per request it serves, hence the atomic (release on set, acquire on now).
/// Ordering: the runner moves the clock only between the System's iterations, so every exchange
/// the System starts sees one instant on both sides: the System reads it before sending, and the
/// simulator reads the same value when serving (its one read per request is also its snapshot for
/// the whole reply). A request the System has already given up on (a timeout under a fault) may be
/// served after the next step; it is then answered wholly at the newer instant.
class BenchClock final : public domain::Clock, public sim::TimeSource {
 public:
  explicit BenchClock(TimePoint t) : now_(t) {}
  TimePoint now() const override { return now_.now(); }
  void set(TimePoint t) { now_.set(t); }

 private:
  SharedTimePoint now_;
};

inline domain::MeterId to_id(const MeterRef& m) {
  return domain::MeterId{m.bus, m.box, m.circuit};
}

class Run {
 public:
  Run(const Scenario& sc, const RunOptions& opt);
  ScenarioResult execute();

 private:
  // ---- the run loop (runner.cpp) ----
  std::string profile_of(const std::string& model) const;
  void iterate();
  /// Moves the clock forward by at most one tick, stopping early at the system's next due work
  /// and never past `limit`.
  void tick(TimePoint limit);
  void advance_to(TimePoint target);
  std::uint64_t polls(const std::vector<Check>& checks) const;
  std::uint64_t commands(const std::vector<Check>& checks) const;
  std::uint64_t scans(const std::vector<Check>& checks) const;
  /// Counter summed over the buses the checks are about (all buses if none is named).
  template <typename F>
  std::uint64_t sum_counters(const std::vector<Check>& checks, F field) const;
  bool run_step(const Step& step, std::string& detail);
  bool until(const Step& step, std::string& detail);
  bool expect(const Step& step, std::string& detail);
  /// The check after every timeline (FinalCheckSpec), given the time of one more poll.
  bool final_check(std::string& detail);

  // ---- the actions of timeline steps (actions.cpp) ----
  /// A refund or reversal: a debit it queues is delivered at once, as a sale's credit is.
  bool money_back(const MoneyBackAction& a, std::string& detail);
  /// Operations::close_account; a closing's first step is taken at once.
  bool close_account(const CloseAccountAction& a, std::string& detail);
  /// Operations::move_meter (without money).
  bool move_meter(const MoveMeterAction& a, std::string& detail);
  /// Operations::add_tariff (a version from now on) and assign_tariff (from now on).
  bool tariff(const TariffAction& a, std::string& detail);
  /// A new System on the same database, with the site file's billing changed as asked.
  bool restart(const RestartAction& a, std::string& detail);
  bool act(const Step& step, std::string& detail);

  // ---- the checks (checks.cpp) ----
  /// Evaluates one check now; on failure `seen` says what was observed.
  bool holds(const Check& c, std::string& seen) const;
  /// The system's view of a meter as numbers: purchase_count, failed cycles, age of the reading.
  bool view_number_holds(const Check& c, std::string& seen) const;
  /// The system's record of the check's meter; nullopt (and `seen` says so) if it has none.
  std::optional<store::MeterRecord> system_meter(const Check& c, std::string& seen) const;
  /// The newest outbox command of the meter, or how many are still open.
  bool command_holds(const Check& c, std::string& seen) const;
  /// Every credit reached the meter exactly once: the meter's purchase total equals the sum of
  /// its confirmed credits and, for an account's first meter (the one sales credit), the sum of
  /// the account's sales in the ledger. Not meaningful across a meter replacement (the new
  /// meter's total starts from zero).
  bool credited_once(const MeterRef& m, std::string& seen) const;
  /// An event of the kind was (==) or was never (!=) recorded for the meter.
  bool event_holds(const Check& c, std::string& seen) const;
  bool sms_holds(const Check& c, std::string& seen) const;
  /// The account's closing (none, started, blocked, done) or what its end paid back.
  bool closing_holds(const Check& c, std::string& seen) const;
  /// kFinalAccount: the account's ledger entries add up to its balance; meter-side, its money
  /// meter holds that balance (within the tolerance) and took in and gave out what the ledger
  /// says (not across a meter replacement, transfer or conversion).
  bool account_agrees(const Check& c, std::string& seen) const;
  /// True if every check holds; `seen` lists what each check observed.
  bool all_hold(const std::vector<Check>& checks, std::string& seen) const;

  static constexpr int kAllCommands = 100'000;
  /// Who takes `action`: the scenario's operator, with its role, else the first role that may
  /// (Scenario::operator_role).
  service::Actor as(domain::Action action) const {
    return {sc_.operator_id, sc_.operator_role.value_or(domain::roles_for(action).front())};
  }

  const Scenario& sc_;
  BenchClock clock_;
  sim::Simulator sim_;
  service::SiteConfig site_;  ///< what the System was started with (the site file)
  std::string db_;            ///< the system's database file
  std::unique_ptr<service::System> system_;
  std::unique_ptr<service::Operations> ops_;     ///< the scenario's operator actions and queries
  std::map<std::string, std::uint64_t> faults_;  ///< scenario fault name -> simulator fault id
};

}  // namespace phil::bench::detail
