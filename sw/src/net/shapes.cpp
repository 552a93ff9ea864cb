// The reference's view of a network's graph: what each layer reads from its producers and the
// shape it writes (docs/network-reference.md, "Tensors and shapes"), the network input's shape,
// ReLU folding and the scaled-down networks of the tests.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>

#include "internal.hpp"

namespace feather::net {

std::size_t Shape::size() const {
  return static_cast<std::size_t>(n) * static_cast<std::size_t>(h) * static_cast<std::size_t>(w) *
         static_cast<std::size_t>(c);
}

std::string Shape::to_string() const { return fmt::format("{}x{}x{}x{}", n, h, w, c); }

namespace detail {

std::string label(const map::Layer& l) {
  std::string where;
  if (!l.file.empty()) where = l.line > 0 ? fmt::format("{}:{}: ", l.file, l.line) : l.file + ": ";
  return fmt::format("{}layer '{}' ({})", where, l.name, l.op);
}

void fail(const map::Layer& l, const std::string& what) {
  throw NetError(fmt::format("{}: {}", label(l), what));
}

bool declares_shape(const map::Layer& l) {
  return l.batch != 1 || l.h != 1 || l.w != 1 || l.c != 1;
}

std::vector<int> producers(const map::Network& net, std::size_t i) {
  const map::Layer& l = net.layers[i];
  if (l.inputs.empty()) return {static_cast<int>(i) - 1};  // -1: the network input
  std::vector<int> out;
  for (const std::string& name : l.inputs) {
    int found = -1;
    for (std::size_t j = 0; j < i; ++j) {
      if (net.layers[j].name == name) found = static_cast<int>(j);
    }
    if (found < 0) fail(l, fmt::format("input '{}' is not an earlier layer", name));
    out.push_back(found);
  }
  return out;
}

namespace {

constexpr std::int64_t kMaxElements = std::int64_t{1} << 31;

std::int64_t elements(const Shape& s) { return static_cast<std::int64_t>(s.size()); }

// a * b for non-negative factors, saturating at 2^40 (only compared with tensor sizes, which
// are below 2^31).
std::int64_t capped_mul(std::int64_t a, std::int64_t b) {
  constexpr std::int64_t kCap = std::int64_t{1} << 40;
  return a != 0 && b > kCap / a ? kCap : std::min(a * b, kCap);
}

// A shape computed from int fields, checked to stay within the reference's tensor size.
Shape make_shape(const map::Layer& l, std::int64_t n, std::int64_t h, std::int64_t w,
                 std::int64_t c) {
  constexpr std::int64_t kInt = std::numeric_limits<int>::max();
  if (n > kInt || h > kInt || w > kInt || c > kInt || n * h > kMaxElements ||
      n * h * w > kMaxElements || n * h * w * c > kMaxElements) {
    fail(l, fmt::format("the output {}x{}x{}x{} exceeds 2^31 elements", n, h, w, c));
  }
  return Shape{static_cast<int>(n), static_cast<int>(h), static_cast<int>(w), static_cast<int>(c)};
}

const char* const kShapePreserving[] = {"relu", "relu6",   "hswish",    "hsigmoid",  "sigmoid",
                                        "gelu", "softmax", "layernorm", "batchnorm", "identity"};

bool shape_preserving(const std::string& op) {
  return std::find(std::begin(kShapePreserving), std::end(kShapePreserving), op) !=
         std::end(kShapePreserving);
}

// A pooling window along one axis from the input and output sizes: stride ceil(in/out), window
// 2*stride - 1, padding stride - 1 (ResNet's 3x3/2 max pool for 112 -> 56; a global pool for
// out = 1).
void pool_axis(const map::Layer& l, const char* axis, int in, int out, int& kernel, int& stride,
               int& pad) {
  const std::int64_t st = (std::int64_t{in} + out - 1) / out, got = (in + st - 1) / st;
  if (got != out) {
    fail(l, fmt::format("cannot derive a pooling window from input {} {} to output {} {} (stride "
                        "ceil(in/out) = {} gives {})",
                        axis, in, axis, out, st, got));
  }
  if (2 * st - 1 > std::numeric_limits<int>::max()) {
    fail(l, fmt::format("the pooling window along the {} ({}) does not fit int", axis, 2 * st - 1));
  }
  stride = static_cast<int>(st);
  kernel = static_cast<int>(2 * st - 1);
  pad = stride - 1;
}

void plan_gemm(const map::Network& net, const map::Layer& l, Plan& p,
               const std::vector<std::string>& names) {
  p.m = l.m;
  p.k = l.k;
  p.n = l.n;
  p.count = l.count;
  const std::int64_t row = std::int64_t{l.count} * l.k;
  const Shape& a = p.in[0];
  if (elements(a) != capped_mul(l.m, row) || row % a.c != 0) {
    fail(l, fmt::format("input {} is {} ({} elements) but the layer reads A as {} x {} (count {} "
                        "x k {}; each row whole pixels or tokens of {} channels)",
                        names[0], a.to_string(), a.size(), l.m, row, l.count, l.k, a.c));
  }
  p.out = make_shape(l, 1, l.m, 1, std::int64_t{l.count} * l.n);
  p.channels = p.out.c;
  if (!l.weights_are_activations) {
    p.kind = Kind::kGemm;
    p.weights = static_cast<std::size_t>(l.count) * static_cast<std::size_t>(l.k) *
                static_cast<std::size_t>(l.n);
    return;
  }
  p.kind = Kind::kMatmul;
  const Shape& b = p.in[1];
  const std::int64_t rows = std::int64_t{b.n} * b.h * b.w;
  const bool direct = rows == l.k && b.c == std::int64_t{l.count} * l.n;
  const bool transposed = rows == l.n && b.c == std::int64_t{l.count} * l.k;
  if (!direct && !transposed) {
    fail(l, fmt::format("input {} is {} ({} rows of {}) but B must be {} x {} (B [k][count*n]) "
                        "or {} x {} (B^T [n][count*k], as K in Q K^T)",
                        names[1], b.to_string(), rows, b.c, l.k, std::int64_t{l.count} * l.n, l.n,
                        row));
  }
  // Both readings fit only when k = n: a matmul whose A is a softmax's output is P V (B as
  // stored), any other is Q K^T (B transposed).
  const int pa = p.inputs[0];
  const bool a_is_softmax = pa >= 0 && net.layers[static_cast<std::size_t>(pa)].op == "softmax";
  p.b_transposed = transposed && (!direct || !a_is_softmax);
}

void plan_other(const map::Layer& l, Plan& p, const std::vector<std::string>& names) {
  const std::string& op = l.op;
  const bool declared = declares_shape(l);
  const Shape stated = make_shape(l, l.batch, l.h, l.w, std::int64_t{l.c} * l.count);
  const auto check_stated = [&] {
    if (declared && stated != p.out) {
      fail(l, fmt::format("the layer states its output is {} but its input{} give{} {}",
                          stated.to_string(), p.in.size() > 1 ? "s" : "",
                          p.in.size() > 1 ? "" : "s", p.out.to_string()));
    }
  };
  const Shape& s = p.in[0];
  if (op == "add") {
    for (std::size_t j = 1; j < p.in.size(); ++j) {
      if (p.in[j] != s) {
        fail(l, fmt::format("input {} is {} but input {} is {} (an add needs equal shapes)",
                            names[j], p.in[j].to_string(), names[0], s.to_string()));
      }
    }
    p.kind = Kind::kAdd;
    p.out = s;
  } else if (op == "mul") {
    const Shape& g = p.in[1];
    if (g != s && !(g.c == s.c && elements(g) == std::int64_t{s.n} * s.c)) {
      fail(l, fmt::format("input {} is {}: it must be {} or hold one value per batch and channel "
                          "({} x {}) to scale input {}",
                          names[1], g.to_string(), s.to_string(), s.n, s.c, names[0]));
    }
    p.kind = Kind::kMul;
    p.out = s;
  } else if (op == "concat") {
    std::int64_t c = 0;
    for (std::size_t j = 0; j < p.in.size(); ++j) {
      const Shape& t = p.in[j];
      if (t.n != s.n || t.h != s.h || t.w != s.w) {
        fail(l, fmt::format("input {} is {} but input {} is {} (a concat joins channels of "
                            "equal n, h, w)",
                            names[j], t.to_string(), names[0], s.to_string()));
      }
      c += t.c;
    }
    p.kind = Kind::kConcat;
    p.out = make_shape(l, s.n, s.h, s.w, c);
  } else if (op == "maxpool" || op == "avgpool") {
    p.kind = op == "maxpool" ? Kind::kMaxPool : Kind::kAvgPool;
    p.out = declared ? stated : Shape{s.n, 1, 1, s.c};
    if (p.out.n != s.n || p.out.c != s.c) {
      fail(l, fmt::format("the layer states its output is {} but a pool keeps the batch and "
                          "channels of its input {} ({})",
                          p.out.to_string(), names[0], s.to_string()));
    }
    pool_axis(l, "height", s.h, p.out.h, p.kh, p.sh, p.ph);
    pool_axis(l, "width", s.w, p.out.w, p.kw, p.sw, p.pw);
    return;
  } else if (shape_preserving(op)) {
    p.out = s;
    p.kind = op == "relu" || op == "relu6" ? Kind::kClamp
             : is_lut_op(op)               ? Kind::kLut
             : op == "softmax"             ? Kind::kSoftmax
             : op == "layernorm"           ? Kind::kLayerNorm
                                           : Kind::kCopy;
    if (p.kind == Kind::kSoftmax || p.kind == Kind::kLayerNorm) {
      check_stated();
      p.segment = declared ? l.c : s.c;
      if (s.c % p.segment != 0) {
        fail(l, fmt::format("{} runs of {} channels do not divide the {} channels of input {}", op,
                            p.segment, s.c, names[0]));
      }
      if (p.kind == Kind::kLayerNorm && p.segment > 46340) {
        fail(l, fmt::format("a layernorm over {} channels exceeds the reference's 46340 "
                            "(its integer variance would overflow 64 bits)",
                            p.segment));
      }
    }
  } else if (op == "flatten" || op == "reshape") {
    p.kind = Kind::kCopy;
    if (!declared && op == "reshape" && s.size() != 1) {
      fail(l, "a reshape must state its output shape (n, h, w, c)");
    }
    p.out = declared ? stated : make_shape(l, s.n, 1, 1, elements(s) / s.n);
    if (p.out.size() != s.size()) {
      fail(l, fmt::format("the layer states its output is {} ({} elements) but input {} is {} "
                          "({} elements)",
                          p.out.to_string(), p.out.size(), names[0], s.to_string(), s.size()));
    }
    return;
  } else if (op == "transpose") {
    p.kind = Kind::kTranspose;
    p.out = make_shape(l, s.n, s.c, 1, std::int64_t{s.h} * s.w);
    if (declared) {
      if (stated.n != s.n || std::int64_t{stated.h} * stated.w != s.c ||
          std::int64_t{stated.c} != std::int64_t{s.h} * s.w) {
        fail(l, fmt::format("the layer states its output is {} but the transpose of input {} "
                            "({}, [h*w][c] per batch) is {}",
                            stated.to_string(), names[0], s.to_string(), p.out.to_string()));
      }
      p.out = stated;
    }
    return;
  } else {
    fail(l, "the reference cannot evaluate this op");
  }
  check_stated();
}

}  // namespace

Plan plan_layer(const map::Network& net, std::size_t i, const std::vector<Shape>& shapes,
                const Shape& input) {
  const map::Layer& l = net.layers[i];
  Plan p;
  p.inputs = producers(net, i);
  std::vector<std::string> names;
  for (const int j : p.inputs) {
    p.in.push_back(j < 0 ? input : shapes[static_cast<std::size_t>(j)]);
    names.push_back(j < 0 ? std::string("(the network input)")
                          : fmt::format("'{}'", net.layers[static_cast<std::size_t>(j)].name));
  }
  std::size_t min_in = 1, max_in = 1;
  if (l.kind == map::OpKind::kGemm && l.weights_are_activations) min_in = max_in = 2;
  if (l.op == "mul") min_in = max_in = 2;
  if (l.op == "add") min_in = 2, max_in = SIZE_MAX;
  if (l.op == "concat") max_in = SIZE_MAX;
  if (p.in.size() < min_in || p.in.size() > max_in) {
    std::string list;
    for (const auto& nm : names) list += (list.empty() ? "" : ", ") + nm;
    fail(l,
         fmt::format("takes {} input{}, got {} ({})",
                     min_in == max_in ? std::to_string(min_in) : fmt::format("at least {}", min_in),
                     max_in == 1 ? "" : "s", p.in.size(), list));
  }
  switch (l.kind) {
    case map::OpKind::kConv: {
      if (l.count != 1) {
        fail(l, "count > 1 is not evaluated for a convolution (write it as one grouped conv)");
      }
      const Shape want{l.batch, l.h, l.w, l.c};
      const Shape& s = p.in[0];
      const bool matrix_rows = s.w == 1 && s.c == l.c &&
                               std::int64_t{s.n} * s.h == capped_mul(capped_mul(l.batch, l.h), l.w);
      if (s != want && !matrix_rows) {
        fail(l, fmt::format("input {} is {} but the layer reads {}", names[0], s.to_string(),
                            want.to_string()));
      }
      p.kind = Kind::kConv;
      p.groups = l.groups;
      p.out = make_shape(l, l.batch, l.ho(), l.wo(), l.co);
      p.channels = l.co;
      p.weights = static_cast<std::size_t>(l.co) * static_cast<std::size_t>(l.r) *
                  static_cast<std::size_t>(l.s) * static_cast<std::size_t>(l.c / l.groups);
      break;
    }
    case map::OpKind::kGemm:
      plan_gemm(net, l, p, names);
      break;
    case map::OpKind::kOther:
      plan_other(l, p, names);
      break;
  }
  return p;
}

}  // namespace detail

using namespace detail;

Shape input_shape(const map::Network& net) {
  if (net.layers.empty()) throw NetError(fmt::format("network '{}' has no layers", net.name));
  const map::Layer& l = net.layers.front();
  switch (l.kind) {
    case map::OpKind::kConv:
      return Shape{l.batch, l.h, l.w, l.c};
    case map::OpKind::kGemm:
      if (static_cast<std::int64_t>(l.count) * l.k > std::numeric_limits<int>::max()) break;
      return Shape{1, l.m, 1, l.count * l.k};
    case map::OpKind::kOther:
      if (shape_preserving(l.op) && declares_shape(l) &&
          static_cast<std::int64_t>(l.c) * l.count <= std::numeric_limits<int>::max()) {
        return Shape{l.batch, l.h, l.w, l.c * l.count};
      }
      break;
  }
  fail(l,
       "cannot derive the network input's shape: the first layer must be a conv, a GEMM, or a "
       "shape-preserving op (relu, layernorm, ...) that states its shape (n, h, w, c)");
}

std::vector<Shape> output_shapes(const map::Network& net) {
  net.validate();
  const Shape input = input_shape(net);
  std::vector<Shape> shapes;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    shapes.push_back(plan_layer(net, i, shapes, input).out);
  }
  return shapes;
}

int folded_into(const map::Network& net, std::size_t layer) {
  const map::Layer& l = net.layers.at(layer);
  if (l.op != "relu" && l.op != "relu6") return -1;
  const std::vector<int> in = producers(net, layer);
  if (in.size() != 1 || in[0] < 0) return -1;
  if (net.layers[static_cast<std::size_t>(in[0])].kind == map::OpKind::kOther) return -1;
  for (std::size_t j = static_cast<std::size_t>(in[0]) + 1; j < net.layers.size(); ++j) {
    if (j == layer) continue;
    const std::vector<int> other = producers(net, j);
    if (std::find(other.begin(), other.end(), in[0]) != other.end()) return -1;
  }
  return in[0];
}

}  // namespace feather::net
