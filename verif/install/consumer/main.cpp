// The consumer of the installed library (verif/install/install_test.sh): routes a BIRRD
// reduction and maps a convolution through the public headers, and prints what it found so that
// the test can check the results, not only that it linked.
#include <cstdio>
#include <exception>

#include "feather/birrd/router.hpp"
#include "feather/birrd/target.hpp"
#include "feather/birrd/topology.hpp"
#include "feather/map/layer.hpp"
#include "feather/map/mapper.hpp"
#include "feather/top/arrays.hpp"
#include "feather/version.hpp"

int main() {
  try {
    namespace fb = feather::birrd;
    const fb::Topology topo(8, fb::Wiring::kBenes);
    const fb::RouteResult r = fb::route(topo, fb::parse_target(8, "5<-0+1+2+3 2<-4"));
    const feather::top::NamedArray* a = feather::top::find_named_array(4, 4);
    if (a == nullptr) {
      std::fprintf(stderr, "consumer: no named 4x4 array\n");
      return 1;
    }
    const auto layer = feather::map::Layer::conv("c", 8, 8, 8, 8, 3, 1, 1);
    const feather::map::LayerMap m = feather::map::map_layer(a->params, layer);
    std::printf("feather %s: route %s (%s), conv mapped in %llu cycles\n", feather::kVersion,
                r.ok() ? "ok" : "FAILED", r.method.c_str(),
                static_cast<unsigned long long>(m.timing.cycles));
    return r.ok() && m.timing.cycles > 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "consumer: %s\n", e.what());
    return 1;
  }
}
