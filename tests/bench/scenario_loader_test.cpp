#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <phil/bench/scenario.hpp>

using ::testing::HasSubstr;
namespace fs = std::filesystem;

namespace {

const std::string kProfiles = std::string(PHIL_SOURCE_DIR) + "/profiles";

const char* kValid = R"(name: t
clock: {start: 2026-03-01T00:00:00+08:00}
fleet:
  buses:
    - id: bus1
      port: vbus/bus1
      boxes:
        - {address: 1, model: adf300l-i}
accounts:
  - {id: A1, meters: [bus1/1/1], sale: "20.00"}
timeline:
  - {until: relay(bus1/1/1) == open, max: 1d}
  - expect: {meter: bus1/1/1, status: arrears, within: 1 poll}
  - {at: +2h, sale: {account: A1, amount: "100.00"}}
  - expect: {account: A1, matches_meter: bus1/1/1, tolerance: "0.01"}
)";

class ScenarioLoader : public ::testing::Test {
 protected:
  std::string write(const std::string& text) {
    const auto dir = fs::temp_directory_path() / "phil-bench-loader-test";
    fs::create_directories(dir);
    const auto path =
        dir /
        (std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + ".yaml");
    std::ofstream(path) << text;
    return path.string();
  }

  std::string error_of(const std::string& text) {
    const auto path = write(text);
    try {
      (void)phil::bench::load_scenario(path, "t", kProfiles);
    } catch (const phil::yaml::ConfigError& e) {
      return e.what();
    }
    return "no error";
  }

  static std::string replace(std::string s, const std::string& from, const std::string& to) {
    const auto pos = s.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    return s.replace(pos, from.size(), to);
  }
};

}  // namespace

TEST_F(ScenarioLoader, LoadsAValidScenarioIntoSteps) {
  const auto sc = phil::bench::load_scenario(write(kValid), "t", kProfiles);
  EXPECT_EQ(sc.name, "t");
  ASSERT_EQ(sc.timeline.size(), 4U);
  EXPECT_EQ(sc.timeline[0].kind, phil::bench::Step::Kind::kUntil);
  EXPECT_EQ(sc.timeline[1].within.kind, phil::bench::Within::Kind::kPolls);
  EXPECT_EQ(sc.timeline[2].kind, phil::bench::Step::Kind::kAction);
  EXPECT_EQ(sc.timeline[2].at_relative, phil::Millis(2 * 3600 * 1000));
  EXPECT_EQ(sc.timeline[3].checks.at(0).tolerance, 1);
  EXPECT_EQ(sc.accounts.at(0).first_sale_fen, 2000);
  EXPECT_EQ(sc.fleet.utc_offset, std::chrono::minutes(480));
}

TEST_F(ScenarioLoader, TheShippedScenarioIsValid) {
  const auto sc = phil::bench::load_scenario(
      std::string(PHIL_SOURCE_DIR) + "/scenarios/arrears/trip-and-restore.yaml", "x", kProfiles);
  EXPECT_FALSE(sc.timeline.empty());
}

TEST_F(ScenarioLoader, SyntaxErrorGivesFileLineColumn) {
  const auto msg = error_of(replace(kValid, "max: 1d}", "max: 1d"));
  EXPECT_THAT(msg, HasSubstr(".yaml:"));
  EXPECT_THAT(msg, HasSubstr("YAML syntax error"));
}

TEST_F(ScenarioLoader, UnknownKeyInAStepIsRejectedWithLocationAndKey) {
  const auto msg = error_of(replace(kValid, "within: 1 poll", "within: 1 poll, colour: red"));
  EXPECT_THAT(msg, HasSubstr(":13:"));
  EXPECT_THAT(msg, HasSubstr("timeline[1].expect.colour: unknown key"));
}

TEST_F(ScenarioLoader, WrongTypeIsRejectedWithLocationAndKey) {
  const auto msg = error_of(replace(kValid, "max: 1d", "max: soon"));
  EXPECT_THAT(msg, HasSubstr(":12:"));
  EXPECT_THAT(msg, HasSubstr("timeline[0].max: invalid value \"soon\""));
}

TEST_F(ScenarioLoader, UnknownMeterIsNamed) {
  const auto msg = error_of(replace(kValid, "status: arrears", "status: arrears, x: 1"));
  EXPECT_THAT(msg, HasSubstr("unknown key \"x\""));
  const auto msg2 = error_of(replace(kValid, "meter: bus1/1/1, status", "meter: bus9/1/1, status"));
  EXPECT_THAT(msg2, HasSubstr("no bus \"bus9\""));
}

TEST_F(ScenarioLoader, BadValuesAreExplained) {
  EXPECT_THAT(error_of(replace(kValid, "status: arrears", "status: red")),
              HasSubstr("expected one of: not_opened, normal"));
  EXPECT_THAT(error_of(replace(kValid, "within: 1 poll", "within: soon")),
              HasSubstr("N poll(s), N command(s) or a duration"));
  EXPECT_THAT(error_of(replace(kValid, "relay(bus1/1/1) == open", "relay(bus1/1/1) == ajar")),
              HasSubstr("expected one of: open, closed"));
  EXPECT_THAT(error_of(replace(kValid, "amount: \"100.00\"", "amount: \"100.001\"")),
              HasSubstr("at most 2 digits"));
  EXPECT_THAT(error_of(replace(kValid, "account: A1, amount", "account: B7, amount")),
              HasSubstr("unknown account \"B7\""));
}
