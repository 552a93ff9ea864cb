// The on-chip hand-off between two layers (docs/mapper.md, "On-chip hand-off"): a producer
// keeps its output in one image in the streaming buffer (MapOptions::output_image), the next
// layer reads it there (MapOptions::input_resident). This header places a tile's output in an
// image, lists the image layouts worth trying for a layer's output, and plans the pair.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "feather/common/progress.hpp"
#include "feather/map/layer.hpp"
#include "feather/map/mapper.hpp"
#include "feather/top/isa.hpp"
#include "feather/top/params.hpp"

namespace feather::map {

// Where a WO-S tile's output lands in an output image `img` of the layer's whole output: the
// layout the tile writes (its rows and channels numbered from 0, the image's order and strides,
// the outermost factor cut to the tile, base 0) and the image's line that the tile's first line
// maps to (img.base + its offset). nullopt when the tile's part of the image is not such a
// layout (its first row is not a multiple of F0, its first channel not of AH, its offset not a
// whole vn-row, the outermost digit does not cut it, or the tile's layout, which keeps the
// image's strides, does not fit the streaming buffer from that line on).
struct ImagePart {
  top::Layout layout;
  std::uint64_t line = 0;
};
std::optional<ImagePart> image_part(const top::TopParams& p, const top::Layout& img,
                                    const GemmShape& s, const Tile& t);

// Output images worth trying for an output of `m` rows and `channels` channels: the channel-VN
// outermost (order 1, L = q*E + m, E = m rounded up to AW plus 0, 1, 2, 4, ... AW/2: E mod AW
// decides which VNs of one row share a bank, so that the consumer's K-groups read distinct
// banks), each at base 0 and fitting a streaming half.
std::vector<top::Layout> image_candidates(const top::TopParams& p, std::uint64_t m,
                                          std::uint64_t channels);

// Plans by layer shape and residency (MapOptions::input_resident, output_image), shared by the
// plans of the chains of one network: a failure is kept as nullopt. The other options must be
// the same for every call that shares one.
class PlanCache {
 public:
  // map_layer(p, l, o), or nullopt if it throws std::invalid_argument.
  const std::optional<LayerMap>& get(const top::TopParams& p, const Layer& l, const MapOptions& o);

 private:
  std::map<std::string, std::optional<LayerMap>> plans_;
};

// A producer and its consumer with the producer's output kept on chip.
struct HandOffPlan {
  top::Layout image;
  LayerMap producer, consumer;  // producer: output_image = image; consumer: input_resident
  std::uint64_t cycles = 0;     // the sum of both plans' predicted cycles
};
// The fastest pair over image_candidates: `producer` (its input in place in `input` when given)
// writes the image, `consumer` reads it in place and stores its output (both with `base`'s
// timing). nullopt when no candidate maps both (the consumer is grouped, a tile's output is no
// part of any image, the image does not fit, ...).
std::optional<HandOffPlan> plan_hand_off(const top::TopParams& p, const Layer& producer,
                                         const std::optional<top::Layout>& input,
                                         const Layer& consumer, const MapOptions& base = {},
                                         PlanCache* cache = nullptr);

// A linear chain of layers, each reading only the one before it (its first layer's input and
// its last layer's output off chip): per boundary whether the output stays on chip and in which
// image (plan_hand_off's for the pair), chosen to minimize the sum of the layers' predicted
// cycles (a dynamic program over the boundaries; `always`: every boundary that has an image),
// and every layer's plan for those choices.
struct ChainPlan {
  std::vector<std::optional<top::Layout>> images;  // per boundary k (layer k -> k + 1)
  std::vector<LayerMap> plans;                     // per layer
  std::uint64_t cycles = 0;                        // sum of the plans' predicted cycles
  std::uint64_t alone = 0;                         // the same with every output off chip
};
// `alone` (optional, one per layer): the plans of the layers through off-chip memory, used
// instead of map_layer's (e.g. the fastest over forced mappings).
ChainPlan plan_chain(const top::TopParams& p, const std::vector<Layer>& layers,
                     const MapOptions& base = {}, bool always = false,
                     const std::vector<LayerMap>* alone = nullptr, PlanCache* cache = nullptr);

struct Network;
// Whether the graph lets layer i's output stay on chip for layer i + 1: both one instance of a
// conv or a GEMM with weights, i + 1 reading only i, nothing else reading i. `preds`: the
// network's network_producers (coselect.hpp).
bool hand_off_linkable(const Network& net, const std::vector<std::vector<int>>& preds,
                       std::size_t i);
// The network's maximal chains of at least two layers, each boundary linkable: [first, last].
std::vector<std::pair<std::size_t, std::size_t>> hand_off_chains(const Network& net);

// Every chain of hand_off_chains(net) planned by plan_chain (not `always`), each layer with
// `per_tensor_quant` or'ed in and `alone(k)` as network layer k's plan through off-chip memory.
// Chains of the same shapes are planned once (`shared` on the later ones). A chain's plan is
// worth taking where plan.cycles < plan.alone. `progress` ("hand-off") after every chain.
struct PlannedChain {
  std::size_t first = 0, last = 0;  // network layers [first, last]
  ChainPlan plan;
  bool shared = false;
};
std::vector<PlannedChain> plan_network_chains(
    const top::TopParams& p, const Network& net, const MapOptions& base, bool per_tensor_quant,
    const std::function<const LayerMap&(std::size_t)>& alone, const ProgressFn& progress = {});

}  // namespace feather::map
