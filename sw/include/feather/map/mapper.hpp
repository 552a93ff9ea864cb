// The mapper (docs/mapper.md): chooses how a layer runs on an AH x AW FEATHER and predicts what
// it costs. The search space, outermost first:
//   - the dataflow: WO-S (weights stationary in the PEs, inputs streamed) or IO-S (the
//     transposed GEMM: inputs stationary, weights streamed; only with per-tensor
//     requantization, since the hardware's tables are indexed by the stationary side's column);
//   - the outer tiling: the layer's GEMM(s) cut into tiles_m x tiles_n tiles (M rows, and N
//     columns or whole conv groups) so that each tile's operands and output fit the buffers;
//     every tile is a self-contained program (loads, mappings, streams, store);
//   - per tile, the layer compiler's own search (top::compile_grouped): the PE mapping
//     (G_r, G_c, vn), the three buffer layouts (checked for bank conflicts), the streaming runs
//     and their BIRRD routes (checked routable).
// Candidates that do not fit, have no conflict-free layout or cannot be routed are rejected
// (and counted); the rest are scored with the cycle model (top/timing.hpp) on the instruction
// stream they would run, which also gives the off-chip traffic and the buffer accesses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "feather/common/progress.hpp"
#include "feather/map/layer.hpp"
#include "feather/top/compiler.hpp"
#include "feather/top/params.hpp"
#include "feather/top/timing.hpp"

namespace feather::map {

enum class Dataflow { kWoS, kIoS };
std::string_view to_string(Dataflow d);

struct MapOptions {
  top::TimingOptions timing;                  // memory latency and bandwidth for the scores
  std::optional<Dataflow> dataflow;           // force the dataflow
  std::optional<top::MappingChoice> mapping;  // force the PE mapping of every tile
  // Force the tiling (tiles_m, tiles_n, tiles_k).
  std::optional<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>> tiles;
  // Force direct convolution (true) or im2col (false) for a convolution; unset: the faster.
  std::optional<bool> direct;
  // Channel blocks (a grouped conv with one output channel per group, e.g. depthwise: blocks of
  // gcd(groups, AH) groups as block-diagonal GEMMs, top::as_grouped_blocks): true forces them,
  // false excludes them; unset: taken when faster.
  std::optional<bool> channel_blocks;
  // The on-chip hand-off (docs/mapper.md, "On-chip hand-off"). `input_resident`: the layer's
  // input already lies in the active streaming half in this layout (the image of the layer
  // before it): nothing loads it, and the plan is WO-S with tiles along N only, each streaming
  // all of it (a convolution that is not a plain GEMM reads it by direct convolution; one
  // group only). `output_image`: the layer's whole output (M x ceil(groups*N / AH) VNs) stays
  // on chip in this layout of the streaming buffer: each tile's requantized output lands in its
  // part of it (SetOVNLayout's qoff), nothing is stored, and the layer ends with a Config swap
  // so that the image is the next layer's active half. Tiles whose output is no part of the
  // image with the same strides (image_part) are rejected.
  std::optional<top::Layout> input_resident;
  std::optional<top::Layout> output_image;
};

// One outer tile, in the layer's coordinates: groups [g0, g0+groups), rows [m0, m0+m),
// columns [n0, n0+n) of each of those groups, reduction elements [k0, k0+k). The K chunks of
// one output tile run back to back: the first starts the partial sums in the output buffer,
// the others accumulate onto them, the last requantizes and stores.
struct Tile {
  std::uint64_t g0 = 0, groups = 1, m0 = 0, m = 1, n0 = 0, n = 1, k0 = 0, k = 1;
  bool first_chunk() const { return k0 == 0; }
};

// Buffer traffic of a program, in bank accesses (one byte or one 32-bit word of one bank).
struct Accesses {
  std::uint64_t sbuf_reads = 0;   // streaming buffer: one per column per beat
  std::uint64_t wbuf_reads = 0;   // stationary buffer: one per column per PE load
  std::uint64_t obuf_rmw = 0;     // output buffer read-modify-writes: one per live group per row
  std::uint64_t sbuf_writes = 0;  // requantized outputs and loaded lines (per bank)
  std::uint64_t wbuf_writes = 0;  // loaded stationary lines (per bank)
};

struct LayerMap {
  GemmShape shape;
  Dataflow dataflow = Dataflow::kWoS;
  // Direct convolution: the stream engine's window walks the input image (no im2col image);
  // tiles along N (columns or groups) only, each tile streams the whole image.
  bool direct = false;
  // Channel blocks (MapOptions::channel_blocks): `shape` is the blocked GEMM, `blocks` groups
  // per block (0: none).
  std::uint64_t blocks = 0;
  // Tiles along M, along N (columns or groups) and along K (chunks).
  std::uint64_t tiles_m = 1, tiles_n = 1, tiles_k = 1;
  std::uint64_t tile_m = 1, tile_n = 1, tile_k = 1;  // the largest tile: rows, columns, K
  // The tiles alternate between the lower and upper halves of the buffers, so that a tile's
  // loads overlap the previous tile's streams (when every tile fits in half of each buffer).
  bool double_buffered = false;
  // The tiles were sized for half of each buffer (searched when the plan on the whole buffers
  // leaves the array idle and its tiles do not fit in half; kept when faster).
  bool half_buffers = false;
  std::vector<Tile> tiles;
  top::MappingChoice mapping;                               // of the first tile
  std::optional<top::MappingChoice> forced_mapping;         // MapOptions::mapping, if given
  std::optional<top::Layout> input_resident, output_image;  // MapOptions' hand-off
  top::TimingOptions timing_options;                        // MapOptions::timing
  top::Layout li, lw, lo;                                   // of the first tile
  std::string tile_summary;  // the compiler's summary of the first tile
  top::Timing timing;        // the whole layer's predicted timing (all tiles in sequence)
  Accesses accesses;
  double utilization = 0;  // MACs / (AH * AW * predicted cycles)
  std::uint64_t candidates = 0, rejected = 0;
  std::vector<std::string> rejections;  // the first few reasons
  double search_seconds = 0;
  std::uint64_t offchip_bytes(int aw) const {
    return (timing.words_read + timing.words_written) * static_cast<std::uint64_t>(aw);
  }
  std::string describe() const;  // e.g. "WO-S 2x1 tiles (M<=392) G_r=4 G_c=1 vn=16"
};

// Maps a layer (a conv or a GEMM: its GEMM lowering, Layer::as_gemm). Throws
// std::invalid_argument naming the reason when no candidate is legal (the layer does not fit
// even when tiled, or every candidate is rejected), or for an illegal layer or option.
LayerMap map_layer(const top::TopParams& p, const Layer& layer, const MapOptions& opt = {});
// The same for a layer already lowered to GEMMs (the network mapper maps each distinct shape
// once; the tests sweep shapes directly).
LayerMap map_gemm(const top::TopParams& p, const GemmShape& shape, const MapOptions& opt = {});
// Whether map_gemm weighs direct convolution against im2col for a shape (unless forced by
// MapOptions::direct): a convolution with a window that is not a plain GEMM already, a stride
// the window takes, not clearly more K-VNs than im2col, and a band of one output row that fits
// the streaming buffer.
bool direct_candidate(const top::TopParams& p, const GemmShape& s);
// The channel-block lowering of a shape (MapOptions::channel_blocks): blocks of gcd(groups, AH)
// groups, each a GEMM m x (block * k rounded up to AH) x block; nullopt when it does not apply
// (not grouped, more than one column per group, or blocks of one group).
std::optional<GemmShape> channel_blocks(const top::TopParams& p, const GemmShape& s);

// The mapped layer with data: instructions and off-chip image of every tile in sequence.
struct MappedProgram {
  std::vector<top::Instr> instrs;
  top::Memory memory;
  std::vector<std::pair<Tile, top::OutputPlacement>> outputs;  // per tile, stored off-chip
  // MapOptions::output_image: the whole output, in the active streaming half after the program.
  std::optional<top::OutputPlacement> image;
};
// `data` must have the shape of `lm.shape`; IO-S needs per-tensor requantization tables.
MappedProgram build_program(const top::TopParams& p, const LayerMap& lm,
                            const top::GroupedGemm& data);
// The layer's uint8 output O[m][groups*n] from the off-chip memory after the program ran.
std::vector<std::uint8_t> read_output(const top::TopParams& p, const LayerMap& lm,
                                      const MappedProgram& mp, const top::Memory& mem);

Accesses count_accesses(const top::TopParams& p, const std::vector<top::Instr>& prog);

// ---------------------------------------------------------------------------------------------
// Whole networks (workload.hpp): every conv / GEMM layer mapped on its own (identical shapes
// are mapped once); layers without MACs (pools, adds, ...) are listed and skipped.

struct Network;

struct NetworkEntry {
  std::string layer, shape;
  std::uint64_t count = 1;  // identical instances (the layer's `count`)
  LayerMap map;
  // The on-chip hand-off (NetworkMapOptions::hand_off): the layer reads its input where the
  // layer before it left it, and leaves its output on chip for the next.
  bool input_on_chip = false, output_on_chip = false;
};

struct NetworkMap {
  std::string network, params;
  std::vector<NetworkEntry> layers;
  std::uint64_t skipped = 0;                              // layers without MACs
  std::uint64_t macs = 0, cycles = 0, offchip_bytes = 0;  // totals (counts included)
  double utilization = 0;                                 // macs / (AH * AW * cycles)
  double search_seconds = 0;                              // wall time of the whole mapping
  std::uint64_t distinct = 0;  // distinct layer shapes (GEMM shape and convolution window)
  std::uint64_t kept = 0;      // outputs kept on chip for the next layer
};

struct NetworkMapOptions {
  MapOptions map;
  bool per_tensor_quant = false;  // per-tensor requantization for every layer
  std::string only_layer;         // map just this layer ("" = all)
  // Plan the on-chip hand-off along the network's chains (hand_off.hpp: plan_chain, from each
  // layer's plan alone), where it is predicted faster (`feather run --network`'s auto).
  bool hand_off = false;
  ProgressFn progress;  // "map" after every layer, then "hand-off" after every chain
};

// Throws std::invalid_argument naming the layer that cannot be mapped.
NetworkMap map_network(const top::TopParams& p, const Network& net,
                       const NetworkMapOptions& opt = {});
// The per-layer table (markdown) with totals.
std::string format_table(const top::TopParams& p, const NetworkMap& nm);
// Compact layout: "o2 F0=4 F1=196 F2=36".
std::string short_layout(const top::Layout& l);

}  // namespace feather::map
