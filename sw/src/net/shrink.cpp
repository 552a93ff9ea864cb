// Scaled-down networks for tests (net::shrink): the input divided, every later size propagated
// through the graph with the rules of shapes.cpp.
#include <fmt/format.h>

#include <numeric>

#include "internal.hpp"

namespace feather::net {

using namespace detail;

namespace {

int ceil_div(int v, int d) { return static_cast<int>((std::int64_t{v} + d - 1) / d); }

int exact_div(const map::Layer& l, std::int64_t v, std::int64_t d, const char* what) {
  if (d <= 0 || v % d != 0) {
    fail(l, fmt::format("cannot shrink: {} ({} / {} is not an integer)", what, v, d));
  }
  return static_cast<int>(v / d);
}

}  // namespace

map::Network shrink(const map::Network& net, int spatial, int channels) {
  if (spatial < 1 || channels < 1) {
    throw NetError(fmt::format("shrink: divisors must be positive, got spatial {} channels {}",
                               spatial, channels));
  }
  const std::vector<Shape> orig_shapes = output_shapes(net);
  const Shape orig_in = input_shape(net);
  const Shape in{orig_in.n, ceil_div(orig_in.h, spatial), ceil_div(orig_in.w, spatial),
                 ceil_div(orig_in.c, channels)};
  map::Network out = net;
  std::vector<Shape> shapes;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const Plan orig = plan_layer(net, i, orig_shapes, orig_in);
    map::Layer& l = out.layers[i];
    std::vector<Shape> ins;
    for (const int j : orig.inputs) ins.push_back(j < 0 ? in : shapes[static_cast<std::size_t>(j)]);
    const Shape& s = ins[0];
    switch (orig.kind) {
      case Kind::kConv: {
        if (orig.in[0] == Shape{l.batch, l.h, l.w, l.c}) {
          l.batch = s.n;
          l.h = s.h;
          l.w = s.w;
        } else {  // read from a matrix by rows: keep the proportion
          l.h = ceil_div(l.h, spatial);
          l.w = ceil_div(l.w, spatial);
        }
        if (l.op == "dwconv") {
          l.co = s.c * (l.co / l.c);
          l.groups = s.c;
        } else {
          l.co = ceil_div(l.co, channels);
          l.groups = std::gcd(l.groups, std::gcd(s.c, l.co));
        }
        l.c = s.c;
        break;
      }
      case Kind::kGemm:
      case Kind::kMatmul: {
        const std::int64_t row = std::int64_t{l.count} * l.k;
        if (row == orig.in[0].c) {  // a row is one pixel or token
          l.m = exact_div(l, static_cast<std::int64_t>(s.size()), s.c, "rows of A");
          l.k = exact_div(l, s.c, l.count, "count must divide the input's channels");
        } else {  // a row is several pixels (a flattened map): keep the rows
          l.k = exact_div(l, static_cast<std::int64_t>(s.size()), std::int64_t{l.m} * l.count,
                          "m * count must divide the input's elements");
        }
        if (orig.kind == Kind::kGemm) {
          l.n = ceil_div(l.n, channels);
        } else if (orig.b_transposed) {
          const Shape& b = ins[1];
          l.n = b.n * b.h * b.w;
        } else {
          l.n = exact_div(l, ins[1].c, l.count, "count must divide the channels of B");
        }
        break;
      }
      default: {
        if (!declares_shape(l)) break;
        if (orig.kind == Kind::kMaxPool || orig.kind == Kind::kAvgPool) {
          l.batch = s.n;
          l.h = ceil_div(l.h, spatial);
          l.w = ceil_div(l.w, spatial);
          l.c = exact_div(l, s.c, l.count, "count must divide the channels");
          break;
        }
        if (l.op == "reshape") fail(l, "cannot shrink a reshape (its output shape is stated)");
        // The shape the op gives its new inputs, then stated again.
        l.batch = l.h = l.w = l.c = 1;
        const Shape o = plan_layer(out, i, shapes, in).out;
        l.batch = o.n;
        l.h = o.h;
        l.w = o.w;
        l.c = exact_div(l, o.c, l.count, "count must divide the output channels");
        break;
      }
    }
    shapes.push_back(plan_layer(out, i, shapes, in).out);
  }
  out.validate();
  return out;
}

}  // namespace feather::net
