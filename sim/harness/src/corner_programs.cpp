// Directed programs at the corners of the top's control logic (random_stream.hpp,
// corner_programs), written to kill the survivors of the first mutation sample
// (docs/mutation.md).
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "feather/sim/random_stream.hpp"
#include "feather/top/random_program.hpp"

namespace feather::sim {

namespace {

// Factors a, b < 2^xw of the smallest product at or above 2^(2 xw - 1) (a row times a width
// whose top bit is that of a 2 xw-bit product), or nothing.
std::optional<std::pair<std::uint64_t, std::uint64_t>> product_at_top_bit(int xw) {
  if (xw < 2 || xw > 31) return std::nullopt;  // the product in 64 bits
  const std::uint64_t lim = std::uint64_t{1} << xw, top = std::uint64_t{1} << (2 * xw - 1);
  std::optional<std::pair<std::uint64_t, std::uint64_t>> best;
  for (std::uint64_t a = lim / 2 + 1; a < lim; ++a) {
    const std::uint64_t b = (top + a - 1) / a;
    if (b < lim && (!best || a * b < best->first * best->second)) best = {{a, b}};
  }
  return best;
}

}  // namespace

std::vector<ErrorProgram> corner_programs(const top::TopParams& p,
                                          const std::vector<top::Instr>& base) {
  using top::Instr;
  using top::Op;
  const auto aw = static_cast<std::uint64_t>(p.aw);
  const auto vnm1 = static_cast<std::uint32_t>(p.ah - 1);
  const int xw = p.xw();
  const std::int64_t lim = std::int64_t{1} << xw;
  std::vector<ErrorProgram> cases;
  {
    auto pr = base;
    pr[2].layout.window = {true, 0, 2, 1};
    cases.push_back({"a window of height 0", top::Err::kField, pr});
  }
  // Streams with a window whose columns all read one pixel, of channels in one bank at different
  // lines (the layout of "columns read one bank at different lines"): a conflict whenever the
  // pixel is in the image, none when it is padding.
  auto window_stream = [&](std::uint64_t ih, std::uint64_t iw, std::uint32_t stride) {
    auto pr = base;
    top::Layout li = top::stimulus_layout(1, aw, aw);
    li.window = {true, ih, iw, stride};
    pr[2] = Instr::set_layout(Op::kSetIvnLayout, li);
    return pr;
  };
  {
    // Pixel 2 (row 1): the pixel each wrong reading below would fetch.
    auto pr = window_stream(2, 2, 1);
    pr[5].iy0 = 1;
    pr[5].ix0 = 0;
    cases.push_back({"a window's columns reading pixel 2 in one bank", top::Err::kSConflict, pr});
  }
  {
    // iy0 = 1 - 2^XW: far above the image (padding); its low bits alone are row 1.
    auto pr = window_stream(2, 2, 1);
    pr[5].iy0 = 1 - lim;
    pr[5].ix0 = 0;
    cases.push_back({"a window origin at the most negative rows", top::Err::kNone, pr});
  }
  {
    // The step base's x reaches 2^XW exactly after step 0 (x = -2 + (2^XW + 2)), and every later
    // pixel is past the image; x taken modulo 2^(XW+1) would come back to pixel 2 in step 2.
    auto pr = window_stream(1, 4, 2);
    pr[5].m0 = 0;
    pr[5].sm = static_cast<std::uint64_t>(lim / 2 + 1);
    pr[5].t = 3;
    pr[5].iy0 = 0;
    pr[5].ix0 = -2;
    cases.push_back({"a window step base reaching 2^XW exactly", top::Err::kNone, pr});
  }
  if (const auto f = product_at_top_bit(xw);
      f && f->first * f->second - (std::uint64_t{1} << (2 * xw - 1)) < aw) {
    // Row iy of width iw at a pixel index of 2 XW bits whose top bit is set: far past any layout
    // (padding); without that bit it would be pixel 2 or so, in the layout.
    const auto [iy, iw] = *f;
    auto pr = window_stream(iy + 1, iw, 1);
    pr[5].iy0 = static_cast<std::int64_t>(iy);
    pr[5].ix0 = 0;
    cases.push_back(
        {"a window row times width at the top bit of the product", top::Err::kNone, pr});
  }
  {
    // Outputs at m = 2^(XW-1), past the output layout: dropped, so the two output groups in one
    // bank never meet (they would at m = 0).
    auto pr = base;
    pr[3] = Instr::set_layout(Op::kSetOvnLayout, top::stimulus_layout(1, aw, aw));
    pr[4] = Instr::map(0, 0, 1, 1, vnm1);
    pr[5].m0 = static_cast<std::uint64_t>(lim / 2);
    cases.push_back({"outputs at m = 2^(XW-1), past the output layout", top::Err::kNone, pr});
  }
  {
    // A requantizing stream whose lines miss the streaming buffer (LAYOUT_RANGE, raised only once
    // the engines are idle) right behind a stream whose outputs conflict: the older error wins.
    auto pr = base;
    top::Layout lo = top::stimulus_layout(1, aw, aw);
    lo.qoff = static_cast<std::uint64_t>(p.sd - 1);
    pr[3] = Instr::set_layout(Op::kSetOvnLayout, lo);
    pr[4] = Instr::map(0, 0, 1, 1, vnm1);
    pr.push_back(Instr::stream(0, 1, 1, false, true, top::reduce_all_to_lane(p, 0)));
    cases.push_back(
        {"a requantizing stream past SD behind an output conflict", top::Err::kOConflict, pr});
  }
  {
    // A mapping loading into the other context when the stream before it fails: the EM engine
    // must stop with it (the RTL goes idle).
    auto pr = base;
    pr[2] = Instr::set_layout(Op::kSetIvnLayout, top::stimulus_layout(1, aw, aw));
    pr.push_back(Instr::map(0, 0, 0, 0, vnm1));
    cases.push_back(
        {"a mapping loading while the stream before it conflicts", top::Err::kSConflict, pr});
  }
  {
    auto pr = base;
    pr[3] = Instr::set_layout(Op::kSetOvnLayout, top::stimulus_layout(1, aw, aw));
    pr[4] = Instr::map(0, 0, 1, 1, vnm1);
    pr.push_back(Instr::map(0, 0, 1, 1, vnm1));
    cases.push_back({"a mapping loading while the stream before it writes conflicting outputs",
                     top::Err::kOConflict, pr});
  }
  return cases;
}

}  // namespace feather::sim
