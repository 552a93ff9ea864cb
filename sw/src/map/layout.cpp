// The layout algebra (docs/layouts.md).
#include "feather/map/layout.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <limits>
#include <stdexcept>
#include <tuple>
#include <unordered_map>

#include "feather/common/sat.hpp"

namespace feather::map {

namespace {

using U64 = std::uint64_t;

constexpr U64 kU64Max = std::numeric_limits<U64>::max();
constexpr U64 kMaxVns = (U64{1} << 63) - 1;  // F0*F1*F2 must stay below 2^63
constexpr U64 kMaxSlots = U64{1} << 62;      // lines * line size of a tensor layout

[[noreturn]] void invalid(const std::string& what) { throw std::invalid_argument(what); }

U64 ceil_div(U64 a, U64 b) { return a / b + (a % b != 0 ? 1 : 0); }

void check_banks(std::string_view fn, int aw, int ah) {
  if (aw < 1 || aw > kMaxBanks)
    invalid(fmt::format("{}: aw = {} (legal 1..{})", fn, aw, kMaxBanks));
  if (ah < 1 || ah > kMaxBanks)
    invalid(fmt::format("{}: ah = {} (legal 1..{})", fn, ah, kMaxBanks));
}

// Digit indices (0: d0 = a mod F0, 1: d1 = a div F0, 2: d2 = b) outer -> inner, per order.
constexpr std::array<std::array<int, 3>, 6> kOrderDigits = {{
    {2, 0, 1},
    {2, 1, 0},
    {0, 2, 1},
    {0, 1, 2},
    {1, 2, 0},
    {1, 0, 2},
}};

// The number of VNs, for a layout check_layout accepted.
U64 vns_of(const top::Layout& l) { return l.f0() * l.f1 * l.f2; }

struct OperandNames {
  std::array<const char*, 3> digit;   // d0, d1, d2 as MINISA names them
  std::array<const char*, 3> factor;  // F0, F1, F2
};

const OperandNames& names(Operand op) {
  static const OperandNames kW{{"nL0", "nL1", "kL1"}, {"N_L0", "N_L1", "K_L1"}};
  static const OperandNames kI{{"mL0", "mL1", "jL1"}, {"M_L0", "M_L1", "J_L1"}};
  static const OperandNames kO{{"pL0", "pL1", "qL1"}, {"P_L0", "P_L1", "Q_L1"}};
  switch (op) {
    case Operand::kW:
      return kW;
    case Operand::kI:
      return kI;
    case Operand::kO:
      return kO;
  }
  return kW;
}

// The layout string as text for a message: printable ASCII as is, other bytes as \xNN.
std::string printable(std::string_view s) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out += c;
    } else {
      out += fmt::format("\\x{:02x}", u);
    }
  }
  return out;
}

std::string printable(char c) { return printable(std::string_view(&c, 1)); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// The canonical descriptor.

void check_layout(const top::Layout& l, int aw, int ah) {
  check_banks("layout", aw, ah);
  if (l.order > 5) invalid(fmt::format("layout {}: order {} > 5", l.to_string(), l.order));
  if (l.f0log > 62) invalid(fmt::format("layout {}: f0log {} > 62", l.to_string(), l.f0log));
  if (l.f1 == 0) invalid(fmt::format("layout {}: F1 = 0 (must be >= 1)", l.to_string()));
  if (l.f2 == 0) invalid(fmt::format("layout {}: F2 = 0 (must be >= 1)", l.to_string()));
  U64 n = 0;
  if (!mul_ok(l.f0(), l.f1, n) || !mul_ok(n, l.f2, n) || n > kMaxVns) {
    invalid(fmt::format("layout {}: F0*F1*F2 does not fit 63 bits", l.to_string()));
  }
  const U64 rows = ceil_div(n, static_cast<U64>(aw));
  U64 span = 0, end = 0;
  if (!mul_ok(rows, static_cast<U64>(ah), span) || !add_ok(l.base, span, end)) {
    invalid(fmt::format("layout {}: the end line base + {} * {} does not fit 64 bits",
                        l.to_string(), rows, ah));
  }
}

std::uint64_t vn_count(const top::Layout& l, int aw, int ah) {
  check_layout(l, aw, ah);
  return vns_of(l);
}

BankLine locate(const top::Layout& l, std::uint64_t a, std::uint64_t b, std::uint32_t e, int aw,
                int ah) {
  check_layout(l, aw, ah);
  if (a >= l.f0() * l.f1) {
    invalid(fmt::format("locate: a = {} out of range (F0*F1 = {}) for layout {}", a, l.f0() * l.f1,
                        l.to_string()));
  }
  if (b >= l.f2) {
    invalid(
        fmt::format("locate: b = {} out of range (F2 = {}) for layout {}", b, l.f2, l.to_string()));
  }
  if (e >= static_cast<std::uint32_t>(ah)) {
    invalid(fmt::format("locate: element e = {} out of range (AH = {})", e, ah));
  }
  const top::Layout::Addr at = l.addr(a, b, e, aw, ah);
  return BankLine{at.bank, at.line};
}

std::optional<VnElem> inverse(const top::Layout& l, BankLine at, int aw, int ah) {
  check_layout(l, aw, ah);
  if (at.bank >= static_cast<std::uint32_t>(aw)) {
    invalid(fmt::format("inverse: bank {} out of range (AW = {})", at.bank, aw));
  }
  if (at.line < l.base) return std::nullopt;
  const U64 n = vns_of(l), uaw = static_cast<U64>(aw), uah = static_cast<U64>(ah);
  const U64 rel = at.line - l.base, v = rel / uah;
  if (v >= ceil_div(n, uaw)) return std::nullopt;
  const U64 flat = v * uaw + at.bank;  // < rows * aw <= n + aw: no overflow
  if (flat >= n) return std::nullopt;  // padding in the last vn-row
  const std::array<U64, 3> size = {l.f0(), l.f1, l.f2};
  const auto& dig = kOrderDigits[l.order];
  std::array<U64, 3> d{};
  d[static_cast<std::size_t>(dig[2])] = flat % size[static_cast<std::size_t>(dig[2])];
  const U64 rest = flat / size[static_cast<std::size_t>(dig[2])];
  d[static_cast<std::size_t>(dig[1])] = rest % size[static_cast<std::size_t>(dig[1])];
  d[static_cast<std::size_t>(dig[0])] = rest / size[static_cast<std::size_t>(dig[1])];
  return VnElem{d[1] * l.f0() + d[0], d[2], static_cast<std::uint32_t>(rel % uah)};
}

top::Layout minisa_layout(Operand op, std::uint32_t order, std::uint64_t l0, std::uint64_t l1,
                          std::uint64_t vn, int aw, std::uint64_t base) {
  const OperandNames& nm = names(op);
  if (aw < 1 || aw > kMaxBanks) {
    invalid(fmt::format("MINISA layout: AW = {} (legal 1..{})", aw, kMaxBanks));
  }
  if (order > 5) invalid(fmt::format("MINISA layout: order {} > 5", order));
  if (l0 == 0 || !std::has_single_bit(l0)) {
    invalid(fmt::format("MINISA layout: {} = {} is not a power of two (F0 = 2^f0log)", nm.factor[0],
                        l0));
  }
  if (l0 > static_cast<U64>(aw)) {
    invalid(fmt::format("MINISA layout: {} = {} > AW = {} (the L0 factor spreads over the banks)",
                        nm.factor[0], l0, aw));
  }
  if (l1 == 0) invalid(fmt::format("MINISA layout: {} = 0 (must be >= 1)", nm.factor[1]));
  if (vn == 0) invalid(fmt::format("MINISA layout: {} = 0 (must be >= 1)", nm.factor[2]));
  U64 n = 0;
  if (!mul_ok(l0, l1, n) || !mul_ok(n, vn, n) || n > kMaxVns) {
    invalid(fmt::format("MINISA layout: {}*{}*{} = {}*{}*{} does not fit 63 bits", nm.factor[0],
                        nm.factor[1], nm.factor[2], l0, l1, vn));
  }
  top::Layout l;
  l.order = order;
  l.f0log = static_cast<std::uint32_t>(std::countr_zero(l0));
  l.f1 = l1;
  l.f2 = vn;
  l.base = base;
  return l;
}

top::Layout w_layout(std::uint32_t order, std::uint64_t n_l0, std::uint64_t n_l1,
                     std::uint64_t k_l1, int aw, std::uint64_t base) {
  return minisa_layout(Operand::kW, order, n_l0, n_l1, k_l1, aw, base);
}
top::Layout i_layout(std::uint32_t order, std::uint64_t m_l0, std::uint64_t m_l1,
                     std::uint64_t j_l1, int aw, std::uint64_t base) {
  return minisa_layout(Operand::kI, order, m_l0, m_l1, j_l1, aw, base);
}
top::Layout o_layout(std::uint32_t order, std::uint64_t p_l0, std::uint64_t p_l1,
                     std::uint64_t q_l1, int aw, std::uint64_t base) {
  return minisa_layout(Operand::kO, order, p_l0, p_l1, q_l1, aw, base);
}

std::string describe(const top::Layout& l, Operand op) {
  const OperandNames& nm = names(op);
  std::string digits = "illegal";
  if (l.order <= 5) {
    const auto& dig = kOrderDigits[l.order];
    digits = fmt::format("{}, {}, {}", nm.digit[static_cast<std::size_t>(dig[0])],
                         nm.digit[static_cast<std::size_t>(dig[1])],
                         nm.digit[static_cast<std::size_t>(dig[2])]);
  }
  const std::string f0 = l.f0log < 64 ? fmt::format("{}", l.f0()) : fmt::format("2^{}", l.f0log);
  std::string s = fmt::format("order {} ({}): {}={} {}={} {}={}", l.order, digits, nm.factor[0], f0,
                              nm.factor[1], l.f1, nm.factor[2], l.f2);
  if (l.base != 0) s += fmt::format(" base={}", l.base);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Conflicts.

std::optional<Conflict> find_conflict(std::span<const BankLine> reads) {
  // The first read of each bank: the first conflicting read j conflicts with it (every earlier
  // read of that bank shares its line, or the conflict would have come earlier).
  std::unordered_map<std::uint32_t, std::size_t> first;
  for (std::size_t j = 0; j < reads.size(); ++j) {
    auto [it, fresh] = first.emplace(reads[j].bank, j);
    if (!fresh && reads[it->second].line != reads[j].line) {
      return Conflict{it->second, j, reads[it->second], reads[j]};
    }
  }
  return std::nullopt;
}

namespace {

std::vector<BankLine> locate_all(const top::Layout& l, std::span<const VnRead> reads, int aw,
                                 int ah) {
  std::vector<BankLine> at;
  at.reserve(reads.size());
  for (const VnRead& r : reads) at.push_back(locate(l, r.a, r.b, r.e, aw, ah));
  return at;
}

}  // namespace

std::optional<Conflict> find_conflict(const top::Layout& l, std::span<const VnRead> reads, int aw,
                                      int ah) {
  const std::vector<BankLine> at = locate_all(l, reads, aw, ah);
  return find_conflict(at);
}

std::optional<Conflict> find_beat_conflict(
    const top::Layout& l, std::span<const std::pair<std::uint64_t, std::uint64_t>> vns, int aw,
    int ah) {
  std::vector<VnRead> reads;
  reads.reserve(vns.size());
  for (const auto& [a, b] : vns) reads.push_back(VnRead{a, b, 0});
  return find_conflict(l, reads, aw, ah);
}

CycleLoad cycle_load(std::span<const BankLine> reads, int aw, int ports) {
  if (aw < 1 || aw > kMaxBanks) {
    invalid(fmt::format("cycle_load: aw = {} (legal 1..{})", aw, kMaxBanks));
  }
  if (ports < 1) invalid(fmt::format("cycle_load: ports = {} (must be >= 1)", ports));
  std::vector<BankLine> at(reads.begin(), reads.end());
  for (const BankLine& r : at) {
    if (r.bank >= static_cast<std::uint32_t>(aw)) {
      invalid(fmt::format("cycle_load: bank {} out of range (AW = {})", r.bank, aw));
    }
  }
  std::sort(at.begin(), at.end());
  at.erase(std::unique(at.begin(), at.end()), at.end());
  CycleLoad c;
  c.lines.assign(static_cast<std::size_t>(aw), 0);
  for (const BankLine& r : at) ++c.lines[r.bank];
  for (std::size_t b = 0; b < c.lines.size(); ++b) {
    if (c.lines[b] > c.max_lines) {
      c.max_lines = c.lines[b];
      c.worst_bank = static_cast<std::uint32_t>(b);
    }
  }
  c.cycles = std::max<U64>(1, ceil_div(c.max_lines, static_cast<U64>(ports)));
  return c;
}

CycleLoad cycle_load(const top::Layout& l, std::span<const VnRead> reads, int aw, int ah,
                     int ports) {
  const std::vector<BankLine> at = locate_all(l, reads, aw, ah);
  return cycle_load(at, aw, ports);
}

namespace {

void add_step(PatternLoad& p, const CycleLoad& c) {
  ++p.steps;
  p.cycles += c.cycles;
  p.max_lines = std::max(p.max_lines, c.max_lines);
  p.step_cycles.push_back(c.cycles);
}

}  // namespace

PatternLoad pattern_load(const std::vector<std::vector<BankLine>>& steps, int aw, int ports) {
  PatternLoad p;
  for (const auto& s : steps) add_step(p, cycle_load(s, aw, ports));
  return p;
}

PatternLoad pattern_load(const top::Layout& l, const std::vector<std::vector<VnRead>>& steps,
                         int aw, int ah, int ports) {
  PatternLoad p;
  for (const auto& s : steps) add_step(p, cycle_load(l, s, aw, ah, ports));
  return p;
}

// ---------------------------------------------------------------------------------------------
// Tensor layouts.

std::string TensorLayout::to_string() const {
  std::string s(inter.begin(), inter.end());
  s += '_';
  for (const auto& [d, f] : intra) s += fmt::format("{}{}", d, f);
  return s;
}

int TensorLayout::factor(char dim) const {
  for (const auto& [d, f] : intra) {
    if (d == dim) return f;
  }
  return 1;
}

std::uint64_t TensorLayout::line_size() const {
  U64 n = 1;
  for (const auto& [d, f] : intra) n = sat_mul(n, f < 0 ? 0 : static_cast<U64>(f));
  return n;
}

TensorLayout parse_tensor_layout(std::string_view text, std::string_view letters) {
  for (char c : letters) {
    if (c < 'A' || c > 'Z') {
      invalid(fmt::format("parse_tensor_layout: dimension letters must be A..Z, got '{}'",
                          printable(c)));
    }
  }
  auto fail = [&](std::size_t pos, const std::string& what) {
    invalid(fmt::format("tensor layout '{}': position {}: {}", printable(text), pos, what));
  };
  auto known = [&](char c) { return letters.find(c) != std::string_view::npos; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  auto unknown = [&](std::size_t pos, char c) {
    fail(pos,
         fmt::format("'{}' is not a dimension letter (expected one of {})", printable(c), letters));
  };
  if (text.empty()) fail(0, "empty layout string (expected <inter>_<intra>, e.g. HWC_C32)");
  TensorLayout t;
  std::size_t pos = 0;
  for (; pos < text.size() && text[pos] != '_'; ++pos) {
    const char c = text[pos];
    if (digit(c)) {
      fail(pos,
           "a factor in the inter-line order: two-level layouts (like W32_W2) are not supported; "
           "the part before '_' lists dimension letters only");
    }
    if (!known(c)) unknown(pos, c);
    if (std::find(t.inter.begin(), t.inter.end(), c) != t.inter.end()) {
      fail(pos, fmt::format("dimension '{}' appears twice in the inter-line order", c));
    }
    t.inter.push_back(c);
  }
  if (pos == text.size()) {
    fail(pos, "missing '_' between the inter-line order and the intra-line tile");
  }
  if (t.inter.empty()) fail(0, "empty inter-line order before '_'");
  ++pos;
  if (pos == text.size()) fail(pos, "empty intra-line tile after '_'");
  U64 line = 1;
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == '_') {
      fail(pos, "a second '_': two-level layouts (like W32_W2) are not supported");
    }
    if (digit(c)) fail(pos, "a factor without a dimension letter before it");
    if (!known(c)) unknown(pos, c);
    for (const auto& [d, f] : t.intra) {
      if (d == c) fail(pos, fmt::format("dimension '{}' appears twice in the intra-line tile", c));
    }
    if (std::find(t.inter.begin(), t.inter.end(), c) == t.inter.end()) {
      fail(pos, fmt::format("intra-line dimension '{}' is not in the inter-line order", c));
    }
    const std::size_t start = ++pos;
    while (pos < text.size() && digit(text[pos])) ++pos;
    if (pos == start) fail(pos, fmt::format("missing factor after '{}'", c));
    const std::string_view num = text.substr(start, pos - start);
    if (num == "0") fail(start, fmt::format("factor 0 of '{}' (factors are >= 1)", c));
    if (num[0] == '0') fail(start, fmt::format("leading zero in the factor of '{}'", c));
    U64 v = 0;
    for (char ch : num) {
      v = v * 10 + static_cast<U64>(ch - '0');
      if (v > static_cast<U64>(kMaxFactor)) {
        fail(start, fmt::format("factor {} of '{}' is too large (at most {})", num, c, kMaxFactor));
      }
    }
    line *= v;
    if (line > static_cast<U64>(kMaxFactor)) {
      fail(start, fmt::format("the line holds {} elements (at most {})", line, kMaxFactor));
    }
    t.intra.emplace_back(c, static_cast<int>(v));
  }
  return t;
}

void check_tensor_layout(const TensorLayout& t, std::string_view letters) {
  // Printing and parsing back is the check: every malformed layout either prints to a string
  // the parser rejects or to one that reads back as a different layout.
  const std::string s = t.to_string();
  if (!(parse_tensor_layout(s, letters) == t)) {
    invalid(fmt::format("tensor layout '{}' is malformed (its parts do not read back as written)",
                        printable(s)));
  }
}

namespace {

// The address map of a tensor layout over concrete extents.
struct Plan {
  struct Digit {
    char dim;
    U64 extent;  // X
    U64 factor;  // f_X (intra factor, 1 if absent)
    U64 radix;   // ceil(X / f_X)
    U64 stride;  // of x div f_X in the line number
  };
  std::vector<Digit> inter;                 // the layout's inter order
  std::vector<std::pair<char, U64>> intra;  // (dim, bank stride), the intra order
  std::vector<U64> intra_factor;
  U64 lines = 1;
  U64 line_size = 1;

  const Digit& of(char d) const {
    return *std::find_if(inter.begin(), inter.end(), [d](const Digit& g) { return g.dim == d; });
  }
  U64 bank_stride(char d) const {
    for (const auto& [c, s] : intra) {
      if (c == d) return s;
    }
    return 0;
  }
};

std::string dims_text(const Dims& dims) {
  std::string s;
  for (const auto& [d, x] : dims) s += fmt::format("{}{}={}", s.empty() ? "" : " ", d, x);
  return s;
}

Plan make_plan(std::string_view fn, const TensorLayout& t, const Dims& dims, int line_size) {
  check_tensor_layout(t);
  for (const auto& [d, x] : dims) {
    if (std::find(t.inter.begin(), t.inter.end(), d) == t.inter.end()) {
      invalid(fmt::format("{}: an extent for '{}', which layout '{}' does not have", fn,
                          printable(d), t.to_string()));
    }
    if (x == 0) invalid(fmt::format("{}: extent {} = 0 (must be >= 1)", fn, d));
  }
  Plan p;
  for (char d : t.inter) {
    auto it = dims.find(d);
    if (it == dims.end()) {
      invalid(fmt::format("{}: no extent for '{}' of layout '{}'", fn, d, t.to_string()));
    }
    const auto f = static_cast<U64>(t.factor(d));
    p.inter.push_back(Plan::Digit{d, it->second, f, ceil_div(it->second, f), 0});
  }
  p.line_size = t.line_size();
  if (line_size < 1 || static_cast<U64>(line_size) != p.line_size) {
    invalid(fmt::format("{}: line size {} != {}, the product of the intra-line factors of '{}'", fn,
                        line_size, p.line_size, t.to_string()));
  }
  U64 stride = 1;
  for (auto it = p.inter.rbegin(); it != p.inter.rend(); ++it) {
    it->stride = stride;
    if (!mul_ok(stride, it->radix, stride) || sat_mul(stride, p.line_size) > kMaxSlots) {
      invalid(fmt::format("{}: layout '{}' over {} has more than 2^62 slots", fn, t.to_string(),
                          dims_text(dims)));
    }
  }
  p.lines = stride;
  U64 bank = 1;
  p.intra.resize(t.intra.size());
  p.intra_factor.resize(t.intra.size());
  for (std::size_t i = t.intra.size(); i-- > 0;) {
    p.intra[i] = {t.intra[i].first, bank};
    p.intra_factor[i] = static_cast<U64>(t.intra[i].second);
    bank *= p.intra_factor[i];
  }
  return p;
}

}  // namespace

std::uint64_t tensor_lines(const TensorLayout& t, const Dims& dims) {
  return make_plan("tensor_lines", t, dims, static_cast<int>(t.line_size())).lines;
}

BankLine tensor_locate(const TensorLayout& t, const Dims& dims, const Dims& coord, int line_size) {
  const Plan p = make_plan("tensor_locate", t, dims, line_size);
  if (coord.size() != dims.size()) {
    invalid(fmt::format("tensor_locate: coordinate {} does not name the dimensions {}",
                        dims_text(coord), dims_text(dims)));
  }
  BankLine at;
  for (const Plan::Digit& g : p.inter) {
    auto it = coord.find(g.dim);
    if (it == coord.end()) {
      invalid(fmt::format("tensor_locate: coordinate {} has no '{}'", dims_text(coord), g.dim));
    }
    if (it->second >= g.extent) {
      invalid(fmt::format("tensor_locate: {} = {} out of range (extent {})", g.dim, it->second,
                          g.extent));
    }
    at.line += (it->second / g.factor) * g.stride;
    at.bank += static_cast<std::uint32_t>((it->second % g.factor) * p.bank_stride(g.dim));
  }
  return at;
}

std::optional<Dims> tensor_inverse(const TensorLayout& t, const Dims& dims, BankLine at,
                                   int line_size) {
  const Plan p = make_plan("tensor_inverse", t, dims, line_size);
  if (at.bank >= p.line_size) {
    invalid(
        fmt::format("tensor_inverse: bank {} out of range (line size {})", at.bank, p.line_size));
  }
  if (at.line >= p.lines) return std::nullopt;
  Dims lo;
  U64 bank = at.bank;
  for (std::size_t i = p.intra.size(); i-- > 0;) {
    lo[p.intra[i].first] = bank % p.intra_factor[i];
    bank /= p.intra_factor[i];
  }
  Dims x;
  U64 line = at.line;
  for (auto it = p.inter.rbegin(); it != p.inter.rend(); ++it) {
    const U64 hi = line % it->radix;
    line /= it->radix;
    const U64 v = hi * it->factor + (lo.count(it->dim) ? lo[it->dim] : 0);
    if (v >= it->extent) return std::nullopt;  // padding
    x[it->dim] = v;
  }
  return x;
}

// ---------------------------------------------------------------------------------------------
// The alias into the canonical descriptor.

Dims vn_dims(const Dims& act, int ah) {
  if (ah < 1 || ah > kMaxBanks)
    invalid(fmt::format("vn_dims: ah = {} (legal 1..{})", ah, kMaxBanks));
  if (act.size() != 3 || !act.count('H') || !act.count('W') || !act.count('C')) {
    invalid(
        fmt::format("vn_dims: an activation tensor has extents H, W, C (got {})", dims_text(act)));
  }
  for (const auto& [d, x] : act) {
    if (x == 0) invalid(fmt::format("vn_dims: extent {} = 0 (must be >= 1)", d));
  }
  return Dims{
      {'H', act.at('H')}, {'W', act.at('W')}, {'C', ceil_div(act.at('C'), static_cast<U64>(ah))}};
}

namespace {

// x -> a*(x mod p) + b*(x div p) on 0 <= x < X (p >= 1; p = kU64Max: the linear a*x).
struct Chain {
  U64 a = 0, b = 0, p = kU64Max;
  U64 at(U64 x) const { return a * (x % p) + b * (x / p); }
};

Chain linear(U64 a) { return Chain{a, 0, kU64Max}; }

// Products of strides: exact (saturating: a saturated stride matches nothing, every T value
// being below 2^62) or modulo `mod` (the bank, mod = aw).
struct Arith {
  U64 mod = 0;  // 0: exact
  U64 r(U64 v) const { return mod ? v % mod : v; }
  U64 mul(U64 a, U64 b) const { return mod ? (a % mod) * (b % mod) % mod : sat_mul(a, b); }
};

// The unique form of a chain as a function on 0..X-1 (values exact or mod `mod`): constant 0
// (X <= 1), linear with slope a, or two-piece (a, b, p) with 1 < p < X and b != a*p. Two
// chains are the same function iff their forms are equal: a two-piece chain's steps
// f(x+1) - f(x) are a except at x = p-1, 2p-1, ..., where the step is b - a*(p-1) != a.
struct ChainForm {
  int kind = 0;  // 0 zero, 1 linear, 2 two-piece
  U64 a = 0, b = 0, p = 0;
  bool operator==(const ChainForm&) const = default;
};

ChainForm form(const Chain& c, U64 extent, const Arith& ar) {
  if (extent <= 1) return {};
  const U64 a = ar.r(c.a), b = ar.r(c.b);
  if (c.p == 1) return ChainForm{1, b, 0, 0};
  if (c.p >= extent) return ChainForm{1, a, 0, 0};
  if (ar.mul(a, c.p) == b) return ChainForm{1, a, 0, 0};
  return ChainForm{2, a, b, c.p};
}

// The VN-tensor address T(h, w, j) = line * aw + bank of a tensor layout, as one chain per
// coordinate (T is the sum of the three).
struct TensorMap {
  U64 h = 1, w = 1, j = 1, m = 1;
  Chain ch, cw, cj;
  U64 pix(U64 mm) const { return ch.at(mm / w) + cw.at(mm % w); }
};

TensorMap tensor_map(const Plan& p, U64 aw) {
  TensorMap t;
  auto chain = [&](char d) {
    const Plan::Digit& g = p.of(d);
    return Chain{p.bank_stride(d), g.stride * aw, g.factor};
  };
  t.h = p.of('H').extent;
  t.w = p.of('W').extent;
  t.j = p.of('C').extent;
  t.m = t.h * t.w;
  t.ch = chain('H');
  t.cw = chain('W');
  t.cj = chain('C');
  return t;
}

// The strides of d0, d1, d2 in L for an order and sizes F0, F1, F2 (their product < 2^63).
std::array<U64, 3> strides(std::uint32_t order, const std::array<U64, 3>& size) {
  const auto& dig = kOrderDigits[order];
  std::array<U64, 3> s{};
  s[static_cast<std::size_t>(dig[2])] = 1;
  s[static_cast<std::size_t>(dig[1])] = size[static_cast<std::size_t>(dig[2])];
  s[static_cast<std::size_t>(dig[0])] =
      size[static_cast<std::size_t>(dig[2])] * size[static_cast<std::size_t>(dig[1])];
  return s;
}

// Whether the descriptor (order, F0, F1, F2) gives every VN (m = h*W + w, j) of the tensor the
// flat index L = T(h, w, j) (exact) or L = T (mod aw) (banks).
//
// L = P(m) + s2*j with P(m) = s0*(m mod F0) + s1*(m div F0); T is a sum of one chain per
// coordinate, so L = T iff s2*j matches T's j chain and P(h*W + w) splits into an h chain and a
// w chain that match T's. P splits in the cases below. In every other case (H, W >= 2,
// 1 < F0 < M, s1 != s0*F0, neither of F0, W divides the other) P(h*W + w) is not a function of
// h plus one of w, so it cannot equal T: P steps by s0 except at m = kF0 - 1; if W > F0 the
// step at w = F0 - 1 recurs in row h = 1 only if F0 divides W; if W < F0, with
// F0 = q*W + r (0 < r < W), the step at m = F0 - 1 lies inside row q while row 0 has none.
// (The same holds mod aw, steps compared mod aw.)
bool matches(const TensorMap& t, std::uint32_t order, U64 f0, U64 f1, U64 f2, const Arith& ar) {
  U64 n = 0;
  if (!mul_ok(f0, f1, n) || n < t.m || f2 < t.j || !mul_ok(n, f2, n) || n > kMaxVns) return false;
  const std::array<U64, 3> s = strides(order, {f0, f1, f2});
  const U64 s0 = s[0], s1 = s[1], s2 = s[2];
  Chain ph, pw;
  const bool lin = ar.mul(s0, f0) == ar.r(s1);
  if (f0 == 1) {
    ph = linear(ar.mul(s1, t.w));
    pw = linear(s1);
  } else if (f0 >= t.m || lin) {
    ph = linear(ar.mul(s0, t.w));
    pw = linear(s0);
  } else if (t.h == 1) {
    pw = Chain{s0, s1, f0};
  } else if (t.w == 1) {
    ph = Chain{s0, s1, f0};
  } else if (t.w % f0 == 0) {
    pw = Chain{s0, s1, f0};
    ph = linear(ar.mul(s1, t.w / f0));
  } else if (f0 % t.w == 0) {
    pw = linear(s0);
    ph = Chain{ar.mul(s0, t.w), s1, f0 / t.w};
  } else {
    return false;
  }
  return form(ph, t.h, ar) == form(t.ch, t.h, ar) && form(pw, t.w, ar) == form(t.cw, t.w, ar) &&
         form(linear(s2), t.j, ar) == form(t.cj, t.j, ar);
}

// The smallest x >= lo with a*x == v (exact: x = v / a, nullopt unless a divides v) or
// a*x == v (mod ar.mod), nullopt if there is none.
std::optional<U64> solve_linear(U64 a, U64 v, U64 lo, const Arith& ar) {
  if (!ar.mod) {
    if (a == 0 || v % a != 0 || v / a == 0) return std::nullopt;
    return v / a;
  }
  const auto mod = static_cast<std::int64_t>(ar.mod);
  const auto aa = static_cast<std::int64_t>(a % ar.mod), vv = static_cast<std::int64_t>(v % ar.mod);
  // Extended Euclid on (aa, mod): g = gcd = aa*x + mod*y.
  std::int64_t g = mod, x = 0, r = aa, xr = 1;
  while (r != 0) {
    const std::int64_t q = g / r;
    std::tie(g, r) = std::make_pair(r, g - q * r);
    std::tie(x, xr) = std::make_pair(xr, x - q * xr);
  }
  if (vv % g != 0) return std::nullopt;
  const std::int64_t period = mod / g;  // solutions: x0 + k*period
  const std::int64_t x0 = ((x % period + period) % period) * ((vv / g) % period) % period;
  const auto p = static_cast<U64>(period);
  return lo + (static_cast<U64>(x0) + p - lo % p) % p;
}

// F1, F2 for an order and F0, read off T at probe points: s0 = T(pixel 1), s1 = T(pixel F0),
// s2 = T(j = 1) (exact, or mod aw for kBanks), each only where that digit takes two values;
// each stride equation gives the smallest size that satisfies it (and its range), and a size
// no probe sees matters only for the range and takes its minimum. The strides (mod aw) are
// then the same for every (F1, F2) that satisfies the probes, so if any such pair matches for
// this order and F0, this one does, with the smallest F1*F2.
std::optional<std::pair<U64, U64>> solve(const TensorMap& t, std::uint32_t order, U64 f0,
                                         const Arith& ar) {
  const U64 min1 = ceil_div(t.m, f0), min2 = t.j;
  auto probe = [&](bool seen, U64 v) { return seen ? std::optional<U64>(ar.r(v)) : std::nullopt; };
  const std::optional<U64> o0 = probe(f0 >= 2 && t.m >= 2, f0 >= 2 && t.m >= 2 ? t.pix(1) : 0);
  const std::optional<U64> o1 = probe(t.m > f0, t.m > f0 ? t.pix(f0) : 0);
  const std::optional<U64> o2 = probe(t.j >= 2, t.cj.at(1));
  auto lin = [&](U64 a, U64 v, U64 lo) { return solve_linear(a, v, lo, ar); };
  std::optional<U64> f1, f2;
  switch (order) {
    case 0:  // s1 = 1, s0 = F1, s2 = F0*F1
      f1 = o0 ? lin(1, *o0, min1) : o2 ? lin(f0, *o2, min1) : min1;
      f2 = min2;
      break;
    case 1:  // s0 = 1, s1 = F0, s2 = F0*F1
      f1 = o2 ? lin(f0, *o2, min1) : min1;
      f2 = min2;
      break;
    case 2:  // s1 = 1, s2 = F1, s0 = F2*F1
      if (o2) {
        f1 = lin(1, *o2, min1);
        f2 = !f1 ? std::nullopt : o0 ? lin(*f1, *o0, min2) : min2;
      } else {  // J = 1: only F1*F2 is seen; F2 = 1 gives the smallest product
        f1 = o0 ? lin(1, *o0, min1) : min1;
        f2 = 1;
      }
      break;
    case 3:  // s2 = 1, s1 = F2, s0 = F1*F2
      if (o1) {
        f2 = lin(1, *o1, min2);
        f1 = !f2 ? std::nullopt : o0 ? lin(*f2, *o0, min1) : min1;
      } else {  // M <= F0 (min1 = 1): only F1*F2 is seen; F1 = 1 gives the smallest product
        f1 = 1;
        f2 = o0 ? lin(1, *o0, min2) : min2;
      }
      break;
    case 4:  // s0 = 1, s2 = F0, s1 = F2*F0
      f1 = min1;
      f2 = o1 ? lin(f0, *o1, min2) : min2;
      break;
    default:  // 5: s2 = 1, s0 = F2, s1 = F0*F2
      f1 = min1;
      f2 = o0 ? lin(1, *o0, min2) : o1 ? lin(f0, *o1, min2) : min2;
      break;
  }
  if (!f1 || !f2) return std::nullopt;
  return std::pair<U64, U64>{*f1, *f2};
}

// Why no descriptor reproduces the string (for the message).
std::string alias_problems(const TensorLayout& tl, const Plan& p, U64 aw, AliasMode mode) {
  std::vector<std::string> why;
  const Plan::Digit &gh = p.of('H'), &gw = p.of('W'), &gc = p.of('C');
  auto inter_pos = [&](char d) {
    return std::find(tl.inter.begin(), tl.inter.end(), d) - tl.inter.begin();
  };
  auto intra_pos = [&](char d) {
    for (std::size_t i = 0; i < tl.intra.size(); ++i) {
      if (tl.intra[i].first == d) return static_cast<std::ptrdiff_t>(i);
    }
    return std::ptrdiff_t{-1};
  };
  if (mode == AliasMode::kExact) {
    // The non-trivial pixel digits in T's order: inter digits (radix > 1), then intra digits
    // (factor > 1). a = h*W + w wants every h digit before every w digit.
    std::vector<char> seq;
    for (char d : tl.inter) {
      if ((d == 'H' || d == 'W') && p.of(d).radix > 1) seq.push_back(d);
    }
    for (const auto& [d, f] : tl.intra) {
      if ((d == 'H' || d == 'W') && f > 1 && p.of(d).extent > 1) seq.push_back(d);
    }
    const auto first_h = std::find(seq.begin(), seq.end(), 'H');
    if (gh.extent > 1 && first_h != seq.end() && std::find(seq.begin(), first_h, 'W') != first_h) {
      why.push_back(
          "a W digit comes before an H digit (W outer than H), but the pixel index a = h*W + w "
          "runs w inside h (W outside H is expressible only as the F0 digit: all of W, a power "
          "of two <= AW)");
    }
    if (gh.extent > 1 && gw.extent % gw.factor != 0) {
      why.push_back(fmt::format(
          "W = {} is not a multiple of its intra-line factor {}: the tile leaves a gap after "
          "every pixel row, but a = h*W + w has none",
          gw.extent, gw.factor));
    }
    if (gc.factor > 1 && gc.radix > 1) {
      // j div fC (inter) and j mod fC (intra) must be adjacent digits to form one j.
      bool inner_hi = true, outer_lo = true;
      for (auto i = inter_pos('C') + 1; i < static_cast<std::ptrdiff_t>(tl.inter.size()); ++i) {
        if (p.of(tl.inter[static_cast<std::size_t>(i)]).radix > 1) inner_hi = false;
      }
      for (std::ptrdiff_t i = 0; i < intra_pos('C'); ++i) {
        if (tl.intra[static_cast<std::size_t>(i)].second > 1) outer_lo = false;
      }
      if (!inner_hi || !outer_lo) {
        why.push_back(fmt::format(
            "the channel-VN index j is cut into j div {0} (inter-line) and j mod {0} "
            "(intra-line) with pixel digits between them, but the canonical j (the F2 digit) is "
            "one digit",
            gc.factor));
      }
    }
    why.push_back(fmt::format(
        "no order 0..5 with F0 = 2^k <= {} puts every VN in the bank and vn-row the string "
        "does (AliasMode::kBanks asks for the banks only)",
        aw));
  } else {
    why.push_back(fmt::format(
        "no order 0..5 with F0 = 2^k <= {} puts every VN in the bank the string does", aw));
  }
  std::string s;
  for (const auto& w : why) s += (s.empty() ? "" : "; ") + w;
  return s;
}

}  // namespace

top::Layout to_vn_layout(const TensorLayout& t, const Dims& act, int aw, int ah, std::uint64_t base,
                         AliasMode mode) {
  check_banks("to_vn_layout", aw, ah);
  check_tensor_layout(t);
  {
    std::vector<char> sorted = t.inter;
    std::sort(sorted.begin(), sorted.end());
    if (sorted != std::vector<char>{'C', 'H', 'W'}) {
      invalid(fmt::format(
          "to_vn_layout: '{}' is not an activation layout: its inter-line order must list H, W "
          "and C",
          t.to_string()));
    }
  }
  const Dims vd = vn_dims(act, ah);
  const U64 uaw = static_cast<U64>(aw);
  if (t.line_size() != uaw) {
    invalid(fmt::format(
        "to_vn_layout: the tile of '{}' holds {} VNs, but a line of the canonical layout is AW = "
        "{} banks (one VN each)",
        t.to_string(), t.line_size(), aw));
  }
  const Plan p = make_plan("to_vn_layout", t, vd, aw);
  const TensorMap tm = tensor_map(p, uaw);
  const Arith ar{mode == AliasMode::kExact ? 0 : uaw};
  const U64 pixels = static_cast<U64>(t.factor('H')) * static_cast<U64>(t.factor('W'));
  std::optional<top::Layout> best;
  std::tuple<U64, bool, std::uint32_t> best_key{};
  for (std::uint32_t f0log = 0; (U64{1} << f0log) <= uaw; ++f0log) {
    const U64 f0 = U64{1} << f0log;
    for (std::uint32_t order = 0; order <= 5; ++order) {
      const auto sizes = solve(tm, order, f0, ar);
      if (!sizes) continue;
      const auto [f1, f2] = *sizes;
      if (!matches(tm, order, f0, f1, f2, ar)) continue;
      const std::tuple<U64, bool, std::uint32_t> key{f0 * f1 * f2, f0 != pixels, order};
      if (!best || key < best_key) {
        best = top::Layout{order, f0log, f1, f2, base};
        best_key = key;
      }
    }
  }
  if (!best) {
    invalid(fmt::format(
        "to_vn_layout: '{}' over H={} W={} C={} (J={} VNs of AH={}, AW={}) has no canonical VN "
        "descriptor{}: {}",
        t.to_string(), act.at('H'), act.at('W'), act.at('C'), vd.at('C'), ah, aw,
        mode == AliasMode::kBanks ? " with the same banks" : "", alias_problems(t, p, uaw, mode)));
  }
  check_layout(*best, aw, ah);
  return *best;
}

}  // namespace feather::map
