// The box-model rule and the profiles folder both sides read (phil/common/device_models.hpp).
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <phil/common/device_models.hpp>
#include <phil/common/yaml.hpp>

namespace phil::devices {
namespace {

using ::testing::HasSubstr;

/// A fresh empty folder under the system's temporary directory, removed at the end.
class Folder {
 public:
  Folder() {
    path_ = std::filesystem::temp_directory_path() /
            ("phil-models-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
             "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~Folder() { std::filesystem::remove_all(path_); }
  Folder(const Folder&) = delete;
  Folder& operator=(const Folder&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

std::string error_of(const std::string& dir) {
  try {
    profile_files(dir);
  } catch (const yaml::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ProfileFiles, AreTheFoldersYamlFilesSortedByNameAndNothingElse) {
  Folder f;
  for (const auto* name : {"b.yaml", "a.yaml", "notes.txt", "c.yaml.bak"})
    std::ofstream(f.file(name)) << "x: 1\n";
  std::filesystem::create_directories(f.file("dir.yaml"));
  EXPECT_EQ(profile_files(f.path()),
            (std::vector<std::string>{f.file("a.yaml"), f.file("b.yaml")}));
}

TEST(ProfileFiles, AFolderWithoutProfilesIsAConfigurationErrorSayingWhereToPoint) {
  Folder f;
  std::ofstream(f.file("readme.txt")) << "no profiles\n";
  EXPECT_THAT(error_of(f.path()), HasSubstr("no profile (*.yaml) found in " + f.path()));
  EXPECT_THAT(error_of(f.path()), HasSubstr("--profiles"));
}

TEST(ProfileFiles, AFolderThatCannotBeReadIsAConfigurationErrorNamingIt) {
  Folder f;
  const auto missing = f.file("missing");
  const auto e = error_of(missing);
  EXPECT_THAT(e, HasSubstr(missing));
  EXPECT_THAT(e, HasSubstr("cannot read the directory"));
}

TEST(ModelCircuits, ACircuitExistsFromOneToTheModelsCount) {
  const ModelCircuits m{"adf300l-iii", 36};
  EXPECT_FALSE(has_circuit(m, 0));
  EXPECT_TRUE(has_circuit(m, 1));
  EXPECT_TRUE(has_circuit(m, 36));
  EXPECT_FALSE(has_circuit(m, 37));
  const std::vector<ModelCircuits> models{m};
  EXPECT_EQ(check_model_circuit(models, "adf300l-iii", 36), std::nullopt);
  EXPECT_THAT(check_model_circuit(models, "adf300l-iii", 37).value_or(""),
              HasSubstr("circuit 37 does not exist on model adf300l-iii (circuits 1..36)"));
  EXPECT_THAT(check_model_circuit(models, "adf999").value_or(""),
              HasSubstr("unknown model \"adf999\"; the profiles define: adf300l-iii"));
}

}  // namespace
}  // namespace phil::devices
