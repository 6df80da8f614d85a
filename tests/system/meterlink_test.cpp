// The system's profile decoder, read planning, value decoding, the ADF300 driver against the
// scripted fake master, and the RTU master's failure reporting.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <thread>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <phil/meterlink/adf300.hpp>
#include <phil/meterlink/profile.hpp>
#include <phil/meterlink/read_plan.hpp>
#include <phil/meterlink/rtu_frame.hpp>
#include <phil/meterlink/rtu_master.hpp>

#include "support/fake_adf300.hpp"
#include "support/fake_master.hpp"

namespace phil::meterlink {
namespace {

Profile fixture() {
  return load_profile(test::test_profiles_dir(), "adf300l");
}

// The pinned fixture, with `from` replaced by `to` (exactly once), as a document named t.yaml.
std::string mutated(const std::string& from, const std::string& to) {
  const auto path = test::test_profiles_dir() + "/adf300l.yaml";
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

/// Decodes `text` expecting a ConfigError; returns its message.
std::string error_of(const std::string& text) {
  try {
    const auto doc = yaml::Document::load_string(text, "t.yaml");
    (void)parse_profile(doc.root());
  } catch (const yaml::ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return {};
}

// ---- profile decoder ----

TEST(ProfileDecoder, TheRepositoryProfileLoads) {
  // profiles/adf300l.yaml is the contract shared with the simulator.
  try {
    const auto p = load_profile(std::string(PHIL_SOURCE_DIR) + "/profiles", "adf300l");
    EXPECT_EQ(p.id, "adf300l");
  } catch (const yaml::ConfigError& e) {
    ADD_FAILURE() << e.what();
  }
}

TEST(ProfileDecoder, PinnedProfileDecodesModelsRegistersEnumsAndFlags) {
  const auto p = fixture();
  EXPECT_EQ(p.max_read, 125);
  EXPECT_EQ(p.max_write, 123);
  ASSERT_TRUE(p.model("adf300l-iii"));
  EXPECT_EQ(p.model("adf300l-iii")->circuits, 36);
  EXPECT_EQ(p.model("adf300l-i")->code, 1);
  const auto* energy = p.circuit_register("energy_total");
  ASSERT_TRUE(energy);
  EXPECT_EQ(energy->address, 0x1000);
  EXPECT_EQ(energy->stride, 0x20);
  EXPECT_EQ(energy->words, 2);
  EXPECT_EQ(energy->scale_exp, -2);
  EXPECT_EQ(energy->address_for(3), 0x1040U);
  EXPECT_EQ(p.circuit_register("serial")->type, ValueType::kBcd);
  EXPECT_EQ(p.circuit_register("serial")->words, 3);
  EXPECT_EQ(p.box_register("baud")->scale_exp, 2);
  EXPECT_EQ(p.enums.at("mode").at("keep_power"), 1);
  EXPECT_EQ(p.flags.at("status").at("arrears"), 2);
}

TEST(ProfileDecoder, UnknownKeyIsReportedWithFileLineColumnAndKey) {
  const auto msg =
      error_of(mutated("{name: relay, base: 0x1012,", "{name: relay, bsae: 1, base: 0x1012,"));
  EXPECT_TRUE(std::regex_search(msg, std::regex(R"(^t\.yaml:\d+:\d+: )"))) << msg;
  EXPECT_NE(msg.find("circuit[11].bsae"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unknown key"), std::string::npos) << msg;
}

TEST(ProfileDecoder, AMisspeltRequiredKeyIsReportedAsUnknownNotMissing) {
  const auto msg = error_of(mutated("{name: relay, base: 0x1012,", "{name: relay, bsae: 0x1012,"));
  EXPECT_NE(msg.find("unknown key \"bsae\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("base"), std::string::npos) << msg;  // among the allowed keys
}

TEST(ProfileDecoder, WrongTypeIsReportedWithTheKey) {
  const auto msg = error_of(mutated("max_read: 125", "max_read: lots"));
  EXPECT_NE(msg.find("t.yaml:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("max_read"), std::string::npos) << msg;
  EXPECT_NE(msg.find("integer"), std::string::npos) << msg;
}

TEST(ProfileDecoder, SyntaxErrorIsReportedWithLineAndColumn) {
  const auto msg = error_of(mutated("max_write: 123", "max_write: [123"));
  EXPECT_TRUE(std::regex_search(msg, std::regex(R"(^t\.yaml:\d+:\d+: )"))) << msg;
  EXPECT_NE(msg.find("syntax"), std::string::npos) << msg;
}

TEST(ProfileDecoder, RejectsBrokenRegisterMaps) {
  struct Case {
    std::string from, to, expect;
  };
  const Case cases[] = {
      {"{name: relay, base: 0x1012", "{name: relay, base: 0x1011", "overlaps"},
      {"stride: 0x20, type: i32, scale: 0.01, unit: yuan",
       "stride: 0x20, type: i32, scale: 0.05, unit: yuan", "power of ten"},
      {"type: u32, scale: 0.01, unit: yuan,\n     access: RW}",
       "type: u32, scale: 0.1, unit: yuan,\n     access: RW}", "0.01 or finer"},
      {"{name: energy_peak, base: 0x1004, stride: 0x20, type: u32, scale: 0.01, unit: kWh",
       "{name: energy_peak, base: 0x1004, stride: 0x20, type: u32, scale: 0.01, unit: W",
       "must have unit kWh"},
      {"{name: purchase_amount, base: 0x1015", "{name: purchase_amount, base: 0x101E",
       "directly follow purchase_count"},
      {"{name: mode, base: 0x1013", "{name: modus, base: 0x1013", "canonical"},
      {"enum: relay, access: R}", "enum: relais, access: R}", "no enum named"},
      {"type: raw, words: 28", "type: raw", "needs `words`"},
      {"{name: power, base: 0x100C, stride: 0x20, type: i32,",
       "{name: power, base: 0x100C, stride: 0x20, type: i32, words: 1,", "has 2 word(s)"},
      {"circuits: 36", "circuits: 65", "out of range"},
  };
  for (const auto& c : cases) {
    const auto msg = error_of(mutated(c.from, c.to));
    EXPECT_NE(msg.find(c.expect), std::string::npos) << c.to << "\n -> " << msg;
    EXPECT_NE(msg.find("t.yaml:"), std::string::npos) << msg;
  }
}

TEST(ProfileDecoder, FileNamedForOneProfileMustDeclareIt) {
  EXPECT_THROW(load_profile(test::test_profiles_dir(), "nonexistent"), yaml::ConfigError);
}

// ---- read planning ----

std::vector<Field> measurement_fields(const Profile& p, int circuits) {
  std::vector<Field> fields;
  for (int c = 1; c <= circuits; ++c) {
    for (auto name : Adf300Driver::kPollRegisters) {
      fields.push_back(field_of(*p.circuit_register(name), c));
    }
  }
  return fields;
}

TEST(ReadPlanning, ThirtySixCircuitsAtStrideThirtyTwoNeedNineReadsOfAtMost125) {
  const auto p = fixture();
  const auto plan = plan_reads(measurement_fields(p, 36), 125);
  // Each circuit uses words 0..24 of its 32: four circuits span 3*32+25 = 121 <= 125 and five
  // would span 153, so no read can cover more than four circuits: 36 / 4 = 9 is the minimum.
  EXPECT_EQ(plan.blocks.size(), 9U);
  for (const auto& b : plan.blocks) {
    EXPECT_GE(b.count, 1);
    EXPECT_LE(b.count, 125);
  }
  for (const auto& f : plan.fields) {
    int covering = 0;
    for (const auto& b : plan.blocks) {
      covering += (f.address >= b.start && f.address + f.words <= b.start + b.count) ? 1 : 0;
    }
    EXPECT_EQ(covering, 1) << f.name << " of circuit " << f.circuit;
  }
}

TEST(ReadPlanning, SmallerMaxReadGivesMoreReadsButNeverLongerOnes) {
  const auto p = fixture();
  const auto plan = plan_reads(measurement_fields(p, 12), 25);
  EXPECT_EQ(plan.blocks.size(), 12U);  // exactly one read per circuit's 25-word block
  for (const auto& b : plan.blocks)
    EXPECT_LE(b.count, 25);
  const auto tiny = plan_reads(measurement_fields(p, 1), 2);
  for (const auto& b : tiny.blocks)
    EXPECT_LE(b.count, 2);
  EXPECT_THROW(plan_reads(measurement_fields(p, 1), 1), std::invalid_argument);  // u32 > 1
}

// ---- value decoding ----

TEST(ValueDecoding, IntegersInBothWordOrders) {
  const std::vector<std::uint16_t> w{0x0001, 0x0002};
  EXPECT_EQ(decode_integer(w, ValueType::kU32, WordOrder::kHighFirst), 0x00010002);
  EXPECT_EQ(decode_integer(w, ValueType::kU32, WordOrder::kLowFirst), 0x00020001);
  const std::vector<std::uint16_t> neg{0xFFFF, 0xFFFE};
  EXPECT_EQ(decode_integer(neg, ValueType::kI32, WordOrder::kHighFirst), -2);
  EXPECT_EQ(decode_integer(neg, ValueType::kU32, WordOrder::kHighFirst), 0xFFFFFFFELL);
  const std::vector<std::uint16_t> one{0x8000};
  EXPECT_EQ(decode_integer(one, ValueType::kI16, WordOrder::kHighFirst), -32768);
  EXPECT_EQ(decode_integer(one, ValueType::kU16, WordOrder::kHighFirst), 32768);
  const std::vector<std::uint16_t> bcd{0x1234, 0x5678, 0x9012};
  EXPECT_EQ(decode_integer(bcd, ValueType::kBcd, WordOrder::kHighFirst), 123456789012);
  const std::vector<std::uint16_t> bad_bcd{0x12A4};
  EXPECT_FALSE(decode_integer(bad_bcd, ValueType::kBcd, WordOrder::kHighFirst));
  EXPECT_FALSE(decode_integer(w, ValueType::kU16, WordOrder::kHighFirst));
  EXPECT_FALSE(decode_integer(w, ValueType::kRaw, WordOrder::kHighFirst));
}

TEST(ValueDecoding, EncodeRoundTripsAndRejectsWhatDoesNotFit) {
  for (auto order : {WordOrder::kHighFirst, WordOrder::kLowFirst}) {
    for (std::int64_t v : {0LL, 1LL, 65536LL, 0x7FFFFFFFLL}) {
      const auto w = encode_integer(v, ValueType::kU32, order);
      ASSERT_TRUE(w);
      EXPECT_EQ(decode_integer(*w, ValueType::kU32, order), v);
    }
    const auto n = encode_integer(-123456, ValueType::kI32, order);
    EXPECT_EQ(decode_integer(*n, ValueType::kI32, order), -123456);
  }
  EXPECT_FALSE(encode_integer(-1, ValueType::kU16, WordOrder::kHighFirst));
  EXPECT_FALSE(encode_integer(65536, ValueType::kU16, WordOrder::kHighFirst));
  EXPECT_FALSE(encode_integer(0x100000000LL, ValueType::kU32, WordOrder::kHighFirst));
}

TEST(ValueDecoding, RescaleIsExactUpwardsAndFloorsDownwards) {
  EXPECT_EQ(rescale(12345, -2, -3), 123450);  // 123.45 kWh -> Wh
  EXPECT_EQ(rescale(12345, -3, -2), 1234);    // 12.345 yuan -> fen, never rounded up
  EXPECT_EQ(rescale(-12345, -3, -2), -1235);  // a debt is never rounded down in magnitude
  EXPECT_FALSE(rescale(1, 19, 0));
  EXPECT_FALSE(rescale(INT64_MAX / 5, 1, 0));
}

// ---- ADF300 driver ----

class DriverTest : public ::testing::Test {
 protected:
  DriverTest() : profile_(fixture()), device_(master_, profile_) {}
  FakeMaster master_;
  Profile profile_;
  test::FakeAdf300 device_;
};

TEST_F(DriverTest, UnknownModelOrMissingRegisterIsAConfigurationError) {
  EXPECT_THROW(Adf300Driver(profile_, "adf300l-xl"), std::invalid_argument);
  auto p = profile_;
  std::erase_if(p.circuit, [](const Register& r) { return r.name == "balance"; });
  EXPECT_THROW(Adf300Driver(p, "adf300l-i"), std::invalid_argument);
}

TEST_F(DriverTest, ReadsABoxInThePlannedBlocksAndDecodesIntegerUnits) {
  const Adf300Driver driver(profile_, "adf300l-iii");
  device_.set(7, 1,
              {.energy_wh = 123'450,
               .balance_fen = 2050,
               .purchase_count = 3,
               .purchase_amount_fen = 1000,
               .purchase_total_fen = 5000,
               .power_w = 1800});
  device_.set(7, 36, {.energy_wh = 10, .balance_fen = -30});
  const auto r = driver.read_box(master_, 7);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r.value().size(), 36U);
  EXPECT_EQ(master_.log().size(), 9U);
  for (const auto& req : master_.log())
    EXPECT_LE(req.count, 125);
  const auto& c1 = r.value()[0];
  EXPECT_EQ(c1.energy_wh, 123'450);
  EXPECT_EQ(c1.balance_fen, 2050);
  EXPECT_EQ(c1.power_w, 1800);
  EXPECT_TRUE(c1.relay_closed);
  EXPECT_EQ(c1.mode, domain::MeterMode::kPrepaid);
  EXPECT_EQ(c1.purchase_count, 3);
  EXPECT_EQ(c1.purchase_amount_fen, 1000);
  EXPECT_EQ(c1.purchase_total_fen, 5000);
  EXPECT_FALSE(c1.arrears);
  const auto& c36 = r.value()[35];
  EXPECT_EQ(c36.balance_fen, -30);
  EXPECT_FALSE(c36.relay_closed);
  EXPECT_TRUE(c36.arrears);
  EXPECT_EQ(r.value()[5].energy_wh, 0);
}

TEST_F(DriverTest, EveryPollFieldCarriesItsQuantityResolvedOnceFromTheRegisterName) {
  using Q = Adf300Driver::Quantity;
  EXPECT_EQ(Adf300Driver::quantity_of("energy_total"), Q::kEnergyTotal);
  EXPECT_EQ(Adf300Driver::quantity_of("mode"), Q::kMode);
  EXPECT_EQ(Adf300Driver::quantity_of("purchase_total"), Q::kPurchaseTotal);
  EXPECT_EQ(Adf300Driver::quantity_of("serial"), Q::kNone);
  EXPECT_EQ(Adf300Driver::quantity_of(""), Q::kNone);
  const Adf300Driver driver(profile_, "adf300l-iii");
  ASSERT_EQ(driver.poll_plan().fields.size(), 36U * Adf300Driver::kPollRegisters.size());
  for (const auto& f : driver.poll_plan().fields) {
    EXPECT_NE(static_cast<Q>(f.tag), Q::kNone) << f.name;
    EXPECT_EQ(static_cast<Q>(f.tag), Adf300Driver::quantity_of(f.name)) << f.name;
  }
}

TEST_F(DriverTest, EnergyRegisterInHundredthsOfKwhBecomesWattHours) {
  const Adf300Driver driver(profile_, "adf300l-i");
  master_.set(1, 0x1000, 0x0001);  // raw 0x0001E240 = 123456 x 0.01 kWh
  master_.set(1, 0x1001, 0xE240);
  const auto r = driver.read_box(master_, 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value()[0].energy_wh, 1'234'560);
}

TEST_F(DriverTest, AFailedReadStopsTheBoxAtOneTimeout) {
  const Adf300Driver driver(profile_, "adf300l-iii");
  master_.set_silent(9, true);
  const auto r = driver.read_box(master_, 9);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, LinkErrorKind::kTimeout);
  EXPECT_EQ(master_.log().size(), 1U);
}

TEST_F(DriverTest, ShortOrMissingBlocksDoNotDecode) {
  const Adf300Driver driver(profile_, "adf300l-i");
  std::vector<std::vector<std::uint16_t>> words;
  for (const auto& b : driver.poll_plan().blocks)
    words.emplace_back(b.count, 0);
  EXPECT_TRUE(driver.decode_box(words));
  words.back().pop_back();
  EXPECT_FALSE(driver.decode_box(words));
  words.pop_back();
  EXPECT_FALSE(driver.decode_box(words));
}

TEST_F(DriverTest, CreditIsOneWriteOfCountThenAmountHighWordFirst) {
  const Adf300Driver driver(profile_, "adf300l-iii");
  device_.set(2, 5, {.purchase_count = 41});
  ASSERT_TRUE(driver.write_credit(master_, 2, 5, 42, 100'000));  // 1000.00 yuan
  ASSERT_EQ(master_.log().size(), 1U);
  const auto& w = master_.log()[0];
  EXPECT_EQ(w.op, FakeMaster::Op::kWrite);
  EXPECT_EQ(w.slave, 2);
  EXPECT_EQ(w.start, 0x1014 + 4 * 0x20);
  // 100000 = 0x000186A0: high word 0x0001, low word 0x86A0.
  EXPECT_EQ(w.values, (std::vector<std::uint16_t>{42, 0x0001, 0x86A0}));
  EXPECT_EQ(device_.credits_applied(), 1);
  master_.clear_log();
  const auto state = driver.read_credit_state(master_, 2, 5);
  ASSERT_TRUE(state);
  EXPECT_EQ(master_.log().size(), 1U);  // status..purchase_count in one read
  EXPECT_FALSE(state.value().arrears);
  EXPECT_EQ(state.value().purchase_count, 42);
  EXPECT_EQ(state.value().balance_fen, 100'000);
  EXPECT_TRUE(state.value().relay_closed);
}

TEST_F(DriverTest, MeterRefusesACreditWithTheWrongCountWithException4) {
  const Adf300Driver driver(profile_, "adf300l-i");
  device_.set(1, 1, {.purchase_count = 41});
  const auto r = driver.write_credit(master_, 1, 1, 43, 100);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, LinkErrorKind::kException);
  EXPECT_EQ(r.error().exception_code, 4);
  EXPECT_EQ(device_.credits_applied(), 0);
}

TEST_F(DriverTest, AReplyOfTheWrongSizeIsABadReplyNotASilentBox) {
  const Adf300Driver driver(profile_, "adf300l-i");
  master_.inject({FakeMaster::Op::kRead, 1, FakeMaster::Fault::kBadReply});
  const auto r = driver.read_box(master_, 1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, LinkErrorKind::kBadReply);
  // Words that are there but do not decode are the driver's bad reply too.
  std::vector<std::vector<std::uint16_t>> words;
  for (const auto& b : driver.poll_plan().blocks)
    words.emplace_back(b.count > 1 ? b.count - 1 : 0, 0);
  const auto short_words = driver.decode_poll(words, 1);
  ASSERT_FALSE(short_words);
  EXPECT_EQ(short_words.error().kind, LinkErrorKind::kBadReply);
}

TEST_F(DriverTest, ASettingThatDoesNotFitItsRegisterIsAnEncodingErrorAndNothingIsSent) {
  const Adf300Driver driver(profile_, "adf300l-i");
  const domain::CommandPayload huge = domain::ThresholdsPayload{1'000, 500, 1LL << 40};
  const auto frames = driver.setting_frames(huge, 1);
  ASSERT_FALSE(frames);
  EXPECT_EQ(frames.error().kind, LinkErrorKind::kEncode);
  EXPECT_NE(frames.error().message.find("overload_threshold"), std::string::npos)
      << frames.error().message;
  const auto w = driver.write_setting(master_, 1, 1, huge);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().kind, LinkErrorKind::kEncode);
  EXPECT_FALSE(did_not_answer(w.error().kind));
  const auto c = driver.write_credit(master_, 1, 13, 1, 100);  // no circuit 13 on a model I
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().kind, LinkErrorKind::kEncode);
  EXPECT_TRUE(master_.log().empty());
}

TEST_F(DriverTest, CreditFrameRejectsImpossibleRequests) {
  const Adf300Driver driver(profile_, "adf300l-i");
  EXPECT_FALSE(driver.credit_frame(0, 1, 100));
  EXPECT_FALSE(driver.credit_frame(13, 1, 100));
  EXPECT_FALSE(driver.credit_frame(1, 1, 0));
  EXPECT_FALSE(driver.credit_frame(1, 1, 0x100000000LL));
}

TEST_F(DriverTest, SerialsReadAsTheirBcdDigitsAndANibbleAboveNineIsNoSerial) {
  const Adf300Driver driver(profile_, "adf300l-i");
  const auto base = profile_.circuit_register("serial")->address;
  const std::uint16_t words[] = {0x0012, 0x3456, 0x7890};
  for (std::uint16_t i = 0; i < 3; ++i) {
    master_.set(1, static_cast<std::uint16_t>(base + i), words[i]);
  }
  const auto ok = driver.read_serials(master_, 1);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok.value().at(0), "001234567890");
  // An unprogrammed meter (FFFF): no serial, so no "meter replaced"; the box did answer, so the
  // error is a bad reply, which does not read as a silent box.
  master_.set(1, static_cast<std::uint16_t>(base + 0x20 + 2), 0xFFFF);
  const auto bad = driver.read_serials(master_, 1);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, LinkErrorKind::kBadReply);
  EXPECT_FALSE(did_not_answer(bad.error().kind));
  EXPECT_NE(bad.error().message.find("serial of circuit 2 is not BCD"), std::string::npos)
      << bad.error().message;
}

// ---- RTU master ----

TEST(RtuMaster, AMissingPortIsPortUnavailableNamingThePortAndWhatToCheck) {
  RtuMaster m({"/nonexistent/ttyUSB9", 9600, 'N', 8, 1, Millis(50)});
  const auto r = m.read_registers(1, 0, 1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, LinkErrorKind::kPortUnavailable);
  EXPECT_NE(r.error().message.find("port /nonexistent/ttyUSB9 missing or busy"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("check the device path"), std::string::npos);
  const std::uint16_t one[] = {1};
  const auto w = m.write_registers(1, 0, one);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().kind, LinkErrorKind::kPortUnavailable);
  EXPECT_EQ(m.describe(), "rtu /nonexistent/ttyUSB9 9600 8N1");
}

/// A slave on the other end of a pseudo-terminal that answers function 03 reads of one register
/// with `value_of(address)`, the n-th request after `delays[n]` ms (0: at once).
class PtySlave {
 public:
  PtySlave(int address, std::vector<int> delays) : address_(address), delays_(std::move(delays)) {
    fd_ = ::posix_openpt(O_RDWR | O_NOCTTY);
    EXPECT_GE(fd_, 0);
    EXPECT_EQ(::grantpt(fd_), 0);
    EXPECT_EQ(::unlockpt(fd_), 0);
    path_ = ::ptsname(fd_);
    thread_ = std::thread([this] { serve(); });
  }
  ~PtySlave() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  PtySlave(const PtySlave&) = delete;
  PtySlave& operator=(const PtySlave&) = delete;
  const std::string& path() const { return path_; }
  static std::uint16_t value_of(std::uint16_t reg) { return static_cast<std::uint16_t>(100 + reg); }

 private:
  void serve() {
    std::vector<std::uint8_t> in;
    std::size_t n = 0;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!stop_ && std::chrono::steady_clock::now() < give_up) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      std::uint8_t buf[64];
      const auto got = ::read(fd_, buf, sizeof buf);
      if (got <= 0) continue;
      in.insert(in.end(), buf, buf + got);
      while (in.size() >= 8) {  // a read request: address, 03, start, count, CRC
        const auto reg = static_cast<std::uint16_t>(in[2] << 8 | in[3]);
        in.erase(in.begin(), in.begin() + 8);
        const int delay = n < delays_.size() ? delays_[n] : 0;
        ++n;
        std::this_thread::sleep_for(std::chrono::milliseconds(delay));
        const auto v = value_of(reg);
        std::vector<std::uint8_t> reply{static_cast<std::uint8_t>(address_), 3, 2,
                                        static_cast<std::uint8_t>(v >> 8),
                                        static_cast<std::uint8_t>(v & 0xFF)};
        const auto crc = rtu_crc(reply);
        reply.push_back(static_cast<std::uint8_t>(crc & 0xFF));
        reply.push_back(static_cast<std::uint8_t>(crc >> 8));
        EXPECT_EQ(::write(fd_, reply.data(), reply.size()), static_cast<ssize_t>(reply.size()));
      }
    }
  }

  int address_;
  std::vector<int> delays_;
  int fd_ = -1;
  std::string path_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(RtuMaster, ALateReplyIsDiscardedNotTakenForTheNextRequestsAnswer) {
  // The first reply comes 250 ms late, after the 100 ms timeout gave up and flushed; it is on
  // the line when the next request (another register, a reply of the same length) is sent.
  PtySlave slave(4, {250, 0});
  RtuMaster m({slave.path(), 9600, 'N', 8, 1, Millis(100)});
  const auto late = m.read_registers(4, 0x0010, 1);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().kind, LinkErrorKind::kTimeout);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the late reply arrives now
  const auto next = m.read_registers(4, 0x0011, 1);
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next.value(), std::vector<std::uint16_t>{PtySlave::value_of(0x0011)});
}

// ---- what each kind of link error means to its consumers ----

TEST(LinkErrorKinds, OnlyATimeoutAGarbledLineOrAnUnavailablePortIsASilentBox) {
  EXPECT_TRUE(did_not_answer(LinkErrorKind::kTimeout));
  EXPECT_TRUE(did_not_answer(LinkErrorKind::kIo));
  EXPECT_TRUE(did_not_answer(LinkErrorKind::kPortUnavailable));
  EXPECT_FALSE(did_not_answer(LinkErrorKind::kException));
  EXPECT_FALSE(did_not_answer(LinkErrorKind::kBadReply));
  EXPECT_FALSE(did_not_answer(LinkErrorKind::kEncode));
}

TEST(LinkErrorKinds, AWriteMayHaveBeenAppliedAfterALostGarbledOrBadReplyOnly) {
  EXPECT_TRUE(may_have_applied(LinkErrorKind::kTimeout));
  EXPECT_TRUE(may_have_applied(LinkErrorKind::kIo));
  EXPECT_TRUE(may_have_applied(LinkErrorKind::kBadReply));
  EXPECT_FALSE(may_have_applied(LinkErrorKind::kException));
  EXPECT_FALSE(may_have_applied(LinkErrorKind::kEncode));
  EXPECT_FALSE(may_have_applied(LinkErrorKind::kPortUnavailable));
}

}  // namespace
}  // namespace phil::meterlink
