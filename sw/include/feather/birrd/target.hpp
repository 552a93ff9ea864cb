// A BIRRD routing target: for each output port, the set of input lanes whose sum must appear
// there, or "don't care" (empty set).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "feather/birrd/topology.hpp"

namespace feather::birrd {

struct Target {
  int lanes = 0;
  std::vector<LaneSet> out;  // out[p]: inputs summed at output port p; empty = don't care

  Target() = default;
  explicit Target(int n) : lanes(n), out(static_cast<std::size_t>(n)) {}

  // groups[k] is sent to ports[k].
  static Target from_groups(int lanes, const std::vector<std::vector<int>>& groups,
                            const std::vector<int>& ports);
  // Input lane j goes to output port perm[j].
  static Target permutation(const std::vector<int>& perm);

  // Result lanes: the ports with a target.
  LaneSet result_mask() const;
  // "5<-0+1+2+3 2<-4": one entry per port with a target, ascending port order.
  std::string to_string() const;
};

// Parses Target::to_string()'s format (entries separated by spaces or commas; '_' also accepted
// for '<-'). Throws std::invalid_argument naming the offending entry (bad number, lane or port
// out of range, a port given twice, an empty set).
Target parse_target(int lanes, std::string_view text);

// Classes of targets used to characterise routability (docs/birrd.md).
enum class TargetClass {
  kPermutation,         // every input to a distinct output
  kContiguousEqual,     // consecutive groups of G (G random power of two, 2..lanes), sum of
                        // group k lands on its own first lane (k*G): reduction without reorder
  kContiguousVarying,   // consecutive groups of random sizes, results to random distinct ports
  kArbitraryPartition,  // any set partition of the inputs, results to random distinct ports
  kFeatherGroups,       // consecutive groups of G (given), results to random distinct ports
};
std::string_view to_string(TargetClass c);

// Random target of a class. `group` is G for kFeatherGroups (a power of two <= lanes).
Target random_target(TargetClass c, int lanes, std::mt19937_64& rng, int group = 2);

}  // namespace feather::birrd
