// libFuzzer target: layer validation and the layer compiler on fuzzed shapes
// (feather::top::ConvLayer/GemmLayer::validate, compile_conv, compile_gemm), checked end to end
// on the golden model against the reference math (conv_ref, gemm_ref).
//
// Input (read by LLVMFuzzerTestOneInput below; make_seeds.cpp writes seeds in this format):
//   byte 0  mode: 0 conv, 1 GEMM, 2 GEMM -> GEMM chain (the second reads the first's output
//           in the buffer), 3 conv with arbitrary 32-bit fields (validation at the extremes)
//   byte 1  array (AHxAW = 2x4, 4x4, 4x8, 8x4, 8x8), buffer depth (16, 32, 64, 256), wiring
//   byte 2  QD and MAW;  byte 3  operand data seed;  byte 4  options (store, forced mapping)
//   then the shape (small ranges that include illegal values) and zero points.
// Properties: validate() and compile_*() either throw std::invalid_argument with a message or
// succeed; compile never accepts a layer validate() rejects; a compiled program runs on the
// golden model without an error and its output (in the streaming buffer, and off-chip if
// stored) equals the reference bit for bit; the reference itself runs for every valid layer.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "feather/top/compiler.hpp"
#include "feather/top/golden.hpp"
#include "feather/top/reference.hpp"
#include "fuzz_util.hpp"

namespace {

using feather::fuzz::Bytes;
using feather::fuzz::check;
using feather::fuzz::fail;
using namespace feather::top;  // NOLINT: the target exercises this namespace only

// Operand data from the seed byte.
class Data {
 public:
  explicit Data(std::uint8_t seed) : state_(std::uint64_t{seed} << 40) {}
  std::uint64_t next() { return feather::fuzz::mix(state_++); }
  std::vector<std::uint8_t> bytes(std::size_t n) {
    std::vector<std::uint8_t> v(n);
    for (auto& x : v) x = static_cast<std::uint8_t>(next());
    return v;
  }
  // Scales that keep most results inside 0..255 for a reduction of length k (some clamp).
  Quant quant(std::size_t n, int k) {
    Quant q;
    const double typical = 150000.0 / std::sqrt(static_cast<double>(k < 1 ? 1 : k));
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t r = next();
      double s = typical * (0.3 + 1.7 * static_cast<double>(r % 1000) / 1000.0);
      if ((r >> 20) % 4 == 0) s = -s;
      q.scale.push_back(static_cast<std::int32_t>(s));
      q.ozp.push_back(static_cast<std::uint8_t>(r >> 32));
    }
    return q;
  }

 private:
  std::uint64_t state_;
};

std::size_t sz(int v) { return v > 0 ? static_cast<std::size_t>(v) : 0; }

TopParams layer_params(Bytes& in) {
  static constexpr int kArr[5][2] = {{2, 4}, {4, 4}, {4, 8}, {8, 4}, {8, 8}};
  static constexpr int kDepth[4] = {16, 32, 64, 256};
  const std::uint8_t b1 = in.u8(), b2 = in.u8();
  TopParams p;
  p.ah = kArr[(b1 & 7) % 5][0];
  p.aw = kArr[(b1 & 7) % 5][1];
  const int depth = std::max(kDepth[(b1 >> 3) & 3], p.ah);
  p.sd = p.wd = p.od = depth;
  p.wiring =
      (b1 & 0x60) == 0x60 ? feather::birrd::Wiring::kFeather : feather::birrd::Wiring::kBenes;
  p.qd = p.aw * (1 + b2 % 16);
  p.maw = (b2 & 0x80) != 0 ? 4 + ((b2 >> 4) & 7) : 24;
  return p;
}

CompileOptions options(Bytes& in) {
  const std::uint8_t b = in.u8();
  CompileOptions opt;
  opt.store_output = (b & 1) == 0;
  if ((b & 2) != 0) {
    MappingChoice f;
    f.grlog = in.u8() % 5;
    f.gclog = in.u8() % 5;
    f.vnm1 = in.u8() % 9;
    opt.force = f;
  }
  return opt;
}

std::string where(const TopParams& p, const Program& prog) {
  return fmt::format("{}\n{}", p.to_string(), prog.summary);
}

// Runs a compiled program on `gold` and compares its output with `want`.
void run_and_compare(Golden& gold, const TopParams& p, const Program& prog,
                     const std::vector<std::uint8_t>& want) {
  Memory mem = prog.memory;
  const ErrorInfo info = gold.run(prog.instrs, mem);
  if (info.err != Err::kNone) {
    fail(fmt::format("compiled program raises {} at instruction {} ('{}'): {}\n{}",
                     to_string(info.err), info.instr,
                     info.instr < prog.instrs.size() ? disassemble(prog.instrs[info.instr]) : "?",
                     info.detail, where(p, prog)));
  }
  check(read_output(p, prog.out, gold) == want,
        "compiled program output differs from the reference\n" + where(p, prog));
  if (prog.out.stored) {
    check(read_output(p, prog.out, mem) == want,
          "stored output differs from the reference\n" + where(p, prog));
  }
}

template <typename Layer, typename Compile, typename Ref>
void compile_and_check(const TopParams& p, const Layer& layer, const CompileOptions& opt,
                       Compile compile, Ref ref, std::uint64_t macs) {
  bool valid = true;
  try {
    layer.validate();
  } catch (const std::invalid_argument& e) {
    check(std::string_view(e.what()).size() > 0, "validate() threw an empty message");
    valid = false;
  }
  std::optional<Program> prog;
  try {
    prog = compile(p, layer, opt);
  } catch (const std::invalid_argument& e) {
    check(std::string_view(e.what()).size() > 0, "the compiler threw an empty message");
    feather::fuzz::note("rejected: {}", e.what());
  }
  if (!valid) {
    check(!prog, "the compiler accepted a layer validate() rejects");
    return;
  }
  const std::vector<std::uint8_t> want = ref(layer);  // the reference runs for a valid layer
  if (!prog) return;
  check(prog->macs == macs,
        fmt::format("program counts {} MACs, the layer has {}", prog->macs, macs));
  feather::fuzz::note("compiled: {}", prog->summary);
  Golden gold(p);
  run_and_compare(gold, p, *prog, want);
  feather::fuzz::note("ran: output equals the reference");
}

ConvLayer small_conv(Bytes& in) {
  ConvLayer c;
  c.h = in.range(-1, 9);
  c.w = in.range(-1, 9);
  c.c = in.range(0, 8);
  c.co = in.range(0, 12);
  c.r = in.range(0, 4);
  c.s = in.range(0, 4);
  c.stride = in.range(0, 3);
  c.pad = in.range(-1, 3);
  c.dilation = in.range(0, 3);
  c.groups = in.range(0, 4);
  return c;
}

// Every field any 32-bit value.
ConvLayer wide_conv(Bytes& in) {
  ConvLayer c;
  for (int* f : {&c.h, &c.w, &c.c, &c.co, &c.r, &c.s, &c.stride, &c.pad, &c.dilation, &c.groups}) {
    *f = static_cast<int>(in.u32());
  }
  return c;
}

// Operands sized for the layer; `flags` bits 0..2 make the input, weights or scales one element
// short or long (validation must notice).
void fill_conv(ConvLayer& c, Data& d, std::uint8_t flags) {
  const int cg = c.groups > 0 ? c.c / c.groups : 0;
  std::size_t isize = sz(c.h) * sz(c.w) * sz(c.c);
  std::size_t wsize = sz(c.co) * sz(c.r) * sz(c.s) * sz(cg);
  std::size_t qsize = sz(c.co);
  if (flags & 1) isize = isize > 0 ? isize - 1 : 1;
  if (flags & 2) ++wsize;
  c.input = d.bytes(isize);
  c.weight = d.bytes(wsize);
  c.quant = d.quant(qsize, c.r * c.s * cg);
  if (flags & 4) c.quant.scale.push_back(1);
}

// Exact (64/128-bit) checks of what validate() promises, for layers with extreme fields.
void check_validated_conv(const ConvLayer& c) {
  __extension__ typedef __int128 i128;
  const i128 cg = c.c / c.groups;
  check(static_cast<i128>(c.input.size()) == i128{c.h} * c.w * c.c,
        fmt::format("validate() accepted input of {} elements for h*w*c = {}*{}*{}", c.input.size(),
                    c.h, c.w, c.c));
  check(static_cast<i128>(c.weight.size()) == i128{c.co} * c.r * c.s * cg,
        fmt::format("validate() accepted {} weights for co*r*s*cg = {}*{}*{}*{}", c.weight.size(),
                    c.co, c.r, c.s, static_cast<long long>(cg)));
  const i128 span_h = i128{c.h} + 2 * i128{c.pad} - i128{c.dilation} * (c.r - 1) - 1;
  const i128 span_w = i128{c.w} + 2 * i128{c.pad} - i128{c.dilation} * (c.s - 1) - 1;
  check(span_h >= 0 && span_h / c.stride + 1 == c.ho(),
        fmt::format("ho() = {} is not the exact output height", c.ho()));
  check(span_w >= 0 && span_w / c.stride + 1 == c.wo(),
        fmt::format("wo() = {} is not the exact output width", c.wo()));
}

void conv_case(const TopParams& p, const ConvLayer& c, const CompileOptions& opt) {
  compile_and_check(
      p, c, opt,
      [](const TopParams& tp, const ConvLayer& l, const CompileOptions& o) {
        return compile_conv(tp, l, o);
      },
      [](const ConvLayer& l) { return conv_ref(l); }, c.macs());
}

void gemm_case(const TopParams& p, const GemmLayer& g, const CompileOptions& opt) {
  compile_and_check(
      p, g, opt,
      [](const TopParams& tp, const GemmLayer& l, const CompileOptions& o) {
        return compile_gemm(tp, l, o);
      },
      [](const GemmLayer& l) { return gemm_ref(l); }, std::uint64_t{sz(g.m)} * sz(g.k) * sz(g.n));
}

GemmLayer gemm(int m, int k, int n, Data& d, std::uint8_t zp_a, std::uint8_t zp_w) {
  GemmLayer g;
  g.m = m;
  g.k = k;
  g.n = n;
  g.zp_a = zp_a;
  g.zp_w = zp_w;
  g.a = d.bytes(sz(m) * sz(k));
  g.b = d.bytes(sz(k) * sz(n));
  g.quant = d.quant(sz(n), k);
  return g;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes in(data, size);
  const int mode = in.u8() % 4;
  const TopParams p = layer_params(in);
  Data d(in.u8());
  const CompileOptions opt = options(in);
  feather::fuzz::note("mode {} on {}{}", mode, p.to_string(),
                      opt.force ? " forced " + opt.force->to_string() : std::string());

  switch (mode) {
    case 0: {
      ConvLayer c = small_conv(in);
      c.zp_a = in.u8();
      c.zp_w = in.u8();
      fill_conv(c, d, in.u8());
      conv_case(p, c, opt);
      break;
    }
    case 1: {
      const int m = in.range(0, 40), k = in.range(0, 40), n = in.range(0, 40);
      const std::uint8_t zp_a = in.u8(), zp_w = in.u8(), flags = in.u8();
      GemmLayer g = gemm(m, k, n, d, zp_a, zp_w);
      if (flags & 1) g.a.push_back(1);
      if ((flags & 2) && !g.b.empty()) g.b.pop_back();
      if (flags & 4) g.quant.ozp.push_back(0);
      gemm_case(p, g, opt);
      break;
    }
    case 2: {
      const int m = in.range(1, 30), k = in.range(1, 30), n1 = in.range(1, 30),
                n2 = in.range(1, 30);
      const std::uint8_t zp_a = in.u8(), zp_w = in.u8(), zp_2 = in.u8();
      const GemmLayer g1 = gemm(m, k, n1, d, zp_a, zp_w);
      GemmLayer g2 = gemm(m, n1, n2, d, zp_2, zp_w);
      g2.a = gemm_ref(g1);
      std::optional<Program> p1, p2;
      try {
        p1 = compile_gemm(p, g1, opt);
        CompileOptions o2;
        o2.input_in_buffer = p1->out.layout;
        p2 = compile_gemm(p, g2, o2);
      } catch (const std::invalid_argument& e) {
        check(std::string_view(e.what()).size() > 0, "the compiler threw an empty message");
        feather::fuzz::note("rejected: {}", e.what());
        return 0;
      }
      feather::fuzz::note("compiled: {}\nthen: {}", p1->summary, p2->summary);
      Golden gold(p);
      run_and_compare(gold, p, *p1, g2.a);
      run_and_compare(gold, p, *p2, gemm_ref(g2));
      feather::fuzz::note("ran: both outputs equal the reference");
      break;
    }
    default: {
      ConvLayer c = wide_conv(in);
      c.zp_a = in.u8();
      c.zp_w = in.u8();
      c.input = d.bytes(in.u8());
      c.weight = d.bytes(in.u8());
      c.quant = d.quant(in.u8(), 1);
      try {
        c.validate();
      } catch (const std::invalid_argument& e) {
        check(std::string_view(e.what()).size() > 0, "validate() threw an empty message");
        feather::fuzz::note("rejected: {}", e.what());
        return 0;
      }
      check_validated_conv(c);
      // A valid layer with few outputs (the operands are at most 255 elements) is compiled and
      // checked like the others; a huge output (padding) is legitimate work but not fuzzed.
      if (std::int64_t{c.ho()} * c.wo() * c.co <= 4096) conv_case(p, c, opt);
      break;
    }
  }
  return 0;
}
