// The simulator's fault schedule on manual time: which frame faults are in force when, the
// seeded draws, box-fault edges in time order and what they do to a box (pure, no I/O).
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <phil/sim/detail/fault_schedule.hpp>

namespace phil::sim::detail {
namespace {

using namespace std::chrono_literals;
using K = FaultSpec::Kind;

const TimePoint kT0 = TimePoint(Millis(1'772'294'400'000));  // any instant

FaultSpec fault(K kind, const std::string& bus, int address, TimePoint start, Millis duration) {
  FaultSpec f;
  f.kind = kind;
  f.bus = bus;
  f.address = address;
  f.start = start;
  f.duration = duration;
  return f;
}

TEST(simFaultSchedule, FrameFaultIsInForceFromItsStartUntilItsEnd) {
  FaultSchedule s;
  s.add(fault(K::kDropReply, "bus1", 4, kT0 + 1h, 30min), kT0);
  EXPECT_EQ(s.frame_fault(K::kDropReply, "bus1", 4, kT0 + 1h - 1ms, false), nullptr);
  EXPECT_NE(s.frame_fault(K::kDropReply, "bus1", 4, kT0 + 1h, false), nullptr);
  EXPECT_NE(s.frame_fault(K::kDropReply, "bus1", 4, kT0 + 90min - 1ms, false), nullptr);
  EXPECT_EQ(s.frame_fault(K::kDropReply, "bus1", 4, kT0 + 90min, false), nullptr);
}

TEST(simFaultSchedule, WithoutADurationAFaultLastsUntilRemoved) {
  FaultSchedule s;
  const auto id = s.add(fault(K::kBusSilent, "bus1", 0, kT0, 0ms), kT0);
  EXPECT_NE(s.frame_fault(K::kBusSilent, "bus1", 7, kT0 + 24h * 365, false), nullptr);
  EXPECT_TRUE(s.remove(id));
  EXPECT_FALSE(s.remove(id));
  EXPECT_EQ(s.frame_fault(K::kBusSilent, "bus1", 7, kT0, false), nullptr);
}

TEST(simFaultSchedule, ARelativeStartCountsFromTheInstantItIsAdded) {
  FaultSchedule s;
  FaultSpec f = fault(K::kDelay, "bus1", 0, TimePoint{}, 10min);
  f.start_relative = true;
  f.start_after = 5min;
  s.add(f, kT0 + 1h);
  ASSERT_EQ(s.entries().size(), 1u);
  EXPECT_EQ(s.entries()[0].spec.start, kT0 + 65min);
  EXPECT_FALSE(s.entries()[0].spec.start_relative);
  EXPECT_EQ(s.frame_fault(K::kDelay, "bus1", 1, kT0 + 64min, false), nullptr);
  EXPECT_NE(s.frame_fault(K::kDelay, "bus1", 1, kT0 + 65min, false), nullptr);
}

TEST(simFaultSchedule, AFaultForOneBoxSparesTheOthersButNotBroadcasts) {
  FaultSchedule s;
  s.add(fault(K::kBoxSilent, "bus1", 4, kT0, 0ms), kT0);
  s.add(fault(K::kCorruptCrc, "bus1", 0, kT0, 0ms), kT0);
  EXPECT_NE(s.frame_fault(K::kBoxSilent, "bus1", 4, kT0, false), nullptr);
  EXPECT_EQ(s.frame_fault(K::kBoxSilent, "bus1", 5, kT0, false), nullptr);
  EXPECT_NE(s.frame_fault(K::kBoxSilent, "bus1", 0, kT0, false), nullptr);   // a broadcast
  EXPECT_NE(s.frame_fault(K::kCorruptCrc, "bus1", 5, kT0, false), nullptr);  // every box
  EXPECT_EQ(s.frame_fault(K::kCorruptCrc, "bus2", 5, kT0, false), nullptr);  // not that bus
  EXPECT_EQ(s.frame_fault(K::kTruncate, "bus1", 5, kT0, false), nullptr);    // nor that kind
}

TEST(simFaultSchedule, TheFirstFaultAddedOfAKindIsTheOneFound) {
  FaultSchedule s;
  FaultSpec a = fault(K::kDelay, "bus1", 0, kT0, 0ms);
  a.delay = 100ms;
  FaultSpec b = a;
  b.delay = 200ms;
  s.add(a, kT0);
  s.add(b, kT0);
  const auto* found = s.frame_fault(K::kDelay, "bus1", 1, kT0, true);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->spec.delay, 100ms);
}

// The frames a probability picks depend only on the seed, the fault's id and the frame count.
TEST(simFaultSchedule, ProbabilityDrawsAreSeededAndCountEachFrame) {
  const auto draws = [](std::uint64_t seed) {
    FaultSchedule s;
    FaultSpec f = fault(K::kDropRequest, "bus1", 0, kT0, 0ms);
    f.probability_permille = 300;
    f.seed = seed;
    s.add(f, kT0);
    std::string hits;
    for (int i = 0; i < 1000; ++i)
      hits += s.frame_fault(K::kDropRequest, "bus1", 1, kT0, true) != nullptr ? '1' : '0';
    EXPECT_EQ(s.entries()[0].frames, 1000u);
    return hits;
  };
  const std::string a = draws(7);
  EXPECT_EQ(a, draws(7));
  EXPECT_NE(a, draws(8));
  const auto n = std::count(a.begin(), a.end(), '1');
  EXPECT_GT(n, 230);
  EXPECT_LT(n, 370);
}

TEST(simFaultSchedule, ACertainFaultNeedsNoDrawAndANeverFaultNeverFires) {
  FaultSchedule s;
  FaultSpec never = fault(K::kTruncate, "bus1", 0, kT0, 0ms);
  never.probability_permille = 0;
  s.add(never, kT0);
  s.add(fault(K::kTruncate, "bus1", 0, kT0, 0ms), kT0);  // 1000 permille
  const auto* found = s.frame_fault(K::kTruncate, "bus1", 1, kT0, true);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->id, 2u);
  EXPECT_EQ(s.entries()[0].frames, 1u);  // the 0-permille fault was drawn for and missed
  EXPECT_EQ(s.entries()[1].frames, 0u);  // the certain one is not counted
}

TEST(simFaultSchedule, BoxFaultEdgesAreTakenInTimeOrderEachOnce) {
  FaultSchedule s;
  s.add(fault(K::kPowerLoss, "bus1", 4, kT0 + 10h, 1h), kT0);
  FaultSpec drift = fault(K::kClockDrift, "bus1", 4, kT0 + 10h + 30min, 2h);
  drift.drift_ppm = 50;
  s.add(drift, kT0);
  FaultSpec replaced = fault(K::kMeterReplaced, "bus1", 4, kT0 + 10h + 15min, 0ms);
  replaced.circuit = 2;
  s.add(replaced, kT0);
  s.add(fault(K::kDropReply, "bus1", 4, kT0, 0ms), kT0);  // a frame fault has no edges

  EXPECT_FALSE(s.take_edge(kT0 + 10h - 1ms, "bus1"));
  std::vector<std::pair<Millis, bool>> edges;
  std::vector<K> kinds;
  while (const auto e = s.take_edge(kT0 + 13h, "bus1")) {
    edges.emplace_back(std::chrono::duration_cast<Millis>(e->at - kT0), e->is_end);
    kinds.push_back(e->spec.kind);
  }
  const std::vector<std::pair<Millis, bool>> expected = {
      {10h, false}, {10h + 15min, false}, {10h + 30min, false}, {11h, true}, {12h + 30min, true}};
  EXPECT_EQ(edges, expected);
  EXPECT_EQ(kinds, (std::vector<K>{K::kPowerLoss, K::kMeterReplaced, K::kClockDrift, K::kPowerLoss,
                                   K::kClockDrift}));
  EXPECT_FALSE(s.take_edge(kT0 + 100h, "bus1"));
}

TEST(simFaultSchedule, EdgesOfOtherBusesWaitForTheirBusOrForAll) {
  FaultSchedule s;
  s.add(fault(K::kPowerLoss, "bus2", 0, kT0 + 1h, 0ms), kT0);
  EXPECT_FALSE(s.take_edge(kT0 + 2h, "bus1"));
  const auto e = s.take_edge(kT0 + 2h, "");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->spec.bus, "bus2");
}

TEST(simFaultSchedule, BoxEffectHoldsBetweenTheTakenEdges) {
  FaultSchedule s;
  s.add(fault(K::kPowerLoss, "bus1", 0, kT0 + 1h, 1h), kT0);  // every box of bus1
  FaultSpec drift = fault(K::kClockDrift, "bus1", 4, kT0, 0ms);
  drift.drift_ppm = 20;
  s.add(drift, kT0);
  drift.drift_ppm = -5;
  s.add(drift, kT0);

  EXPECT_TRUE(s.box_effect("bus1", 4).powered);  // nothing taken yet
  EXPECT_EQ(s.box_effect("bus1", 4).drift_ppm, 0);
  while (s.take_edge(kT0 + 1h, "bus1")) {
  }
  EXPECT_FALSE(s.box_effect("bus1", 4).powered);
  EXPECT_FALSE(s.box_effect("bus1", 5).powered);
  EXPECT_TRUE(s.box_effect("bus2", 4).powered);
  EXPECT_EQ(s.box_effect("bus1", 4).drift_ppm, 15);
  EXPECT_EQ(s.box_effect("bus1", 5).drift_ppm, 0);
  while (s.take_edge(kT0 + 2h, "bus1")) {
  }
  EXPECT_TRUE(s.box_effect("bus1", 4).powered);
  EXPECT_EQ(s.box_effect("bus1", 4).drift_ppm, 15);
}

TEST(simFaultSchedule, IdsCountUpAndAreNotReusedAfterAClear) {
  FaultSchedule s;
  EXPECT_EQ(s.add(fault(K::kNoise, "bus1", 0, kT0, 0ms), kT0), 1u);
  EXPECT_EQ(s.add(fault(K::kNoise, "bus1", 0, kT0, 0ms), kT0), 2u);
  s.clear();
  EXPECT_TRUE(s.entries().empty());
  EXPECT_EQ(s.add(fault(K::kNoise, "bus1", 0, kT0, 0ms), kT0), 3u);
}

TEST(simFaultSchedule, NoiseIsSeededAndAsLongAsAsked) {
  FaultSchedule::Entry e;
  e.spec = fault(K::kNoise, "bus1", 0, kT0, 0ms);
  e.spec.noise_bytes = 12;
  e.spec.seed = 3;
  const auto a = FaultSchedule::noise(e);
  EXPECT_EQ(a.size(), 12u);
  EXPECT_EQ(a, FaultSchedule::noise(e));
  e.frames = 1;
  EXPECT_NE(a, FaultSchedule::noise(e));
}

}  // namespace
}  // namespace phil::sim::detail
