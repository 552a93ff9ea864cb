// Progress of a long computation (mapping a network, comparing designs): the library reports
// steps, the caller decides how to show them (the CLI draws a bar on a terminal only).
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace feather {

// Called with the phase ("map", "hand-off", "compare"), the steps done and the steps in all, and
// the layer the step is about (the one starting for map and compare, the chain's first layer
// once its hand-off is planned). An empty function is never called.
using ProgressFn = std::function<void(std::string_view phase, std::size_t done, std::size_t total,
                                      std::string_view what)>;

}  // namespace feather
