// Pieces of directed and random legal programs for the FEATHER top, used by the cosim tests,
// the regression's random streams (sim/harness/random_stream.hpp) and the scheduler's tests.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "feather/birrd/topology.hpp"
#include "feather/top/isa.hpp"
#include "feather/top/params.hpp"

namespace feather::top {

// A layout {order, F0 = 1, F1 = f1, F2 = f2, base 0}, and the BIRRD command that reduces every
// column onto output lane `lane`.
Layout stimulus_layout(std::uint32_t order, std::uint64_t f1, std::uint64_t f2);
birrd::Config reduce_all_to_lane(const TopParams& p, int lane);

// A random *legal* program that exercises the interlocks between the engines (docs/isa.md,
// "Interlocks"): after a set-up (Config, the three layouts at random bases, the tables, the
// operands), 10..30 instructions mixing Loads and Stores of every target and random lines
// (half of them inside the current layouts), ExecuteMappings, ExecuteStreamings with and without
// quant (half of them reading every row of the IVN layout), directed hazards (a stream and a
// Load into its last row, a quant stream and a Store of its outputs, a stationary Load around a
// mapping, a table Load before a quant stream), new layouts at other bases and Configs with
// swaps. It ends without error on the golden model; its Stores write off-chip words from 64 on
// (its Loads read words 0..79, some of them written by its Stores).
std::vector<Instr> random_legal_program(const TopParams& p, std::mt19937_64& rng);

}  // namespace feather::top
