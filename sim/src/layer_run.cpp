#include "feather/sim/layer_run.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <stdexcept>

#include "feather/top/golden.hpp"

namespace feather::sim {

namespace {

struct Preset {
  LayerSpec spec;
};

const std::map<std::string, LayerSpec>& presets() {
  static const std::map<std::string, LayerSpec> p = [] {
    std::map<std::string, LayerSpec> m;
    LayerSpec s;
    // ResNet-50 conv2_x 3x3 (56x56x64 -> 64, stride 1, pad 1), spatially scaled to 28x28.
    s = {};
    s.kind = "conv";
    s.h = 28, s.w = 28, s.c = 64, s.co = 64, s.r = 3, s.stride = 1, s.pad = 1;
    s.name = "resnet50 conv2_x 3x3 64->64 (56x56 scaled to 28x28)";
    m["resnet50-conv3x3"] = s;
    // ResNet-50 conv2_x 1x1 expansion (56x56x64 -> 256), scaled to 14x14.
    s = {};
    s.kind = "conv";
    s.h = 14, s.w = 14, s.c = 64, s.co = 256, s.r = 1, s.stride = 1, s.pad = 0;
    s.name = "resnet50 conv2_x 1x1 64->256 (56x56 scaled to 14x14)";
    m["resnet50-conv1x1"] = s;
    // ResNet-50 conv3_x first 3x3 with stride 2 (56x56x128 -> 128), scaled to 14x14 input.
    s = {};
    s.kind = "conv";
    s.h = 14, s.w = 14, s.c = 128, s.co = 128, s.r = 3, s.stride = 2, s.pad = 1;
    s.name = "resnet50 conv3_x 3x3/2 128->128 (56x56 scaled to 14x14)";
    m["resnet50-conv3x3s2"] = s;
    // MobileNet-V3 depthwise 3x3 (expanded 72 channels at 56x56), scaled to 14x14.
    s = {};
    s.kind = "conv";
    s.h = 14, s.w = 14, s.c = 72, s.co = 72, s.r = 3, s.stride = 1, s.pad = 1, s.groups = 72;
    s.name = "mobilenet-v3 depthwise 3x3 72ch (56x56 scaled to 14x14)";
    m["mobilenet-dw3x3"] = s;
    // BERT-base attention projection: 128 tokens x 768 -> 768, scaled to 64 x 256 -> 256.
    s = {};
    s.kind = "gemm";
    s.m = 64, s.k = 256, s.n = 256;
    s.name = "bert-base QKV projection (128x768x768 scaled to 64x256x256)";
    m["bert-gemm"] = s;
    return m;
  }();
  return p;
}

// Per-output-channel tables, or one scale and zero point for all (per_tensor).
top::Quant make_quant(std::mt19937_64& rng, int n, int k, bool per_tensor) {
  top::Quant q;
  const double typical = 64.0 * 64.0 * std::sqrt(static_cast<double>(std::max(k, 1)));
  std::uniform_real_distribution<double> f(0.2, 2.0);
  std::uniform_int_distribution<int> z(0, 255);
  for (int i = 0; i < n; ++i) {
    const double sc = f(rng) * 100.0 / typical * static_cast<double>(1 << 24);
    q.scale.push_back(static_cast<std::int32_t>(std::min(sc, 2.0e9)));
    q.ozp.push_back(static_cast<std::uint8_t>(z(rng)));
  }
  if (per_tensor && n > 0) {
    q.scale.assign(q.scale.size(), q.scale.front());
    q.ozp.assign(q.ozp.size(), q.ozp.front());
  }
  return q;
}

std::vector<std::uint8_t> bytes(std::mt19937_64& rng, std::size_t n) {
  std::uniform_int_distribution<int> b(0, 255);
  std::vector<std::uint8_t> v(n);
  for (auto& x : v) x = static_cast<std::uint8_t>(b(rng));
  return v;
}

}  // namespace

std::vector<std::string> layer_presets() {
  std::vector<std::string> names;
  for (const auto& [k, v] : presets()) names.push_back(k);
  return names;
}

LayerSpec layer_preset(const std::string& name) {
  auto it = presets().find(name);
  if (it == presets().end()) {
    std::string have;
    for (const auto& n : layer_presets()) have += " " + n;
    throw std::invalid_argument(fmt::format("unknown layer preset '{}'; presets:{}", name, have));
  }
  return it->second;
}

LayerReport run_layer(const LayerSpec& spec, int ah, int aw, std::uint64_t seed,
                      const RunOptions& opt, const map::MapOptions& mopt) {
  const auto& info = find_top_dut(ah, aw);
  const auto& p = info.params;
  std::mt19937_64 rng(seed);
  LayerReport rep;

  top::GroupedGemm data;
  std::vector<std::uint8_t> expected;
  const auto c0 = std::chrono::steady_clock::now();
  if (spec.kind == "gemm") {
    top::GemmLayer g;
    g.m = spec.m, g.k = spec.k, g.n = spec.n;
    auto zp = bytes(rng, 2);
    g.zp_a = zp[0], g.zp_w = zp[1];
    if (g.m < 1 || g.k < 1 || g.n < 1) {
      throw std::invalid_argument(
          fmt::format("gemm: M, K and N must be at least 1 (got {}, {}, {})", g.m, g.k, g.n));
    }
    g.a = bytes(rng, static_cast<std::size_t>(g.m) * static_cast<std::size_t>(g.k));
    g.b = bytes(rng, static_cast<std::size_t>(g.k) * static_cast<std::size_t>(g.n));
    g.quant = make_quant(rng, g.n, g.k, spec.per_tensor);
    g.validate();
    rep.layer = spec.name.empty() ? fmt::format("gemm M={} K={} N={}", g.m, g.k, g.n) : spec.name;
    data = top::as_grouped(g);
    expected = top::gemm_ref(g);
  } else if (spec.kind == "conv") {
    top::ConvLayer cv;
    cv.h = spec.h, cv.w = spec.w, cv.c = spec.c, cv.co = spec.co;
    cv.r = spec.r, cv.s = spec.r, cv.stride = spec.stride, cv.pad = spec.pad;
    cv.dilation = spec.dilation, cv.groups = spec.groups;
    auto zp = bytes(rng, 2);
    cv.zp_a = zp[0], cv.zp_w = zp[1];
    if (cv.groups <= 0 || cv.c % cv.groups != 0) {
      throw std::invalid_argument(
          fmt::format("conv: groups={} must be positive and divide c={}", cv.groups, cv.c));
    }
    cv.input = bytes(rng, static_cast<std::size_t>(cv.h) * static_cast<std::size_t>(cv.w) *
                              static_cast<std::size_t>(cv.c));
    cv.weight =
        bytes(rng, static_cast<std::size_t>(cv.co) * static_cast<std::size_t>(cv.r) *
                       static_cast<std::size_t>(cv.s) * static_cast<std::size_t>(cv.c / cv.groups));
    cv.quant = make_quant(rng, cv.co, cv.r * cv.s * cv.c / cv.groups, spec.per_tensor);
    cv.validate();
    rep.layer = spec.name.empty()
                    ? fmt::format("conv {}x{}x{} -> {} k{} s{} p{} d{} g{}", cv.h, cv.w, cv.c,
                                  cv.co, cv.r, cv.stride, cv.pad, cv.dilation, cv.groups)
                    : spec.name;
    data = top::as_grouped(cv);
    expected = top::conv_ref(cv);
  } else {
    throw std::invalid_argument(fmt::format("unknown layer kind '{}' (conv or gemm)", spec.kind));
  }
  map::GemmShape shape;
  shape.name = rep.layer;
  shape.groups = static_cast<std::uint64_t>(data.groups);
  shape.m = static_cast<std::uint64_t>(data.m);
  shape.k = static_cast<std::uint64_t>(data.k);
  shape.n = static_cast<std::uint64_t>(data.n);
  shape.per_tensor_quant = spec.per_tensor;
  map::MapOptions mo = mopt;
  mo.timing.latency = opt.latency;
  rep.map = map::map_layer(p, shape, mo);
  const map::MappedProgram mp = map::build_program(p, rep.map, data);
  rep.compile_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
  rep.mapping = rep.map.describe() + "\n" + rep.map.tile_summary;
  rep.program = mp.instrs;
  rep.macs = shape.macs();

  const auto g0 = std::chrono::steady_clock::now();
  top::Golden golden(p);
  top::Memory gold_mem = mp.memory;
  const auto ge = golden.run(mp.instrs, gold_mem);
  rep.golden_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - g0).count();
  if (ge.err != top::Err::kNone) {
    throw std::runtime_error(
        fmt::format("the golden model rejects the compiled program: {} at "
                    "instruction {}: {}",
                    top::to_string(ge.err), ge.instr, ge.detail));
  }

  auto dut = info.make();
  top::Memory mem = mp.memory;
  rep.run = run_program(*dut, mp.instrs, mem, opt);
  rep.predicted = top::predict(p, mp.instrs, {.latency = opt.latency, .bandwidth = 1.0});
  rep.utilization = rep.run.cycles ? static_cast<double>(rep.macs) /
                                         (static_cast<double>(p.ah) * static_cast<double>(p.aw) *
                                          static_cast<double>(rep.run.cycles))
                                   : 0.0;
  std::string diff;
  if (rep.run.timeout) diff += rep.run.timeout_state + "\n";
  diff += compare_state(*dut, golden);
  if (!(mem == gold_mem)) diff += "off-chip memory differs from the golden model's\n";
  rep.golden_ok = diff.empty();
  const auto got = map::read_output(p, rep.map, mp, mem);
  rep.output_ok = got == expected;
  if (!rep.output_ok) {
    const std::size_t n = shape.groups * shape.n;
    for (std::size_t i = 0; i < got.size() && i < expected.size(); ++i) {
      if (got[i] != expected[i]) {
        diff += fmt::format("output [m={}][n={}]: expected {}, actual {}\n", i / n, i % n,
                            expected[i], got[i]);
        break;
      }
    }
    if (got.size() != expected.size()) {
      diff += fmt::format("output size: expected {}, actual {}\n", expected.size(), got.size());
    }
  }
  rep.mismatch = diff;
  return rep;
}

}  // namespace feather::sim
