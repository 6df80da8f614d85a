// The register bank of a box: the adf300l map over the circuit models.
#include <gtest/gtest.h>

#include <phil/sim/box.hpp>

#include "sim_test_support.hpp"

namespace phil::sim {
namespace {

using rtu::Exception;
using std::chrono::hours;
using Words = std::vector<std::uint16_t>;

// A literal that parses (a typo throws at start-up and fails the run at once).
const TimePoint kStart = testing::at("2026-03-01T00:00:00+08:00");  // NOLINT(cert-err58-cpp)
constexpr std::chrono::minutes kChina{480};
constexpr std::uint16_t kC1 = 0x1000;  // measurement block of circuit 1
constexpr std::uint16_t kC2 = 0x1020;

class simBox : public ::testing::Test {
 protected:
  simBox() : profiles_(load_profiles_dir(testing::profiles_dir())) {
    BoxSpec spec;
    spec.address = 1;
    spec.model = "adf300l-iii";
    CircuitSpec c1;
    c1.load.power_w = 1200;
    c1.balance_fen = 2000;
    spec.circuits[1] = c1;
    const Profile& p = profiles_.at("adf300l");
    box_ = std::make_unique<Box>(p, *p.find_model(spec.model), spec, 9600, kStart, kChina,
                                 300'001'001'000);
  }

  Words read(std::uint16_t start, std::uint16_t count) {
    auto r = box_->read(start, count);
    if (auto* e = std::get_if<Exception>(&r)) {
      ADD_FAILURE() << "exception " << static_cast<int>(*e);
      return {};
    }
    return std::get<Words>(r);
  }
  std::optional<Exception> read_error(std::uint16_t start, std::uint16_t count) {
    auto r = box_->read(start, count);
    if (auto* e = std::get_if<Exception>(&r)) return *e;
    return std::nullopt;
  }
  std::optional<Exception> write(std::uint16_t start, const Words& values) {
    return box_->write(start, values);
  }
  static std::int64_t u32(const Words& w, std::size_t at) {
    return (std::int64_t{w[at]} << 16) | w[at + 1];
  }

  std::map<std::string, Profile> profiles_;
  std::unique_ptr<Box> box_;
};

TEST_F(simBox, MeasurementBlockEncodesTheModelExactly) {
  box_->advance_to(kStart + hours(1) + std::chrono::minutes(30));
  const Words w = read(kC1, 32);
  ASSERT_EQ(w.size(), 32U);
  EXPECT_EQ(u32(w, 0x00), 180);         // 1800 Wh at 0.01 kWh
  EXPECT_EQ(u32(w, 0x06), 180);         // all energy is flat for now
  EXPECT_EQ(u32(w, 0x02), 0);           // sharp
  EXPECT_EQ(w[0x0A], 2200);             // 220.0 V
  EXPECT_EQ(w[0x0B], 545);              // 1200 W / 220 V = 5.45 A
  EXPECT_EQ(u32(w, 0x0C), 1200);        // W
  EXPECT_EQ(w[0x0E], 1000);             // power factor 1.000
  EXPECT_EQ(u32(w, 0x10), 2000 - 108);  // 1800 Wh x 0.6 yuan/kWh = 1.08 yuan
  EXPECT_EQ(w[0x12], 1);                // relay closed
  EXPECT_EQ(w[0x13], 0);                // prepaid
  EXPECT_EQ(w[0x0F], 1U << 0);          // 18.92 <= alarm1 20.00
  for (std::size_t i = 0x19; i < 0x20; ++i)
    EXPECT_EQ(w[i], 0) << "reserved word " << i;
}

TEST_F(simBox, EnergyRegisterFloorsToTheRegisterUnit) {
  box_->advance_to(kStart + std::chrono::seconds(59 * 60));  // 1180 Wh
  EXPECT_EQ(u32(read(kC1, 2), 0), 118);
  box_->advance_to(kStart + std::chrono::seconds(59 * 60 + 29));  // 1189.67 Wh
  EXPECT_EQ(u32(read(kC1, 2), 0), 118);
}

TEST_F(simBox, BoxRegistersIdentifyTheModel) {
  const Words w = read(0x0000, 6);
  EXPECT_EQ(w[0], 3);   // adf300l-iii
  EXPECT_EQ(w[1], 36);  // circuits
  EXPECT_EQ(w[2], 1);   // address
  EXPECT_EQ(w[3], 96);  // 9600 bps at scale 100
  EXPECT_EQ(u32(w, 4),
            (kStart.time_since_epoch().count() / 1000) + std::int64_t{8} * 3600);  // local seconds
  EXPECT_EQ(read_error(0x0000, 7), Exception::kIllegalDataAddress);  // the password: never
  EXPECT_EQ(read_error(0x0006, 1), Exception::kIllegalDataAddress);  // disclosed
  EXPECT_EQ(write(0x0006, {1234}), std::nullopt);                    // but writable
}

TEST_F(simBox, SerialIsBcdOfTwelveDigits) {
  const Words w = read(0x200E + 0x20, 3);  // circuit 2
  EXPECT_EQ(w, (Words{0x3000, 0x0100, 0x1002}));
}

TEST_F(simBox, UnmappedAddressesOutsideCircuitBlocksAreExceptionTwo) {
  EXPECT_EQ(read_error(0x0007, 1), Exception::kIllegalDataAddress);
  EXPECT_EQ(read_error(0x0000, 8), Exception::kIllegalDataAddress);
  EXPECT_EQ(read_error(0x1000 + 36 * 0x20, 1), Exception::kIllegalDataAddress);  // circuit 37
  EXPECT_EQ(read_error(0x3000, 1), Exception::kIllegalDataAddress);
  EXPECT_EQ(read(0x101F, 1), Words{0});  // a reserved word of circuit 1
}

TEST_F(simBox, ReadsLongerThanTheProfileAllowsAreExceptionThree) {
  EXPECT_EQ(read_error(kC1, 126), Exception::kIllegalDataValue);
  EXPECT_EQ(read(kC1, 125).size(), 125U);  // spans circuits 1..4, reserved words included
}

TEST_F(simBox, CreditWithTheNextCountIsAcceptedAndClosesTheRelay) {
  box_->advance_to(kStart + hours(30));  // 20.00 yuan runs out after 33.3 kWh = 27.8 h
  ASSERT_FALSE(box_->circuit(1).relay_closed());
  const std::int64_t before = box_->circuit(1).balance_fen();
  EXPECT_EQ(write(kC1 + 0x14, {1, 0, 10'000}), std::nullopt);
  const Words w = read(kC1, 0x19);
  EXPECT_EQ(u32(w, 0x10), before + 10'000);
  EXPECT_EQ(w[0x12], 1);
  EXPECT_EQ(w[0x14], 1);
  EXPECT_EQ(u32(w, 0x15), 10'000);
  EXPECT_EQ(u32(w, 0x17), 10'000);
}

TEST_F(simBox, CreditWithAWrongCountIsExceptionFourAndChangesNothing) {
  ASSERT_EQ(write(kC1 + 0x14, {1, 0, 500}), std::nullopt);
  const Words before = read(kC1, 0x19);
  EXPECT_EQ(write(kC1 + 0x14, {1, 0, 500}), Exception::kDeviceFailure);  // a retry
  EXPECT_EQ(write(kC1 + 0x14, {3, 0, 500}), Exception::kDeviceFailure);
  EXPECT_EQ(read(kC1, 0x19), before);
}

TEST_F(simBox, DebitWithTheNextCountTakesMoneyOffAndIsReadBack) {
  const std::int64_t before = box_->circuit(1).balance_fen();  // 20.00 yuan
  EXPECT_EQ(write(kC1 + 0x19, {1, 0, 500}), std::nullopt);
  const Words w = read(kC1, 0x1E);
  EXPECT_EQ(u32(w, 0x10), before - 500);
  EXPECT_EQ(w[0x19], 1);                                                 // debit_count
  EXPECT_EQ(u32(w, 0x1A), 500);                                          // debit_amount
  EXPECT_EQ(u32(w, 0x1C), 500);                                          // debit_total
  EXPECT_EQ(w[0x14], 0);                                                 // purchase_count untouched
  EXPECT_EQ(write(kC1 + 0x19, {1, 0, 500}), Exception::kDeviceFailure);  // a retry
  EXPECT_EQ(box_->circuit(1).balance_fen(), before - 500);
}

TEST_F(simBox, DebitLargerThanTheBalanceIsExceptionThreeAndTakesNothing) {
  const std::int64_t before = box_->circuit(1).balance_fen();
  EXPECT_EQ(write(kC1 + 0x19, {1, 0, static_cast<std::uint16_t>(before + 1)}),
            Exception::kIllegalDataValue);
  EXPECT_EQ(box_->circuit(1).balance_fen(), before);
  EXPECT_EQ(box_->circuit(1).debit_count(), 0);
  EXPECT_EQ(write(kC1 + 0x1A, {0, 1}), Exception::kIllegalDataAddress);  // amount alone
}

TEST_F(simBox, PurchaseRegistersOnlyAcceptAWholeCredit) {
  EXPECT_EQ(write(kC1 + 0x14, {1}), Exception::kIllegalDataAddress);
  EXPECT_EQ(write(kC1 + 0x13, {0, 1, 0, 500}), Exception::kIllegalDataAddress);  // mode too
  EXPECT_EQ(write(kC1 + 0x15, {0, 500}), Exception::kIllegalDataAddress);
  EXPECT_EQ(box_->circuit(1).purchase_count(), 0);
}

TEST_F(simBox, WritesToReadOnlyOrUnmappedRegistersAreExceptionTwo) {
  EXPECT_EQ(write(kC1, {0, 0}), Exception::kIllegalDataAddress);         // energy_total
  EXPECT_EQ(write(kC1 + 0x10, {0, 0}), Exception::kIllegalDataAddress);  // balance
  EXPECT_EQ(write(kC1 + 0x19, {0}), Exception::kIllegalDataAddress);     // reserved
  EXPECT_EQ(write(0x0007, {0}), Exception::kIllegalDataAddress);
  EXPECT_EQ(write(0x2000, {0}), Exception::kIllegalDataAddress);  // half of alarm1_threshold
}

TEST_F(simBox, ModeWriteSwitchesTheRelayAndBadModesAreExceptionThree) {
  EXPECT_EQ(write(kC1 + 0x13, {2}), std::nullopt);
  EXPECT_FALSE(box_->circuit(1).relay_closed());
  EXPECT_EQ(read(kC1 + 0x0F, 1)[0] & (1U << 4), 1U << 4);  // forced_off flag
  EXPECT_EQ(write(kC1 + 0x13, {3}), Exception::kIllegalDataValue);
  EXPECT_EQ(box_->circuit(1).mode(), Mode::kForcedOff);
  EXPECT_EQ(write(kC1 + 0x13, {1}), std::nullopt);
  EXPECT_TRUE(box_->circuit(1).relay_closed());
}

TEST_F(simBox, SettingsAreStoredAndReadBack) {
  const Words settings{0, 5000, 0, 1000, 0, 4000, 0, 6000, 0, 7000, 0, 5583, 0, 3000};
  EXPECT_EQ(write(0x2000, settings), std::nullopt);
  EXPECT_EQ(read(0x2000, 14), settings);
  EXPECT_EQ(box_->circuit(1).alarm1_fen(), 5000);
  EXPECT_EQ(box_->circuit(1).alarm2_fen(), 1000);
  EXPECT_EQ(box_->circuit(1).overload_w(), 4000);
  EXPECT_EQ(box_->circuit(1).price(Rate::kFlat), 5583);
}

TEST_F(simBox, ARejectedRegisterRejectsTheWholeWrite) {
  // alarm thresholds are fine, but the write also covers half of serial (read-only).
  EXPECT_EQ(write(0x200C, {0, 1, 0x1234}), Exception::kIllegalDataAddress);
  EXPECT_EQ(box_->circuit(1).price(Rate::kValley), 6000);
}

TEST_F(simBox, ClockWriteShiftsTheBoxClock) {
  const std::int64_t local = kStart.time_since_epoch().count() / 1000 + std::int64_t{8} * 3600;
  const auto target = static_cast<std::uint32_t>(local + 3600);
  EXPECT_EQ(write(0x0004, {static_cast<std::uint16_t>(target >> 16),
                           static_cast<std::uint16_t>(target & 0xFFFF)}),
            std::nullopt);
  box_->advance_to(kStart + std::chrono::seconds(10));
  EXPECT_EQ(u32(read(0x0004, 2), 0), target + 10);
}

TEST_F(simBox, AddressAndBaudWritesAreValidated) {
  EXPECT_EQ(write(0x0002, {0}), Exception::kIllegalDataValue);
  EXPECT_EQ(write(0x0002, {248}), Exception::kIllegalDataValue);
  EXPECT_EQ(write(0x0003, {97}), Exception::kIllegalDataValue);
  EXPECT_EQ(write(0x0002, {7, 96}), std::nullopt);
  EXPECT_EQ(read(0x0002, 2), (Words{7, 96}));
  EXPECT_EQ(box_->address(), 7);  // answers at the new address from now on
  EXPECT_TRUE(box_->hears_bus());
  EXPECT_EQ(write(0x0003, {192}), std::nullopt);
  EXPECT_FALSE(box_->hears_bus());  // listens at 19200 on a 9600 bus
}

TEST_F(simBox, TouScheduleIsAppliedAndReadBackNormalised) {
  // 00:00 valley, 08:00 peak, 18:30 sharp, 22:00 flat; the rest unused (starts not increasing).
  Words tou(28, 0);
  const Words used{0, 3, 800, 1, 1830, 0, 2200, 2};
  std::copy(used.begin(), used.end(), tou.begin());
  EXPECT_EQ(write(0x0100, tou), std::nullopt);
  Words expected = tou;
  for (std::size_t i = used.size(); i < expected.size(); i += 2) {
    expected[i] = 2200;
    expected[i + 1] = 2;
  }
  EXPECT_EQ(read(0x0100, 28), expected);
  EXPECT_EQ(box_->circuit(5).tou().count, 4);
  EXPECT_EQ(box_->circuit(5).tou().rate_at(18 * 60 + 29), Rate::kPeak);
  EXPECT_EQ(box_->circuit(5).tou().rate_at(18 * 60 + 30), Rate::kSharp);
}

TEST_F(simBox, InvalidTouEntriesAreExceptionThreeAndChangeNothing) {
  const TouSchedule before = box_->tou();
  Words tou(28, 0);
  tou[2] = 2460;  // 24:60
  EXPECT_EQ(write(0x0100, tou), Exception::kIllegalDataValue);
  tou[2] = 800;
  tou[3] = 4;  // no such rate
  EXPECT_EQ(write(0x0100, tou), Exception::kIllegalDataValue);
  EXPECT_EQ(box_->tou(), before);
}

TEST_F(simBox, EnergyIsSplitAndBilledByTheTouSchedule) {
  // 1200 W from 00:00 local; valley until 08:00 at 0.3000, peak after at 1.0000.
  Words tou(28, 0);
  const Words used{0, 3, 800, 1};
  std::copy(used.begin(), used.end(), tou.begin());
  ASSERT_EQ(write(0x0100, tou), std::nullopt);
  ASSERT_EQ(write(kC1 + 0x14, {1, 0x0001, 0x86A0}), std::nullopt);  // 1000 yuan
  ASSERT_EQ(write(0x2006, {0, 20'000, 0, 10'000, 0, 6000, 0, 3000}), std::nullopt);
  box_->advance_to(kStart + hours(10));
  EXPECT_EQ(box_->circuit(1).energy_wh(Rate::kValley), 8 * 1200);
  EXPECT_EQ(box_->circuit(1).energy_wh(Rate::kPeak), 2 * 1200);
  EXPECT_EQ(box_->circuit(1).energy_wh(), 10 * 1200);
  // 9.6 kWh x 0.30 + 2.4 kWh x 1.00 = 2.88 + 2.40 yuan
  EXPECT_EQ(box_->circuit(1).balance_fen(), 2000 + 100'000 - 288 - 240);
  const Words w = read(kC1, 10);
  EXPECT_EQ(u32(w, 0x04), 240);  // peak, 0.01 kWh
  EXPECT_EQ(u32(w, 0x08), 960);  // valley
}

TEST_F(simBox, PowerLossStopsMeteringAndReplacementStartsFromZero) {
  box_->set_powered(false);
  box_->advance_to(kStart + hours(1));
  EXPECT_EQ(box_->circuit(1).energy_wh(), 0);
  EXPECT_NE(box_->status_bits(1) & (1U << 6), 0U);  // power_loss
  box_->set_powered(true);
  box_->advance_to(kStart + hours(2));
  EXPECT_EQ(box_->circuit(1).energy_wh(), 1200);
  ASSERT_EQ(write(kC1 + 0x14, {1, 0, 500}), std::nullopt);
  const auto serial_before = box_->serial(1);
  box_->replace_meter(1);
  EXPECT_EQ(box_->serial(1), serial_before + 100'000'000'000ULL);
  EXPECT_EQ(box_->circuit(1).energy_wh(), 0);
  EXPECT_EQ(box_->circuit(1).purchase_count(), 0);
  EXPECT_EQ(box_->circuit(1).balance_fen(), 0);
  EXPECT_FALSE(box_->circuit(1).relay_closed());
  EXPECT_EQ(box_->circuit(1).load().power_w, 1200);  // same tenant, same load
}

TEST_F(simBox, ClockDriftsByItsPpm) {
  const std::int64_t local = kStart.time_since_epoch().count() / 1000 + std::int64_t{8} * 3600;
  box_->set_clock_drift_ppm(100);  // 8.64 s a day fast
  box_->advance_to(kStart + hours(24));
  EXPECT_EQ(u32(read(0x0004, 2), 0), local + 86'400 + 8);
}

}  // namespace
}  // namespace phil::sim
