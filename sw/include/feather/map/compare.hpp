// Whole-network comparison of FEATHER against fixed-dataflow / fixed-layout designs on the same
// array, buffers and memory (docs/compare.md). One cost model for every design:
//
//   - the array: the mapper's exact cycle model of this project's RTL (mapper.hpp) for a given
//     WO-S PE mapping (G_r, G_c; vn = AH, or K when K < AH), with the mapper's tiling search;
//   - the layout: the streamed activations are read from a line buffer in a LayoutLoop tensor
//     layout (layout.hpp, e.g. HWC_C32: a line of 32 channels of one pixel), `ports` whole lines
//     per cycle (2 = LayoutLoop's dual-port STANDARD buffer). A streaming step of the mapping
//     (vn beats, AW columns) needs the set of activation elements its columns read; it takes
//     max(vn, ceil(lines / ports)) cycles, `lines` = the distinct lines holding that set. The
//     layer's slowdown is (sum of step cycles) / (sum of vn) over its steps (sampled evenly,
//     `max_steps`), and its cycles are the mapper's cycles plus beat_cycles x (slowdown - 1);
//   - a layout change between a producer and a consumer costs nothing when the producer writes
//     the consumer's layout; otherwise an explicit reorganisation through off-chip memory:
//     read and write the tensor, 2 x ceil(elements / AW) words at the memory bandwidth.
//
// The designs differ only in what they may choose (per layer, jointly over the network by the
// series-parallel DP of coselect.hpp):
//   FEATHER          any mapping, any input layout, any output layout (BIRRD writes the layout
//                    the consumer reads during the reduction: reorder in reduction);
//   NVDLA-like       G_r = 1 (the reduction across all columns, output channels on the rows),
//                    HWC_C32 everywhere;
//   Eyeriss-like     G_r = AW, G_c = 1 (a row of output pixels across the columns, output
//                    channels on the rows: the fixed row-parallel dataflow), one layout for the
//                    whole network: the best of the layout set for it;
//   SIGMA-like C32 / SIGMA-like C4W8   any mapping (a flexible reduction network), one fixed
//                    layout (HWC_C32 or HWC_C4W8);
//   off-chip reorder any mapping, one layout per layer (read and written in it), a change
//                    between layers through off-chip memory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "feather/common/progress.hpp"
#include "feather/map/layout.hpp"
#include "feather/map/mapper.hpp"
#include "feather/top/compiler.hpp"
#include "feather/top/params.hpp"

namespace feather::map {

struct Layer;
struct Network;

// The activation tensor a layer streams, as the line buffer sees it: H x W x C (a GEMM's A[M][K]
// is 1 x M x K), and how the layer's GEMM rows and reduction index read it (im2col of
// top::conv_group_as_gemm: k = (ky * S + kx) * C/groups + ci, channel fastest).
struct StreamGeometry {
  bool conv = false;
  std::uint64_t h = 1, w = 1, c = 1;  // the input tensor
  std::uint64_t groups = 1, m = 1, k = 1;
  std::uint64_t ho = 1, wo = 1, r = 1, s = 1;
  std::int64_t stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0, dil_h = 1, dil_w = 1;
  // The element (h, w, c) GEMM row m of group g reads at reduction index k; nullopt for padding.
  struct Coord {
    std::uint64_t h, w, c;
  };
  std::optional<Coord> at(std::uint64_t g, std::uint64_t m, std::uint64_t k) const;
};
// Throws std::invalid_argument for a layer without MACs.
StreamGeometry geometry_of(const Layer& l);

struct LineModel {
  int line = 32;                 // elements per line (LayoutLoop's line_size)
  int ports = 2;                 // whole-line reads per cycle
  std::uint64_t max_steps = 96;  // streaming steps sampled per layer (0 = every step)
};

struct LayoutCost {
  double slowdown = 1;            // (sum of step cycles) / (sum of vn), >= 1
  double lines_per_step = 0;      // mean distinct lines per step
  std::uint64_t worst_lines = 0;  // the worst step's distinct lines
  std::uint64_t steps = 0;        // steps of the layer
  std::uint64_t sampled = 0;      // steps evaluated
};
// The streaming steps of WO-S mapping `m` on the layer, read through `t` (over H, W, C; its line
// must hold lm.line elements). Throws std::invalid_argument for a layout that is not over
// exactly H, W, C or whose line is not lm.line, or an illegal mapping for p.
LayoutCost stream_layout_cost(const top::TopParams& p, const StreamGeometry& g,
                              const top::MappingChoice& m, const TensorLayout& t,
                              const LineModel& lm = {});

enum class DesignKind { kFeather, kFixed, kFlexibleFixedLayout, kOffchipReorder };

struct Design {
  std::string name;
  DesignKind kind = DesignKind::kFeather;
  // kFixed: the mapping (grlog, gclog); vn follows the layer (AH, or K when K < AH).
  std::uint32_t grlog = 0, gclog = 0;
  // The layouts the design may use: kFixed with several = the best single one for the whole
  // network; kFlexibleFixedLayout: exactly one; kFeather / kOffchipReorder: per layer.
  std::vector<std::string> layouts;
};

// The layout set (line of 32: HWC_C32, HWC_C16W2, ..., HWC_W32) and the designs above for p.
std::vector<std::string> default_layouts(int line = 32);
std::vector<Design> default_designs(const top::TopParams& p, int line = 32);

struct CompareOptions {
  top::TimingOptions timing;
  ProgressFn progress;  // "compare" after every layer's cost table, then "hand-off" per chain
  LineModel line;
  std::vector<Design> designs;  // empty: default_designs
  bool per_tensor_quant = false;
};

// One design on one layer (per instance; the totals multiply by the layer's count).
struct DesignLayer {
  bool mac = false;            // a layer with MACs (others only carry layouts)
  top::MappingChoice mapping;  // chosen (mac layers)
  std::string in_layout, out_layout;
  double slowdown = 1;                // of the chosen mapping and input layout
  double array_cycles = 0;            // the mapper's cycles for the mapping (the RTL's timing)
  double cycles = 0;                  // array + layout slowdown, loads and stores as barriers
  double overlapped = 0;              // with the off-chip traffic overlapped: max(memory, compute)
  double transition = 0;              // reorganisation cycles on the edges into this layer
  std::uint64_t offchip_bytes = 0;    // the mapper's loads and stores + reorganisations
  std::uint64_t buffer_accesses = 0;  // bank accesses (Accesses, all buffers)
  double latency() const { return cycles + transition; }
  double latency_overlapped() const { return overlapped + transition; }
};

struct CompareLayer {
  std::string name, shape;
  std::uint64_t count = 1, macs = 0;  // macs per instance
  std::vector<DesignLayer> designs;   // one per Comparison::designs
  // The RTL's own plan for this layer (the mapper's free search; per-bank VN layouts, never a
  // bank conflict): cycles and mapping, for reference.
  std::uint64_t rtl_cycles = 0;
  std::string rtl_plan;
};

struct DesignTotal {
  double latency = 0, latency_overlapped = 0, transition = 0;
  std::uint64_t offchip_bytes = 0, buffer_accesses = 0;
  std::uint64_t transitions = 0;  // edges with a reorganisation
  double utilization = 0;         // MACs / (AH * AW * latency)
  double geomean_speedup = 1;     // over mac layers: geomean of latency / FEATHER's latency
};

struct Comparison {
  std::string network, params;
  std::vector<Design> designs;
  std::vector<CompareLayer> layers;  // every layer of the network, in order
  std::vector<DesignTotal> totals;   // per design
  std::uint64_t macs = 0;
  std::uint64_t rtl_cycles = 0;  // the RTL plans' total
  std::uint64_t rtl_bytes = 0;   // their off-chip bytes
  // The same with the on-chip hand-off along the network's chains (hand_off.hpp: plan_chain
  // per chain, where it beats the chain's RTL plans): cycles, off-chip bytes, outputs kept.
  std::uint64_t hand_off_cycles = 0, hand_off_bytes = 0, hand_off_kept = 0;
  std::uint64_t mapper_calls = 0;
  double seconds = 0;
  // Total latency of design d over FEATHER's (index 0 is FEATHER).
  double ratio(std::size_t d, bool overlapped = false) const;
  // Total latency of design d over the RTL plans' with the on-chip hand-off.
  double ratio_to_hand_off(std::size_t d) const;
};

// Throws std::invalid_argument naming the layer that cannot be mapped (or a bad design).
Comparison compare_network(const top::TopParams& p, const Network& net,
                           const CompareOptions& opt = {});

// The per-layer and total tables (markdown).
std::string format_comparison(const Comparison& c);
// Per-layer speedup of FEATHER over each baseline (latency ratio, log scale), an SVG document.
std::string comparison_svg(const Comparison& c);
// The comparison as JSON (per layer and design, totals).
std::string comparison_json(const Comparison& c);

}  // namespace feather::map
