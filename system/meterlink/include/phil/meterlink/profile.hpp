#pragma once
// The system's own decoder of device profiles (profiles/*.yaml, schema in profiles/README.md).
// Written apart from the simulator's decoder on purpose: a mismatch between the two shows up as
// it would between a real head-end and a real meter.
//
// Decoding is strict: unknown keys, wrong types, overlapping registers, scales that are not exact
// powers of ten, unit rules (money in yuan at 0.01 or finer, energy in kWh, prices in
// yuan/kWh) and a profile of kind energy_only with a prepaid register or without energy_total
// are all errors, thrown as yaml::ConfigError with file:line:col and the key path.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <phil/common/device_models.hpp>
#include <phil/common/time.hpp>
#include <phil/common/yaml.hpp>

namespace phil::meterlink {

enum class ValueType : std::uint8_t { kU16, kI16, kU32, kI32, kBcd, kRaw };
enum class WordOrder : std::uint8_t { kHighFirst, kLowFirst };
enum class Access : std::uint8_t { kRead, kReadWrite, kWrite };

std::string_view to_string(ValueType t);

struct Register {
  std::string name;           ///< canonical name (DESIGN.md)
  std::uint16_t address = 0;  ///< box register: its address; circuit register: `base`
  std::uint16_t stride = 0;   ///< circuit register: distance between circuits; box: 0
  ValueType type = ValueType::kU16;
  int words = 1;  ///< 1..64
  WordOrder word_order = WordOrder::kHighFirst;
  int scale_exp = 0;  ///< raw x 10^scale_exp = value in `unit`
  std::string unit;   ///< "" if none
  Access access = Access::kRead;
  std::string enum_name;   ///< entry of Profile::enums, or ""
  std::string flags_name;  ///< entry of Profile::flags, or ""
  /// Register key `phases`: 0 (key absent) = present on every model; 1 or 3 = present only on
  /// models with that many phases (e.g. `voltage_a` on a three-phase model).
  int phases = 0;

  /// First register of circuit `circuit` (from 1); for a box register, `address`.
  std::uint32_t address_for(int circuit) const {
    return address + static_cast<std::uint32_t>(circuit - 1) * stride;
  }
};

struct Model {
  std::string name;  ///< e.g. "adf300l-iii"
  int code = 0;      ///< value of the box's `model` register
  int circuits = 1;  ///< 1..64
  int phases = 1;    ///< 1 or 3
};

/// Bus timing the device needs: profile key `timing` (optional, and each field in it optional).
struct Timing {
  /// `timing.response_timeout` (10ms..60s): longest wait from the end of a request to the reply.
  std::optional<Millis> response_timeout;
  /// `timing.turnaround` (0ms..10s): silence the master keeps after a broadcast write (which gets
  /// no reply) before its next request, so every box has processed the broadcast.
  std::optional<Millis> turnaround;
};

/// What a device family is (profile key `kind`, profiles/README.md): a prepaid meter (the
/// default: the ADF300 boxes the system bills and commands) or a plain energy meter
/// (`energy_only`: it meters only, so the system reads it for energy reports and never bills
/// nor commands it).
enum class MeterKind : std::uint8_t { kPrepaid, kEnergyOnly };

/// The circuit registers of a prepaid meter (money, relay, mode, status bits, counts,
/// thresholds, prices): a profile of kind energy_only has none of them.
inline constexpr std::array<std::string_view, 17> kPrepaidRegisters{"balance",
                                                                    "purchase_count",
                                                                    "purchase_amount",
                                                                    "purchase_total",
                                                                    "debit_count",
                                                                    "debit_amount",
                                                                    "debit_total",
                                                                    "relay",
                                                                    "mode",
                                                                    "status",
                                                                    "alarm1_threshold",
                                                                    "alarm2_threshold",
                                                                    "overload_threshold",
                                                                    "price_sharp",
                                                                    "price_peak",
                                                                    "price_flat",
                                                                    "price_valley"};

/// What an energy report reads of one model (Profile::metering): each register, or nullptr
/// where the profile lacks it. A profile of kind energy_only always has energy_total.
struct MeteringRegisters {
  const Register* energy_total = nullptr;
  /// energy_sharp, energy_peak, energy_flat, energy_valley (time-of-use energies), in that order.
  std::array<const Register*, 4> energy_rates{};
  const Register* voltage = nullptr;
  const Register* current = nullptr;
  const Register* power = nullptr;
  const Register* power_factor = nullptr;
  const Register* serial = nullptr;
};

struct Profile {
  std::string id;
  std::string description;
  std::string source;                    ///< the file it was decoded from (for messages)
  MeterKind kind = MeterKind::kPrepaid;  ///< `kind`; absent: prepaid
  WordOrder word_order = WordOrder::kHighFirst;
  int max_read = 125;   ///< registers per FC03 read
  int max_write = 123;  ///< registers per FC10 write
  std::vector<Model> models;
  std::map<std::string, std::map<std::string, std::uint16_t>> enums;  ///< name -> label -> value
  std::map<std::string, std::map<std::string, int>> flags;            ///< name -> label -> bit
  std::vector<Register> box;
  std::vector<Register> circuit;
  Timing timing;  ///< `timing`; fields absent from the file are nullopt

  /// True for a plain energy meter (kind energy_only): read for energy, never billed nor
  /// commanded; the ADF300 driver refuses its models.
  bool energy_only() const { return kind == MeterKind::kEnergyOnly; }
  const Model* model(std::string_view name) const;
  const Register* box_register(std::string_view name) const;
  const Register* circuit_register(std::string_view name) const;
  /// Names of the models, comma-separated (for messages).
  std::string model_names() const;
  /// Whether circuit register `r` exists on `m` (its `phases`, if any, match the model's).
  static bool has_register(const Model& m, const Register& r) {
    return r.phases == 0 || r.phases == m.phases;
  }
  /// The circuit registers that exist on `m`, in file order.
  std::vector<const Register*> circuit_registers(const Model& m) const;
  /// The circuit register `name` if it exists on `m`; nullptr otherwise.
  const Register* circuit_register(const Model& m, std::string_view name) const;
  /// The registers an energy report reads of model `m` (any kind of profile has them).
  MeteringRegisters metering(const Model& m) const;
};

/// Decodes a profile document's root. Throws yaml::ConfigError.
Profile parse_profile(const yaml::Node& root);
/// Loads and decodes one file. Throws yaml::ConfigError.
Profile load_profile_file(const std::string& path);
/// Loads `<dir>/<id>.yaml` and checks that it declares `profile: <id>`. Throws yaml::ConfigError.
Profile load_profile(const std::string& dir, const std::string& id);
/// The models of `profile` with their circuits (phil/common/device_models.hpp's rule).
std::vector<devices::ModelCircuits> model_circuits(const Profile& profile);
/// Every model of every profile (`*.yaml`) in `dir` with its circuits, for the model/circuit rule
/// of a site model import (phil/common/device_models.hpp). Throws yaml::ConfigError if the
/// folder cannot be read, holds no profile, or a profile is invalid.
std::vector<devices::ModelCircuits> load_model_circuits(const std::string& dir);

}  // namespace phil::meterlink
