// Mapper search time (docs/mapper.md, "Search time"): maps whole built-in networks and prints,
// per network and array, the wall time of the search (best of --repeat runs), the number of
// distinct layer shapes searched and the predicted totals. The target: ResNet-50 on 16x16 in
// under 10 s on the project's 2-core machine. With --compare: the time of the whole comparison
// of `feather compare` instead (docs/compare.md: every mapping of every layer searched, the
// layout model, the DP of every design).
//   feather_map_bench [--network resnet50 ...] [--array 16x16 ...] [--repeat 3] [--compare]
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <string>
#include <vector>

#include "feather/map/compare.hpp"
#include "feather/map/mapper.hpp"
#include "feather/map/workload.hpp"

int main(int argc, char** argv) {
  using namespace feather;
  CLI::App app("mapper search time over whole networks");
  std::vector<std::string> networks = map::builtin_networks();
  std::vector<std::string> arrays = {"16x16"};
  int repeat = 3;
  int sd = 65536, wd = 16384, od = 16384, qd = 256;
  app.add_option("--network", networks, "built-in networks or files");
  app.add_option("--array", arrays, "AHxAW arrays");
  app.add_option("--repeat", repeat, "runs per case (the best is reported)");
  app.add_option("--sd", sd, "streaming lines per bank per half (default: the 16x16 model's)");
  app.add_option("--wd", wd, "stationary lines per bank");
  app.add_option("--od", od, "output lines per bank");
  app.add_option("--qd", qd, "requantization entries");
  bool compare = false;
  app.add_flag("--compare", compare, "time map::compare_network (feather compare) instead");
  CLI11_PARSE(app, argc, argv);

  if (compare) {
    fmt::print(
        "| network | array | layers | mapper searches | compare s (best of {}) | FEATHER Mcycles "
        "|\n|---|---|---:|---:|---:|---:|\n",
        repeat);
  } else {
    fmt::print(
        "| network | array | layers | distinct shapes | search s (best of {}) | cycles | "
        "PE util | off-chip MB |\n|---|---|---:|---:|---:|---:|---:|---:|\n",
        repeat);
  }
  for (const auto& a : arrays) {
    const auto x = a.find('x');
    if (x == std::string::npos) {
      fmt::print(stderr, "bad --array '{}' (expected AHxAW)\n", a);
      return 2;
    }
    top::TopParams p;
    p.ah = std::stoi(a.substr(0, x));
    p.aw = std::stoi(a.substr(x + 1));
    p.sd = sd;
    p.wd = wd;
    p.od = od;
    p.qd = std::max(qd, p.aw);
    p = p.validated();
    for (const auto& n : networks) {
      const auto net = map::find_network(n);
      double best = 1e30;
      if (compare) {
        map::Comparison c;
        for (int r = 0; r < std::max(1, repeat); ++r) {
          c = map::compare_network(p, net);
          best = std::min(best, c.seconds);
        }
        fmt::print("| {} | {} | {} | {} | {:.1f} | {:.3f} |\n", net.name, a, c.layers.size(),
                   c.mapper_calls, best, c.totals[0].latency / 1e6);
        continue;
      }
      map::NetworkMap nm;
      for (int r = 0; r < std::max(1, repeat); ++r) {
        nm = map::map_network(p, net);
        best = std::min(best, nm.search_seconds);
      }
      fmt::print("| {} | {} | {} | {} | {:.2f} | {} | {:.1f}% | {:.1f} |\n", net.name, a,
                 nm.layers.size(), nm.distinct, best, nm.cycles, 100.0 * nm.utilization,
                 static_cast<double>(nm.offchip_bytes) / (1024.0 * 1024.0));
    }
  }
  return 0;
}
