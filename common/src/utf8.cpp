#include <phil/common/utf8.hpp>

namespace phil::utf8 {

namespace {

bool is_control(unsigned cp, Allow allow) {
  if (allow == Allow::kLineBreaks && (cp == '\t' || cp == '\n' || cp == '\r')) return false;
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0);
}

/// Decodes one code point at `i`; returns its length, 0 if the bytes there are not UTF-8
/// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
std::size_t decode(std::string_view s, std::size_t i, unsigned& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  std::size_t len = 0;
  unsigned min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

}  // namespace

std::optional<Flaw> first_flaw(std::string_view text, Allow allow) {
  std::size_t i = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  int line = 1;
  int column = 1;
  while (i < text.size()) {
    unsigned cp = 0;
    const auto len = decode(text, i, cp);
    if (len == 0) {
      return Flaw{Flaw::Kind::kInvalid, i, line, column, static_cast<unsigned char>(text[i])};
    }
    if (is_control(cp, allow)) return Flaw{Flaw::Kind::kControl, i, line, column, cp};
    if (cp == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += len;
  }
  return std::nullopt;
}

std::string escaped(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    unsigned cp = 0;
    const auto len = decode(text, i, cp);
    if (len == 0) {
      const auto b = static_cast<unsigned char>(text[i]);
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
      ++i;
      continue;
    }
    if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (is_control(cp, Allow::kNone)) {
      out += "\\u{";
      out += kHex[(cp >> 4) & 0xF];
      out += kHex[cp & 0xF];
      out += '}';
    } else {
      out.append(text.substr(i, len));
    }
    i += len;
  }
  return out;
}

}  // namespace phil::utf8
