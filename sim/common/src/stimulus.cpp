#include "feather/sim/stimulus.hpp"

#include <fmt/format.h>

namespace feather::sim {

std::string describe(const Stimulus& s) {
  if (const auto* l = std::get_if<map::Layer>(&s)) {
    std::string d =
        l->name.empty() ? l->shape_string() : fmt::format("{}: {}", l->name, l->shape_string());
    if (!l->notes.empty()) d += fmt::format(" ({})", l->notes);
    return d;
  }
  if (std::holds_alternative<DirectedLayouts>(s)) return "directed layouts program";
  return fmt::format("random instruction streams ({})", std::get<RandomStreams>(s).streams);
}

}  // namespace feather::sim
