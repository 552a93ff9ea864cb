// Layer and network descriptions: the project's own YAML/JSON format and Timeloop problem files
// (docs/workloads.md), the built-in networks embedded at build time (sw/CMakeLists.txt writes
// their texts from sw/networks/*.yaml into a generated source file).
#include "feather/map/workload.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "feather/common/sat.hpp"

namespace feather::map {

// The generated file (build tree, builtin_networks.cpp): one entry per sw/networks/*.yaml.
namespace detail {
extern const std::size_t kBuiltinNetworkCount;
extern const char* const kBuiltinNetworkNames[];
extern const char* const kBuiltinNetworkFiles[];
extern const char* const kBuiltinNetworkTexts[];
}  // namespace detail

namespace {

constexpr std::int64_t kIntMax = std::numeric_limits<int>::max();

// ---------------------------------------------------------------------------------------------
// Messages

std::string display(const std::string& file) { return file.empty() ? "<input>" : file; }

std::string at(const std::string& file, int line) {
  return line > 0 ? fmt::format("{}:{}", display(file), line) : display(file);
}

[[noreturn]] void fail(const std::string& file, int line, const std::string& what) {
  throw WorkloadError(fmt::format("{}: {}", at(file, line), what));
}

// A text quoted in a message: control characters escaped, long texts cut.
std::string show(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i == 40) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(s[i]);
    if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += s[i];
    }
  }
  return out;
}

bool has_control_chars(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char ch) {
    const auto u = static_cast<unsigned char>(ch);
    return u < 0x20 || u == 0x7f;
  });
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string layer_label(const std::string& name) {
  return name.empty() ? std::string("unnamed layer") : fmt::format("layer '{}'", show(name));
}

// ---------------------------------------------------------------------------------------------
// Arithmetic

// Output extent along one axis in exact 64-bit arithmetic (any int fields); 0 if the kernel does
// not fit the padded input or the stride is not positive.
std::int64_t out_extent(int in, int pad, int dil, int kernel, int stride) {
  if (stride <= 0) return 0;
  const std::int64_t padded = std::int64_t{in} + 2 * std::int64_t{pad};
  const std::int64_t extent = std::int64_t{dil} * (std::int64_t{kernel} - 1) + 1;
  return padded < extent ? 0 : (padded - extent) / stride + 1;
}

std::uint64_t u64(std::int64_t v) { return v > 0 ? static_cast<std::uint64_t>(v) : 0; }

// ---------------------------------------------------------------------------------------------
// The layer rules (shared by Layer::validate and the parser, which knows each field's line).

// The field a rule is about: the name as written in the file and its line.
struct FieldAt {
  std::string name;
  int line = 0;
};
using FieldRef = std::function<FieldAt(const char* canonical)>;

[[noreturn]] void layer_fail(const Layer& l, const FieldRef& ref, const char* field,
                             const std::string& what) {
  const FieldAt f = ref(field);
  fail(l.file, f.line, fmt::format("{}: field '{}': {}", layer_label(l.name), f.name, what));
}

void check_layer(const Layer& l, const FieldRef& ref) {
  if (l.name.empty()) layer_fail(l, ref, "name", "must be a non-empty string");
  if (has_control_chars(l.name)) layer_fail(l, ref, "name", "must not hold control characters");
  const auto& ops = known_ops(l.kind);
  if (std::find(ops.begin(), ops.end(), l.op) == ops.end()) {
    layer_fail(
        l, ref, "op",
        fmt::format("'{}' is not a {} op (known: {})", show(l.op), to_string(l.kind), join(ops)));
  }
  struct Field {
    const char* name;
    int value;
    int min;
  };
  const Field fields[] = {{"n", l.n, 1},
                          {"h", l.h, 1},
                          {"w", l.w, 1},
                          {"c", l.c, 1},
                          {"k", l.k, 1},
                          {"r", l.r, 1},
                          {"s", l.s, 1},
                          {"stride_h", l.stride_h, 1},
                          {"stride_w", l.stride_w, 1},
                          {"pad_h", l.pad_h, 0},
                          {"pad_w", l.pad_w, 0},
                          {"dil_h", l.dil_h, 1},
                          {"dil_w", l.dil_w, 1},
                          {"groups", l.groups, 1},
                          {"gm", l.gm, 1},
                          {"gk", l.gk, 1},
                          {"gn", l.gn, 1},
                          {"count", l.count, 1}};
  for (const Field& f : fields) {
    if (f.value < f.min) {
      layer_fail(l, ref, f.name,
                 fmt::format("must be a {} integer, got {}",
                             f.min == 0 ? "non-negative" : "positive", f.value));
    }
  }
  if (l.kind == OpKind::kOther) return;
  if (l.kind == OpKind::kConv) {
    if (l.c % l.groups != 0) {
      layer_fail(l, ref, "groups", fmt::format("{} does not divide c = {}", l.groups, l.c));
    }
    if (l.k % l.groups != 0) {
      layer_fail(l, ref, "groups", fmt::format("{} does not divide k = {}", l.groups, l.k));
    }
    if (l.op == "dwconv" && l.groups != l.c) {
      layer_fail(l, ref, "groups",
                 fmt::format("a dwconv has groups = c = {}, got {}", l.c, l.groups));
    }
    struct Axis {
      const char* what;
      int in, pad, dil, kernel, stride;
      const char* kernel_field;
      const char* pad_field;
    };
    const Axis axes[] = {{"height", l.h, l.pad_h, l.dil_h, l.r, l.stride_h, "r", "pad_h"},
                         {"width", l.w, l.pad_w, l.dil_w, l.s, l.stride_w, "s", "pad_w"}};
    for (const Axis& a : axes) {
      const std::int64_t padded = std::int64_t{a.in} + 2 * std::int64_t{a.pad};
      const std::int64_t extent = std::int64_t{a.dil} * (std::int64_t{a.kernel} - 1) + 1;
      if (padded < extent) {
        layer_fail(l, ref, a.kernel_field,
                   fmt::format("the kernel extent {} exceeds the padded input {} {} (output "
                               "size < 1)",
                               extent, a.what, padded));
      }
      const std::int64_t out = out_extent(a.in, a.pad, a.dil, a.kernel, a.stride);
      if (out > kIntMax) {
        layer_fail(l, ref, a.pad_field,
                   fmt::format("the output {} {} does not fit int", a.what, out));
      }
    }
  }
  const Layer::Gemm g = l.as_gemm();
  if (l.kind == OpKind::kConv) {
    const auto m = checked_mul(u64(l.n), u64(l.ho()));
    if (!m || !checked_mul(*m, u64(l.wo()))) {
      layer_fail(l, ref, "h",
                 fmt::format("n*ho*wo = {}*{}*{} overflows 64 bits", l.n, l.ho(), l.wo()));
    }
    const auto rs = checked_mul(u64(l.r), u64(l.s));
    if (!rs || !checked_mul(*rs, u64(l.c))) {
      layer_fail(l, ref, "c", fmt::format("r*s*c = {}*{}*{} overflows 64 bits", l.r, l.s, l.c));
    }
  }
  std::optional<std::uint64_t> macs = checked_mul(g.groups, g.m);
  if (macs) macs = checked_mul(*macs, g.k);
  if (macs) macs = checked_mul(*macs, g.n);
  if (!macs) {
    layer_fail(l, ref, l.kind == OpKind::kConv ? "k" : "gn",
               fmt::format("the MACs {}x({}x{}x{}) overflow 64 bits", g.groups, g.m, g.k, g.n));
  }
  if (!checked_mul(*macs, u64(l.count))) {
    layer_fail(l, ref, "count",
               fmt::format("the total MACs {} x {} overflow 64 bits", *macs, l.count));
  }
}

// ---------------------------------------------------------------------------------------------
// YAML access: never operator[] (no zombie nodes), every type checked before use.

int line_of(const YAML::Node& n, int fallback) {
  const YAML::Mark m = n.Mark();
  return m.line >= 0 && m.line < std::numeric_limits<int>::max() ? m.line + 1 : fallback;
}

std::string kind_of(const YAML::Node& n) {
  if (n.IsMap()) return "a map";
  if (n.IsSequence()) return "a sequence";
  if (n.IsNull()) return "nothing";
  if (n.IsScalar()) return fmt::format("'{}'", show(n.Scalar()));
  return "an undefined value";
}

struct Entry {
  std::string key;
  YAML::Node value;
  int key_line = 0;
  int line = 0;  // of the value (the key's if the value has no position)
};

// The fields of a map in file order; keys are scalars, each at most once.
std::vector<Entry> entries(const YAML::Node& map, const std::string& file, int map_line,
                           const std::string& context) {
  std::vector<Entry> out;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node key = it->first;
    const int key_line = line_of(key, map_line);
    if (!key.IsScalar()) {
      fail(file, key_line,
           fmt::format("{}: a field name must be a plain name, got {}", context, kind_of(key)));
    }
    for (const Entry& e : out) {
      if (e.key == key.Scalar()) {
        fail(file, key_line,
             fmt::format("{}: field '{}': given twice (first at line {})", context, show(e.key),
                         e.key_line));
      }
    }
    out.push_back({key.Scalar(), it->second, key_line, line_of(it->second, key_line)});
  }
  return out;
}

const Entry* lookup(const std::vector<Entry>& es, std::string_view key) {
  for (const Entry& e : es) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

// A decimal integer (optional sign) in [min, INT_MAX].
int parse_int(const Entry& e, int min, const std::string& file, const std::string& context) {
  const char* what = min == 0 ? "non-negative" : "positive";
  auto bad = [&](const std::string& got) -> int {
    fail(file, e.line,
         fmt::format("{}: field '{}': must be a {} integer, got {}", context, show(e.key), what,
                     got));
  };
  if (!e.value.IsScalar()) return bad(kind_of(e.value));
  const std::string& s = e.value.Scalar();
  std::size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  if (i == s.size()) return bad(s.empty() ? std::string("nothing") : show(s));
  std::int64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return bad(show(s));
    v = std::min<std::int64_t>(v * 10 + (s[i] - '0'), kIntMax + 1);  // saturated
  }
  if (negative) v = -v;
  if (v < min) return bad(show(s));
  if (v > kIntMax) {
    fail(file, e.line,
         fmt::format("{}: field '{}': must be a {} integer that fits int (at most {}), got {}",
                     context, show(e.key), what, kIntMax, show(s)));
  }
  return static_cast<int>(v);
}

bool parse_bool(const Entry& e, const std::string& file, const std::string& context) {
  if (e.value.IsScalar()) {
    const std::string& s = e.value.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  fail(file, e.line,
       fmt::format("{}: field '{}': must be true or false, got {}", context, show(e.key),
                   kind_of(e.value)));
}

std::string parse_string(const Entry& e, const std::string& file, const std::string& context) {
  if (!e.value.IsScalar() || e.value.Scalar().empty()) {
    fail(file, e.line,
         fmt::format("{}: field '{}': must be a non-empty string, got {}", context, show(e.key),
                     kind_of(e.value)));
  }
  if (has_control_chars(e.value.Scalar())) {
    fail(file, e.line,
         fmt::format("{}: field '{}': must not hold control characters, got '{}'", context,
                     show(e.key), show(e.value.Scalar())));
  }
  return e.value.Scalar();
}

std::string file_stem(const std::string& file) {
  try {
    return std::filesystem::path(file).stem().string();
  } catch (const std::exception&) {
    return {};
  }
}

// ---------------------------------------------------------------------------------------------
// The project's own format

const std::vector<std::string> kCommonFields = {"name", "op", "inputs", "count"};
const std::vector<std::string> kConvFields = {
    "n",        "h",   "w",     "c",     "k",        "r",     "s",     "stride", "stride_h",
    "stride_w", "pad", "pad_h", "pad_w", "dilation", "dil_h", "dil_w", "groups"};
const std::vector<std::string> kGemmFields = {"gm", "gk", "gn", "weights_are_activations"};
const std::vector<std::string> kOtherFields = {"n", "h", "w", "c"};
const std::vector<std::string> kNetworkFields = {"network", "source", "notes", "layers"};

std::optional<OpKind> kind_of_op(const std::string& op) {
  for (OpKind k : {OpKind::kConv, OpKind::kGemm, OpKind::kOther}) {
    const auto& ops = known_ops(k);
    if (std::find(ops.begin(), ops.end(), op) != ops.end()) return k;
  }
  return std::nullopt;
}

std::vector<std::string> all_ops() {
  std::vector<std::string> out;
  for (OpKind k : {OpKind::kConv, OpKind::kGemm, OpKind::kOther}) {
    const auto& ops = known_ops(k);
    out.insert(out.end(), ops.begin(), ops.end());
  }
  return out;
}

std::vector<std::string> fields_of(OpKind kind, const std::string& op) {
  std::vector<std::string> out = kCommonFields;
  const auto& extra = kind == OpKind::kConv   ? kConvFields
                      : kind == OpKind::kGemm ? kGemmFields
                                              : kOtherFields;
  for (const auto& f : extra) {
    if (!(op == "dwconv" && f == "groups")) out.push_back(f);
  }
  return out;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Names of the layers so far and their lines.
using NameLines = std::unordered_map<std::string, int>;

Layer parse_layer(const YAML::Node& node, std::size_t index, const std::string& file,
                  const NameLines& earlier) {
  Layer l;
  l.file = file;
  l.line = line_of(node, 0);
  const std::string numbered = fmt::format("layer #{}", index + 1);
  if (!node.IsMap()) {
    fail(
        file, l.line,
        fmt::format("field 'layers': {} must be a map of fields, got {}", numbered, kind_of(node)));
  }
  const std::vector<Entry> es = entries(node, file, l.line, numbered);
  const Entry* name = lookup(es, "name");
  if (name == nullptr) fail(file, l.line, fmt::format("{}: field 'name': missing", numbered));
  l.name = parse_string(*name, file, numbered);
  const std::string label = layer_label(l.name);
  if (const auto it = earlier.find(l.name); it != earlier.end()) {
    fail(file, name->line,
         fmt::format("{}: field 'name': duplicate layer name (first defined at line {})", label,
                     it->second));
  }
  const Entry* op = lookup(es, "op");
  if (op == nullptr) {
    fail(file, l.line,
         fmt::format("{}: field 'op': missing (known ops: {})", label, join(all_ops())));
  }
  if (!op->value.IsScalar()) {
    fail(file, op->line,
         fmt::format("{}: field 'op': must be an op name, got {} (known ops: {})", label,
                     kind_of(op->value), join(all_ops())));
  }
  l.op = op->value.Scalar();
  const auto kind = kind_of_op(l.op);
  if (!kind) {
    fail(file, op->line,
         fmt::format("{}: field 'op': unknown op '{}' (known ops: {})", label, show(l.op),
                     join(all_ops())));
  }
  l.kind = *kind;
  const std::vector<std::string> allowed = fields_of(l.kind, l.op);

  // Numeric fields as written, with where they were written.
  std::map<std::string, int> v;
  std::map<std::string, FieldAt> where;
  for (const Entry& e : es) {
    if (e.key == "name" || e.key == "op") continue;
    if (!contains(allowed, e.key)) {
      const bool elsewhere = contains(kConvFields, e.key) || contains(kGemmFields, e.key);
      fail(file, e.key_line,
           fmt::format("{}: field '{}': {} (fields of op '{}': {})", label, show(e.key),
                       elsewhere ? "not a field of this op" : "unknown field", show(l.op),
                       join(allowed)));
    }
    where[e.key] = {e.key, e.line};
    if (e.key == "inputs") {
      std::vector<YAML::Node> seq;
      if (e.value.IsSequence()) {
        for (auto it = e.value.begin(); it != e.value.end(); ++it) seq.push_back(*it);
      } else if (e.value.IsScalar()) {
        seq.push_back(e.value);
      } else if (!e.value.IsNull()) {  // `inputs:` with no value: the default
        fail(file, e.line,
             fmt::format("{}: field 'inputs': must be a layer name or a list of them, got {}",
                         label, kind_of(e.value)));
      }
      for (const YAML::Node& item : seq) {
        const int item_line = line_of(item, e.line);
        if (!item.IsScalar() || item.Scalar().empty()) {
          fail(file, item_line,
               fmt::format("{}: field 'inputs': must list layer names, got {}", label,
                           kind_of(item)));
        }
        const std::string& in = item.Scalar();
        if (earlier.find(in) == earlier.end()) {
          fail(file, item_line,
               fmt::format("{}: field 'inputs': '{}' is not an earlier layer{}", label, show(in),
                           in == l.name ? " (a layer cannot be its own input)" : ""));
        }
        l.inputs.push_back(in);
      }
    } else if (e.key == "weights_are_activations") {
      l.weights_are_activations = parse_bool(e, file, label);
    } else {
      const bool may_be_zero = e.key == "pad" || e.key == "pad_h" || e.key == "pad_w";
      v[e.key] = parse_int(e, may_be_zero ? 0 : 1, file, label);
    }
  }

  auto missing = [&](const char* field) {
    fail(file, l.line,
         fmt::format("{}: field '{}': missing (required for op '{}')", label, field, show(l.op)));
  };
  // `field` from its own key, else from `alias` (recorded as written), else `def`.
  auto get = [&](const char* field, const char* alias, int def) {
    if (const auto it = v.find(field); it != v.end()) return it->second;
    if (alias != nullptr) {
      if (const auto it = v.find(alias); it != v.end()) {
        where[field] = where[alias];
        return it->second;
      }
    }
    return def;
  };
  auto required = [&](const char* field) {
    if (v.find(field) == v.end()) missing(field);
    return v[field];
  };
  l.count = get("count", nullptr, 1);
  switch (l.kind) {
    case OpKind::kConv: {
      l.n = get("n", nullptr, 1);
      l.h = required("h");
      l.w = get("w", "h", l.h);
      l.c = required("c");
      l.r = required("r");
      l.s = get("s", "r", l.r);
      if (l.op == "dwconv") {
        l.k = get("k", "c", l.c);
        l.groups = l.c;
        where["groups"] = where["c"];
      } else {
        l.k = required("k");
        l.groups = get("groups", nullptr, 1);
      }
      l.stride_h = get("stride_h", "stride", 1);
      l.stride_w = get("stride_w", "stride", 1);
      l.pad_h = get("pad_h", "pad", 0);
      l.pad_w = get("pad_w", "pad", 0);
      l.dil_h = get("dil_h", "dilation", 1);
      l.dil_w = get("dil_w", "dilation", 1);
      break;
    }
    case OpKind::kGemm:
      l.gm = l.op == "fc" ? get("gm", nullptr, 1) : required("gm");
      l.gk = required("gk");
      l.gn = required("gn");
      break;
    case OpKind::kOther:
      l.n = get("n", nullptr, 1);
      l.h = get("h", nullptr, 1);
      l.w = get("w", nullptr, 1);
      l.c = get("c", nullptr, 1);
      break;
  }
  check_layer(l, [&](const char* canonical) {
    const auto it = where.find(canonical);
    return it != where.end() ? it->second : FieldAt{canonical, l.line};
  });
  return l;
}

Network parse_own(const YAML::Node& root, const std::string& file) {
  Network net;
  net.file = file;
  const int root_line = line_of(root, 1);
  const std::vector<Entry> es = entries(root, file, root_line, "network");
  for (const Entry& e : es) {
    if (!contains(kNetworkFields, e.key)) {
      fail(file, e.key_line,
           fmt::format("field '{}': unknown top-level field (fields: {}; a Timeloop problem "
                       "file has 'problem')",
                       show(e.key), join(kNetworkFields)));
    }
  }
  if (const Entry* e = lookup(es, "network")) {
    net.name = parse_string(*e, file, "network");
  } else {
    net.name = file_stem(file);
    if (net.name.empty() || has_control_chars(net.name)) net.name = "network";
  }
  for (const char* key : {"source", "notes"}) {
    if (const Entry* e = lookup(es, key); e != nullptr && !e->value.IsScalar()) {
      fail(file, e->line,
           fmt::format("field '{}': must be a string, got {}", key, kind_of(e->value)));
    }
  }
  const Entry* layers = lookup(es, "layers");
  if (layers == nullptr) fail(file, root_line, "field 'layers': missing");
  if (!layers->value.IsSequence() || layers->value.size() == 0) {
    fail(file, layers->line,
         fmt::format("field 'layers': must be a non-empty list of layers, got {}",
                     kind_of(layers->value)));
  }
  NameLines names;
  for (auto it = layers->value.begin(); it != layers->value.end(); ++it) {
    net.layers.push_back(parse_layer(*it, net.layers.size(), file, names));
    names.emplace(net.layers.back().name, net.layers.back().line);
  }
  return net;
}

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
    l.gm = need("M");
    l.gk = need("K");
    l.gn = need("N");
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
    l.n = opt("N", 1);
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
      l.c = l.k = l.groups = cc;
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
      l.k = g * m;
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

Network parse_root(const YAML::Node& root, const std::string& file) {
  if (!root.IsMap()) {
    fail(file, line_of(root, 1),
         fmt::format("expected a map with 'layers' (or a Timeloop 'problem'), got {}",
                     root.IsNull() ? std::string("an empty document") : kind_of(root)));
  }
  bool timeloop = false;
  for (auto it = root.begin(); it != root.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == "problem") timeloop = true;
  }
  return timeloop ? parse_timeloop(root, file) : parse_own(root, file);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Layer, Network

int Layer::ho() const {
  if (kind != OpKind::kConv) return h;
  return static_cast<int>(std::min(out_extent(h, pad_h, dil_h, r, stride_h), kIntMax));
}

int Layer::wo() const {
  if (kind != OpKind::kConv) return w;
  return static_cast<int>(std::min(out_extent(w, pad_w, dil_w, s, stride_w), kIntMax));
}

Layer::Gemm Layer::as_gemm() const {
  // Exact for a valid layer; wrapping (never undefined) for a malformed one.
  switch (kind) {
    case OpKind::kConv: {
      const std::uint64_t g = u64(groups);
      if (g == 0) return {0, 0, 0, 0};
      return {g, u64(n) * u64(ho()) * u64(wo()), u64(r) * u64(s) * (u64(c) / g), u64(k) / g};
    }
    case OpKind::kGemm:
      return {1, u64(gm), u64(gk), u64(gn)};
    case OpKind::kOther:
      break;
  }
  return {0, 0, 0, 0};
}

std::uint64_t Layer::macs() const {
  const Gemm g = as_gemm();
  return g.groups * g.m * g.k * g.n;
}

std::uint64_t Layer::total_macs() const { return macs() * u64(count); }

std::string Layer::shape_string() const {
  std::string out = op;
  auto pair = [](int a, int b) {
    return a == b ? fmt::format("{}", a) : fmt::format("{}x{}", a, b);
  };
  switch (kind) {
    case OpKind::kConv:
      out += n == 1 ? " " : fmt::format(" n{} ", n);
      out += fmt::format("{}x{}x{} -> {} k{}x{} s{} p{}", h, w, c, k, r, s,
                         pair(stride_h, stride_w), pair(pad_h, pad_w));
      if (dil_h != 1 || dil_w != 1) out += fmt::format(" d{}", pair(dil_h, dil_w));
      if (groups != 1) out += fmt::format(" g{}", groups);
      break;
    case OpKind::kGemm:
      out += fmt::format(" {}x{}x{}", gm, gk, gn);
      if (weights_are_activations) out += " act";
      break;
    case OpKind::kOther:
      if (n != 1 || h != 1 || w != 1 || c != 1) {
        out += n == 1 ? " " : fmt::format(" n{} ", n);
        out += fmt::format("{}x{}x{}", h, w, c);
      }
      break;
  }
  if (count != 1) out += fmt::format(" x{}", count);
  return out;
}

void Layer::validate() const {
  check_layer(*this, [this](const char* canonical) { return FieldAt{canonical, line}; });
}

std::uint64_t Network::total_macs() const {
  std::uint64_t sum = 0;
  for (const Layer& l : layers) sum += l.total_macs();
  return sum;
}

const Layer* Network::find(const std::string& layer_name) const {
  for (const Layer& l : layers) {
    if (l.name == layer_name) return &l;
  }
  return nullptr;
}

void Network::validate() const {
  NameLines names;
  std::uint64_t sum = 0;
  for (const Layer& l : layers) {
    l.validate();
    for (const std::string& in : l.inputs) {
      if (names.find(in) == names.end()) {
        fail(l.file, l.line,
             fmt::format("{}: field 'inputs': '{}' is not an earlier layer", layer_label(l.name),
                         show(in)));
      }
    }
    if (const auto [it, fresh] = names.emplace(l.name, l.line); !fresh) {
      fail(l.file, l.line,
           fmt::format("{}: field 'name': duplicate layer name (first defined at line {})",
                       layer_label(l.name), it->second));
    }
    if (!add_ok(sum, l.total_macs(), sum)) {
      fail(l.file, l.line,
           fmt::format("{}: field 'count': the network's total MACs overflow 64 bits",
                       layer_label(l.name)));
    }
  }
}

const std::vector<std::string>& known_ops(OpKind kind) {
  static const std::vector<std::string> conv = {"conv", "dwconv"};
  static const std::vector<std::string> gemm = {"fc", "gemm", "matmul"};
  static const std::vector<std::string> other = {
      "add",       "mul",       "concat",   "maxpool", "avgpool",   "relu",
      "relu6",     "hswish",    "hsigmoid", "sigmoid", "gelu",      "softmax",
      "layernorm", "batchnorm", "flatten",  "reshape", "transpose", "identity"};
  switch (kind) {
    case OpKind::kConv:
      return conv;
    case OpKind::kGemm:
      return gemm;
    case OpKind::kOther:
      break;
  }
  return other;
}

const char* to_string(OpKind kind) {
  switch (kind) {
    case OpKind::kConv:
      return "conv";
    case OpKind::kGemm:
      return "gemm";
    case OpKind::kOther:
      break;
  }
  return "other";
}

// ---------------------------------------------------------------------------------------------
// Parsing, files, built-in networks

Network parse_network(const std::string& text, const std::string& file) {
  Network net;
  try {
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      // yaml-cpp's depth guard (nesting beyond its limit) reports "bad file" when reading a
      // string; say what it means.
      fail(file, e.mark.line >= 0 && e.mark.line < kIntMax ? e.mark.line + 1 : 0,
           fmt::format("malformed YAML: {}",
                       e.msg == "bad file" ? std::string("nested too deeply") : e.msg));
    }
    net = parse_root(root, file);
  } catch (const YAML::Exception& e) {
    // A node access the checks above did not foresee: still an error in the file.
    fail(file, e.mark.line >= 0 && e.mark.line < kIntMax ? e.mark.line + 1 : 0,
         fmt::format("unexpected YAML structure: {}", e.msg));
  }
  net.validate();
  return net;
}

Network load_network(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw WorkloadError(fmt::format("{}: cannot read the network file: it is a directory", path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    throw WorkloadError(fmt::format("{}: cannot read the network file: {}", path,
                                    std::generic_category().message(err)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    throw WorkloadError(fmt::format("{}: cannot read the network file: read error", path));
  }
  return parse_network(text.str(), path);
}

std::vector<std::string> builtin_networks() {
  std::vector<std::string> names(detail::kBuiltinNetworkNames,
                                 detail::kBuiltinNetworkNames + detail::kBuiltinNetworkCount);
  std::sort(names.begin(), names.end());
  return names;
}

Network builtin_network(const std::string& name) {
  for (std::size_t i = 0; i < detail::kBuiltinNetworkCount; ++i) {
    if (name == detail::kBuiltinNetworkNames[i]) {
      return parse_network(detail::kBuiltinNetworkTexts[i], detail::kBuiltinNetworkFiles[i]);
    }
  }
  throw WorkloadError(fmt::format("unknown built-in network '{}' (built-in: {})", show(name),
                                  join(builtin_networks())));
}

Network find_network(const std::string& name_or_path) {
  if (name_or_path.find_first_of("/\\.") == std::string::npos) {
    return builtin_network(name_or_path);
  }
  return load_network(name_or_path);
}

}  // namespace feather::map
