// What the mapper's search (mapper.cpp) and its program builder (mapper_build.cpp) share.
#pragma once

#include <cstdint>
#include <optional>

#include "feather/map/mapper.hpp"
#include "feather/top/compiler.hpp"
#include "feather/top/params.hpp"
#include "layer_stream.hpp"

namespace feather::map::detail {

// The GEMM a tile compiles to (IO-S: transposed), without data.
top::GroupedGemm tile_shape(const GemmShape& s, Dataflow df, const Tile& t, bool direct);
// The compile options of a tile: a K chunk after the first accumulates, with the first chunk's
// mapping and output layout (`first`, unused for a first chunk); only the last chunk
// requantizes and stores, from the inactive half.
// With MapOptions::input_resident the tile reads the input in place; with output_image it
// writes image_tile_layout (image_part places it) and stores nothing.
top::CompileOptions tile_options(const top::TopParams& p, const GemmShape& s, const Tile& t,
                                 const MapOptions& o, const top::Program* first);
// The layout a tile of `rows` output rows and `vns` output VNs writes in an output image: the
// image's, at base 0, its outermost factor cut to the tile (hand_off.cpp).
top::Layout image_tile_layout(const top::Layout& img, std::uint64_t rows, std::uint64_t vns);
// A tile as the layer stream takes it, with the operand keys of the GEMM it compiles to.
TileProgram tile_program(const top::Program& prog, Dataflow df, const Tile& t);
// The same with its place in MapOptions::output_image (nullopt: the tile is no part of it).
std::optional<TileProgram> tile_program(const top::TopParams& p, const top::Program& prog,
                                        Dataflow df, const GemmShape& s, const Tile& t,
                                        const MapOptions& o);
// The search (mapper_search.cpp) on the buffers `p` (the top's, or half of them) for a top
// `run`: tiles are compiled for `p`, the layer's stream runs and is timed on `run`. Direct
// convolution plans (`direct`, LayerMap::direct) or the GEMM lowering's. Throws
// std::invalid_argument with the reasons when no candidate is legal.
LayerMap search(const top::TopParams& run, const top::TopParams& p, const GemmShape& s,
                const MapOptions& opt, bool direct);
// The top's buffers halved (nullopt below AH lines): LayerMap::half_buffers plans are compiled
// for them.
std::optional<top::TopParams> half_buffers(const top::TopParams& p);

}  // namespace feather::map::detail
