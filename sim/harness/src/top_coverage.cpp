#include "feather/sim/top_coverage.hpp"

#include "feather/sim/top_dut.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

namespace feather::sim {

namespace {

std::vector<std::string> numbers(std::uint64_t lo, std::uint64_t hi) {
  std::vector<std::string> v;
  for (std::uint64_t k = lo; k <= hi; ++k) v.push_back(std::to_string(k));
  return v;
}

void hit(CoverageGroup& g, std::size_t bin) {
  if (bin < g.hits.size()) ++g.hits[bin];
}

std::string array_name(const top::TopParams& p) { return fmt::format("{}x{}", p.ah, p.aw); }

}  // namespace

void cover_top_array(Coverage& c, const top::TopParams& p) {
  std::vector<std::string> bins;
  for (const auto& d : top_duts()) bins.push_back(array_name(d.params));
  auto& g = c.group("top.array", "FEATHER top runs per compiled array configuration (AHxAW)", bins);
  const auto it = std::find(g.bins.begin(), g.bins.end(), array_name(p));
  hit(g, static_cast<std::size_t>(it - g.bins.begin()));
}

void cover_top_instr(Coverage& c, const top::TopParams& p, const top::Instr& in) {
  using top::Op;
  static const std::vector<std::string> ops = {"SetWVNLayout",     "SetIVNLayout",  "SetOVNLayout",
                                               "ExecuteStreaming", "Store",         "Load",
                                               "Config",           "ExecuteMapping"};
  hit(c.group("top.opcode", "instructions accepted by the top, per opcode", ops),
      static_cast<std::size_t>(in.op));
  const std::string arr = array_name(p);
  switch (in.op) {
    case Op::kSetWvnLayout:
    case Op::kSetIvnLayout:
    case Op::kSetOvnLayout: {
      static const char* const buf[] = {"W", "I", "O"};
      const char* b = buf[static_cast<int>(in.op)];
      hit(c.group(fmt::format("top.layout.{}.order", b),
                  fmt::format("Set{}VNLayout: layout order (0..5) of the {} buffer", b,
                              b[0] == 'W'   ? "stationary (weight)"
                              : b[0] == 'I' ? "streaming (input)"
                                            : "output"),
                  numbers(0, 5)),
          in.layout.order);
      break;
    }
    case Op::kStream:
      hit(c.group("top.es.acc_quant", "ExecuteStreaming: accumulate / requantize flags",
                  {"acc=0 quant=0", "acc=0 quant=1", "acc=1 quant=0", "acc=1 quant=1"}),
          (in.acc ? 2u : 0u) + (in.quant ? 1u : 0u));
      break;
    case Op::kLoad:
      hit(c.group("top.load.target", "Load: target buffer / table",
                  {"WBUF", "SBUF-active", "SBUF-inactive", "scale", "zero-point", "lut"}),
          in.target);
      break;
    case Op::kStore:
      hit(c.group("top.store.target", "Store: source buffer",
                  {"WBUF", "SBUF-active", "SBUF-inactive"}),
          in.target);
      break;
    case Op::kConfig:
      hit(c.group("top.config.swap", "Config: streaming-buffer half swap", {"0", "1"}),
          in.swap ? 1 : 0);
      hit(c.group("top.config.clamp", "Config: requantization clamp [qlo, qhi]",
                  {"off", "qlo>0", "qhi<255", "qlo>0 qhi<255", "on, [0,255]", "qlo>qhi (FIELD)"}),
          !in.clamp                      ? 0u
          : in.qlo > in.qhi              ? 5u
          : in.qlo == 0 && in.qhi == 255 ? 4u
                                         : (in.qlo > 0 ? 1u : 0u) + (in.qhi < 255 ? 2u : 0u));
      hit(c.group("top.config.lut", "Config: activation table after the requantization",
                  {"0", "1"}),
          in.lut ? 1 : 0);
      break;
    case Op::kMap: {
      const auto awl = static_cast<std::uint64_t>(p.awl());
      hit(c.group(fmt::format("top.map.grlog[{}]", arr),
                  fmt::format("ExecuteMapping on {}: grlog (G_r = 2^grlog column groups)", arr),
                  numbers(0, awl)),
          in.grlog);
      hit(c.group(fmt::format("top.map.gclog[{}]", arr),
                  fmt::format("ExecuteMapping on {}: gclog (G_c = 2^gclog N-subgroups)", arr),
                  numbers(0, awl)),
          in.gclog);
      std::vector<std::string> pairs;
      std::size_t bin = pairs.max_size();
      for (std::uint64_t gr = 0; gr <= awl; ++gr) {
        for (std::uint64_t gc = 0; gc <= gr; ++gc) {
          if (gr == in.grlog && gc == in.gclog) bin = pairs.size();
          pairs.push_back(fmt::format("{},{}", gr, gc));
        }
      }
      hit(c.group(fmt::format("top.map.grlog_gclog[{}]", arr),
                  fmt::format("ExecuteMapping on {}: legal (grlog, gclog) pairs", arr), pairs),
          bin);
      hit(c.group(fmt::format("top.map.vn[{}]", arr),
                  fmt::format("ExecuteMapping on {}: vn = vnm1 + 1 (rows used, 1..AH)", arr),
                  numbers(1, static_cast<std::uint64_t>(p.ah))),
          in.vnm1);
      break;
    }
  }
}

void cover_top_error(Coverage& c, top::Err e) {
  static const std::vector<std::string> codes = [] {
    std::vector<std::string> v;
    for (int k = 0; k <= static_cast<int>(top::Err::kQRange); ++k)
      v.emplace_back(top::to_string(static_cast<top::Err>(k)));
    return v;
  }();
  hit(c.group("top.error", "error code at the end of a run of the top (NONE = no error)", codes),
      static_cast<std::size_t>(e));
}

}  // namespace feather::sim
