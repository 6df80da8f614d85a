#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <phil/common/yaml.hpp>

using phil::yaml::ConfigError;
using phil::yaml::Document;
using phil::yaml::Map;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

/// Runs `f`, expecting a ConfigError, and returns it.
template <typename F>
ConfigError expect_error(F f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "no ConfigError thrown";
  return ConfigError({}, "", "");
}

}  // namespace

TEST(StrictYaml, SyntaxErrorNamesFileLineAndColumn) {
  const auto e = expect_error([] { Document::load_string("a: 1\nb: [1, 2\n", "site.yaml"); });
  EXPECT_EQ(e.mark().file, "site.yaml");
  EXPECT_GE(e.mark().line, 2);
  EXPECT_THAT(e.what(), HasSubstr("site.yaml:"));
  EXPECT_THAT(e.what(), HasSubstr("YAML syntax error"));
}

TEST(StrictYaml, UnknownKeyIsRejectedWithItsLocationAndTheAllowedKeys) {
  auto doc = Document::load_string("name: x\nbuad: 9600\n", "fleet.yaml");
  Map m(doc.root());
  (void)m.required("name");
  (void)m.optional("baud");
  const auto e = expect_error([&] { m.finish(); });
  EXPECT_EQ(e.key_path(), "buad");
  EXPECT_EQ(e.mark().line, 2);
  EXPECT_EQ(e.mark().column, 1);
  EXPECT_THAT(e.what(), HasSubstr("fleet.yaml:2:1: buad: unknown key"));
  EXPECT_THAT(e.what(), HasSubstr("allowed here: name, baud"));
}

TEST(StrictYaml, WrongTypeNamesTheKeyPathAndWhatWasExpected) {
  auto doc = Document::load_string("buses:\n  - id: bus1\n    baud: fast\n", "f.yaml");
  Map top(doc.root());
  const auto buses = top.required("buses").elements();
  Map bus(buses.at(0));
  const auto e = expect_error([&] { (void)bus.required("baud").as_int(1200, 115200); });
  EXPECT_EQ(e.key_path(), "buses[0].baud");
  EXPECT_EQ(e.mark().line, 3);
  EXPECT_EQ(e.mark().column, 11);
  EXPECT_THAT(e.what(), HasSubstr("expected an integer, got \"fast\""));
}

TEST(StrictYaml, DurationOutsideItsRangeIsRejectedWithBothBounds) {
  auto doc = Document::load_string("timeout: 90s\nshort: 5ms\n", "f.yaml");
  Map m(doc.root());
  const auto e = expect_error(
      [&] { (void)m.required("timeout").as_duration(phil::Millis(10), phil::Millis(60'000)); });
  EXPECT_EQ(e.mark().line, 1);
  EXPECT_THAT(e.what(), HasSubstr("value 1m30s is out of range [10ms, 1m]"));
  EXPECT_EQ(m.required("short").as_duration(phil::Millis(0), phil::Millis(10)), phil::Millis(5));
}

TEST(StrictYaml, OutOfRangeIntegerIsRejected) {
  auto doc = Document::load_string("address: 300\n", "f.yaml");
  Map m(doc.root());
  const auto e = expect_error([&] { (void)m.required("address").as_int(1, 247); });
  EXPECT_THAT(e.what(), HasSubstr("out of range [1, 247]"));
}

TEST(StrictYaml, HexIntegersAreAccepted) {
  auto doc = Document::load_string("address: 0x1000\n", "f.yaml");
  Map m(doc.root());
  EXPECT_EQ(m.required("address").as_int(0, 65535), 0x1000);
}

TEST(StrictYaml, MissingKeyIsNamed) {
  auto doc = Document::load_string("a: 1\n", "f.yaml");
  Map m(doc.root());
  const auto e = expect_error([&] { (void)m.required("name"); });
  EXPECT_THAT(e.what(), HasSubstr("missing required key \"name\""));
}

TEST(StrictYaml, DuplicateKeyIsAnError) {
  auto doc = Document::load_string("a: 1\na: 2\n", "f.yaml");
  const auto e = expect_error([&] { Map m(doc.root()); });
  EXPECT_THAT(e.what(), HasSubstr("duplicate key \"a\""));
  EXPECT_EQ(e.mark().line, 2);
}

TEST(StrictYaml, DecimalsAreExactAndExtraDigitsAreRejected) {
  auto doc = Document::load_string("a: 20.00\nb: 0.005\n", "f.yaml");
  Map m(doc.root());
  EXPECT_EQ(m.required("a").as_decimal(2), 2000);
  const auto e = expect_error([&] { (void)m.required("b").as_decimal(2); });
  EXPECT_THAT(e.what(), HasSubstr("at most 2 digits"));
}

TEST(StrictYaml, ChoiceListsTheAllowedValues) {
  auto doc = Document::load_string("mode: off\n", "f.yaml");
  Map m(doc.root());
  const auto e = expect_error([&] {
    (void)m.required("mode").as_choice({"prepaid", "keep_power", "forced_off"});
  });
  EXPECT_THAT(e.what(), HasSubstr("one of: prepaid, keep_power, forced_off"));
}

TEST(StrictYaml, MissingFileIsAClearError) {
  const auto e = expect_error([] { Document::load_file("/nonexistent/x.yaml"); });
  EXPECT_THAT(e.what(), HasSubstr("/nonexistent/x.yaml"));
  EXPECT_THAT(e.what(), HasSubstr("cannot read"));
}

TEST(StrictYaml, ASecondDocumentIsRefusedNamingTheLineOfItsMarker) {
  const auto e =
      expect_error([] { Document::load_string("# site\na: 1\n---\nb: 2\n", "site.yaml"); });
  EXPECT_THAT(e.what(), HasSubstr("site.yaml:3:1"));
  EXPECT_THAT(e.what(), HasSubstr("second YAML document starts at line 3"));
}

TEST(StrictYaml, AnEmptySecondDocumentIsRefusedToo) {
  const auto e = expect_error([] { Document::load_string("a: 1\n---\n", "f.yaml"); });
  EXPECT_THAT(e.what(), HasSubstr("f.yaml:2:1"));
}

// yaml-cpp 0.7's LoadAll never returns on this input (it adds a null document per turn until
// memory runs out); the fuzzer found it with a scenario whose comment lost its '#'.
TEST(StrictYaml, ATokenTheParserCannotPlaceIsASyntaxErrorNotAHang) {
  const auto e = expect_error([] { Document::load_string("\n,\n", "f.yaml"); });
  EXPECT_THAT(e.what(), HasSubstr("f.yaml:2:1"));
  EXPECT_THAT(e.what(), HasSubstr("YAML syntax"));
}

TEST(StrictYaml, OneDocumentWithAnExplicitStartOrEndIsRead) {
  auto doc = Document::load_string("%YAML 1.2\n---\na: 7\n...\n", "f.yaml");
  Map m(doc.root());
  EXPECT_EQ(m.required("a").as_int(0, 10), 7);
  auto empty = Document::load_string("", "empty.yaml");
  EXPECT_TRUE(empty.root().is_null());
}

TEST(StrictYaml, BinaryBytesAreReportedAsNotTextWithTheirPosition) {
  const std::string bytes = std::string("a: 1\nb: \"x\\") + '\xFF' + "\"\n";
  const auto e = expect_error([&] { Document::load_string(bytes, "blob.yaml"); });
  EXPECT_THAT(e.what(), HasSubstr("not a text file"));
  EXPECT_THAT(e.what(), HasSubstr("byte 0xFF"));
  EXPECT_THAT(e.what(), HasSubstr("line 2, column 7"));
  EXPECT_THAT(e.what(), Not(HasSubstr("escape")));
}

TEST(StrictYaml, AControlCharacterMakesAFileNotText) {
  const auto e = expect_error([] { Document::load_string("a: \x1b[31mred\n", "f.yaml"); });
  EXPECT_THAT(e.what(), HasSubstr("control character U+001B"));
}

TEST(StrictYaml, Utf8TextWithTabsAndCrLfIsText) {
  auto doc = Document::load_string("\xEF\xBB\xBFname: \"\xE4\xB8\x80\xE5\x8F\xB7\xE6\xA5\xBC\"\r\n",
                                   "zh.yaml");
  Map m(doc.root());
  EXPECT_EQ(m.required("name").as_string(), "\xE4\xB8\x80\xE5\x8F\xB7\xE6\xA5\xBC");
}
