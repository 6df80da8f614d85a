#pragma once
// The simulator's own decoder of device profiles (profiles/*.yaml, schema in
// profiles/README.md). The billing system decodes the same files with code of its own: nothing
// here is shared with system/, so a mismatch shows up as it would with a real meter.
//
// Decoding is strict: unknown keys, wrong types, out-of-range values, unknown register names,
// scales that are not powers of ten, overlapping registers (circuit registers are checked for
// every circuit of every model), non-adjacent credit registers and a profile of kind
// energy_only with a prepaid register (or without energy_total) are all yaml::ConfigError with
// file:line:col and the key path.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <phil/common/device_models.hpp>
#include <phil/common/time.hpp>
#include <phil/common/yaml.hpp>

namespace phil::sim {

enum class RegType : std::uint8_t { kU16, kI16, kU32, kI32, kBcd, kRaw };
enum class Access : std::uint8_t { kR, kRW, kW };
enum class WordOrder : std::uint8_t { kHighFirst, kLowFirst };

struct Register {
  std::string name;           ///< canonical name (DESIGN.md), e.g. "energy_total"
  std::uint16_t address = 0;  ///< box: the address; circuit: the base (circuit 1's address)
  std::uint16_t stride = 0;   ///< circuit registers: distance between circuits; box: 0
  RegType type = RegType::kU16;
  int words = 1;  ///< 1..64
  WordOrder word_order = WordOrder::kHighFirst;
  int scale_exp = 0;  ///< raw x 10^scale_exp = value in `unit` (0.01 -> -2)
  std::string unit;   ///< "" if none
  Access access = Access::kR;
  std::string enum_name;   ///< "" or a key of Profile::enums
  std::string flags_name;  ///< "" or a key of Profile::flags
  /// Register key `phases`: 0 (key absent) = on every model; 1 or 3 = only on models with that
  /// many phases (the per-phase registers `voltage_a` ... `power_c` say 3).
  int phases = 0;
  yaml::Mark mark;       ///< where the register is defined (for later messages)
  std::string key_path;  ///< its key path, e.g. "circuit[3]"

  bool readable() const { return access != Access::kW; }
  bool writable() const { return access != Access::kR; }
  /// First address of this register for circuit `n` (1-based); the address for box registers.
  std::uint32_t address_of(int n) const {
    return address + static_cast<std::uint32_t>(n - 1) * stride;
  }
};

struct ModelInfo {
  std::string name;        ///< e.g. "adf300l-iii"
  std::uint16_t code = 0;  ///< value of the `model` register
  int circuits = 1;        ///< 1..64
  int phases = 1;          ///< 1 or 3
};

/// Bus timing of the device: profile key `timing`, optional, each field optional.
struct Timing {
  /// `timing.response_timeout` (10ms..60s): longest a master should wait for a reply.
  std::optional<Millis> response_timeout;
  /// `timing.turnaround` (0ms..10s): silence after a broadcast write before the next request.
  std::optional<Millis> turnaround;
};

/// Whether circuit register `r` exists on model `m` (its `phases`, if any, match the model's).
inline bool has_register(const ModelInfo& m, const Register& r) {
  return r.phases == 0 || r.phases == m.phases;
}

/// What a device family is (profile key `kind`): a prepaid meter (the default; the ADF300
/// boxes) or a plain energy meter that only meters (`energy_only`: no balance, relay, mode,
/// status, credit, debit, threshold or price register; energy_total required).
enum class Kind : std::uint8_t { kPrepaid, kEnergyOnly };

/// The circuit registers of a prepaid meter that a profile of kind energy_only must not have.
const std::vector<std::string_view>& prepaid_register_names();

struct Profile {
  std::string id;              ///< e.g. "adf300l"
  Kind kind = Kind::kPrepaid;  ///< `kind`; absent: prepaid
  std::string description;
  std::string source;  ///< the file it was read from
  WordOrder word_order = WordOrder::kHighFirst;
  int max_read = 125;   ///< 1..125
  int max_write = 123;  ///< 1..123
  std::vector<ModelInfo> models;
  std::map<std::string, std::map<std::string, std::uint16_t>> enums;  ///< name -> label -> value
  std::map<std::string, std::map<std::string, int>> flags;            ///< name -> label -> bit
  std::vector<Register> box;
  std::vector<Register> circuit;
  Timing timing;  ///< `timing`; fields absent from the file are nullopt

  /// True for a plain energy meter (kind energy_only): its circuits have no relay and no money.
  bool energy_only() const { return kind == Kind::kEnergyOnly; }
  const ModelInfo* find_model(std::string_view name) const;
  const Register* find_box_register(std::string_view name) const;
  const Register* find_circuit_register(std::string_view name) const;
  /// Circuits of the largest model.
  int max_circuits() const;
  /// The circuit registers model `m` has, in file order.
  std::vector<const Register*> circuit_registers(const ModelInfo& m) const;
  /// Circuit register `name` if model `m` has it; nullptr otherwise.
  const Register* find_circuit_register(const ModelInfo& m, std::string_view name) const;
};

/// The box-level and circuit-level register names the simulator knows how to serve.
const std::vector<std::string_view>& box_register_names();
const std::vector<std::string_view>& circuit_register_names();

/// Decodes a profile document. Throws yaml::ConfigError.
Profile parse_profile(const yaml::Node& root, std::string source);
/// Reads and decodes one profile file. Throws yaml::ConfigError.
Profile load_profile_file(const std::string& path);
/// Every *.yaml file of `dir`, by profile id. Throws yaml::ConfigError if the directory cannot be
/// read, has no profile, a file is invalid, or two files declare the same id.
std::map<std::string, Profile> load_profiles_dir(const std::string& dir);

/// The register map of `model` as CSV, one line per register and circuit the model has, header
/// `name,address,words,type,scale,unit,access`: box registers by name, circuit registers as
/// `cN.name` (N from 1), addresses in decimal (what mbpoll and pymodbus take), scale as exact
/// decimal text (`0.01`, `1`, `100`). Sorted by address. What `adf300-sim --dump-map` prints.
std::string register_map_csv(const Profile& profile, const ModelInfo& model);

/// A model and the profile that defines it.
struct ModelRef {
  const Profile* profile = nullptr;
  const ModelInfo* model = nullptr;
};
/// Looks `model_name` up in every profile; nullopt if no profile defines it.
std::optional<ModelRef> find_model(const std::map<std::string, Profile>& profiles,
                                   std::string_view model_name);
/// Every model of every profile with its circuit count, for the shared model/circuit rule
/// (phil/common/device_models.hpp).
std::vector<devices::ModelCircuits> model_circuits(const std::map<std::string, Profile>& profiles);

}  // namespace phil::sim
