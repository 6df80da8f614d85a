#pragma once
// DETAIL HEADER: a part of the Simulator (sim/runtime/src/simulator.cpp), public only so that its
// unit tests (tests/sim/fault_schedule_test.cpp) can reach it. Not part of the sim's contract;
// use Simulator::inject_fault() and friends.
//
// The fleet's faults over simulated time (FaultSpec in fleet.hpp): which frame fault is in force
// for a frame, the deterministic draw of a fault with a probability, the edges of the box faults
// (power loss, clock drift, meter replacement) in time order, and the supply and drift those give
// a box. PURE: no I/O and no clock; every query is given its instant.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <phil/common/time.hpp>
#include <phil/sim/fleet.hpp>

namespace phil::sim::detail {

class FaultSchedule {
 public:
  struct Entry {
    std::uint64_t id = 0;
    FaultSpec spec;            ///< its start resolved to an instant
    std::uint64_t frames = 0;  ///< frames it has been drawn for (the probability's counter)
    bool started = false;      ///< box faults: the start edge has been taken
    bool ended = false;        ///< box faults: the end edge has been taken
  };
  /// A box fault's start or end, taken once in time order (take_edge).
  struct Edge {
    TimePoint at;
    bool is_end = false;
    FaultSpec spec;
  };
  /// What the box faults in force do to one box.
  struct BoxEffect {
    bool powered = true;
    std::int64_t drift_ppm = 0;  ///< added to the box's own drift
  };

  /// Power loss, meter replacement and clock drift: they act on a box at their edges. The other
  /// kinds act on frames while in force.
  static bool is_box_fault(FaultSpec::Kind kind);

  /// Adds `spec` (a relative start counts from `now`) and returns its id: 1, 2, ... in order.
  /// Validation against the fleet (bus, box, circuit) is the caller's.
  std::uint64_t add(FaultSpec spec, TimePoint now);
  /// Forgets fault `id`; false if there is none.
  bool remove(std::uint64_t id);
  void clear();
  /// Every fault not removed (ended ones included), in the order added.
  const std::vector<Entry>& entries() const { return entries_; }

  /// The first fault (in the order added) of `kind` on `bus` in force at `t` for a frame to
  /// `address`: begun (start <= t), not over (t < start + duration, unless 0) and not ended, and
  /// for that box, for every box (its address 0), or the frame is a broadcast (`address` 0). With
  /// `draw`, each such fault is drawn for by its probability (which counts the frame for it) and
  /// the first that fires is returned. nullptr if none.
  const Entry* frame_fault(FaultSpec::Kind kind, std::string_view bus, int address, TimePoint t,
                           bool draw);

  /// Takes the earliest box-fault edge at or before `t` on `bus` (every bus if empty) that has
  /// not been taken, marks it taken and returns it; nullopt when there is none. Equal instants:
  /// the fault added first. A meter replacement ends as it starts (it happens once).
  std::optional<Edge> take_edge(TimePoint t, std::string_view bus);

  /// The effect of the box faults between their taken start and end edges on box `address` of
  /// `bus` (faults for address 0 hit every box of the bus).
  BoxEffect box_effect(std::string_view bus, int address) const;

  /// Deterministic noise for a kNoise fault: its noise_bytes bytes, seeded by the fault and the
  /// frames drawn so far.
  static std::vector<std::uint8_t> noise(const Entry& fault);

 private:
  static bool chance(Entry& f);
  std::vector<Entry> entries_;
  std::uint64_t next_id_ = 1;
};

}  // namespace phil::sim::detail
