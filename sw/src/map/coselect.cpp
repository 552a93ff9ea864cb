// Series-parallel dynamic programming for the network co-selection (coselect.hpp).
//
// The graph gets a source S before every node without producers and a sink T after every
// node without consumers; every edge u -> v carries a matrix M[a][b]: the least cost of the
// part of the graph the edge stands for (its internal nodes' costs and all its transitions)
// when u takes choice a and v choice b. Two reductions preserve the optimum:
//   parallel: two edges u -> v become one with M = M1 + M2;
//   series:   a node w with one edge in (u -> w) and one out (w -> v) disappears into
//             u -> v with M[a][b] = min_c M1[a][c] + cost(w, c) + M2[c][b].
// A two-terminal series-parallel graph reduces to one edge S -> T; its minimum is the answer,
// and the argmins kept by the series steps give every node's choice.
#include "feather/map/coselect.hpp"

#include "feather/map/workload.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>

namespace feather::map {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

void check_graph(const CoGraph& g) {
  if (g.nodes.empty()) throw std::invalid_argument("co-selection: the graph has no node");
  for (std::size_t v = 0; v < g.nodes.size(); ++v) {
    const CoNode& n = g.nodes[v];
    if (n.choices.empty()) {
      throw std::invalid_argument(
          fmt::format("co-selection: node {} ('{}') has no choice", v, n.name));
    }
    for (int u : n.preds) {
      if (u < 0 || static_cast<std::size_t>(u) >= v) {
        throw std::invalid_argument(fmt::format(
            "co-selection: node {} ('{}') has producer {}, which is not an earlier node", v, n.name,
            u));
      }
    }
  }
}

double transition(const CoGraph& g, int u, int out, int v, int in) {
  if (g.transition) return g.transition(u, out, v, in);
  return out == in ? 0.0 : 1.0;
}

// An edge of the reduction: its endpoints, its matrix and how it was made (for the argmins).
struct Edge {
  int u = 0, v = 0;
  std::size_t rows = 1, cols = 1;
  std::vector<double> m;  // rows x cols
  enum Kind { kBase, kSeries, kParallel } kind = kBase;
  int a = -1, b = -1;     // the two edges it was made of
  int w = -1;             // series: the eliminated node
  std::vector<int> best;  // series: argmin c per (row, col)
  bool live = true;
  double& at(std::size_t r, std::size_t c) { return m[r * cols + c]; }
  double at(std::size_t r, std::size_t c) const { return m[r * cols + c]; }
};

}  // namespace

double assignment_cost(const CoGraph& g, const std::vector<int>& choice) {
  check_graph(g);
  if (choice.size() != g.nodes.size()) {
    throw std::invalid_argument(
        fmt::format("co-selection: {} choices for {} nodes", choice.size(), g.nodes.size()));
  }
  double total = 0;
  for (std::size_t v = 0; v < g.nodes.size(); ++v) {
    const CoNode& n = g.nodes[v];
    if (choice[v] < 0 || static_cast<std::size_t>(choice[v]) >= n.choices.size()) {
      throw std::invalid_argument(
          fmt::format("co-selection: choice {} of node '{}' out of range", choice[v], n.name));
    }
    const Choice& c = n.choices[static_cast<std::size_t>(choice[v])];
    total += c.cost;
    for (int u : n.preds) {
      const Choice& p =
          g.nodes[static_cast<std::size_t>(u)].choices[static_cast<std::size_t>(choice[u])];
      total += transition(g, u, p.out_layout, static_cast<int>(v), c.in_layout);
    }
  }
  return total;
}

CoSolution solve_series_parallel(const CoGraph& g) {
  check_graph(g);
  const int n = static_cast<int>(g.nodes.size());
  const int src = n, snk = n + 1;
  auto choices = [&](int v) -> std::size_t {
    return v >= n ? 1 : g.nodes[static_cast<std::size_t>(v)].choices.size();
  };
  auto node_cost = [&](int v, std::size_t c) {
    return v >= n ? 0.0 : g.nodes[static_cast<std::size_t>(v)].choices[c].cost;
  };
  auto node_name = [&](int v) -> std::string {
    if (v == src) return "(source)";
    if (v == snk) return "(sink)";
    return g.nodes[static_cast<std::size_t>(v)].name;
  };

  std::vector<Edge> edges;
  std::vector<std::set<int>> in(static_cast<std::size_t>(n + 2)), out(in.size());
  auto add_edge = [&](Edge e) {
    const int id = static_cast<int>(edges.size());
    in[static_cast<std::size_t>(e.v)].insert(id);
    out[static_cast<std::size_t>(e.u)].insert(id);
    edges.push_back(std::move(e));
    return id;
  };
  auto kill = [&](int id) {
    Edge& e = edges[static_cast<std::size_t>(id)];
    e.live = false;
    in[static_cast<std::size_t>(e.v)].erase(id);
    out[static_cast<std::size_t>(e.u)].erase(id);
  };
  auto base = [&](int u, int v) {
    Edge e;
    e.u = u;
    e.v = v;
    e.rows = choices(u);
    e.cols = choices(v);
    e.m.assign(e.rows * e.cols, 0.0);
    if (u < n && v < n) {
      const auto& cu = g.nodes[static_cast<std::size_t>(u)].choices;
      const auto& cv = g.nodes[static_cast<std::size_t>(v)].choices;
      for (std::size_t a = 0; a < e.rows; ++a) {
        for (std::size_t b = 0; b < e.cols; ++b) {
          e.at(a, b) = transition(g, u, cu[a].out_layout, v, cv[b].in_layout);
        }
      }
    }
    add_edge(std::move(e));
  };
  std::vector<bool> consumed(static_cast<std::size_t>(n), false);
  for (int v = 0; v < n; ++v) {
    const auto& preds = g.nodes[static_cast<std::size_t>(v)].preds;
    if (preds.empty()) base(src, v);
    for (int u : preds) {
      base(u, v);
      consumed[static_cast<std::size_t>(u)] = true;
    }
  }
  for (int v = 0; v < n; ++v) {
    if (!consumed[static_cast<std::size_t>(v)]) base(v, snk);
  }

  std::vector<bool> gone(static_cast<std::size_t>(n + 2), false);
  bool changed = true;
  while (changed) {
    changed = false;
    // Parallel: merge the live edges with equal endpoints.
    for (int v = 0; v < n + 2; ++v) {
      std::map<int, int> by_src;
      const std::vector<int> ids(in[static_cast<std::size_t>(v)].begin(),
                                 in[static_cast<std::size_t>(v)].end());
      for (int id : ids) {
        const int u = edges[static_cast<std::size_t>(id)].u;
        auto it = by_src.find(u);
        if (it == by_src.end()) {
          by_src[u] = id;
          continue;
        }
        const Edge& e1 = edges[static_cast<std::size_t>(it->second)];
        const Edge& e2 = edges[static_cast<std::size_t>(id)];
        Edge e;
        e.u = u;
        e.v = v;
        e.rows = e1.rows;
        e.cols = e1.cols;
        e.m.resize(e1.m.size());
        for (std::size_t i = 0; i < e.m.size(); ++i) e.m[i] = e1.m[i] + e2.m[i];
        e.kind = Edge::kParallel;
        e.a = it->second;
        e.b = id;
        kill(it->second);
        kill(id);
        it->second = add_edge(std::move(e));
        changed = true;
      }
    }
    // Series: eliminate the nodes with one edge in and one out.
    for (int w = 0; w < n; ++w) {
      if (gone[static_cast<std::size_t>(w)]) continue;
      if (in[static_cast<std::size_t>(w)].size() != 1 ||
          out[static_cast<std::size_t>(w)].size() != 1)
        continue;
      const int ia = *in[static_cast<std::size_t>(w)].begin();
      const int ib = *out[static_cast<std::size_t>(w)].begin();
      const Edge& e1 = edges[static_cast<std::size_t>(ia)];
      const Edge& e2 = edges[static_cast<std::size_t>(ib)];
      Edge e;
      e.u = e1.u;
      e.v = e2.v;
      e.rows = e1.rows;
      e.cols = e2.cols;
      e.m.assign(e.rows * e.cols, kInf);
      e.best.assign(e.rows * e.cols, 0);
      for (std::size_t a = 0; a < e.rows; ++a) {
        for (std::size_t b = 0; b < e.cols; ++b) {
          for (std::size_t c = 0; c < e1.cols; ++c) {
            const double x = e1.at(a, c) + node_cost(w, c) + e2.at(c, b);
            if (x < e.at(a, b)) {
              e.at(a, b) = x;
              e.best[a * e.cols + b] = static_cast<int>(c);
            }
          }
        }
      }
      e.kind = Edge::kSeries;
      e.a = ia;
      e.b = ib;
      e.w = w;
      kill(ia);
      kill(ib);
      add_edge(std::move(e));
      gone[static_cast<std::size_t>(w)] = true;
      changed = true;
    }
  }

  for (int w = 0; w < n; ++w) {
    if (!gone[static_cast<std::size_t>(w)]) {
      throw std::invalid_argument(fmt::format(
          "co-selection: the graph is not series-parallel: node '{}' is left with {} incoming "
          "and {} outgoing edges after every series and parallel reduction",
          node_name(w), in[static_cast<std::size_t>(w)].size(),
          out[static_cast<std::size_t>(w)].size()));
    }
  }
  const int root = *out[static_cast<std::size_t>(src)].begin();

  // Recover the choices from the argmins.
  CoSolution sol;
  sol.choice.assign(static_cast<std::size_t>(n), 0);
  sol.cost = edges[static_cast<std::size_t>(root)].at(0, 0);
  struct Item {
    int edge;
    std::size_t a, b;
  };
  std::vector<Item> stack = {{root, 0, 0}};
  while (!stack.empty()) {
    const Item it = stack.back();
    stack.pop_back();
    const Edge& e = edges[static_cast<std::size_t>(it.edge)];
    if (e.kind == Edge::kSeries) {
      const auto c = static_cast<std::size_t>(e.best[it.a * e.cols + it.b]);
      sol.choice[static_cast<std::size_t>(e.w)] = static_cast<int>(c);
      stack.push_back({e.a, it.a, c});
      stack.push_back({e.b, c, it.b});
    } else if (e.kind == Edge::kParallel) {
      stack.push_back({e.a, it.a, it.b});
      stack.push_back({e.b, it.a, it.b});
    }
  }
  return sol;
}

std::vector<std::vector<int>> network_producers(const Network& net) {
  std::map<std::string, int> index;
  std::vector<std::vector<int>> preds(net.layers.size());
  for (std::size_t v = 0; v < net.layers.size(); ++v) {
    const Layer& l = net.layers[v];
    if (l.inputs.empty()) {
      if (v > 0) preds[v].push_back(static_cast<int>(v) - 1);
    }
    for (const std::string& name : l.inputs) {
      auto it = index.find(name);
      if (it == index.end()) {
        throw std::invalid_argument(fmt::format(
            "{}: layer '{}': input '{}' is not an earlier layer", net.name, l.name, name));
      }
      preds[v].push_back(it->second);
    }
    index[l.name] = static_cast<int>(v);
  }
  return preds;
}

CoSolution solve_brute_force(const CoGraph& g, std::uint64_t limit) {
  check_graph(g);
  std::uint64_t total = 1;
  for (const CoNode& n : g.nodes) {
    total *= n.choices.size();
    if (total > limit) {
      throw std::invalid_argument(
          fmt::format("co-selection: brute force over more than {} assignments refused", limit));
    }
  }
  CoSolution best;
  best.cost = kInf;
  std::vector<int> c(g.nodes.size(), 0);
  for (std::uint64_t k = 0; k < total; ++k) {
    const double x = assignment_cost(g, c);
    if (x < best.cost) {
      best.cost = x;
      best.choice = c;
    }
    for (std::size_t v = 0; v < c.size(); ++v) {
      if (static_cast<std::size_t>(++c[v]) < g.nodes[v].choices.size()) break;
      c[v] = 0;
    }
  }
  return best;
}

}  // namespace feather::map
