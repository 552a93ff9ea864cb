// `feather compare` (docs/compare.md): FEATHER against fixed-dataflow / fixed-layout designs on
// a whole network, and the chosen plan's layers run on the RTL (--verify).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "feather/common/text.hpp"
#include "feather/map/compare.hpp"
#include "feather/map/workload.hpp"
#include "options.hpp"
#include "progress_bar.hpp"
#include "rtl.hpp"

namespace feather::cli {

namespace {

struct CompareArgs {
  std::string network = "resnet50";  // one or several, comma separated
  std::string onnx_unsupported = "error";
  std::string array = "16x16";
  int sd = 0, wd = 0, od = 0, qd = 0;
  int latency = 2;
  double bandwidth = 1.0;
  int line = 32, ports = 2;
  std::uint64_t steps = 96;  // streaming steps sampled per layer for the layout model
  bool per_tensor = false;
  // Outputs; with several networks each path must contain "{network}".
  std::string svg, json, markdown;
  std::string summary;  // the totals of every network beside the published figures (markdown)
  int verify = 0;       // layers of FEATHER's plan to run on the RTL
  std::vector<std::string> verify_layers;
  std::uint64_t seed = 1;
};

void add_compare_options(CLI::App* cmd, CompareArgs& a) {
  cmd->add_option("--network", a.network,
                  "built-in networks (resnet50, mobilenet_v3_large, bert_base), network / "
                  "Timeloop problem files or random:SEED, comma separated");
  add_onnx_options(*cmd, a.network, a.onnx_unsupported);
  cmd->add_option("--array", a.array, "AHxAW");
  add_depth_options(*cmd, a.sd, a.wd, a.od, a.qd);
  cmd->add_option("--latency", a.latency, "off-chip read latency (cycles)")->check(whole_number(1));
  cmd->add_option("--bandwidth", a.bandwidth, "off-chip words per cycle (0, 1]")->check(fraction());
  cmd->add_option("--line", a.line, "elements per buffer line of the layout model (power of two)");
  cmd->add_option("--ports", a.ports, "whole-line reads per cycle (2 = dual-port)");
  cmd->add_option("--steps", a.steps, "streaming steps sampled per layer (0 = all)")
      ->check(whole_number(0));
  cmd->add_flag("--per-tensor", a.per_tensor, "per-tensor requantization for every layer");
  cmd->add_option("--svg", a.svg, "write the per-layer speedup plot (SVG) here");
  cmd->add_option("--json", a.json, "write the comparison (every layer, every design) as JSON");
  cmd->add_option("--markdown", a.markdown, "write the tables (markdown) here");
  cmd->add_option("--summary", a.summary,
                  "write the totals of every network beside the published figures (markdown)");
  cmd->add_option("--verify", a.verify,
                  "run N layers of FEATHER's plan on the verilated RTL (spread over the network) "
                  "and check their cycles")
      ->check(whole_number(0));
  cmd->add_option("--verify-layer", a.verify_layers, "run this layer of the plan on the RTL");
  cmd->add_option("--seed", a.seed, "operand seed of the --verify runs")->check(whole_number(0));
}

// The published figures (the FEATHER paper's LayoutLoop model, Fig. 13; BERT from its text):
// latency of each baseline relative to FEATHER. docs/compare.md explains the differences.
struct Published {
  const char* network;
  const char* design;
  const char* latency;
};
constexpr Published kPublished[] = {
    {"resnet50", "NVDLA-like", "2.0"},
    {"resnet50", "Eyeriss-like", "1.27"},
    {"resnet50", "SIGMA-like C32", "1.005"},
    {"resnet50", "SIGMA-like C4W8", "1.03"},
    {"resnet50", "off-chip reorder", "1.70"},
    {"mobilenet_v3_large", "NVDLA-like", "2.89"},
    {"mobilenet_v3_large", "Eyeriss-like", "1.87"},
    {"mobilenet_v3_large", "SIGMA-like C32", "1.17"},
    {"mobilenet_v3_large", "SIGMA-like C4W8", "1.07"},
    {"mobilenet_v3_large", "off-chip reorder", "1.70"},
    {"bert_base", "NVDLA-like", "2.0"},
};

std::string published(const std::string& network, const std::string& design) {
  for (const Published& p : kPublished) {
    if (network == p.network && design == p.design) return p.latency;
  }
  return "-";
}

std::vector<std::string> split_networks(const std::string& text) {
  std::vector<std::string> v;
  std::size_t b = 0;
  while (b <= text.size()) {
    const std::size_t e = std::min(text.find(',', b), text.size());
    if (e == b) throw CLI::ValidationError("--network", "empty network name in '" + text + "'");
    v.push_back(text.substr(b, e - b));
    b = e + 1;
  }
  return v;
}

std::string path_for(const std::string& pattern, const std::string& network, bool several,
                     const char* option) {
  const std::string key = "{network}";
  const auto at = pattern.find(key);
  if (at == std::string::npos) {
    if (several) {
      throw CLI::ValidationError(option, "with several networks the path must contain {network}");
    }
    return pattern;
  }
  return pattern.substr(0, at) + network + pattern.substr(at + key.size());
}

int compare_one(const CompareArgs& a, const std::string& network, bool several,
                std::string& summary);

int compare(const CompareArgs& a) {
  if (a.verify < 0) throw CLI::ValidationError("--verify", "must be >= 0");
  if (a.ports < 1) throw CLI::ValidationError("--ports", "must be >= 1");
  if (a.line < 1 || (a.line & (a.line - 1)) != 0) {
    throw CLI::ValidationError("--line", "must be a power of two");
  }
  if (!(a.bandwidth > 0 && a.bandwidth <= 1)) {
    throw CLI::ValidationError("--bandwidth", "must be in (0, 1]");
  }
  const std::vector<std::string> nets = split_networks(a.network);
  // Before any work: the output paths need a {network} with several networks, and every
  // output must be writable.
  for (const auto& [path, option] : {std::pair{a.svg, "--svg"}, std::pair{a.json, "--json"},
                                     std::pair{a.markdown, "--markdown"}}) {
    if (!path.empty()) check_writable(path_for(path, "network", nets.size() > 1, option), option);
  }
  check_writable(a.summary, "--summary");
  std::string summary = fmt::format(
      "| network | design | latency vs FEATHER | with off-chip overlapped | geomean per layer | "
      "published (paper's model) |\n|---|---|---:|---:|---:|---:|\n");
  int rc = 0;
  for (const std::string& n : nets) rc |= compare_one(a, n, nets.size() > 1, summary);
  summary += fmt::format(
      "\n{} array, off-chip latency {} cycles, bandwidth {} words/cycle; lines of {} elements, "
      "{} line reads per cycle\n",
      a.array, a.latency, a.bandwidth, a.line, a.ports);
  if (nets.size() > 1) fmt::print("\nsummary\n\n{}", summary);
  if (!a.summary.empty()) {
    write_output(a.summary, summary);
    fmt::print("summary written to {}\n", a.summary);
  }
  return rc;
}

int compare_one(const CompareArgs& a, const std::string& network, bool several,
                std::string& summary) {
  const auto [ah, aw] = parse_array(a.array);
  const top::TopParams p = array_params(ah, aw, a.sd, a.wd, a.od, a.qd);
  map::CompareOptions opt;
  opt.timing.latency = a.latency;
  opt.timing.bandwidth = a.bandwidth;
  opt.line.line = a.line;
  opt.line.ports = a.ports;
  opt.line.max_steps = a.steps;
  opt.per_tensor_quant = a.per_tensor;
  const map::Network net = resolve_network(network, a.onnx_unsupported);
  for (const std::string& n : a.verify_layers) {  // named layers are checked before any work
    const map::Layer* l = net.find(n);
    if (!l || l->kind == map::OpKind::kOther || l->macs() == 0) {
      throw std::invalid_argument(
          fmt::format("--verify-layer: network '{}' has no layer '{}' with MACs", net.name, n));
    }
  }
  if ((a.verify > 0 || !a.verify_layers.empty()) && !have_rtl()) {
    throw std::invalid_argument(
        no_rtl_message("--verify / --verify-layer (FEATHER's plan run on the RTL)"));
  }
  map::Comparison c;
  {
    ProgressBar bar;  // on a terminal only; gone before the tables are printed
    opt.progress = bar.callback();
    c = map::compare_network(p, net, opt);
  }
  const std::string table = map::format_comparison(c);
  fmt::print("{}", table);
  fmt::print("compared in {:.1f} s\n", c.seconds);
  fmt::print(
      "cost model: off-chip latency {} cycles, bandwidth {} words/cycle; layout model: "
      "lines of {} elements, {} line reads per cycle, {} steps sampled per layer\n",
      a.latency, a.bandwidth, a.line, a.ports, a.steps);
  for (std::size_t d = 1; d < c.designs.size(); ++d) {
    summary +=
        fmt::format("| {} | {} | {:.2f} | {:.2f} | {:.2f} | {} |\n", markdown_cell(c.network),
                    markdown_cell(c.designs[d].name), c.ratio(d), c.ratio(d, true),
                    c.totals[d].geomean_speedup, published(c.network, c.designs[d].name));
  }
  // The reorder design against FEATHER's RTL plans with the on-chip hand-off.
  for (std::size_t d = 1; d < c.designs.size(); ++d) {
    if (c.designs[d].name != "off-chip reorder") continue;
    summary +=
        fmt::format("| {} | {} vs FEATHER with the on-chip hand-off | {:.2f} | - | - | {} |\n",
                    markdown_cell(c.network), markdown_cell(c.designs[d].name),
                    c.ratio_to_hand_off(d), published(c.network, c.designs[d].name));
  }
  if (!a.svg.empty()) {
    const std::string f = path_for(a.svg, c.network, several, "--svg");
    write_output(f, map::comparison_svg(c));
    fmt::print("plot written to {}\n", f);
  }
  if (!a.json.empty()) {
    const std::string f = path_for(a.json, c.network, several, "--json");
    write_output(f, map::comparison_json(c) + "\n");
    fmt::print("comparison written to {}\n", f);
  }
  if (!a.markdown.empty()) {
    const std::string f = path_for(a.markdown, c.network, several, "--markdown");
    write_output(f, table);
    fmt::print("tables written to {}\n", f);
  }

  // The layers to run on the RTL: named ones, then N spread evenly over the MAC layers.
  std::vector<std::size_t> mac;
  for (std::size_t i = 0; i < c.layers.size(); ++i)
    if (c.layers[i].designs[0].mac) mac.push_back(i);
  std::vector<std::size_t> pick;
  for (const std::string& n : a.verify_layers) {
    bool found = false;
    for (std::size_t i : mac) {
      if (c.layers[i].name == n) {
        pick.push_back(i);
        found = true;
      }
    }
    if (!found) {
      throw std::invalid_argument(
          fmt::format("--verify-layer: network '{}' has no layer '{}' with MACs", c.network, n));
    }
  }
  const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(a.verify), mac.size());
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = mac[(2 * k + 1) * mac.size() / (2 * n)];
    if (std::find(pick.begin(), pick.end(), i) == pick.end()) pick.push_back(i);
  }
  if (pick.empty()) return 0;

  PlanCheck check;
  check.comparison = &c;
  check.network = &net;
  check.layers = pick;
  check.params = p;
  check.timing = opt.timing;
  check.per_tensor = a.per_tensor;
  check.seed = a.seed;
  return verify_plan(check);
}

}  // namespace

Command add_compare(CLI::App& app) {
  auto a = std::make_shared<CompareArgs>();
  auto* cmp = app.add_subcommand("compare",
                                 "compare FEATHER with NVDLA-, Eyeriss- and SIGMA-like designs on "
                                 "a network (docs/compare.md)");
  add_compare_options(cmp, *a);
  return {cmp, [a] { return compare(*a); }};
}

}  // namespace feather::cli
