#include <phil/common/device_models.hpp>
#include <phil/common/text.hpp>

namespace phil::devices {

const ModelCircuits* find_model(std::span<const ModelCircuits> models, std::string_view name) {
  for (const auto& m : models) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

std::string unknown_model_message(std::span<const ModelCircuits> models, std::string_view name) {
  std::string known;
  for (const auto& m : models)
    known += (known.empty() ? "" : ", ") + m.name;
  if (known.empty()) known = "(none)";
  return text::format(text::Id::kUnknownModel, name, known);
}

std::string circuit_out_of_model_message(std::string_view circuit, const ModelCircuits& model) {
  return text::format(text::Id::kCircuitOutOfModel, circuit, model.name, model.circuits);
}

std::optional<std::string> check_model_circuit(std::span<const ModelCircuits> models,
                                               std::string_view model, std::optional<int> circuit) {
  const auto* m = find_model(models, model);
  if (m == nullptr) return unknown_model_message(models, model);
  if (circuit && (*circuit < 1 || *circuit > m->circuits)) {
    return circuit_out_of_model_message(std::to_string(*circuit), *m);
  }
  return std::nullopt;
}

}  // namespace phil::devices
