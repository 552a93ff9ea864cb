#include "sv_lexer.hpp"

#include <array>
#include <cctype>
#include <stdexcept>

namespace mutate {
namespace {

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}
bool digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool based_digit(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) || c == '_' || c == 'x' || c == 'X' ||
         c == 'z' || c == 'Z' || c == '?';
}
bool base_char(char c) {
  switch (c) {
    case 'b':
    case 'B':
    case 'o':
    case 'O':
    case 'd':
    case 'D':
    case 'h':
    case 'H':
      return true;
    default:
      return false;
  }
}

// Longest first within each length.
constexpr std::array<std::string_view, 40> kOps = {
    "<<<=", ">>>=", "===", "!==", "==?", "!=?", "<<<", ">>>", "<<=", ">>=",
    "<->",  "|->",  "|=>", "->",  "::",  "+:",  "-:",  "==",  "!=",  "<=",
    ">=",   "&&",   "||",  "<<",  ">>",  "~&",  "~|",  "~^",  "^~",  "++",
    "--",   "+=",   "-=",  "|=",  "&=",  "^=",  "*=",  "**",  "##",  ".*"};

}  // namespace

std::vector<Token> lex(std::string_view src, const std::string& file) {
  std::vector<Token> out;
  std::size_t i = 0;
  int line = 1;
  int skip_depth = 0;  // nesting of `ifdef/`ifndef blocks being dropped
  auto fail = [&](const std::string& what) {
    throw std::runtime_error(file + ":" + std::to_string(line) + ": " + what);
  };
  auto push = [&](TokKind k, std::size_t b, std::size_t e) {
    if (skip_depth == 0) out.push_back({k, std::string(src.substr(b, e - b)), b, line});
  };
  while (i < src.size()) {
    const char c = src[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (src.substr(i, 2) == "//") {
      while (i < src.size() && src[i] != '\n') ++i;
    } else if (src.substr(i, 2) == "/*") {
      const std::size_t e = src.find("*/", i + 2);
      if (e == std::string_view::npos) fail("unterminated /* comment");
      for (std::size_t k = i; k < e; ++k) line += src[k] == '\n' ? 1 : 0;
      i = e + 2;
    } else if (src.substr(i, 2) == "(*" && src.substr(i, 3) != "(*)") {
      // An attribute, (* mem2reg *): dropped like a comment.
      const std::size_t e = src.find("*)", i + 2);
      if (e == std::string_view::npos) fail("unterminated (* attribute");
      for (std::size_t k = i; k < e; ++k) line += src[k] == '\n' ? 1 : 0;
      i = e + 2;
    } else if (c == '"') {
      std::size_t e = i + 1;
      while (e < src.size() && src[e] != '"' && src[e] != '\n') e += src[e] == '\\' ? 2 : 1;
      if (e >= src.size() || src[e] != '"') fail("unterminated string");
      push(TokKind::kString, i, e + 1);
      i = e + 1;
    } else if (c == '`') {
      std::size_t e = i + 1;
      while (e < src.size() && ident_char(src[e])) ++e;
      const std::string_view d = src.substr(i, e - i);
      if (d == "`ifdef" || d == "`ifndef") {
        ++skip_depth;
      } else if (d == "`endif") {
        if (skip_depth == 0) fail("`endif without `ifdef/`ifndef");
        --skip_depth;
      } else if (d == "`else" || d == "`elsif") {
        if (skip_depth == 0) fail(std::string(d) + " without `ifdef/`ifndef");
      } else if (skip_depth == 0) {
        // Any other directive (`define, `include, `timescale): the rest of its line.
        while (e < src.size() && src[e] != '\n') ++e;
        push(TokKind::kDirective, i, e);
      }
      i = e;
    } else if (ident_start(c) || c == '$') {
      std::size_t e = i + 1;
      while (e < src.size() && ident_char(src[e])) ++e;
      push(TokKind::kIdent, i, e);
      i = e;
    } else if (digit(c) || (c == '\'' && i + 1 < src.size() &&
                            (base_char(src[i + 1]) || src[i + 1] == 's' || src[i + 1] == 'S' ||
                             src[i + 1] == '0' || src[i + 1] == '1' || src[i + 1] == 'x' ||
                             src[i + 1] == 'z'))) {
      std::size_t e = i;
      while (e < src.size() && (digit(src[e]) || src[e] == '_')) ++e;
      if (e < src.size() && src[e] == '\'') {
        std::size_t b = e + 1;
        if (b < src.size() && (src[b] == 's' || src[b] == 'S')) ++b;
        if (b < src.size() && base_char(src[b])) {
          ++b;
          while (b < src.size() && std::isspace(static_cast<unsigned char>(src[b]))) ++b;
          std::size_t d = b;
          while (d < src.size() && based_digit(src[d])) ++d;
          if (d == b) fail("based number without digits");
          e = d;
        } else if (e == i && b < src.size() &&
                   (src[b] == '0' || src[b] == '1' || src[b] == 'x' || src[b] == 'z')) {
          e = b + 1;  // '0 '1 'x 'z
        }
        // Otherwise a size cast such as 8'(x): the number ends before the quote.
      } else if (e + 1 < src.size() && src[e] == '.' && digit(src[e + 1])) {
        e += 1;
        while (e < src.size() && (digit(src[e]) || src[e] == '_')) ++e;
      }
      push(TokKind::kNumber, i, e);
      i = e;
    } else {
      std::size_t len = 1;
      for (const auto op : kOps) {
        if (src.substr(i, op.size()) == op) {
          len = op.size();
          break;
        }
      }
      if (len == 1 &&
          std::string_view("+-*/%&|^~!<>=?:;,.()[]{}#@'").find(c) == std::string_view::npos) {
        fail(std::string("unexpected character '") + c + "'");
      }
      push(TokKind::kOp, i, i + len);
      i += len;
    }
  }
  if (skip_depth != 0) fail("`ifdef/`ifndef without `endif");
  return out;
}

}  // namespace mutate
