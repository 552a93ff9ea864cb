// Whole-network co-selection (issue 8's solver): every layer of a network picks one of its
// choices (a dataflow and the input and output layouts it implies, with a cost), and every
// producer -> consumer edge costs a transition from the producer's output layout to the
// consumer's input layout (nothing when they agree, an explicit reorganisation otherwise).
// The total is minimised exactly by dynamic programming over the graph's series-parallel
// decomposition (chains, residual blocks, squeeze-excite branches); graphs that are not
// series-parallel are refused with the node where the decomposition got stuck. A brute-force
// solver over all assignments is the reference for the tests.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace feather::map {

struct Choice {
  std::string label;  // e.g. "WO-S in=HWC_C32 out=HWC_W16"
  int in_layout = 0;  // layout ids: equal ids = the same layout
  int out_layout = 0;
  double cost = 0;  // the layer's own cost with this choice (e.g. cycles)
};

struct CoNode {
  std::string name;
  std::vector<Choice> choices;  // at least one
  std::vector<int> preds;       // producers (node indices, each earlier than this node)
};

struct CoGraph {
  std::vector<CoNode> nodes;  // in topological order
  // Cost of the edge producer -> consumer when the producer writes `out_layout` and the
  // consumer reads `in_layout`; unset: 0 when equal, 1 otherwise.
  std::function<double(int producer, int out_layout, int consumer, int in_layout)> transition;
};

struct CoSolution {
  double cost = 0;
  std::vector<int> choice;  // per node, the index of its choice
};

// The cost of an assignment (node costs plus edge transitions). Throws std::invalid_argument
// for an assignment of the wrong size or an out-of-range choice.
double assignment_cost(const CoGraph& g, const std::vector<int>& choice);

// Exact minimum by series-parallel reduction. Throws std::invalid_argument if the graph is
// malformed (empty, a node without choices, a predecessor not earlier) or not series-parallel
// (after adding one source before every node without producers and one sink after every node
// without consumers).
CoSolution solve_series_parallel(const CoGraph& g);

struct Network;
// The producers of every layer of a network (workload.hpp: `inputs`, or the previous layer
// when empty), as node indices for CoNode::preds.
std::vector<std::vector<int>> network_producers(const Network& net);

// Exact minimum by enumerating every assignment; throws std::invalid_argument when there are
// more than `limit` assignments.
CoSolution solve_brute_force(const CoGraph& g, std::uint64_t limit = 1u << 22);

}  // namespace feather::map
