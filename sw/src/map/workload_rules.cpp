// The workload reader's messages and layer rules (docs/workloads.md): the checks every layer
// must pass, shared by Layer::validate and the parsers (which know where each field was
// written).
#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>

#include "feather/common/sat.hpp"
#include "workload_internal.hpp"

namespace feather::map::workload_detail {

namespace {

std::string display(const std::string& file) { return file.empty() ? "<input>" : file; }

}  // namespace

std::string at(const std::string& file, int line) {
  return line > 0 ? fmt::format("{}:{}", display(file), line) : display(file);
}

[[noreturn]] void fail(const std::string& file, int line, const std::string& what) {
  // A layer built in code has neither file nor line: the message is about the layer alone.
  if (file.empty() && line <= 0) throw WorkloadError(what);
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

namespace {

[[noreturn]] void layer_fail(const Layer& l, const FieldRef& ref, const char* field,
                             const std::string& what) {
  const FieldAt f = ref(field);
  fail(l.file, f.line, fmt::format("{}: field '{}': {}", layer_label(l.name), f.name, what));
}

}  // namespace

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
  const Field fields[] = {{"n", l.batch, 1},
                          {"h", l.h, 1},
                          {"w", l.w, 1},
                          {"c", l.c, 1},
                          {"k", l.co, 1},
                          {"r", l.r, 1},
                          {"s", l.s, 1},
                          {"stride_h", l.stride_h, 1},
                          {"stride_w", l.stride_w, 1},
                          {"pad_h", l.pad_h, 0},
                          {"pad_w", l.pad_w, 0},
                          {"dil_h", l.dil_h, 1},
                          {"dil_w", l.dil_w, 1},
                          {"groups", l.groups, 1},
                          {"gm", l.m, 1},
                          {"gk", l.k, 1},
                          {"gn", l.n, 1},
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
    if (l.co % l.groups != 0) {
      layer_fail(l, ref, "groups", fmt::format("{} does not divide k = {}", l.groups, l.co));
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
  const GemmShape g = l.as_gemm();
  if (l.kind == OpKind::kConv) {
    const auto m = checked_mul(u64(l.batch), u64(l.ho()));
    if (!m || !checked_mul(*m, u64(l.wo()))) {
      layer_fail(l, ref, "h",
                 fmt::format("n*ho*wo = {}*{}*{} overflows 64 bits", l.batch, l.ho(), l.wo()));
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

}  // namespace feather::map::workload_detail
