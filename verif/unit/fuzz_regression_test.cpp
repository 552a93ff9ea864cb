// Regressions found by the fuzz targets (verif/fuzz, docs/user-guide.md): each test is the
// smallest form of a crash or sanitizer finding, fixed in the library. The fuzzers' corpora
// (verif/fuzz/corpus/) hold the inputs that found them and are replayed by `make fuzz-smoke`.
#include <gtest/gtest.h>

#include <climits>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "feather/top/compiler.hpp"
#include "feather/top/golden.hpp"
#include "feather/top/isa.hpp"
#include "feather/top/reference.hpp"

namespace feather::top {
namespace {

// A 1x1x1 input, one 1x1 filter: valid as it stands.
ConvLayer unit_conv() {
  ConvLayer c;
  c.input = {5};
  c.weight = {3};
  c.quant.scale = {1 << 24};
  c.quant.ozp = {0};
  return c;
}

std::string rejection(const ConvLayer& c) {
  try {
    c.validate();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(accepted)";
}

// fuzz_layer_compile, seed-wide-conv-huge-pad: ho() computed h + 2*pad in int (signed overflow,
// UBSan) for pad = 2^30; validate() then judged the layer on a garbage height.
TEST(FuzzRegression, ConvHugePaddingIsRejectedWithoutOverflow) {
  ConvLayer c = unit_conv();
  c.pad = 1 << 30;
  c.stride = INT_MAX;
  EXPECT_EQ(c.ho(), 2);  // exact: (1 + 2^31 - 1) / (2^31 - 1) + 1
  EXPECT_EQ(c.wo(), 2);
  EXPECT_NE(rejection(c).find("padded input"), std::string::npos) << rejection(c);
  c.pad = INT_MAX;
  c.stride = 1;
  EXPECT_EQ(c.ho(), INT_MAX);  // saturated, not wrapped
  EXPECT_NE(rejection(c).find("padded input"), std::string::npos) << rejection(c);
  c.pad = 0;
  c.dilation = INT_MAX;
  c.r = INT_MAX;  // dilation * (r - 1) overflowed int too
  EXPECT_EQ(c.ho(), 0);
  EXPECT_NE(rejection(c).find("weight has"), std::string::npos) << rejection(c);
}

// fuzz_layer_compile, seed-wide-conv-size-wraps: validate() compared input.size() with
// h*w*c computed in size_t, which wraps to 0 for h = w = 2^30, c = 16: an empty input was
// accepted and conv_acc / compile_conv then read far out of bounds.
TEST(FuzzRegression, ConvSizeProductThatWrapsIsRejected) {
  ConvLayer c = unit_conv();
  c.h = 1 << 30;
  c.w = 1 << 30;
  c.c = 16;
  c.input.clear();
  c.weight.assign(16, 1);
  EXPECT_NE(rejection(c).find("input has 0 elements"), std::string::npos) << rejection(c);
  EXPECT_THROW((void)conv_ref(c), std::invalid_argument);
  // the same for the weights: co*r*s*c = 2^64
  ConvLayer d = unit_conv();
  d.co = 1 << 16;
  d.r = 1 << 16;
  d.s = 1 << 16;
  d.c = 1 << 16;
  d.input.assign(1 << 16, 0);
  d.weight.clear();
  d.quant.scale.assign(1 << 16, 1);
  d.quant.ozp.assign(1 << 16, 0);
  EXPECT_NE(rejection(d).find("weight has 0 elements"), std::string::npos) << rejection(d);
}

// fuzz_layer_compile, empty input / seed-conv-zero-groups: macs() divided c by groups = 0
// (SIGFPE) although ho() and wo() are defined for any fields.
TEST(FuzzRegression, ConvMacsOfAMalformedLayerIsZero) {
  ConvLayer c = unit_conv();
  c.groups = 0;
  EXPECT_EQ(c.macs(), 0U);
  c.groups = 1;
  c.co = -3;
  EXPECT_EQ(c.macs(), 0U);
  EXPECT_EQ(unit_conv().macs(), 1U);
}

// Outputs whose im2col GEMM dimension M = ho*wo does not fit an int are refused (the padding
// alone makes 60001 x 60001 output pixels from one input pixel).
TEST(FuzzRegression, ConvOutputTooLargeForTheGemmIsRejected) {
  ConvLayer c = unit_conv();
  c.pad = 30000;
  EXPECT_EQ(c.ho(), 60001);
  EXPECT_NE(rejection(c).find("ho*wo"), std::string::npos) << rejection(c);
  c.pad = 20000;  // 40001^2 < 2^31: a legal (large) layer
  EXPECT_NO_THROW(c.validate());
  EXPECT_EQ(c.macs(), 40001ULL * 40001ULL);
}

// fuzz_isa_golden, corpus crash-quant-output-beyond-sd: with OD > SD an OVN layout may reach
// lines >= SD (SetOVNLayout checks OD); an ExecuteStreaming with quant = 1 then wrote the
// requantized byte to a streaming-buffer line >= SD and the golden model threw
// std::out_of_range out of execute(). It is now LAYOUT_RANGE, raised before the first step.
TEST(FuzzRegression, QuantStreamWithOutputLayoutBeyondSdIsLayoutRange) {
  TopParams p;
  p.ah = 4;
  p.aw = 4;
  p.sd = 16;
  p.wd = 16;
  p.od = 64;
  p.qd = 16;
  birrd::Config all(p.topology());
  for (std::size_t i = 0; i < 4; ++i) all.mask.set(i);
  auto run = [&](std::uint64_t obase, bool quant) {
    Golden g(p);
    Memory mem(p.aw);
    const std::vector<Instr> prog = {
        Instr::set_layout(Op::kSetWvnLayout, Layout{0, 0, 1, 1, 0}),
        Instr::set_layout(Op::kSetIvnLayout, Layout{0, 0, 1, 1, 0}),
        Instr::set_layout(Op::kSetOvnLayout, Layout{0, 0, 1, 1, obase}),
        Instr::map(0, 0, 0, 0, 3),
        Instr::stream(0, 1, 1, false, quant, all),
    };
    return g.run(prog, mem);
  };
  EXPECT_EQ(run(20, false).err, Err::kNone) << run(20, false).detail;  // lines 20..23 < OD
  EXPECT_EQ(run(8, true).err, Err::kNone) << run(8, true).detail;      // lines 8..11 < SD
  const ErrorInfo e = run(20, true);
  EXPECT_EQ(e.err, Err::kLayoutRange);
  EXPECT_EQ(e.instr, 4U);
  EXPECT_NE(e.detail.find("not below SD = 16"), std::string::npos) << e.detail;
}

}  // namespace
}  // namespace feather::top
