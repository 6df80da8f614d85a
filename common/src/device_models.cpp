#include <algorithm>
#include <filesystem>

#include <phil/common/device_models.hpp>
#include <phil/common/text.hpp>
#include <phil/common/yaml.hpp>

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

bool has_circuit(const ModelCircuits& model, int circuit) {
  return circuit >= 1 && circuit <= model.circuits;
}

std::optional<std::string> check_model_circuit(std::span<const ModelCircuits> models,
                                               std::string_view model, std::optional<int> circuit) {
  const auto* m = find_model(models, model);
  if (m == nullptr) return unknown_model_message(models, model);
  if (circuit && !has_circuit(*m, *circuit)) {
    return circuit_out_of_model_message(std::to_string(*circuit), *m);
  }
  return std::nullopt;
}

std::vector<std::string> profile_files(const std::string& dir) {
  std::error_code ec;
  std::vector<std::string> files;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".yaml" && it->is_regular_file()) {
      files.push_back(it->path().string());
    }
  }
  if (ec) {
    throw yaml::ConfigError(yaml::Mark{dir, 0, 0}, "",
                            text::format(text::Id::kCannotReadDir, ec.message()));
  }
  if (files.empty()) {
    throw yaml::ConfigError(yaml::Mark{dir, 0, 0}, "", text::format(text::Id::kNoProfiles, dir));
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace phil::devices
