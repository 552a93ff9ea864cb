// Internal to the layout algebra (sw/src/map/layout*.cpp; not a public header): the limits, the
// message helpers and the order table the canonical descriptor (layout.cpp), the tensor layouts
// (layout_tensor.cpp) and the alias between them (layout_alias.cpp) share, and the address map
// of a tensor layout over concrete extents.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "feather/map/layout.hpp"

namespace feather::map::layout_detail {

using U64 = std::uint64_t;

constexpr U64 kU64Max = std::numeric_limits<U64>::max();
constexpr U64 kMaxVns = (U64{1} << 63) - 1;  // F0*F1*F2 must stay below 2^63
constexpr U64 kMaxSlots = U64{1} << 62;      // lines * line size of a tensor layout
[[noreturn]] inline void invalid(const std::string& what) { throw std::invalid_argument(what); }

inline U64 ceil_div(U64 a, U64 b) { return a / b + (a % b != 0 ? 1 : 0); }

// Throws unless 1 <= aw, ah <= kMaxBanks (fn names the caller in the message).
void check_banks(std::string_view fn, int aw, int ah);

// Digit indices (0: d0 = a mod F0, 1: d1 = a div F0, 2: d2 = b) outer -> inner, per order.
inline constexpr std::array<std::array<int, 3>, 6> kOrderDigits = {{
    {2, 0, 1},
    {2, 1, 0},
    {0, 2, 1},
    {0, 1, 2},
    {1, 2, 0},
    {1, 0, 2},
}};

// The layout string as text for a message: printable ASCII as is, other bytes as \xNN.
std::string printable(std::string_view s);
std::string printable(char c);

// ---------------------------------------------------------------------------------------------
// The address map of a tensor layout over concrete extents (layout_tensor.cpp).

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

// "H=2 W=3 C=4".
std::string dims_text(const Dims& dims);
// The plan of `t` over `dims`; throws (naming fn) for an illegal layout, extents that do not
// match its letters, a line size other than the product of its intra factors, or 2^62 slots or
// more.
Plan make_plan(std::string_view fn, const TensorLayout& t, const Dims& dims, int line_size);

}  // namespace feather::map::layout_detail
