// Writes the seed corpora of the fuzz targets (verif/fuzz/corpus/<target>/seed-*): a few small
// inputs per target in the formats of fuzz_util.hpp and fuzz_layer_compile.cpp, valid ones
// (compiled layers, routable targets) and a few that exercise the error paths. Regenerate
// after a format change:
//   build-fuzz/verif/fuzz/fuzz_make_seeds verif/fuzz/corpus
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "feather/top/arrays.hpp"
#include "feather/top/compiler.hpp"
#include "feather/top/isa.hpp"
#include "fuzz_util.hpp"

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;
using namespace feather::top;  // NOLINT

void write(const fs::path& dir, const std::string& name, const Bytes& b) {
  fs::create_directories(dir);
  std::ofstream f(dir / ("seed-" + name), std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  std::printf("%s/seed-%s (%zu bytes)\n", dir.string().c_str(), name.c_str(), b.size());
}

Bytes text(std::uint8_t lanes_byte, const std::string& s) {
  Bytes b{lanes_byte};
  b.insert(b.end(), s.begin(), s.end());
  return b;
}

void birrd_target(const fs::path& dir) {
  write(dir, "reduce8", text(8, "3<-0+1 2<-4+5+6+7"));
  write(dir, "underscore4", text(4, "0_1,1_0\t2_2+3"));
  write(dir, "perm16",
        text(16,
             "0<-13 1<-7 2<-1 3<-6 4<-10 5<-8 6<-5 7<-0 8<-9 9<-12 10<-3 11<-4 "
             "12<-15 13<-14 14<-2 15<-11"));
  write(dir, "lane-out-of-range", text(8, "3<-9"));
  write(dir, "port-twice", text(32, "1<-2 1<-3"));
  write(dir, "max-lanes", text(0xF8, "1023<-0+1023 0<-5"));  // 1024 lanes
  write(dir, "zero-lanes", text(0, "0<-0"));
}

Bytes isa_stream(const TopParams& p, std::uint8_t mem_seed, const std::vector<Instr>& prog) {
  Bytes b = feather::fuzz::isa_param_bytes(p);
  b.push_back(mem_seed);
  const std::size_t n = feather::fuzz::isa_instr_bytes(p);
  for (const Instr& in : prog) {
    const Word w = encode(p, in);
    for (std::size_t i = 0; i < n; ++i) {
      b.push_back(static_cast<std::uint8_t>(w[i / 4] >> (8 * (i % 4))));
    }
  }
  return b;
}

GemmLayer gemm(int m, int k, int n) {
  GemmLayer g;
  g.m = m;
  g.k = k;
  g.n = n;
  g.zp_a = 3;
  g.zp_w = 250;
  for (int i = 0; i < m * k; ++i) g.a.push_back(static_cast<std::uint8_t>(i * 37 + 11));
  for (int i = 0; i < k * n; ++i) g.b.push_back(static_cast<std::uint8_t>(i * 91 + 5));
  g.quant.scale.assign(static_cast<std::size_t>(n), 40000);
  g.quant.ozp.assign(static_cast<std::size_t>(n), 128);
  return g;
}

TopParams top(int ah, int aw, int depth, int qd, int maw, bool benes) {
  TopParams p;
  p.ah = ah;
  p.aw = aw;
  p.sd = p.wd = p.od = depth;
  p.qd = qd;
  p.maw = maw;
  p.wiring = benes ? feather::birrd::Wiring::kBenes : feather::birrd::Wiring::kFeather;
  // The seed must decode to exactly these parameters.
  Bytes b = feather::fuzz::isa_param_bytes(p);
  feather::fuzz::Bytes in(b.data(), b.size());
  const TopParams back = feather::fuzz::isa_params(in);
  if (back.to_string() != p.to_string()) {
    throw std::logic_error(p.to_string() + " is outside the fuzzed parameter range");
  }
  return p;
}

void isa_golden(const fs::path& dir) {
  struct Case {
    const char* name;
    TopParams p;
    GemmLayer g;
  };
  const Case cases[] = {
      {"gemm-4x4", top(4, 4, 64, 16, 12, true), gemm(5, 6, 3)},
      {"gemm-8x8", top(8, 8, 64, 64, 12, true), gemm(9, 10, 11)},
      {"gemm-2x4-feather", top(2, 4, 32, 8, 10, false), gemm(4, 3, 2)},
      {"gemm-8x4", top(8, 4, 40, 32, 12, true), gemm(6, 17, 5)},
  };
  for (const Case& c : cases) {
    const Program prog = compile_gemm(c.p, c.g);
    write(dir, c.name, isa_stream(c.p, 7, prog.instrs));
  }
  {
    // QRANGE: a layer compiled for QD = 32 run with QD = 16 (the table Loads dropped: they
    // would raise MEM_RANGE first; the field widths do not depend on QD).
    const TopParams big = top(4, 4, 64, 32, 12, true), small = top(4, 4, 64, 16, 12, true);
    std::vector<Instr> prog;
    for (const Instr& in : compile_gemm(big, gemm(5, 6, 20)).instrs) {
      const bool table =
          in.op == Op::kLoad && (in.target == static_cast<std::uint32_t>(Target::kScale) ||
                                 in.target == static_cast<std::uint32_t>(Target::kOzp));
      if (!table) prog.push_back(in);
    }
    write(dir, "qrange", isa_stream(small, 5, prog));
  }
  const TopParams p = top(4, 4, 16, 4, 6, true);
  feather::birrd::Config cfg(p.topology());
  write(dir, "es-without-map", isa_stream(p, 1, {Instr::stream(0, 1, 3, false, false, cfg)}));
  write(dir, "load-range", isa_stream(p, 2, {Instr::load(Target::kWbuf, 10, 7, 0)}));
  write(dir, "layout-range",
        isa_stream(p, 3, {Instr::set_layout(Op::kSetIvnLayout, Layout{1, 2, 9, 9, 3})}));
}

// fuzz_top_stream format (fuzz_util.hpp): mode, seed, instruction words of the 4x4 top.
Bytes top_stream(std::uint8_t mode, std::uint8_t seed, const TopParams& p,
                 const std::vector<Instr>& instrs) {
  Bytes b{mode, seed};
  for (const Instr& in : instrs) {
    const Bytes w = feather::fuzz::word_bytes(encode(p, in), p.iw());
    b.insert(b.end(), w.begin(), w.end());
  }
  return b;
}

void top_stream(const fs::path& dir) {
  namespace fz = feather::fuzz;
  const TopParams p = feather::top::find_named_array(4, 4)->params;
  const feather::birrd::Config cfg(p.topology());
  // A legal program alone, under latency and back-pressure; then followed by illegal
  // instructions (a stream with no mapping after a reset of the mapping context is not
  // possible, so: a Load beyond the buffer, a layout out of range, a stream over budget).
  write(dir, "legal", top_stream(fz::top_stream_mode_byte(true, 0, 1), 1, p, {}));
  write(dir, "legal-bp", top_stream(fz::top_stream_mode_byte(true, 2, 3), 2, p, {}));
  write(dir, "legal-then-load-range",
        top_stream(fz::top_stream_mode_byte(true, 1, 2), 3, p,
                   {Instr::load(Target::kWbuf, static_cast<std::uint64_t>(p.wd) - 1, 7, 0)}));
  write(dir, "legal-then-layout-range",
        top_stream(fz::top_stream_mode_byte(true, 0, 1), 4, p,
                   {Instr::set_layout(Op::kSetIvnLayout, Layout{1, 2, 9, 9, 3})}));
  write(dir, "stream-without-map",
        top_stream(fz::top_stream_mode_byte(false, 0, 1), 5, p,
                   {Instr::stream(0, 1, 3, false, false, cfg)}));
  // A compiled GEMM, instruction by instruction (no prefix): the fuzzer mutates its fields.
  const Program gemm_prog = compile_gemm(p, gemm(5, 6, 3));
  write(dir, "gemm",
        top_stream(
            fz::top_stream_mode_byte(false, 0, 2), 6, p,
            std::vector<Instr>(gemm_prog.instrs.begin(),
                               gemm_prog.instrs.begin() +
                                   std::min<std::ptrdiff_t>(
                                       static_cast<std::ptrdiff_t>(fz::kTopStreamMaxInstrs),
                                       static_cast<std::ptrdiff_t>(gemm_prog.instrs.size())))));
}

// fuzz_layer_compile format: mode, array/depth/wiring, QD/MAW, data seed, options (bit 0: no
// Store; bit 1: forced mapping, 3 more bytes grlog, gclog, vnm1), shape.
Bytes layer(std::uint8_t mode, int arr, int depth_class, Bytes shape, std::uint8_t opt = 0,
            Bytes force = {}) {
  Bytes b{mode, static_cast<std::uint8_t>(arr | (depth_class << 3)), 15, 42, opt};
  b.insert(b.end(), force.begin(), force.end());
  b.insert(b.end(), shape.begin(), shape.end());
  return b;
}

// Conv shape bytes for small_conv(): each field minus its range's low end.
Bytes conv(int h, int w, int c, int co, int r, int s, int stride, int pad, int dil, int groups,
           std::uint8_t zp_a = 7, std::uint8_t zp_w = 200, std::uint8_t flags = 0) {
  return {static_cast<std::uint8_t>(h + 1),
          static_cast<std::uint8_t>(w + 1),
          static_cast<std::uint8_t>(c),
          static_cast<std::uint8_t>(co),
          static_cast<std::uint8_t>(r),
          static_cast<std::uint8_t>(s),
          static_cast<std::uint8_t>(stride),
          static_cast<std::uint8_t>(pad + 1),
          static_cast<std::uint8_t>(dil),
          static_cast<std::uint8_t>(groups),
          zp_a,
          zp_w,
          flags};
}

Bytes u32s(std::initializer_list<std::uint32_t> v) {
  Bytes b;
  for (std::uint32_t x : v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
  }
  return b;
}

void layer_compile(const fs::path& dir) {
  // arr: 0 2x4, 1 4x4, 2 4x8, 3 8x4, 4 8x8; depth class: 0 16, 1 32, 2 64, 3 256.
  write(dir, "conv3x3-4x4", layer(0, 1, 3, conv(5, 4, 3, 5, 3, 3, 1, 1, 1, 1)));
  write(dir, "conv-depthwise-8x8", layer(0, 4, 3, conv(5, 5, 4, 4, 3, 3, 2, 1, 1, 4)));
  write(dir, "conv-dilated-4x8", layer(0, 2, 2, conv(7, 6, 2, 6, 2, 2, 1, 0, 2, 2)));
  write(dir, "conv-bad-groups", layer(0, 1, 3, conv(4, 4, 4, 6, 1, 1, 1, 0, 1, 3)));
  write(dir, "conv-zero-groups", layer(0, 1, 3, conv(3, 3, 2, 2, 1, 1, 1, 0, 1, 0)));
  write(dir, "conv-short-input", layer(0, 1, 3, conv(3, 3, 2, 2, 1, 1, 1, 0, 1, 1, 0, 0, 1)));
  write(dir, "gemm-4x4", layer(1, 1, 3, {9, 13, 7, 3, 250, 0}));
  write(dir, "gemm-8x8-forced", layer(1, 4, 3, {20, 30, 17, 255, 255, 0}, 2, {1, 0, 7}));
  write(dir, "gemm-too-big-2x4", layer(1, 0, 0, {40, 40, 40, 1, 2, 0}));
  write(dir, "chain-4x4", layer(2, 1, 3, {6, 9, 8, 5, 4, 9, 200}));
  write(dir, "chain-8x4-nostore", layer(2, 3, 3, {12, 20, 3, 10, 0, 0, 0}, 1));
  // h w c co r s stride pad dilation groups, zero points, input/weight/quant sizes.
  auto wide = [](std::initializer_list<std::uint32_t> fields, Bytes tail) {
    Bytes b = u32s(fields);
    b.insert(b.end(), tail.begin(), tail.end());
    return b;
  };
  write(dir, "wide-conv-small",
        layer(3, 1, 3, wide({3, 3, 2, 2, 1, 1, 1, 0, 1, 1}, {7, 200, 18, 4, 2})));
  write(dir, "wide-conv-huge-pad",
        layer(3, 1, 3, wide({1, 1, 1, 1, 1, 1, 0x7fffffff, 0x40000000, 1, 1}, {0, 0, 1, 1, 1})));
  // h*w*c = 2^64: a size product that wraps to 0 must not match the empty input.
  write(dir, "wide-conv-size-wraps",
        layer(3, 1, 3, wide({1U << 30, 1U << 30, 16, 1, 1, 1, 1, 0, 1, 1}, {0, 0, 0, 16, 1})));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR   (e.g. verif/fuzz/corpus)\n", argv[0]);
    return 2;
  }
  const fs::path root = argv[1];
  birrd_target(root / "fuzz_birrd_target");
  isa_golden(root / "fuzz_isa_golden");
  layer_compile(root / "fuzz_layer_compile");
  top_stream(root / "fuzz_top_stream");
  return 0;
}
