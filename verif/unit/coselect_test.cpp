// The network co-selection solver (coselect.hpp): the series-parallel DP against brute force on
// chains and random series-parallel graphs (residual-block and branch shapes), the refusal of a
// graph that is not series-parallel, and the decomposition of the built-in networks' graphs.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "../common/seed.hpp"
#include "feather/map/coselect.hpp"
#include "feather/map/workload.hpp"

namespace feather::map {
namespace {

using Rng = std::mt19937_64;

// Random choices: `k` per node over `layouts` layout ids, integer costs (exact sums).
void random_choices(CoGraph& g, Rng& rng, int k_max, int layouts) {
  std::uniform_int_distribution<int> kd(1, k_max), ld(0, layouts - 1), cd(0, 40);
  for (auto& n : g.nodes) {
    n.choices.clear();
    const int k = kd(rng);
    for (int i = 0; i < k; ++i) {
      Choice c;
      c.in_layout = ld(rng);
      c.out_layout = ld(rng);
      c.cost = cd(rng);
      c.label = fmt::format("{}:{}->{}", i, c.in_layout, c.out_layout);
      n.choices.push_back(c);
    }
  }
}

// A random two-terminal series-parallel DAG: start with one edge, then repeatedly subdivide an
// edge (series) or add a parallel path of one node between an edge's endpoints; nodes are then
// numbered in a topological order.
CoGraph random_sp_graph(Rng& rng, int nodes) {
  std::vector<std::pair<int, int>> edges = {{0, 1}};
  int count = 2;
  while (count < nodes) {
    const auto e = edges[std::uniform_int_distribution<std::size_t>(0, edges.size() - 1)(rng)];
    const int w = count++;
    if (rng() % 2) {  // series
      edges.erase(std::find(edges.begin(), edges.end(), e));
      edges.push_back({e.first, w});
      edges.push_back({w, e.second});
    } else {  // parallel path through w
      edges.push_back({e.first, w});
      edges.push_back({w, e.second});
    }
  }
  // Topological order (Kahn).
  std::vector<int> indeg(static_cast<std::size_t>(count), 0), order, pos(indeg.size(), -1);
  for (const auto& [u, v] : edges) ++indeg[static_cast<std::size_t>(v)];
  std::vector<int> ready;
  for (int v = 0; v < count; ++v) {
    if (indeg[static_cast<std::size_t>(v)] == 0) ready.push_back(v);
  }
  while (!ready.empty()) {
    const int v = ready.back();
    ready.pop_back();
    pos[static_cast<std::size_t>(v)] = static_cast<int>(order.size());
    order.push_back(v);
    for (const auto& [a, b] : edges) {
      if (a == v && --indeg[static_cast<std::size_t>(b)] == 0) ready.push_back(b);
    }
  }
  CoGraph g;
  g.nodes.resize(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) g.nodes[static_cast<std::size_t>(i)].name = fmt::format("n{}", i);
  for (const auto& [u, v] : edges) {
    g.nodes[static_cast<std::size_t>(pos[static_cast<std::size_t>(v)])].preds.push_back(
        pos[static_cast<std::size_t>(u)]);
  }
  return g;
}

void expect_optimal(const CoGraph& g) {
  const CoSolution dp = solve_series_parallel(g);
  const CoSolution bf = solve_brute_force(g);
  EXPECT_EQ(dp.cost, bf.cost);
  EXPECT_EQ(assignment_cost(g, dp.choice), dp.cost) << "the recovered choices do not give the "
                                                       "cost the DP reports";
}

TEST(CoSelect, ChainsMatchBruteForce) {
  Rng rng(test::test_seed());
  for (int t = 0; t < 40; ++t) {
    CoGraph g;
    const int n = 1 + static_cast<int>(rng() % 8);
    for (int v = 0; v < n; ++v) {
      CoNode node;
      node.name = fmt::format("l{}", v);
      if (v > 0) node.preds.push_back(v - 1);
      g.nodes.push_back(node);
    }
    random_choices(g, rng, 4, 3);
    SCOPED_TRACE(fmt::format("chain of {}", n));
    expect_optimal(g);
  }
}

TEST(CoSelect, RandomSeriesParallelGraphsMatchBruteForce) {
  Rng rng(test::test_seed());
  for (int t = 0; t < 60; ++t) {
    CoGraph g = random_sp_graph(rng, 2 + static_cast<int>(rng() % 9));
    random_choices(g, rng, 3, 3);
    // Size-dependent reorganisation cost on some trials.
    if (t % 2) {
      g.transition = [](int u, int out, int v, int in) {
        return out == in ? 0.0 : static_cast<double>(1 + (u * 7 + v * 3) % 5);
      };
    }
    SCOPED_TRACE(fmt::format("trial {}: {} nodes", t, g.nodes.size()));
    expect_optimal(g);
  }
}

TEST(CoSelect, ResidualAndSqueezeExciteShapes) {
  // x -> a -> b -> add ; x -> add (residual) ; add -> pool -> fc -> mul ; add -> mul (SE)
  CoGraph g;
  auto node = [&](std::string name, std::vector<int> preds) {
    CoNode n;
    n.name = std::move(name);
    n.preds = std::move(preds);
    g.nodes.push_back(n);
  };
  node("x", {});
  node("a", {0});
  node("b", {1});
  node("add", {2, 0});
  node("pool", {3});
  node("fc", {4});
  node("mul", {5, 3});
  Rng rng(test::test_seed());
  for (int t = 0; t < 20; ++t) {
    random_choices(g, rng, 4, 4);
    expect_optimal(g);
  }
}

TEST(CoSelect, RefusesGraphsThatAreNotSeriesParallel) {
  // The bridge: a -> b, a -> c, b -> c, b -> d, c -> d.
  CoGraph g;
  for (const char* n : {"a", "b", "c", "d"}) {
    CoNode node;
    node.name = n;
    node.choices = {Choice{}};
    g.nodes.push_back(node);
  }
  g.nodes[1].preds = {0};
  g.nodes[2].preds = {0, 1};
  g.nodes[3].preds = {1, 2};
  try {
    solve_series_parallel(g);
    FAIL() << "the bridge graph was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("not series-parallel"), std::string::npos) << e.what();
  }
  // Malformed graphs are named.
  CoGraph bad;
  EXPECT_THROW(solve_series_parallel(bad), std::invalid_argument);
  bad.nodes.push_back(CoNode{"x", {}, {}});
  EXPECT_THROW(solve_series_parallel(bad), std::invalid_argument);
  bad.nodes[0].choices = {Choice{}};
  bad.nodes[0].preds = {0};
  EXPECT_THROW(solve_series_parallel(bad), std::invalid_argument);
}

TEST(CoSelect, BuiltinNetworksAreSeriesParallel) {
  Rng rng(test::test_seed());
  for (const auto& name : builtin_networks()) {
    SCOPED_TRACE(name);
    const Network net = builtin_network(name);
    CoGraph g;
    const auto preds = network_producers(net);
    for (std::size_t v = 0; v < net.layers.size(); ++v) {
      CoNode n;
      n.name = net.layers[v].name;
      n.preds = preds[v];
      g.nodes.push_back(n);
    }
    random_choices(g, rng, 3, 3);
    const CoSolution dp = solve_series_parallel(g);
    EXPECT_EQ(assignment_cost(g, dp.choice), dp.cost);
    // No assignment found by local improvement beats the DP's.
    std::vector<int> c = dp.choice;
    for (std::size_t v = 0; v < c.size(); ++v) {
      for (std::size_t k = 0; k < g.nodes[v].choices.size(); ++k) {
        std::vector<int> d = c;
        d[v] = static_cast<int>(k);
        EXPECT_GE(assignment_cost(g, d), dp.cost);
      }
    }
  }
}

}  // namespace
}  // namespace feather::map
