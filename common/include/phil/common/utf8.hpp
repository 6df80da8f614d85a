#pragma once
// Checks of text that comes from outside (files, command lines, requests) before anything is
// decoded from it or stored: valid UTF-8, and no control characters that would break a table or
// reach a terminal as an escape sequence.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace phil::utf8 {

/// Where a byte sequence stops being text, and why.
struct Flaw {
  enum class Kind {
    kInvalid,  ///< not UTF-8 (a stray continuation byte, a truncated or overlong sequence, ...)
    kControl,  ///< a control character (C0 other than the allowed ones, DEL, or C1)
  };
  Kind kind = Kind::kInvalid;
  std::size_t offset = 0;  ///< byte offset of the flaw
  int line = 1;            ///< 1-based line of the flaw (lines end at '\n')
  int column = 1;          ///< 1-based column, counted in code points
  unsigned code = 0;       ///< kInvalid: the offending byte; kControl: the code point
};

/// Which control characters a text may hold besides none.
enum class Allow {
  kNone,       ///< a single-line value: a name, an id, a phone number
  kLineBreaks  ///< a file: tab, line feed and carriage return
};

/// The first flaw of `text`, nullopt if it is valid UTF-8 with no control character beyond
/// what `allow` admits. A leading UTF-8 byte-order mark is accepted.
std::optional<Flaw> first_flaw(std::string_view text, Allow allow);

/// `text` made safe to print on one line of a terminal, a table cell, a message or JSON: valid
/// UTF-8 without control characters passes unchanged (so ordinary text prints as before); tab,
/// line feed and carriage return become backslash-t, -n, -r; any other control character (C0,
/// DEL, C1) becomes backslash-u{XX}; a byte that is not UTF-8 becomes backslash-xNN. A backslash
/// in the text is kept as is (display, not a reversible encoding). The result is valid UTF-8 with
/// no control character.
std::string escaped(std::string_view text);

}  // namespace phil::utf8
