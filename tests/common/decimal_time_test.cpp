#include <limits>

#include <gtest/gtest.h>

#include <phil/common/decimal.hpp>
#include <phil/common/time.hpp>

using namespace std::chrono_literals;

TEST(Decimal, ParsesScaledIntegersExactly) {
  EXPECT_EQ(phil::parse_decimal("12.34", 2), 1234);
  EXPECT_EQ(phil::parse_decimal("12.3", 2), 1230);
  EXPECT_EQ(phil::parse_decimal("12", 2), 1200);
  EXPECT_EQ(phil::parse_decimal("-0.05", 2), -5);
  EXPECT_EQ(phil::parse_decimal("0.6000", 4), 6000);
  EXPECT_EQ(phil::parse_decimal("-9223372036854775808", 0), std::numeric_limits<int64_t>::min());
}

TEST(Decimal, RejectsWhatWouldNeedRoundingOrIsNotANumber) {
  for (const char* bad : {"", "-", ".5", "5.", "1.234", "1e3", " 1", "+1", "1,5", "0x10",
                          "9223372036854775808", "92233720368547758.08"}) {
    EXPECT_FALSE(phil::parse_decimal(bad, 2).has_value()) << bad;
  }
}

TEST(Decimal, FormatsRoundTrip) {
  for (std::int64_t v : {0L, 1L, -1L, 5L, -5L, 1234L, -100L, 999999L}) {
    EXPECT_EQ(phil::parse_decimal(phil::format_decimal(v, 2), 2), v);
  }
  EXPECT_EQ(phil::format_decimal(-5, 2), "-0.05");
  EXPECT_EQ(phil::format_decimal(6000, 4), "0.6000");
  EXPECT_EQ(phil::format_decimal(std::numeric_limits<int64_t>::min(), 0), "-9223372036854775808");
}

TEST(Decimal, PowerOfTenScales) {
  EXPECT_EQ(phil::parse_power_of_ten("1"), 0);
  EXPECT_EQ(phil::parse_power_of_ten("100"), 2);
  EXPECT_EQ(phil::parse_power_of_ten("0.01"), -2);
  EXPECT_EQ(phil::parse_power_of_ten("0.0001"), -4);
  for (const char* bad : {"2", "0.02", "0.1.1", "", "10.0", "0.", "01"}) {
    EXPECT_FALSE(phil::parse_power_of_ten(bad).has_value()) << bad;
  }
}

TEST(Duration, ParsesCompoundDurations) {
  EXPECT_EQ(phil::parse_duration("30m"), phil::Millis(30min));
  EXPECT_EQ(phil::parse_duration("1h30m"), phil::Millis(90min));
  EXPECT_EQ(phil::parse_duration("250ms"), phil::Millis(250));
  EXPECT_EQ(phil::parse_duration("3d"), phil::Millis(72h));
  for (const char* bad : {"", "m", "30", "-5m", "1.5h", "5 m", "5x"}) {
    EXPECT_FALSE(phil::parse_duration(bad).has_value()) << bad;
  }
  EXPECT_EQ(phil::format_duration(phil::Millis(90min + 5s)), "1h30m5s");
  EXPECT_EQ(phil::format_duration(phil::Millis(0)), "0s");
}

TEST(Timestamp, ParsesOffsetsToUtcAndFormatsBack) {
  const auto t = phil::parse_timestamp("2026-03-01T00:00:00+08:00");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->offset, 8h);
  const auto z = phil::parse_timestamp("2026-02-28T16:00:00Z");
  ASSERT_TRUE(z.has_value());
  EXPECT_EQ(t->utc, z->utc);
  EXPECT_EQ(phil::format_timestamp(t->utc, t->offset), "2026-03-01T00:00:00+08:00");
  EXPECT_EQ(phil::format_timestamp(z->utc, z->offset), "2026-02-28T16:00:00+00:00");
}

TEST(Timestamp, RejectsInvalidDatesAndMissingOffsets) {
  for (const char* bad : {"2026-02-30T00:00:00+08:00", "2026-03-01T24:00:00Z",
                          "2026-03-01T00:00:00", "2026-03-01 00:00", "2026-03-01T00:00:00+8"}) {
    EXPECT_FALSE(phil::parse_timestamp(bad).has_value()) << bad;
  }
}
