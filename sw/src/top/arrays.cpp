#include "feather/top/arrays.hpp"

namespace feather::top {

// named_arrays() is generated from sw/configs/arrays.json (sw/configs/arrays.cmake).

const NamedArray* find_named_array(int ah, int aw) {
  for (const NamedArray& a : named_arrays()) {
    if (a.params.ah == ah && a.params.aw == aw) return &a;
  }
  return nullptr;
}

}  // namespace feather::top
