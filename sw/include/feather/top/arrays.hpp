// The named FEATHER array configurations of sw/configs/arrays.json ("4x4", "8x8", "16x16": the
// PE array and its buffer depths), compiled into feather_sw by sw/configs/arrays.cmake. The
// mapper's buffer depths come from here, not from which tops were verilated; sim/CMakeLists.txt
// verilates a top for each (FEATHER_TOP_CONFIGS selects some).
#pragma once

#include <string>
#include <vector>

#include "feather/top/params.hpp"

namespace feather::top {

struct NamedArray {
  std::string name;  // "AHxAW"
  TopParams params;
};

// In file order.
const std::vector<NamedArray>& named_arrays();

// The named configuration of an AH x AW array, or nullptr.
const NamedArray* find_named_array(int ah, int aw);

}  // namespace feather::top
