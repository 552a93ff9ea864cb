#include "mutator.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "sv_lexer.hpp"

namespace mutate {
namespace {

enum class Ctx { kModule, kAssign, kComb, kFf, kInitial, kFunction };

const std::set<std::string, std::less<>> kDeclKeywords = {
    "import",   "parameter", "localparam", "typedef",  "input",     "output", "inout",
    "logic",    "wire",      "reg",        "bit",      "byte",      "int",    "integer",
    "genvar",   "var",       "signed",     "unsigned", "real",      "string", "longint",
    "shortint", "tri",       "supply0",    "supply1",  "automatic", "static", "const"};

const std::set<std::string, std::less<>> kKeywords = {
    "return", "if",    "else",    "case",    "casez", "casex", "begin", "end",     "assign",
    "for",    "while", "default", "endcase", "or",    "and",   "not",   "posedge", "negedge"};

// The operator swaps: each binary operator and what it may become.
const std::map<std::string, std::vector<std::string>, std::less<>> kSwaps = {
    {"+", {"-"}},   {"-", {"+"}},   {"&", {"|"}},   {"|", {"&", "^"}}, {"^", {"|"}},
    {"==", {"!="}}, {"!=", {"=="}}, {"<", {"<="}},  {"<=", {"<"}},     {">", {">="}},
    {">=", {">"}},  {"&&", {"||"}}, {"||", {"&&"}}, {"<<", {">>"}},    {">>", {"<<"}}};

const std::set<std::string, std::less<>> kAssignOps = {
    "=", "<=", "+=", "-=", "|=", "&=", "^=", "<<=", ">>=", "*="};

class Finder {
 public:
  Finder(std::string_view src, std::string file)
      : src_(src), file_(std::move(file)), t_(lex(src, file_)) {}

  std::vector<Mutant> run() {
    items({});
    return std::move(out_);
  }

 private:
  std::string_view src_;
  std::string file_;
  std::vector<Token> t_;
  std::size_t p_ = 0;
  std::string module_;
  std::vector<Mutant> out_;

  [[noreturn]] void fail(const std::string& what) const {
    const int line = p_ < t_.size() ? t_[p_].line : (t_.empty() ? 1 : t_.back().line);
    throw std::runtime_error(file_ + ":" + std::to_string(line) + ": " + what);
  }
  bool at(std::string_view s) const { return p_ < t_.size() && t_[p_].text == s; }
  bool is(std::size_t i, std::string_view s) const { return i < t_.size() && t_[i].text == s; }
  void expect(std::string_view s) {
    if (!at(s)) fail("expected '" + std::string(s) + "'");
    ++p_;
  }
  std::size_t end_of(std::size_t i) const { return t_[i].offset + t_[i].text.size(); }

  // The index of the bracket closing the one at i.
  std::size_t match(std::size_t i) const {
    int depth = 0;
    for (std::size_t k = i; k < t_.size(); ++k) {
      const auto& s = t_[k].text;
      if (s == "(" || s == "[" || s == "{") ++depth;
      if (s == ")" || s == "]" || s == "}") {
        if (--depth == 0) return k;
      }
    }
    throw std::runtime_error(file_ + ":" + std::to_string(t_[i].line) + ": unbalanced '" +
                             t_[i].text + "'");
  }
  // The first token at bracket depth 0 from i whose text is in `stops`.
  std::size_t find0(std::size_t i, std::initializer_list<std::string_view> stops) const {
    int depth = 0;
    for (std::size_t k = i; k < t_.size(); ++k) {
      const auto& s = t_[k].text;
      if (depth == 0 && std::find(stops.begin(), stops.end(), s) != stops.end()) return k;
      if (s == "(" || s == "[" || s == "{") ++depth;
      if (s == ")" || s == "]" || s == "}") --depth;
    }
    throw std::runtime_error(file_ + ":" + std::to_string(t_[i].line) + ": no closing ';'");
  }
  void skip_statement() { p_ = find0(p_, {";"}) + 1; }
  void skip_label() {
    if (at(":")) p_ += 2;
  }

  void add(std::size_t off, std::size_t len, std::string repl, const std::string& op, int line) {
    Mutant m;
    m.file = file_;
    m.module = module_;
    m.line = line;
    m.op = op;
    m.offset = off;
    m.length = len;
    m.replacement = std::move(repl);
    out_.push_back(std::move(m));
  }

  bool operand_end(std::size_t i) const {
    const auto& t = t_[i];
    if (t.kind == TokKind::kNumber || t.kind == TokKind::kString) return true;
    if (t.kind == TokKind::kIdent) return !kKeywords.contains(t.text);
    return t.text == ")" || t.text == "]" || t.text == "}";
  }

  void const_sites(std::size_t i) {
    const Token& t = t_[i];
    if (is(i + 1, "'") && t_[i + 1].offset == end_of(i)) return;  // a size cast: 8'(x)
    auto add_c = [&](const std::string& r) {
      if (r != t.text) add(t.offset, t.text.size(), r, "const", t.line);
    };
    const auto q = t.text.find('\'');
    if (q == std::string::npos) {
      if (t.text.find('.') != std::string::npos) return;
      std::string digits;
      for (char c : t.text) {
        if (c != '_') digits += c;
      }
      if (digits.size() > 18) return;
      const unsigned long long v = std::stoull(digits);
      if (v == 0) {
        add_c("1");
      } else {
        add_c(std::to_string(v - 1));
        add_c(std::to_string(v + 1));
      }
      return;
    }
    if (q == 0 && t.text.size() == 2) {  // '0 '1
      if (t.text == "'0") add_c("'1");
      if (t.text == "'1") add_c("'0");
      return;
    }
    if (q == 0) return;  // unsized based literal: left alone
    const unsigned width = static_cast<unsigned>(std::stoul(t.text.substr(0, q)));
    std::size_t b = q + 1;
    if (t.text[b] == 's' || t.text[b] == 'S') ++b;
    const char base = static_cast<char>(std::tolower(static_cast<unsigned char>(t.text[b])));
    std::string digits;
    for (char c : t.text.substr(b + 1)) {
      if (c != '_' && c != ' ' && c != '\t') digits += c;
    }
    if (width == 0 || width > 63 || digits.find_first_of("xXzZ?") != std::string::npos ||
        digits.empty()) {
      return;
    }
    const int radix = base == 'b' ? 2 : base == 'o' ? 8 : base == 'h' ? 16 : 10;
    const unsigned long long mask = (1ULL << width) - 1;
    const unsigned long long v = std::stoull(digits, nullptr, radix) & mask;
    const std::string head = t.text.substr(0, b + 1);
    auto fmt = [&](unsigned long long x) {
      std::string s;
      do {
        s.insert(s.begin(), "0123456789abcdef"[x % static_cast<unsigned>(radix)]);
        x /= static_cast<unsigned>(radix);
      } while (x != 0);
      if (radix != 10 && s.size() < digits.size()) s.insert(0, digits.size() - s.size(), '0');
      return head + s;
    };
    if (width == 1) {
      add_c(fmt(v ^ 1));
    } else {
      add_c(fmt((v - 1) & mask));
      add_c(fmt((v + 1) & mask));
    }
  }

  void ternary_site(std::size_t q, std::size_t e) {
    // b: after '?' up to its ':'; c: after ':' up to the end of the conditional expression.
    int depth = 0, nest = 0;
    std::size_t colon = 0;
    for (std::size_t k = q + 1; k < e && colon == 0; ++k) {
      const auto& s = t_[k].text;
      if (s == "(" || s == "[" || s == "{") ++depth;
      if (s == ")" || s == "]" || s == "}") --depth;
      if (depth == 0 && s == "?") ++nest;
      if (depth == 0 && s == ":") {
        if (nest == 0)
          colon = k;
        else
          --nest;
      }
    }
    if (colon == 0 || colon == q + 1) return;
    std::size_t c_end = colon + 1;
    depth = 0;
    nest = 0;
    for (; c_end < e; ++c_end) {
      const auto& s = t_[c_end].text;
      if (s == "(" || s == "[" || s == "{") ++depth;
      if (s == ")" || s == "]" || s == "}") {
        if (depth == 0) break;
        --depth;
      }
      if (depth == 0 && (s == ";" || s == ",")) break;
      if (depth == 0 && s == "?") ++nest;
      if (depth == 0 && s == ":") {
        if (nest == 0) break;
        --nest;
      }
    }
    if (c_end == colon + 1) return;
    const std::size_t b0 = t_[q + 1].offset, b1 = end_of(colon - 1);
    const std::size_t c0 = t_[colon + 1].offset, c1 = end_of(c_end - 1);
    const std::string b_text(src_.substr(b0, b1 - b0)), c_text(src_.substr(c0, c1 - c0));
    add(b0, c1 - b0, c_text + " : " + b_text, "ternary-swap", t_[q].line);
  }

  // Operator, constant and conditional sites of the expression tokens [b, e).
  void expr_sites(std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      const Token& t = t_[i];
      if (t.kind == TokKind::kNumber) {
        const_sites(i);
      } else if (t.kind == TokKind::kOp) {
        if (t.text == "?") ternary_site(i, e);
        const auto s = kSwaps.find(t.text);
        if (s != kSwaps.end() && i > b && operand_end(i - 1)) {
          for (const auto& r : s->second) add(t.offset, t.text.size(), r, "binop", t.line);
        }
      }
    }
  }

  // `( cond )` at p_: negation, then the sites inside.
  void condition(bool negate) {
    if (!at("(")) fail("expected '(' after '" + t_[p_ - 1].text + "'");
    const std::size_t close = match(p_);
    if (negate) {
      const std::size_t b = t_[p_].offset, e = end_of(close);
      const std::string inner(src_.substr(b + 1, e - b - 2));
      add(b, e - b, "(!(" + inner + "))", "negate-if", t_[p_].line);
    }
    expr_sites(p_ + 1, close);
    p_ = close + 1;
  }

  bool declaration_start() const {
    if (kDeclKeywords.contains(t_[p_].text)) return true;
    if (t_[p_].kind != TokKind::kIdent) return false;
    std::size_t k = p_ + 1;
    while (is(k, "::") && k + 1 < t_.size()) k += 2;
    return k < t_.size() && (t_[k].kind == TokKind::kIdent || t_[k].text == "[") && !is(k + 1, "(");
  }

  void statement(Ctx ctx, bool branch) {
    if (p_ >= t_.size()) fail("unexpected end of file in a statement");
    const std::string& s = t_[p_].text;
    if (s == "begin") {
      ++p_;
      skip_label();
      while (!at("end")) statement(ctx, branch);
      ++p_;
      skip_label();
    } else if (s == "if") {
      ++p_;
      condition(true);
      statement(ctx, true);
      if (at("else")) {
        ++p_;
        statement(ctx, true);
      }
    } else if (s == "unique" || s == "priority" || s == "unique0") {
      ++p_;
      statement(ctx, branch);
    } else if (s == "case" || s == "casez" || s == "casex") {
      ++p_;
      condition(false);
      if (at("inside")) ++p_;
      while (!at("endcase")) {
        if (p_ >= t_.size()) fail("case without endcase");
        if (at("default")) {
          ++p_;
          if (at(":")) ++p_;
        } else {
          const std::size_t colon = find0(p_, {":"});
          expr_sites(p_, colon);
          p_ = colon + 1;
        }
        statement(ctx, true);
      }
      ++p_;
    } else if (s == "for" || s == "while" || s == "repeat") {
      ++p_;
      condition(false);
      statement(ctx, branch);
    } else if (s == "forever") {
      ++p_;
      statement(ctx, branch);
    } else if (s == "assert" || s == "assume" || s == "cover" || s[0] == '$' ||
               declaration_start()) {
      skip_statement();
    } else if (s == "return") {
      const std::size_t end = find0(p_, {";"});
      expr_sites(p_ + 1, end);
      p_ = end + 1;
    } else if (s == ";") {
      ++p_;
    } else {
      assignment(ctx, branch);
    }
  }

  void assignment(Ctx ctx, bool branch) {
    const std::size_t start = p_, end = find0(p_, {";"});
    std::size_t op = end;
    int depth = 0;
    for (std::size_t k = start; k < end; ++k) {
      const auto& s = t_[k].text;
      if (s == "(" || s == "[" || s == "{") ++depth;
      if (s == ")" || s == "]" || s == "}") --depth;
      if (depth == 0 && kAssignOps.contains(s)) {
        op = k;
        break;
      }
    }
    p_ = end + 1;
    if (op == end || op + 1 == end) return;  // a call, x++ or similar: no site
    expr_sites(op + 1, end);
    const bool procedural = ctx != Ctx::kModule && ctx != Ctx::kAssign;
    if (procedural && branch) {
      const std::size_t b = t_[start].offset;
      add(b, end_of(end) - b, ";", "drop", t_[start].line);
    }
    const bool single_const = op + 2 == end && t_[op + 1].kind == TokKind::kNumber;
    if ((ctx == Ctx::kComb || ctx == Ctx::kAssign) && t_[op].text == "=" && !single_const) {
      const std::size_t b = t_[op + 1].offset, e = end_of(end - 1);
      add(b, e - b, "'0", "stuck-0", t_[op + 1].line);
      add(b, e - b, "'1", "stuck-1", t_[op + 1].line);
    }
  }

  void gen_block() {
    if (at("begin")) {
      ++p_;
      skip_label();
      items({"end"});
      ++p_;
      skip_label();
    } else {
      items({}, true);
    }
  }

  // Module items until one of `ends` (left unconsumed), or one item when `one`.
  void items(std::initializer_list<std::string_view> ends, bool one = false) {
    while (p_ < t_.size()) {
      const Token& t = t_[p_];
      const std::string& s = t.text;
      if (std::find(ends.begin(), ends.end(), s) != ends.end()) return;
      if (s == "module" || s == "package" || s == "interface") {
        module_ = t_.at(p_ + 1).text;
        skip_statement();  // the header, parameters and ports included
        const std::string end = s == "module" ? "endmodule" : "end" + s;
        items({end});
        expect(end);
        skip_label();
      } else if (s == "function" || s == "task") {
        skip_statement();
        const std::string end = "end" + s;
        while (!at(end)) statement(Ctx::kFunction, false);
        ++p_;
        skip_label();
      } else if (s == "assign") {
        ++p_;
        assignment(Ctx::kAssign, false);
      } else if (s == "always_comb" || s == "always_latch") {
        ++p_;
        statement(Ctx::kComb, false);
      } else if (s == "always_ff" || s == "always" || s == "initial" || s == "final") {
        ++p_;
        if (at("@")) {
          ++p_;
          if (at("("))
            p_ = match(p_) + 1;
          else
            ++p_;
        }
        statement(s == "initial" ? Ctx::kInitial : Ctx::kFf, false);
      } else if (s == "generate" || s == "endgenerate" || s == ";" ||
                 t.kind == TokKind::kDirective) {
        ++p_;
      } else if (s == "for") {
        ++p_;
        condition(false);
        gen_block();
      } else if (s == "if") {
        ++p_;
        condition(true);
        gen_block();
        if (at("else")) {
          ++p_;
          if (at("if")) continue;
          gen_block();
        }
      } else if (s == "begin") {
        gen_block();
      } else if (s == "case" || s == "property" || s == "sequence") {
        const std::string end = "end" + s;
        while (!at(end)) {
          if (++p_ >= t_.size()) fail("no " + end);
        }
        ++p_;
      } else if (s == "assert" || s == "assume" || s == "cover" || declaration_start()) {
        skip_statement();
      } else if (t.kind == TokKind::kIdent && is(p_ + 1, ":") && !is(p_ + 2, ":")) {
        p_ += 2;  // a label
        continue;
      } else if (t.kind == TokKind::kIdent) {
        // An instantiation: the sites of its parameter values and port connections.
        const std::size_t end = find0(p_, {";"});
        expr_sites(p_ + 1, end);
        p_ = end + 1;
      } else {
        fail("unexpected '" + s + "' in module items");
      }
      if (one) return;
    }
  }
};

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string collapse(std::string_view s) {
  std::string r;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !r.empty();
    } else {
      if (space) r += ' ';
      space = false;
      r += c;
    }
  }
  constexpr std::size_t kMax = 200;
  if (r.size() > kMax) r = r.substr(0, kMax - 3) + "...";
  return r;
}

// The lines around the change, before and after, and the ids: a hash of the file, the operator
// class, the changed lines before and after and, for identical changes of identical lines, the
// occurrence number, so an id survives edits elsewhere in the file.
void describe(std::string_view src, std::vector<Mutant>& ms) {
  std::map<std::string, int> seen;
  for (auto& m : ms) {
    const std::size_t lb = src.rfind('\n', m.offset == 0 ? 0 : m.offset - 1);
    const std::size_t b = m.offset == 0 || lb == std::string_view::npos ? 0 : lb + 1;
    std::size_t e = src.find('\n', m.offset + m.length);
    if (e == std::string_view::npos) e = src.size();
    m.before = collapse(src.substr(b, e - b));
    m.after = collapse(std::string(src.substr(b, m.offset - b)) + m.replacement +
                       std::string(src.substr(m.offset + m.length, e - m.offset - m.length)));
    const std::string key = m.file + '|' + m.op + '|' + m.before + '|' + m.after;
    const int n = seen[key]++;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%08llx",
                  static_cast<unsigned long long>(fnv1a(key + '|' + std::to_string(n)) >> 32));
    m.id = std::filesystem::path(m.file).stem().string() + "-" + hex;
  }
}

}  // namespace

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<Mutant> find_mutants(std::string_view src, const std::string& file) {
  auto ms = Finder(src, file).run();
  std::stable_sort(ms.begin(), ms.end(), [](const Mutant& a, const Mutant& b) {
    return std::tie(a.offset, a.length) < std::tie(b.offset, b.length);
  });
  describe(src, ms);
  return ms;
}

std::vector<Mutant> find_all(const std::filesystem::path& root) {
  std::vector<std::filesystem::path> files;
  const auto dir = root / "rtl";
  if (!std::filesystem::is_directory(dir)) {
    throw std::runtime_error(dir.string() + " is not a directory (is --root the repository?)");
  }
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".sv") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<Mutant> all;
  for (const auto& f : files) {
    auto ms = find_mutants(read_file(f), "rtl/" + f.filename().string());
    all.insert(all.end(), ms.begin(), ms.end());
  }
  return all;
}

std::string apply(std::string_view src, const Mutant& m) {
  if (m.offset + m.length > src.size()) {
    throw std::runtime_error("mutant " + m.id + " does not fit " + m.file);
  }
  std::string r(src.substr(0, m.offset));
  r += m.replacement;
  r += src.substr(m.offset + m.length);
  return r;
}

std::vector<Mutant> sample(const std::vector<Mutant>& all, std::size_t count, std::uint64_t seed) {
  if (count == 0 || count >= all.size()) return all;
  std::vector<std::size_t> idx(all.size());
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::mt19937_64 rng(seed);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t j = i + static_cast<std::size_t>(rng() % (idx.size() - i));
    std::swap(idx[i], idx[j]);
  }
  idx.resize(count);
  std::sort(idx.begin(), idx.end());
  std::vector<Mutant> r;
  for (auto i : idx) r.push_back(all[i]);
  return r;
}

}  // namespace mutate
