// The layer compiler: turns a GEMM or a conv2d into a FEATHER instruction stream, an off-chip
// memory image and a description of where the results are, for one TopParams. It chooses a
// mapping (G_r, G_c, vn, K passes, N tiles), conflict-free layouts and BIRRD routes, and checks
// everything it emits against the golden model's rules (it never emits a bank conflict).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "feather/top/golden.hpp"
#include "feather/top/isa.hpp"
#include "feather/top/params.hpp"
#include "feather/top/reference.hpp"
#include "feather/top/timing.hpp"

namespace feather::top {

struct MappingChoice {
  std::uint32_t grlog = 0, gclog = 0, vnm1 = 0;
  std::string to_string() const;
};

// Where a layer's uint8 output tensor O[m][n] lives after the program ran: in the streaming
// buffer half that is active after the program (the program ends with Config swap=1), in the
// layout `layout`, and, if stored, off-chip at `store_addr` as layout lines.
struct OutputPlacement {
  Layout layout;  // OVN layout = the next layer's IVN layout
  int m = 0, n = 0;
  // The requantized output is in the inactive streaming half (CompileOptions::swap_output
  // false), else in the active one (after the swap).
  bool inactive = false;
  bool stored = false;
  std::uint64_t store_addr = 0;
  std::uint64_t store_lines = 0;
};

struct Program {
  std::vector<Instr> instrs;
  Memory memory;  // initial off-chip image (operands, quant tables)
  OutputPlacement out;
  MappingChoice mapping;
  std::uint64_t macs = 0;       // useful MACs of the layer (M*K*N, summed over groups)
  std::uint64_t mem_words = 0;  // off-chip words the program's image spans, from mem_base
  std::string summary;          // human-readable: mapping, layouts, passes, ES count
};

struct CompileOptions {
  // The input already sits in the active streaming half in this layout (a chained layer):
  // no Load of A is emitted. Otherwise A is loaded from off-chip.
  std::optional<Layout> input_in_buffer;
  bool store_output = true;            // emit Store of the output tensor
  std::optional<MappingChoice> force;  // use this mapping instead of searching
  // No operand data: the instruction stream, layouts and footprints are exact, the off-chip
  // image stays empty (the mapper scores candidates this way).
  bool shape_only = false;
  std::uint64_t mem_base = 0;  // first off-chip word of the program's image
  // K chunks of one output (the mapper's K tiling): with `accumulate` every ExecuteStreaming
  // adds onto the output buffer (the partial sums of the earlier chunks); with `finish` false
  // the program neither requantizes, swaps the streaming halves nor stores (a later chunk does)
  // and loads no requantization tables.
  bool accumulate = false;
  bool finish = true;
  // With `finish`: swap the streaming halves at the end, so that the output is the active half
  // (the next layer's input), and Store it from there. False: no swap; the output stays in the
  // inactive half and is stored from there, and the next program's input loads go to the same
  // half as this one's (the mapper's tiles: their Loads can then overlap this program's streams).
  bool swap_output = true;
  std::optional<Layout> output_layout;  // force the OVN layout (every chunk of one output)
  TimingOptions timing;                 // the cycle model's memory, for scoring the mappings
  // Run the instruction scheduler (schedule.hpp, with `timing`) on the program, and score the
  // mappings on the scheduled programs: Loads move to where the memory engine is free (the next
  // N-tile's weights load while the current one computes). The mapper turns it off for its
  // tiles and schedules the layer's whole stream instead.
  bool schedule = true;
  // Stop at the first legal plan instead of the best (a fit test: does the layer compile?).
  bool any_plan = false;
  // compile_conv: direct convolution (the streaming window walks the input image itself, one
  // ExecuteStreaming per output row segment and kernel tap) instead of an im2col image.
  bool direct_conv = false;
};

// A layer as the compiler sees it: `groups` GEMMs O_g = A_g (M x K) * B_g (K x N) writing the
// channels g*N .. g*N+N-1 of one output tensor O[M][groups*N] (a conv after im2col, or one
// GEMM with groups = 1), or, with a window, a direct convolution: A_g is the image [h*w][K] of
// the group's K input channels, B_g is [taps*K][N] (rows ordered (ky, kx, ci)) and M = ho*wo.
struct GroupedGemm {
  std::string what;  // for messages
  int groups = 1, m = 1, k = 1, n = 1;
  std::uint8_t zp_a = 0, zp_w = 0;
  std::vector<std::vector<std::uint8_t>> a;  // per group [m][k] (empty: shape only / in buffer)
  std::vector<std::vector<std::uint8_t>> b;  // per group [k][n] (empty: shape only)
  Quant quant;                               // groups*n entries (empty: shape only)
  std::optional<ConvWindow> window;          // direct convolution
  // Direct convolution of a band of output rows [band_oy0, band_oy0 + band_rows) (0 rows: all of
  // them; M = band_rows * wo): each group's A holds only the input rows the band reads,
  // ConvWindow::input_rows (the mapper's M tiles).
  int band_oy0 = 0, band_rows = 0;
  std::uint64_t macs() const;
};
GroupedGemm as_grouped(const GemmLayer& g);
GroupedGemm as_grouped(const ConvLayer& c);         // im2col per group (conv_group_as_gemm)
GroupedGemm as_grouped_direct(const ConvLayer& c);  // the image per group, with the window
// A grouped conv with one output channel per group (depthwise) as blocks of `block` groups:
// each block one GEMM M x (block * K') x block whose weights are block-diagonal (group s of the
// block: rows s*K' .. s*K'+K-1 of column s, K' = K rounded up to `ah`; zp_w elsewhere, zp_a in
// the padding of A), so that one ExecuteMapping holds `block` channels, one per PE row, and
// BIRRD's reduction over the columns adds each row's products (the off-diagonal ones are 0).
GroupedGemm as_grouped_blocks(const ConvLayer& c, int block, int ah);
Program compile_grouped(const TopParams& p, const GroupedGemm& g, const CompileOptions& opt = {});

// Throws std::invalid_argument (bad layer, does not fit the buffers, unroutable) with a message
// naming the cause.
Program compile_gemm(const TopParams& p, const GemmLayer& g, const CompileOptions& opt = {});
// A conv (any stride, padding, dilation, groups incl. depthwise) via im2col per group, or with
// CompileOptions::direct_conv by direct convolution (stride at most 7).
Program compile_conv(const TopParams& p, const ConvLayer& c, const CompileOptions& opt = {});

// Reads the layer's uint8 output [m][n] from a golden model's (or RTL peek's) streaming buffer
// using the placement (active half), or from off-chip memory if stored.
std::vector<std::uint8_t> read_output(const TopParams& p, const OutputPlacement& o,
                                      const Golden& g);
std::vector<std::uint8_t> read_output(const TopParams& p, const OutputPlacement& o,
                                      const Memory& m);

}  // namespace feather::top
