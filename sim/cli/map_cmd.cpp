// `feather map`: map a layer or a whole network, print the per-layer plan and predicted cost
// (docs/mapper.md, docs/user-guide.md).
#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "commands.hpp"
#include "feather/map/workload.hpp"
#include "layer_options.hpp"
#include "options.hpp"
#include "progress_bar.hpp"

namespace feather::cli {

namespace {

struct MapArgs {
  std::string network;  // builtin name or file
  std::string onnx_unsupported = "error";
  std::string layer_name;  // only this layer
  std::string array = "16x16";
  int sd = 0, wd = 0, od = 0, qd = 0;
  int latency = 2;
  double bandwidth = 1.0;
  std::string dataflow;
  std::string conv;              // auto, direct, im2col
  std::string json;              // write the plan as JSON here
  std::string hand_off = "off";  // auto, off
  LayerArgs layer;               // a single layer instead of a network
};

nlohmann::json layout_json(const top::Layout& l) {
  return {{"order", l.order}, {"f0", l.f0()}, {"f1", l.f1}, {"f2", l.f2}, {"base", l.base}};
}

nlohmann::json map_json(const top::TopParams& p, const std::string& layer, const std::string& shape,
                        std::uint64_t count, const map::LayerMap& m) {
  return {{"layer", layer},
          {"shape", shape},
          {"count", count},
          {"gemm",
           {{"groups", m.shape.groups},
            {"m", m.shape.m},
            {"k", m.shape.k},
            {"n", m.shape.n},
            {"per_tensor_quant", m.shape.per_tensor_quant}}},
          {"dataflow", std::string(map::to_string(m.dataflow))},
          {"conv", m.direct   ? "direct"
                   : m.blocks ? "channel blocks"
                              : (m.shape.conv ? "im2col" : "gemm")},
          {"channel_blocks", m.blocks},
          {"input_on_chip", m.input_resident.has_value()},
          {"output_on_chip", m.output_image.has_value()},
          {"tiles",
           {{"m", m.tiles_m},
            {"n", m.tiles_n},
            {"k", m.tiles_k},
            {"tile_m", m.tile_m},
            {"tile_n", m.tile_n},
            {"tile_k", m.tile_k}}},
          {"mapping",
           {{"grlog", m.mapping.grlog}, {"gclog", m.mapping.gclog}, {"vn", m.mapping.vnm1 + 1}}},
          {"layouts",
           {{"ivn", layout_json(m.li)}, {"wvn", layout_json(m.lw)}, {"ovn", layout_json(m.lo)}}},
          {"cycles", m.timing.cycles},
          {"beat_cycles", m.timing.beat_cycles},
          {"utilization", m.utilization},
          {"offchip_bytes", m.offchip_bytes(p.aw)},
          {"offchip_words_read", m.timing.words_read},
          {"offchip_words_written", m.timing.words_written},
          {"buffer_accesses",
           {{"sbuf_reads", m.accesses.sbuf_reads},
            {"sbuf_writes", m.accesses.sbuf_writes},
            {"wbuf_reads", m.accesses.wbuf_reads},
            {"wbuf_writes", m.accesses.wbuf_writes},
            {"obuf_rmw", m.accesses.obuf_rmw}}},
          {"candidates", m.candidates},
          {"rejected", m.rejected},
          {"search_seconds", m.search_seconds}};
}

void add_map_options(CLI::App* cmd, MapArgs& a) {
  cmd->add_option("--network", a.network,
                  "a built-in network (resnet50, mobilenet_v3_large, bert_base), a network / "
                  "Timeloop problem file (.yaml, .json) or random:SEED");
  add_onnx_options(*cmd, a.network, a.onnx_unsupported);
  cmd->add_option("--layer-name", a.layer_name, "map only this layer of the network");
  cmd->add_option("--array", a.array, "AHxAW");
  add_depth_options(*cmd, a.sd, a.wd, a.od, a.qd);
  cmd->add_option("--latency", a.latency, "off-chip read latency (cycles) for the cost model")
      ->check(whole_number(1));
  cmd->add_option("--bandwidth", a.bandwidth, "off-chip words per cycle for the cost model (0, 1]")
      ->check(fraction());
  cmd->add_option("--dataflow", a.dataflow, "force wos or ios");
  cmd->add_option("--conv", a.conv,
                  "convolution algorithm: auto (the faster), direct (the streaming window) or "
                  "im2col");
  cmd->add_option("--json", a.json, "write the plan (every layer) as JSON to this file");
  cmd->add_option("--hand-off", a.hand_off,
                  "network: plan the on-chip hand-off along chains, keeping a layer's output on "
                  "chip for the next layer where the cycle model says it is faster (auto; as "
                  "`feather run --network` does; slower to plan), or every layer through "
                  "off-chip memory (off, the default)")
      ->check(CLI::IsMember({"auto", "off"}));
  add_layer_options(cmd, a.layer, false);
}

// Maps a network (a.network) or the single layer `layer`; prints the table.
int run_map(const MapArgs& a, const map::Layer* layer) {
  const auto [ah, aw] = parse_array(a.array);
  const top::TopParams p = array_params(ah, aw, a.sd, a.wd, a.od, a.qd);
  map::NetworkMapOptions opt;
  opt.map.timing.latency = a.latency;
  opt.map.timing.bandwidth = a.bandwidth;
  if (!a.dataflow.empty()) opt.map.dataflow = parse_dataflow(a.dataflow);
  opt.map.direct = parse_conv(a.conv);
  opt.per_tensor_quant = a.layer.per_tensor;
  opt.only_layer = a.layer_name;
  opt.hand_off = a.hand_off == "auto";

  map::Network net;
  if (!a.network.empty()) {
    net = resolve_network(a.network, a.onnx_unsupported);
  } else if (layer) {
    net.name = layer->name;
    net.layers.push_back(*layer);
  } else {
    throw CLI::ValidationError("map", "give --network, --preset or a layer (--layer conv|gemm)");
  }
  check_writable(a.json, "--json");  // before the search, which may take a while
  map::NetworkMap nm;
  {
    ProgressBar bar;  // on a terminal only; gone before the table is printed
    opt.progress = bar.callback();
    nm = map::map_network(p, net, opt);
  }
  fmt::print("{}", map::format_table(p, nm));
  fmt::print("cost model: off-chip latency {} cycles, bandwidth {} words/cycle ({} bytes/word)\n",
             a.latency, a.bandwidth, p.aw);
  if (!a.json.empty()) {
    nlohmann::json j;
    j["network"] = nm.network;
    j["params"] = nm.params;
    j["totals"] = {{"macs", nm.macs},
                   {"cycles", nm.cycles},
                   {"utilization", nm.utilization},
                   {"offchip_bytes", nm.offchip_bytes},
                   {"search_seconds", nm.search_seconds},
                   {"distinct_shapes", nm.distinct},
                   {"skipped_layers", nm.skipped},
                   {"kept_on_chip", nm.kept}};
    for (const auto& e : nm.layers)
      j["layers"].push_back(map_json(p, e.layer, e.shape, e.count, e.map));
    write_output(a.json, j.dump(2) + "\n");
    fmt::print("plan written to {}\n", a.json);
  }
  return 0;
}

}  // namespace

Command add_map(CLI::App& app) {
  auto a = std::make_shared<MapArgs>();
  auto* cmd = app.add_subcommand(
      "map", "map a layer or a whole network, print the per-layer plan and predicted cost");
  add_map_options(cmd, *a);
  return {cmd, [a, cmd] {
            a->layer.check_applicable(cmd, !a->network.empty());
            if (!a->layer.given(cmd)) return run_map(*a, nullptr);
            const map::Layer layer = a->layer.layer();
            return run_map(*a, &layer);
          }};
}

}  // namespace feather::cli
