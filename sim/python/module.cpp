// The `feather` Python module (pybind11; docs/python.md): networks (YAML, JSON, ONNX, built-in),
// the mapper, the design comparison, the BIRRD router, a layer on the golden model, and a layer
// on a verilated configuration of this build. Results are plain dicts and lists (JSON-like);
// tensors are numpy arrays when numpy is installed, else lists.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "feather/birrd/router.hpp"
#include "feather/birrd/target.hpp"
#include "feather/birrd/topology.hpp"
#include "feather/map/compare.hpp"
#include "feather/map/compile.hpp"
#include "feather/map/mapper.hpp"
#include "feather/map/workload.hpp"
#include "feather/sim/layer_run.hpp"
#include "feather/sim/top_dut.hpp"
#include "feather/top/arrays.hpp"
#include "feather/top/golden.hpp"
#include "feather/version.hpp"
#ifdef FEATHER_HAVE_ONNX
#include "feather/onnx/import.hpp"
#endif

namespace py = pybind11;
using namespace feather;  // NOLINT: the module's functions name the whole library

namespace {

// "16x16" -> the named array's parameters (sw/configs/arrays.json).
const top::TopParams& params_of(const std::string& array) {
  const auto x = array.find('x');
  int ah = 0, aw = 0;
  try {
    if (x == std::string::npos) throw std::invalid_argument("");
    ah = std::stoi(array.substr(0, x));
    aw = std::stoi(array.substr(x + 1));
  } catch (const std::exception&) {
    throw std::invalid_argument("array: expected AHxAW such as 16x16, got '" + array + "'");
  }
  const top::NamedArray* a = top::find_named_array(ah, aw);
  if (!a) throw std::invalid_argument("array: no named configuration " + array);
  return a->params;
}

// A network from a name or path (built-in, random:SEED, .yaml/.json, .onnx) or a dict in the
// network format ({"network": ..., "layers": [...]}, serialized as JSON, which the YAML reader
// takes).
map::Network network_of(const py::object& what) {
  if (py::isinstance<py::str>(what)) {
#ifdef FEATHER_HAVE_ONNX
    return onnx_import::find_network(what.cast<std::string>());
#else
    return map::find_network(what.cast<std::string>());
#endif
  }
  const std::string text = py::module_::import("json").attr("dumps")(what).cast<std::string>();
  return map::parse_network(text, "<python>");
}

// A layer: a preset name or a dict of the network format's layer fields.
map::Layer layer_of(const py::object& what) {
  if (py::isinstance<py::str>(what)) return map::layer_preset(what.cast<std::string>());
  py::dict net;
  net["network"] = "python";
  py::list layers;
  layers.append(what);
  net["layers"] = layers;
  const map::Network n = network_of(net);
  return n.layers.at(0);
}

py::dict layer_dict(const map::Layer& l) {
  py::dict d;
  d["name"] = l.name;
  d["op"] = l.op;
  d["kind"] = map::to_string(l.kind);
  d["shape"] = l.shape_string();
  d["macs"] = l.total_macs();
  d["count"] = l.count;
  d["inputs"] = l.inputs;
  return d;
}

// Bytes as a numpy uint8 array with `shape` when numpy is there, else a flat list.
py::object bytes_out(const std::vector<std::uint8_t>& v, const std::vector<std::size_t>& shape) {
  using namespace pybind11::literals;
  py::list flat;
  for (std::uint8_t b : v) flat.append(b);
  try {
    py::module_ np = py::module_::import("numpy");
    return np.attr("array")(flat, "dtype"_a = "uint8").attr("reshape")(py::tuple(py::cast(shape)));
  } catch (const py::error_already_set&) {
    return flat;
  }
}

py::dict network_dict(const py::object& what) {
  const map::Network n = network_of(what);
  py::dict d;
  d["name"] = n.name;
  d["macs"] = n.total_macs();
  py::list layers;
  for (const map::Layer& l : n.layers) layers.append(layer_dict(l));
  d["layers"] = layers;
  return d;
}

py::dict map_network(const py::object& what, const std::string& array, bool hand_off, int latency,
                     double bandwidth) {
  const top::TopParams& p = params_of(array);
  map::NetworkMapOptions o;
  o.hand_off = hand_off;
  o.map.timing.latency = latency;
  o.map.timing.bandwidth = bandwidth;
  const map::Network net = network_of(what);  // with the GIL: it may call json.dumps
  const map::NetworkMap nm = [&] {
    py::gil_scoped_release release;
    return map::map_network(p, net, o);
  }();
  py::dict d;
  d["network"] = nm.network;
  d["array"] = array;
  d["params"] = nm.params;
  d["macs"] = nm.macs;
  d["cycles"] = nm.cycles;
  d["utilization"] = nm.utilization;
  d["offchip_bytes"] = nm.offchip_bytes;
  d["kept_on_chip"] = nm.kept;
  d["search_seconds"] = nm.search_seconds;
  py::list layers;
  for (const map::NetworkEntry& e : nm.layers) {
    py::dict l;
    l["name"] = e.layer;
    l["shape"] = e.shape;
    l["count"] = e.count;
    l["dataflow"] = std::string(map::to_string(e.map.dataflow));
    l["direct"] = e.map.direct;
    l["mapping"] = e.map.mapping.to_string();
    l["tiles"] = py::make_tuple(e.map.tiles_m, e.map.tiles_n, e.map.tiles_k);
    l["cycles"] = e.map.timing.cycles;
    l["utilization"] = e.map.utilization;
    l["offchip_bytes"] = e.map.offchip_bytes(p.aw);
    l["input_on_chip"] = e.input_on_chip;
    l["output_on_chip"] = e.output_on_chip;
    layers.append(l);
  }
  d["layers"] = layers;
  return d;
}

py::object compare(const py::object& what, const std::string& array) {
  const top::TopParams& p = params_of(array);
  const map::Network net = network_of(what);
  const std::string json = [&] {
    py::gil_scoped_release release;
    return map::comparison_json(map::compare_network(p, net));
  }();
  return py::module_::import("json").attr("loads")(json);
}

py::dict route(int aw, const std::string& target, const std::string& wiring) {
  const auto w = birrd::parse_wiring(wiring);
  if (!w) throw std::invalid_argument("wiring: expected benes or feather, got '" + wiring + "'");
  const birrd::Topology t(aw, *w);
  const birrd::RouteResult r = birrd::route(t, birrd::parse_target(aw, target));
  py::dict d;
  d["status"] = std::string(birrd::to_string(r.status));
  d["ok"] = r.ok();
  d["method"] = r.method;
  d["reason"] = r.reason;
  d["seconds"] = r.seconds;
  if (r.ok()) {
    py::list stages;
    for (int s = 0; s < r.config.stages; ++s) {
      py::list modes;
      for (int i = 0; i < r.config.lanes / 2; ++i) {
        modes.append(birrd::to_string(r.config.at(s, i)));
      }
      stages.append(modes);
    }
    d["stages"] = stages;
    d["cmd_words"] = r.config.pack_cmd();
    d["mask_words"] = r.config.pack_mask();
  }
  return d;
}

// A layer with seeded random operands on the golden model: the compiled program, its predicted
// cycles, and whether the output equals the reference.
py::dict golden(const py::object& what, const std::string& array, std::uint64_t seed) {
  const top::TopParams& p = params_of(array);
  const map::Layer l = layer_of(what);
  std::mt19937_64 rng(seed);
  const map::CompiledLayer c = map::compile_layer(p, l, map::random_operands(l, rng));
  top::Golden g(p);
  top::Memory mem = c.program.memory;
  const auto res = g.run(c.program.instrs, mem);
  if (res.err != top::Err::kNone) throw std::runtime_error("golden model: " + g.err_detail());
  const std::vector<std::uint8_t> out = map::read_output(p, c, mem);
  py::dict d;
  d["layer"] = layer_dict(l);
  d["plan"] = c.map.describe();
  d["instructions"] = c.program.instrs.size();
  d["predicted_cycles"] = c.map.timing.cycles;
  d["bit_exact"] = map::output_mismatches(c, out).empty();
  // O[m][groups * n]: a conv's output pixels by channels, a GEMM's rows by columns.
  const map::GemmShape s = l.as_gemm();
  const std::size_t cols = static_cast<std::size_t>(s.groups * s.n);
  d["output"] = bytes_out(out, {out.size() / cols, cols});
  return d;
}

// A layer on a verilated configuration of this build (feather list-models), checked against the
// golden model and the reference.
py::dict rtl(const py::object& what, const std::string& array, std::uint64_t seed, int latency,
             double backpressure) {
  const top::TopParams& p = params_of(array);
  const map::Layer l = layer_of(what);
  sim::RunOptions o;
  o.latency = latency;
  o.backpressure = backpressure;
  o.seed = seed;
  const sim::LayerReport r = [&] {
    py::gil_scoped_release release;
    return sim::run_layer(l, p.ah, p.aw, seed, o);
  }();
  py::dict d;
  d["layer"] = layer_dict(l);
  d["mapping"] = r.mapping;
  d["cycles"] = r.run.cycles;
  d["predicted_cycles"] = r.predicted.cycles;
  d["utilization"] = r.utilization;
  d["golden_ok"] = r.golden_ok;
  d["bit_exact"] = r.output_ok;
  d["mismatch"] = r.mismatch;
  d["simulation_seconds"] = r.run.seconds;
  return d;
}

}  // namespace

PYBIND11_MODULE(feather, m) {
  using namespace pybind11::literals;
  m.doc() = "FEATHER: networks, mapper, design comparison, BIRRD router, golden model and RTL";
  m.attr("__version__") = kVersion;
  m.def("builtin_networks", &map::builtin_networks, "the built-in network names");
  m.def("layer_presets", &map::layer_presets, "the named layers (run --list-presets)");
  m.def(
      "arrays",
      [] {
        std::vector<std::string> v;
        for (const top::NamedArray& a : top::named_arrays()) {
          v.push_back(std::to_string(a.params.ah) + "x" + std::to_string(a.params.aw));
        }
        return v;
      },
      "the named array configurations");
  m.def("load_network", &network_dict, "network"_a,
        "a network (built-in name, random:SEED, .yaml/.json/.onnx file, or a dict in the network "
        "format) as a dict: name, macs, layers");
  m.def("map_network", &map_network, "network"_a, "array"_a = "16x16", "hand_off"_a = false,
        "latency"_a = 2, "bandwidth"_a = 1.0,
        "the mapper's plan of every layer with its predicted cycles and off-chip bytes");
  m.def("compare", &compare, "network"_a, "array"_a = "16x16",
        "FEATHER against the fixed-dataflow and fixed-layout designs (docs/compare.md)");
  m.def("route", &route, "aw"_a, "target"_a, "wiring"_a = "benes",
        "route a BIRRD target such as '5<-0+1+2+3 2<-4'");
  m.def("golden", &golden, "layer"_a, "array"_a = "16x16", "seed"_a = 1,
        "a layer (preset name or dict) compiled and run on the golden model");
  m.def("run_layer", &rtl, "layer"_a, "array"_a = "4x4", "seed"_a = 1, "latency"_a = 2,
        "backpressure"_a = 0.0, "a layer on the verilated top of this build, checked bit-exact");
  py::register_exception<std::invalid_argument>(m, "FeatherError", PyExc_ValueError);
}
