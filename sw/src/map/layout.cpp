// The layout algebra (docs/layouts.md).
//
// Files: layout.cpp (this: the canonical descriptor and the bank conflicts), layout_tensor.cpp
// (LayoutLoop-style tensor layouts), layout_alias.cpp (the alias of a tensor layout into the
// canonical descriptor); layout_internal.hpp holds what they share.
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
#include "layout_internal.hpp"

namespace feather::map {

using namespace layout_detail;

namespace layout_detail {

void check_banks(std::string_view fn, int aw, int ah) {
  if (aw < 1 || aw > kMaxBanks)
    invalid(fmt::format("{}: aw = {} (legal 1..{})", fn, aw, kMaxBanks));
  if (ah < 1 || ah > kMaxBanks)
    invalid(fmt::format("{}: ah = {} (legal 1..{})", fn, ah, kMaxBanks));
}

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

}  // namespace layout_detail

namespace {

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

}  // namespace feather::map
