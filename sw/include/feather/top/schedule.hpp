// The instruction scheduler: reorders a legal instruction stream so that its memory traffic
// overlaps compute on the top's interlocks (docs/isa.md, "Interlocks"), keeping its results
// exactly (every buffer line, the requantization tables, the streaming half and the off-chip
// memory are those of the original program on the golden model).
//
//   - A Config that sets the zero points they already have without a swap, and a Set*Layout
//     that sets the layout already in force, are dropped.
//   - Every Load moves earlier: it is placed before the first instruction at which, by the
//     cycle model (timing.hpp), the memory engine is free so the Load is consumed at once, and
//     placing it there does not delay that instruction; it moves only past instructions it
//     commutes with (see below) and at most `window` instructions.
//   - A Set*Layout moves later, to just before the first instruction that reads its layout
//     (an ExecuteMapping for W, an ExecuteStreaming for I and O; no other instruction reads
//     one), so that the next tile's mapping loads while the previous tile's outputs drain.
//   - Every Store moves later, in the same way: to the first instruction before which the
//     memory engine takes it at once without delaying that instruction, and no later than the
//     first instruction it does not commute with (one that writes the lines it reads, reads or
//     writes the off-chip words it writes, or swaps the halves when it stores one). Loads have
//     the memory engine first; Stores keep their order.
//
// A Load (target T, lines L, off-chip words A) commutes with an instruction X when X neither
// reads nor writes L in T nor writes A: X is a Set*Layout; a Config without a swap (with a swap
// too for T = stationary buffer or a table); an ExecuteMapping whose WVN layout's lines do not
// meet L (T = 0); an ExecuteStreaming whose IVN layout's lines do not meet L (T = active half)
// and, with quant, whose OVN layout's lines do not meet L (T = inactive half) and T is not a
// table; a Load into another buffer or other lines; a Store of another buffer or other lines
// that writes other off-chip words. Loads keep their order among each other where they meet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "feather/top/isa.hpp"
#include "feather/top/params.hpp"
#include "feather/top/timing.hpp"

namespace feather::top {

struct ScheduleOptions {
  TimingOptions timing;       // the memory the cycle model assumes
  std::size_t window = 4096;  // how many instructions a Load may move past, at most
};

struct ScheduleStats {
  std::uint64_t dropped = 0;  // redundant Config / Set*Layout instructions removed
  std::uint64_t moved = 0;    // Loads placed earlier and Stores placed later
};

// `prog` must be legal (it runs without error on the golden model): the results of a program
// that stops with an error are not preserved. Throws std::invalid_argument for options out of
// range (as predict does).
std::vector<Instr> schedule(const TopParams& p, const std::vector<Instr>& prog,
                            const ScheduleOptions& opt = {}, ScheduleStats* stats = nullptr);

}  // namespace feather::top
