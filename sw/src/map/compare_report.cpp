// The network comparison's reports (compare.hpp, docs/compare.md): the Markdown tables, the
// per-layer SVG plot and the JSON of a Comparison.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "feather/common/text.hpp"
#include "feather/map/compare.hpp"

namespace feather::map {

namespace {

std::string mapping_label(const top::MappingChoice& m) {
  return fmt::format("G_r={} G_c={} vn={}", 1u << m.grlog, 1u << m.gclog, m.vnm1 + 1);
}

}  // namespace
// ---------------------------------------------------------------------------------------------
// Reports.

std::string format_comparison(const Comparison& c) {
  std::string s = fmt::format("network {} on {}: {} MACs\n\n", c.network, c.params, c.macs);
  s += "| design | latency (Mcycles) | vs FEATHER | overlapped (Mcycles) | vs FEATHER | "
       "geomean per layer | PE util | reorganisations | off-chip MB | buffer accesses (M) |\n"
       "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (std::size_t d = 0; d < c.designs.size(); ++d) {
    const DesignTotal& t = c.totals[d];
    s += fmt::format(
        "| {} | {:.3f} | {:.2f} | {:.3f} | {:.2f} | {:.2f} | {:.1f}% | {} | {:.1f} | "
        "{:.1f} |\n",
        markdown_cell(c.designs[d].name), t.latency / 1e6, c.ratio(d), t.latency_overlapped / 1e6,
        c.ratio(d, true), t.geomean_speedup, 100.0 * t.utilization, t.transitions,
        static_cast<double>(t.offchip_bytes) / (1024.0 * 1024.0),
        static_cast<double>(t.buffer_accesses) / 1e6);
  }
  s += fmt::format(
      "\nFEATHER as this project's RTL runs it (per-bank VN layouts, the mapper's free search "
      "incl. IO-S), every layer through off-chip memory: {:.3f} Mcycles, {:.1f} MB off chip; "
      "with the on-chip hand-off along chains ({} outputs kept on chip): {:.3f} Mcycles, "
      "{:.1f} MB.\n\n",
      static_cast<double>(c.rtl_cycles) / 1e6, static_cast<double>(c.rtl_bytes) / 1048576.0,
      c.hand_off_kept, static_cast<double>(c.hand_off_cycles) / 1e6,
      static_cast<double>(c.hand_off_bytes) / 1048576.0);
  s += "| layer | shape | x |";
  for (const Design& d : c.designs) s += fmt::format(" {} |", markdown_cell(d.name));
  s += " FEATHER choice |\n|---|---|---:|";
  for (std::size_t d = 0; d < c.designs.size(); ++d) s += "---:|";
  s += "---|\n";
  for (const CompareLayer& l : c.layers) {
    if (!l.designs[0].mac) continue;
    s += fmt::format("| {} | {} | {} |", markdown_cell(l.name), l.shape, l.count);
    const double f = l.designs[0].latency();
    for (std::size_t d = 0; d < c.designs.size(); ++d) {
      const DesignLayer& x = l.designs[d];
      if (d == 0) {
        s += fmt::format(" {:.0f} |", x.latency());
      } else {
        s += fmt::format(" {:.0f} ({:.2f}x) |", x.latency(), f > 0 ? x.latency() / f : 0.0);
      }
    }
    const DesignLayer& x = l.designs[0];
    s += fmt::format(" {} in {} out {}{} |\n", mapping_label(x.mapping), x.in_layout.substr(4),
                     x.out_layout.substr(4),
                     x.slowdown > 1.0 ? fmt::format(" (slowdown {:.2f})", x.slowdown) : "");
  }
  // Traffic per layer: off-chip KB (loads, stores, reorganisations) / buffer bank accesses.
  s += "\nOff-chip KB / buffer accesses (thousands) per layer instance:\n\n| layer |";
  for (const Design& d : c.designs) s += fmt::format(" {} |", markdown_cell(d.name));
  s += "\n|---|";
  for (std::size_t d = 0; d < c.designs.size(); ++d) s += "---:|";
  s += "\n";
  for (const CompareLayer& l : c.layers) {
    if (!l.designs[0].mac) continue;
    s += fmt::format("| {} |", markdown_cell(l.name));
    for (const DesignLayer& x : l.designs) {
      s += fmt::format(" {:.1f} / {:.1f} |", static_cast<double>(x.offchip_bytes) / 1024.0,
                       static_cast<double>(x.buffer_accesses) / 1e3);
    }
    s += "\n";
  }
  s += fmt::format("\n{} mapper searches\n", c.mapper_calls);
  return s;
}

std::string comparison_svg(const Comparison& c) {
  std::vector<const CompareLayer*> ls;
  for (const CompareLayer& l : c.layers)
    if (l.designs[0].mac) ls.push_back(&l);
  const std::size_t nd = c.designs.size() - 1;
  double ymax = 2.0;
  for (const CompareLayer* l : ls) {
    for (std::size_t d = 1; d < c.designs.size(); ++d) {
      ymax = std::max(ymax, l->designs[d].latency() / std::max(1.0, l->designs[0].latency()));
    }
  }
  const double top_log = std::ceil(std::log2(ymax));
  const double bottom_log = -1;  // 0.5x
  const int left = 70, right = 20, plot_h = 320, label_h = 150;
  // Bars 3 px wide (a network of many layers) up to 12 (a few layers spread over the plot).
  const double gap = 3.0, min_bar = 3.0, max_bar = 12.0;
  const double n_layers = static_cast<double>(std::max<std::size_t>(ls.size(), 1));
  const int plot_w =
      static_cast<int>(std::max(640.0, (static_cast<double>(nd) * min_bar + gap) * n_layers));
  const double bar =
      std::clamp((plot_w / n_layers - gap) / static_cast<double>(nd), min_bar, max_bar);
  const double group_w = static_cast<double>(nd) * bar + gap;
  const double slot_w = std::max(group_w, plot_w / n_layers);  // a layer's share of the plot
  // The legend: one swatch and label per design, in rows that fit the plot's width (a label's
  // width estimated at 6.5 px per character of the 11 px sans-serif font, a bound for Latin
  // text).
  struct Entry {
    double x;
    int row;
  };
  std::vector<Entry> legend;
  std::vector<std::string> labels;
  {
    double x = left;
    int row = 0;
    for (std::size_t d = 1; d < c.designs.size(); ++d) {
      labels.push_back(fmt::format("{} ({:.2f}x total)", c.designs[d].name, c.ratio(d)));
      const double w = 14.0 + 6.5 * static_cast<double>(labels.back().size()) + 18.0;
      if (x > left && x + w > left + plot_w) x = left, ++row;
      legend.push_back({x, row});
      x += w;
    }
  }
  const int top = 50 + 16 * (legend.empty() ? 0 : legend.back().row);
  const std::string title = fmt::format(
      "{} on {}: latency of each design / FEATHER, per layer (log scale)", c.network, c.params);
  // The title at 14 px: about 8 px per character.
  const int width =
      std::max(left + plot_w + right, left + static_cast<int>(8 * title.size()) + right);
  const int height = top + plot_h + label_h;
  const auto y_of = [&](double ratio) {
    const double v = std::clamp(std::log2(std::max(ratio, 1e-9)), bottom_log, top_log);
    return top + plot_h * (top_log - v) / (top_log - bottom_log);
  };
  static const char* colors[] = {"#d62728", "#1f77b4", "#2ca02c", "#9467bd",
                                 "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f"};
  std::string s = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" "
      "fill=\"white\"/>\n<text x=\"{}\" y=\"20\" font-size=\"14\">{}</text>\n",
      width, height, left, xml_escape(title));
  for (double v = bottom_log; v <= top_log + 1e-9; v += 1) {
    const double y = y_of(std::exp2(v));
    s += fmt::format(
        "<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"{}\"/>\n<text x=\"{}\" "
        "y=\"{:.1f}\" text-anchor=\"end\">{}x</text>\n",
        left, y, left + plot_w, y, v == 0 ? "#000" : "#ddd", left - 5, y + 4,
        fmt::format("{:g}", std::exp2(v)));
  }
  for (std::size_t i = 0; i < ls.size(); ++i) {
    const double x0 = left + static_cast<double>(i) * slot_w + (slot_w - group_w) / 2;
    const double f = std::max(1.0, ls[i]->designs[0].latency());
    for (std::size_t d = 1; d < c.designs.size(); ++d) {
      const double r = ls[i]->designs[d].latency() / f;
      const double y1 = y_of(r), y0 = y_of(1.0);
      s += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
          "fill=\"{}\"><title>{} {}: {:.2f}x</title></rect>\n",
          x0 + static_cast<double>(d - 1) * bar, std::min(y0, y1), bar,
          std::max(0.5, std::abs(y1 - y0)), colors[(d - 1) % 8], xml_escape(ls[i]->name),
          xml_escape(c.designs[d].name), r);
    }
    s += fmt::format(
        "<text transform=\"translate({:.1f},{}) rotate(-60)\" text-anchor=\"end\" "
        "font-size=\"8\">{}</text>\n",
        x0 + group_w / 2, top + plot_h + 8, xml_escape(ls[i]->name));
  }
  for (std::size_t i = 0; i < legend.size(); ++i) {
    const int y = 30 + 16 * legend[i].row;
    s += fmt::format(
        "<rect x=\"{:.0f}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{:.0f}\" "
        "y=\"{}\">{}</text>\n",
        legend[i].x, y, colors[i % 8], legend[i].x + 14, y + 9, xml_escape(labels[i]));
  }
  s += "</svg>\n";
  return s;
}

std::string comparison_json(const Comparison& c) {
  nlohmann::json j;
  j["network"] = c.network;
  j["params"] = c.params;
  j["macs"] = c.macs;
  j["rtl_cycles"] = c.rtl_cycles;
  j["rtl_bytes"] = c.rtl_bytes;
  j["hand_off"] = {
      {"cycles", c.hand_off_cycles}, {"bytes", c.hand_off_bytes}, {"kept", c.hand_off_kept}};
  j["seconds"] = c.seconds;
  for (std::size_t d = 0; d < c.designs.size(); ++d) {
    const DesignTotal& t = c.totals[d];
    j["designs"].push_back({{"name", c.designs[d].name},
                            {"latency", t.latency},
                            {"latency_overlapped", t.latency_overlapped},
                            {"ratio", c.ratio(d)},
                            {"ratio_overlapped", c.ratio(d, true)},
                            {"geomean_speedup", t.geomean_speedup},
                            {"utilization", t.utilization},
                            {"reorganisations", t.transitions},
                            {"transition_cycles", t.transition},
                            {"offchip_bytes", t.offchip_bytes},
                            {"buffer_accesses", t.buffer_accesses}});
  }
  for (const CompareLayer& l : c.layers) {
    nlohmann::json jl = {{"name", l.name}, {"shape", l.shape},           {"count", l.count},
                         {"macs", l.macs}, {"rtl_cycles", l.rtl_cycles}, {"rtl_plan", l.rtl_plan}};
    for (std::size_t d = 0; d < c.designs.size(); ++d) {
      const DesignLayer& x = l.designs[d];
      nlohmann::json jd = {{"design", c.designs[d].name}, {"in_layout", x.in_layout},
                           {"out_layout", x.out_layout},  {"transition", x.transition},
                           {"latency", x.latency()},      {"offchip_bytes", x.offchip_bytes}};
      if (x.mac) {
        jd["mapping"] = {
            {"grlog", x.mapping.grlog}, {"gclog", x.mapping.gclog}, {"vn", x.mapping.vnm1 + 1}};
        jd["slowdown"] = x.slowdown;
        jd["cycles"] = x.cycles;
        jd["array_cycles"] = x.array_cycles;
        jd["overlapped"] = x.overlapped;
        jd["buffer_accesses"] = x.buffer_accesses;
      }
      jl["designs"].push_back(jd);
    }
    j["layers"].push_back(jl);
  }
  return j.dump(1);
}

}  // namespace feather::map
