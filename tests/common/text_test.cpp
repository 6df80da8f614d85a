// The text layer: both catalogues complete, each id's two patterns taking the same placeholders,
// and the language chosen by --lang or the locale.
#include <cstdlib>
#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include <phil/common/text.hpp>

namespace phil::text {
namespace {

std::set<std::string> placeholders(std::string_view pattern) {
  static const std::regex kField(R"(\{(\d+)[^}]*\})");
  std::set<std::string> out;
  const std::string s(pattern);
  for (auto it = std::sregex_iterator(s.begin(), s.end(), kField); it != std::sregex_iterator();
       ++it) {
    out.insert((*it)[1].str());
  }
  return out;
}

TEST(TextCatalogues, EveryIdHasAnEnglishAndAChinesePatternWithTheSamePlaceholders) {
  for (int i = 0; i < static_cast<int>(Id::kEnd); ++i) {
    const auto id = static_cast<Id>(i);
    const auto en = pattern(id, Lang::kEn);
    const auto zh = pattern(id, Lang::kZhCN);
    EXPECT_FALSE(en.empty() || en == "?") << "id " << i << " has no English pattern";
    EXPECT_FALSE(zh.empty() || zh == "?") << "id " << i << " has no zh_CN pattern";
    EXPECT_NE(en, zh) << "id " << i << ": the zh_CN pattern is the English one";
    EXPECT_EQ(placeholders(en), placeholders(zh)) << "id " << i << ": " << en << " | " << zh;
  }
}

TEST(TextCatalogues, FormatUsesTheLanguageInUse) {
  const auto before = language();
  set_language(Lang::kZhCN);
  EXPECT_EQ(format(Id::kReportWritten, "a.json"), "报告：a.json");
  EXPECT_EQ(format_in(Lang::kEn, Id::kReportWritten, "a.json"), "report: a.json");
  set_language(Lang::kEn);
  EXPECT_EQ(format(Id::kReportWritten, "a.json"), "report: a.json");
  set_language(before);
}

TEST(TextLanguage, NamesAndLocalesAreRecognised) {
  EXPECT_EQ(parse_lang("zh_CN"), Lang::kZhCN);
  EXPECT_EQ(parse_lang("zh_CN.UTF-8"), Lang::kZhCN);
  EXPECT_EQ(parse_lang("zh-CN"), Lang::kZhCN);
  EXPECT_EQ(parse_lang("zh"), Lang::kZhCN);
  EXPECT_EQ(parse_lang("en"), Lang::kEn);
  EXPECT_EQ(parse_lang("en_US.UTF-8"), Lang::kEn);
  EXPECT_EQ(parse_lang("C.UTF-8"), Lang::kEn);
  EXPECT_EQ(parse_lang("POSIX"), Lang::kEn);
  EXPECT_EQ(parse_lang("fr_FR"), std::nullopt);
  EXPECT_EQ(parse_lang("zhx"), std::nullopt);
  EXPECT_EQ(parse_lang(""), std::nullopt);
  EXPECT_EQ(to_string(Lang::kZhCN), "zh_CN");
  EXPECT_EQ(parse_lang(to_string(Lang::kEn)), Lang::kEn);
}

class Environment {
 public:
  Environment() {
    for (const char* name : kNames) {
      const char* v = std::getenv(name);
      saved_.emplace_back(v == nullptr ? std::nullopt : std::optional<std::string>(v));
      ::unsetenv(name);
    }
  }
  ~Environment() {
    for (std::size_t i = 0; i < std::size(kNames); ++i) {
      if (saved_[i]) {
        ::setenv(kNames[i], saved_[i]->c_str(), 1);
      } else {
        ::unsetenv(kNames[i]);
      }
    }
  }
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

 private:
  static constexpr const char* kNames[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
  std::vector<std::optional<std::string>> saved_;
};

TEST(TextLanguage, TheLocaleDecidesInPosixOrder) {
  const Environment env;
  EXPECT_EQ(lang_from_environment(), Lang::kEn);
  ::setenv("LANG", "zh_CN.UTF-8", 1);
  EXPECT_EQ(lang_from_environment(), Lang::kZhCN);
  ::setenv("LC_MESSAGES", "en_US.UTF-8", 1);
  EXPECT_EQ(lang_from_environment(), Lang::kEn);
  ::setenv("LC_ALL", "zh_CN.GB18030", 1);
  EXPECT_EQ(lang_from_environment(), Lang::kZhCN);
  ::setenv("LC_ALL", "", 1);  // empty: not set
  EXPECT_EQ(lang_from_environment(), Lang::kEn);
  ::setenv("LC_MESSAGES", "de_DE.UTF-8", 1);  // a language without a catalogue: English
  EXPECT_EQ(lang_from_environment(), Lang::kEn);
}

}  // namespace
}  // namespace phil::text
