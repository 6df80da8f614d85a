// The run loop of a scenario: opening the accounts, moving the clock, the timeline's steps
// in order, the waits of until and expect (their checks are checks.cpp, their actions actions.cpp).
#include <algorithm>
#include <filesystem>

#include "run_context.hpp"

namespace phil::bench {

namespace detail {

namespace {

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

}  // namespace

Run::Run(const Scenario& sc, const RunOptions& opt)
    : sc_(sc),
      clock_(sc.start.utc),
      sim_(sc.fleet, clock_, sim::SimulatorOptions{opt.work_dir, opt.trace, {}}) {
  sim_.start();
  service::SiteConfig site;
  site.name = sc.name;
  site.poll_interval = sc.system.poll_interval;
  site.offline_after_cycles = sc.system.offline_after;
  site.price = sc.system.price;
  if (sc.system.max_amount_fen) site.max_amount_fen = *sc.system.max_amount_fen;
  site.profiles_dir = opt.profiles_dir;
  // The site's zone is the scenario's: the fleet's box clocks run in it, and the clock sync and
  // TOU tables the system writes must too.
  site.utc_offset = sc.start.offset;
  site.notify = sc.system.notify;
  site.status_scan = sc.system.status_scan;
  if (site.notify && site.notify->gateway.kind == notify::GatewaySpec::Kind::kFile &&
      site.notify->gateway.path.empty()) {
    site.notify->gateway.path = (std::filesystem::path(opt.work_dir) / "sms.jsonl").string();
  }
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
      // What the site file says the box is: the fleet's model unless the scenario says another.
      const auto said = sc.system.box_models.find(bus.id + "/" + std::to_string(box.address));
      bc.model = said == sc.system.box_models.end() ? box.model : said->second;
      bc.profile = profile_of(bc.model);
      b.boxes.push_back(std::move(bc));
    }
    site.buses.push_back(std::move(b));
  }
  const auto db = std::filesystem::path(opt.work_dir) / "system.db";
  std::filesystem::remove(db);
  std::filesystem::remove(db.string() + "-wal");
  std::filesystem::remove(db.string() + "-shm");
  site_ = site;
  db_ = db.string();
  system_ = std::make_unique<service::System>(site, db_, clock_);
  // Every operator action and query of the scenario goes through Operations, on a connection
  // of its own; the System's run_iterate() checkpoints the log (hence kByCaller).
  ops_ = service::Operations::open(db_, clock_, std::move(site), store::Checkpoints::kByCaller);
}

ScenarioResult Run::execute() {
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
    service::OpenAccount req{a.id, a.tenant, ids, a.first_sale_fen};
    req.contact.phone = a.phone;
    auto res = ops_->open_account(as(domain::Action::kOpenAccount), req);
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
  {
    // After every timeline: the ledger and the meters agree, and no money was made or lost.
    StepOutcome o;
    o.text = "final: ledger = meters, no money created or lost";
    o.mark = sc_.final_check.mark;
    o.started = clock_.now();
    if (!failure.empty()) {
      o.skipped = true;
    } else if (sc_.final_check.skip) {
      o.passed = true;
      o.detail = "not checked: " + *sc_.final_check.skip;
    } else {
      o.passed = final_check(o.detail);
      if (!o.passed) failure = o.mark.to_string() + ": " + o.text + ": " + o.detail;
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

std::string Run::profile_of(const std::string& model) const {
  for (const auto& [id, profile] : sc_.fleet.profiles) {
    if (profile.find_model(model) != nullptr) return id;
  }
  return "";
}

void Run::iterate() {
  sim_.advance_to(clock_.now());
  system_->run_iterate();
}

void Run::tick(TimePoint limit) {
  const TimePoint now = clock_.now();
  TimePoint next = std::min(now + sc_.step, limit);
  const TimePoint due = system_->next_due();
  if (due > now) next = std::min(next, due);
  if (next <= now) next = now + Millis(1);
  clock_.set(next);
  iterate();
}

void Run::advance_to(TimePoint target) {
  while (clock_.now() < target)
    tick(target);
}

std::uint64_t Run::polls(const std::vector<Check>& checks) const {
  return sum_counters(checks, [](const service::BusCounters& c) { return c.polls_completed; });
}
std::uint64_t Run::commands(const std::vector<Check>& checks) const {
  return sum_counters(checks, [](const service::BusCounters& c) { return c.commands_confirmed; });
}
std::uint64_t Run::scans(const std::vector<Check>& checks) const {
  return sum_counters(checks, [](const service::BusCounters& c) { return c.scans_completed; });
}

template <typename F>
std::uint64_t Run::sum_counters(const std::vector<Check>& checks, F field) const {
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

bool Run::run_step(const Step& step, std::string& detail) {
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

bool Run::final_check(std::string& detail) {
  std::vector<Check> checks;
  for (const auto& a : sc_.accounts) {
    Check c;
    c.quantity = Quantity::kFinalAccount;
    c.account = a.id;
    c.tolerance = sc_.final_check.tolerance_fen;
    checks.push_back(c);
  }
  Check verified;
  verified.quantity = Quantity::kLedgerConsistent;
  checks.push_back(verified);
  // Meter-side, the ledger mirrors the meters' deductions at each poll: give every bus the time
  // of one more poll to read what its meters did since the last one.
  const TimePoint begin = clock_.now();
  const TimePoint limit = begin + sc_.system.poll_interval + sc_.step;
  std::string seen;
  while (!all_hold(checks, seen)) {
    if (clock_.now() >= limit) {
      detail = "not met after " + format_duration(clock_.now() - begin) + ": " + seen;
      return false;
    }
    tick(limit);
  }
  detail = std::to_string(sc_.accounts.size()) + " account(s) within " +
           format_decimal(sc_.final_check.tolerance_fen, 2) + " a meter (after " +
           format_duration(clock_.now() - begin) + "): " + seen;
  return true;
}

bool Run::until(const Step& step, std::string& detail) {
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

bool Run::expect(const Step& step, std::string& detail) {
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
  const Millis period = w.kind == Within::Kind::kScans && sc_.system.status_scan
                            ? sc_.system.status_scan->every
                            : sc_.system.poll_interval;
  const Millis bound =
      w.kind == Within::Kind::kDuration ? w.duration : (period + sc_.step) * (w.count + 1);
  const TimePoint limit = begin + bound;
  const std::uint64_t polls0 = polls(step.checks);
  const std::uint64_t commands0 = commands(step.checks);
  const std::uint64_t scans0 = scans(step.checks);
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
         commands(step.checks) >= commands0 + static_cast<std::uint64_t>(w.count)) ||
        (w.kind == Within::Kind::kScans &&
         scans(step.checks) >= scans0 + static_cast<std::uint64_t>(w.count));
    if (exhausted) {
      detail = "not met; seen " + seen + " after " + format_duration(clock_.now() - begin);
      return false;
    }
    tick(limit);
  }
}

}  // namespace detail

ScenarioResult run_scenario(const Scenario& scenario, const RunOptions& options) {
  std::filesystem::create_directories(options.work_dir);
  const auto wall0 = std::chrono::steady_clock::now();
  detail::Run run(scenario, options);
  ScenarioResult r = run.execute();
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  return r;
}

}  // namespace phil::bench
