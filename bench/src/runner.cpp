#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>

#include <phil/bench/runner.hpp>
#include <phil/common/decimal.hpp>
#include <phil/common/shared_time.hpp>
#include <phil/domain/clock.hpp>
#include <phil/service/operations.hpp>
#include <phil/service/system.hpp>
#include <phil/sim/simulator.hpp>

namespace phil::bench {

namespace {

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

domain::MeterId to_id(const MeterRef& m) {
  return domain::MeterId{m.bus, m.box, m.circuit};
}

std::string mode_word(sim::Mode m) {
  switch (m) {
    case sim::Mode::kPrepaid:
      return "prepaid";
    case sim::Mode::kKeepPower:
      return "keep_power";
    case sim::Mode::kForcedOff:
      return "forced_off";
  }
  return "?";
}

/// The system reaches each bus the way the fleet offers it: a pty as a local serial line, a TCP
/// listener as a serial server (RTU over TCP) or a Modbus TCP gateway.
service::Transport system_transport(sim::Transport t) {
  switch (t) {
    case sim::Transport::kPty:
      return service::Transport::kRtu;
    case sim::Transport::kRtuOverTcp:
      return service::Transport::kRtuOverTcp;
    case sim::Transport::kTcp:
      return service::Transport::kTcp;
  }
  return service::Transport::kRtu;
}

/// "" for equality (the plain value reads best), else the operator and a space.
std::string op_text(Op op) {
  switch (op) {
    case Op::kEq:
      return "";
    case Op::kNe:
      return "!= ";
    case Op::kLt:
      return "< ";
    case Op::kLe:
      return "<= ";
    case Op::kGt:
      return "> ";
    case Op::kGe:
      return ">= ";
  }
  return "";
}

bool compare(std::int64_t actual, Op op, std::int64_t expected, std::int64_t tolerance) {
  switch (op) {
    case Op::kEq:
      return actual >= expected - tolerance && actual <= expected + tolerance;
    case Op::kNe:
      return actual < expected - tolerance || actual > expected + tolerance;
    case Op::kLt:
      return actual < expected;
    case Op::kLe:
      return actual <= expected;
    case Op::kGt:
      return actual > expected;
    case Op::kGe:
      return actual >= expected;
  }
  return false;
}

class Run {
 public:
  Run(const Scenario& sc, const RunOptions& opt)
      : sc_(sc),
        clock_(sc.start.utc),
        sim_(sc.fleet, clock_, sim::SimulatorOptions{opt.work_dir, opt.trace}) {
    sim_.start();
    service::SiteConfig site;
    site.name = sc.name;
    site.poll_interval = sc.system.poll_interval;
    site.offline_after_cycles = sc.system.offline_after;
    site.price = sc.system.price;
    if (sc.system.max_amount_fen) site.max_amount_fen = *sc.system.max_amount_fen;
    site.profiles_dir = opt.profiles_dir;
    for (const auto& bus : sc.fleet.buses) {
      service::BusConfig b;
      b.id = bus.id;
      b.transport = system_transport(bus.transport);
      b.port = sim_.endpoint(bus.id);
      b.baud = bus.baud;
      b.response_timeout = sc.system.response_timeout;
      b.response_timeout_set = true;  // the scenario's timeout wins over the profile's
      b.billing = sc.system.billing;
      for (const auto& box : bus.boxes) {
        service::BoxConfig bc;
        bc.address = box.address;
        bc.model = box.model;
        bc.profile = profile_of(box.model);
        b.boxes.push_back(std::move(bc));
      }
      site.buses.push_back(std::move(b));
    }
    const auto db = std::filesystem::path(opt.work_dir) / "system.db";
    std::filesystem::remove(db);
    std::filesystem::remove(db.string() + "-wal");
    std::filesystem::remove(db.string() + "-shm");
    system_ = std::make_unique<service::System>(site, db.string(), clock_);
    // Every operator action and query of the scenario goes through Operations, on a connection
    // of its own; the System's run_iterate() checkpoints the log (hence kByCaller).
    ops_ = service::Operations::open(db.string(), clock_, std::move(site),
                                     store::Checkpoints::kByCaller);
  }

  ScenarioResult execute() {
    ScenarioResult r;
    r.id = sc_.id;
    r.name = sc_.name;
    r.file = sc_.file;
    r.utc_offset = sc_.start.offset;
    r.sim_start = clock_.now();
    std::string failure;
    for (const auto& a : sc_.accounts) {
      std::vector<domain::MeterId> ids;
      for (const auto& m : a.meters)
        ids.push_back(to_id(m));
      auto res = ops_->open_account(kBench, {a.id, a.tenant, ids, a.first_sale_fen});
      if (!res) {
        failure = sc_.file + ": opening account " + a.id + ": " + res.error().message;
        break;
      }
    }
    if (failure.empty()) iterate();
    for (const auto& step : sc_.timeline) {
      StepOutcome o;
      o.text = step.text;
      o.mark = step.mark;
      o.started = clock_.now();
      if (!failure.empty()) {
        o.skipped = true;
      } else {
        o.passed = run_step(step, o.detail);
        if (!o.passed) failure = step.mark.to_string() + ": " + step.text + ": " + o.detail;
      }
      o.finished = clock_.now();
      r.steps.push_back(std::move(o));
    }
    r.passed = failure.empty();
    r.failure = failure;
    r.sim_end = clock_.now();
    for (const auto& bus : sc_.fleet.buses) {
      r.frames += sim_.frames_answered(bus.id);
      const auto c = system_->counters(bus.id);
      r.polls += c.polls_completed;
      r.commands += c.commands_confirmed;
    }
    return r;
  }

 private:
  std::string profile_of(const std::string& model) const {
    for (const auto& [id, profile] : sc_.fleet.profiles) {
      if (profile.find_model(model) != nullptr) return id;
    }
    return "";
  }

  void iterate() {
    sim_.advance_to(clock_.now());
    system_->run_iterate();
  }

  /// Moves the clock forward by at most one tick, stopping early at the system's next due work
  /// and never past `limit`.
  void tick(TimePoint limit) {
    const TimePoint now = clock_.now();
    TimePoint next = std::min(now + sc_.step, limit);
    const TimePoint due = system_->next_due();
    if (due > now) next = std::min(next, due);
    if (next <= now) next = now + Millis(1);
    clock_.set(next);
    iterate();
  }

  void advance_to(TimePoint target) {
    while (clock_.now() < target)
      tick(target);
  }

  /// Evaluates one check now; on failure `seen` says what was observed.
  bool holds(const Check& c, std::string& seen) const {
    if (c.quantity == Quantity::kLedgerConsistent) {
      const auto problems = ops_->verify_ledger(kBench).value();
      if (problems.empty()) {
        seen = "ledger verified: every account's invariant holds";
        return true;
      }
      seen = "ledger: " + problems.front();
      return false;
    }
    if (c.quantity == Quantity::kLedgerBalance || c.quantity == Quantity::kLedgerMatchesMeter) {
      const auto found = ops_->account_balance_fen(kBench, c.account);
      if (!found) {
        seen = "account " + c.account + " not found in the system";
        return false;
      }
      const std::optional<std::int64_t> ledger = found.value();
      std::int64_t expected = c.number;
      if (c.quantity == Quantity::kLedgerMatchesMeter) {
        const auto v = sim_.circuit(c.meter.bus, c.meter.box, c.meter.circuit);
        if (!v) {
          seen = "meter " + c.meter.to_string() + " does not exist in the fleet";
          return false;
        }
        expected = v->balance_fen;
      }
      seen = "ledger balance " + format_decimal(*ledger, 2) + ", expected " + op_text(c.op) +
             format_decimal(expected, 2);
      return compare(*ledger, c.op, expected, c.tolerance);
    }
    switch (c.quantity) {
      case Quantity::kLastCommand:
      case Quantity::kOpenCommands:
        return command_holds(c, seen);
      case Quantity::kNoDoubleCredit:
        return credited_once(c.meter, seen);
      case Quantity::kEvent:
        return event_holds(c, seen);
      case Quantity::kSystemPurchaseCount:
      case Quantity::kFailedCycles:
      case Quantity::kReadAge:
        return view_number_holds(c, seen);
      default:
        break;
    }
    if (c.quantity == Quantity::kStatus || c.quantity == Quantity::kSystemRelay ||
        c.quantity == Quantity::kSystemBalance) {
      const auto found = ops_->meter(kBench, to_id(c.meter));
      if (!found) {
        seen = "the system does not know meter " + c.meter.to_string();
        return false;
      }
      const auto& m = found.value();
      if (c.quantity == Quantity::kSystemBalance) {
        seen = "system balance " + format_decimal(m.last.balance_fen, 2);
        return compare(m.last.balance_fen, c.op, c.number, c.tolerance);
      }
      const std::string word = c.quantity == Quantity::kStatus
                                   ? std::string(domain::to_string(m.status))
                                   : (m.last.relay_closed ? "closed" : "open");
      seen = (c.quantity == Quantity::kStatus ? "status " : "system relay ") + word;
      return (word == c.word) == (c.op == Op::kEq);
    }
    const auto v = sim_.circuit(c.meter.bus, c.meter.box, c.meter.circuit);
    if (!v) {
      seen = "meter " + c.meter.to_string() + " does not exist in the fleet";
      return false;
    }
    switch (c.quantity) {
      case Quantity::kRelay: {
        const std::string word = v->relay_closed ? "closed" : "open";
        seen = "relay " + word + ", balance " + format_decimal(v->balance_fen, 2);
        return (word == c.word) == (c.op == Op::kEq);
      }
      case Quantity::kMode: {
        const std::string word = mode_word(v->mode);
        seen = "mode " + word;
        return (word == c.word) == (c.op == Op::kEq);
      }
      case Quantity::kBalance:
        seen = "balance " + format_decimal(v->balance_fen, 2);
        return compare(v->balance_fen, c.op, c.number, c.tolerance);
      case Quantity::kEnergy:
        seen = "energy " + format_decimal(v->energy_wh, 3) + " kWh";
        return compare(v->energy_wh, c.op, c.number, c.tolerance);
      case Quantity::kPower:
        seen = "power " + std::to_string(v->power_w) + " W";
        return compare(v->power_w, c.op, c.number, c.tolerance);
      case Quantity::kPurchaseCount:
        seen = "purchase_count " + std::to_string(v->purchase_count);
        return compare(v->purchase_count, c.op, c.number, 0);
      case Quantity::kPurchaseTotal:
        seen = "purchase_total " + format_decimal(v->purchase_total_fen, 2);
        return compare(v->purchase_total_fen, c.op, c.number, c.tolerance);
      case Quantity::kDebitCount:
        seen = "debit_count " + std::to_string(v->debit_count);
        return compare(v->debit_count, c.op, c.number, 0);
      case Quantity::kDebitTotal:
        seen = "debit_total " + format_decimal(v->debit_total_fen, 2);
        return compare(v->debit_total_fen, c.op, c.number, c.tolerance);
      default:
        seen = "unsupported check";
        return false;
    }
  }

  /// The system's view of a meter as numbers: purchase_count, failed cycles, age of the reading.
  bool view_number_holds(const Check& c, std::string& seen) const {
    const auto found = ops_->meter(kBench, to_id(c.meter));
    if (!found) {
      seen = "the system does not know meter " + c.meter.to_string();
      return false;
    }
    const auto& m = found.value();
    if (c.quantity == Quantity::kSystemPurchaseCount) {
      seen = "system purchase_count " + std::to_string(m.last.purchase_count);
      return compare(m.last.purchase_count, c.op, c.number, 0);
    }
    if (c.quantity == Quantity::kFailedCycles) {
      seen = "failed cycles " + std::to_string(m.failed_cycles);
      return compare(m.failed_cycles, c.op, c.number, 0);
    }
    if (!m.read_at) {
      seen = "never read by the system";
      return false;
    }
    const auto age = std::chrono::duration_cast<Millis>(clock_.now() - *m.read_at);
    seen = "last read " + format_duration(age) + " ago, at " +
           format_timestamp(*m.read_at, sc_.start.offset);
    return compare(age.count(), c.op, c.number, 0);
  }

  /// The newest outbox command of the meter, or how many are still open.
  bool command_holds(const Check& c, std::string& seen) const {
    const auto cmds = ops_->meter_commands(kBench, to_id(c.meter), kAllCommands).value();
    if (c.quantity == Quantity::kOpenCommands) {
      const auto open = std::count_if(cmds.begin(), cmds.end(), [](const store::CommandRecord& v) {
        return v.state == domain::CommandState::kPending ||
               v.state == domain::CommandState::kInFlight;
      });
      seen = std::to_string(open) + " open command(s)";
      return compare(open, c.op, c.number, 0);
    }
    if (cmds.empty()) {
      seen = "no command for " + c.meter.to_string();
      return false;
    }
    const auto& last = cmds.front();
    const std::string state(domain::to_string(last.state));
    seen = "last command " + std::to_string(last.id) + " (" +
           std::string(domain::to_string(last.kind)) + ") " + state + " after " +
           std::to_string(last.attempts) + " attempt(s)" +
           (last.last_error.empty() ? "" : ", last error: " + last.last_error);
    return (state == c.word) == (c.op == Op::kEq);
  }

  /// Every credit reached the meter exactly once: the meter's purchase total equals the sum of
  /// its confirmed credits and, for an account's first meter (the one sales credit), the sum of
  /// the account's sales in the ledger. Not meaningful across a meter replacement (the new
  /// meter's total starts from zero).
  bool credited_once(const MeterRef& m, std::string& seen) const {
    const auto v = sim_.circuit(m.bus, m.box, m.circuit);
    if (!v) {
      seen = "meter " + m.to_string() + " does not exist in the fleet";
      return false;
    }
    std::int64_t confirmed = 0;
    std::int64_t open = 0;
    const auto cmds = ops_->meter_commands(kBench, to_id(m), kAllCommands).value();
    for (const auto& cmd : cmds) {
      if (cmd.kind != domain::CommandKind::kCredit) continue;
      if (cmd.state == domain::CommandState::kConfirmed) confirmed += cmd.amount_fen;
      if (cmd.state == domain::CommandState::kPending ||
          cmd.state == domain::CommandState::kInFlight) {
        ++open;
      }
    }
    seen = "meter purchase_total " + format_decimal(v->purchase_total_fen, 2) +
           ", confirmed credits " + format_decimal(confirmed, 2);
    bool ok = v->purchase_total_fen == confirmed && open == 0;
    if (open > 0) seen += ", " + std::to_string(open) + " credit(s) still open";
    for (const auto& a : sc_.accounts) {
      if (a.meters.empty() || a.meters.front().to_string() != m.to_string()) continue;
      std::int64_t sales = 0;
      const auto entries = ops_->ledger(kBench, a.id).value();
      for (const auto& e : entries) {
        if (e.kind == domain::EntryKind::kSale) sales += e.amount_fen;
      }
      seen += ", sales to " + a.id + " " + format_decimal(sales, 2);
      ok = ok && sales == confirmed;
    }
    return ok;
  }

  /// An event of the kind was (==) or was never (!=) recorded for the meter.
  bool event_holds(const Check& c, std::string& seen) const {
    const auto events = ops_->events(kBench, to_id(c.meter)).value();
    const auto n = std::count_if(events.begin(), events.end(),
                                 [&](const store::EventRecord& e) { return e.kind == c.word; });
    seen = std::to_string(n) + " " + c.word + " event(s) of " + std::to_string(events.size());
    for (const auto& e : events) {
      if (e.kind == c.word) {
        seen += "; first at " + format_timestamp(e.at, sc_.start.offset) + ": " + e.details;
        break;
      }
    }
    return (n > 0) == (c.op == Op::kEq);
  }

  /// True if every check holds; `seen` lists what each check observed.
  bool all_hold(const std::vector<Check>& checks, std::string& seen) const {
    seen.clear();
    bool ok = true;
    for (const auto& c : checks) {
      std::string one;
      ok = holds(c, one) && ok;
      seen += (seen.empty() ? "" : "; ") + one;
    }
    return ok;
  }

  std::uint64_t polls(const std::vector<Check>& checks) const {
    return sum_counters(checks, [](const service::BusCounters& c) { return c.polls_completed; });
  }
  std::uint64_t commands(const std::vector<Check>& checks) const {
    return sum_counters(checks, [](const service::BusCounters& c) { return c.commands_confirmed; });
  }

  /// Counter summed over the buses the checks are about (all buses if none is named).
  template <typename F>
  std::uint64_t sum_counters(const std::vector<Check>& checks, F field) const {
    std::vector<std::string> buses;
    for (const auto& c : checks) {
      if (!c.meter.bus.empty()) buses.push_back(c.meter.bus);
    }
    if (buses.empty()) {
      for (const auto& b : sc_.fleet.buses)
        buses.push_back(b.id);
    }
    std::sort(buses.begin(), buses.end());
    buses.erase(std::unique(buses.begin(), buses.end()), buses.end());
    std::uint64_t n = 0;
    for (const auto& b : buses)
      n += field(system_->counters(b));
    return n;
  }

  bool run_step(const Step& step, std::string& detail) {
    if (step.at_absolute || step.at_relative) {
      const TimePoint target =
          step.at_absolute ? *step.at_absolute : clock_.now() + *step.at_relative;
      if (target < clock_.now()) {
        detail = "time " + format_timestamp(target, sc_.start.offset) + " is already past";
        return false;
      }
      advance_to(target);
    }
    switch (step.kind) {
      case Step::Kind::kAdvance:
        detail = "now " + format_timestamp(clock_.now(), sc_.start.offset);
        return true;
      case Step::Kind::kAction:
        return act(step, detail);
      case Step::Kind::kUntil:
        return until(step, detail);
      case Step::Kind::kExpect:
        return expect(step, detail);
    }
    return false;
  }

  /// A refund or reversal: a debit it queues is delivered at once, as a sale's credit is.
  bool money_back(const MoneyBackAction& a, std::string& detail) {
    const std::string what = a.sale ? "reversal" : "refund";
    domain::Result<store::MoneyBack> res =
        domain::Error{domain::ErrorKind::kNotFound, "account " + a.account + " has no sale " +
                                                        std::to_string(a.sale.value_or(0))};
    if (a.sale) {
      int n = 0;
      for (const auto& e : ops_->ledger(kBench, a.account).value()) {
        if (e.kind == domain::EntryKind::kSale && ++n == *a.sale) {
          res = ops_->reversal(kBench, e.seq);
          break;
        }
      }
    } else {
      res = ops_->refund(kBench, a.account, a.amount_fen);
    }
    if (a.refused) {
      if (res) {
        detail = what + " accepted, expected a refusal saying \"" + *a.refused + "\"";
        return false;
      }
      detail = what + " refused: " + res.error().message;
      return res.error().message.find(*a.refused) != std::string::npos;
    }
    if (!res) {
      detail = what + " refused: " + res.error().message;
      return false;
    }
    if (res.value().command) {
      iterate();
      detail = what + ": debit " + std::to_string(*res.value().command) + " queued at " +
               format_timestamp(clock_.now(), sc_.start.offset);
    } else {
      detail = what + " booked at once (entry " + std::to_string(res.value().seq.value_or(0)) + ")";
    }
    return true;
  }

  bool act(const Step& step, std::string& detail) {
    if (const auto* sale = std::get_if<SaleAction>(&step.action)) {
      auto res = ops_->sale(kBench, sale->account, sale->amount_fen);
      if (sale->refused) {
        if (res) {
          detail = "sale accepted (credit " + std::to_string(res.value()) +
                   "), expected a refusal saying \"" + *sale->refused + "\"";
          return false;
        }
        detail = "sale refused: " + res.error().message;
        return res.error().message.find(*sale->refused) != std::string::npos;
      }
      if (!res) {
        detail = "sale refused: " + res.error().message;
        return false;
      }
      // A sale is pushed to the meter at once: the system delivers it in this iteration.
      iterate();
      detail = "sold at " + format_timestamp(clock_.now(), sc_.start.offset);
      return true;
    }
    if (const auto* money = std::get_if<MoneyBackAction>(&step.action))
      return money_back(*money, detail);
    if (const auto* load = std::get_if<LoadAction>(&step.action)) {
      if (!sim_.set_load(load->meter.bus, load->meter.box, load->meter.circuit, load->load)) {
        detail = "no such circuit " + load->meter.to_string();
        return false;
      }
      detail = "load changed at " + format_timestamp(clock_.now(), sc_.start.offset);
      return true;
    }
    if (const auto* f = std::get_if<FaultAction>(&step.action)) {
      sim::FaultSpec spec = f->fault;
      spec.start = clock_.now();
      try {
        faults_[f->name] = sim_.inject_fault(spec);
      } catch (const std::invalid_argument& e) {
        detail = std::string("fault refused by the fleet: ") + e.what();
        return false;
      }
      detail = "injected at " + format_timestamp(clock_.now(), sc_.start.offset);
      return true;
    }
    if (const auto* clear = std::get_if<ClearFaultAction>(&step.action)) {
      if (clear->name.empty()) {
        sim_.clear_faults();
        faults_.clear();
      } else {
        const auto it = faults_.find(clear->name);
        if (it == faults_.end() || !sim_.clear_fault(it->second)) {
          detail = "fault " + clear->name + " was not injected (its step did not run)";
          return false;
        }
        faults_.erase(it);
      }
      detail = "cleared at " + format_timestamp(clock_.now(), sc_.start.offset);
      return true;
    }
    if (const auto* r = std::get_if<ReplaceMeterAction>(&step.action)) {
      if (!sim_.replace_meter(r->meter.bus, r->meter.box, r->meter.circuit)) {
        detail = "no such circuit " + r->meter.to_string();
        return false;
      }
      detail = "meter replaced at " + format_timestamp(clock_.now(), sc_.start.offset);
      return true;
    }
    if (const auto* cmd = std::get_if<CommandAction>(&step.action)) {
      auto res = ops_->command(kBench, to_id(cmd->meter), cmd->payload);
      if (!res) {
        detail = "command refused: " + res.error().message;
        return false;
      }
      // Like a sale, a command is delivered at once: before any further polling.
      iterate();
      detail = "command " + std::to_string(res.value()) + " queued at " +
               format_timestamp(clock_.now(), sc_.start.offset);
      return true;
    }
    if (const auto* read = std::get_if<ReadNowAction>(&step.action)) {
      auto res = ops_->read_now(kBench, read->target);
      if (!res) {
        detail = "read-now refused: " + res.error().message;
        return false;
      }
      iterate();
      detail = "read at " + format_timestamp(clock_.now(), sc_.start.offset);
      return true;
    }
    detail = "nothing to do";
    return true;
  }

  bool until(const Step& step, std::string& detail) {
    const TimePoint begin = clock_.now();
    const TimePoint limit = begin + step.max;
    std::string seen;
    while (!all_hold(step.checks, seen)) {
      if (clock_.now() >= limit) {
        detail = "not met within " + format_duration(step.max) + "; last seen: " + seen;
        return false;
      }
      tick(limit);
    }
    detail = "met after " + format_duration(clock_.now() - begin) + " at " +
             format_timestamp(clock_.now(), sc_.start.offset);
    return true;
  }

  bool expect(const Step& step, std::string& detail) {
    const TimePoint begin = clock_.now();
    std::string seen;
    const auto& w = step.within;
    if (w.kind == Within::Kind::kNow) {
      const bool ok = all_hold(step.checks, seen);
      detail = seen;
      return ok;
    }
    // Every window is also bounded in simulated time, so a system that never polls or never
    // delivers fails the step instead of running forever.
    const Millis bound = w.kind == Within::Kind::kDuration
                             ? w.duration
                             : (sc_.system.poll_interval + sc_.step) * (w.count + 1);
    const TimePoint limit = begin + bound;
    const std::uint64_t polls0 = polls(step.checks);
    const std::uint64_t commands0 = commands(step.checks);
    for (;;) {
      if (all_hold(step.checks, seen)) {
        detail = seen + " (after " + format_duration(clock_.now() - begin) + ")";
        return true;
      }
      const bool exhausted =
          clock_.now() >= limit ||
          (w.kind == Within::Kind::kPolls &&
           polls(step.checks) >= polls0 + static_cast<std::uint64_t>(w.count)) ||
          (w.kind == Within::Kind::kCommands &&
           commands(step.checks) >= commands0 + static_cast<std::uint64_t>(w.count));
      if (exhausted) {
        detail = "not met; seen " + seen + " after " + format_duration(clock_.now() - begin);
        return false;
      }
      tick(limit);
    }
  }

  static constexpr int kAllCommands = 100'000;
  // An allocation failure at start-up ends the program whichever way it is thrown.
  // NOLINTNEXTLINE(cert-err58-cpp)
  inline static const service::Actor kBench{"bench"};

  const Scenario& sc_;
  BenchClock clock_;
  sim::Simulator sim_;
  std::unique_ptr<service::System> system_;
  std::unique_ptr<service::Operations> ops_;     ///< the scenario's operator actions and queries
  std::map<std::string, std::uint64_t> faults_;  ///< scenario fault name -> simulator fault id
};

}  // namespace

ScenarioResult run_scenario(const Scenario& scenario, const RunOptions& options) {
  std::filesystem::create_directories(options.work_dir);
  const auto wall0 = std::chrono::steady_clock::now();
  Run run(scenario, options);
  ScenarioResult r = run.execute();
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  return r;
}

}  // namespace phil::bench
