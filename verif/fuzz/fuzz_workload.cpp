// libFuzzer target: the workload parser (feather::map::parse_network), both formats: the
// project's own YAML/JSON network description and Timeloop problem files (docs/workloads.md).
//
// Input: the file text (parsed as "fuzz.yaml"). Properties:
//   - parse_network either throws feather::map::WorkloadError with a non-empty message that
//     starts with the file name, or returns a network; any other exception is a finding;
//   - an accepted network has at least one layer, passes Network::validate (so every layer
//     passes Layer::validate), has unique names and `inputs` that name earlier layers;
//   - every accepted conv layer's output size and GEMM view are exact (recomputed here in
//     128-bit arithmetic), its MACs and the network's total do not overflow 64 bits;
//   - parsing is deterministic (the same text gives the same layers).
#include <cstddef>
#include <cstdint>
#include <exception>
#include <set>
#include <string>
#include <string_view>

#include "feather/map/workload.hpp"
#include "fuzz_util.hpp"

using feather::fuzz::check;
using feather::fuzz::fail;
using feather::map::GemmShape;
using feather::map::Layer;
using feather::map::Network;
using feather::map::OpKind;
using feather::map::WorkloadError;

namespace {

__extension__ typedef unsigned __int128 U128;

constexpr U128 kU64Max = ~std::uint64_t{0};

// floor((in + 2*pad - dil*(kernel-1) - 1) / stride) + 1 for a valid layer.
std::int64_t extent(int in, int pad, int dil, int kernel, int stride) {
  const std::int64_t span =
      std::int64_t{in} + 2 * std::int64_t{pad} - std::int64_t{dil} * (std::int64_t{kernel} - 1) - 1;
  return span < 0 ? 0 : span / stride + 1;
}

void check_layer(const Layer& l, const Network& net) {
  const std::string who = "layer '" + l.name + "' (" + l.shape_string() + ")";
  check(!l.name.empty(), "an accepted layer has no name");
  check(l.file == net.file, who + ": file differs from the network's");
  check(l.line >= 1, who + ": no line");
  check(l.count >= 1, who + ": count < 1");
  check(net.find(l.name) == &l, who + ": find() does not return it");
  check(!l.shape_string().empty(), who + ": empty shape string");
  U128 macs = 0;
  const GemmShape g = l.as_gemm();
  switch (l.kind) {
    case OpKind::kConv: {
      check(l.op == "conv" || l.op == "dwconv", who + ": conv kind with op " + l.op);
      check(l.groups >= 1 && l.c % l.groups == 0 && l.co % l.groups == 0,
            who + ": groups do not divide c and co");
      if (l.op == "dwconv") check(l.groups == l.c, who + ": dwconv with groups != c");
      const std::int64_t ho = extent(l.h, l.pad_h, l.dil_h, l.r, l.stride_h);
      const std::int64_t wo = extent(l.w, l.pad_w, l.dil_w, l.s, l.stride_w);
      check(ho >= 1 && wo >= 1, who + ": empty output accepted");
      check(ho == l.ho() && wo == l.wo(), who + ": ho()/wo() not exact");
      const U128 m = U128(std::uint64_t(l.batch)) * std::uint64_t(ho) * std::uint64_t(wo);
      const U128 k = U128(std::uint64_t(l.r)) * std::uint64_t(l.s) * std::uint64_t(l.c / l.groups);
      check(m <= kU64Max && k <= kU64Max, who + ": n*ho*wo or r*s*c/groups overflow accepted");
      check(g.groups == std::uint64_t(l.groups) && g.m == std::uint64_t(m) &&
                g.k == std::uint64_t(k) && g.n == std::uint64_t(l.co / l.groups),
            who + ": as_gemm() not exact");
      macs = U128(g.groups) * m;
      check(macs <= kU64Max, who + ": MAC overflow accepted");
      macs *= k;
      check(macs <= kU64Max, who + ": MAC overflow accepted");
      macs *= g.n;
      break;
    }
    case OpKind::kGemm:
      check(l.op == "fc" || l.op == "gemm" || l.op == "matmul",
            who + ": gemm kind with op " + l.op);
      check(g.groups == 1 && g.m == std::uint64_t(l.m) && g.k == std::uint64_t(l.k) &&
                g.n == std::uint64_t(l.n),
            who + ": as_gemm() not exact");
      macs = U128(std::uint64_t(l.m)) * std::uint64_t(l.k) * std::uint64_t(l.n);
      break;
    case OpKind::kOther:
      check(l.macs() == 0, who + ": MACs for a kOther op");
      break;
  }
  check(macs <= kU64Max && l.macs() == std::uint64_t(macs), who + ": macs() not exact");
  const U128 total = macs * std::uint64_t(l.count);
  check(total <= kU64Max && l.total_macs() == std::uint64_t(total),
        who + ": total_macs() overflow accepted or not exact");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string file = "fuzz.yaml";
  Network net;
  try {
    net = feather::map::parse_network(text, file);
  } catch (const WorkloadError& e) {
    const std::string_view msg = e.what();
    check(msg.size() > file.size() && msg.substr(0, file.size()) == file,
          "a WorkloadError does not start with the file name: '" + std::string(msg) + "'");
    feather::fuzz::note("rejected: {}", msg);
    return 0;
  } catch (const std::exception& e) {
    fail(std::string("parse_network threw something other than WorkloadError: ") + e.what());
  }
  feather::fuzz::note("accepted: {} layers, {} MACs", net.layers.size(), net.total_macs());
  check(!net.layers.empty(), "an accepted network has no layers");
  check(net.file == file, "the network's file is not the one given");
  try {
    net.validate();
  } catch (const WorkloadError& e) {
    fail(std::string("an accepted network does not validate: ") + e.what());
  }
  std::set<std::string> seen;
  U128 total = 0;
  for (const Layer& l : net.layers) {
    for (const std::string& in : l.inputs) {
      check(seen.count(in) == 1, "layer '" + l.name + "' has input '" + in + "' not earlier");
    }
    check(seen.insert(l.name).second, "duplicate layer name '" + l.name + "' accepted");
    check_layer(l, net);
    total += l.total_macs();
  }
  check(total <= kU64Max && net.total_macs() == std::uint64_t(total),
        "the network's total MACs overflow or differ from the sum");
  const Network again = feather::map::parse_network(text, file);
  check(again.layers.size() == net.layers.size() && again.total_macs() == net.total_macs(),
        "parsing the same text twice differs");
  return 0;
}
