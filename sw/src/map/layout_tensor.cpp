// The layout algebra's LayoutLoop-style tensor layouts (docs/layouts.md): "<inter>_<intra>"
// strings, their parser and their address map over concrete extents with its inverse.
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>

#include "feather/common/sat.hpp"
#include "feather/map/layout.hpp"
#include "layout_internal.hpp"

namespace feather::map {

using namespace layout_detail;

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

namespace layout_detail {

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

}  // namespace layout_detail

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

}  // namespace feather::map
