// The workload reader's checked YAML access and the project's own format (docs/workloads.md):
// a network of named layers, each op with its fields, defaults and aliases, every error naming
// the file, the line and the field.
#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "workload_internal.hpp"

namespace feather::map::workload_detail {

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

namespace {

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

}  // namespace

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

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

namespace {

// ---------------------------------------------------------------------------------------------
// The project's own format

const std::vector<std::string> kCommonFields = {"name", "op", "notes", "inputs", "count"};
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
    } else if (e.key == "notes") {
      l.notes = parse_string(e, file, label);
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
      l.batch = get("n", nullptr, 1);
      l.h = required("h");
      l.w = get("w", "h", l.h);
      l.c = required("c");
      l.r = required("r");
      l.s = get("s", "r", l.r);
      if (l.op == "dwconv") {
        l.co = get("k", "c", l.c);
        l.groups = l.c;
        where["groups"] = where["c"];
      } else {
        l.co = required("k");
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
      l.m = l.op == "fc" ? get("gm", nullptr, 1) : required("gm");
      l.k = required("gk");
      l.n = required("gn");
      break;
    case OpKind::kOther:
      l.batch = get("n", nullptr, 1);
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

}  // namespace

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

}  // namespace feather::map::workload_detail
