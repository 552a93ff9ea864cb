// run_network: a whole network on the verilated top, layer by layer, checked against the network
// reference (feather/sim/network_run.hpp).
#include "feather/sim/network_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>

#include "feather/map/compile.hpp"
#include "feather/net/reference.hpp"
#include "feather/sim/layer_run.hpp"
#include "feather/sim/top_dut.hpp"
#include "layer_check.hpp"
#include "network_internal.hpp"

namespace feather::sim {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

namespace detail {

[[noreturn]] void fail(const map::Layer& l, const std::string& what) {
  throw std::invalid_argument(fmt::format("layer '{}' ({}): {}", l.name, l.shape_string(), what));
}

// `inputs` empty: the previous layer, or the network input for the first.
std::vector<int> producers_of(const map::Network& net, std::size_t i) {
  const auto& l = net.layers[i];
  if (l.inputs.empty()) return {static_cast<int>(i) - 1};
  std::vector<int> out;
  for (const auto& name : l.inputs) {
    int at = -1;
    for (std::size_t j = 0; j < i; ++j) {
      if (net.layers[j].name == name) at = static_cast<int>(j);
    }
    if (at < 0) fail(l, fmt::format("input '{}' is not an earlier layer", name));
    out.push_back(at);
  }
  return out;
}

std::vector<int> readers_of(const map::Network& net, std::size_t i) {
  std::vector<int> out;
  for (std::size_t k = i + 1; k < net.layers.size(); ++k) {
    const std::vector<int> ps = producers_of(net, k);
    if (std::find(ps.begin(), ps.end(), static_cast<int>(i)) != ps.end()) {
      out.push_back(static_cast<int>(k));
    }
  }
  return out;
}

// The layer whose activation table is folded into layer i's requantization, or -1: i is a conv
// or GEMM whose only reader is a table activation (hard-swish, hard-sigmoid, sigmoid, GELU)
// that reads nothing else.
int table_folded_after(const map::Network& net, const net::Quantization& q, std::size_t i) {
  if (net.layers[i].kind == map::OpKind::kOther) return -1;
  const std::vector<int> readers = readers_of(net, i);
  if (readers.size() != 1) return -1;
  const auto r = static_cast<std::size_t>(readers[0]);
  const map::Layer& l = net.layers[r];
  return l.kind == map::OpKind::kOther && producers_of(net, r).size() == 1 &&
                 !q.at(l.name).lut.empty()
             ? readers[0]
             : -1;
}

std::string tensor_mismatches(const net::Tensor& want, const std::vector<std::uint8_t>& got,
                              std::size_t max) {
  std::string out;
  if (got.size() != want.data.size()) {
    return fmt::format("size: expected {} bytes ({}), actual {}\n", want.data.size(),
                       want.shape.to_string(), got.size());
  }
  const auto& s = want.shape;
  std::size_t shown = 0, wrong = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (got[i] == want.data[i]) continue;
    ++wrong;
    if (shown == max) continue;
    ++shown;
    const std::size_t c = i % static_cast<std::size_t>(s.c);
    const std::size_t pix = i / static_cast<std::size_t>(s.c);
    const std::size_t x = pix % static_cast<std::size_t>(s.w);
    const std::size_t y = pix / static_cast<std::size_t>(s.w) % static_cast<std::size_t>(s.h);
    const std::size_t n = pix / static_cast<std::size_t>(s.w) / static_cast<std::size_t>(s.h);
    out += fmt::format("element [n={}][h={}][w={}][c={}]: expected {}, actual {}\n", n, y, x, c,
                       want.data[i], got[i]);
  }
  if (wrong > shown) out += fmt::format("... {} elements differ in all\n", wrong);
  return out;
}

// The off-chip bytes of a program by role: Loads of the stationary or the streaming buffer carry
// the operand the dataflow puts there (WO-S: weights stationary; IO-S: inputs stationary), Loads
// of the requantization tables are weights, Stores carry the output.
OffchipBytes classify(const std::vector<top::Instr>& prog, bool wos, const Job& j, int aw) {
  OffchipBytes b;
  const auto add_a = [&](std::uint64_t bytes) {
    (j.a_is_network_input ? b.input : b.spills) += bytes;
  };
  const auto add_b = [&](std::uint64_t bytes) {
    (j.b_is_activation ? b.spills : b.weights) += bytes;
  };
  for (const auto& in : prog) {
    const std::uint64_t bytes = in.count * static_cast<std::uint64_t>(aw);
    if (in.op == top::Op::kStore) {
      (j.output_is_network_output ? b.output : b.spills) += bytes;
    } else if (in.op == top::Op::kLoad) {
      switch (static_cast<top::Target>(in.target)) {
        case top::Target::kWbuf:
          wos ? add_b(bytes) : add_a(bytes);
          break;
        case top::Target::kSbufActive:
        case top::Target::kSbufInactive:
          wos ? add_a(bytes) : add_b(bytes);
          break;
        default:
          b.weights += bytes;  // the requantization tables
      }
    }
  }
  return b;
}

std::vector<Job> jobs_of(const map::Network& net, std::size_t i, const net::LayerQuant& q,
                         const std::vector<int>& prods, const std::vector<const net::Tensor*>& ins,
                         bool last) {
  const map::Layer& l = net.layers[i];
  const auto z = [](auto v) { return static_cast<std::size_t>(v); };
  std::vector<Job> jobs;
  const net::Tensor& a = *ins[0];
  if (l.kind == map::OpKind::kConv) {
    Job j;
    j.layer = l;
    if (a.data.size() != z(l.h) * z(l.w) * z(l.c)) {
      fail(l, fmt::format("its input is {}, not {}x{}x{}", a.shape.to_string(), l.h, l.w, l.c));
    }
    j.operands.zp_a = a.quant.zp;
    j.operands.zp_w = q.w_zp;
    j.operands.input = a.data;
    j.operands.weight = q.weights;
    j.operands.quant.scale = q.multiplier;
    j.operands.quant.ozp.assign(z(l.co), q.out.zp);
    j.operands.quant.lo = q.lo;  // a folded ReLU / ReLU6: Config's requantization clamp
    j.operands.quant.hi = q.hi;
    j.a_is_network_input = prods[0] < 0;
    j.output_is_network_output = last;
    jobs.push_back(std::move(j));
    return jobs;
  }
  const std::size_t m = z(l.m), k = z(l.k), n = z(l.n), count = z(l.count);
  if (a.data.size() != m * count * k) {
    fail(l, fmt::format("its A is {}, not {} x {}", a.shape.to_string(), m, count * k));
  }
  const net::Tensor* bt = nullptr;
  bool transposed = false;
  if (l.weights_are_activations) {
    if (ins.size() < 2) fail(l, "a matmul of two activations needs two inputs");
    bt = ins[1];
    const auto rows = z(bt->shape.n) * z(bt->shape.h) * z(bt->shape.w);
    const auto cols = z(bt->shape.c);
    const bool stored = rows == k && cols == count * n;
    const bool trans = rows == n && cols == count * k;
    if (!stored && !trans) fail(l, fmt::format("its B is {}", bt->shape.to_string()));
    // As the reference reads it: both fit only when k = n, and then a softmax's output as A
    // means P V (B as stored), anything else Q K^T (B transposed).
    const bool a_softmax = prods[0] >= 0 && net.layers[z(prods[0])].op == "softmax";
    transposed = trans && (!stored || !a_softmax);
  }
  for (std::size_t inst = 0; inst < count; ++inst) {
    Job j;
    j.layer = l;
    j.layer.count = 1;
    j.a_is_network_input = prods[0] < 0;
    j.b_is_activation = bt != nullptr;
    j.output_is_network_output = last;
    auto& o = j.operands;
    o.zp_a = a.quant.zp;
    o.zp_w = bt ? bt->quant.zp : q.w_zp;
    o.input.resize(m * k);
    for (std::size_t r = 0; r < m; ++r) {
      for (std::size_t kk = 0; kk < k; ++kk)
        o.input[r * k + kk] = a.data[r * count * k + inst * k + kk];
    }
    o.weight.resize(k * n);
    for (std::size_t kk = 0; kk < k; ++kk) {
      for (std::size_t c = 0; c < n; ++c) {
        o.weight[kk * n + c] = !bt          ? q.weights[(inst * k + kk) * n + c]
                               : transposed ? bt->data[c * count * k + inst * k + kk]
                                            : bt->data[kk * count * n + inst * n + c];
      }
    }
    const std::size_t ch = q.multiplier.size();
    if (ch != n && ch != count * n)
      fail(l, fmt::format("{} multipliers for {} channels", ch, count * n));
    const std::size_t off = ch == n ? 0 : inst * n;
    o.quant.scale.assign(q.multiplier.begin() + static_cast<std::ptrdiff_t>(off),
                         q.multiplier.begin() + static_cast<std::ptrdiff_t>(off + n));
    o.quant.ozp.assign(n, q.out.zp);
    o.quant.lo = q.lo;
    o.quant.hi = q.hi;
    jobs.push_back(std::move(j));
  }
  return jobs;
}

}  // namespace detail

using detail::Chain;
using detail::classify;
using detail::Job;
using detail::jobs_of;
using detail::producers_of;
using detail::table_folded_after;
using detail::tensor_mismatches;

OffchipBytes& OffchipBytes::operator+=(const OffchipBytes& o) {
  weights += o.weights;
  input += o.input;
  output += o.output;
  spills += o.spills;
  host += o.host;
  return *this;
}

HandOff parse_hand_off(const std::string& text) {
  if (text == "off") return HandOff::kOff;
  if (text == "auto") return HandOff::kWhenFaster;
  if (text == "always") return HandOff::kAlways;
  throw std::invalid_argument(
      fmt::format("hand-off '{}': expected off, auto (when faster) or always", text));
}

const char* to_string(HandOff h) {
  switch (h) {
    case HandOff::kOff:
      return "off";
    case HandOff::kWhenFaster:
      return "auto";
    case HandOff::kAlways:
      return "always";
  }
  return "?";
}

const char* to_string(Home h) {
  switch (h) {
    case Home::kRtl:
      return "RTL";
    case Home::kFolded:
      return "folded";
    case Home::kHost:
      return "host";
  }
  return "?";
}

NetworkReport run_network(const map::Network& net, int ah, int aw, std::uint64_t seed,
                          const NetworkRunOptions& opt) {
  const auto t0 = Clock::now();
  net.validate();
  const TopDutInfo& info = find_top_dut(ah, aw);
  const top::TopParams& p = info.params;
  std::size_t stop = net.layers.size();
  if (!opt.until.empty()) {
    const map::Layer* u = net.find(opt.until);
    if (!u) {
      throw std::invalid_argument(
          fmt::format("network '{}' has no layer named '{}' (--until)", net.name, opt.until));
    }
    stop = static_cast<std::size_t>(u - net.layers.data()) + 1;
  }
  NetworkReport rep;
  rep.network = net.name;
  rep.ah = ah;
  rep.aw = aw;
  rep.seed = seed;
  rep.network_layers = net.layers.size();
  const net::Quantization q = net::random_quantization(net, seed, opt.weights);
  rep.given_weights = opt.weights.size();
  const net::Tensor x = net::random_input(net, q, seed);
  const net::Results ref = net::evaluate(net, q, x);
  const std::vector<net::Shape> shapes = net::output_shapes(net);
  rep.reference_seconds = since(t0);
  rep.lower_bound_bytes = x.data.size();

  std::vector<net::Tensor> chip(net.layers.size());
  // Table activations folded into their producer's requantization (Config's activation table):
  // the producer writes the activation's output, checked against the activation's reference.
  std::vector<int> table_of(net.layers.size(), -1);
  for (std::size_t i = 0; i < stop; ++i) {
    const int j = table_folded_after(net, q, i);
    if (j >= 0 && static_cast<std::size_t>(j) < stop) table_of[i] = j;
  }
  std::map<std::string, map::LayerMap> plans;  // by layer shape (one instance)
  map::MapOptions mopt = opt.map;
  mopt.timing.latency = opt.run.latency;
  // The mapper's plan of a job, one per distinct layer shape.
  const auto plan_of = [&](const Job& j) -> const map::LayerMap& {
    const std::string key = j.layer.shape_string() + (j.layer.per_tensor_quant ? " pt" : "");
    auto it = plans.find(key);
    if (it == plans.end()) it = plans.emplace(key, map::map_layer(p, j.layer, mopt)).first;
    return it->second;
  };
  std::optional<Chain> chain;
  if (opt.hand_off != HandOff::kOff) {
    chain.emplace(net, info, opt.run, mopt, opt.hand_off == HandOff::kAlways);
  }
  if (opt.fault) {
    if (!net.find(opt.fault->layer)) {
      throw std::invalid_argument(
          fmt::format("fault: network '{}' has no layer named '{}'", net.name, opt.fault->layer));
    }
    if (!chain) {
      throw std::invalid_argument(
          fmt::format("fault in layer '{}': faults go into the on-chip hand-off, which is off",
                      opt.fault->layer));
    }
  }
  rep.ok = true;
  for (std::size_t i = 0; i < stop && rep.ok; ++i) {
    const auto tl = Clock::now();
    const map::Layer& l = net.layers[i];
    const net::LayerQuant& lq = q.at(l.name);
    const std::vector<int> prods = producers_of(net, i);
    std::vector<const net::Tensor*> ins;
    for (const int pi : prods) ins.push_back(pi < 0 ? &x : &chip[static_cast<std::size_t>(pi)]);
    NetworkLayerReport lr;
    lr.index = i;
    lr.name = l.name;
    lr.shape = l.shape_string();
    net::Tensor out;
    out.shape = shapes[i];
    out.quant = lq.out;
    std::string why;
    if (l.kind == map::OpKind::kOther) {
      const bool table = prods.size() == 1 && prods[0] >= 0 &&
                         table_of[static_cast<std::size_t>(prods[0])] == static_cast<int>(i);
      if (net::folded_into(net, i) >= 0 || table) {
        lr.home = Home::kFolded;
        out.data = ins[0]->data;  // written by the producer through its clamp or table
      } else {
        lr.home = Home::kHost;
        std::vector<net::Tensor> args;
        for (const auto* t : ins) args.push_back(*t);
        out = net::evaluate_layer(net, i, lq, args);
        for (const auto* t : ins) lr.bytes.host += t->data.size();
        lr.bytes.host += out.data.size();
      }
      lr.ok = true;
    } else {
      lr.home = Home::kRtl;
      const bool last = i + 1 == net.layers.size();
      std::vector<Job> jobs = jobs_of(net, i, lq, prods, ins, last);
      if (table_of[i] >= 0) {
        for (Job& j : jobs) {
          j.operands.quant.lut = q.at(net.layers[static_cast<std::size_t>(table_of[i])].name).lut;
        }
      }
      lr.instances = jobs.size();
      const bool faulted = opt.fault && opt.fault->layer == l.name;
      out.data.assign(out.shape.size(), 0);
      lr.ok = true;
      bool done = false;
      if (chain && jobs.size() == 1) {
        done = chain->run(i, jobs[0], prods[0], lr, out.data, why, faulted ? &*opt.fault : nullptr);
        if (done) lr.ok = why.empty();
      }
      if (faulted && !done) {
        throw std::invalid_argument(fmt::format(
            "fault in layer '{}': the layer does not run in an on-chip chain (it neither reads "
            "its input nor keeps its output on chip)",
            l.name));
      }
      if (!done) {
        if (chain) chain->drop();
        for (std::size_t inst = 0; inst < jobs.size() && lr.ok; ++inst) {
          const Job& j = jobs[inst];
          const map::CompiledLayer cl = map::compile_layer(p, j.layer, j.operands, plan_of(j));
          if (inst == 0) lr.mapping = cl.map.describe();
          LayerReport one;
          one.macs = cl.map.shape.macs();
          std::string diff;
          const top::Memory mem =
              detail::check_on_rtl(info, cl.program.instrs, cl.program.memory, opt.run, one, diff);
          lr.macs += one.macs;
          lr.cycles += one.run.cycles;
          lr.model_cycles += one.predicted.cycles;
          lr.model_exact = lr.model_exact && one.predicted.exact;
          lr.sim_seconds += one.run.seconds;
          lr.bytes += classify(cl.program.instrs, cl.map.dataflow == map::Dataflow::kWoS, j, aw);
          const std::vector<std::uint8_t> got = map::read_output(p, cl, mem);
          const std::string layer_diff = map::output_mismatches(cl, got);
          if (!one.golden_ok || !layer_diff.empty()) {
            lr.ok = false;
            why += jobs.size() > 1 ? fmt::format("instance {}: ", inst) : "";
            why += diff;
            if (one.divergence) why += one.divergence_text + "\n";
            why += layer_diff;
            break;
          }
          // Instance `inst` writes the columns inst*n .. of O[m][count*n].
          const std::size_t n = got.size() / std::max<std::size_t>(cl.map.shape.m, 1);
          const std::size_t width = n * jobs.size();
          for (std::size_t r = 0; r < cl.map.shape.m; ++r) {
            std::copy_n(got.begin() + static_cast<std::ptrdiff_t>(r * n), n,
                        out.data.begin() + static_cast<std::ptrdiff_t>(r * width + inst * n));
          }
        }
      }
      lr.utilization = lr.cycles ? static_cast<double>(lr.macs) / (static_cast<double>(ah) * aw *
                                                                   static_cast<double>(lr.cycles))
                                 : 0.0;
    }
    if (lr.ok) {
      const std::string& want =
          table_of[i] >= 0 ? net.layers[static_cast<std::size_t>(table_of[i])].name : l.name;
      why = tensor_mismatches(ref.at(want), out.data);
      if (!why.empty()) why = "against the network reference: " + why;
      lr.ok = why.empty();
    }
    lr.mismatch = why;
    lr.total_seconds = since(tl);
    chip[i] = std::move(out);
    rep.macs += lr.macs;
    rep.cycles += lr.cycles;
    rep.model_cycles += lr.model_cycles;
    rep.model_exact = rep.model_exact && lr.model_exact;
    rep.bytes += lr.bytes;
    rep.ok = rep.ok && lr.ok;
    rep.layers.push_back(lr);
    if (opt.on_layer) opt.on_layer(rep.layers.back(), rep);
  }
  // The lower bound: the weights and tables (a 32-bit scale and a zero point per output
  // channel) once, the input once, the last output once.
  for (const auto& lr : rep.layers) {
    const net::LayerQuant& lq = q.at(lr.name);
    if (lr.home == Home::kRtl) {
      rep.lower_bound_bytes += lq.weights.size() + 5 * lq.multiplier.size();
    }
  }
  if (!rep.layers.empty()) rep.lower_bound_bytes += chip[rep.layers.size() - 1].data.size();
  rep.utilization = rep.cycles ? static_cast<double>(rep.macs) / (static_cast<double>(ah) * aw *
                                                                  static_cast<double>(rep.cycles))
                               : 0.0;
  rep.ok = rep.ok && !rep.layers.empty();
  rep.total_seconds = since(t0);
  return rep;
}

}  // namespace feather::sim
