// One layer from its description to a program: the entry point the command line (`feather run`),
// the tests and the benchmarks use. A Layer (layer.hpp) and its Operands go in; the mapper
// chooses the dataflow, tiling, PE mapping and layouts (mapper.hpp), the layer compiler builds
// every tile's instructions and off-chip image (top/compiler.hpp), and the reference math
// (top/reference.hpp) gives the output the program must produce.
//
// Below this level the layer exists only in lowered forms: GemmShape (what the mapper searches),
// top::GroupedGemm (one tile with its operands, what the layer compiler takes) and
// top::ConvLayer / top::GemmLayer (the reference's inputs); nest::GemmTile is a NEST unit
// stimulus, not a layer.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "feather/map/layer.hpp"
#include "feather/map/mapper.hpp"
#include "feather/top/params.hpp"
#include "feather/top/reference.hpp"

namespace feather::map {

// The data of one layer: uint8 operands with zero points, and the requantization of each output
// channel (one scale and zero point repeated for a per-tensor layer).
struct Operands {
  std::uint8_t zp_a = 0, zp_w = 0;
  std::vector<std::uint8_t> input;   // conv: NHWC [h][w][c] (batch 1); GEMM: A [m][k]
  std::vector<std::uint8_t> weight;  // conv: [co][r][s][c/groups]; GEMM: B [k][n]
  top::Quant quant;                  // co (conv) or n (GEMM) entries
};

// `n` uniformly random bytes.
std::vector<std::uint8_t> random_bytes(std::mt19937_64& rng, std::size_t n);
// Requantization for `n` output channels of a reduction of depth `k`: scales that put a typical
// sum of random bytes (|sum| ~ sqrt(k) * 64 * 64) inside the 8-bit range, random zero points.
top::Quant random_quant(std::mt19937_64& rng, int n, int k);
// Random bytes, zero points and requantization (per tensor if Layer::as_gemm() says so).
Operands random_operands(const Layer& l, std::mt19937_64& rng);

// The reference's view of a layer with its operands. Throws std::invalid_argument naming the
// field if the layer has no such form (the reference and the compiler take batch-1
// convolutions with the same stride, padding and dilation on both axes, and one instance of a
// GEMM) or if the operands do not have the layer's sizes.
top::ConvLayer conv_of(const Layer& l, const Operands& o);
top::GemmLayer gemm_of(const Layer& l, const Operands& o);

struct CompiledLayer {
  Layer layer;
  LayerMap map;           // the mapper's plan (dataflow, tiles, mapping, layouts, cost)
  MappedProgram program;  // every tile's instructions and off-chip image
  std::vector<std::uint8_t> expected;  // the reference output O[m][groups*n] (m = ho*wo for a conv)
};

// Maps the layer (options `opt`; a forced mapping or dataflow is checked) and builds its
// program with `operands`. Throws std::invalid_argument naming the cause (an illegal layer, a
// layer without MACs, operands of the wrong size, no legal mapping).
CompiledLayer compile_layer(const top::TopParams& p, const Layer& layer, const Operands& operands,
                            const MapOptions& opt = {});
// The same with the mapper's plan given (map_layer of the same layer, e.g. cached by a network
// run for repeated shapes): std::invalid_argument if the plan is of another shape.
CompiledLayer compile_layer(const top::TopParams& p, const Layer& layer, const Operands& operands,
                            const LayerMap& plan);

// The layer's output O[m][groups*n] from the off-chip memory after the program ran.
std::vector<std::uint8_t> read_output(const top::TopParams& p, const CompiledLayer& c,
                                      const top::Memory& mem);
// The first `max` differences between `got` and the expected output, one line each
// ("output [m=3][n=17]: expected 12, actual 200"), and a size difference; "" if equal.
// The same for any output O[m][width] and its expected values.
std::string output_mismatches(const std::vector<std::uint8_t>& expected,
                              const std::vector<std::uint8_t>& got, std::size_t width,
                              std::size_t max = 4);
std::string output_mismatches(const CompiledLayer& c, const std::vector<std::uint8_t>& got,
                              std::size_t max = 4);

}  // namespace feather::map
