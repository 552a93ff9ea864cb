// The seeded random quantization of a network (net::random_quantization) and its random input
// (net::random_input). Real scales are chosen here, in double precision; every integer
// parameter evaluate reads is derived from them with a stated rounding
// (docs/network-reference.md, "Random quantization").
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "internal.hpp"

namespace feather::net {

using namespace detail;

namespace {

// eps of layernorm (real units; PyTorch's default).
constexpr double kLayerNormEps = 1e-5;
// The smallest output scale. A dead tensor (every value equal, e.g. a ReLU of all-negative
// sums) has no spread to calibrate on; without this floor its scale, and the scales after it,
// would shrink by the relative floor (1/64 of the inputs') at every layer until a layer norm's
// integer eps (1e-5 * N^2 / s^2) no longer fits 2^46 (found by the random networks). Real
// activations (unit order, scales near 8 / 255) never reach it.
constexpr double kMinScale = 0x1.0p-16;

// The output quantization that covers mean +- 4 standard deviations of `count` real values
// (value(i)) and 0 (an exact zero point): scale = (hi - lo) / 255 with lo = min(0, mean - 4 sd),
// hi = max(0, mean + 4 sd), never below min_scale; zp = round(-lo / scale).
template <typename F>
Quant calibrate(std::size_t count, const F& value, double min_scale) {
  double mean = 0.0, var = 0.0;
  for (std::size_t i = 0; i < count; ++i) mean += value(i);
  mean /= static_cast<double>(std::max<std::size_t>(count, 1));
  for (std::size_t i = 0; i < count; ++i) {
    const double d = value(i) - mean;
    var += d * d;
  }
  const double sd = std::sqrt(var / static_cast<double>(std::max<std::size_t>(count, 1)));
  const double lo = std::min(0.0, mean - 4.0 * sd), hi = std::max(0.0, mean + 4.0 * sd);
  Quant q;
  q.scale = std::max({(hi - lo) / 255.0, min_scale, kMinScale});
  q.zp = static_cast<std::uint8_t>(std::clamp<std::int64_t>(round_away(-lo / q.scale), 0, 255));
  return q;
}

double max_of(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }

void set_relu_clamp(LayerQuant& q, bool relu6) {
  q.lo = q.out.zp;
  const std::int64_t six = round_away(std::min(6.0 / q.out.scale, 512.0));
  q.hi = relu6 ? static_cast<std::uint8_t>(std::min<std::int64_t>(q.out.zp + six, 255)) : 255;
}

// Weights, weight scales, output quantization and multipliers of a conv / GEMM / matmul; returns
// its output. The weight scales bring the real output to a root mean square of u in [0.5, 1)
// (per channel, or one u per tensor): activations of unit order, as in a trained network, so
// that softmax, layernorm and the activation tables work where they are not linear. A matmul of
// two activations has no weights: B's scale with 1/sqrt(k) folded in (attention's scaling).
Tensor quantize_macs(const map::Layer& l, const Plan& p, LayerQuant& q, Rng& rng,
                     const std::vector<const Tensor*>& ins, const GivenWeights* given) {
  const std::size_t ch = static_cast<std::size_t>(p.channels);
  if (given) {
    if (p.kind == Kind::kMatmul || given->weights.size() != p.weights) {
      throw NetError(fmt::format("{}: {} given weights, the layer has {}", label(l),
                                 given->weights.size(), p.kind == Kind::kMatmul ? 0 : p.weights));
    }
    q.w_zp = given->zp;
    q.weights = given->weights;
  } else if (p.kind != Kind::kMatmul) {
    q.w_zp = static_cast<std::uint8_t>(rng.uniform(64, 191));
    q.weights.resize(p.weights);
    for (auto& w : q.weights) w = static_cast<std::uint8_t>(q.w_zp + rng.uniform(-64, 64));
  }
  const std::vector<std::int32_t> acc = accumulate(l, p, q, ins);
  const double s_in = ins[0]->quant.scale;
  if (p.kind == Kind::kMatmul) {
    q.w_scale.assign(ch, ins[1]->quant.scale / std::sqrt(static_cast<double>(p.k)));
  } else {
    double sq = 0.0;
    for (const std::int32_t a : acc) sq += static_cast<double>(a) * a;
    const double rms = std::sqrt(sq / static_cast<double>(std::max<std::size_t>(acc.size(), 1)));
    q.w_scale.resize(ch);
    for (std::size_t c = 0; c < ch; ++c) {
      const double u = l.per_tensor_quant && c > 0 ? -1.0 : rng.real(0.5, 1.0);
      q.w_scale[c] = u < 0 ? q.w_scale[0] : rms > 0 ? u / (s_in * rms) : u * 0.003;
    }
  }
  q.out = calibrate(
      acc.size(), [&](std::size_t i) { return s_in * q.w_scale[i % ch] * acc[i]; },
      s_in * max_of(q.w_scale) / 64.0);
  q.multiplier.resize(ch);
  for (std::size_t c = 0; c < ch; ++c) {
    q.multiplier[c] = q24_multiplier(s_in * q.w_scale[c] / q.out.scale, label(l));
  }
  return requantize(p, q, acc);
}

// The parameters of an op without MACs (the output is computed by run_layer afterwards).
void quantize_other(const map::Layer& l, const Plan& p, LayerQuant& q,
                    const std::vector<const Tensor*>& ins) {
  const Tensor& x = *ins[0];
  const std::size_t size = p.out.size();
  const auto real = [](const Tensor& t, std::size_t i) {
    return t.quant.scale * (t.data[i] - t.quant.zp);
  };
  switch (p.kind) {
    case Kind::kAdd:
    case Kind::kConcat: {
      double max_scale = 0.0;
      for (const Tensor* t : ins) max_scale = std::max(max_scale, t->quant.scale);
      if (p.kind == Kind::kAdd) {
        q.out = calibrate(
            size,
            [&](std::size_t i) {
              double s = 0.0;
              for (const Tensor* t : ins) s += real(*t, i);
              return s;
            },
            max_scale / 64.0);
      } else {
        std::vector<std::pair<std::size_t, std::size_t>> at;  // (input, element)
        for (std::size_t j = 0; j < ins.size(); ++j) {
          for (std::size_t i = 0; i < ins[j]->data.size(); ++i) at.emplace_back(j, i);
        }
        q.out = calibrate(
            at.size(), [&](std::size_t i) { return real(*ins[at[i].first], at[i].second); },
            max_scale / 64.0);
      }
      for (const Tensor* t : ins) {
        q.multiplier.push_back(q24_multiplier(t->quant.scale / q.out.scale, label(l)));
      }
      break;
    }
    case Kind::kMul: {
      const Tensor& g = *ins[1];
      const double s = x.quant.scale * g.quant.scale;
      q.out = calibrate(
          size,
          [&](std::size_t i) { return real(x, i) * real(g, mul_gate_index(p.out, g.shape, i)); },
          s / 64.0);
      q.multiplier = {q24_multiplier(s / q.out.scale, label(l))};
      break;
    }
    case Kind::kLut:
      q.out = calibrate(
          size, [&](std::size_t i) { return activation(l.op, real(x, i)); }, x.quant.scale / 64.0);
      q.lut = activation_lut(l.op, x.quant.scale, x.quant.zp, q.out.scale, q.out.zp);
      break;
    case Kind::kSoftmax:
      q.out = Quant{1.0 / 256, 0};
      q.exp_table = softmax_exp_table(x.quant.scale);
      break;
    case Kind::kLayerNorm: {
      const double n = p.segment;
      const double eps = std::round(kLayerNormEps * n * n / (x.quant.scale * x.quant.scale));
      if (!(eps < 0x1.0p46)) {
        fail(l, fmt::format("layernorm: eps * N^2 / s_in^2 = {} does not fit 2^46", eps));
      }
      q.ln_eps = static_cast<std::int64_t>(eps);
      // y = (N x - S) / sqrt(V + E) per run of `segment` channels, as evaluated.
      std::vector<double> y(size);
      const std::size_t seg = static_cast<std::size_t>(p.segment);
      for (std::size_t base = 0; base < size; base += seg) {
        std::int64_t s = 0, sq = 0;
        for (std::size_t j = 0; j < seg; ++j) {
          const std::int64_t v = x.data[base + j] - x.quant.zp;
          s += v;
          sq += v * v;
        }
        const double den = std::sqrt(static_cast<double>(p.segment * sq - s * s + q.ln_eps));
        for (std::size_t j = 0; j < seg; ++j) {
          const double d = static_cast<double>(p.segment * (x.data[base + j] - x.quant.zp) - s);
          y[base + j] = den > 0 ? d / den : 0.0;
        }
      }
      q.out = calibrate(
          size, [&](std::size_t i) { return y[i]; }, 1e-6);
      q.ln_gain = round_away(256.0 / q.out.scale);
      break;
    }
    case Kind::kClamp:
      q.out = x.quant;
      set_relu_clamp(q, l.op == "relu6");
      break;
    default:  // pools, data movement: the input's quantization
      q.out = x.quant;
      break;
  }
}

}  // namespace

Quantization random_quantization(const map::Network& net, std::uint64_t seed,
                                 const WeightMap& given) {
  net.validate();
  for (const auto& entry : given) {
    const map::Layer* l = net.find(entry.first);
    if (!l || l->kind == map::OpKind::kOther || l->weights_are_activations) {
      throw NetError(fmt::format("given weights for '{}': {}", entry.first,
                                 l ? "the layer has no weights" : "no such layer"));
    }
  }
  Quantization q;
  q.seed = seed;
  Rng rng(derive_seed(seed, 0));
  q.input.scale = rng.real(0.01, 0.05);
  q.input.zp = static_cast<std::uint8_t>(rng.uniform(64, 191));
  const Tensor input = random_input(net, q, seed);
  // The relu / relu6 layer folded into each conv / GEMM, if any.
  std::vector<int> folded(net.layers.size(), -1);
  for (std::size_t j = 0; j < net.layers.size(); ++j) {
    if (const int p = folded_into(net, j); p >= 0) folded[static_cast<std::size_t>(p)] = int(j);
  }
  std::vector<Tensor> outs;
  std::vector<Shape> shapes;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const map::Layer& l = net.layers[i];
    const Plan p = plan_layer(net, i, shapes, input.shape);
    std::vector<const Tensor*> ins;
    for (const int j : p.inputs) ins.push_back(j < 0 ? &input : &outs[static_cast<std::size_t>(j)]);
    LayerQuant lq;
    lq.name = l.name;
    Tensor out;
    if (p.kind == Kind::kConv || p.kind == Kind::kGemm || p.kind == Kind::kMatmul) {
      const auto g = given.find(l.name);
      const GivenWeights* gw = g == given.end() ? nullptr : &g->second;
      if (folded[i] >= 0) {
        // The clamp depends on the output quantization: calibrate, then set it and requantize.
        quantize_macs(l, p, lq, rng, ins, gw);
        set_relu_clamp(lq, net.layers[static_cast<std::size_t>(folded[i])].op == "relu6");
        out = requantize(p, lq, accumulate(l, p, lq, ins));
      } else {
        out = quantize_macs(l, p, lq, rng, ins, gw);
      }
    } else {
      quantize_other(l, p, lq, ins);
      out = run_layer(l, p, lq, ins);
    }
    q.layers.push_back(std::move(lq));
    outs.push_back(std::move(out));
    shapes.push_back(p.out);
  }
  return q;
}

Tensor random_input(const map::Network& net, const Quantization& q, std::uint64_t seed) {
  Rng rng(derive_seed(seed, 1));
  Tensor t;
  t.shape = input_shape(net);
  t.quant = q.input;
  t.data.resize(t.shape.size());
  for (auto& v : t.data) v = static_cast<std::uint8_t>(rng.uniform(0, 255));
  return t;
}

}  // namespace feather::net
