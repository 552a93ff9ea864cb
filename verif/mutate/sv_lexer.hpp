// A SystemVerilog lexer for the mutation tool (docs/mutation.md): enough of the language for
// rtl/*.sv. Comments and whitespace are dropped, string literals and numbers are single tokens,
// and everything between `ifdef / `ifndef and the matching `endif (the assertion blocks) is
// dropped, so no mutation site is ever found there.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mutate {

enum class TokKind { kIdent, kNumber, kString, kOp, kDirective };

struct Token {
  TokKind kind;
  std::string text;
  std::size_t offset;  // byte offset in the source
  int line;            // 1-based
};

// Splits `src` into tokens. Throws std::runtime_error naming `file` and the line on an
// unterminated comment or string, an unbalanced `ifdef/`endif or a character it does not know.
std::vector<Token> lex(std::string_view src, const std::string& file);

}  // namespace mutate
