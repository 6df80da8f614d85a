#pragma once
// The one rule for "does this box model exist, and this circuit on it", which the site file, the
// site model an operator imports and the fleet file all apply, so a site the system accepts is
// one the virtual fleet and the real boxes have (an import used to take model adf999 and circuit
// 37 on a 36-circuit box, which the other two refused). Each side reads its own device profiles
// and hands over the models' names and circuit counts; messages come from phil::text.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace phil::devices {

/// A box model as the device profiles define it.
struct ModelCircuits {
  std::string name;  ///< e.g. "adf300l-iii"
  int circuits = 1;  ///< circuits 1..circuits exist on it
  /// Its profile says it only meters (a plain energy meter, `kind: energy_only`): its meters are
  /// read for energy reports, so a site model may list its box and meters but no account on it.
  bool metering_only = false;
};

/// The model named `name` among `models`, or nullptr.
const ModelCircuits* find_model(std::span<const ModelCircuits> models, std::string_view name);

/// "unknown model "adf999"; the profiles define: a, b. Correct the model name".
std::string unknown_model_message(std::span<const ModelCircuits> models, std::string_view name);

/// "circuit 37 does not exist on model adf300l-iii (circuits 1..36). Use a circuit in range";
/// `circuit` as the user typed it (a file's key may not even be a number).
std::string circuit_out_of_model_message(std::string_view circuit, const ModelCircuits& model);

/// True if `circuit` is 1..model.circuits.
bool has_circuit(const ModelCircuits& model, int circuit);

/// Nothing if `model` is one of `models` and, when given, `circuit` is 1..its circuits;
/// otherwise one of the two messages above.
std::optional<std::string> check_model_circuit(std::span<const ModelCircuits> models,
                                               std::string_view model,
                                               std::optional<int> circuit = std::nullopt);

/// The device profile files of a profiles folder, both sides read: its regular `*.yaml` files,
/// sorted by name. Throws yaml::ConfigError at `dir` if the folder cannot be read or holds none.
std::vector<std::string> profile_files(const std::string& dir);

}  // namespace phil::devices
