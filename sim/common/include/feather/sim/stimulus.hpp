// What `feather run` runs on the verilated top: a layer (map::Layer: compiled by
// map::compile_layer with random operands from the seed), or one of the stimulus programs that
// are not layers: the directed layouts program (every layout order per buffer, Loads and Stores
// of every buffer; docs/coverage.md) and the random instruction streams (directed error programs
// and random legal/illegal streams; docs/isa.md).
#pragma once

#include <string>
#include <variant>

#include "feather/map/layer.hpp"

namespace feather::sim {

struct DirectedLayouts {};

struct RandomStreams {
  int streams = 100;  // random streams after the directed error programs
};

using Stimulus = std::variant<map::Layer, DirectedLayouts, RandomStreams>;

// "resnet50-conv3x3: conv 28x28x64 -> 64 k3x3 s1 p1 (<its notes>)", "directed layouts
// program", "random instruction streams (100)".
std::string describe(const Stimulus& s);

}  // namespace feather::sim
