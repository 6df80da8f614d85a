// Supervision, comm loss and box-level commands against the virtual fleet over a real pty, with
// the simulator's own faults (meter replaced, power loss, silent box, clock drift, CRC bursts):
// events recorded for the alarm work, energy of an outage charged with no gap, held commands
// delivered on recovery, host-side billing trips and closes, clock sync by broadcast, TOU table
// download with read-back.
#include <functional>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include <phil/service/system.hpp>
#include <phil/sim/fleet.hpp>
#include <phil/sim/simulator.hpp>
#include <phil/store/store.hpp>

#include "support/desk.hpp"
#include "support/fake_adf300.hpp"
#include "support/sim_system.hpp"
#include "support/temp_dir.hpp"

namespace phil {
namespace {

using domain::MeterId;
using test::SharedClock;

constexpr TimePoint kStart{Millis(1'772'294'400'000)};  // 2026-03-01T00:00:00+08:00
constexpr Millis kPoll{30 * 60 * 1000};

constexpr const char* kFleet = R"(buses:
  - id: bus1
    port: vbus/bus1
    boxes:
      - address: 1
        model: adf300l-i
        circuits:
          1: {load: {constant: 1200}, balance: "100.00"}
          2: {load: {constant: 1200}, balance: "0.00"}
      - address: 2
        model: adf300l-i
        circuits:
          1: {load: {constant: 600}, balance: "0.00"}
)";

class Supervision : public ::testing::Test {
 protected:
  Supervision()
      : clock_(kStart),
        sim_(test::start_fleet(kFleet, dir_.file(""), clock_)),
        site_(test::one_bus_site("supervision", sim_->endpoint("bus1"), Millis(200),
                                 {{1, "adf300l-i", "adf300l"}, {2, "adf300l-i", "adf300l"}})) {
    site_.buses[0].response_timeout_set = true;
  }

  void start() {
    system_ = std::make_unique<service::System>(site_, dir_.file("site.db"), clock_);
    desk_ = std::make_unique<test::Desk>(dir_.file("site.db"), clock_, site_);
  }
  void step(Millis d) { test::step(clock_, *sim_, *system_, d); }
  /// Injects a fault of the simulator on box `address` of bus1, from now on.
  std::uint64_t fault(sim::FaultSpec::Kind kind, int address,
                      const std::function<void(sim::FaultSpec&)>& more = {}) {
    sim::FaultSpec f;
    f.kind = kind;
    f.bus = "bus1";
    f.address = address;
    f.start = clock_.now();
    if (more) more(f);
    return sim_->inject_fault(f);
  }
  int count_events(const std::string& kind, const std::optional<MeterId>& m = std::nullopt) {
    int n = 0;
    for (const auto& e : system_->events(m))
      n += e.kind == kind ? 1 : 0;
    return n;
  }
  /// The charges of an account, straight from the store (a second connection, as prepaidctl).
  std::vector<store::LedgerRecord> charges(const std::string& account) {
    auto s = store::open_sqlite_store(dir_.file("site.db"));
    std::vector<store::LedgerRecord> out;
    for (auto& e : s->ledger(account)) {
      if (e.kind == domain::EntryKind::kCharge) out.push_back(e);
    }
    return out;
  }

  test::TempDir dir_;
  SharedClock clock_;
  std::unique_ptr<sim::Simulator> sim_;
  service::SiteConfig site_;
  std::unique_ptr<service::System> system_;
  std::unique_ptr<test::Desk> desk_;
  const MeterId m11_{"bus1", 1, 1};
  const MeterId m12_{"bus1", 1, 2};
  const MeterId m21_{"bus1", 2, 1};
};

TEST_F(Supervision, AReplacedMeterIsRaisedBySerialAndItsResetCountersAreNeverCharged) {
  start();
  ASSERT_TRUE(desk_->open_account("A1", "", {m11_}, 100'00, "op"));
  system_->run_iterate();
  step(kPoll);  // 600 Wh charged
  const auto before = *system_->account_balance_fen("A1");
  EXPECT_LT(before, 100'00);
  ASSERT_TRUE(sim_->replace_meter("bus1", 1, 1));
  step(kPoll);
  EXPECT_EQ(count_events("meter_replaced", m11_), 1);
  const auto events = system_->events(m11_);
  ASSERT_FALSE(events.empty());
  for (const auto& e : events) {
    if (e.kind == "meter_replaced") {
      EXPECT_NE(e.details.find("serial changed"), std::string::npos) << e.details;
    }
  }
  // The new meter's first reading is the new baseline: nothing charged, nothing refunded.
  EXPECT_EQ(*system_->account_balance_fen("A1"), before);
  for (const auto& c : charges("A1"))
    EXPECT_GE(c.energy_wh, 0);
  // Billing goes on from the new meter's counters; no second event.
  step(kPoll);
  EXPECT_EQ(count_events("meter_replaced", m11_), 1);
  EXPECT_TRUE(system_->verify_ledger().empty());
}

TEST_F(Supervision, EnergyUsedWhileABoxWasSilentIsChargedForTheWholeOutageWithNoGap) {
  start();
  ASSERT_TRUE(desk_->open_account("A1", "", {m11_}, 100'00, "op"));
  system_->run_iterate();
  const auto first = system_->meter(m11_)->energy_wh;
  step(kPoll);
  const auto read_before = system_->meter(m11_)->energy_wh;
  const auto id = fault(sim::FaultSpec::Kind::kBoxSilent, 1);
  for (int i = 0; i < 3; ++i)
    step(kPoll);
  EXPECT_EQ(system_->meter(m11_)->status, domain::MeterStatus::kOffline);
  EXPECT_EQ(system_->meter(m21_)->status,
            domain::MeterStatus::kNotOpened);  // the rest of the bus unaffected
  EXPECT_EQ(system_->meter(m21_)->failed_cycles, 0);
  ASSERT_TRUE(sim_->clear_fault(id));
  step(kPoll);
  const auto m = system_->meter(m11_);
  EXPECT_NE(m->status, domain::MeterStatus::kOffline);
  // 1200 W for 4 polls (2 h) = 2400 Wh, charged in ONE entry at recovery: from the last reading
  // before the outage to the first after it.
  const auto all = charges("A1");
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.back().energy_wh, m->energy_wh - read_before);
  EXPECT_NEAR(static_cast<double>(all.back().energy_wh), 2400.0, 10.0);
  std::int64_t total = 0;
  for (const auto& c : all)
    total += c.energy_wh;
  EXPECT_EQ(total, m->energy_wh - first);  // no gap, no overlap
  EXPECT_TRUE(system_->verify_ledger().empty());
}

TEST_F(Supervision, PowerLossTakesTheBoxOfflineAndAHeldSaleIsDeliveredOnceOnRecovery) {
  start();
  ASSERT_TRUE(desk_->open_account("A1", "", {m11_}, 10'00, "op"));
  system_->run_iterate();
  ASSERT_EQ(sim_->circuit("bus1", 1, 1)->purchase_count, 1);
  const auto id = fault(sim::FaultSpec::Kind::kPowerLoss, 1);
  for (int i = 0; i < 3; ++i)
    step(kPoll);
  EXPECT_EQ(system_->meter(m11_)->status, domain::MeterStatus::kOffline);
  ASSERT_TRUE(desk_->sale("A1", 20'00, "op"));
  step(Millis(1000));
  EXPECT_EQ(system_->counters("bus1").commands_pending, 1U);  // held while the box is down
  ASSERT_TRUE(sim_->clear_fault(id));
  step(kPoll);
  EXPECT_EQ(system_->counters("bus1").commands_pending, 0U);
  const auto c = sim_->circuit("bus1", 1, 1);
  EXPECT_EQ(c->purchase_count, 2);
  EXPECT_EQ(c->purchase_total_fen, 30'00);
  EXPECT_NE(system_->meter(m11_)->status, domain::MeterStatus::kOffline);
  EXPECT_EQ(count_events("meter_replaced"), 0);  // same serials after the power came back
}

TEST_F(Supervision, CreditsSurviveACrcBurstExactlyOnce) {
  start();
  ASSERT_TRUE(desk_->open_account("A1", "", {m11_}, 0, "op"));
  system_->run_iterate();
  fault(sim::FaultSpec::Kind::kCorruptCrc, 1, [](sim::FaultSpec& f) {
    f.duration = Millis(20 * 60 * 1000);
    f.probability_permille = 600;
    f.seed = 7;
  });
  for (int sale = 1; sale <= 3; ++sale)
    ASSERT_TRUE(desk_->sale("A1", 5'00, "op"));
  for (int i = 0; i < 12 && system_->counters("bus1").commands_pending > 0; ++i)
    step(Millis(6 * 60 * 1000));
  EXPECT_EQ(system_->counters("bus1").commands_pending, 0U);
  const auto c = sim_->circuit("bus1", 1, 1);
  EXPECT_EQ(c->purchase_count, 3);
  EXPECT_EQ(c->purchase_total_fen, 15'00);
  EXPECT_TRUE(system_->verify_ledger().empty());
}

TEST_F(Supervision, ClockDriftRaisesAnEventAndTheBroadcastSyncSetsTheClockBack) {
  site_.clock_drift_limit = Millis(60'000);
  start();
  system_->run_iterate();  // start-up: one clock broadcast, clocks checked
  EXPECT_EQ(system_->counters("bus1").clock_syncs, 1U);
  EXPECT_EQ(count_events("clock_drift"), 0);
  // 5 % fast: 90 s ahead after 30 minutes.
  const auto id =
      fault(sim::FaultSpec::Kind::kClockDrift, 2, [](sim::FaultSpec& f) { f.drift_ppm = 50'000; });
  step(kPoll);
  ASSERT_EQ(count_events("clock_drift"), 1);
  EXPECT_NE(system_->events(std::nullopt).back().details.find("bus1/2"), std::string::npos);
  ASSERT_TRUE(sim_->clear_fault(id));  // the drift stops; the box stays 90 s ahead
  step(Millis(1000));                  // the sync, brought forward by the drift, goes out
  EXPECT_EQ(system_->counters("bus1").clock_syncs, 2U);
  step(kPoll);  // in range again (only after the broadcast): no new event
  EXPECT_EQ(count_events("clock_drift"), 1);
  // Drifting again is a new event: the previous one was seen to end.
  fault(sim::FaultSpec::Kind::kClockDrift, 2, [](sim::FaultSpec& f) { f.drift_ppm = 50'000; });
  step(kPoll);
  EXPECT_EQ(count_events("clock_drift"), 2);
}

TEST_F(Supervision, NoClockBroadcastWhenClockSyncIsOff) {
  site_.clock_sync.reset();
  start();
  system_->run_iterate();
  step(Millis(48LL * 3600 * 1000));
  EXPECT_EQ(system_->counters("bus1").clock_syncs, 0U);
}

TEST_F(Supervision, ATouScheduleIsWrittenToTheBoxAndConfirmedByReadingItBack) {
  start();
  system_->run_iterate();
  domain::TouSchedulePayload tou;
  tou.periods = {{0, domain::TouRate::kValley},
                 {8 * 60, domain::TouRate::kPeak},
                 {22 * 60, domain::TouRate::kValley}};
  const auto id = desk_->command({"bus1", 1, 0}, tou, "op");
  ASSERT_TRUE(id) << id.error().message;
  step(Millis(1000));
  auto s = store::open_sqlite_store(dir_.file("site.db"));
  const auto cmd = s->command(id.value());
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->state, domain::CommandState::kConfirmed) << cmd->last_error;
  // A clock command to one box, confirmed by reading the clock back.
  const auto clk = desk_->command({"bus1", 2, 0}, domain::ClockPayload{}, "op");
  ASSERT_TRUE(clk) << clk.error().message;
  step(Millis(1000));
  EXPECT_EQ(s->command(clk.value())->state, domain::CommandState::kConfirmed)
      << s->command(clk.value())->last_error;
}

TEST_F(Supervision, HostSideBillingTripsAtZeroAndClosesAfterASale) {
  site_.buses[0].box_billing[1] = domain::BillingMode::kHostSide;
  start();
  {
    // The site file's declaration is in the database, the one source billing, trip/close and
    // the meter-side balance check read.
    auto s = store::open_sqlite_store(dir_.file("site.db"));
    EXPECT_EQ(s->meter(m11_)->billing_mode, domain::BillingMode::kHostSide);
    EXPECT_EQ(s->meter(m21_)->billing_mode, domain::BillingMode::kMeterSide);
  }
  // 1200 W: 0.36 yuan per 30 minutes at 0.60 yuan/kWh; 0.50 yuan lasts less than an hour.
  ASSERT_TRUE(desk_->open_account("A1", "", {m11_}, 50, "op"));
  ASSERT_TRUE(desk_->open_account("A2", "", {m21_}, 50, "op"));  // box 2 bills on the meter
  system_->run_iterate();
  for (int i = 0; i < 2; ++i)
    step(kPoll);
  EXPECT_LE(*system_->account_balance_fen("A1"), 0);
  EXPECT_EQ(count_events("host_trip", m11_), 1);
  step(Millis(1000));  // the trip goes out before any further polling
  EXPECT_EQ(sim_->circuit("bus1", 1, 1)->mode, sim::Mode::kForcedOff);
  EXPECT_FALSE(sim_->circuit("bus1", 1, 1)->relay_closed);
  EXPECT_EQ(count_events("host_trip", m21_), 0);  // meter-side billing: the meter decides
  // Before the trip the system held the meter at keep_power: it never trips by itself.
  EXPECT_EQ(count_events("host_hold", m11_), 1);
  // A host-side sale credits no meter; it closes the tripped meter at once (keep_power).
  ASSERT_TRUE(desk_->sale("A1", 10'00, "op"));
  EXPECT_EQ(count_events("host_close", m11_), 1);
  step(Millis(1000));  // the close goes out
  EXPECT_EQ(sim_->circuit("bus1", 1, 1)->mode, sim::Mode::kKeepPower);
  EXPECT_TRUE(sim_->circuit("bus1", 1, 1)->relay_closed);
  EXPECT_EQ(sim_->circuit("bus1", 1, 1)->purchase_count, 0);  // no credit was written
  step(kPoll);
  EXPECT_EQ(count_events("host_close", m11_), 1);  // not queued twice
  // No second trip while the balance is positive.
  step(Millis(1000));
  EXPECT_EQ(count_events("host_trip", m11_), 1);
}

TEST_F(Supervision, RandomScheduleOfTheSimulatorsLineFaultsNeverDoublesOrLosesACredit) {
  // The fake-master property test (comm_property_test) runs 1,000 schedules; this one runs fewer
  // but with the simulator's own frame faults on a real pty.
  site_.buses[0].response_timeout = Millis(100);
  start();
  ASSERT_TRUE(desk_->open_account("A1", "", {m11_}, 0, "op"));
  ASSERT_TRUE(desk_->open_account("A2", "", {m21_}, 0, "op"));
  system_->run_iterate();
  using Kind = sim::FaultSpec::Kind;
  const Kind kinds[] = {Kind::kDropRequest, Kind::kDropReply, Kind::kCorruptCrc,
                        Kind::kTruncate,    Kind::kNoise,     Kind::kBoxSilent};
  std::uint64_t state = 20261129;
  auto pick = [&](std::uint64_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % n;
  };
  std::int64_t sold[2] = {0, 0};
  int sales[2] = {0, 0};
  constexpr int kSchedules = 30;
  int held = 0;
  for (int schedule = 0; schedule < kSchedules; ++schedule) {
    const auto who = pick(2);
    const int box = who == 0 ? 1 : 2;
    const std::int64_t amount = 1 + static_cast<std::int64_t>(pick(5'000));
    ASSERT_TRUE(desk_->sale(who == 0 ? "A1" : "A2", amount, "op"));
    sold[who] += amount;
    ++sales[who];
    const auto nfaults = pick(3) + 1;
    for (std::uint64_t f = 0; f < nfaults; ++f) {
      fault(kinds[pick(6)], box, [&](sim::FaultSpec& spec) {
        spec.duration = Millis(static_cast<std::int64_t>(1 + pick(10)) * 60 * 1000);
        spec.probability_permille = 300 + static_cast<int>(pick(701));
        spec.seed = pick(1'000'000);
      });
    }
    system_->run_iterate();  // the sale goes out at once, into the faults
    if (system_->counters("bus1").commands_pending > 0) ++held;
    for (int step = 0; step < 12 && system_->counters("bus1").commands_pending > 0; ++step)
      this->step(Millis(6 * 60 * 1000));  // past any backoff; the faults end within 10 minutes
    ASSERT_EQ(system_->counters("bus1").commands_pending, 0U) << "schedule " << schedule;
    sim_->clear_faults();
    const auto c = sim_->circuit("bus1", box, 1);
    ASSERT_EQ(c->purchase_total_fen, sold[who]) << "schedule " << schedule << ": lost or double";
    ASSERT_EQ(c->purchase_count, sales[who]) << "schedule " << schedule;
  }
  EXPECT_TRUE(system_->verify_ledger().empty());
  EXPECT_GT(held, kSchedules / 4);  // the faults did bite: many credits needed another try
}

}  // namespace
}  // namespace phil
