// The two independent profile decoders (sim's and system's) read the repository's profile alike:
// for every model, the same circuit registers at the same addresses, words and types, and the
// same timing. A test may link both sides; the decoders themselves share nothing.
#include <set>
#include <string>
#include <tuple>

#include <gtest/gtest.h>

#include <phil/meterlink/profile.hpp>
#include <phil/sim/profile.hpp>

#include "sim_test_support.hpp"

namespace phil {
namespace {

using Row = std::tuple<std::string, std::uint32_t, int, int>;  // name, address of c1, words, phases

std::set<Row> sim_rows(const sim::Profile& p, const sim::ModelInfo& m) {
  std::set<Row> out;
  for (const sim::Register* r : p.circuit_registers(m)) {
    out.emplace(r->name, r->address_of(m.circuits), r->words, r->phases);
  }
  return out;
}

std::set<Row> system_rows(const meterlink::Profile& p, const meterlink::Model& m) {
  std::set<Row> out;
  for (const meterlink::Register* r : p.circuit_registers(m)) {
    out.emplace(r->name, r->address_for(m.circuits), r->words, r->phases);
  }
  return out;
}

TEST(simThreePhaseDecodersAgree, EveryModelHasTheSameCircuitRegistersInBothDecoders) {
  const std::string dir = sim::testing::profiles_dir();
  const sim::Profile s = sim::load_profile_file(dir + "/adf300l.yaml");
  const meterlink::Profile y = meterlink::load_profile(dir, "adf300l");
  ASSERT_EQ(s.models.size(), y.models.size());
  for (const auto& sm : s.models) {
    const meterlink::Model* ym = y.model(sm.name);
    ASSERT_NE(ym, nullptr) << sm.name;
    EXPECT_EQ(ym->phases, sm.phases) << sm.name;
    EXPECT_EQ(ym->circuits, sm.circuits) << sm.name;
    EXPECT_EQ(sim_rows(s, sm), system_rows(y, *ym)) << sm.name;
  }
  // The three-phase model has the nine per-phase registers more than a single-phase one.
  EXPECT_EQ(sim_rows(s, *s.find_model("adf300l-3p")).size(),
            sim_rows(s, *s.find_model("adf300l-i")).size() + 9);
}

TEST(simThreePhaseDecodersAgree, BothDecodersReadTheSameTiming) {
  const std::string dir = sim::testing::profiles_dir();
  const sim::Profile s = sim::load_profile_file(dir + "/adf300l.yaml");
  const meterlink::Profile y = meterlink::load_profile(dir, "adf300l");
  EXPECT_EQ(s.timing.response_timeout, y.timing.response_timeout);
  EXPECT_EQ(s.timing.turnaround, y.timing.turnaround);
  EXPECT_TRUE(y.timing.response_timeout.has_value());
}

}  // namespace
}  // namespace phil
