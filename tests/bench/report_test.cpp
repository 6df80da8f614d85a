#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <phil/bench/report.hpp>

using ::testing::HasSubstr;

namespace {

std::vector<phil::bench::ScenarioResult> sample() {
  phil::bench::ScenarioResult ok;
  ok.id = "arrears/a";
  ok.passed = true;
  phil::bench::ScenarioResult bad;
  bad.id = "arrears/b<&>";
  bad.passed = false;
  bad.failure = "b.yaml:3:5: expect relay \"closed\"";
  phil::bench::StepOutcome s;
  s.text = "expect relay(bus1/1/1) closed";
  s.detail = "relay open";
  bad.steps.push_back(s);
  return {ok, bad};
}

}  // namespace

TEST(Report, JunitCountsFailuresAndEscapesText) {
  const auto xml = phil::bench::to_junit(sample());
  EXPECT_THAT(xml, HasSubstr("tests=\"2\" failures=\"1\""));
  EXPECT_THAT(xml, HasSubstr("name=\"arrears/b&lt;&amp;&gt;\""));
  EXPECT_THAT(xml, HasSubstr("<failure message=\"b.yaml:3:5: expect relay &quot;closed&quot;\">"));
}

TEST(Report, TableEndsWithThePassedFailedLine) {
  std::ostringstream out;
  phil::bench::print_table(out, sample());
  EXPECT_THAT(out.str(), HasSubstr("1 passed, 1 failed"));
  EXPECT_THAT(out.str(), HasSubstr("b.yaml:3:5"));
}

TEST(Report, JsonAndMarkdownCarryEveryStep) {
  EXPECT_THAT(phil::bench::to_json(sample()), HasSubstr("\"detail\": \"relay open\""));
  EXPECT_THAT(phil::bench::to_markdown(sample()), HasSubstr("relay open"));
}

TEST(Report, XmlEscapeRemovesControlCharacters) {
  EXPECT_EQ(phil::bench::xml_escape(std::string("a\x01") + "b"), "a?b");
}
