// The status scan's read planning (issue 14 item 7): plan_cheapest covers the fields at the
// least wire time for the line's costs (rtu_read_cost), exact against every partition, and the
// ADF300 driver's state plan is the per-circuit one on the seed site's 9600 baud line and a few
// large reads on a fast one.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <phil/meterlink/adf300.hpp>
#include <phil/meterlink/profile.hpp>
#include <phil/meterlink/read_plan.hpp>

namespace phil::meterlink {
namespace {

using std::chrono::microseconds;

Field field(std::uint16_t address, int words = 1) {
  Field f;
  f.name = "r" + std::to_string(address);
  f.address = address;
  f.words = words;
  return f;
}

/// Every field lies inside one block, no block is longer than max_read, blocks are in order.
void expect_covers(const ReadPlan& plan, int max_read) {
  for (const auto& f : plan.fields) {
    const auto inside = std::count_if(plan.blocks.begin(), plan.blocks.end(), [&](const Block& b) {
      return f.address >= b.start && f.address + f.words <= b.start + b.count;
    });
    EXPECT_GE(inside, 1) << f.name;
  }
  for (std::size_t i = 0; i < plan.blocks.size(); ++i) {
    EXPECT_LE(plan.blocks[i].count, max_read);
    if (i > 0) {
      EXPECT_GT(plan.blocks[i].start, plan.blocks[i - 1].start);
    }
  }
}

/// The least cost of any cover of sorted `fields` by consecutive groups, by trying every one.
std::int64_t brute_force(const std::vector<Field>& fields, int max_read, const ReadCost& cost) {
  const std::size_t n = fields.size();
  if (n == 0) return 0;
  std::int64_t best = std::numeric_limits<std::int64_t>::max();
  for (std::uint32_t cuts = 0; cuts < (1U << (n - 1)); ++cuts) {
    std::int64_t total = 0;
    std::size_t first = 0;
    bool ok = true;
    for (std::size_t i = 0; i < n && ok; ++i) {
      const bool last_of_group = i + 1 == n || ((cuts >> i) & 1U) != 0;
      if (!last_of_group) continue;
      std::uint32_t end = 0;
      for (std::size_t k = first; k <= i; ++k)
        end = std::max(
            end, std::uint32_t{fields[k].address} + static_cast<std::uint32_t>(fields[k].words));
      const std::uint32_t count = end - fields[first].address;
      ok = count <= static_cast<std::uint32_t>(max_read);
      total += cost.per_read.count() + cost.per_register.count() * count;
      first = i + 1;
    }
    if (ok) best = std::min(best, total);
  }
  return best;
}

TEST(ReadCost, NineThousandSixHundredBaudCostsWhatTheWireTakes) {
  // 10 bits a byte: 1.0417 ms a byte. A read: 13 bytes of frames, two silences of 3.5
  // characters, and the box's think time; a register: 2 bytes.
  const auto c = rtu_read_cost(9600, 10, microseconds(20'000));
  EXPECT_EQ(c.per_register, microseconds(2083));
  EXPECT_EQ(c.per_read, microseconds(13'541 + 2 * 3'645 + 20'000));
  // Above 19200 baud the silences are fixed at 1.75 ms.
  const auto fast = rtu_read_cost(115'200, 10, microseconds(0));
  EXPECT_EQ(fast.per_read, microseconds(1'128 + 2 * 1'750));
  EXPECT_EQ(fast.per_register, microseconds(173));
  EXPECT_THROW((void)rtu_read_cost(0, 10, microseconds(0)), std::invalid_argument);
  EXPECT_THROW((void)rtu_read_cost(9600, 0, microseconds(0)), std::invalid_argument);
}

TEST(CheapestPlan, AGapIsReadThroughOnlyWhereThatCostsLessThanAReadOfItsOwn) {
  const std::vector<Field> fields{field(0, 2), field(10), field(40), field(41, 2)};
  // A read costs as much as 10 registers: the gap of 8 registers (2..9) is read through, the
  // gap of 29 (11..39) is not.
  const auto plan = plan_cheapest(fields, 125, {microseconds(10), microseconds(1)});
  ASSERT_EQ(plan.blocks.size(), 2U);
  EXPECT_EQ(plan.blocks[0].start, 0);
  EXPECT_EQ(plan.blocks[0].count, 11);
  EXPECT_EQ(plan.blocks[1].start, 40);
  EXPECT_EQ(plan.blocks[1].count, 3);
  expect_covers(plan, 125);
  EXPECT_EQ(plan_cost(plan, {microseconds(10), microseconds(1)}), microseconds(2 * 10 + 11 + 3));
  // Registers free: the fewest reads, as plan_reads.
  const auto free = plan_cheapest(fields, 125, {microseconds(10), microseconds(0)});
  ASSERT_EQ(free.blocks.size(), 1U);
  EXPECT_EQ(free.blocks[0].count, 43);
  // Reads free: nothing read that nobody asked for.
  const auto split = plan_cheapest(fields, 125, {microseconds(0), microseconds(1)});
  EXPECT_EQ(split.blocks.size(), 3U);  // 0-1, 10, 40-42 (adjacent fields cost nothing to join)
  EXPECT_EQ(plan_cost(split, {microseconds(0), microseconds(1)}), microseconds(2 + 1 + 3));
}

TEST(CheapestPlan, IsExactAgainstEveryPartitionAndRespectsMaxRead) {
  std::mt19937 rng(14);
  for (int round = 0; round < 300; ++round) {
    const int n = 1 + static_cast<int>(rng() % 10);
    std::vector<Field> fields;
    std::uint16_t at = static_cast<std::uint16_t>(rng() % 50);
    for (int i = 0; i < n; ++i) {
      const int words = 1 + static_cast<int>(rng() % 3);
      fields.push_back(field(at, words));
      at = static_cast<std::uint16_t>(at + words + static_cast<int>(rng() % 40));
    }
    const int max_read = 4 + static_cast<int>(rng() % 60);
    const ReadCost cost{microseconds(rng() % 60), microseconds(rng() % 5)};
    const auto plan = plan_cheapest(fields, max_read, cost);
    expect_covers(plan, max_read);
    EXPECT_EQ(plan_cost(plan, cost).count(), brute_force(fields, max_read, cost))
        << "round " << round;
  }
}

TEST(CheapestPlan, RefusesWhatPlanReadsRefuses) {
  EXPECT_THROW((void)plan_cheapest({field(0)}, 0, {}), std::invalid_argument);
  EXPECT_THROW((void)plan_cheapest({field(0)}, 126, {}), std::invalid_argument);
  EXPECT_THROW((void)plan_cheapest({field(0, 3)}, 2, {}), std::invalid_argument);
  EXPECT_TRUE(plan_cheapest({}, 125, {}).blocks.empty());
}

const Profile& adf300l() {
  static const Profile p = load_profile_file(PHIL_SOURCE_DIR "/profiles/adf300l.yaml");
  return p;
}

TEST(StatePlan, OnTheSeedSitesLineEachCircuitIsOneShortRead) {
  const Adf300Driver d(adf300l(), "adf300l-iii");
  const auto cost = rtu_read_cost(9600, 10, microseconds(20'000));
  const auto plan = d.state_plan(cost);
  // status, balance (2 words), relay, mode: 0x100F..0x1013 of each circuit, 28 unused
  // registers to the next one cost more than a read of its own.
  ASSERT_EQ(plan.blocks.size(), 36U);
  for (int c = 0; c < 36; ++c) {
    EXPECT_EQ(plan.blocks[static_cast<std::size_t>(c)].start, 0x100F + 0x20 * c);
    EXPECT_EQ(plan.blocks[static_cast<std::size_t>(c)].count, 5);
  }
  // 36 x 51 ms = 1.84 s a box against the poll's nine long reads' 2.66 s: under three quarters.
  EXPECT_LT(plan_cost(plan, cost) * 4, plan_cost(d.poll_plan(), cost) * 3);
}

TEST(StatePlan, OnAFastLineOrWithASlowBoxItIsAFewLargeReads) {
  const Adf300Driver d(adf300l(), "adf300l-iii");
  const auto plan = d.state_plan(rtu_read_cost(115'200, 10, microseconds(20'000)));
  EXPECT_LE(plan.blocks.size(), 9U);
  expect_covers(plan, 125);
  const auto slow_box = d.state_plan(rtu_read_cost(9600, 10, microseconds(200'000)));
  EXPECT_LT(slow_box.blocks.size(), 36U);
}

TEST(StatePlan, DecodesEachCircuitsStateAndNothingElse) {
  const Adf300Driver d(adf300l(), "adf300l-i");
  const auto plan = d.state_plan(rtu_read_cost(9600, 10, microseconds(0)));
  std::vector<std::vector<std::uint16_t>> words;
  for (const auto& b : plan.blocks) {
    const int c = (b.start - 0x100F) / 0x20 + 1;
    // status (alarm1 | arrears, and overload on even circuits), balance c yuan + 0.05 (i32,
    // 0.01 yuan), relay, mode.
    const auto balance = static_cast<std::uint32_t>(c * 100 + 5);
    const std::uint16_t status = c % 2 == 0 ? 0b1101 : 0b101;
    words.push_back({status, static_cast<std::uint16_t>(balance >> 16),
                     static_cast<std::uint16_t>(balance & 0xFFFF),
                     static_cast<std::uint16_t>(c % 2), static_cast<std::uint16_t>(c % 3)});
  }
  const auto states = d.decode_states(plan, words, 7);
  ASSERT_TRUE(states) << states.error().message;
  ASSERT_EQ(states.value().size(), 12U);
  for (int c = 1; c <= 12; ++c) {
    const auto& s = states.value()[static_cast<std::size_t>(c - 1)];
    EXPECT_EQ(s.balance_fen, c * 100 + 5);
    EXPECT_EQ(s.relay_closed, c % 2 == 1);
    EXPECT_EQ(s.mode, c % 3 == 0   ? domain::MeterMode::kPrepaid
                      : c % 3 == 1 ? domain::MeterMode::kKeepPower
                                   : domain::MeterMode::kForcedOff);
    EXPECT_EQ(s.status_bits, c % 2 == 0 ? 0b1101 : 0b101);
    EXPECT_TRUE(s.alarm1);
    EXPECT_FALSE(s.alarm2);
    EXPECT_TRUE(s.arrears);
    EXPECT_EQ(s.overload, c % 2 == 0);
  }
  // A short reply does not decode: an error naming the box, never a partial state.
  words.back().pop_back();
  const auto short_reply = d.decode_states(plan, words, 7);
  ASSERT_FALSE(short_reply);
  EXPECT_EQ(short_reply.error().kind, LinkErrorKind::kBadReply);
  EXPECT_NE(short_reply.error().message.find("slave 7"), std::string::npos);
}

TEST(StatePlan, AnEnergyMeterHasNoStateToScan) {
  const auto p = load_profile_file(PHIL_SOURCE_DIR "/profiles/energy-meter.yaml");
  const Adf300Driver d(p, "em-1p");
  EXPECT_TRUE(d.state_plan(rtu_read_cost(9600, 10, microseconds(0))).blocks.empty());
}

}  // namespace
}  // namespace phil::meterlink
