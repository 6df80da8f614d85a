#include <algorithm>

#include <phil/sim/detail/fault_schedule.hpp>
#include <phil/sim/load.hpp>

namespace phil::sim::detail {

namespace {

std::optional<TimePoint> end_of(const FaultSpec& f) {
  if (f.duration.count() <= 0) return std::nullopt;
  return f.start + f.duration;
}

}  // namespace

bool FaultSchedule::is_box_fault(FaultSpec::Kind k) {
  return k == FaultSpec::Kind::kPowerLoss || k == FaultSpec::Kind::kMeterReplaced ||
         k == FaultSpec::Kind::kClockDrift;
}

std::uint64_t FaultSchedule::add(FaultSpec spec, TimePoint now) {
  Entry e;
  e.id = next_id_++;
  e.spec = std::move(spec);
  if (e.spec.start_relative) {
    e.spec.start = now + e.spec.start_after;
    e.spec.start_relative = false;
  }
  entries_.push_back(std::move(e));
  return entries_.back().id;
}

bool FaultSchedule::remove(std::uint64_t id) {
  const auto it =
      std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.id == id; });
  if (it == entries_.end()) return false;
  entries_.erase(it);
  return true;
}

void FaultSchedule::clear() {
  entries_.clear();
}

// A deterministic draw: the same fault (seed, id) gives the same sequence of frames hit.
bool FaultSchedule::chance(Entry& f) {
  if (f.spec.probability_permille >= 1000) return true;
  const std::uint64_t h = splitmix64(f.spec.seed ^ splitmix64(f.id) ^ splitmix64(++f.frames));
  return static_cast<int>(h % 1000) < f.spec.probability_permille;
}

const FaultSchedule::Entry* FaultSchedule::frame_fault(FaultSpec::Kind kind, std::string_view bus,
                                                       int address, TimePoint t, bool draw) {
  for (auto& f : entries_) {
    if (f.spec.kind != kind || f.ended || f.spec.bus != bus || t < f.spec.start) continue;
    if (const auto end = end_of(f.spec); end && t >= *end) continue;
    if (f.spec.address != 0 && address != 0 && f.spec.address != address) continue;
    if (!draw || chance(f)) return &f;
  }
  return nullptr;
}

std::optional<FaultSchedule::Edge> FaultSchedule::take_edge(TimePoint t, std::string_view bus) {
  Entry* next = nullptr;
  Edge edge{TimePoint::max(), false, {}};
  for (auto& f : entries_) {
    if (!is_box_fault(f.spec.kind) || f.ended) continue;
    if (!bus.empty() && f.spec.bus != bus) continue;
    if (!f.started && f.spec.start <= t && f.spec.start < edge.at) {
      next = &f;
      edge.at = f.spec.start;
      edge.is_end = false;
    } else if (f.started && f.spec.kind != FaultSpec::Kind::kMeterReplaced) {
      const auto end = end_of(f.spec);
      if (end && *end <= t && *end < edge.at) {
        next = &f;
        edge.at = *end;
        edge.is_end = true;
      }
    }
  }
  if (next == nullptr) return std::nullopt;
  if (edge.is_end) {
    next->ended = true;
  } else {
    next->started = true;
    if (next->spec.kind == FaultSpec::Kind::kMeterReplaced) next->ended = true;
  }
  edge.spec = next->spec;
  return edge;
}

FaultSchedule::BoxEffect FaultSchedule::box_effect(std::string_view bus, int address) const {
  BoxEffect effect;
  for (const auto& f : entries_) {
    if (!f.started || f.ended || f.spec.bus != bus) continue;
    if (f.spec.address != 0 && f.spec.address != address) continue;
    if (f.spec.kind == FaultSpec::Kind::kPowerLoss) effect.powered = false;
    if (f.spec.kind == FaultSpec::Kind::kClockDrift) effect.drift_ppm += f.spec.drift_ppm;
  }
  return effect;
}

std::vector<std::uint8_t> FaultSchedule::noise(const Entry& fault) {
  std::vector<std::uint8_t> bytes;
  std::uint64_t h = splitmix64(fault.spec.seed ^ fault.frames);
  for (int i = 0; i < fault.spec.noise_bytes; ++i) {
    h = splitmix64(h);
    bytes.push_back(static_cast<std::uint8_t>(h & 0xFF));
  }
  return bytes;
}

}  // namespace phil::sim::detail
