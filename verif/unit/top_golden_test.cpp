// Tests of the FEATHER top's parameters, ISA encoding, layouts, requantization, the plain
// reference (GEMM, conv) and the instruction-level golden model (docs/isa.md).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../common/expect.hpp"
#include "../common/seed.hpp"
#include "feather/birrd/router.hpp"
#include "feather/top/arrays.hpp"
#include "feather/top/golden.hpp"
#include "feather/top/isa.hpp"
#include "feather/top/params.hpp"
#include "feather/top/reference.hpp"

namespace feather::top {
namespace {

using U64 = std::uint64_t;

std::size_t sz(U64 v) { return static_cast<std::size_t>(v); }
std::size_t sz(int v) { return static_cast<std::size_t>(v); }

TopParams params(int ah, int aw, int depth = 256, int qd = 64,
                 birrd::Wiring wiring = birrd::Wiring::kBenes) {
  TopParams p;
  p.ah = ah;
  p.aw = aw;
  p.sd = p.wd = p.od = depth;
  p.qd = qd;
  p.wiring = wiring;
  return p.validated();
}

U64 rand_bits(std::mt19937_64& rng, int width) {
  return width >= 64 ? rng() : rng() & ((U64{1} << width) - 1);
}

using test::expect_invalid;

// ============================================================================================
// Parameters

TEST(TopParams, DerivedWidthsFollowTheSpec) {
  TopParams p = params(4, 4);  // sd = wd = od = 256
  EXPECT_EQ(p.awl(), 2);
  EXPECT_EQ(p.ahl(), 2);
  EXPECT_EQ(p.la(), 8);
  EXPECT_EQ(p.xw(), 10);
  EXPECT_EQ(p.flw(), 4);  // clog2(11)
  EXPECT_EQ(p.glw(), 2);  // clog2(3)
  EXPECT_EQ(p.vw(), 2);
  EXPECT_EQ(p.stages(), 3);
  EXPECT_EQ(p.cw(), 12);
  // widest: ExecuteStreaming 3*10 + 2 + 12 + 4 + 2*11 = 70 (SetIVNLayout: 3 + 4 + 10 + 10 + 8
  // + 1 + 10 + 10 + 3 = 59; Load/Store: 3 + 8 + 10 + 24 = 45)
  EXPECT_EQ(p.iw(), 73);

  TopParams q;
  q.ah = 16;
  q.aw = 16;
  q.sd = 1024;
  q.wd = 512;
  q.od = 300;
  q = q.validated();
  EXPECT_EQ(q.la(), 10);
  EXPECT_EQ(q.xw(), 14);
  EXPECT_EQ(q.flw(), 4);  // clog2(15)
  EXPECT_EQ(q.glw(), 3);  // clog2(5)
  EXPECT_EQ(q.vw(), 4);
  EXPECT_EQ(q.stages(), 7);
  EXPECT_EQ(q.cw(), 112);
  EXPECT_EQ(q.iw(), 3 + 3 * 14 + 2 + 112 + 16 + 2 * 15);

  // AH = 2: VW = max(1, 1); a large MAW makes Load/Store the widest instruction.
  TopParams r = params(2, 4, 8);
  r.maw = 48;
  r = r.validated();
  EXPECT_EQ(r.vw(), 1);
  EXPECT_EQ(r.la(), 3);
  EXPECT_EQ(r.iw(), 3 + 3 + 3 + 5 + 48);
  // published wiring: 3 stages at AW = 4, 2L otherwise
  EXPECT_EQ(params(4, 4, 64, 64, birrd::Wiring::kFeather).stages(), 3);
  EXPECT_EQ(params(4, 8, 64, 64, birrd::Wiring::kFeather).stages(), 6);
  EXPECT_EQ(params(4, 64, 64, 64).stages(), 11);

  EXPECT_EQ(clog2(1), 0);
  EXPECT_EQ(clog2(2), 1);
  EXPECT_EQ(clog2(3), 2);
  EXPECT_EQ(clog2(256), 8);
  EXPECT_EQ(clog2(257), 9);
  EXPECT_NE(p.to_string().find("4x4"), std::string::npos);
}

// The named configurations of sw/configs/arrays.json, compiled into feather_sw: each is named
// AHxAW, validates, and is found by its size; an unnamed size is not.
TEST(TopParams, NamedArraysComeFromTheConfigFile) {
  const auto& all = top::named_arrays();
  ASSERT_GE(all.size(), 3u);
  for (const auto& a : all) {
    EXPECT_EQ(a.name, fmt::format("{}x{}", a.params.ah, a.params.aw));
    EXPECT_NO_THROW((void)a.params.validated()) << a.name;
    EXPECT_EQ(top::find_named_array(a.params.ah, a.params.aw), &a);
  }
  for (const int n : {4, 8, 16}) EXPECT_NE(top::find_named_array(n, n), nullptr) << n;
  EXPECT_EQ(top::find_named_array(3, 3), nullptr);
}

TEST(TopParams, ValidationNamesTheBadParameterAndItsRange) {
  struct Case {
    std::function<void(TopParams&)> mutate;
    std::vector<std::string> parts;
  };
  const std::vector<Case> cases = {
      {[](TopParams& p) { p.ah = 3; }, {"AH", "2..64"}},
      {[](TopParams& p) { p.ah = 1; }, {"AH", "2..64"}},
      {[](TopParams& p) { p.ah = 128; }, {"AH", "2..64"}},
      {[](TopParams& p) { p.aw = 2; }, {"AW", "4..64"}},
      {[](TopParams& p) { p.aw = 12; }, {"AW", "power of two"}},
      {[](TopParams& p) { p.aw = 128; }, {"AW", "4..64"}},
      {[](TopParams& p) { p.wiring = static_cast<birrd::Wiring>(2); }, {"WIRING", "0, 1"}},
      {[](TopParams& p) { p.sd = p.ah - 1; }, {"SD", ">= AH"}},
      {[](TopParams& p) { p.wd = 0; }, {"WD", ">= AH"}},
      {[](TopParams& p) { p.od = -5; }, {"OD", ">= AH"}},
      {[](TopParams& p) { p.qd = 0; }, {"QD", "multiple of AW"}},
      {[](TopParams& p) { p.qd = 6; }, {"QD", "multiple of AW"}},
      {[](TopParams& p) { p.maw = 0; }, {"MAW", "1..48"}},
      {[](TopParams& p) { p.maw = 49; }, {"MAW", "1..48"}},
  };
  for (const auto& c : cases) {
    TopParams p;
    c.mutate(p);
    expect_invalid([&] { (void)p.validated(); }, c.parts);
  }
  EXPECT_NO_THROW((void)TopParams{}.validated());
  // the golden model validates its parameters
  TopParams bad;
  bad.qd = 5;
  expect_invalid([&] { Golden g(bad); }, {"QD"});
}

// ============================================================================================
// Instruction encoding

// The widths of each opcode's fields, low to high, written from the table in docs/isa.md.
std::vector<int> field_widths(const TopParams& p, Op op) {
  switch (op) {
    case Op::kSetWvnLayout:
    case Op::kSetIvnLayout:
    case Op::kSetOvnLayout:
      return {3, p.flw(), p.xw(), p.xw(), p.la(), 1, p.xw(), p.xw(), kWindowStrideBits, p.la()};
    case Op::kStream:
      return {p.xw(), p.xw(), p.xw(), 1, 1, p.cw(), p.aw, p.xw() + 1, p.xw() + 1};
    case Op::kStore:
    case Op::kLoad:
      return {3, p.la(), p.xw(), p.maw};
    case Op::kConfig:
      return {8, 8, 1, 1, 8, 8, 1};
    case Op::kMap:
      return {p.xw(), p.xw(), p.glw(), p.glw(), p.vw()};
  }
  return {};
}

int used_bits(const TopParams& p, Op op) {
  int n = 3;
  for (int w : field_widths(p, op)) n += w;
  return n;
}

bool bit(const Word& w, int i) {
  auto k = sz(i / 32);
  return k < w.size() && ((w[k] >> (i % 32)) & 1U) != 0;
}

U64 bits_at(const Word& w, int lo, int width) {
  U64 v = 0;
  for (int i = 0; i < width; ++i) {
    if (bit(w, lo + i)) v |= U64{1} << i;
  }
  return v;
}

birrd::Config random_config(const TopParams& p, std::mt19937_64& rng) {
  birrd::Config c(p.topology());
  for (auto& m : c.modes) m = static_cast<birrd::Mode>(rng() & 3U);
  for (int i = 0; i < p.aw; ++i) {
    if (rng() & 1U) c.mask.set(sz(i));
  }
  return c;
}

Instr random_instr(const TopParams& p, std::mt19937_64& rng) {
  Instr in;
  in.op = static_cast<Op>(rng() & 7U);
  const int xw = p.xw(), la = p.la();
  auto b32 = [&](int w) { return static_cast<std::uint32_t>(rand_bits(rng, w)); };
  switch (in.op) {
    case Op::kSetWvnLayout:
    case Op::kSetIvnLayout:
    case Op::kSetOvnLayout:
      in.layout = Layout{b32(3),
                         b32(p.flw()),
                         rand_bits(rng, xw),
                         rand_bits(rng, xw),
                         rand_bits(rng, la),
                         Window{(rng() & 1U) != 0, rand_bits(rng, xw), rand_bits(rng, xw),
                                b32(kWindowStrideBits)}};
      in.layout.qoff = rand_bits(rng, la);
      break;
    case Op::kStream:
      in.m0 = rand_bits(rng, xw);
      in.sm = rand_bits(rng, xw);
      in.t = rand_bits(rng, xw);
      in.acc = (rng() & 1U) != 0;
      in.quant = (rng() & 1U) != 0;
      in.birrd = random_config(p, rng);
      in.iy0 = static_cast<std::int64_t>(rand_bits(rng, xw + 1)) - (std::int64_t{1} << xw);
      in.ix0 = static_cast<std::int64_t>(rand_bits(rng, xw + 1)) - (std::int64_t{1} << xw);
      break;
    case Op::kStore:
    case Op::kLoad:
      in.target = b32(3);
      in.line = rand_bits(rng, la);
      in.count = rand_bits(rng, xw);
      in.addr = rand_bits(rng, p.maw);
      break;
    case Op::kConfig:
      in.zp_a = b32(8);
      in.zp_w = b32(8);
      in.swap = (rng() & 1U) != 0;
      in.clamp = (rng() & 1U) != 0;
      in.qlo = b32(8);
      in.qhi = b32(8);
      in.lut = (rng() & 1U) != 0;
      break;
    case Op::kMap:
      in.j0 = rand_bits(rng, xw);
      in.n0 = rand_bits(rng, xw);
      in.grlog = b32(p.glw());
      in.gclog = b32(p.glw());
      in.vnm1 = b32(p.vw());
      break;
  }
  return in;
}

// Compares the fields that are meaningful for the opcode.
void expect_same(const Instr& a, const Instr& b, const std::string& ctx) {
  ASSERT_EQ(a.op, b.op) << ctx;
  switch (a.op) {
    case Op::kSetWvnLayout:
    case Op::kSetIvnLayout:
    case Op::kSetOvnLayout:
      EXPECT_EQ(a.layout, b.layout) << ctx;
      break;
    case Op::kStream:
      EXPECT_EQ(a.m0, b.m0) << ctx;
      EXPECT_EQ(a.sm, b.sm) << ctx;
      EXPECT_EQ(a.t, b.t) << ctx;
      EXPECT_EQ(a.acc, b.acc) << ctx;
      EXPECT_EQ(a.quant, b.quant) << ctx;
      EXPECT_EQ(a.iy0, b.iy0) << ctx;
      EXPECT_EQ(a.ix0, b.ix0) << ctx;
      if (a.birrd.lanes == 0) {
        for (auto m : b.birrd.modes) EXPECT_EQ(m, birrd::Mode::kPass) << ctx;
        EXPECT_TRUE(b.birrd.mask.none()) << ctx;
      } else {
        EXPECT_EQ(a.birrd.lanes, b.birrd.lanes) << ctx;
        EXPECT_EQ(a.birrd.stages, b.birrd.stages) << ctx;
        EXPECT_EQ(a.birrd.modes, b.birrd.modes) << ctx;
        EXPECT_EQ(a.birrd.mask, b.birrd.mask) << ctx;
      }
      break;
    case Op::kStore:
    case Op::kLoad:
      EXPECT_EQ(a.target, b.target) << ctx;
      EXPECT_EQ(a.line, b.line) << ctx;
      EXPECT_EQ(a.count, b.count) << ctx;
      EXPECT_EQ(a.addr, b.addr) << ctx;
      break;
    case Op::kConfig:
      EXPECT_EQ(a.zp_a, b.zp_a) << ctx;
      EXPECT_EQ(a.zp_w, b.zp_w) << ctx;
      EXPECT_EQ(a.swap, b.swap) << ctx;
      break;
    case Op::kMap:
      EXPECT_EQ(a.j0, b.j0) << ctx;
      EXPECT_EQ(a.n0, b.n0) << ctx;
      EXPECT_EQ(a.grlog, b.grlog) << ctx;
      EXPECT_EQ(a.gclog, b.gclog) << ctx;
      EXPECT_EQ(a.vnm1, b.vnm1) << ctx;
      break;
  }
}

std::vector<TopParams> isa_param_sets() {
  TopParams odd;  // uneven depths, published wiring, wide addresses
  odd.ah = 2;
  odd.aw = 8;
  odd.sd = 100;
  odd.wd = 37;
  odd.od = 1000;
  odd.qd = 8;
  odd.maw = 48;
  odd.wiring = birrd::Wiring::kFeather;
  return {params(4, 4), params(8, 8, 512), params(16, 16, 1024, 256), params(4, 16, 64, 16),
          odd.validated()};
}

TEST(TopIsa, FieldsSitWhereTheSpecSays) {
  const TopParams p = params(4, 4);  // XW 10, LA 8, FLW 4, GLW 2, VW 2, CW 12
  Word w = encode(p, Instr::config(0x12, 0x34, true, 0x56, 0x78));
  ASSERT_EQ(w.size(), 3U);  // IW = 73
  EXPECT_EQ(w[0], 6U | (0x12U << 3) | (0x34U << 11) | (1U << 19) | (1U << 20) | (0x56U << 21) |
                      (0x8U << 29));
  EXPECT_EQ(w[1], 0xFU);  // qhi's high bits
  EXPECT_EQ(w[2], 0U);
  // No clamp: the bit is 0 and [qlo, qhi] ignored, so an all-zero Config is [0, 255].
  w = encode(p, Instr::config(0, 0, false));
  EXPECT_EQ(bits_at(w, 20, 1), 0U);
  EXPECT_FALSE(decode(p, Word{6U, 0U, 0U}).clamp);
  EXPECT_EQ(decode(p, Word{6U, 0U, 0U}).clamp_hi(), 255U);
  // The activation-table bit after qhi.
  EXPECT_EQ(bits_at(encode(p, Instr::config(0, 0, false, 0, 255, true)), 37, 1), 1U);
  EXPECT_FALSE(decode(p, Word{6U, 0U, 0U}).lut);

  w = encode(p, Instr::load(Target::kSbufInactive, 0xAB, 0x3FF, 0xABCDEF));
  EXPECT_EQ(bits_at(w, 0, 3), 5U);
  EXPECT_EQ(bits_at(w, 3, 3), 2U);
  EXPECT_EQ(bits_at(w, 6, 8), 0xABU);
  EXPECT_EQ(bits_at(w, 14, 10), 0x3FFU);
  EXPECT_EQ(bits_at(w, 24, 24), 0xABCDEFU);
  EXPECT_EQ(bits_at(w, 48, 16), 0U);
  EXPECT_EQ(bits_at(encode(p, Instr::store(Target::kWbuf, 1, 2, 3)), 0, 3), 4U);

  w = encode(p, Instr::set_layout(Op::kSetOvnLayout, Layout{5, 9, 1000, 7, 200}));
  EXPECT_EQ(bits_at(w, 0, 3), 2U);
  EXPECT_EQ(bits_at(w, 3, 3), 5U);
  EXPECT_EQ(bits_at(w, 6, 4), 9U);
  EXPECT_EQ(bits_at(w, 10, 10), 1000U);
  EXPECT_EQ(bits_at(w, 20, 10), 7U);
  EXPECT_EQ(bits_at(w, 30, 8), 200U);
  EXPECT_EQ(bits_at(w, 38, 24), 0U);  // the window, off

  // SetIVNLayout's window: on, ih, iw, stride after base.
  Layout lw{1, 0, 6, 3, 0, Window{true, 28, 30, 2}};
  w = encode(p, Instr::set_layout(Op::kSetIvnLayout, lw));
  EXPECT_EQ(bits_at(w, 38, 1), 1U);
  EXPECT_EQ(bits_at(w, 39, 10), 28U);
  EXPECT_EQ(bits_at(w, 49, 10), 30U);
  EXPECT_EQ(bits_at(w, 59, 3), 2U);

  w = encode(p, Instr::map(1000, 3, 2, 1, 3));
  EXPECT_EQ(bits_at(w, 0, 3), 7U);
  EXPECT_EQ(bits_at(w, 3, 10), 1000U);
  EXPECT_EQ(bits_at(w, 13, 10), 3U);
  EXPECT_EQ(bits_at(w, 23, 2), 2U);
  EXPECT_EQ(bits_at(w, 25, 2), 1U);
  EXPECT_EQ(bits_at(w, 27, 2), 3U);

  // ExecuteStreaming: cmd is exactly pack_cmd() (stage s switch i at [(s*AW/2+i)*2 +: 2]),
  // then the mask.
  birrd::Config c(p.topology());
  c.at(0, 1) = birrd::Mode::kAddLo;  // k = 1 -> bits 2..3 = 01
  c.at(2, 0) = birrd::Mode::kSwap;   // k = 4 -> bits 8..9 = 11
  c.at(1, 1) = birrd::Mode::kAddHi;  // k = 3 -> bits 6..7 = 10
  c.mask.set(2);
  w = encode(p, Instr::stream(5, 6, 7, true, false, c));
  EXPECT_EQ(bits_at(w, 0, 3), 3U);
  EXPECT_EQ(bits_at(w, 3, 10), 5U);
  EXPECT_EQ(bits_at(w, 13, 10), 6U);
  EXPECT_EQ(bits_at(w, 23, 10), 7U);
  EXPECT_EQ(bits_at(w, 33, 1), 1U);
  EXPECT_EQ(bits_at(w, 34, 1), 0U);
  EXPECT_EQ(bits_at(w, 35, 12), 0b1110000100U);
  EXPECT_EQ(bits_at(w, 35, 12), U64{c.pack_cmd()[0]});
  EXPECT_EQ(bits_at(w, 47, 4), 0b0100U);
  EXPECT_EQ(bits_at(w, 51, 22), 0U);  // window origin (0, 0)
  // The window origin: iy0 and ix0, XW + 1 = 11 bits each, two's complement.
  Instr es = Instr::stream(5, 6, 7, true, false, c);
  es.iy0 = -3;
  es.ix0 = 1023;
  w = encode(p, es);
  EXPECT_EQ(bits_at(w, 51, 11), 2048U - 3U);
  EXPECT_EQ(bits_at(w, 62, 11), 1023U);
  EXPECT_EQ(decode(p, w).iy0, -3);
  es.ix0 = 1024;
  EXPECT_THROW((void)encode(p, es), std::invalid_argument);
  // an empty configuration encodes as all-zero cmd and mask
  w = encode(p, Instr::stream(5, 6, 7, true, true, birrd::Config{}));
  EXPECT_EQ(bits_at(w, 35, 16), 0U);
  EXPECT_EQ(bits_at(w, 34, 1), 1U);
}

TEST(TopIsa, EncodeDecodeRoundTripRandom) {
  const U64 seed = test::test_seed();
  std::mt19937_64 rng(seed);
  for (const TopParams& p : isa_param_sets()) {
    const auto words = sz((p.iw() + 31) / 32);
    for (int trial = 0; trial < 3000; ++trial) {
      const Instr in = random_instr(p, rng);
      const std::string ctx = p.to_string() + ": " + disassemble(in);
      const Word w = encode(p, in);
      ASSERT_EQ(w.size(), words) << ctx;
      // nothing above the opcode's fields, and nothing above IW
      for (int b = used_bits(p, in.op); b < static_cast<int>(words) * 32; ++b) {
        ASSERT_FALSE(bit(w, b)) << ctx << " bit " << b;
      }
      const Instr back = decode(p, w);
      expect_same(in, back, ctx);
      if (::testing::Test::HasFailure()) return;
      // the instruction also survives encode(decode(.)) bit for bit
      EXPECT_EQ(encode(p, back), w) << ctx;

      // any bit pattern decodes, and re-encodes to its defined bits
      Word raw(words);
      for (auto& x : raw) x = static_cast<std::uint32_t>(rng());
      const Instr d = decode(p, raw);
      const Word re = encode(p, d);
      for (int b = 0; b < static_cast<int>(words) * 32; ++b) {
        const bool want = b < used_bits(p, d.op) && b < p.iw() && bit(raw, b);
        ASSERT_EQ(bit(re, b), want) << p.to_string() << " " << disassemble(d) << " bit " << b;
      }
    }
  }
}

TEST(TopIsa, EncodeRejectsValuesThatDoNotFitNamingTheField) {
  const TopParams p = params(4, 4);  // XW 10, LA 8, FLW 4, GLW 2, VW 2, MAW 24
  auto lay = [&](Layout l) { return Instr::set_layout(Op::kSetWvnLayout, l); };
  const birrd::Config empty;
  const std::vector<std::pair<Instr, std::string>> cases = {
      {lay(Layout{8, 0, 1, 1, 0}), "order"},
      {lay(Layout{0, 16, 1, 1, 0}), "f0log"},
      {lay(Layout{0, 0, 1024, 1, 0}), "F1"},
      {lay(Layout{0, 0, 1, 1024, 0}), "F2"},
      {lay(Layout{0, 0, 1, 1, 256}), "base"},
      {Instr::stream(1024, 0, 1, false, false, empty), "m0"},
      {Instr::stream(0, 1024, 1, false, false, empty), "sm"},
      {Instr::stream(0, 0, 1024, false, false, empty), "T"},
      {Instr::load(static_cast<Target>(8), 0, 0, 0), "target"},
      {Instr::load(Target::kWbuf, 256, 0, 0), "line"},
      {Instr::store(Target::kWbuf, 0, 1024, 0), "count"},
      {Instr::load(Target::kWbuf, 0, 0, U64{1} << 24), "addr"},
      {Instr::config(256, 0, false), "zp_a"},
      {Instr::config(0, 300, false), "zp_w"},
      {Instr::map(1024, 0, 0, 0, 0), "j0"},
      {Instr::map(0, 1024, 0, 0, 0), "n0"},
      {Instr::map(0, 0, 4, 0, 0), "grlog"},
      {Instr::map(0, 0, 0, 4, 0), "gclog"},
      {Instr::map(0, 0, 0, 0, 4), "vnm1"},
      {Instr::stream(0, 0, 1, false, false,
                     birrd::Config(birrd::Topology(8, birrd::Wiring::kBenes))),
       "birrd"},
  };
  for (const auto& c : cases) {
    // (not a structured binding: clang 14 cannot capture one in a lambda)
    expect_invalid([&] { (void)encode(p, c.first); }, {c.second});
  }
  birrd::Config wide(p.topology());
  wide.mask.set(4);
  expect_invalid([&] { (void)encode(p, Instr::stream(0, 0, 1, false, false, wide)); }, {"mask"});
  // the largest values that fit are accepted
  EXPECT_NO_THROW((void)encode(p, lay(Layout{7, 15, 1023, 1023, 255})));
  EXPECT_NO_THROW((void)encode(p, Instr::load(static_cast<Target>(7), 255, 1023, (1U << 24) - 1)));
  EXPECT_NO_THROW((void)encode(p, Instr::map(1023, 1023, 3, 3, 3)));
  // a Set*Layout constructor with another opcode is refused
  EXPECT_THROW((void)Instr::set_layout(Op::kLoad, Layout{}), std::invalid_argument);
}

TEST(TopIsa, DisassemblyIsOneReadableLine) {
  const TopParams p = params(4, 4);
  birrd::Config c(p.topology());
  c.mask.set(0);
  const std::vector<std::pair<Instr, std::string>> cases = {
      {Instr::stream(0, 1, 16, false, true, c), "ES m0=0 sm=1 T=16 acc=0 quant=1"},
      {Instr::set_layout(Op::kSetIvnLayout, Layout{1, 0, 6, 3, 0}),
       "SetIVNLayout order=1 f0log=0 F1=6 F2=3 base=0"},
      {Instr::load(Target::kScale, 2, 3, 0x40), "Load target=3(scale) line=2 count=3 addr=0x40"},
      {Instr::store(Target::kSbufActive, 0, 8, 0), "Store target=1"},
      {Instr::config(3, 4, true), "Config zp_a=3 zp_w=4 swap=1"},
      {Instr::map(2, 4, 1, 0, 3), "EM j0=2 n0=4 grlog=1 gclog=0 vn=4"},
  };
  for (const auto& [in, text] : cases) {
    const std::string s = disassemble(in);
    EXPECT_NE(s.find(text), std::string::npos) << s;
    EXPECT_EQ(s.find('\n'), std::string::npos) << s;
  }
  EXPECT_NE(disassemble(cases[0].first).find("mask=0x1"), std::string::npos);
  EXPECT_EQ(to_string(Err::kOMissing), "OMISSING");
  EXPECT_EQ(to_string(Err::kMemRange), "MEM_RANGE");
  EXPECT_EQ(to_string(Op::kStream), "ExecuteStreaming");
}

// ============================================================================================
// Layouts

// The flat index by the order table, as mixed-radix digits outer to inner.
U64 flat_by_table(const Layout& l, U64 a, U64 b) {
  static constexpr int kOrder[6][3] = {{2, 0, 1}, {2, 1, 0}, {0, 2, 1},
                                       {0, 1, 2}, {1, 2, 0}, {1, 0, 2}};
  const U64 d[3] = {a % l.f0(), a / l.f0(), b};
  const U64 size[3] = {l.f0(), l.f1, l.f2};
  U64 v = 0;
  for (int k = 0; k < 3; ++k) {
    const int digit = kOrder[l.order][k];
    v = v * size[digit] + d[digit];
  }
  return v;
}

TEST(TopLayout, WorkedExampleFromTheSpec) {
  const Layout l{1, 0, 6, 3, 0};
  EXPECT_EQ(l.flat(5, 2), 17U);
  for (std::uint32_t e = 0; e < 4; ++e) {
    const auto ad = l.addr(5, 2, e, 4, 4);
    EXPECT_EQ(ad.bank, 1U);
    EXPECT_EQ(ad.line, 16U + e);
  }
  EXPECT_EQ(l.end_line(4, 4), 20U);  // 18 VNs -> 5 vn-rows of 4 lines
  EXPECT_TRUE(l.in_range(5, 2));
  EXPECT_FALSE(l.in_range(6, 0));
  EXPECT_FALSE(l.in_range(0, 3));
}

TEST(TopLayout, EveryOrderIsABijectionInsideItsLines) {
  int checked = 0;
  for (int aw : {4, 8}) {
    for (int ah : {2, 4}) {
      for (std::uint32_t order = 0; order < 6; ++order) {
        for (std::uint32_t f0log = 0; f0log <= 2; ++f0log) {
          for (U64 f1 : {1, 2, 3, 5}) {
            for (U64 f2 : {1, 3, 4, 7}) {
              for (U64 base : {0, 9}) {
                const Layout l{order, f0log, f1, f2, base};
                const U64 vns = l.f0() * f1 * f2;
                const U64 end = l.end_line(aw, ah);
                EXPECT_EQ(end, base + (vns + U64(aw) - 1) / U64(aw) * U64(ah)) << l.to_string();
                std::set<U64> flats;
                std::set<std::pair<U64, U64>> cells;
                for (U64 a = 0; a < l.f0() * f1; ++a) {
                  for (U64 b = 0; b < f2; ++b) {
                    ASSERT_TRUE(l.in_range(a, b));
                    const U64 f = l.flat(a, b);
                    ASSERT_EQ(f, flat_by_table(l, a, b)) << l.to_string() << " a=" << a;
                    ASSERT_LT(f, vns);
                    flats.insert(f);
                    for (std::uint32_t e = 0; e < static_cast<std::uint32_t>(ah); ++e) {
                      const auto ad = l.addr(a, b, e, aw, ah);
                      ASSERT_LT(ad.bank, static_cast<std::uint32_t>(aw));
                      ASSERT_GE(ad.line, base);
                      ASSERT_LT(ad.line, end) << l.to_string();
                      ASSERT_EQ(ad.bank, f % U64(aw));
                      ASSERT_EQ(ad.line, base + f / U64(aw) * U64(ah) + e);
                      ASSERT_TRUE(cells.insert({ad.bank, ad.line}).second)
                          << l.to_string() << " (a,b,e)=(" << a << "," << b << "," << e << ")";
                    }
                  }
                }
                EXPECT_EQ(flats.size(), vns);
                EXPECT_FALSE(l.in_range(l.f0() * f1, 0));
                EXPECT_FALSE(l.in_range(0, f2));
                ++checked;
              }
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(checked, 2 * 2 * 6 * 3 * 4 * 4 * 2);
}

// ============================================================================================
// Requantization and the plain reference

TEST(TopRequant, SaturationSignAndRounding) {
  const std::int32_t one = 1 << 24, half = 1 << 23;
  EXPECT_EQ(requant(0, 12345, 77), 77);
  EXPECT_EQ(requant(100, one, 0), 100);
  EXPECT_EQ(requant(255, one, 0), 255);
  EXPECT_EQ(requant(256, one, 0), 255);  // saturates high
  EXPECT_EQ(requant(300, one, 10), 255);
  EXPECT_EQ(requant(-5, one, 0), 0);  // saturates low
  EXPECT_EQ(requant(-5, one, 128), 123);
  EXPECT_EQ(requant(-1000, one, 255), 0);
  EXPECT_EQ(requant(10, -one, 100), 90);  // negative scale
  EXPECT_EQ(requant(-10, -one, 100), 110);
  // rounding: + 2^23 then arithmetic shift = round half up (toward +inf)
  EXPECT_EQ(requant(1, half, 0), 1);     // 0.5 -> 1
  EXPECT_EQ(requant(3, half, 0), 2);     // 1.5 -> 2
  EXPECT_EQ(requant(-1, half, 10), 10);  // -0.5 -> 0
  EXPECT_EQ(requant(-2, half, 10), 9);   // -1 -> -1
  EXPECT_EQ(requant(-3, half, 10), 9);   // -1.5 -> -1
  EXPECT_EQ(requant(5, one / 4, 0), 1);  // 1.25 -> 1
  EXPECT_EQ(requant(7, one / 4, 0), 2);  // 1.75 -> 2
  // the zero point is added after the shift, then the sum is clamped
  EXPECT_EQ(requant(1, half, 255), 255);
  EXPECT_EQ(requant(-1, one, 1), 0);
  // 64-bit product: no overflow at the extremes
  constexpr std::int32_t kMax = std::numeric_limits<std::int32_t>::max();
  constexpr std::int32_t kMin = std::numeric_limits<std::int32_t>::min();
  EXPECT_EQ(requant(kMax, kMax, 0), 255);
  EXPECT_EQ(requant(kMin, kMax, 255), 0);
  EXPECT_EQ(requant(kMin, kMin, 0), 255);
  EXPECT_EQ(requant(kMax, 1, 0), 128);  // (2^31 - 1 + 2^23) >> 24 = 128
  EXPECT_EQ(requant(kMax - (1 << 23), 1, 0), 127);
  // Config's clamp [lo, hi] replaces [0, 255] (a folded ReLU: lo = the output zero point)
  EXPECT_EQ(requant(-40, one, 100, 100, 255), 100);
  EXPECT_EQ(requant(40, one, 100, 100, 255), 140);
  EXPECT_EQ(requant(40, one, 100, 100, 120), 120);  // ReLU6's upper bound
  EXPECT_EQ(requant(1000, one, 100, 0, 200), 200);
  EXPECT_EQ(requant(-1000, one, 100, 7, 7), 7);
  EXPECT_EQ(requant(kMin, kMin, 0, 3, 250), 250);
}

TEST(TopReference, GemmByHand) {
  GemmLayer g;
  g.m = 2;
  g.k = 3;
  g.n = 2;
  g.zp_a = 1;
  g.zp_w = 2;
  g.a = {1, 2, 3, 4, 5, 6};  // minus 1: {0,1,2}, {3,4,5}
  g.b = {2, 3, 4, 5, 0, 9};  // minus 2: {0,1}, {2,3}, {-2,7}
  g.quant.scale = {1 << 24, 1 << 23};
  g.quant.ozp = {10, 0};
  // row 0: {0*0 + 1*2 + 2*-2, 0*1 + 1*3 + 2*7} = {-2, 17}
  // row 1: {3*0 + 4*2 + 5*-2, 3*1 + 4*3 + 5*7} = {-2, 50}
  EXPECT_EQ(gemm_acc(g), (std::vector<std::int32_t>{-2, 17, -2, 50}));
  EXPECT_EQ(gemm_ref(g), (std::vector<std::uint8_t>{8, 9, 8, 25}));
}

TEST(TopReference, GemmValidateNamesTheBadField) {
  GemmLayer g;
  g.a = {0};
  g.b = {0};
  g.quant.scale = {0};
  g.quant.ozp = {0};
  EXPECT_NO_THROW(g.validate());
  auto bad = [&](std::function<void(GemmLayer&)> f, const std::string& part) {
    GemmLayer h = g;
    f(h);
    expect_invalid([&] { h.validate(); }, {part});
  };
  bad([](GemmLayer& h) { h.m = 0; }, "m = 0");
  bad([](GemmLayer& h) { h.k = -1; }, "k = -1");
  bad([](GemmLayer& h) { h.n = 0; }, "n = 0");
  bad([](GemmLayer& h) { h.a.push_back(1); }, "a has");
  bad([](GemmLayer& h) { h.b.clear(); }, "b has");
  bad([](GemmLayer& h) { h.quant.scale.clear(); }, "scale");
  bad([](GemmLayer& h) { h.quant.ozp.push_back(0); }, "ozp");
}

ConvLayer random_conv(std::mt19937_64& rng, int h, int w, int c, int co, int r, int s, int stride,
                      int pad, int dilation, int groups) {
  ConvLayer L;
  L.h = h;
  L.w = w;
  L.c = c;
  L.co = co;
  L.r = r;
  L.s = s;
  L.stride = stride;
  L.pad = pad;
  L.dilation = dilation;
  L.groups = groups;
  L.zp_a = static_cast<std::uint8_t>(rng());
  L.zp_w = static_cast<std::uint8_t>(rng());
  L.input.resize(sz(h * w * c));
  for (auto& v : L.input) v = static_cast<std::uint8_t>(rng());
  L.weight.resize(sz(co * r * s * (c / groups)));
  for (auto& v : L.weight) v = static_cast<std::uint8_t>(rng());
  for (int o = 0; o < co; ++o) {
    L.quant.scale.push_back(static_cast<std::int32_t>(rng() % (1U << 14)) - (1 << 12));
    L.quant.ozp.push_back(static_cast<std::uint8_t>(rng()));
  }
  return L;
}

TEST(TopReference, ConvMatchesPerGroupIm2colGemm) {
  std::mt19937_64 rng(test::test_seed());
  struct Shape {
    int h, w, c, co, r, s, stride, pad, dilation, groups;
  };
  const std::vector<Shape> shapes = {
      {5, 5, 3, 4, 3, 3, 1, 0, 1, 1},  // plain
      {7, 6, 4, 6, 3, 3, 2, 1, 1, 1},  // stride 2, padding
      {9, 8, 2, 3, 3, 2, 1, 2, 2, 1},  // dilation 2, padding 2, non-square kernel
      {6, 6, 4, 8, 3, 3, 1, 1, 1, 2},  // groups
      {8, 7, 6, 6, 3, 3, 2, 1, 1, 6},  // depthwise, stride 2
      {5, 5, 4, 8, 3, 3, 1, 2, 2, 4},  // grouped, dilated, padded
      {4, 4, 5, 7, 1, 1, 1, 0, 1, 1},  // 1x1
      {3, 3, 1, 1, 5, 5, 3, 2, 1, 1},  // kernel larger than the input, stride 3
  };
  for (const auto& sh : shapes) {
    const ConvLayer L = random_conv(rng, sh.h, sh.w, sh.c, sh.co, sh.r, sh.s, sh.stride, sh.pad,
                                    sh.dilation, sh.groups);
    ASSERT_NO_THROW(L.validate());
    const auto acc = conv_acc(L);
    const auto ref = conv_ref(L);
    const int ho = L.ho(), wo = L.wo(), cog = L.co / L.groups;
    ASSERT_EQ(acc.size(), sz(ho * wo * L.co));
    U64 macs = 0;
    for (int g = 0; g < L.groups; ++g) {
      const GemmLayer G = conv_group_as_gemm(L, g);
      ASSERT_EQ(G.m, ho * wo);
      ASSERT_EQ(G.k, L.r * L.s * (L.c / L.groups));
      ASSERT_EQ(G.n, cog);
      macs += static_cast<U64>(G.m) * static_cast<U64>(G.k) * static_cast<U64>(G.n);
      const auto gacc = gemm_acc(G);
      const auto gref = gemm_ref(G);
      for (int m = 0; m < G.m; ++m) {
        for (int n = 0; n < G.n; ++n) {
          const std::size_t ci = sz(m * L.co + g * cog + n), gi = sz(m * G.n + n);
          ASSERT_EQ(acc[ci], gacc[gi]) << "shape h=" << sh.h << " g=" << g << " m=" << m;
          ASSERT_EQ(ref[ci], gref[gi]);
        }
      }
    }
    EXPECT_EQ(L.macs(), macs);
  }
}

TEST(TopReference, ConvByHandWithPaddingReadingZpA) {
  // 1 channel, 3x3 input 1..9, 2x2 kernel of ones (zp_w 0), zp_a 0, pad 1, stride 2:
  // outputs at (-1,-1), (-1,1), (1,-1), (1,1) windows.
  ConvLayer L;
  L.h = L.w = 3;
  L.r = L.s = 2;
  L.pad = 1;
  L.stride = 2;
  L.input = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  L.weight = {1, 1, 1, 1};
  L.quant.scale = {1 << 24};
  L.quant.ozp = {0};
  EXPECT_EQ(L.ho(), 2);
  EXPECT_EQ(L.wo(), 2);
  EXPECT_EQ(conv_acc(L), (std::vector<std::int32_t>{1, 2 + 3, 4 + 7, 5 + 6 + 8 + 9}));
  // padding reads zp_a: an input equal to zp_a everywhere gives 0 whatever the padding
  L.zp_a = 7;
  std::fill(L.input.begin(), L.input.end(), std::uint8_t{7});
  EXPECT_EQ(conv_acc(L), (std::vector<std::int32_t>{0, 0, 0, 0}));
  // im2col: the padded positions of the first window are zp_a
  const GemmLayer G = conv_group_as_gemm(L, 0);
  EXPECT_EQ(G.a[0], 7);
  EXPECT_EQ(G.m, 4);
  EXPECT_EQ(G.k, 4);
}

TEST(TopReference, ConvShapesAndValidation) {
  ConvLayer L;
  L.h = 7;
  L.w = 9;
  L.r = 3;
  L.s = 3;
  L.stride = 2;
  L.pad = 1;
  EXPECT_EQ(L.ho(), 4);  // (7 + 2 - 2 - 1) / 2 + 1
  EXPECT_EQ(L.wo(), 5);
  L.pad = 0;
  L.stride = 1;
  L.dilation = 2;
  EXPECT_EQ(L.ho(), 3);  // 7 - 4 - 1 + 1
  EXPECT_EQ(L.wo(), 5);
  L.dilation = 4;  // span 9 > 7
  EXPECT_EQ(L.ho(), 0);

  std::mt19937_64 rng(1);
  const ConvLayer ok = random_conv(rng, 4, 4, 4, 6, 3, 3, 1, 1, 1, 2);
  EXPECT_NO_THROW(ok.validate());
  EXPECT_EQ(ok.macs(), U64(4 * 4 * 6 * 3 * 3 * 2));
  auto bad = [&](std::function<void(ConvLayer&)> f, const std::string& part) {
    ConvLayer c = ok;
    f(c);
    expect_invalid([&] { c.validate(); }, {part});
  };
  bad([](ConvLayer& c) { c.h = 0; }, "h = 0");
  bad([](ConvLayer& c) { c.w = -2; }, "w = -2");
  bad([](ConvLayer& c) { c.c = 0; }, "c = 0");
  bad([](ConvLayer& c) { c.co = 0; }, "co = 0");
  bad([](ConvLayer& c) { c.r = 0; }, "r = 0");
  bad([](ConvLayer& c) { c.s = 0; }, "s = 0");
  bad([](ConvLayer& c) { c.stride = 0; }, "stride");
  bad([](ConvLayer& c) { c.dilation = 0; }, "dilation");
  bad([](ConvLayer& c) { c.groups = 0; }, "groups");
  bad([](ConvLayer& c) { c.pad = -1; }, "pad");
  bad([](ConvLayer& c) { c.groups = 3; }, "c = 4 is not divisible by groups = 3");
  bad([](ConvLayer& c) { c.co = 5; }, "co = 5 is not divisible");
  bad([](ConvLayer& c) { c.input.pop_back(); }, "input has");
  bad([](ConvLayer& c) { c.weight.push_back(0); }, "weight has");
  bad([](ConvLayer& c) { c.quant.scale.pop_back(); }, "scale");
  bad([](ConvLayer& c) { c.quant.ozp.pop_back(); }, "ozp");
  bad(
      [](ConvLayer& c) {
        c.pad = 0;
        c.dilation = 3;  // span 7 > 4
      },
      "ho");
  bad(
      [](ConvLayer& c) {
        c.w = 2;
        c.pad = 0;
        c.input.resize(4 * 2 * 4);
      },
      "wo");
  expect_invalid([&] { (void)conv_group_as_gemm(ok, 2); }, {"group 2"});
}

// ============================================================================================
// The golden model: a small GEMM driver written from the specification

// Writes the buffer image of a layout into off-chip words addr0 + line: VN (a, b) element e
// (for every VN in range of the layout) gets value(a, b, e).
void place(Memory& mem, U64 addr0, const Layout& l, int aw, int ah,
           const std::function<std::uint8_t(U64, U64, int)>& value) {
  for (U64 a = 0; a < l.f0() * l.f1; ++a) {
    for (U64 b = 0; b < l.f2; ++b) {
      for (int e = 0; e < ah; ++e) {
        const auto ad = l.addr(a, b, static_cast<std::uint32_t>(e), aw, ah);
        mem.set_byte(addr0 + ad.line, static_cast<int>(ad.bank), value(a, b, e));
      }
    }
  }
}

struct GemmCase {
  TopParams p;
  GemmLayer g;
  std::uint32_t grlog = 0, gclog = 0, vn = 1;  // mapping; K is cut into VNs of vn elements
  Layout lw, li, lo;
};

struct GemmRun {
  std::vector<Instr> prog;
  Memory mem;
  std::unique_ptr<Golden> golden;
  ErrorInfo info;
  std::string skipped;  // non-empty: no program (a layout beyond its buffer, an unroutable step)
  int streams = 0;      // ExecuteStreaming instructions
};

constexpr U64 kWAddr = 0x1000, kAAddr = 0x2000, kScaleAddr = 0x3000, kOzpAddr = 0x3800,
              kOutAddr = 0x5000;

// Builds and runs the program of a GEMM for one mapping: N tiles (n0), K passes (j0, acc from
// the second pass, quant on the last), one ExecuteStreaming per run of steps that share a BIRRD
// target (routed by birrd::route), a final Config swap=1 and a Store of the output lines.
GemmRun run_gemm(const GemmCase& k, const birrd::RouterOptions& ropt = {}) {
  const TopParams& p = k.p;
  const GemmLayer& g = k.g;
  const int aw = p.aw, ah = p.ah;
  const U64 gr = U64{1} << k.grlog, gc = U64{1} << k.gclog, vn = k.vn;
  const U64 rows_per_step = gr / gc, kgroups = U64(aw) / gr;
  const U64 kv = (U64(g.k) + vn - 1) / vn;  // VNs along K
  const U64 passes = (kv + kgroups - 1) / kgroups;
  GemmRun run;
  run.mem = Memory(aw);
  if (k.lw.end_line(aw, ah) > U64(p.wd) || k.li.end_line(aw, ah) > U64(p.sd) ||
      k.lo.end_line(aw, ah) > U64(p.od)) {
    run.skipped = "layout beyond its buffer";
    return run;
  }
  place(run.mem, kWAddr, k.lw, aw, ah, [&](U64 n, U64 j, int e) {
    const U64 kk = j * vn + U64(e);
    return U64(e) < vn && kk < U64(g.k) && n < U64(g.n) ? g.b[sz(kk * U64(g.n) + n)] : g.zp_w;
  });
  place(run.mem, kAAddr, k.li, aw, ah, [&](U64 m, U64 j, int e) {
    const U64 kk = j * vn + U64(e);
    return U64(e) < vn && kk < U64(g.k) && m < U64(g.m) ? g.a[sz(m * U64(g.k) + kk)] : g.zp_a;
  });
  for (int n = 0; n < std::min(g.n, p.qd); ++n) {
    const auto s = static_cast<std::uint32_t>(g.quant.scale[sz(n)]);
    for (int b = 0; b < 4; ++b) {
      run.mem.set_byte(kScaleAddr + U64(n * 4 / aw), (n * 4) % aw + b,
                       static_cast<std::uint8_t>(s >> (8 * b)));
    }
    run.mem.set_byte(kOzpAddr + U64(n / aw), n % aw, g.quant.ozp[sz(n)]);
  }
  auto& prog = run.prog;
  prog.push_back(Instr::load(Target::kWbuf, 0, k.lw.end_line(aw, ah), kWAddr));
  prog.push_back(Instr::load(Target::kSbufActive, 0, k.li.end_line(aw, ah), kAAddr));
  prog.push_back(Instr::load(Target::kScale, 0, U64(p.qd * 4 / aw), kScaleAddr));
  prog.push_back(Instr::load(Target::kOzp, 0, U64(p.qd / aw), kOzpAddr));
  prog.push_back(Instr::set_layout(Op::kSetWvnLayout, k.lw));
  prog.push_back(Instr::set_layout(Op::kSetIvnLayout, k.li));
  prog.push_back(Instr::set_layout(Op::kSetOvnLayout, k.lo));
  prog.push_back(Instr::config(g.zp_a, g.zp_w, false));
  const birrd::Topology topo = p.topology();
  const U64 steps = (U64(g.m) + rows_per_step - 1) / rows_per_step;
  for (U64 blk = 0; blk * U64(ah) * gc < U64(g.n); ++blk) {
    for (U64 off = 0; off < U64(ah); off += vn) {
      const U64 n0 = blk * U64(ah) * gc + off;
      if (n0 >= U64(g.n)) continue;
      if (off + vn > U64(ah)) throw std::logic_error("run_gemm: vn must divide AH");
      for (U64 pass = 0; pass < passes; ++pass) {
        prog.push_back(
            Instr::map(pass * kgroups, n0, k.grlog, k.gclog, static_cast<std::uint32_t>(vn - 1)));
        // The BIRRD target of each step: group x (columns c = x mod G_r) -> bank of its OVN.
        std::vector<std::string> keys;
        std::vector<birrd::Config> cfgs;
        for (U64 t = 0; t < steps; ++t) {
          std::vector<std::vector<int>> groups;
          std::vector<int> ports;
          bool clash = false;
          for (U64 x = 0; x < gr; ++x) {
            const U64 m = t * rows_per_step + (x >> k.gclog);
            const U64 q = (n0 + U64(ah) * (x & (gc - 1))) / U64(ah);
            if (!k.lo.in_range(m, q)) continue;
            const int port = static_cast<int>(k.lo.addr(m, q, 0, aw, ah).bank);
            if (std::find(ports.begin(), ports.end(), port) != ports.end()) clash = true;
            std::vector<int> cols;
            for (U64 c = x; c < U64(aw); c += gr) cols.push_back(static_cast<int>(c));
            groups.push_back(cols);
            ports.push_back(port);
          }
          birrd::Config cfg(topo);  // no live group or a clash: golden reports it
          if (!groups.empty() && !clash) {
            const auto target = birrd::Target::from_groups(aw, groups, ports);
            // routes are cached: the same targets come back in every pass and tile
            static std::map<std::string, birrd::RouteResult> cache;
            const std::string key = topo.name() + " " + target.to_string();
            auto it = cache.find(key);
            if (it == cache.end()) it = cache.emplace(key, birrd::route(topo, target, ropt)).first;
            const auto& r = it->second;
            if (!r.ok()) {
              run.skipped = "unroutable " + target.to_string() + ": " + r.reason;
              return run;
            }
            cfg = r.config;
          }
          std::string key;
          for (auto w : cfg.pack_cmd()) key += std::to_string(w) + ",";
          for (auto w : cfg.pack_mask()) key += std::to_string(w) + ",";
          keys.push_back(key);
          cfgs.push_back(cfg);
        }
        for (U64 t = 0; t < steps;) {
          U64 t1 = t + 1;
          while (t1 < steps && keys[sz(t1)] == keys[sz(t)]) ++t1;
          prog.push_back(Instr::stream(t * rows_per_step, rows_per_step, t1 - t, pass > 0,
                                       pass + 1 == passes, cfgs[sz(t)]));
          ++run.streams;
          t = t1;
        }
      }
    }
  }
  prog.push_back(Instr::config(g.zp_a, g.zp_w, true));
  prog.push_back(Instr::store(Target::kSbufActive, 0, k.lo.end_line(aw, ah), kOutAddr));
  run.golden = std::make_unique<Golden>(p);
  // Buffers are not reset: stale output and inactive-half contents must not leak into results.
  for (int bank = 0; bank < aw; ++bank) {
    for (int line = 0; line < p.od; ++line) {
      run.golden->set_obuf(bank, U64(line), 0xdead0000U + static_cast<std::uint32_t>(line));
    }
    for (int line = 0; line < p.sd; ++line) {
      run.golden->set_sbuf(1, bank, U64(line), static_cast<std::uint8_t>(line * 7 + 3));
    }
  }
  run.info = run.golden->run(prog, run.mem);
  return run;
}

// Checks every output element in OBUF (int32), in the now-active streaming half and in the
// stored off-chip image (uint8), at the place the OVN layout gives it.
void expect_outputs(const GemmCase& k, const GemmRun& run) {
  ASSERT_EQ(run.info.err, Err::kNone)
      << "instr " << run.info.instr << ": " << to_string(run.info.err) << " " << run.info.detail;
  const auto acc = gemm_acc(k.g);
  const auto ref = gemm_ref(k.g);
  const Golden& gm = *run.golden;
  const int ah = k.p.ah;
  for (int m = 0; m < k.g.m; ++m) {
    for (int n = 0; n < k.g.n; ++n) {
      const auto ad =
          k.lo.addr(U64(m), U64(n / ah), static_cast<std::uint32_t>(n % ah), k.p.aw, ah);
      const std::size_t i = sz(m * k.g.n + n);
      ASSERT_EQ(static_cast<std::int32_t>(gm.obuf(static_cast<int>(ad.bank), ad.line)), acc[i])
          << "O[" << m << "][" << n << "] at bank " << ad.bank << " line " << ad.line;
      ASSERT_EQ(gm.sbuf(gm.half(), static_cast<int>(ad.bank), ad.line), ref[i])
          << "requantized O[" << m << "][" << n << "]";
      ASSERT_EQ(run.mem.byte(kOutAddr + ad.line, static_cast<int>(ad.bank)), ref[i]);
    }
  }
}

GemmLayer random_gemm(std::mt19937_64& rng, int m, int k, int n) {
  GemmLayer g;
  g.m = m;
  g.k = k;
  g.n = n;
  g.zp_a = static_cast<std::uint8_t>(rng());
  g.zp_w = static_cast<std::uint8_t>(rng());
  g.a.resize(sz(m * k));
  g.b.resize(sz(k * n));
  for (auto& v : g.a) v = static_cast<std::uint8_t>(rng());
  for (auto& v : g.b) v = static_cast<std::uint8_t>(rng());
  for (int j = 0; j < n; ++j) {
    // scales around 2^-12 and of both signs: outputs spread over 0..255 and saturate sometimes
    g.quant.scale.push_back(static_cast<std::int32_t>(rng() % (1U << 13)) - (1 << 11));
    g.quant.ozp.push_back(static_cast<std::uint8_t>(rng()));
  }
  return g;
}

// 4x4, K = AH * AW split over all four columns (G_r = 1), the four partial sums of each output
// reduced onto one lane; the OVN layout keeps every output in bank 0, so the whole GEMM is one
// ExecuteMapping and one ExecuteStreaming with T = M.
TEST(TopGolden, GemmKOverAllColumnsReducedToOneLane) {
  std::mt19937_64 rng(test::test_seed());
  for (int kdim : {16, 14}) {  // 14: the last VN holds two padding elements
    GemmCase k;
    k.p = params(4, 4, 64);
    k.g = random_gemm(rng, 6, kdim, 4);
    k.grlog = 0;
    k.gclog = 0;
    k.vn = 4;
    k.lw = Layout{4, 0, 4, 4, 0};  // WVN(j, n): L = 4n + j -> bank j
    k.li = Layout{4, 0, 6, 4, 0};  // IVN(m, j): L = 4m + j -> bank j
    k.lo = Layout{4, 0, 6, 4, 0};  // OVN(m, 0): L = 4m -> bank 0, lines 4m..4m+3
    GemmRun run = run_gemm(k);
    ASSERT_TRUE(run.skipped.empty()) << run.skipped;
    EXPECT_EQ(run.streams, 1);
    // the route is the one reduction 0+1+2+3 -> port 0
    const auto& es = run.prog[9];
    ASSERT_EQ(es.op, Op::kStream);
    EXPECT_EQ(es.t, 6U);
    const auto r = birrd::route(k.p.topology(), birrd::Target::from_groups(4, {{0, 1, 2, 3}}, {0}));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(es.birrd.modes, r.config.modes);
    EXPECT_EQ(es.birrd.mask, r.config.mask);
    expect_outputs(k, run);
    const auto acc = gemm_acc(k.g);
    for (int m = 0; m < 6; ++m) {
      for (int n = 0; n < 4; ++n) {
        EXPECT_EQ(run.golden->obuf(0, U64(4 * m + n)),
                  static_cast<std::uint32_t>(acc[sz(m * 4 + n)]));
      }
    }
    EXPECT_EQ(run.golden->stream_steps(), 6U);
    EXPECT_EQ(run.golden->output_writes(), 6U * 4U);
  }
}

// Same GEMM with the outputs of row m in bank m mod 4: one ExecuteStreaming per step, each
// routed to its own port.
TEST(TopGolden, GemmOneLaneReductionToVaryingPorts) {
  std::mt19937_64 rng(test::test_seed());
  GemmCase k;
  k.p = params(4, 4, 64);
  k.g = random_gemm(rng, 6, 16, 4);
  k.vn = 4;
  k.lw = Layout{4, 0, 4, 4, 0};
  k.li = Layout{4, 0, 6, 4, 0};
  k.lo = Layout{1, 0, 6, 1, 8};  // OVN(m, 0): L = m -> bank m mod 4, from line 8
  GemmRun run = run_gemm(k);
  ASSERT_TRUE(run.skipped.empty()) << run.skipped;
  EXPECT_EQ(run.streams, 6);
  expect_outputs(k, run);
}

// G_r = AW, G_c = AW: no reduction; every column holds four different output channels of the
// same input row (a broadcast read), and BIRRD permutes the columns onto the banks of the OVN
// layout (a rotation that changes with m).
TEST(TopGolden, GemmNoReductionPermutationRouting) {
  std::mt19937_64 rng(test::test_seed());
  GemmCase k;
  k.p = params(4, 4, 64);
  k.g = random_gemm(rng, 5, 4, 16);
  k.grlog = 2;
  k.gclog = 2;
  k.vn = 4;
  k.lw = Layout{0, 2, 4, 1, 0};  // WVN(0, n): L = 4 (n mod 4) + n / 4 -> bank = column
  k.li = Layout{1, 0, 5, 1, 0};
  k.lo = Layout{1, 0, 5, 4, 0};  // OVN(m, q): L = 5q + m -> bank (q + m) mod 4
  GemmRun run = run_gemm(k);
  ASSERT_TRUE(run.skipped.empty()) << run.skipped;
  EXPECT_EQ(run.streams, 5);
  expect_outputs(k, run);
}

// G_r = AW, G_c = 1: each column streams its own input row (m0 + sm*t + c) with vn = 3 < AH;
// M = 10 is not a multiple of 4, so the last step's two extra rows are not live.
TEST(TopGolden, GemmNoReductionPartialTileShortVn) {
  std::mt19937_64 rng(test::test_seed());
  GemmCase k;
  k.p = params(4, 4, 64);
  k.g = random_gemm(rng, 10, 3, 3);
  k.grlog = 2;
  k.gclog = 0;
  k.vn = 3;
  k.lw = Layout{3, 1, 2, 1, 4};
  k.li = Layout{1, 0, 10, 1, 0};  // IVN(m, 0): bank m mod 4
  k.lo = Layout{1, 0, 10, 1, 0};  // OVN(m, 0): bank m mod 4 = group: identity routing
  GemmRun run = run_gemm(k);
  ASSERT_TRUE(run.skipped.empty()) << run.skipped;
  EXPECT_EQ(run.streams, 2);  // steps 0-1 share a target, step 2 has two live groups
  EXPECT_EQ(run.golden->stream_steps(), 3U);
  EXPECT_EQ(run.golden->output_writes(), 10U * 3U);
  expect_outputs(k, run);
}

// Random GEMMs, mappings and layouts on several array shapes. Programs whose layouts conflict
// are discarded (the golden model reports the conflict); every other one must match the
// reference exactly.
TEST(TopGolden, RandomGemmsMatchTheReference) {
  std::mt19937_64 rng(test::test_seed());
  const std::vector<TopParams> shapes = {params(4, 4, 128), params(2, 4, 128), params(4, 8, 128),
                                         params(8, 4, 128),
                                         params(4, 8, 128, 64, birrd::Wiring::kFeather)};
  int ok = 0, conflicts = 0, skipped = 0, too_large = 0;
  int multi_pass = 0, strided = 0, multi_stream = 0;
  for (int trial = 0; trial < 500; ++trial) {
    GemmCase k;
    k.p = shapes[sz(static_cast<int>(rng() % shapes.size()))];
    const int aw = k.p.aw, ah = k.p.ah, awl = k.p.awl();
    k.grlog = static_cast<std::uint32_t>(rng() % U64(awl + 1));
    k.gclog = static_cast<std::uint32_t>(rng() % U64(k.grlog + 1));
    std::vector<std::uint32_t> vns;
    for (int v = 1; v <= ah; v *= 2) vns.push_back(static_cast<std::uint32_t>(v));
    k.vn = vns[sz(static_cast<int>(rng() % vns.size()))];
    const int m = 1 + static_cast<int>(rng() % 9);
    const int kk = 1 + static_cast<int>(rng() % U64(3 * aw));
    const int n = 1 + static_cast<int>(rng() % U64(2 * ah + 3));
    k.g = random_gemm(rng, m, kk, n);
    const U64 kv = (U64(kk) + k.vn - 1) / k.vn, qv = (U64(n) + U64(ah) - 1) / U64(ah);
    auto layout = [&](U64 extent_a, U64 extent_b) {
      Layout l;
      l.order = static_cast<std::uint32_t>(rng() % 6);
      l.f0log = static_cast<std::uint32_t>(rng() % 3);
      l.f1 = std::max<U64>(1, (extent_a + l.f0() - 1) / l.f0() + rng() % 2);
      l.f2 = extent_b + rng() % 2;
      l.base = rng() % 3 == 0 ? rng() % 8 : 0;
      return l;
    };
    k.lw = layout(U64(n), kv);
    k.li = layout(U64(m), kv);
    k.lo = layout(U64(m), qv);
    GemmRun run = run_gemm(k, {.sat_seconds = 10});
    if (!run.skipped.empty()) {
      ++(run.skipped.starts_with("layout") ? too_large : skipped);
      continue;
    }
    const Err e = run.info.err;
    if (e == Err::kSConflict || e == Err::kWConflict || e == Err::kOConflict) {
      ++conflicts;
      continue;
    }
    SCOPED_TRACE(k.p.to_string() + " M=" + std::to_string(m) + " K=" + std::to_string(kk) +
                 " N=" + std::to_string(n) + " grlog=" + std::to_string(k.grlog) +
                 " gclog=" + std::to_string(k.gclog) + " vn=" + std::to_string(k.vn) +
                 " LW=" + k.lw.to_string() + " LI=" + k.li.to_string() + " LO=" + k.lo.to_string());
    expect_outputs(k, run);
    if (::testing::Test::HasFailure()) return;
    ++ok;
    const U64 kgroups = U64(aw) >> k.grlog;
    if ((kv + kgroups - 1) / kgroups > 1) ++multi_pass;
    if (k.grlog > 0 && k.grlog < static_cast<std::uint32_t>(awl)) ++strided;
    if (run.streams > 1) ++multi_stream;
  }
  std::cout << "[ info     ] " << ok << " programs matched (" << multi_pass
            << " with several K passes, " << strided << " with 1 < G_r < AW, " << multi_stream
            << " with several ExecuteStreaming), " << conflicts << " rejected for conflicts, "
            << too_large << " for layouts beyond the buffers, " << skipped << " unroutable\n";
  EXPECT_GE(ok, 100);
  EXPECT_GE(multi_pass, 10);
  EXPECT_GE(strided, 10);
}

// ============================================================================================
// The golden model: loads, stores, tables, Config

TEST(TopGolden, LoadStoreTargetsTablesAndSwap) {
  const TopParams p = params(4, 8, 20, 16);  // scale table 8 words, ozp table 2 words
  Golden g(p);
  Memory mem(8);
  for (U64 w = 0; w < 16; ++w) {
    for (int i = 0; i < 8; ++i) mem.set_byte(w, i, static_cast<std::uint8_t>(w * 16 + U64(i)));
  }
  EXPECT_EQ(g.execute(Instr::load(Target::kWbuf, 3, 2, 5), mem), Err::kNone);
  EXPECT_EQ(g.wbuf(2, 3), 5 * 16 + 2);
  EXPECT_EQ(g.wbuf(7, 4), 6 * 16 + 7);
  EXPECT_EQ(g.execute(Instr::load(Target::kSbufActive, 0, 1, 1), mem), Err::kNone);
  EXPECT_EQ(g.execute(Instr::load(Target::kSbufInactive, 0, 1, 2), mem), Err::kNone);
  EXPECT_EQ(g.half(), 0);
  EXPECT_EQ(g.sbuf(0, 1, 0), 16 + 1);
  EXPECT_EQ(g.sbuf(1, 1, 0), 32 + 1);
  // swap: the active half is now 1
  EXPECT_EQ(g.execute(Instr::config(1, 2, true), mem), Err::kNone);
  EXPECT_EQ(g.half(), 1);
  EXPECT_EQ(g.execute(Instr::load(Target::kSbufActive, 5, 1, 3), mem), Err::kNone);
  EXPECT_EQ(g.sbuf(1, 0, 5), 48);
  // stores: active = half 1, inactive = half 0
  EXPECT_EQ(g.execute(Instr::store(Target::kSbufActive, 0, 1, 100), mem), Err::kNone);
  EXPECT_EQ(g.execute(Instr::store(Target::kSbufInactive, 0, 1, 101), mem), Err::kNone);
  EXPECT_EQ(g.execute(Instr::store(Target::kWbuf, 3, 2, 102), mem), Err::kNone);
  EXPECT_EQ(mem.byte(100, 4), 32 + 4);
  EXPECT_EQ(mem.byte(101, 4), 16 + 4);
  EXPECT_EQ(mem.read(102), mem.read(5));
  EXPECT_EQ(mem.read(103), mem.read(6));
  // count = 0 does nothing
  const Memory before = mem;
  EXPECT_EQ(g.execute(Instr::store(Target::kWbuf, 20, 0, 0), mem), Err::kNone);
  EXPECT_EQ(mem, before);
  // scale table: word w holds scale[2w], scale[2w+1], little-endian
  Memory t(8);
  t.write(0, {0x78, 0x56, 0x34, 0x12, 0xff, 0xff, 0xff, 0xff});
  t.write(7, {0x00, 0x00, 0x00, 0x80, 0x01, 0x00, 0x00, 0x00});
  t.write(9, {1, 2, 3, 4, 5, 6, 7, 8});
  t.write(10, {9, 10, 11, 12, 13, 14, 15, 16});
  EXPECT_EQ(g.execute(Instr::load(Target::kScale, 0, 8, 0), t), Err::kNone);
  EXPECT_EQ(g.scale(0), 0x12345678);
  EXPECT_EQ(g.scale(1), -1);
  EXPECT_EQ(g.scale(14), std::numeric_limits<std::int32_t>::min());
  EXPECT_EQ(g.scale(15), 1);
  EXPECT_EQ(g.execute(Instr::load(Target::kOzp, 0, 2, 9), t), Err::kNone);
  EXPECT_EQ(g.ozp(0), 1);
  EXPECT_EQ(g.ozp(15), 16);
  // reset: registers back to their reset values; buffers and tables keep their contents
  g.reset();
  EXPECT_EQ(g.half(), 0);
  EXPECT_EQ(g.err(), Err::kNone);
  EXPECT_EQ(g.scale(0), 0x12345678);
  EXPECT_EQ(g.ozp(15), 16);
  EXPECT_EQ(g.wbuf(2, 3), 5 * 16 + 2);
}

TEST(TopGolden, OffChipAddressesWrapAtMaw) {
  TopParams p = params(2, 4, 8, 4);
  p.maw = 4;
  p = p.validated();
  Golden g(p);
  Memory mem(4);
  mem.write(15, {1, 2, 3, 4});
  mem.write(0, {5, 6, 7, 8});
  EXPECT_EQ(g.execute(Instr::load(Target::kWbuf, 0, 2, 15), mem), Err::kNone);
  EXPECT_EQ(g.wbuf(0, 0), 1);
  EXPECT_EQ(g.wbuf(0, 1), 5);
  EXPECT_EQ(g.execute(Instr::store(Target::kWbuf, 0, 2, 15), mem), Err::kNone);
  EXPECT_EQ(mem.words(), 2U);
}

TEST(TopGolden, MemoryReadsUnwrittenWordsAsZero) {
  Memory a(4), b(4);
  EXPECT_EQ(a.read(7), (std::vector<std::uint8_t>{0, 0, 0, 0}));
  EXPECT_EQ(a.byte(7, 3), 0);
  a.write(7, {0, 0, 0, 0});
  EXPECT_EQ(a, b);  // an all-zero word equals an unwritten one
  a.set_byte(9, 2, 5);
  EXPECT_FALSE(a == b);
  EXPECT_EQ(a.read(9), (std::vector<std::uint8_t>{0, 0, 5, 0}));
  EXPECT_THROW(a.write(1, {1, 2}), std::invalid_argument);
  EXPECT_THROW((void)a.byte(0, 4), std::out_of_range);
}

// Padding weights take the zp_w of ExecuteMapping; the streaming arithmetic uses the zero points
// current at ExecuteStreaming (docs/isa.md, "Zero points").
TEST(TopGolden, ZeroPointsAreTakenWhenUsed) {
  const TopParams p = params(2, 4, 8, 4);
  Golden g(p);
  Memory mem(4);
  // one weight VN (n = 0, j = 0) in bank 0 lines 0..1; one input VN in bank 0 lines 0..1
  g.set_wbuf(0, 0, 10);
  g.set_wbuf(0, 1, 20);
  g.set_sbuf(0, 0, 0, 3);
  g.set_sbuf(0, 0, 1, 4);
  const Layout one{0, 0, 1, 1, 0};
  std::vector<Instr> prog = {
      Instr::set_layout(Op::kSetWvnLayout, one),
      Instr::set_layout(Op::kSetIvnLayout, one),
      Instr::set_layout(Op::kSetOvnLayout, one),
      Instr::config(0, 7, false),
      Instr::map(0, 0, 2, 0, 1),  // G_r = 4: column c alone, all read IVN(c, 0)
      Instr::config(1, 2, false)};
  ASSERT_EQ(g.run(prog, mem).err, Err::kNone);
  // column 0: PE(0,0) holds 10, 20; PE(1,0) holds WVN(0, 1): out of range -> 7, 7
  birrd::Config c(p.topology());
  c.mask.set(0);
  ASSERT_EQ(g.execute(Instr::stream(0, 1, 1, false, false, c), mem), Err::kNone) << g.err_detail();
  EXPECT_EQ(g.obuf(0, 0), static_cast<std::uint32_t>((3 - 1) * (10 - 2) + (4 - 1) * (20 - 2)));
  EXPECT_EQ(g.obuf(0, 1), static_cast<std::uint32_t>((3 - 1) * (7 - 2) + (4 - 1) * (7 - 2)));
}

// ============================================================================================
// The golden model: one test per error code

// A 4x4 machine with a WBUF/SBUF image laid out for the G_r = 1 GEMM above, ready to stream.
struct Machine {
  TopParams p = params(4, 4, 64, 4);
  Golden g{p};
  Memory mem{4};
  birrd::Config one_lane;  // 0+1+2+3 -> port 0
  Machine() {
    auto r = birrd::route(p.topology(), birrd::Target::from_groups(4, {{0, 1, 2, 3}}, {0}));
    one_lane = r.config;
  }
  Err run(const std::vector<Instr>& prog) { return g.run(prog, mem).err; }
};

void expect_detail(const Golden& g, const std::vector<std::string>& parts) {
  for (const auto& part : parts) {
    EXPECT_NE(g.err_detail().find(part), std::string::npos)
        << "detail '" << g.err_detail() << "' does not mention '" << part << "'";
  }
}

TEST(TopGoldenErrors, Field) {
  struct Case {
    Instr in;
    std::vector<std::string> parts;
  };
  auto lay = [](Op op, Layout l) { return Instr::set_layout(op, l); };
  const std::vector<Case> cases = {
      {lay(Op::kSetWvnLayout, Layout{6, 0, 1, 1, 0}), {"SetWVNLayout", "order 6"}},
      {lay(Op::kSetIvnLayout, Layout{0, 9, 1, 1, 0}), {"SetIVNLayout", "f0log 9", "XW - 1 = 7"}},
      {lay(Op::kSetOvnLayout, Layout{0, 0, 0, 1, 0}), {"SetOVNLayout", "F1 = 0"}},
      {lay(Op::kSetOvnLayout, Layout{0, 0, 1, 0, 0}), {"F2 = 0"}},
      {Instr::stream(0, 1, 0, false, false, {}), {"ExecuteStreaming", "T = 0"}},
      {Instr::load(static_cast<Target>(6), 0, 1, 0), {"Load", "target 6", "0..5"}},
      {Instr::store(Target::kLut, 0, 1, 0), {"Store", "target 5"}},
      {Instr::store(Target::kScale, 0, 1, 0), {"Store", "target 3"}},
      {Instr::store(Target::kOzp, 0, 0, 0), {"Store", "target 4"}},
      {Instr::map(0, 0, 3, 0, 3), {"ExecuteMapping", "grlog 3"}},
      {Instr::map(0, 0, 1, 2, 3), {"ExecuteMapping", "gclog 2 > grlog 1"}},
      {lay(Op::kSetWvnLayout, Layout{0, 0, 1, 1, 0, Window{true, 2, 2, 1}}),
       {"SetWVNLayout", "window", "only for the IVN layout"}},
      {lay(Op::kSetOvnLayout, Layout{0, 0, 1, 1, 0, Window{true, 2, 2, 1}}),
       {"SetOVNLayout", "window"}},
      {lay(Op::kSetIvnLayout, Layout{0, 0, 1, 1, 0, Window{true, 2, 2, 0}}), {"stride = 0"}},
      {lay(Op::kSetIvnLayout, Layout{0, 0, 1, 1, 0, Window{true, 0, 2, 1}}), {"ih = 0"}},
      {lay(Op::kSetIvnLayout, Layout{0, 0, 1, 1, 0, Window{true, 2, 0, 1}}), {"iw = 0"}},
      {Instr::config(0, 0, false, 200, 100), {"Config", "qlo 200 > qhi 100"}},
      {Instr::config(0, 0, false, 1, 0), {"Config", "qlo 1 > qhi 0"}},
  };
  for (const auto& c : cases) {
    Machine m;  // no layouts set: FIELD is checked before STATE
    EXPECT_EQ(m.g.execute(c.in, m.mem), Err::kField) << disassemble(c.in);
    expect_detail(m.g, c.parts);
  }
  // FIELD before LAYOUT_RANGE
  Machine m;
  EXPECT_EQ(m.g.execute(lay(Op::kSetWvnLayout, Layout{7, 0, 255, 255, 63}), m.mem), Err::kField);
  // an instruction that cannot be encoded is not executed: it throws
  EXPECT_THROW((void)m.g.execute(Instr::config(256, 0, false), m.mem), std::invalid_argument);
  Machine m2;
  EXPECT_THROW((void)m2.g.execute(Instr::map(0, 0, 0, 0, 4), m2.mem), std::invalid_argument);
}

// The streaming window (direct convolution): column c reads pixel (iy0, ix0 + (sm*t + rep)*stride)
// of the image, or the zero point outside it. A 3x3 image of one-VN pixels, the value of pixel
// a at element e is 10*a + e + 1; G_r = 4, G_c = 1: four columns (reps 0..3) with their own
// output pixels, each alone in its group, so column c's sum is its own products.
TEST(TopGoldenWindow, ColumnsReadTheWindowsPixelsOrPadding) {
  const TopParams p = params(4, 4, 64, 4);
  Golden g(p);
  Memory mem(4);
  // IVN layout order 1, F1 = 9, F2 = 1: L = a -> bank a mod 4, lines 4*(a/4) + e.
  for (std::uint64_t line = 0; line < 12; ++line) {
    std::vector<std::uint8_t> w(4, 0);
    for (std::uint64_t b = 0; b < 4; ++b) {
      const std::uint64_t a = (line / 4) * 4 + b;
      w[b] = static_cast<std::uint8_t>(10 * a + line % 4 + 1);
    }
    mem.write(line, w);
  }
  // Weights: every stationary value 1 (WVN layout F1 = 4 columns, one K-VN).
  for (std::uint64_t line = 0; line < 4; ++line) mem.write(100 + line, {1, 1, 1, 1});
  const Layout li{1, 0, 9, 1, 0, Window{true, 3, 3, 2}};
  const std::vector<Instr> setup = {
      Instr::config(0, 0, false),
      Instr::set_layout(Op::kSetWvnLayout, Layout{1, 0, 4, 1, 0}),
      Instr::set_layout(Op::kSetIvnLayout, li),
      Instr::set_layout(Op::kSetOvnLayout, Layout{1, 0, 4, 1, 0}),  // OVN(m, 0): bank m
      Instr::load(Target::kSbufActive, 0, 12, 0),
      Instr::load(Target::kWbuf, 0, 4, 100),
      Instr::map(0, 0, 2, 0, 3),  // G_r = 4, G_c = 1: rep = column
  };
  ASSERT_EQ(g.run(setup, mem).err, Err::kNone) << g.err_detail();
  birrd::Config id(p.topology());  // identity: column c -> lane c
  for (int l = 0; l < 4; ++l) id.mask.set(static_cast<std::size_t>(l));
  // Row iy0 = 1, ix0 = -1, stride 2: columns read ix = -1, 1, 3, 5 -> padding, pixel 4,
  // padding, padding.
  Instr es = Instr::stream(0, 4, 1, false, false, id);
  es.iy0 = 1;
  es.ix0 = -1;
  ASSERT_EQ(g.execute(es, mem), Err::kNone) << g.err_detail();
  auto sum_of = [](std::uint32_t a) {  // one VN of pixel a, times weights 1
    std::uint32_t s = 0;
    for (std::uint32_t e = 0; e < 4; ++e) s += 10 * a + e + 1;
    return s;
  };
  EXPECT_EQ(g.obuf(0, 0), 0U);         // padding reads zp_a = 0
  EXPECT_EQ(g.obuf(1, 0), sum_of(4));  // pixel (1, 1)
  EXPECT_EQ(g.obuf(2, 0), 0U);
  EXPECT_EQ(g.obuf(3, 0), 0U);
  // Row iy0 = 3 is below the image: every column is padding.
  es.iy0 = 3;
  es.ix0 = 0;
  es.acc = true;
  ASSERT_EQ(g.execute(es, mem), Err::kNone) << g.err_detail();
  EXPECT_EQ(g.obuf(1, 0), sum_of(4));
}

TEST(TopGoldenErrors, LayoutRange) {
  Machine m;                          // SD = WD = OD = 64, AW = AH = 4: 16 vn-rows
  const Layout fits{1, 0, 64, 1, 0};  // 64 VNs -> 16 rows -> lines 0..63
  EXPECT_EQ(m.g.execute(Instr::set_layout(Op::kSetWvnLayout, fits), m.mem), Err::kNone);
  const Layout base_fits{1, 0, 60, 1, 4};  // 15 rows from line 4 -> last line 63
  EXPECT_EQ(m.g.execute(Instr::set_layout(Op::kSetOvnLayout, base_fits), m.mem), Err::kNone);
  const Layout over{1, 0, 65, 1, 0};  // 17 rows -> last line 67
  EXPECT_EQ(m.g.execute(Instr::set_layout(Op::kSetIvnLayout, over), m.mem), Err::kLayoutRange);
  expect_detail(m.g, {"SetIVNLayout", "last line 67", "SD = 64"});
  Machine m2;
  const Layout huge{5, 8, 1023, 1023, 255};  // would overflow a naive product: still reported
  TopParams p = params(4, 4, 256);
  Golden g(p);
  EXPECT_EQ(g.execute(Instr::set_layout(Op::kSetOvnLayout, huge), m2.mem), Err::kLayoutRange);
  EXPECT_NE(g.err_detail().find("OD = 256"), std::string::npos) << g.err_detail();
}

// qoff: a quant stream writes the requantized byte of output line l to line l + qoff of the
// inactive half; without quant it changes nothing, and the image must fit SD.
TEST(TopGolden, QuantWritesLandQoffLinesFurther) {
  Machine m;  // 4x4, SD = WD = OD = 64, QD = 4
  for (std::uint64_t w = 0; w < 4; ++w) m.mem.write(200 + w, {0, 0, 0, 1});  // scale 2^24 = 1.0
  for (std::uint64_t l = 0; l < 4; ++l) {
    m.mem.write(l, {1, 1, 1, 1});        // IVN(m, 0) = 1 1 1 1
    m.mem.write(100 + l, {1, 2, 3, 4});  // WVN(0, n) = n + 1 everywhere
  }
  Layout lo{1, 0, 4, 1, 0};
  lo.qoff = 8;
  const std::vector<Instr> prog = {
      Instr::config(0, 0, false),
      Instr::load(Target::kScale, 0, 4, 200),
      Instr::set_layout(Op::kSetWvnLayout, Layout{1, 0, 4, 1, 0}),
      Instr::set_layout(Op::kSetIvnLayout, Layout{1, 0, 4, 1, 0}),
      Instr::set_layout(Op::kSetOvnLayout, lo),
      Instr::load(Target::kSbufActive, 0, 4, 0),
      Instr::load(Target::kWbuf, 0, 4, 100),
      Instr::map(0, 0, 0, 0, 3),
      Instr::stream(0, 1, 1, false, true, m.one_lane),
  };
  ASSERT_EQ(m.run(prog), Err::kNone) << m.g.err_detail();
  for (std::uint64_t r = 0; r < 4; ++r) {
    const auto want = static_cast<std::uint32_t>(4 * (r + 1));  // O[0][n = r]
    EXPECT_EQ(m.g.obuf(0, r), want) << "row " << r;
    EXPECT_EQ(m.g.sbuf(1, 0, 8 + r), want) << "row " << r;
    EXPECT_EQ(m.g.sbuf(1, 0, r), 0U) << "row " << r;
  }
  EXPECT_NE(disassemble(prog[4]).find("qoff=8"), std::string::npos) << disassemble(prog[4]);
  // The image (lines 56..59 + 8) beyond SD = 64: LAYOUT_RANGE for a quant stream only.
  Layout high{1, 0, 4, 1, 56};
  high.qoff = 8;
  EXPECT_EQ(m.g.execute(Instr::set_layout(Op::kSetOvnLayout, high), m.mem), Err::kNone);
  EXPECT_EQ(m.g.execute(Instr::stream(0, 1, 1, false, false, m.one_lane), m.mem), Err::kNone);
  EXPECT_EQ(m.g.execute(Instr::stream(0, 1, 1, false, true, m.one_lane), m.mem), Err::kLayoutRange);
  expect_detail(m.g, {"quant=1", "qoff", "SD = 64"});
  // Only the OVN layout has a qoff.
  Machine f;
  Layout li{1, 0, 4, 1, 0};
  li.qoff = 1;
  EXPECT_EQ(f.g.execute(Instr::set_layout(Op::kSetIvnLayout, li), f.mem), Err::kField);
  expect_detail(f.g, {"SetIVNLayout", "qoff = 1"});
}

TEST(TopGoldenErrors, State) {
  const Layout l{4, 0, 4, 4, 0};
  {
    Machine m;
    EXPECT_EQ(m.run({Instr::map(0, 0, 0, 0, 3)}), Err::kState);
    expect_detail(m.g, {"ExecuteMapping", "WVN layout"});
  }
  {
    Machine m;
    EXPECT_EQ(
        m.run({Instr::set_layout(Op::kSetIvnLayout, l), Instr::set_layout(Op::kSetOvnLayout, l),
               Instr::stream(0, 1, 1, false, false, m.one_lane)}),
        Err::kState);
    expect_detail(m.g, {"ExecuteStreaming", "no ExecuteMapping"});
  }
  {
    Machine m;
    EXPECT_EQ(m.run({Instr::set_layout(Op::kSetWvnLayout, l), Instr::map(0, 0, 0, 0, 3),
                     Instr::set_layout(Op::kSetOvnLayout, l),
                     Instr::stream(0, 1, 1, false, false, m.one_lane)}),
              Err::kState);
    expect_detail(m.g, {"IVN layout"});
  }
  {
    Machine m;
    EXPECT_EQ(m.run({Instr::set_layout(Op::kSetWvnLayout, l), Instr::map(0, 0, 0, 0, 3),
                     Instr::set_layout(Op::kSetIvnLayout, l),
                     Instr::stream(0, 1, 1, false, false, m.one_lane)}),
              Err::kState);
    expect_detail(m.g, {"OVN layout"});
  }
  {
    // reset invalidates the layouts and the mapping
    Machine m;
    ASSERT_EQ(
        m.run({Instr::set_layout(Op::kSetWvnLayout, l), Instr::set_layout(Op::kSetIvnLayout, l),
               Instr::set_layout(Op::kSetOvnLayout, l), Instr::map(0, 0, 0, 0, 3),
               Instr::stream(0, 1, 1, false, false, m.one_lane)}),
        Err::kNone);
    m.g.reset();
    EXPECT_EQ(m.g.execute(Instr::map(0, 0, 0, 0, 3), m.mem), Err::kState);
  }
}

TEST(TopGoldenErrors, SConflict) {
  Machine m;
  // IVN(m, j): L = 6j + m -> with m = 0, columns 0 and 2 (j = 0, 2) both read bank 0
  const std::vector<Instr> prog = {Instr::set_layout(Op::kSetWvnLayout, Layout{4, 0, 4, 4, 0}),
                                   Instr::set_layout(Op::kSetIvnLayout, Layout{1, 0, 6, 4, 0}),
                                   Instr::set_layout(Op::kSetOvnLayout, Layout{4, 0, 6, 4, 0}),
                                   Instr::map(0, 0, 0, 0, 3),
                                   Instr::stream(0, 1, 6, false, false, m.one_lane)};
  const ErrorInfo info = m.g.run(prog, m.mem);
  EXPECT_EQ(info.err, Err::kSConflict);
  EXPECT_EQ(info.instr, 4U);
  expect_detail(m.g, {"step 0 beat 0", "columns 0 and 2", "bank 0", "lines 0 and 12",
                      "IVN(m=0, j=0)", "IVN(m=0, j=2)"});
  // the error is sticky: later instructions are ignored
  EXPECT_EQ(m.g.execute(Instr::config(0, 0, true), m.mem), Err::kSConflict);
  EXPECT_EQ(m.g.half(), 0);
  EXPECT_EQ(m.g.err(), Err::kSConflict);
}

TEST(TopGoldenErrors, WConflict) {
  Machine m;
  // WVN(j, n): L = 6j + n -> step (r=0, e=0): columns 0 and 2 (j = 0, 2) both read bank 0
  const std::vector<Instr> prog = {Instr::set_layout(Op::kSetWvnLayout, Layout{1, 0, 6, 4, 0}),
                                   Instr::map(0, 0, 0, 0, 3)};
  EXPECT_EQ(m.run(prog), Err::kWConflict);
  expect_detail(m.g, {"ExecuteMapping step 0 (row 0, element 0)", "columns 0 and 2", "bank 0",
                      "lines 0 and 12", "WVN(j=0, n=0)", "WVN(j=2, n=0)"});
  // a broadcast (same bank, same line) is not a conflict: with G_r = AW every column reads
  // WVN(0, r)
  Machine b;
  EXPECT_EQ(b.run({Instr::set_layout(Op::kSetWvnLayout, Layout{1, 0, 6, 4, 0}),
                   Instr::map(0, 0, 2, 0, 3)}),
            Err::kNone);
}

TEST(TopGoldenErrors, OConflict) {
  Machine m;
  // G_r = G_c = AW: the four groups of a step share m and q = group; OVN(m, q): L = 4q + m,
  // bank m: all four in one bank.
  birrd::Config perm =
      birrd::route(m.p.topology(), birrd::Target::permutation({0, 1, 2, 3})).config;
  const std::vector<Instr> prog = {Instr::set_layout(Op::kSetWvnLayout, Layout{0, 2, 4, 1, 0}),
                                   Instr::set_layout(Op::kSetIvnLayout, Layout{1, 0, 4, 1, 0}),
                                   Instr::set_layout(Op::kSetOvnLayout, Layout{1, 0, 4, 4, 0}),
                                   Instr::map(0, 0, 2, 2, 3),
                                   Instr::stream(1, 1, 1, false, false, perm)};
  EXPECT_EQ(m.run(prog), Err::kOConflict);
  expect_detail(m.g, {"step 0 row 0", "group 0 (O[m=1][n=0]", "group 1 (O[m=1][n=4]",
                      "both write OBUF bank 1"});
}

TEST(TopGoldenErrors, OMissing) {
  const std::vector<Instr> setup = {
      Instr::set_layout(Op::kSetWvnLayout, Layout{4, 0, 4, 4, 0}),
      Instr::set_layout(Op::kSetIvnLayout, Layout{4, 0, 6, 4, 0}),
      Instr::set_layout(Op::kSetOvnLayout, Layout{1, 0, 6, 1, 0}),  // OVN(m, 0) in bank m % 4
      Instr::map(0, 0, 0, 0, 3)};
  {
    // the reduction lands on port 0 but row m = 1 lives in bank 1
    Machine m;
    auto prog = setup;
    prog.push_back(Instr::stream(0, 1, 2, false, false, m.one_lane));
    const ErrorInfo info = m.g.run(prog, m.mem);
    EXPECT_EQ(info.err, Err::kOMissing);
    expect_detail(
        m.g, {"step 1 row 0", "group 0 (O[m=1][n=0]", "no valid BIRRD result", "lane 1", "0b0001"});
  }
  {
    // an empty configuration: all pass, mask 0
    Machine m;
    auto prog = setup;
    prog.push_back(Instr::stream(0, 1, 1, false, false, birrd::Config{}));
    EXPECT_EQ(m.run(prog), Err::kOMissing);
    expect_detail(m.g, {"step 0 row 0", "lane 0", "0b0000"});
  }
  {
    // BIRRD's valid is 1 everywhere (all switches add-lo), but the mask selects lane 1 while
    // the live group of row m = 0 is in bank 0
    Machine m;
    birrd::Config c(m.p.topology());
    for (auto& mode : c.modes) mode = birrd::Mode::kAddLo;  // valid stays 1 everywhere
    c.mask.set(1);
    auto prog = setup;
    prog.push_back(Instr::stream(0, 1, 1, false, false, c));
    EXPECT_EQ(m.run(prog), Err::kOMissing);
    expect_detail(m.g, {"lane 0", "0b0010"});
  }
}

TEST(TopGoldenErrors, MemRange) {
  struct Case {
    Instr in;
    std::vector<std::string> parts;
  };
  // WD = SD = 64, QD = 4 with AW = 4: scale 4 words, ozp 1 word
  const std::vector<Case> cases = {
      {Instr::load(Target::kWbuf, 60, 5, 0), {"Load WBUF", "line 60 + count 5 = 65 > 64 lines"}},
      {Instr::load(Target::kSbufActive, 63, 2, 0), {"SBUF active half"}},
      {Instr::store(Target::kSbufInactive, 0, 65, 0), {"Store SBUF inactive half"}},
      {Instr::load(Target::kScale, 1, 4, 0), {"scale table", "> 4 lines"}},
      {Instr::load(Target::kOzp, 0, 2, 0), {"zero-point table", "> 1 lines"}},
  };
  for (const auto& c : cases) {
    Machine m;
    EXPECT_EQ(m.g.execute(c.in, m.mem), Err::kMemRange) << disassemble(c.in);
    expect_detail(m.g, c.parts);
  }
  Machine m;
  EXPECT_EQ(m.g.execute(Instr::load(Target::kWbuf, 60, 4, 0), m.mem), Err::kNone);
  EXPECT_EQ(m.g.execute(Instr::load(Target::kScale, 0, 4, 0), m.mem), Err::kNone);
  EXPECT_EQ(m.g.execute(Instr::store(Target::kWbuf, 63, 1, 0), m.mem), Err::kNone);
  // the range check does not depend on count: with WD = 48 (LA = 6) line 50 is beyond the
  // buffer even for count = 0, while line 48 + count 0 is not
  Golden g(params(4, 4, 48, 4));
  EXPECT_EQ(g.execute(Instr::store(Target::kWbuf, 48, 0, 0), m.mem), Err::kNone);
  EXPECT_EQ(g.execute(Instr::store(Target::kWbuf, 50, 0, 0), m.mem), Err::kMemRange);
  EXPECT_NE(g.err_detail().find("line 50 + count 0 = 50 > 48 lines"), std::string::npos)
      << g.err_detail();
}

TEST(TopGoldenErrors, QRange) {
  // QD = 4 but N = 8: the second N tile (n0 = 4) needs channels 4..7 when quant = 1.
  std::mt19937_64 rng(test::test_seed());
  GemmCase k;
  k.p = params(4, 4, 64, 4);
  k.g = random_gemm(rng, 2, 16, 8);
  k.vn = 4;
  k.lw = Layout{4, 0, 8, 4, 0};
  k.li = Layout{4, 0, 2, 4, 0};
  k.lo = Layout{4, 0, 2, 4, 0};  // OVN(m, q): L = 4m + q -> bank q
  GemmRun run = run_gemm(k);
  ASSERT_TRUE(run.skipped.empty()) << run.skipped;
  EXPECT_EQ(run.info.err, Err::kQRange);
  ASSERT_GE(run.info.instr, 1U);
  EXPECT_EQ(run.prog[run.info.instr].op, Op::kStream);
  EXPECT_EQ(run.prog[run.info.instr - 1].op, Op::kMap);
  EXPECT_EQ(run.prog[run.info.instr - 1].n0, 4U);  // the second N tile
  EXPECT_NE(run.info.detail.find("step 0 row 0"), std::string::npos) << run.info.detail;
  EXPECT_NE(run.info.detail.find("channel n = 4 >= QD = 4"), std::string::npos) << run.info.detail;
  EXPECT_NE(run.info.detail.find("O[m=0][n=4]"), std::string::npos) << run.info.detail;
  // without quant the same program runs
  GemmRun plain = run_gemm(k);
  Golden g(k.p);
  auto prog = plain.prog;
  for (auto& in : prog) in.quant = false;
  EXPECT_EQ(g.run(prog, plain.mem).err, Err::kNone);
}

// Several errors in one instruction: the first in the specified order is reported.
TEST(TopGoldenErrors, CheckingOrder) {
  {
    // SCONFLICT (a beat) before OMISSING (a row) in the same step
    Machine m;
    EXPECT_EQ(
        m.run({Instr::set_layout(Op::kSetWvnLayout, Layout{4, 0, 4, 4, 0}),
               Instr::set_layout(Op::kSetIvnLayout, Layout{1, 0, 6, 4, 0}),
               Instr::set_layout(Op::kSetOvnLayout, Layout{4, 0, 6, 4, 0}),
               Instr::map(0, 0, 0, 0, 3), Instr::stream(0, 1, 1, false, false, birrd::Config{})}),
        Err::kSConflict);
  }
  {
    // OCONFLICT before OMISSING in one row
    Machine m;
    EXPECT_EQ(
        m.run({Instr::set_layout(Op::kSetWvnLayout, Layout{0, 2, 4, 1, 0}),
               Instr::set_layout(Op::kSetIvnLayout, Layout{1, 0, 4, 1, 0}),
               Instr::set_layout(Op::kSetOvnLayout, Layout{1, 0, 4, 4, 0}),
               Instr::map(0, 0, 2, 2, 3), Instr::stream(0, 1, 1, false, true, birrd::Config{})}),
        Err::kOConflict);
  }
  {
    // OMISSING before QRANGE: n = 4..7 >= QD = 4 and an empty configuration
    Machine m;
    EXPECT_EQ(
        m.run({Instr::set_layout(Op::kSetWvnLayout, Layout{4, 0, 8, 4, 0}),
               Instr::set_layout(Op::kSetIvnLayout, Layout{4, 0, 6, 4, 0}),
               Instr::set_layout(Op::kSetOvnLayout, Layout{4, 0, 6, 4, 0}),
               Instr::map(0, 4, 0, 0, 3), Instr::stream(0, 1, 1, false, true, birrd::Config{})}),
        Err::kOMissing);
  }
  {
    // a later step's OMISSING is reported after the earlier steps were written
    Machine m;
    EXPECT_EQ(m.run({Instr::set_layout(Op::kSetWvnLayout, Layout{4, 0, 4, 4, 0}),
                     Instr::set_layout(Op::kSetIvnLayout, Layout{4, 0, 6, 4, 0}),
                     Instr::set_layout(Op::kSetOvnLayout, Layout{1, 0, 6, 1, 0}),
                     Instr::map(0, 0, 0, 0, 3), Instr::stream(0, 1, 3, false, false, m.one_lane)}),
              Err::kOMissing);
    EXPECT_EQ(m.g.stream_steps(), 2U);
    EXPECT_EQ(m.g.output_writes(), 4U);
  }
}

}  // namespace
}  // namespace feather::top
