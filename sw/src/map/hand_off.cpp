// The on-chip hand-off in the mapper's plans (mapper.hpp, MapOptions::input_resident and
// output_image): where each tile's output lands in a layer's output image.
#include "feather/map/hand_off.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <stdexcept>

#include "feather/map/coselect.hpp"
#include "feather/map/workload.hpp"
#include "mapper_internal.hpp"

namespace feather::map {

namespace {

using u64 = std::uint64_t;

u64 ceil_div(u64 a, u64 b) { return (a + b - 1) / b; }

// The digit whose factor no stride depends on (docs/isa.md, the order table: the outermost;
// with F0 = 1 the digit after d0): 0, 1 or 2.
int outer_digit(const top::Layout& l) {
  switch (l.order) {
    case 0:
    case 1:
      return 2;
    case 2:
      return l.f0log == 0 ? 2 : 0;
    case 3:
      return l.f0log == 0 ? 1 : 0;
    default:
      return 1;
  }
}

}  // namespace

namespace detail {

top::Layout image_tile_layout(const top::Layout& img, std::uint64_t rows, std::uint64_t vns) {
  top::Layout l = img;
  l.base = 0;
  l.qoff = 0;
  l.window = {};
  const int d = outer_digit(img);
  if (d == 1) l.f1 = std::min(l.f1, ceil_div(rows, img.f0()));
  if (d == 2) l.f2 = std::min(l.f2, vns);
  return l;
}

}  // namespace detail

std::optional<ImagePart> image_part(const top::TopParams& p, const top::Layout& img,
                                    const GemmShape& s, const Tile& t) {
  const auto ah = static_cast<u64>(p.ah), aw = static_cast<u64>(p.aw);
  const u64 c0 = t.g0 * s.n + t.n0, width = t.groups * t.n;
  if (c0 % ah != 0 || t.m0 % img.f0() != 0 || img.order > 5) return std::nullopt;
  const u64 q0 = c0 / ah, vns = ceil_div(width, ah);
  if (t.m0 + t.m > img.f0() * img.f1 || q0 + vns > img.f2) return std::nullopt;
  const top::Layout l = detail::image_tile_layout(img, t.m, vns);
  const u64 d = img.flat(t.m0, q0);
  if (d % aw != 0) return std::nullopt;
  // The tile's VNs at the same place in both (the image's index is affine in the tile's when
  // its first row is a multiple of F0 and no stride changed): checked at the corners and unit
  // steps, and everywhere for small tiles.
  auto same = [&](u64 m, u64 q) { return img.flat(t.m0 + m, q0 + q) == d + l.flat(m, q); };
  if (t.m * vns <= 4096) {
    for (u64 m = 0; m < t.m; ++m) {
      for (u64 q = 0; q < vns; ++q) {
        if (!same(m, q)) return std::nullopt;
      }
    }
  } else {
    for (u64 m : {u64{0}, u64{1} % t.m, t.m - 1}) {
      for (u64 q : {u64{0}, u64{1} % vns, vns - 1}) {
        if (!same(m, q)) return std::nullopt;
      }
    }
  }
  // The tile's layout keeps the image's strides, so it spans more lines than the tile writes
  // (order 1: all E rows of its channel VNs); the whole of it must lie in the streaming buffer
  // from its line on, or the requantizing stream is a LAYOUT_RANGE error (docs/isa.md, qoff).
  const u64 line = img.base + d / aw * ah;
  if (line + l.end_line(p.aw, p.ah) > static_cast<u64>(p.sd)) return std::nullopt;
  return ImagePart{l, line};
}

std::vector<top::Layout> image_candidates(const top::TopParams& p, std::uint64_t m,
                                          std::uint64_t channels) {
  const auto ah = static_cast<u64>(p.ah), aw = static_cast<u64>(p.aw);
  const u64 vns = ceil_div(channels, ah), e0 = ceil_div(m, aw) * aw;
  std::vector<top::Layout> v;
  for (u64 r = 0; r < aw; r = r == 0 ? 1 : 2 * r) {
    const top::Layout l{1, 0, e0 + r, vns, 0};
    if (l.end_line(p.aw, p.ah) <= static_cast<u64>(p.sd)) v.push_back(l);
  }
  return v;
}

const std::optional<LayerMap>& PlanCache::get(const top::TopParams& p, const Layer& l,
                                              const MapOptions& o) {
  const std::string key = l.shape_string() + (l.per_tensor_quant ? " pt" : "") + " | " +
                          (o.input_resident ? o.input_resident->to_string() : "-") + " | " +
                          (o.output_image ? o.output_image->to_string() : "-");
  auto it = plans_.find(key);
  if (it == plans_.end()) {
    std::optional<LayerMap> lm;
    try {
      lm = map_layer(p, l, o);
    } catch (const std::invalid_argument&) {
      // no plan with this residency
    }
    it = plans_.emplace(key, std::move(lm)).first;
  }
  return it->second;
}

std::optional<HandOffPlan> plan_hand_off(const top::TopParams& p, const Layer& producer,
                                         const std::optional<top::Layout>& input,
                                         const Layer& consumer, const MapOptions& base,
                                         PlanCache* cache) {
  PlanCache own;
  PlanCache& pc = cache ? *cache : own;
  if (producer.kind == OpKind::kOther || consumer.kind == OpKind::kOther) return std::nullopt;
  if (consumer.kind == OpKind::kConv && consumer.groups > 1) return std::nullopt;
  const GemmShape ps = producer.as_gemm();
  std::optional<HandOffPlan> best;
  for (const top::Layout& img : image_candidates(p, ps.m, ps.groups * ps.n)) {
    MapOptions po = base, co = base;
    po.input_resident = input;
    po.output_image = img;
    co.input_resident = img;
    const auto& c = pc.get(p, consumer, co);
    if (!c || (best && c->timing.cycles >= best->cycles)) continue;
    const auto& pr = pc.get(p, producer, po);
    if (!pr) continue;  // this image does not suit the producer
    const std::uint64_t cycles = pr->timing.cycles + c->timing.cycles;
    if (!best || cycles < best->cycles) best = HandOffPlan{img, *pr, *c, cycles};
  }
  return best;
}

ChainPlan plan_chain(const top::TopParams& p, const std::vector<Layer>& layers,
                     const MapOptions& base, bool always, const std::vector<LayerMap>* alone,
                     PlanCache* cache) {
  PlanCache own;
  PlanCache& pc = cache ? *cache : own;
  const std::size_t n = layers.size();
  if (n == 0) throw std::invalid_argument("plan_chain: no layers");
  if (alone && alone->size() != n) {
    throw std::invalid_argument(
        fmt::format("plan_chain: {} plans alone for {} layers", alone->size(), n));
  }
  ChainPlan cp;
  cp.images.assign(n - 1, std::nullopt);
  std::vector<std::optional<top::Layout>> img(n - 1);
  // Each boundary's image: the best for the pair, with the producer reading the image before it
  // in place if there is one (else, or if that does not map, from off-chip memory).
  for (std::size_t k = 0; k + 1 < n; ++k) {
    std::optional<HandOffPlan> h;
    if (k > 0 && img[k - 1]) {
      h = plan_hand_off(p, layers[k], img[k - 1], layers[k + 1], base, &pc);
    }
    if (!h) h = plan_hand_off(p, layers[k], std::nullopt, layers[k + 1], base, &pc);
    if (h) img[k] = h->image;
  }
  // plan[k][a][b]: layer k with its input on chip (a) and its output kept (b); nullopt when
  // that does not map.
  constexpr std::uint64_t kNo = ~std::uint64_t{0}, kPenalty = std::uint64_t{1} << 40;
  std::vector<std::array<std::array<std::optional<LayerMap>, 2>, 2>> plan(n);
  auto cost = [&](std::size_t k, int a, int b) -> std::uint64_t {
    if ((a && (k == 0 || !img[k - 1])) || (b && (k + 1 == n || !img[k]))) return kNo;
    auto& slot = plan[k][static_cast<std::size_t>(a)][static_cast<std::size_t>(b)];
    if (!slot && !a && !b && alone) slot = (*alone)[k];
    if (!slot) {
      MapOptions o = base;
      if (a) o.input_resident = img[k - 1];
      if (b) o.output_image = img[k];
      slot = pc.get(p, layers[k], o);
      if (!slot) return kNo;
    }
    return slot->timing.cycles;
  };
  // best[k][b]: the cheapest layers 0..k with layer k's output kept (b); from[k][b]: its a.
  std::vector<std::array<std::uint64_t, 2>> best(n, {kNo, kNo});
  std::vector<std::array<int, 2>> from(n, {0, 0});
  for (std::size_t k = 0; k < n; ++k) {
    for (int b = 0; b < 2; ++b) {
      for (int a = 0; a < 2; ++a) {
        const std::uint64_t before =
            k == 0 ? (a ? kNo : 0) : best[k - 1][static_cast<std::size_t>(a)];
        if (before == kNo) continue;
        const std::uint64_t c = cost(k, a, b);
        if (c == kNo) continue;
        // `always`: an output off chip that could have stayed costs more than any plan.
        const std::uint64_t total =
            before + c + (always && !b && k + 1 < n && img[k] ? kPenalty : 0);
        std::uint64_t& cur = best[k][static_cast<std::size_t>(b)];
        if (cur == kNo || total < cur) {
          cur = total;
          from[k][static_cast<std::size_t>(b)] = a;
        }
      }
    }
  }
  // The last layer stores its output; walk back.
  if (best[n - 1][0] == kNo) {
    throw std::invalid_argument(
        fmt::format("plan_chain: layer '{}' cannot be mapped", layers[n - 1].name));
  }
  cp.plans.resize(n);
  int b = 0;
  for (std::size_t k = n; k-- > 0;) {
    const int a = from[k][static_cast<std::size_t>(b)];
    cp.plans[k] = *plan[k][static_cast<std::size_t>(a)][static_cast<std::size_t>(b)];
    cp.cycles += cp.plans[k].timing.cycles;
    if (b) cp.images[k] = img[k];
    b = a;
  }
  for (std::size_t k = 0; k < n; ++k) cp.alone += cost(k, 0, 0);
  return cp;
}

bool hand_off_linkable(const Network& net, const std::vector<std::vector<int>>& preds,
                       std::size_t i) {
  if (i + 1 >= net.layers.size()) return false;
  auto chainable = [](const Layer& l) {
    return l.kind != OpKind::kOther && l.count == 1 && !l.weights_are_activations;
  };
  if (!chainable(net.layers[i]) || !chainable(net.layers[i + 1])) return false;
  if (preds[i + 1] != std::vector<int>{static_cast<int>(i)}) return false;
  for (std::size_t k = i + 2; k < preds.size(); ++k) {
    if (std::find(preds[k].begin(), preds[k].end(), static_cast<int>(i)) != preds[k].end()) {
      return false;
    }
  }
  return true;
}

std::vector<std::pair<std::size_t, std::size_t>> hand_off_chains(const Network& net) {
  const std::vector<std::vector<int>> preds = network_producers(net);
  std::vector<std::pair<std::size_t, std::size_t>> v;
  for (std::size_t i = 0; i < net.layers.size();) {
    std::size_t j = i;
    while (hand_off_linkable(net, preds, j)) ++j;
    if (j > i) v.emplace_back(i, j);
    i = j + 1;
  }
  return v;
}

std::vector<PlannedChain> plan_network_chains(
    const top::TopParams& p, const Network& net, const MapOptions& base, bool per_tensor_quant,
    const std::function<const LayerMap&(std::size_t)>& alone, const ProgressFn& progress) {
  std::vector<PlannedChain> out;
  std::map<std::string, std::size_t> by_key;  // chain shapes -> its first entry in `out`
  PlanCache cache;
  const auto chains = hand_off_chains(net);
  for (const auto& [first, last] : chains) {
    std::vector<Layer> layers;
    std::vector<LayerMap> alone_plans;
    std::string key;
    for (std::size_t k = first; k <= last; ++k) {
      Layer l = net.layers[k];
      l.per_tensor_quant = l.per_tensor_quant || per_tensor_quant;
      key += l.shape_string() + (l.per_tensor_quant ? " pt;" : ";");
      layers.push_back(std::move(l));
      alone_plans.push_back(alone(k));
    }
    PlannedChain pc{first, last, {}, false};
    if (const auto it = by_key.find(key); it != by_key.end()) {
      pc.plan = out[it->second].plan;
      pc.shared = true;
    } else {
      pc.plan = plan_chain(p, layers, base, false, &alone_plans, &cache);
      by_key.emplace(key, out.size());
    }
    out.push_back(std::move(pc));
    if (progress) progress("hand-off", out.size(), chains.size(), net.layers[first].name);
  }
  return out;
}

}  // namespace feather::map
