// The instruction stream of a mapped layer from its tiles' programs (mapper.cpp):
//   - an operand a tile shares with the tile before it (the same rows or columns of the same
//     K chunk, loaded into the same layout) is not loaded again: it is still in the buffer;
//   - when every tile fits in half of each buffer, an operand that changes from one tile to the
//     next goes to the other half of its buffer (and each output tile's result to the other
//     half of the output region), so that its Loads overlap the previous tile's streams;
//   - every tile's off-chip image follows the previous one's, and the whole is scheduled
//     (top/schedule.hpp).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "feather/top/compiler.hpp"
#include "feather/top/isa.hpp"
#include "feather/top/params.hpp"
#include "feather/top/timing.hpp"

namespace feather::map::detail {

// Line offsets of one tile's regions: stationary buffer (W), active streaming half (I: the
// input), output buffer and inactive streaming half (O: the output, requantized).
struct Regions {
  std::uint64_t w = 0, i = 0, o = 0;
};

// One tile's program as the layer stream takes it: its instructions (compiled with
// CompileOptions::swap_output false: the output stays in the inactive half), the off-chip words
// its image spans, and whether it starts an output tile (a first K chunk).
// `a_key` / `w_key` name the operand data a tile streams / holds stationary (the ranges of the
// layer's tensors it covers): two tiles with the same key and the same layouts load the same
// bytes.
using OperandKey = std::array<std::uint64_t, 6>;
// `image`: the tile's output is kept in the layer's output image (MapOptions::output_image):
// its output-buffer region stays at 0 and its requantized bytes land `qoff` lines further.
struct TileProgram {
  const std::vector<top::Instr>* instrs = nullptr;
  std::uint64_t mem_words = 0;
  bool first_chunk = true;
  OperandKey a_key{}, w_key{};
  bool image = false;
  std::uint64_t qoff = 0;
};

// Per tile: its regions, and whether its streamed (A) and stationary (W) operands are those of
// the tile before it, already in the buffer (their Loads are dropped).
struct TilePlace {
  Regions r;
  bool reuse_a = false, reuse_w = false;
  std::optional<std::uint64_t> qoff;  // the SetOVNLayout's qoff (TileProgram::image)
};

// The place of every tile: an operand is reused when the tile before it has the same key and
// the same Loads and layouts for it; regions alternate (0, half the depth) when every tile's
// W, I and O lines fit in half of their buffers, W and I when the operand changes, O per output
// tile (the K chunks of one output share it); else all at 0. An input that no tile loads (it is
// in the buffer already) and an output kept in an image are never moved.
std::vector<TilePlace> place_tiles(const top::TopParams& p, const std::vector<TileProgram>& tiles);

// The layer's scheduled instruction stream: each tile relocated to its regions and, with
// `shift_addresses`, its off-chip addresses moved past the previous tiles' images (programs
// compiled at mem_base 0; false: they already are). With `swap_at_end` a Config swaps the
// streaming halves last (the kept output image becomes the next layer's input).
std::vector<top::Instr> layer_stream(const top::TopParams& p, const std::vector<TileProgram>& tiles,
                                     const std::vector<TilePlace>& places, bool shift_addresses,
                                     const top::TimingOptions& timing, bool swap_at_end = false);

// A tile's output placement moved to its region.
top::OutputPlacement relocated(top::OutputPlacement o, const Regions& r);

}  // namespace feather::map::detail
