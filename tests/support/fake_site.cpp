#include "support/fake_site.hpp"

#include <utility>

#include "support/borrowed_master.hpp"

namespace phil::test {

FakeSite::FakeSite(TimePoint start)
    : clock(start),
      device(master, meterlink::load_profile(test_profiles_dir(), "adf300l")),
      db(dir.file("site.db")) {
  config.name = "test";
  config.profiles_dir = test_profiles_dir();
  service::BusConfig bus;
  bus.id = "bus1";
  bus.port = "/dev/null-not-used";
  bus.boxes = {{1, "adf300l-i", "adf300l"}, {2, "adf300l-i", "adf300l"}};
  config.buses = {bus};
  // The tests that script the line count its requests and commands: no thresholds download at
  // first contact unless a test asks for it.
  config.settings_at_first_contact = false;
  // Nor a read of each box's identity at its first answered poll (issue 12.8).
  config.box_identity_check = false;
}

service::MasterFactory FakeSite::masters(Wrap wrap) {
  return [this, wrap = std::move(wrap)](const service::BusConfig&) {
    std::unique_ptr<meterlink::ModbusMaster> m = std::make_unique<Borrowed>(master, &master_mutex);
    return wrap ? wrap(std::move(m)) : std::move(m);
  };
}

void FakeSite::start(const Wrap& wrap) {
  desk.reset();
  system.reset();
  system = std::make_unique<service::System>(config, db, clock, masters(wrap));
  desk = std::make_unique<Desk>(db, clock, config);
}

void FakeSite::step(Millis d) {
  clock.advance(d);
  system->run_iterate();
}

int FakeSite::requests(meterlink::FakeMaster::Op op, std::optional<int> slave) const {
  const std::lock_guard l(master_mutex);
  int n = 0;
  for (const auto& r : master.log()) {
    const bool op_matches = op == meterlink::FakeMaster::Op::kAny || r.op == op;
    n += op_matches && (!slave || r.slave == *slave) ? 1 : 0;
  }
  return n;
}

void FakeSite::clear_log() {
  const std::lock_guard l(master_mutex);
  master.clear_log();
}

void FakeSite::set_silent(int slave, bool silent) {
  const std::lock_guard l(master_mutex);
  master.set_silent(slave, silent);
}

void FakeSite::step_polls(int n) {
  for (int i = 0; i < n; ++i)
    step(config.poll_interval);
}

}  // namespace phil::test
