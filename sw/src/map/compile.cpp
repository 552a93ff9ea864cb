// compile_layer and what it needs: operands for a layer, the reference's view of it, the output
// read back and compared (feather/map/compile.hpp).
#include "feather/map/compile.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>

#include "feather/top/compiler.hpp"

namespace feather::map {

namespace {

std::size_t sz(int v) { return static_cast<std::size_t>(v); }

[[noreturn]] void no_form(const Layer& l, const std::string& why) {
  throw std::invalid_argument(fmt::format("layer '{}' ({}): {}", l.name, l.shape_string(), why));
}

void check_runnable(const Layer& l) {
  l.validate();
  if (l.kind == OpKind::kOther) no_form(l, "has no MACs: nothing to compile");
  if (l.kind == OpKind::kConv &&
      (l.batch != 1 || l.stride_h != l.stride_w || l.pad_h != l.pad_w || l.dil_h != l.dil_w)) {
    no_form(l,
            "the layer compiler takes batch-1 convolutions with the same stride, padding and "
            "dilation on both axes");
  }
}

}  // namespace

std::vector<std::uint8_t> random_bytes(std::mt19937_64& rng, std::size_t n) {
  std::uniform_int_distribution<int> b(0, 255);
  std::vector<std::uint8_t> v(n);
  for (auto& x : v) x = static_cast<std::uint8_t>(b(rng));
  return v;
}

top::Quant random_quant(std::mt19937_64& rng, int n, int k) {
  top::Quant q;
  const double typical = 64.0 * 64.0 * std::sqrt(static_cast<double>(std::max(k, 1)));
  std::uniform_real_distribution<double> f(0.2, 2.0);
  std::uniform_int_distribution<int> z(0, 255);
  for (int i = 0; i < n; ++i) {
    const double s = f(rng) * 100.0 / typical * static_cast<double>(1 << 24);
    q.scale.push_back(static_cast<std::int32_t>(std::min(s, 2.0e9)));
    q.ozp.push_back(static_cast<std::uint8_t>(z(rng)));
  }
  return q;
}

Operands random_operands(const Layer& l, std::mt19937_64& rng) {
  check_runnable(l);
  Operands o;
  const auto zp = random_bytes(rng, 2);
  o.zp_a = zp[0];
  o.zp_w = zp[1];
  const GemmShape g = l.as_gemm();
  int channels = 0;
  if (l.kind == OpKind::kConv) {
    o.input = random_bytes(rng, sz(l.h) * sz(l.w) * sz(l.c));
    o.weight = random_bytes(rng, sz(l.co) * sz(l.r) * sz(l.s) * sz(l.c / l.groups));
    channels = l.co;
  } else {
    o.input = random_bytes(rng, sz(l.m) * sz(l.k));
    o.weight = random_bytes(rng, sz(l.k) * sz(l.n));
    channels = l.n;
  }
  o.quant = random_quant(rng, channels, static_cast<int>(g.k));
  if (g.per_tensor_quant && channels > 0) {
    o.quant.scale.assign(o.quant.scale.size(), o.quant.scale.front());
    o.quant.ozp.assign(o.quant.ozp.size(), o.quant.ozp.front());
  }
  return o;
}

top::ConvLayer conv_of(const Layer& l, const Operands& o) {
  check_runnable(l);
  if (l.kind != OpKind::kConv) no_form(l, "is not a convolution");
  top::ConvLayer c;
  c.h = l.h, c.w = l.w, c.c = l.c, c.co = l.co, c.r = l.r, c.s = l.s;
  c.stride = l.stride_h, c.pad = l.pad_h, c.dilation = l.dil_h, c.groups = l.groups;
  c.zp_a = o.zp_a, c.zp_w = o.zp_w;
  c.input = o.input;
  c.weight = o.weight;
  c.quant = o.quant;
  c.validate();  // the operand sizes
  return c;
}

top::GemmLayer gemm_of(const Layer& l, const Operands& o) {
  check_runnable(l);
  if (l.kind != OpKind::kGemm) no_form(l, "is not a GEMM");
  top::GemmLayer g;
  g.m = l.m, g.k = l.k, g.n = l.n;
  g.zp_a = o.zp_a, g.zp_w = o.zp_w;
  g.a = o.input;
  g.b = o.weight;
  g.quant = o.quant;
  g.validate();
  return g;
}

namespace {

// The layer's reference output and the plan's program for `operands`.
CompiledLayer compile_with(const top::TopParams& p, const Layer& layer, const Operands& operands,
                           LayerMap plan) {
  CompiledLayer c;
  c.layer = layer;
  top::GroupedGemm data;
  std::optional<top::ConvLayer> cv;
  if (layer.kind == OpKind::kConv) {
    cv = conv_of(layer, operands);
    c.expected = top::conv_ref(*cv);
  } else {
    const top::GemmLayer g = gemm_of(layer, operands);
    data = top::as_grouped(g);
    c.expected = top::gemm_ref(g);
  }
  c.map = std::move(plan);
  if (cv) {
    data = c.map.direct   ? top::as_grouped_direct(*cv)
           : c.map.blocks ? top::as_grouped_blocks(*cv, static_cast<int>(c.map.blocks), p.ah)
                          : top::as_grouped(*cv);
  }
  c.program = build_program(p, c.map, data);
  return c;
}

}  // namespace

CompiledLayer compile_layer(const top::TopParams& p, const Layer& layer, const Operands& operands,
                            const MapOptions& opt) {
  check_runnable(layer);
  return compile_with(p, layer, operands, map_layer(p, layer, opt));
}

CompiledLayer compile_layer(const top::TopParams& p, const Layer& layer, const Operands& operands,
                            const LayerMap& plan) {
  check_runnable(layer);
  GemmShape g = layer.as_gemm(plan.shape.per_tensor_quant);
  if (plan.blocks) {
    const auto b = channel_blocks(p, g);
    if (b && g.groups / b->groups == plan.blocks) g = *b;
  }
  if (g.groups != plan.shape.groups || g.m != plan.shape.m || g.k != plan.shape.k ||
      g.n != plan.shape.n || g.conv != plan.shape.conv) {
    no_form(layer, fmt::format("the plan given is for another shape ({})", plan.shape.to_string()));
  }
  return compile_with(p, layer, operands, plan);
}

std::vector<std::uint8_t> read_output(const top::TopParams& p, const CompiledLayer& c,
                                      const top::Memory& mem) {
  return read_output(p, c.map, c.program, mem);
}

std::string output_mismatches(const std::vector<std::uint8_t>& expected,
                              const std::vector<std::uint8_t>& got, std::size_t width,
                              std::size_t max) {
  std::string out;
  std::size_t shown = 0;
  for (std::size_t i = 0; i < got.size() && i < expected.size() && shown < max; ++i) {
    if (got[i] != expected[i]) {
      out += fmt::format("output [m={}][n={}]: expected {}, actual {}\n", i / width, i % width,
                         expected[i], got[i]);
      ++shown;
    }
  }
  if (got.size() != expected.size()) {
    out += fmt::format("output size: expected {}, actual {}\n", expected.size(), got.size());
  }
  return out;
}

std::string output_mismatches(const CompiledLayer& c, const std::vector<std::uint8_t>& got,
                              std::size_t max) {
  return output_mismatches(c.expected, got, c.map.shape.groups * c.map.shape.n, max);
}

}  // namespace feather::map
