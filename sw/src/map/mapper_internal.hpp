// What the mapper's search (mapper.cpp) and its program builder (mapper_build.cpp) share.
#pragma once

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
top::CompileOptions tile_options(const GemmShape& s, const Tile& t, const MapOptions& o,
                                 const top::Program* first);
// A tile as the layer stream takes it, with the operand keys of the GEMM it compiles to.
TileProgram tile_program(const top::Program& prog, Dataflow df, const Tile& t);
// The top's buffers halved (nullopt below AH lines): LayerMap::half_buffers plans are compiled
// for them.
std::optional<top::TopParams> half_buffers(const top::TopParams& p);

}  // namespace feather::map::detail
