// Speed and size of the virtual fleet's model: circuit-steps per second on one core (target
// >= 10 million), register reads of a box's measurement block, and bytes per circuit.
// items_per_second is circuit-steps (or register blocks) per second.
#include <vector>

#include <benchmark/benchmark.h>

#include <phil/sim/box.hpp>
#include <phil/sim/circuit_model.hpp>
#include <phil/sim/profile.hpp>

namespace {

using phil::sim::CircuitModel;
using phil::sim::CircuitSpec;
using phil::sim::LoadSpec;

constexpr std::chrono::minutes kChina{480};
const phil::TimePoint kStart{phil::Millis(1'772'294'400'000)};  // 2026-03-01T00:00:00+08:00

phil::sim::TouSchedule tou() {
  phil::sim::TouSchedule t;
  t.count = 4;
  t.periods[0] = {0, phil::sim::Rate::kValley};
  t.periods[1] = {8 * 60, phil::sim::Rate::kFlat};
  t.periods[2] = {18 * 60, phil::sim::Rate::kPeak};
  t.periods[3] = {22 * 60, phil::sim::Rate::kFlat};
  return t;
}

std::vector<CircuitModel> fleet(std::size_t n, LoadSpec::Kind kind) {
  std::vector<CircuitModel> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    CircuitSpec s;
    s.load.kind = kind;
    s.load.curve = "residential";
    s.load.power_w = 1000 + static_cast<std::int64_t>(i % 2000);
    s.load.seed = i;
    s.balance_fen = 100'000'000;  // never trips: every step does the full work
    out.emplace_back(s, kStart, kChina);
    out.back().set_tou(tou());
  }
  return out;
}

// 1 s steps of many circuits: what a real-time fleet does every second.
void BM_CircuitStep1s(benchmark::State& state, LoadSpec::Kind kind) {
  auto circuits = fleet(static_cast<std::size_t>(state.range(0)), kind);
  phil::TimePoint t = kStart;
  for (auto _ : state) {
    t += phil::Millis(1000);
    for (auto& c : circuits)
      c.advance_to(t);
    benchmark::DoNotOptimize(circuits.front().energy_wh());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["bytes_per_circuit"] = static_cast<double>(sizeof(CircuitModel));
}
BENCHMARK_CAPTURE(BM_CircuitStep1s, daily, LoadSpec::Kind::kDaily)->Arg(68'400);
BENCHMARK_CAPTURE(BM_CircuitStep1s, constant, LoadSpec::Kind::kConstant)->Arg(68'400);

// One FC03 read of a circuit's 25-word measurement block, encoded from the model.
void BM_BoxReadMeasurementBlock(benchmark::State& state) {
  const auto profiles = phil::sim::load_profiles_dir(PHIL_SOURCE_DIR "/profiles");
  const auto& p = profiles.at("adf300l");
  phil::sim::BoxSpec spec;
  spec.model = "adf300l-iii";
  phil::sim::Box box(p, *p.find_model(spec.model), spec, 9600, kStart, kChina, 300'001'001'000);
  std::uint16_t circuit = 0;
  for (auto _ : state) {
    const auto start = static_cast<std::uint16_t>(0x1000 + 0x20 * circuit);
    benchmark::DoNotOptimize(box.read(start, 25));
    circuit = static_cast<std::uint16_t>((circuit + 1) % 36);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BoxReadMeasurementBlock);

}  // namespace
