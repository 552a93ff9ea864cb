// Evaluation of a whole network (net::evaluate): every layer in order, each from its producers'
// tensors with the kernels of ops.cpp.
#include <fmt/format.h>

#include <utility>

#include "internal.hpp"

namespace feather::net {

using namespace detail;

std::uint8_t Tensor::at(int n, int h, int w, int c) const {
  if (n < 0 || h < 0 || w < 0 || c < 0 || n >= shape.n || h >= shape.h || w >= shape.w ||
      c >= shape.c) {
    throw NetError(
        fmt::format("tensor index ({}, {}, {}, {}) outside {}", n, h, w, c, shape.to_string()));
  }
  const auto u = [](int v) { return static_cast<std::size_t>(v); };
  return data.at(((u(n) * u(shape.h) + u(h)) * u(shape.w) + u(w)) * u(shape.c) + u(c));
}

const LayerQuant& Quantization::at(const std::string& layer) const {
  for (const LayerQuant& q : layers) {
    if (q.name == layer) return q;
  }
  throw NetError(fmt::format("the quantization has no layer '{}'", layer));
}

LayerQuant& Quantization::at(const std::string& layer) {
  return const_cast<LayerQuant&>(std::as_const(*this).at(layer));
}

const Tensor& Results::at(const std::string& layer) const {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == layer) return tensors.at(i);
  }
  throw NetError(fmt::format("no result for layer '{}'", layer));
}

const Tensor& Results::output() const {
  if (tensors.empty()) throw NetError("no results");
  return tensors.back();
}

Results evaluate(const map::Network& net, const Quantization& q, const Tensor& input) {
  net.validate();
  const Shape in_shape = input_shape(net);
  if (input.shape != in_shape || input.data.size() != in_shape.size()) {
    throw NetError(
        fmt::format("network '{}': the input is {} with {} bytes, the first layer '{}' "
                    "reads {}",
                    net.name, input.shape.to_string(), input.data.size(), net.layers.front().name,
                    in_shape.to_string()));
  }
  if (q.layers.size() != net.layers.size()) {
    throw NetError(fmt::format("network '{}' has {} layers but the quantization {}", net.name,
                               net.layers.size(), q.layers.size()));
  }
  Results r;
  std::vector<Shape> shapes;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const Plan p = plan_layer(net, i, shapes, in_shape);
    std::vector<const Tensor*> ins;
    for (const int j : p.inputs) {
      ins.push_back(j < 0 ? &input : &r.tensors[static_cast<std::size_t>(j)]);
    }
    r.tensors.push_back(run_layer(net.layers[i], p, q.layers[i], ins));
    r.names.push_back(net.layers[i].name);
    shapes.push_back(p.out);
  }
  return r;
}

Tensor evaluate_layer(const map::Network& net, std::size_t layer, const LayerQuant& q,
                      const std::vector<Tensor>& inputs) {
  net.validate();
  if (layer >= net.layers.size()) {
    throw NetError(fmt::format("network '{}' has no layer {} (it has {})", net.name, layer,
                               net.layers.size()));
  }
  const map::Layer& l = net.layers[layer];
  const std::vector<int> prod = producers(net, layer);
  if (inputs.size() != prod.size()) {
    fail(l, fmt::format("reads {} tensor{}, got {}", prod.size(), prod.size() == 1 ? "" : "s",
                        inputs.size()));
  }
  // The producers' shapes are those of the given tensors.
  std::vector<Shape> shapes(layer);
  Shape in_shape;
  std::vector<const Tensor*> ins;
  for (std::size_t j = 0; j < prod.size(); ++j) {
    const Tensor& t = inputs[j];
    if (t.data.size() != t.shape.size()) {
      fail(l, fmt::format("input tensor {} is {} but holds {} bytes", j, t.shape.to_string(),
                          t.data.size()));
    }
    (prod[j] < 0 ? in_shape : shapes[static_cast<std::size_t>(prod[j])]) = t.shape;
    ins.push_back(&t);
  }
  const Plan p = plan_layer(net, layer, shapes, in_shape);
  return run_layer(l, p, q, ins);
}

}  // namespace feather::net
