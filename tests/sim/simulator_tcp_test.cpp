// The Simulator's TCP transports on loopback: a Modbus TCP gateway (libmodbus modbus_new_tcp as
// the master, raw MBAP for what libmodbus never sends) and a transparent serial server
// (RTU-over-TCP, raw frames in any segmentation). What a head-end behind a serial server sees.
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <modbus.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <phil/sim/line.hpp>
#include <phil/sim/mbap.hpp>
#include <phil/sim/rtu.hpp>
#include <phil/sim/simulator.hpp>

#include "sim_manual_time.hpp"
#include "sim_modbus.hpp"
#include "sim_test_support.hpp"
#include "support/loopback_listener.hpp"

namespace phil::sim {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using testing::ManualTime;

constexpr int kC1 = 0x1000;

// NOLINTNEXTLINE(cert-err58-cpp): a literal; a test binary that cannot allocate it fails at once
const std::string kFleet = R"(utc_offset: "+08:00"
buses:
  - id: gw
    transport: tcp
    port: 0
    boxes:
      - address: 1
        model: adf300l-iii
        circuits:
          1: {load: {constant: 1200}, balance: "20.00"}
      - address: 2
        model: adf300l-i
  - id: ser
    transport: rtu-over-tcp
    port: 0
    boxes:
      - address: 1
        model: adf300l-iii
        circuits:
          1: {load: {constant: 1200}, balance: "20.00"}
)";

/// A plain loopback TCP client: raw bytes out, raw bytes in.
class Client {
 public:
  explicit Client(const std::string& endpoint) {
    const auto colon = endpoint.rfind(':');
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(std::stoi(endpoint.substr(colon + 1))));
    ::inet_pton(AF_INET, endpoint.substr(0, colon).c_str(), &a.sin_addr);
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {  // NOLINT
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~Client() { close(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  bool ok() const { return fd_ >= 0; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  void send(const std::vector<std::uint8_t>& bytes) {
    ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  /// Up to `want` bytes, or what has arrived when `timeout` is over (or the peer closed).
  std::vector<std::uint8_t> receive(std::size_t want, milliseconds timeout) {
    std::vector<std::uint8_t> out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out.size() < want) {
      const auto left =
          std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      std::uint8_t buf[300];
      const ssize_t n = ::recv(fd_, buf, std::min(sizeof buf, want - out.size()), 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      out.insert(out.end(), buf, buf + n);
    }
    return out;
  }
  /// True once receive() saw the peer close the connection.
  bool closed_by_peer() const { return closed_; }

 private:
  int fd_ = -1;
  bool closed_ = false;
};

std::vector<std::uint8_t> rtu_read(std::uint8_t address, std::uint16_t start, std::uint16_t count) {
  std::vector<std::uint8_t> f{address,
                              rtu::kReadHolding,
                              static_cast<std::uint8_t>(start >> 8),
                              static_cast<std::uint8_t>(start & 0xFF),
                              static_cast<std::uint8_t>(count >> 8),
                              static_cast<std::uint8_t>(count & 0xFF)};
  rtu::append_crc(f);
  return f;
}

std::vector<std::uint8_t> mbap_read(std::uint16_t transaction, std::uint8_t unit,
                                    std::uint16_t start, std::uint16_t count) {
  mbap::Frame f;
  f.transaction = transaction;
  f.unit = unit;
  f.pdu = {rtu::kReadHolding, static_cast<std::uint8_t>(start >> 8),
           static_cast<std::uint8_t>(start & 0xFF), static_cast<std::uint8_t>(count >> 8),
           static_cast<std::uint8_t>(count & 0xFF)};
  return mbap::encode(f);
}

bool crc_ok(const std::vector<std::uint8_t>& frame) {
  if (frame.size() < 4) return false;
  const std::uint16_t crc = rtu::crc16(std::span(frame).first(frame.size() - 2));
  return frame[frame.size() - 2] == (crc & 0xFF) && frame.back() == (crc >> 8);
}

class simSimulatorOverTcp : public ::testing::Test {
 protected:
  simSimulatorOverTcp() : time_(testing::at("2026-03-01T00:00:00+08:00")) {
    const auto doc = yaml::Document::load_string(kFleet, "fleet.yaml");
    SimulatorOptions options;
    options.run_dir = fs::temp_directory_path().string();
    sim_ = std::make_unique<Simulator>(parse_fleet(doc.root(), testing::profiles_dir()), time_,
                                       options);
    sim_->start();
  }

  Modbus gateway_master() {
    const std::string ep = sim_->endpoint("gw");
    const auto colon = ep.rfind(':');
    Modbus m(modbus_new_tcp(ep.substr(0, colon).c_str(), std::stoi(ep.substr(colon + 1))));
    if (!m) {
      ADD_FAILURE() << "modbus_new_tcp failed";
      return m;
    }
    modbus_set_response_timeout(m.get(), 1, 0);
    if (modbus_connect(m.get()) != 0) ADD_FAILURE() << "connect: " << modbus_strerror(errno);
    return m;
  }

  ManualTime time_;
  std::unique_ptr<Simulator> sim_;
};

FaultSpec fault(const std::string& bus, FaultSpec::Kind kind) {
  FaultSpec f;
  f.kind = kind;
  f.bus = bus;
  f.start_relative = true;
  return f;
}

TEST_F(simSimulatorOverTcp, EachBusListensOnLoopbackAndReportsTheBoundPort) {
  EXPECT_EQ(sim_->transport("gw"), "tcp");
  EXPECT_EQ(sim_->transport("ser"), "rtu-over-tcp");
  for (const char* bus : {"gw", "ser"}) {
    const std::string ep = sim_->endpoint(bus);
    ASSERT_EQ(ep.rfind("127.0.0.1:", 0), 0U) << ep;
    EXPECT_GT(std::stoi(ep.substr(10)), 0) << ep;  // the ephemeral port actually bound
    Client c(ep);
    EXPECT_TRUE(c.ok()) << ep;
  }
  EXPECT_NE(sim_->endpoint("gw"), sim_->endpoint("ser"));
  EXPECT_NE(sim_->status_text().find("bus gw tcp " + sim_->endpoint("gw")), std::string::npos);
}

TEST_F(simSimulatorOverTcp, GatewayAnswersLibmodbusByUnitIdAsTheBoxAddress) {
  auto m = gateway_master();
  modbus_set_slave(m.get(), 1);
  std::uint16_t w[4] = {};
  ASSERT_EQ(modbus_read_registers(m.get(), kC1 + 0x0A, 4, w), 4) << modbus_strerror(errno);
  EXPECT_EQ(w[0], 2200);  // voltage of circuit 1, 0.1 V
  EXPECT_EQ(w[3], 1200);  // power (low word), W
  // A credit through the gateway, then its retry is exception 04.
  const std::uint16_t credit[3] = {1, 0, 1000};
  const int purchase_count = kC1 + 0x14;
  ASSERT_EQ(modbus_write_registers(m.get(), purchase_count, 3, credit), 3)
      << modbus_strerror(errno);
  EXPECT_EQ(sim_->circuit("gw", 1, 1)->balance_fen, 3000);
  errno = 0;
  EXPECT_EQ(modbus_write_registers(m.get(), purchase_count, 3, credit), -1);
  EXPECT_EQ(errno, EMBXSFAIL) << modbus_strerror(errno);
  modbus_set_slave(m.get(), 2);  // another box behind the same gateway
  EXPECT_EQ(modbus_read_registers(m.get(), kC1, 4, w), 4) << modbus_strerror(errno);
  modbus_set_slave(m.get(), 9);  // nobody there: no answer, the master times out
  modbus_set_response_timeout(m.get(), 0, 300'000);
  errno = 0;
  EXPECT_EQ(modbus_read_registers(m.get(), kC1, 4, w), -1);
  EXPECT_EQ(errno, ETIMEDOUT);
}

TEST_F(simSimulatorOverTcp, GatewayEchoesTheTransactionIdWithTheRightLength) {
  Client c(sim_->endpoint("gw"));
  ASSERT_TRUE(c.ok());
  // One read split over three segments, then two requests in one segment.
  const auto first = mbap_read(0xBEEF, 1, kC1, 2);
  c.send({first.begin(), first.begin() + 3});
  std::this_thread::sleep_for(milliseconds(30));
  c.send({first.begin() + 3, first.begin() + 8});
  std::this_thread::sleep_for(milliseconds(30));
  c.send({first.begin() + 8, first.end()});
  const auto reply = c.receive(13, milliseconds(2000));
  const std::vector<std::uint8_t> head{0xBE, 0xEF, 0, 0, 0, 7, 1, rtu::kReadHolding, 4};
  ASSERT_EQ(reply.size(), 13U);
  EXPECT_EQ(std::vector(reply.begin(), reply.begin() + 9), head);

  auto two = mbap_read(1, 1, kC1, 1);
  const auto second = mbap_read(2, 1, kC1, 3);
  two.insert(two.end(), second.begin(), second.end());
  c.send(two);
  const auto replies = c.receive(11 + 15, milliseconds(2000));
  ASSERT_EQ(replies.size(), 26U);
  EXPECT_EQ(replies[1], 1);
  EXPECT_EQ(replies[5], 5);  // unit + fc + byte count + 2 bytes
  EXPECT_EQ(replies[11 + 1], 2);
  EXPECT_EQ(replies[11 + 5], 9);  // unit + fc + byte count + 6 bytes
}

TEST_F(simSimulatorOverTcp, GatewayUnitZeroIsABroadcastWithoutReply) {
  Client c(sim_->endpoint("gw"));
  ASSERT_TRUE(c.ok());
  mbap::Frame f;
  f.transaction = 7;
  f.unit = 0;
  f.pdu = {rtu::kWriteSingle, 0x10, 0x13, 0x00, 0x02};  // circuit 1 mode: forced-off
  c.send(mbap::encode(f));
  EXPECT_TRUE(c.receive(1, milliseconds(300)).empty());
  EXPECT_EQ(sim_->circuit("gw", 1, 1)->mode, Mode::kForcedOff);
  EXPECT_EQ(sim_->frames_answered("gw"), 0U);
}

TEST_F(simSimulatorOverTcp, AMalformedMbapHeaderClosesThatConnectionOnly) {
  Client bad(sim_->endpoint("gw"));
  Client good(sim_->endpoint("gw"));
  ASSERT_TRUE(bad.ok() && good.ok());
  auto frame = mbap_read(1, 1, kC1, 1);
  frame[3] = 5;  // protocol id 5
  bad.send(frame);
  EXPECT_TRUE(bad.receive(1, milliseconds(2000)).empty());
  EXPECT_TRUE(bad.closed_by_peer());

  Client too_long(sim_->endpoint("gw"));
  ASSERT_TRUE(too_long.ok());
  too_long.send({0, 1, 0, 0, 0x01, 0x00, 1});  // length 256
  EXPECT_TRUE(too_long.receive(1, milliseconds(2000)).empty());
  EXPECT_TRUE(too_long.closed_by_peer());

  good.send(mbap_read(3, 1, kC1, 1));
  EXPECT_EQ(good.receive(11, milliseconds(2000)).size(), 11U);
}

TEST_F(simSimulatorOverTcp, SerialServerReassemblesFramesFromAnySegmentation) {
  Client c(sim_->endpoint("ser"));
  ASSERT_TRUE(c.ok());
  const auto req = rtu_read(1, kC1, 2);
  for (const auto& piece : {std::vector<std::uint8_t>(req.begin(), req.begin() + 1),
                            std::vector<std::uint8_t>(req.begin() + 1, req.begin() + 5),
                            std::vector<std::uint8_t>(req.begin() + 5, req.end())}) {
    c.send(piece);
    std::this_thread::sleep_for(milliseconds(5));  // well under the 20 ms silence
  }
  const auto reply = c.receive(9, milliseconds(2000));
  ASSERT_EQ(reply.size(), 9U);
  EXPECT_TRUE(crc_ok(reply));
  EXPECT_EQ(reply[2], 4);

  // Two frames in one segment: two replies, in order.
  auto two = rtu_read(1, kC1, 1);
  const auto second = rtu_read(1, kC1, 3);
  two.insert(two.end(), second.begin(), second.end());
  c.send(two);
  const auto replies = c.receive(7 + 11, milliseconds(2000));
  ASSERT_EQ(replies.size(), 18U);
  EXPECT_EQ(replies[2], 2);
  EXPECT_EQ(replies[7 + 2], 6);
}

TEST_F(simSimulatorOverTcp, SerialServerDropsABadCrcAndAPartialFrameAfterSilence) {
  Client c(sim_->endpoint("ser"));
  ASSERT_TRUE(c.ok());
  auto bad = rtu_read(1, kC1, 2);
  bad.back() ^= 0xFF;
  c.send(bad);
  EXPECT_TRUE(c.receive(1, milliseconds(300)).empty());
  c.send({0x01, 0x03, 0x10});
  EXPECT_TRUE(c.receive(1, milliseconds(300)).empty());
  c.send(rtu_read(1, kC1, 2));
  EXPECT_EQ(c.receive(9, milliseconds(2000)).size(), 9U);
}

TEST_F(simSimulatorOverTcp, SeveralClientsEachGetTheirOwnReplies) {
  Client a(sim_->endpoint("ser"));
  Client b(sim_->endpoint("ser"));
  ASSERT_TRUE(a.ok() && b.ok());
  for (int i = 0; i < 5; ++i) {
    a.send(rtu_read(1, kC1, 1));
    b.send(rtu_read(1, kC1, 2));
    const auto ra = a.receive(7, milliseconds(2000));
    const auto rb = b.receive(9, milliseconds(2000));
    ASSERT_EQ(ra.size(), 7U);
    ASSERT_EQ(rb.size(), 9U);
    EXPECT_EQ(ra[2], 2);
    EXPECT_EQ(rb[2], 4);
  }
  EXPECT_TRUE(a.receive(1, milliseconds(100)).empty());  // nothing extra
}

TEST_F(simSimulatorOverTcp, AReplyToAClientThatHasClosedIsNeverSentToTheNextClient) {
  FaultSpec slow = fault("ser", FaultSpec::Kind::kDelay);
  slow.delay = milliseconds(300);
  const auto id = sim_->inject_fault(slow);
  {
    Client gone(sim_->endpoint("ser"));
    ASSERT_TRUE(gone.ok());
    gone.send(rtu_read(1, kC1, 5));  // answered 300 ms later, by then nobody listens
    std::this_thread::sleep_for(milliseconds(50));
  }
  Client next(sim_->endpoint("ser"));
  ASSERT_TRUE(next.ok());
  ASSERT_TRUE(sim_->clear_fault(id));
  next.send(rtu_read(1, kC1, 1));
  const auto reply = next.receive(64, milliseconds(1000));
  ASSERT_EQ(reply.size(), 7U);  // its own reply (2 bytes of data), not the stale 10-byte one
  EXPECT_TRUE(crc_ok(reply));
  EXPECT_EQ(reply[2], 2);
}

TEST_F(simSimulatorOverTcp, FaultsApplyOnBothTransports) {
  (void)sim_->inject_fault(fault("ser", FaultSpec::Kind::kCorruptCrc));
  (void)sim_->inject_fault(fault("gw", FaultSpec::Kind::kCorruptCrc));
  Client c(sim_->endpoint("ser"));
  ASSERT_TRUE(c.ok());
  c.send(rtu_read(1, kC1, 2));
  const auto reply = c.receive(9, milliseconds(2000));  // the bytes pass through, CRC bad
  ASSERT_EQ(reply.size(), 9U);
  EXPECT_FALSE(crc_ok(reply));
  auto m = gateway_master();  // the gateway cannot use a corrupt reply: no answer
  modbus_set_slave(m.get(), 1);
  modbus_set_response_timeout(m.get(), 0, 300'000);
  std::uint16_t w[2] = {};
  errno = 0;
  EXPECT_EQ(modbus_read_registers(m.get(), kC1, 2, w), -1);
  EXPECT_EQ(errno, ETIMEDOUT);
  sim_->clear_faults();
  (void)sim_->inject_fault(fault("gw", FaultSpec::Kind::kBusSilent));
  EXPECT_EQ(modbus_read_registers(m.get(), kC1, 2, w), -1);
  sim_->clear_faults();
  modbus_flush(m.get());
  EXPECT_EQ(modbus_read_registers(m.get(), kC1, 2, w), 2) << modbus_strerror(errno);
}

TEST_F(simSimulatorOverTcp, StopClosesEveryConnectionAndTheListener) {
  Client c(sim_->endpoint("ser"));
  ASSERT_TRUE(c.ok());
  sim_->stop();
  EXPECT_TRUE(c.receive(1, milliseconds(1000)).empty());
  EXPECT_TRUE(c.closed_by_peer());
  Client refused(sim_->endpoint("ser"));
  EXPECT_FALSE(refused.ok());
}

TEST(simSimulatorTcpStartup, APortInUseIsAnErrorNamingTheBusAndThePort) {
  // Hold a port, then ask the simulator for it.
  const phil::test::LoopbackListener holder(1);
  const int port = holder.port();
  const std::string fleet = "buses:\n  - {id: b1, transport: tcp, port: " + std::to_string(port) +
                            ", boxes: [{address: 1, model: adf300l-i}]}\n";
  const auto doc = yaml::Document::load_string(fleet, "fleet.yaml");
  ManualTime time(testing::at("2026-03-01T00:00:00+08:00"));
  Simulator sim(parse_fleet(doc.root(), testing::profiles_dir()), time);
  EXPECT_EQ(sim.endpoint("b1"), "127.0.0.1:" + std::to_string(port));
  try {
    sim.start();
    ADD_FAILURE() << "start() did not throw";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("bus b1"), std::string::npos) << what;
    EXPECT_NE(what.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << what;
  }
}

TEST(simSimulatorTcpPacing, APacedGatewayAnswersWhenTheRtuReplyWouldHaveCrossedTheLine) {
  const std::string fleet =
      "buses:\n  - {id: gw, transport: tcp, port: 0, pacing: {turnaround: 5ms},\n"
      "     boxes: [{address: 1, model: adf300l-i}]}\n";
  const auto doc = yaml::Document::load_string(fleet, "fleet.yaml");
  ManualTime time(testing::at("2026-03-01T00:00:00+08:00"));
  Simulator sim(parse_fleet(doc.root(), testing::profiles_dir()), time);
  sim.start();
  Client c(sim.endpoint("gw"));
  ASSERT_TRUE(c.ok());
  const auto line = line_timing(9600, Parity::kNone, 1);
  for (int round = 0; round < 2; ++round) {
    const auto sent = std::chrono::steady_clock::now();
    c.send(mbap_read(static_cast<std::uint16_t>(round), 1, kC1, 10));
    ASSERT_EQ(c.receive(9 + 20, milliseconds(2000)).size(), 29U);
    // RTU request (8 bytes) on the line, t3.5 + turnaround, RTU reply (25 bytes) on the line.
    EXPECT_GE(std::chrono::steady_clock::now() - sent,
              line.frame(8) + line.t35 + milliseconds(5) + line.frame(25));
  }
}

}  // namespace
}  // namespace phil::sim
