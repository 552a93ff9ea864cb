// Seeded random networks (issue 17's verification): small, legal networks in the file format
// of docs/workloads.md, built from the blocks of real networks (convolutions of every stride,
// padding, dilation and grouping, depthwise convolutions, folded and standalone activations,
// residual blocks, squeeze-excitation, pools, forks joined by a concat, and a transformer-like
// GEMM tail with multi-head attention). A seed gives the same text on every platform (integer
// arithmetic on std::mt19937_64 only).
#pragma once

#include <cstdint>
#include <string>

#include "feather/map/workload.hpp"

namespace feather::map {

struct RandomNetworkOptions {
  int blocks = 6;     // blocks after the stem, 1..64
  int max_hw = 14;    // input height and width at most, 4..64
  int max_c = 16;     // channels at most, 2..256
  bool gemms = true;  // the network may end in a GEMM (attention) tail
};

// The network as YAML text (name "random_<seed>"). Throws std::invalid_argument naming an
// option out of range.
std::string random_network_yaml(std::uint64_t seed, const RandomNetworkOptions& opt = {});
// The same, parsed (file name "random:<seed>" in messages).
Network random_network(std::uint64_t seed, const RandomNetworkOptions& opt = {});

}  // namespace feather::map
