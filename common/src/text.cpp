#include <phil/common/text.hpp>

namespace phil::text {

std::string_view pattern(Id id) {
  switch (id) {
    case Id::kYamlSyntax:
      return "YAML syntax error: {0}. Fix the syntax at this position";
    case Id::kYamlUnknownKey:
      return "unknown key \"{0}\"; allowed here: {1}. Remove it or correct its spelling";
    case Id::kYamlMissingKey:
      return "missing required key \"{0}\". Add it";
    case Id::kYamlWrongType:
      return "expected {0}, got {1}. Correct the value";
    case Id::kYamlOutOfRange:
      return "value {0} is out of range [{1}, {2}]. Use a value in the range";
    case Id::kYamlBadValue:
      return "invalid value \"{0}\"; expected {1}";
    case Id::kYamlCannotOpen:
      return "cannot read the file ({0}). Check the path";
    case Id::kYamlDuplicate:
      return "duplicate {0}. Keep only one";
    case Id::kYamlSeveralDocuments:
      return "a second YAML document starts at line {0}; one document per file is read. Remove "
             "it (and its '---') or put it in a file of its own";
    case Id::kYamlNotText:
      return "this is not a text file ({0} at line {1}, column {2}); a YAML file is expected. "
             "Check that the path names the right file";
    case Id::kTextInvalidUtf8:
      return "byte 0x{0} that is not UTF-8";
    case Id::kTextControlChar:
      return "control character U+{0}";
    case Id::kUnknownModel:
      return "unknown model \"{0}\"; the profiles define: {1}. Correct the model name";
    case Id::kCircuitOutOfModel:
      return "circuit {0} does not exist on model {1} (circuits 1..{2}). Use a circuit in range";
    case Id::kNoProfiles:
      return "no profile (*.yaml) found in {0}. Point --profiles at the profiles directory";
    case Id::kCannotReadDir:
      return "cannot read the directory ({0}). Check the path";
    case Id::kScenarioPassed:
      return "PASS";
    case Id::kScenarioFailed:
      return "FAIL";
    case Id::kReportWritten:
      return "report: {0}";
  }
  return "?";
}

}  // namespace phil::text
