#pragma once
// Strict YAML access for configuration and data files (fleets, profiles, site configs,
// scenarios). Every error names file, line, column and the key path, and says what was expected;
// unknown keys are errors. Errors are configuration errors, so they are thrown (ConfigError).
//
// Usage:
//   auto doc = yaml::Document::load_file(path);
//   yaml::Map m(doc.root());
//   auto name = m.required("name").as_string();
//   auto baud = m.optional("baud") ? m.optional("baud")->as_int(1200, 115200) : 9600;
//   m.finish();  // throws if the map has a key nobody asked for
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <phil/common/time.hpp>

namespace YAML {
class Node;
}

namespace phil::yaml {

/// Where something is in a file; line and column are 1-based. line 0 means "the whole file".
struct Mark {
  std::string file;
  int line = 0;
  int column = 0;
  std::string to_string() const;  ///< "file:line:col" or "file"
};

/// A configuration error: what is wrong, where (file:line:col) and which key.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(Mark mark, std::string key_path, const std::string& message);
  const Mark& mark() const { return mark_; }
  const std::string& key_path() const { return key_path_; }
  /// The message without the location prefix.
  const std::string& detail() const { return detail_; }

 private:
  Mark mark_;
  std::string key_path_;
  std::string detail_;
};

class Node;

/// A parsed file. Keeps the parse tree alive for the Nodes taken from it.
class Document {
 public:
  /// Throws ConfigError if the file cannot be read or is not valid YAML.
  static Document load_file(const std::string& path);
  /// `name` stands for the file name in messages.
  static Document load_string(std::string_view text, std::string name);
  Node root() const;
  const std::string& name() const { return *file_; }

 private:
  std::shared_ptr<const std::string> file_;
  std::shared_ptr<YAML::Node> root_;
};

/// A value in a document with its key path (e.g. "fleet.buses[0].baud") and location.
class Node {
 public:
  Node(std::shared_ptr<const std::string> file, std::shared_ptr<YAML::Node> node, std::string path);

  bool is_map() const;
  bool is_sequence() const;
  bool is_scalar() const;
  bool is_null() const;
  const std::string& path() const { return path_; }
  Mark mark() const;

  /// Throws ConfigError located at this node.
  [[noreturn]] void fail(const std::string& message) const;

  std::string as_string() const;
  std::int64_t as_int(std::int64_t min, std::int64_t max) const;
  bool as_bool() const;
  Millis as_duration() const;  ///< "30m", "1h30m", "90s"
  /// A duration within [min, max]; the error names the value and the range.
  Millis as_duration(Millis min, Millis max) const;
  ZonedTime as_timestamp() const;               ///< ISO-8601 with offset
  std::int64_t as_decimal(int decimals) const;  ///< exact: "20.00" with 2 -> 2000
  /// One of `choices`; the error lists them.
  std::string as_choice(const std::vector<std::string_view>& choices) const;

  /// Elements of a sequence (throws if this is not a sequence).
  std::vector<Node> elements() const;
  /// Keys of a map in file order (throws if this is not a map).
  std::vector<std::string> keys() const;

 private:
  friend class Map;
  std::string describe_type() const;
  std::string scalar() const;
  std::shared_ptr<const std::string> file_;
  std::shared_ptr<YAML::Node> node_;
  std::string path_;
};

/// Reads a map key by key and rejects keys nobody asked for.
class Map {
 public:
  explicit Map(const Node& node);  ///< throws if `node` is not a map
  Node required(std::string_view key);
  std::optional<Node> optional(std::string_view key);
  bool has(std::string_view key) const;
  /// Throws ConfigError on the first key that was never asked for, naming the allowed keys.
  void finish() const;
  const Node& node() const { return node_; }

 private:
  Node node_;
  std::vector<std::string> asked_;
};

}  // namespace phil::yaml
