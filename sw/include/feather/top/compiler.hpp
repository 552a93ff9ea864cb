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
  bool stored = false;
  std::uint64_t store_addr = 0;
  std::uint64_t store_lines = 0;
};

struct Program {
  std::vector<Instr> instrs;
  Memory memory;  // initial off-chip image (operands, quant tables)
  OutputPlacement out;
  MappingChoice mapping;
  std::uint64_t macs = 0;  // useful MACs of the layer (M*K*N, summed over groups)
  std::string summary;     // human-readable: mapping, layouts, passes, ES count
};

struct CompileOptions {
  // The input already sits in the active streaming half in this layout (a chained layer):
  // no Load of A is emitted. Otherwise A is loaded from off-chip.
  std::optional<Layout> input_in_buffer;
  bool store_output = true;            // emit Store of the output tensor
  std::optional<MappingChoice> force;  // use this mapping instead of searching
};

// Throws std::invalid_argument (bad layer, does not fit the buffers, unroutable) with a message
// naming the cause.
Program compile_gemm(const TopParams& p, const GemmLayer& g, const CompileOptions& opt = {});
// A conv (any stride, padding, dilation, groups incl. depthwise) via im2col per group.
Program compile_conv(const TopParams& p, const ConvLayer& c, const CompileOptions& opt = {});

// Reads the layer's uint8 output [m][n] from a golden model's (or RTL peek's) streaming buffer
// using the placement (active half), or from off-chip memory if stored.
std::vector<std::uint8_t> read_output(const TopParams& p, const OutputPlacement& o,
                                      const Golden& g);
std::vector<std::uint8_t> read_output(const TopParams& p, const OutputPlacement& o,
                                      const Memory& m);

}  // namespace feather::top
