// The seeded random-network generator (map::random_network): legal networks of every block, the
// same text for a seed, clear errors for options out of range. The networks run on the RTL in
// verif/cosim/network_run_test.cpp (TopNetworkRandom).
#include "feather/map/random_network.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>

#include "../common/seed.hpp"
#include "feather/map/workload.hpp"
#include "feather/net/reference.hpp"

namespace feather::map {
namespace {

TEST(RandomNetwork, ASeedGivesOneTextAndSeedsDiffer) {
  const std::uint64_t seed = test::test_seed();
  EXPECT_EQ(random_network_yaml(seed), random_network_yaml(seed));
  EXPECT_NE(random_network_yaml(seed), random_network_yaml(seed + 1));
  const Network n = find_network("random:" + std::to_string(seed));
  EXPECT_EQ(n.name, "random_" + std::to_string(seed));
  EXPECT_EQ(n.layers.size(), random_network(seed).layers.size());
}

// Every generated network parses, has consistent shapes and evaluates on the int8 reference;
// together the seeds reach every kind of block.
TEST(RandomNetwork, EveryNetworkIsLegalAndTheBlocksAreAllReached) {
  const std::uint64_t base = test::test_seed();
  std::map<std::string, int> ops;
  int strided = 0, dilated = 0, grouped = 0, heads2 = 0;
  for (std::uint64_t i = 0; i < 150; ++i) {
    const std::uint64_t seed = base + i;
    SCOPED_TRACE("network seed " + std::to_string(seed));
    RandomNetworkOptions o;
    o.blocks = 1 + static_cast<int>(i % 8);
    o.max_hw = 4 + static_cast<int>(i % 9);
    o.max_c = 2 + static_cast<int>(i % 15);
    const Network net = random_network(seed, o);
    ASSERT_FALSE(net.layers.empty());
    const net::Quantization q = net::random_quantization(net, seed);
    const net::Tensor x = net::random_input(net, q, seed);
    const net::Results r = net::evaluate(net, q, x);
    EXPECT_EQ(r.output().shape.size(), net::output_shapes(net).back().size());
    for (const Layer& l : net.layers) {
      ++ops[l.op];
      strided += l.stride_h > 1;
      dilated += l.dil_h > 1;
      grouped += l.groups > 1 && l.groups < l.c;
      heads2 += l.count > 1;
    }
  }
  for (const char* op :
       {"conv", "dwconv", "relu", "relu6", "hswish", "add", "avgpool", "maxpool", "fc", "hsigmoid",
        "mul", "concat", "gemm", "matmul", "softmax", "layernorm", "gelu"}) {
    EXPECT_GT(ops[op], 0) << op << " never generated";
  }
  EXPECT_GT(strided, 0);
  EXPECT_GT(dilated, 0);
  EXPECT_GT(grouped, 0);
  EXPECT_GT(heads2, 0);
}

TEST(RandomNetwork, OptionsOutOfRangeAreNamed) {
  auto message = [](const RandomNetworkOptions& o) {
    try {
      (void)random_network_yaml(1, o);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message({.blocks = 0}), "random network: blocks = 0 is out of range 1..64");
  EXPECT_EQ(message({.max_hw = 3}), "random network: max_hw = 3 is out of range 4..64");
  EXPECT_EQ(message({.max_c = 1}), "random network: max_c = 1 is out of range 2..256");
  for (const char* bad : {"random:", "random:x", "random:-1", "random:1x"}) {
    EXPECT_THROW((void)find_network(bad), WorkloadError) << bad;
  }
}

}  // namespace
}  // namespace feather::map
