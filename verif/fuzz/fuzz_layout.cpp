// libFuzzer target: the layout algebra (feather/map/layout.hpp): tensor layout strings, the
// canonical VN descriptor's address map and inverse, the MINISA naming, conflict detection.
//
// Input: byte 0 selects the mode (mod 3).
//   0  string: byte 1 the letter set (kLetterSets), byte 2 an extent seed (bit 7: bank alias),
//      byte 3 the VN size AH (1 << (b % 5)), the rest the layout text.
//   1  descriptor: aw, ah (kInts: legal and illegal), order, f0log, F1, F2, base, then eight
//      (a, b, e) queries and eight (bank, line) queries.
//   2  MINISA: operand, order, l0, l1, vn, aw, base.
// Properties:
//   - parse_tensor_layout throws std::invalid_argument with a message, or returns a layout that
//     check_tensor_layout accepts, whose to_string() parses back to the same layout and is a
//     fixed point; on a small tensor its address map is a bijection onto the non-padding slots;
//     over H, W, C, to_vn_layout (exact, or banks when bit 7 of the extent seed is set) throws
//     std::invalid_argument or returns a descriptor that puts every sampled VN in the bank (and,
//     exact, the line) the string does;
//   - locate / inverse never crash: an illegal descriptor or query throws
//     std::invalid_argument, a legal one round-trips (inverse(locate(x)) == x, and a slot that
//     inverts locates back to itself); the conflict detector agrees with a brute-force scan;
//   - minisa_layout throws std::invalid_argument or returns exactly the requested factors.
#include <fmt/format.h>

#include <climits>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "feather/map/layout.hpp"
#include "fuzz_util.hpp"

using feather::fuzz::Bytes;
using feather::fuzz::check;
using feather::fuzz::fail;
using feather::fuzz::mix;
using feather::fuzz::note;
namespace fm = feather::map;
namespace top = feather::top;

namespace {

using U64 = std::uint64_t;

constexpr std::string_view kLetterSets[8] = {fm::kDimLetters, "HWC",  "KCRS",          "NHWC",
                                             "HWCNPQ",        "MCRS", fm::kDimLetters, "Hw"};

constexpr int kInts[16] = {4, 8, 16, 32, 64, 2, 1, 3, 12, 0, -1, 65536, 65537, INT_MAX, 6, 128};

int pick_int(Bytes& in) {
  const std::uint8_t b = in.u8();
  return b < 0xF0 ? kInts[b % 6] : kInts[b - 0xF0];
}

// A 64-bit value: mostly small (so that factors stay enumerable), sometimes any.
U64 pick_u64(Bytes& in) {
  const std::uint8_t sel = in.u8();
  if (sel < 0xC0) return sel % 24;
  if (sel < 0xE0) return in.u32();
  return U64{in.u32()} | (U64{in.u32()} << 32);
}

// Calls f; an std::invalid_argument (with a message) is an accepted outcome, reported as false.
template <class F>
bool attempt(F&& f, std::string_view what) {
  try {
    f();
    return true;
  } catch (const std::invalid_argument& e) {
    check(std::string_view(e.what()).size() > 0, fmt::format("{} threw an empty message", what));
    note("{}: {}", what, e.what());
    return false;
  }
}

void fuzz_string(Bytes& in, std::string_view text) {
  const std::string_view letters = kLetterSets[in.u8() % 8];
  const std::uint8_t seed = in.u8();
  const int ah = 1 << (in.u8() % 5);
  fm::TensorLayout t;
  if (!attempt([&] { t = fm::parse_tensor_layout(text, letters); }, "parse_tensor_layout")) {
    return;
  }
  const std::string printed = t.to_string();
  note("parsed '{}'", printed);
  check(attempt([&] { fm::check_tensor_layout(t, letters); }, "check_tensor_layout"),
        fmt::format("check_tensor_layout rejects the parsed '{}'", printed));
  fm::TensorLayout back;
  if (!attempt([&] { back = fm::parse_tensor_layout(printed, letters); }, "reparse")) {
    fail(fmt::format("to_string() '{}' does not parse back", printed));
  }
  check(back == t,
        fmt::format("'{}' parses back to a different layout '{}'", printed, back.to_string()));
  check(back.to_string() == printed, "print is not a fixed point");
  check(t.line_size() >= 1 && t.line_size() <= static_cast<U64>(fm::kMaxFactor),
        fmt::format("line size {} out of range", t.line_size()));

  // A small tensor: extents 1..6 per letter; enumerate when small, else sample.
  fm::Dims dims;
  U64 h = seed;
  for (char d : t.inter) {
    h = mix(h);
    dims[d] = 1 + h % 6;
  }
  const int ls = static_cast<int>(t.line_size());
  const U64 lines = fm::tensor_lines(t, dims);
  U64 elements = 1;
  for (const auto& [d, x] : dims) elements *= x;
  std::set<fm::BankLine> seen;
  for (U64 k = 0; k < std::min<U64>(elements, 512); ++k) {
    fm::Dims x;
    U64 r = elements <= 512 ? k : mix(h + k) % elements;
    for (const auto& [d, ext] : dims) {
      x[d] = r % ext;
      r /= ext;
    }
    const fm::BankLine at = fm::tensor_locate(t, dims, x, ls);
    check(at.line < lines && at.bank < static_cast<std::uint32_t>(ls),
          fmt::format("'{}': an element beyond the footprint", printed));
    check(fm::tensor_inverse(t, dims, at, ls) == x,
          fmt::format("'{}': tensor_inverse(tensor_locate(x)) != x", printed));
    if (elements <= 512) check(seen.insert(at).second, "tensor_locate is not injective");
    const fm::BankLine slot{static_cast<std::uint32_t>(mix(r + k) % static_cast<U64>(ls)),
                            mix(k + 7) % (lines + 1)};
    const auto y = fm::tensor_inverse(t, dims, slot, ls);
    if (y) {
      check(fm::tensor_locate(t, dims, *y, ls) == slot,
            fmt::format("'{}': a slot inverts to an element that locates elsewhere", printed));
    }
  }

  // The alias, for a string over H, W, C whose line is at most 64 VNs.
  if (dims.size() != 3 || !dims.count('H') || !dims.count('W') || !dims.count('C')) return;
  fm::Dims shape = dims;
  shape['C'] = dims['C'] * static_cast<U64>(ah) - (seed % static_cast<U64>(ah));
  const fm::AliasMode mode = (seed & 0x80) ? fm::AliasMode::kBanks : fm::AliasMode::kExact;
  top::Layout l;
  if (!attempt([&] { l = fm::to_vn_layout(t, shape, ls, ah, seed, mode); }, "to_vn_layout")) {
    return;
  }
  const fm::Dims vd = fm::vn_dims(shape, ah);
  for (U64 k = 0; k < 64; ++k) {
    const U64 r = mix(seed + k * 31);
    const U64 hh = r % vd.at('H'), ww = (r >> 8) % vd.at('W'), jj = (r >> 16) % vd.at('C');
    const fm::BankLine tl = fm::tensor_locate(t, vd, fm::Dims{{'H', hh}, {'W', ww}, {'C', jj}}, ls);
    const fm::BankLine cl = fm::locate(l, hh * vd.at('W') + ww, jj, 0, ls, ah);
    check(cl.bank == tl.bank &&
              (mode == fm::AliasMode::kBanks || cl.line == seed + tl.line * static_cast<U64>(ah)),
          fmt::format("'{}' -> {}: VN (h={}, w={}, j={}) at bank {} line {}, the string says "
                      "bank {} line {}",
                      printed, l.to_string(), hh, ww, jj, cl.bank, cl.line, tl.bank, tl.line));
  }
}

void fuzz_descriptor(Bytes& in) {
  const int aw = pick_int(in), ah = pick_int(in);
  top::Layout l;
  l.order = in.u8() % 8;
  l.f0log = in.u8() % 70;
  l.f1 = pick_u64(in);
  l.f2 = pick_u64(in);
  l.base = pick_u64(in);
  note("layout {} aw={} ah={}", l.to_string(), aw, ah);
  const bool legal = attempt([&] { fm::check_layout(l, aw, ah); }, "check_layout");
  std::vector<fm::BankLine> reads;
  for (int k = 0; k < 8; ++k) {
    U64 a = pick_u64(in), b = pick_u64(in);
    auto e = static_cast<std::uint32_t>(pick_u64(in));
    if (legal && (k & 1)) {  // in range half the time
      a %= l.f0() * l.f1;
      b %= l.f2;
      e %= static_cast<std::uint32_t>(ah);
    }
    fm::BankLine at;
    if (!attempt([&] { at = fm::locate(l, a, b, e, aw, ah); }, "locate")) {
      check(!legal || !l.in_range(a, b) || e >= static_cast<std::uint32_t>(ah),
            "locate rejected an in-range element of a legal layout");
      continue;
    }
    check(legal, "locate accepted an illegal layout");
    check(at.bank < static_cast<std::uint32_t>(aw) && at.line >= l.base &&
              at.line < l.end_line(aw, ah),
          fmt::format("locate({}, {}, {}) = bank {} line {} is outside the footprint", a, b, e,
                      at.bank, at.line));
    const auto back = fm::inverse(l, at, aw, ah);
    check(back == fm::VnElem{a, b, e}, fmt::format("inverse(locate({}, {}, {})) differs", a, b, e));
    reads.push_back(at);
  }
  for (int k = 0; k < 8; ++k) {
    fm::BankLine slot{static_cast<std::uint32_t>(pick_u64(in)), pick_u64(in)};
    if (legal && (k & 1)) {
      slot.bank %= static_cast<std::uint32_t>(aw);
      const U64 span = l.end_line(aw, ah) - l.base;  // a line or two past the end as well
      slot.line = l.base + (span >= ~U64{0} - 2 ? slot.line : slot.line % (span + 2));
    }
    std::optional<fm::VnElem> x;
    if (!attempt([&] { x = fm::inverse(l, slot, aw, ah); }, "inverse")) continue;
    check(legal && slot.bank < static_cast<std::uint32_t>(aw), "inverse accepted bad arguments");
    if (!x) continue;
    check(fm::locate(l, x->a, x->b, x->e, aw, ah) == slot,
          fmt::format("slot bank {} line {} inverts to an element that locates elsewhere",
                      slot.bank, slot.line));
  }
  // The detector against a brute-force scan; the counting version's consistency.
  const auto c = fm::find_conflict(reads);
  std::optional<std::pair<std::size_t, std::size_t>> want;
  for (std::size_t j = 0; j < reads.size() && !want; ++j) {
    for (std::size_t i = 0; i < j && !want; ++i) {
      if (reads[i].bank == reads[j].bank && reads[i].line != reads[j].line) want = {i, j};
    }
  }
  check(c.has_value() == want.has_value() &&
            (!c || (c->first == want->first && c->second == want->second)),
        "find_conflict disagrees with the brute-force scan");
  if (legal) {
    const int ports = 1 + in.u8() % 3;
    const fm::CycleLoad load = fm::cycle_load(reads, aw, ports);
    check((load.max_lines <= 1) == !c.has_value(), "cycle_load disagrees with find_conflict");
    check(load.cycles == std::max<U64>(1, (load.max_lines + static_cast<U64>(ports) - 1) /
                                              static_cast<U64>(ports)),
          "cycle_load cycles");
  }
}

void fuzz_minisa(Bytes& in) {
  const auto op = static_cast<fm::Operand>(in.u8() % 3);
  const std::uint32_t order = in.u8() % 8;
  const U64 l0 = pick_u64(in), l1 = pick_u64(in), vn = pick_u64(in);
  const int aw = pick_int(in);
  const U64 base = pick_u64(in);
  top::Layout l;
  if (!attempt([&] { l = fm::minisa_layout(op, order, l0, l1, vn, aw, base); }, "minisa_layout")) {
    return;
  }
  check(l.order == order && l.f0log < 64 && l.f0() == l0 && l.f1 == l1 && l.f2 == vn &&
            l.base == base && l0 <= static_cast<U64>(aw),
        fmt::format("minisa_layout({}, {}, {}, {}) gave {}", order, l0, l1, vn, l.to_string()));
  const std::string d = fm::describe(l, op);
  check(d.find(fmt::format("order {} (", order)) == 0, "describe: " + d);
  // Legal for ah = 1 unless the base pushes the end line past 2^64.
  if (attempt([&] { fm::check_layout(l, aw, 1); }, "check_layout")) {
    (void)fm::locate(l, l0 * l1 - 1, vn - 1, 0, aw, 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  Bytes in(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      const std::size_t head = std::min<std::size_t>(3, size - 1);
      Bytes params(data + 1, head);
      fuzz_string(params, std::string_view(reinterpret_cast<const char*>(data + 1 + head),
                                           size - 1 - head));
      break;
    }
    case 1:
      fuzz_descriptor(in);
      break;
    default:
      fuzz_minisa(in);
      break;
  }
  return 0;
}
