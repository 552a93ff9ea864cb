#include "feather/sim/top_coverage.hpp"

#include "feather/sim/top_dut.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <utility>
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

void cover_top_corners(Coverage& c, const top::Corners& k) {
  using K = top::Corners;
  struct Group {
    const char* name;
    const char* description;
    std::vector<std::pair<K::Point, const char*>> bins;
  };
  static const std::vector<Group> groups = {
      {"top.corner.depth",
       "boundaries: layouts, Loads, Stores and outputs that end at the last line of a buffer or "
       "table",
       {{K::kLayoutEndW, "WVN layout ends at WD-1"},
        {K::kLayoutEndI, "IVN layout ends at SD-1"},
        {K::kLayoutEndO, "OVN layout ends at OD-1"},
        {K::kLoadEndWbuf, "Load WBUF ends at WD-1"},
        {K::kLoadEndSbuf, "Load SBUF ends at SD-1"},
        {K::kLoadEndScale, "Load scale table ends at its last line"},
        {K::kLoadEndOzp, "Load zero-point table ends at its last line"},
        {K::kLoadEndLut, "Load activation table ends at its last line"},
        {K::kStoreEndWbuf, "Store WBUF ends at WD-1"},
        {K::kStoreEndSbuf, "Store SBUF ends at SD-1"},
        {K::kOutputLastLine, "output written to OBUF line OD-1"},
        {K::kQuantLastLine, "requantized output written to SBUF line SD-1"},
        {K::kQuantLastChannel, "requantization channel QD-1"}}},
      {"top.corner.requant",
       "requantization: rounding ties and clamps",
       {{K::kTiePositive, "tie, product > 0"},
        {K::kTieNegative, "tie, product < 0"},
        {K::kClampLo, "clamped at qlo"},
        {K::kClampHi, "clamped at qhi"}}},
      {"top.corner.hazard",
       "mapping contexts: vn changes around a stream",
       {{K::kMapVnChangeAfterStream, "ExecuteMapping changes vn right after a stream"},
        {K::kStreamAfterVnChange, "stream right after a vn change"}}},
      {"top.corner.error_order",
       "the first error raised right after an instruction still at work",
       {{K::kErrorAfterStream, "after a stream"},
        {K::kErrorAfterQuantStream, "after a requantizing stream"},
        {K::kErrorAfterStore, "after a Store"},
        {K::kErrorAfterLoad, "after a Load"}}},
  };
  for (const Group& g : groups) {
    std::vector<std::string> names;
    for (const auto& b : g.bins) names.emplace_back(b.second);
    CoverageGroup& cg = c.group(g.name, g.description, names);
    for (std::size_t i = 0; i < g.bins.size() && i < cg.hits.size(); ++i) {
      cg.hits[i] += k.hits[static_cast<std::size_t>(g.bins[i].first)];
    }
  }
  static const char* const buf[] = {"W", "I", "O"};
  std::vector<std::string> names;
  for (int o = 0; o < 6; ++o) {
    names.push_back(fmt::format("order {} F1=F2", o));
    names.push_back(fmt::format("order {} F1!=F2", o));
  }
  for (std::size_t b = 0; b < 3; ++b) {
    CoverageGroup& cg =
        c.group(fmt::format("top.corner.layout.{}", buf[b]),
                fmt::format("{}VN layout used by {}: every order with equal and unequal factors",
                            buf[b], b == 0 ? "an ExecuteMapping" : "an ExecuteStreaming"),
                names);
    for (std::size_t o = 0; o < 6; ++o) {
      for (std::size_t u = 0; u < 2 && 2 * o + u < cg.hits.size(); ++u) {
        cg.hits[2 * o + u] += k.layouts[b][o][u];
      }
    }
  }
}

}  // namespace feather::sim
