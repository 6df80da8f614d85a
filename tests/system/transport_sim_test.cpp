// The System over RTU-over-TCP against the virtual fleet: a loopback "transparent serial server"
// pumps bytes between a TCP connection and the simulator's pty, cutting every reply into 1-byte
// segments and able to lose the reply of a write. Proves the transport end to end and the
// exactly-once credit through it.
#include <algorithm>
#include <atomic>
#include <thread>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <termios.h>

#include <phil/service/system.hpp>
#include <phil/sim/fleet.hpp>
#include <phil/sim/simulator.hpp>

#include "support/desk.hpp"
#include "support/fake_adf300.hpp"
#include "support/sim_system.hpp"
#include "support/temp_dir.hpp"
#include "transport_loopback.hpp"

namespace phil {
namespace {

using domain::MeterId;

using test::SharedClock;

/// TCP <-> pty byte pump: what a transparent serial server does, on loopback.
class SerialServer {
 public:
  explicit SerialServer(const std::string& pty) {
    pty_ = ::open(pty.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
    termios t{};
    ::tcgetattr(pty_, &t);
    ::cfmakeraw(&t);
    ::tcsetattr(pty_, TCSANOW, &t);
    thread_ = std::thread([this] { pump(); });
  }
  ~SerialServer() {
    stop_ = true;
    thread_.join();
    ::close(pty_);
  }
  SerialServer(const SerialServer&) = delete;
  SerialServer& operator=(const SerialServer&) = delete;
  std::string endpoint() const { return listen_.endpoint(); }
  /// The line's answer to the next FC10 write is lost on the way back.
  void lose_next_write_reply() { lose_write_reply_ = true; }

 private:
  void pump() {
    int client = -1;
    ssize_t swallow = 0;  // bytes of a write's reply (8) still to drop
    while (!stop_) {
      std::vector<pollfd> fds{{listen_.fd(), POLLIN, 0}, {pty_, POLLIN, 0}};
      if (client >= 0) fds.push_back({client, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
      std::uint8_t buf[512];
      if ((fds[0].revents & POLLIN) != 0) {
        if (client >= 0) ::close(client);
        client = ::accept4(listen_.fd(), nullptr, nullptr, SOCK_CLOEXEC);
      }
      if ((fds[1].revents & POLLIN) != 0) {
        const auto n = ::read(pty_, buf, sizeof buf);
        const auto dropped = std::min(std::max<ssize_t>(n, 0), swallow);
        swallow -= dropped;
        if (n > 0 && client >= 0) {
          for (ssize_t i = dropped; i < n; ++i)  // one byte per segment: the worst segmentation
            (void)::send(client, &buf[i], 1, MSG_NOSIGNAL);
        }
      }
      if (client >= 0 && fds.size() > 2 && (fds[2].revents & (POLLIN | POLLHUP)) != 0) {
        const auto n = ::recv(client, buf, sizeof buf, 0);
        if (n <= 0) {
          ::close(client);
          client = -1;
          continue;
        }
        if (n > 1 && buf[1] == 0x10 && lose_write_reply_.exchange(false)) swallow = 8;
        (void)::write(pty_, buf, static_cast<std::size_t>(n));
      }
    }
    if (client >= 0) ::close(client);
  }

  int pty_ = -1;
  test::LoopbackListener listen_{2};
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> lose_write_reply_{false};
};

constexpr TimePoint kStart{Millis(1'772'294'400'000)};

constexpr const char* kFleet = R"(buses:
  - id: bus1
    port: vbus/bus1
    boxes:
      - address: 1
        model: adf300l-i
        circuits:
          1: {load: {constant: 1200}, balance: "0.00", purchase_count: 3}
)";

class SystemOverSerialServer : public ::testing::Test {
 protected:
  SystemOverSerialServer() : clock_(kStart) {
    sim_ = test::start_fleet(kFleet, dir_.file(""), clock_);
    server_ = std::make_unique<SerialServer>(sim_->endpoint("bus1"));
    auto site =
        test::one_bus_site("rot", server_->endpoint(), Millis(300), {{1, "adf300l-i", "adf300l"}});
    site.buses[0].transport = service::Transport::kRtuOverTcp;
    system_ = std::make_unique<service::System>(site, dir_.file("site.db"), clock_);
    desk_ = std::make_unique<test::Desk>(dir_.file("site.db"), clock_, site);
  }

  test::TempDir dir_;
  SharedClock clock_;
  std::unique_ptr<sim::Simulator> sim_;
  std::unique_ptr<SerialServer> server_;
  std::unique_ptr<service::System> system_;
  std::unique_ptr<test::Desk> desk_;
  const MeterId m11_{"bus1", 1, 1};
};

TEST_F(SystemOverSerialServer, PollsAndCreditsThroughASegmentingSerialServer) {
  ASSERT_TRUE(desk_->open_account("A1", "", {m11_}, 0, "op"));
  system_->run_iterate();
  auto m = system_->meter(m11_);
  ASSERT_TRUE(m && m->ever_read);
  EXPECT_EQ(m->purchase_count, 3);
  EXPECT_EQ(m->status, domain::MeterStatus::kArrears);
  ASSERT_TRUE(desk_->sale("A1", 5'000, "op"));
  clock_.advance(Millis(1000));
  system_->run_iterate();
  const auto c = sim_->circuit("bus1", 1, 1);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->purchase_count, 4);
  EXPECT_EQ(c->balance_fen, 5'000);
  EXPECT_TRUE(c->relay_closed);
  EXPECT_EQ(system_->commands(m11_)[0].state, domain::CommandState::kConfirmed);
}

TEST_F(SystemOverSerialServer, ACreditWhoseReplyWasLostIsAppliedOnce) {
  ASSERT_TRUE(desk_->open_account("A1", "", {m11_}, 0, "op"));
  system_->run_iterate();
  server_->lose_next_write_reply();
  ASSERT_TRUE(desk_->sale("A1", 2'000, "op"));
  clock_.advance(Millis(1000));
  system_->run_iterate();
  // Within bounded retries the credit is decided by the meter's purchase_count.
  for (int i = 0; i < 10 && system_->commands(m11_)[0].state != domain::CommandState::kConfirmed;
       ++i) {
    clock_.advance(Millis(60'000));
    system_->run_iterate();
  }
  const auto c = sim_->circuit("bus1", 1, 1);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->purchase_count, 4);  // exactly one credit applied
  EXPECT_EQ(c->purchase_total_fen, 2'000);
  EXPECT_EQ(system_->commands(m11_)[0].state, domain::CommandState::kConfirmed);
  EXPECT_TRUE(system_->verify_ledger().empty());
}

}  // namespace
}  // namespace phil
