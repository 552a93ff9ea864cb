// The layout algebra (docs/layouts.md): the ISA's VN layout descriptor (top::Layout, the
// MINISA three-factor layout) as an address map with its inverse, bank-conflict detection and
// counting, and LayoutLoop-style tensor layout strings ("HWC_C32", "CHW_W4H2C2") with their
// own address map and an alias into the canonical descriptor.
//
// Every function validates its arguments and throws std::invalid_argument with a message
// naming the offending value; none has undefined behaviour on any input.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "feather/top/isa.hpp"

namespace feather::map {

// ---------------------------------------------------------------------------------------------
// 1. The canonical descriptor {order, f0log, F1, F2, base} (docs/isa.md, "Layout descriptor").

// A buffer address: bank 0..aw-1 and line.
struct BankLine {
  std::uint32_t bank = 0;
  std::uint64_t line = 0;
  auto operator<=>(const BankLine&) const = default;
};

// Element e (0..ah-1) of VN (a, b): a = the split index (n, m, m), b = the plain index (j, j, q).
struct VnElem {
  std::uint64_t a = 0, b = 0;
  std::uint32_t e = 0;
  bool operator==(const VnElem&) const = default;
};

// The largest aw / ah the algebra accepts (the ISA's are 64; the algebra is generic).
inline constexpr int kMaxBanks = 1 << 16;

// Throws std::invalid_argument unless `l` is a legal descriptor for `aw` banks and VNs of `ah`
// elements: 1 <= aw, ah <= kMaxBanks, order <= 5, F1 >= 1, F2 >= 1, F0*F1*F2 < 2^63 and the
// end line base + ceil(F0*F1*F2 / aw)*ah representable. (Any aw, ah: powers of two are the
// ISA's business, top::TopParams.)
void check_layout(const top::Layout& l, int aw, int ah);
// F0*F1*F2 (the layout's VN count, padding VNs included); the layout must be legal.
std::uint64_t vn_count(const top::Layout& l, int aw, int ah);

// Where element e of VN (a, b) lives: L = l.flat(a, b), bank = L mod aw,
// line = base + (L div aw)*ah + e (the same as top::Layout::addr). Throws std::invalid_argument
// for an illegal layout, a >= F0*F1, b >= F2 or e >= ah (naming which).
BankLine locate(const top::Layout& l, std::uint64_t a, std::uint64_t b, std::uint32_t e, int aw,
                int ah);
// Which VN element is stored at `at`: the exact inverse of locate. nullopt for a line below
// base, beyond the layout, or a slot of the last vn-row no VN uses (L >= F0*F1*F2). Throws for
// an illegal layout or at.bank >= aw.
std::optional<VnElem> inverse(const top::Layout& l, BankLine at, int aw, int ah);

// MINISA naming. W: (N_L0, N_L1, K_L1), I: (M_L0, M_L1, J_L1), O: (P_L0, P_L1, Q_L1); the
// L0 factor is F0 (a power of two <= aw), L1 is F1 and the VN-index factor is F2.
enum class Operand { kW, kI, kO };
// Throws std::invalid_argument (naming the MINISA factor) unless order <= 5, l0 is a power of
// two <= aw, l1 >= 1, vn >= 1; the result is then a legal layout for any ah whose footprint fits.
top::Layout minisa_layout(Operand op, std::uint32_t order, std::uint64_t l0, std::uint64_t l1,
                          std::uint64_t vn, int aw, std::uint64_t base = 0);
top::Layout w_layout(std::uint32_t order, std::uint64_t n_l0, std::uint64_t n_l1,
                     std::uint64_t k_l1, int aw, std::uint64_t base = 0);
top::Layout i_layout(std::uint32_t order, std::uint64_t m_l0, std::uint64_t m_l1,
                     std::uint64_t j_l1, int aw, std::uint64_t base = 0);
top::Layout o_layout(std::uint32_t order, std::uint64_t p_l0, std::uint64_t p_l1,
                     std::uint64_t q_l1, int aw, std::uint64_t base = 0);
// "order 3 (nL0, nL1, kL1): N_L0=16 N_L1=4 K_L1=36" (" base=B" appended when base != 0).
std::string describe(const top::Layout& l, Operand op);

// ---------------------------------------------------------------------------------------------
// Bank conflicts. Reads of one cycle conflict when two of them are in the same bank at different
// lines; the same bank and line is one read (a broadcast) and legal.

struct VnRead {
  std::uint64_t a = 0, b = 0;
  std::uint32_t e = 0;
};

// The first conflicting pair: the smallest `second`, then the smallest `first` < second.
struct Conflict {
  std::size_t first = 0, second = 0;  // indices into the reads
  BankLine x, y;                      // their addresses (x.bank == y.bank, x.line != y.line)
};

std::optional<Conflict> find_conflict(std::span<const BankLine> reads);
// Reads of VN elements through layout l (each must be in range; throws otherwise).
std::optional<Conflict> find_conflict(const top::Layout& l, std::span<const VnRead> reads, int aw,
                                      int ah);
// One beat: every VN (a, b) is read at the same element, so they conflict iff two are in the
// same bank in different vn-rows.
std::optional<Conflict> find_beat_conflict(
    const top::Layout& l, std::span<const std::pair<std::uint64_t, std::uint64_t>> vns, int aw,
    int ah);

// Line reads per bank in one cycle of an access pattern.
struct CycleLoad {
  std::vector<std::uint64_t> lines;  // distinct lines read, per bank (aw entries)
  std::uint64_t max_lines = 0;       // over the banks
  std::uint32_t worst_bank = 0;      // the first bank with max_lines
  std::uint64_t cycles = 1;          // cycles the step needs: max(1, ceil(max_lines / ports))
};
// `ports` read ports per bank: 1 for the RTL (docs/isa.md), 2 = LayoutLoop's STANDARD.
CycleLoad cycle_load(std::span<const BankLine> reads, int aw, int ports = 1);
CycleLoad cycle_load(const top::Layout& l, std::span<const VnRead> reads, int aw, int ah,
                     int ports = 1);

// A whole access pattern: one entry per step (an ideal cycle).
struct PatternLoad {
  std::uint64_t steps = 0;                 // ideal cycles
  std::uint64_t cycles = 0;                // with conflicts: sum of the steps' cycles
  std::uint64_t max_lines = 0;             // worst step's max_lines
  std::vector<std::uint64_t> step_cycles;  // per step
  double slowdown() const { return steps == 0 ? 1.0 : double(cycles) / double(steps); }
};
PatternLoad pattern_load(const std::vector<std::vector<BankLine>>& steps, int aw, int ports = 1);
PatternLoad pattern_load(const top::Layout& l, const std::vector<std::vector<VnRead>>& steps,
                         int aw, int ah, int ports = 1);

// ---------------------------------------------------------------------------------------------
// 2. LayoutLoop-style tensor layouts: "<inter>_<intra>", e.g. HWC_C4W8. The inter part orders
// the dimensions across lines (outer -> inner); the intra part is the tile of one line, factors
// read outer -> inner as written (C4W8: offset = c_i*8 + w_i), one element per bank.

// Every letter the parser accepts by default: batch N, activations H W C, weights K (or M) C R
// S, outputs P Q.
inline constexpr std::string_view kDimLetters = "NHWCKMRSPQ";
// Largest intra factor and largest line (product of the intra factors).
inline constexpr int kMaxFactor = 1 << 16;

struct TensorLayout {
  std::vector<char> inter;                  // outer -> inner, each letter once
  std::vector<std::pair<char, int>> intra;  // outer -> inner, each letter once, factor >= 1
  std::string to_string() const;            // parse_tensor_layout(to_string()) == *this
  int factor(char dim) const;               // intra factor of dim, 1 if absent
  std::uint64_t line_size() const;          // product of the intra factors
  bool operator==(const TensorLayout&) const = default;
};

// Throws std::invalid_argument naming the position (0-based) and the problem: empty string or
// part, missing '_', a letter not in `letters`, a letter twice in one part, an intra letter not
// in the inter part, a digit in the inter part (two-level layouts like W32_W2 are not
// supported), a missing, zero, leading-zero or > kMaxFactor factor, a line > kMaxFactor
// elements, or any other character.
TensorLayout parse_tensor_layout(std::string_view text, std::string_view letters = kDimLetters);
// The parser's rules for a layout built by hand (throws std::invalid_argument).
void check_tensor_layout(const TensorLayout& t, std::string_view letters = kDimLetters);

// Extents (and coordinates) by dimension letter; exactly the inter letters.
using Dims = std::map<char, std::uint64_t>;

// Lines the tensor occupies: the product over the inter letters of ceil(X / f_X).
std::uint64_t tensor_lines(const TensorLayout& t, const Dims& dims);
// line = mixed-radix value of floor(x / f_x) over the inter order (radices ceil(X / f_x)),
// bank = mixed-radix value of (x mod f_x) over the intra order. Throws std::invalid_argument
// unless the layout is legal, dims has exactly the inter letters with extents >= 1 (and fewer
// than 2^62 slots), line_size equals the product of the intra factors and coord is in range.
BankLine tensor_locate(const TensorLayout& t, const Dims& dims, const Dims& coord, int line_size);
// The element at `at`, nullopt for a line beyond the tensor or a padding slot (x >= X).
// Throws like tensor_locate, or for at.bank >= line_size.
std::optional<Dims> tensor_inverse(const TensorLayout& t, const Dims& dims, BankLine at,
                                   int line_size);

// ---------------------------------------------------------------------------------------------
// The alias (docs/layouts.md): an activation tensor H x W x C kept as VNs, a = m = h*W + w,
// b = j = c div ah, element e = c mod ah. The string is read over the VN tensor H x W x J
// (J = ceil(C / ah)): its C factors count channel VNs, and its line has aw VNs, one per bank.
// With T(h, w, j) = line*aw + bank of the string over the VN tensor and L(m, j) the
// descriptor's flat index (docs/isa.md):
//   kExact: L(h*W + w, j) == T(h, w, j) for every VN of the tensor: each VN is in the bank and
//           vn-row where the string puts it (the string's line = the vn-row);
//   kBanks: L == T mod aw: each VN is in the bank the string gives it (vn-rows may differ).
// Either way two VNs share a bank under the descriptor iff they do under the string, so every
// set of VN reads of one beat conflicts (and counts lines per bank) alike. Among the
// descriptors that qualify (orders 0..5, F0 = 2^k <= aw, F0*F1 >= H*W, F2 >= J) the result
// has the smallest F0*F1*F2, then F0 = the pixels a line holds (f_H * f_W), then the lowest
// order, then the smallest F0.
enum class AliasMode { kExact, kBanks };

// H, W, C -> H, W, ceil(C / ah) (throws unless dims has exactly H, W, C >= 1 and ah >= 1).
Dims vn_dims(const Dims& act, int ah);
// Throws std::invalid_argument when the string is not over exactly H, W, C, its line is not aw
// VNs, or no descriptor qualifies, with the reason (e.g. W outer than H, padding inside a pixel
// row, the channel-VN index cut by pixel digits).
top::Layout to_vn_layout(const TensorLayout& t, const Dims& act, int aw, int ah,
                         std::uint64_t base = 0, AliasMode mode = AliasMode::kExact);

}  // namespace feather::map
