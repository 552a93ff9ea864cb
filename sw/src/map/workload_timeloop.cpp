// The workload reader's Timeloop problem files (docs/workloads.md): a CNN-layer, depthwise or
// matrix-multiply problem instance read as one layer (the architecture, mapping and other
// sections are ignored).
#include <fmt/format.h>

#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "workload_internal.hpp"

namespace feather::map::workload_detail {

namespace {

// ---------------------------------------------------------------------------------------------
// Timeloop problem files

const std::vector<std::string> kTimeloopIgnoredSections = {"architecture",
                                                           "arch",
                                                           "architecture_constraints",
                                                           "constraints",
                                                           "mapping",
                                                           "mapper",
                                                           "mapspace",
                                                           "mapspace_constraints",
                                                           "sparse_optimizations",
                                                           "variables",
                                                           "globals",
                                                           "components",
                                                           "compound_components",
                                                           "model",
                                                           "ERT",
                                                           "ART",
                                                           "version"};
const std::vector<std::string> kTimeloopCoefficients = {"Hstride",   "Wstride", "Hdilation",
                                                        "Wdilation", "Hpad",    "Wpad"};

enum class Problem { kConv, kDepthwise, kGemm };

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// Which output dimension (P or Q) and kernel dimension (R or S) lie along H, from the Inputs
// projection of the shape ([[R, Wdilation], [P, Wstride]]: P, R along W). Timeloop's CNN-layer
// shape: P, R along W and Q, S along H; that is the answer when the projection says nothing.
struct Axes {
  std::string out_h = "Q", out_w = "P", kernel_h = "S", kernel_w = "R";
};

Axes projection_axes(const YAML::Node& shape) {
  Axes axes;
  if (!shape.IsMap()) return axes;
  std::optional<char> p_axis, q_axis, r_axis, s_axis;
  for (auto ds = shape.begin(); ds != shape.end(); ++ds) {
    if (!ds->first.IsScalar()) continue;
    const std::string key = ds->first.Scalar();
    if ((key != "data-spaces" && key != "data_spaces") || !ds->second.IsSequence()) continue;
    for (auto space = ds->second.begin(); space != ds->second.end(); ++space) {
      if (!space->IsMap()) continue;
      YAML::Node projection;
      bool inputs = false;
      for (auto f = space->begin(); f != space->end(); ++f) {
        if (!f->first.IsScalar()) continue;
        if (f->first.Scalar() == "name" && f->second.IsScalar()) {
          inputs = lower(f->second.Scalar()) == "inputs";
        }
        if (f->first.Scalar() == "projection") projection = f->second;
      }
      if (!inputs || !projection.IsSequence()) continue;
      for (auto term = projection.begin(); term != projection.end(); ++term) {
        if (!term->IsSequence()) continue;
        for (auto product = term->begin(); product != term->end(); ++product) {
          if (!product->IsSequence() || product->size() != 2) continue;
          std::vector<YAML::Node> pair_nodes;
          for (auto x = product->begin(); x != product->end(); ++x) pair_nodes.push_back(*x);
          if (pair_nodes.size() != 2) continue;
          const YAML::Node& dim = pair_nodes[0];
          const YAML::Node& coef = pair_nodes[1];
          if (!dim.IsScalar() || !coef.IsScalar() || coef.Scalar().empty()) continue;
          const char axis = coef.Scalar()[0];
          if (axis != 'H' && axis != 'W') continue;
          const std::string& d = dim.Scalar();
          if (d == "P") p_axis = axis;
          if (d == "Q") q_axis = axis;
          if (d == "R") r_axis = axis;
          if (d == "S") s_axis = axis;
        }
      }
    }
  }
  if (p_axis && q_axis && *p_axis != *q_axis) {
    axes.out_h = *p_axis == 'H' ? "P" : "Q";
    axes.out_w = *p_axis == 'H' ? "Q" : "P";
  }
  if (r_axis && s_axis && *r_axis != *s_axis) {
    axes.kernel_h = *r_axis == 'H' ? "R" : "S";
    axes.kernel_w = *r_axis == 'H' ? "S" : "R";
  }
  return axes;
}

}  // namespace

Network parse_timeloop(const YAML::Node& root, const std::string& file) {
  const int root_line = line_of(root, 1);
  const std::vector<Entry> top = entries(root, file, root_line, "Timeloop file");
  for (const Entry& e : top) {
    if (e.key != "problem" && !contains(kTimeloopIgnoredSections, e.key)) {
      fail(file, e.key_line,
           fmt::format("field '{}': unknown top-level field of a Timeloop file (read: problem; "
                       "ignored: {})",
                       show(e.key), join(kTimeloopIgnoredSections)));
    }
  }
  const Entry& problem = *lookup(top, "problem");
  if (!problem.value.IsMap()) {
    fail(file, problem.line,
         fmt::format("field 'problem': must be a map with 'instance', got {}",
                     kind_of(problem.value)));
  }
  const std::vector<Entry> pes = entries(problem.value, file, problem.line, "problem");
  for (const Entry& e : pes) {
    if (e.key != "shape" && e.key != "instance" && e.key != "version") {
      fail(file, e.key_line,
           fmt::format("problem: field '{}': unknown (fields: shape, instance, version)",
                       show(e.key)));
    }
  }
  // The shape: a map (name, dimensions, coefficients, data-spaces), a name, or absent.
  std::string shape_name;
  std::optional<std::vector<std::string>> dims;
  int dims_line = problem.line;
  YAML::Node shape_node;
  if (const Entry* shape = lookup(pes, "shape")) {
    shape_node = shape->value;
    if (shape->value.IsScalar()) {
      shape_name = shape->value.Scalar();
    } else if (shape->value.IsMap()) {
      for (const Entry& e : entries(shape->value, file, shape->line, "problem.shape")) {
        if (e.key == "name" && e.value.IsScalar()) shape_name = e.value.Scalar();
        if (e.key != "dimensions") continue;
        dims_line = e.line;
        if (!e.value.IsSequence()) {
          fail(file, e.line,
               fmt::format("problem.shape: field 'dimensions': must be a list of dimension "
                           "names, got {}",
                           kind_of(e.value)));
        }
        dims.emplace();
        for (auto it = e.value.begin(); it != e.value.end(); ++it) {
          if (!it->IsScalar()) {
            fail(file, line_of(*it, e.line),
                 fmt::format("problem.shape: field 'dimensions': must list names, got {}",
                             kind_of(*it)));
          }
          dims->push_back(it->Scalar());
        }
      }
    } else if (!shape->value.IsNull()) {
      fail(file, shape->line,
           fmt::format("problem: field 'shape': must be a map or a name, got {}",
                       kind_of(shape->value)));
    }
  }
  const Entry* instance = lookup(pes, "instance");
  if (instance == nullptr) fail(file, problem.line, "problem: field 'instance': missing");
  if (!instance->value.IsMap()) {
    fail(file, instance->line,
         fmt::format("problem: field 'instance': must be a map of dimension sizes, got {}",
                     kind_of(instance->value)));
  }
  const std::vector<Entry> ies = entries(instance->value, file, instance->line, "problem.instance");

  // Which problem: the dimensions decide, else the instance's keys and the shape's name.
  auto listed = [&](const char* d) {
    if (dims) return contains(*dims, d);
    return lookup(ies, d) != nullptr;
  };
  Problem kind = Problem::kConv;
  const std::string lname = lower(shape_name);
  const bool dw_name =
      lname.find("dw") != std::string::npos || lname.find("depthwise") != std::string::npos;
  if (listed("K") && !listed("C") && !listed("R") && !listed("S") && !listed("P") && !listed("Q")) {
    kind = Problem::kGemm;
  } else if (dims ? !listed("M") : (dw_name && !listed("M"))) {
    kind = Problem::kDepthwise;
  }
  const std::vector<std::string> accepted =
      kind == Problem::kGemm ? std::vector<std::string>{"M", "K", "N"}
      : kind == Problem::kDepthwise
          ? std::vector<std::string>{"C", "R", "S", "N", "P", "Q"}
          : std::vector<std::string>{"C", "M", "R", "S", "N", "P", "Q", "G"};
  const std::vector<std::string> required_dims =
      kind == Problem::kGemm        ? std::vector<std::string>{"M", "K", "N"}
      : kind == Problem::kDepthwise ? std::vector<std::string>{"C", "R", "S", "P", "Q"}
                                    : std::vector<std::string>{"C", "M", "R", "S", "P", "Q"};
  const char* problem_name = kind == Problem::kGemm        ? "matrix-multiply"
                             : kind == Problem::kDepthwise ? "depthwise CNN-layer"
                                                           : "CNN-layer";
  if (dims) {
    for (const std::string& d : *dims) {
      if (!contains(accepted, d)) {
        fail(file, dims_line,
             fmt::format("problem.shape: field 'dimensions': dimension '{}' is not supported "
                         "by a {} problem (accepted: {})",
                         show(d), problem_name, join(accepted)));
      }
    }
  }
  const std::vector<std::string>& dim_names = dims ? *dims : accepted;
  std::map<std::string, int> v;
  std::map<std::string, int> lines;
  for (const Entry& e : ies) {
    if (e.key == "densities") continue;  // sparse workloads: not modelled
    const bool coefficient = contains(kTimeloopCoefficients, e.key);
    if (kind == Problem::kGemm ? !contains(dim_names, e.key)
                               : !contains(dim_names, e.key) && !coefficient) {
      std::vector<std::string> names = dim_names;
      if (kind != Problem::kGemm) {
        names.insert(names.end(), kTimeloopCoefficients.begin(), kTimeloopCoefficients.end());
      }
      fail(file, e.key_line,
           fmt::format("problem.instance: field '{}': not a dimension or coefficient of this "
                       "{} problem (accepted: {})",
                       show(e.key), problem_name, join(names)));
    }
    const bool may_be_zero = e.key == "Hpad" || e.key == "Wpad";
    v[e.key] = parse_int(e, may_be_zero ? 0 : 1, file, "problem.instance");
    lines[e.key] = e.line;
  }
  auto need = [&](const std::string& d) {
    const auto it = v.find(d);
    if (it == v.end()) {
      fail(file, instance->line,
           fmt::format("problem.instance: field '{}': missing (a {} problem needs {}{})", d,
                       problem_name, join(required_dims),
                       kind == Problem::kGemm        ? ""
                       : kind == Problem::kDepthwise ? "; N defaults to 1"
                                                     : "; N, G default to 1"));
    }
    return it->second;
  };
  auto opt = [&](const std::string& d, int def) {
    const auto it = v.find(d);
    return it == v.end() ? def : it->second;
  };

  Network net;
  net.file = file;
  net.name = file_stem(file);
  if (net.name.empty() || has_control_chars(net.name)) net.name = "timeloop";
  Layer l;
  l.name = net.name;
  l.file = file;
  l.line = instance->line;
  std::map<std::string, FieldAt> where;  // canonical field -> Timeloop name, line
  auto from = [&](const char* field, const std::string& d) {
    const auto it = lines.find(d);
    where[field] = {d, it != lines.end() ? it->second : instance->line};
  };
  if (kind == Problem::kGemm) {
    l.kind = OpKind::kGemm;
    l.op = "gemm";
    l.m = need("M");
    l.k = need("K");
    l.n = need("N");
    from("gm", "M");
    from("gk", "K");
    from("gn", "N");
  } else {
    const Axes axes = projection_axes(shape_node);
    l.kind = OpKind::kConv;
    l.op = kind == Problem::kDepthwise ? "dwconv" : "conv";
    const int ho = need(axes.out_h), wo = need(axes.out_w);
    l.r = need(axes.kernel_h);
    l.s = need(axes.kernel_w);
    const int cc = need("C");
    l.batch = opt("N", 1);
    l.stride_h = opt("Hstride", 1);
    l.stride_w = opt("Wstride", 1);
    l.dil_h = opt("Hdilation", 1);
    l.dil_w = opt("Wdilation", 1);
    l.pad_h = opt("Hpad", 0);
    l.pad_w = opt("Wpad", 0);
    from("r", axes.kernel_h);
    from("s", axes.kernel_w);
    from("n", "N");
    from("stride_h", "Hstride");
    from("stride_w", "Wstride");
    from("dil_h", "Hdilation");
    from("dil_w", "Wdilation");
    from("pad_h", "Hpad");
    from("pad_w", "Wpad");
    from("c", "C");
    if (kind == Problem::kDepthwise) {
      l.c = l.co = l.groups = cc;
      from("k", "C");
      from("groups", "C");
    } else {
      const int g = opt("G", 1), m = need("M");
      from("k", "M");
      from("groups", "G");
      if (std::int64_t{g} * cc > kIntMax || std::int64_t{g} * m > kIntMax) {
        fail(file, instance->line,
             fmt::format("problem.instance: field 'G': G*C = {}*{} or G*M = {}*{} does not fit "
                         "int",
                         g, cc, g, m));
      }
      l.groups = g;
      l.c = g * cc;
      l.co = g * m;
    }
    // The smallest input that gives the output sizes: H = (Q-1)*Hstride + (S-1)*Hdilation + 1
    // - 2*Hpad (by default; the projection decides which of P/Q and R/S are along H).
    struct Axis {
      const std::string& out_dim;
      const char* stride;
      const char* pad;
      int out, stride_v, dil, kernel, pad_v;
      int* in;
      const char* in_name;
    };
    const Axis list[] = {
        {axes.out_h, "Hstride", "Hpad", ho, l.stride_h, l.dil_h, l.r, l.pad_h, &l.h, "h"},
        {axes.out_w, "Wstride", "Wpad", wo, l.stride_w, l.dil_w, l.s, l.pad_w, &l.w, "w"}};
    for (const Axis& a : list) {
      const std::int64_t in = (std::int64_t{a.out} - 1) * a.stride_v +
                              (std::int64_t{a.kernel} - 1) * a.dil + 1 - 2 * std::int64_t{a.pad_v};
      const auto it = lines.find(a.out_dim);
      const int out_line = it != lines.end() ? it->second : instance->line;
      if (in < 1) {
        const auto pit = lines.find(a.pad);
        fail(file, pit != lines.end() ? pit->second : out_line,
             fmt::format("problem.instance: field '{}': the padding leaves an input {} of {} < 1",
                         a.pad, a.in_name, in));
      }
      if (in > kIntMax) {
        fail(file, out_line,
             fmt::format("problem.instance: field '{}': the input {} = ({} - 1) x {} + ... = {} "
                         "does not fit int",
                         a.out_dim, a.in_name, a.out, a.stride, in));
      }
      *a.in = static_cast<int>(in);
    }
    from("h", axes.out_h);
    from("w", axes.out_w);
  }
  check_layer(l, [&](const char* canonical) {
    const auto it = where.find(canonical);
    return it != where.end() ? it->second : FieldAt{canonical, l.line};
  });
  net.layers.push_back(std::move(l));
  return net;
}

}  // namespace feather::map::workload_detail
