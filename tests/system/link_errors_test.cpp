// What each kind of link error does to the bus runtime (issue 10 item 5, issue 11 item 8): a bad
// reply after a write may have been applied (a credit is decided by the purchase_count read
// back, exactly once; a setting is written again), and a port that cannot be opened is reported
// once for the bus, not as each of its boxes not answering.
#include <memory>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <phil/service/system.hpp>

#include "support/fake_site.hpp"

namespace phil::service {
namespace {

using domain::MeterId;
using meterlink::FakeMaster;

constexpr TimePoint kStart{Millis(1'772'294'400'000)};
constexpr Millis kPoll{30 * 60 * 1000};

/// Captures what the system logs (warnings and up) while it lives.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(text_)) {
    sink_->set_pattern("%v");
    spdlog::default_logger()->sinks().push_back(sink_);
    spdlog::set_level(spdlog::level::warn);
  }
  ~LogCapture() {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
    spdlog::set_level(spdlog::level::info);
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  /// How many lines contain `what`.
  int count(const std::string& what) const {
    std::istringstream in(text_.str());
    int n = 0;
    for (std::string line; std::getline(in, line);)
      n += line.find(what) != std::string::npos ? 1 : 0;
    return n;
  }
  std::string text() const { return text_.str(); }

 private:
  std::ostringstream text_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

int count_events(const System& system, const std::string& kind) {
  int n = 0;
  for (const auto& e : system.events(std::nullopt))
    n += e.kind == kind ? 1 : 0;
  return n;
}

class LinkErrors : public ::testing::Test {
 protected:
  LinkErrors() {
    site_.config.poll_interval = kPoll;
    site_.start();
    EXPECT_TRUE(site_.desk->open_account("A1", "", {meter_}, 0, "op"));
    site_.system->run_iterate();  // the first poll: both boxes answer
  }

  std::optional<CommandView> first_command() const {
    const auto cmds = site_.system->commands(meter_, 10);
    if (cmds.empty()) return std::nullopt;
    return cmds.front();
  }

  test::FakeSite site_{kStart};
  const MeterId meter_{"bus1", 1, 1};
};

TEST_F(LinkErrors, ABadReplyToACreditWriteIsDecidedByThePurchaseCountAndAppliedOnce) {
  // The meter applies the credit, then its reply is wrong: the write may have been applied.
  site_.master.inject({FakeMaster::Op::kWrite, 1, FakeMaster::Fault::kBadReply});
  ASSERT_TRUE(site_.desk->sale("A1", 2'000, "op"));
  site_.system->run_iterate();
  const auto cmd = first_command();
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->state, domain::CommandState::kConfirmed) << cmd->last_error;
  EXPECT_EQ(site_.device.credits_applied(), 1);
  EXPECT_EQ(site_.device.circuit(1, 1).purchase_count, 1);
  site_.step(kPoll);
  site_.step(kPoll);
  EXPECT_EQ(site_.device.credits_applied(), 1);  // never re-issued under a new count
  EXPECT_EQ(site_.device.circuit(1, 1).purchase_total_fen, 2'000);
  EXPECT_TRUE(site_.system->verify_ledger().empty());
}

TEST_F(LinkErrors, ABadReplyToASettingIsWrittenAgainNotFailed) {
  site_.clear_log();  // writes to box 1 are counted below, not the clock broadcast
  site_.master.inject({FakeMaster::Op::kWrite, 1, FakeMaster::Fault::kBadReply});
  const auto id = site_.desk->command(meter_, domain::ThresholdsPayload{5'000, 1'000, 4'000}, "op");
  ASSERT_TRUE(id) << id.error().message;
  site_.system->run_iterate();
  auto cmd = first_command();
  ASSERT_TRUE(cmd);
  EXPECT_NE(cmd->state, domain::CommandState::kFailed)
      << cmd->last_error;  // may have been applied: not refused
  EXPECT_EQ(site_.writes(1), 1);
  site_.step(kPoll);
  // Written again, and this time read back.
  EXPECT_EQ(site_.writes(1), 2);
  cmd = first_command();
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->state, domain::CommandState::kConfirmed) << cmd->last_error;
}

TEST_F(LinkErrors, AReplyThatDoesNotDecodeIsAFailedCycleButNotASilentBox) {
  site_.master.inject({FakeMaster::Op::kRead, 1, FakeMaster::Fault::kBadReply});
  site_.step(kPoll);
  // The poll failed for box 1 (its readings are not stored) ...
  const auto m = site_.system->meter(meter_);
  ASSERT_TRUE(m);
  // ... but the box answered: a sale made now goes at once, not after a silent box's backoff.
  ASSERT_TRUE(site_.desk->sale("A1", 1'000, "op"));
  site_.step(Millis(1'000));
  const auto cmd = first_command();
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->state, domain::CommandState::kConfirmed) << cmd->last_error;
  EXPECT_EQ(site_.device.credits_applied(), 1);
}

TEST_F(LinkErrors, APortThatCannotBeOpenedIsReportedOnceForTheBusAndAgainWhenItWorks) {
  LogCapture log;
  site_.master.set_port_unavailable(true);
  for (int i = 0; i < 4; ++i)
    site_.step(kPoll);
  EXPECT_EQ(count_events(*site_.system, "bus_port_unavailable"), 1);
  EXPECT_EQ(log.count("missing or busy"), 1) << log.text();
  EXPECT_EQ(log.count("did not answer"), 0) << log.text();
  EXPECT_EQ(log.count("is offline"), 0) << log.text();
  EXPECT_TRUE(site_.system->counters("bus1").port_unavailable);
  // One try to open the port per cycle, not one per box.
  int tries = 0;
  for (const auto& r : site_.master.log())
    tries += r.outcome == "port unavailable" ? 1 : 0;
  EXPECT_EQ(tries, 4);
  // The meters' data is stale all the same: they go offline.
  EXPECT_EQ(site_.system->counters("bus1").boxes_offline, 2U);

  site_.master.set_port_unavailable(false);
  site_.step(kPoll);
  EXPECT_FALSE(site_.system->counters("bus1").port_unavailable);
  EXPECT_EQ(count_events(*site_.system, "bus_port_available"), 1);
  EXPECT_EQ(site_.system->counters("bus1").boxes_offline, 0U);
}

TEST(PortUnavailable, AnRtuPortPathThatDoesNotExistIsReportedOnceNotAsEachBoxSilent) {
  LogCapture log;
  test::FakeSite site(kStart);  // its site and clock; not its fake master
  site.config.poll_interval = kPoll;
  site.config.buses[0].port = site.dir.file("no-such-tty");
  // The real RTU master (libmodbus) on a path that does not exist.
  System system(site.config, site.db, site.clock);
  for (int i = 0; i < 3; ++i) {
    system.run_iterate();
    site.clock.advance(kPoll);
  }
  EXPECT_EQ(system.counters("bus1").polls_completed, 3U);
  EXPECT_EQ(count_events(system, "bus_port_unavailable"), 1);
  EXPECT_EQ(log.count("missing or busy"), 1) << log.text();
  EXPECT_EQ(log.count("did not answer"), 0) << log.text();
  EXPECT_TRUE(system.counters("bus1").port_unavailable);
}

}  // namespace
}  // namespace phil::service
