#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <phil/common/decimal.hpp>
#include <phil/common/text.hpp>
#include <phil/common/utf8.hpp>
#include <phil/common/yaml.hpp>

namespace phil::yaml {

namespace {

Mark to_mark(const std::string& file, const YAML::Mark& m) {
  if (m.is_null() || m.line < 0) return Mark{file, 0, 0};
  return Mark{file, m.line + 1, m.column + 1};
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

std::string child_path(const std::string& parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return parent + "." + std::string(key);
}

/// The line of the '---' that starts the second document of `text` (the first one after some
/// content of the first), or `fallback` if there is none (a document begun after a '...').
int second_document_line(std::string_view text, int fallback) {
  bool content = false;
  int line = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto end = std::min(text.find('\n', pos), text.size());
    const auto l = text.substr(pos, end - pos);
    ++line;
    const bool marker = l.substr(0, 3) == "---" && (l.size() == 3 || l[3] == ' ' || l[3] == '\r');
    if (marker && content) return line;
    const auto first = l.find_first_not_of(" \t\r");
    if (!marker && first != std::string_view::npos && l[first] != '#' && l[first] != '%') {
      content = true;
    }
    pos = end + 1;
  }
  return fallback;
}

/// Records where each document starts and nothing else.
class DocumentStarts final : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;
  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

/// Where the second document of `text` starts, if there is one. Not YAML::LoadAll: in yaml-cpp
/// 0.7 (Debian 12) it loops forever, allocating a null document per turn, on input where the
/// parser stops at a token it cannot place without consuming it (jbeder/yaml-cpp#1319, fixed
/// upstream after 0.8; found here by fuzz_bench_scenario). A document starting exactly where the
/// one before it started is that stuck parser, and is reported as the syntax error it is.
/// At most three documents are looked at, so the walk is bounded whatever the input.
std::optional<YAML::Mark> second_document(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts seen;
  for (int n = 0; n < 3 && parser.HandleNextDocument(seen); ++n) {
    const auto& s = seen.starts;
    if (s.size() >= 2 && s[s.size() - 1].pos == s[s.size() - 2].pos) {
      throw YAML::ParserException(s.back(), "unexpected token; the parser cannot go past it");
    }
  }
  if (seen.starts.size() < 2) return std::nullopt;
  return seen.starts[1];
}

}  // namespace

std::string Mark::to_string() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

ConfigError::ConfigError(Mark mark, std::string key_path, const std::string& message)
    : std::runtime_error(mark.to_string() + ": " +
                         (key_path.empty() ? std::string() : key_path + ": ") + message),
      mark_(std::move(mark)),
      key_path_(std::move(key_path)),
      detail_(message) {}

Document Document::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError(Mark{path, 0, 0}, "",
                      text::format(text::Id::kYamlCannotOpen, "file missing or unreadable"));
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  return load_string(buf.str(), path);
}

Document Document::load_string(std::string_view text_in, std::string name) {
  Document d;
  d.file_ = std::make_shared<const std::string>(std::move(name));
  // Checked before the parser sees it: yaml-cpp would echo a raw byte of a binary file back in
  // its message ("unknown escape character"), which says nothing useful to the person.
  if (const auto flaw = utf8::first_flaw(text_in, utf8::Allow::kLineBreaks)) {
    const auto what =
        flaw->kind == utf8::Flaw::Kind::kInvalid
            ? text::format(text::Id::kTextInvalidUtf8, fmt::format("{:02X}", flaw->code))
            : text::format(text::Id::kTextControlChar, fmt::format("{:04X}", flaw->code));
    throw ConfigError(Mark{*d.file_, 0, 0}, "",
                      text::format(text::Id::kYamlNotText, what, flaw->line, flaw->column));
  }
  const std::string text(text_in);
  YAML::Node root;
  std::optional<YAML::Mark> second;
  try {
    root = YAML::Load(text);
    second = second_document(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(to_mark(*d.file_, e.mark), "", text::format(text::Id::kYamlSyntax, e.msg));
  }
  // Every loader reads one document; a silently ignored second one would drop configuration.
  if (second) {
    const int line = second_document_line(text_in, to_mark(*d.file_, *second).line);
    throw ConfigError(Mark{*d.file_, line, 1}, "",
                      text::format(text::Id::kYamlSeveralDocuments, line));
  }
  d.root_ = std::make_shared<YAML::Node>(root);
  return d;
}

Node Document::root() const {
  return Node(file_, root_, "");
}

Node::Node(std::shared_ptr<const std::string> file, std::shared_ptr<YAML::Node> node,
           std::string path)
    : file_(std::move(file)), node_(std::move(node)), path_(std::move(path)) {}

bool Node::is_map() const {
  return node_->IsMap();
}
bool Node::is_sequence() const {
  return node_->IsSequence();
}
bool Node::is_scalar() const {
  return node_->IsScalar();
}
bool Node::is_null() const {
  return !node_->IsDefined() || node_->IsNull();
}

Mark Node::mark() const {
  return to_mark(*file_, node_->Mark());
}

void Node::fail(const std::string& message) const {
  throw ConfigError(mark(), path_, message);
}

std::string Node::describe_type() const {
  if (is_null()) return "nothing";
  if (is_map()) return "a map";
  if (is_sequence()) return "a list";
  return "\"" + node_->Scalar() + "\"";
}

std::string Node::scalar() const {
  if (!is_scalar()) fail(text::format(text::Id::kYamlWrongType, "a single value", describe_type()));
  return node_->Scalar();
}

std::string Node::as_string() const {
  return scalar();
}

std::int64_t Node::as_int(std::int64_t min, std::int64_t max) const {
  const std::string s = scalar();
  std::int64_t v = 0;
  bool ok = !s.empty();
  if (ok) {
    // Accept decimal and 0x-prefixed hexadecimal (register addresses are often written in hex).
    try {
      std::size_t used = 0;
      const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
      v = std::stoll(s, &used, hex ? 16 : 10);
      ok = used == s.size() && s.find_first_of(" +") == std::string::npos;
    } catch (const std::exception&) {
      ok = false;
    }
  }
  if (!ok) fail(text::format(text::Id::kYamlWrongType, "an integer", describe_type()));
  if (v < min || v > max) fail(text::format(text::Id::kYamlOutOfRange, s, min, max));
  return v;
}

bool Node::as_bool() const {
  const std::string s = scalar();
  if (s == "true") return true;
  if (s == "false") return false;
  fail(text::format(text::Id::kYamlWrongType, "true or false", describe_type()));
}

Millis Node::as_duration() const {
  const std::string s = scalar();
  auto d = parse_duration(s);
  if (!d) fail(text::format(text::Id::kYamlBadValue, s, "a duration such as 90s, 30m, 1h30m, 3d"));
  return *d;
}

Millis Node::as_duration(Millis min, Millis max) const {
  const auto d = as_duration();
  if (d < min || d > max) {
    fail(text::format(text::Id::kYamlOutOfRange, format_duration(d), format_duration(min),
                      format_duration(max)));
  }
  return d;
}

ZonedTime Node::as_timestamp() const {
  const std::string s = scalar();
  auto t = parse_timestamp(s);
  if (!t) {
    fail(text::format(text::Id::kYamlBadValue, s,
                      "a timestamp with offset such as 2026-03-01T00:00:00+08:00"));
  }
  return *t;
}

std::int64_t Node::as_decimal(int decimals) const {
  const std::string s = scalar();
  auto v = parse_decimal(s, decimals);
  if (!v) {
    fail(text::format(
        text::Id::kYamlBadValue, s,
        fmt::format("a decimal number with at most {} digits after the point", decimals)));
  }
  return *v;
}

std::string Node::as_choice(const std::vector<std::string_view>& choices) const {
  std::string s = scalar();
  for (auto c : choices) {
    if (s == c) return s;
  }
  std::vector<std::string> names(choices.begin(), choices.end());
  fail(text::format(text::Id::kYamlBadValue, s, "one of: " + join(names)));
}

std::vector<Node> Node::elements() const {
  if (!is_sequence()) fail(text::format(text::Id::kYamlWrongType, "a list", describe_type()));
  std::vector<Node> out;
  std::size_t i = 0;
  for (const auto& item : *node_) {
    out.emplace_back(file_, std::make_shared<YAML::Node>(item),
                     path_ + "[" + std::to_string(i++) + "]");
  }
  return out;
}

std::vector<std::string> Node::keys() const {
  if (!is_map()) fail(text::format(text::Id::kYamlWrongType, "a map", describe_type()));
  std::vector<std::string> out;
  for (const auto& kv : *node_) {
    if (!kv.first.IsScalar()) {
      Node(file_, std::make_shared<YAML::Node>(kv.first), path_)
          .fail(text::format(text::Id::kYamlWrongType, "a plain key", "a structured key"));
    }
    const std::string& key = kv.first.Scalar();
    if (std::find(out.begin(), out.end(), key) != out.end()) {
      Node(file_, std::make_shared<YAML::Node>(kv.first), child_path(path_, key))
          .fail(text::format(text::Id::kYamlDuplicate, "key \"" + key + "\""));
    }
    out.push_back(key);
  }
  return out;
}

Map::Map(const Node& node) : node_(node) {
  (void)node_.keys();
}

bool Map::has(std::string_view key) const {
  const auto keys = node_.keys();
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

std::optional<Node> Map::optional(std::string_view key) {
  asked_.emplace_back(key);
  for (const auto& kv : *node_.node_) {
    if (kv.first.Scalar() == key) {
      return Node(node_.file_, std::make_shared<YAML::Node>(kv.second),
                  child_path(node_.path_, key));
    }
  }
  return std::nullopt;
}

Node Map::required(std::string_view key) {
  auto n = optional(key);
  if (!n) node_.fail(text::format(text::Id::kYamlMissingKey, key));
  return *n;
}

void Map::finish() const {
  for (const auto& kv : *node_.node_) {
    const std::string& key = kv.first.Scalar();
    if (std::find(asked_.begin(), asked_.end(), key) == asked_.end()) {
      Node(node_.file_, std::make_shared<YAML::Node>(kv.first), child_path(node_.path_, key))
          .fail(text::format(text::Id::kYamlUnknownKey, key, join(asked_)));
    }
  }
}

}  // namespace phil::yaml
