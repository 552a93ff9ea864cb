// The on-chip hand-off of a network run: chains of layers whose outputs stay in the streaming
// buffer for the next layer (network_internal.hpp, Chain).
#include <fmt/format.h>

#include <chrono>
#include <functional>
#include <stdexcept>

#include "feather/top/compiler.hpp"
#include "feather/top/reference.hpp"
#include "feather/top/timing.hpp"
#include "network_internal.hpp"

namespace feather::sim::detail {

namespace {

bool chainable_kind(const map::Layer& l) {
  return l.kind != map::OpKind::kOther && l.count == 1 && !l.weights_are_activations;
}

// A convolution that reads its input as it lies (im2col is the identity): 1x1, stride 1, no
// padding. Any other reads it on chip by direct convolution.
bool reads_in_place(const map::Layer& l) {
  return l.kind != map::OpKind::kConv || (l.r == 1 && l.s == 1 && l.stride_h == 1 &&
                                          l.stride_w == 1 && l.pad_h == 0 && l.pad_w == 0);
}

struct Compiled {
  top::Program prog;
  std::vector<std::uint8_t> expected;  // the layer reference's output
};

// The layer's one program: its input in the buffer in `in` (or loaded), its output stored or
// kept in the active streaming half.
Compiled compile(const top::TopParams& p, const Job& j, const std::optional<top::Layout>& in,
                 bool store, int latency, bool with_reference) {
  top::CompileOptions co;
  co.input_in_buffer = in;
  co.store_output = store;
  co.swap_output = true;
  co.timing.latency = latency;
  co.direct_conv = in.has_value() && !reads_in_place(j.layer);
  Compiled c;
  if (j.layer.kind == map::OpKind::kConv) {
    const top::ConvLayer cv = map::conv_of(j.layer, j.operands);
    c.prog = top::compile_conv(p, cv, co);
    if (with_reference) c.expected = top::conv_ref(cv);
  } else {
    const top::GemmLayer g = map::gemm_of(j.layer, j.operands);
    c.prog = top::compile_gemm(p, g, co);
    if (with_reference) c.expected = top::gemm_ref(g);
  }
  return c;
}

}  // namespace

Chain::Chain(const TopDutInfo& info, const RunOptions& run, bool always)
    : info_(info), run_(run), always_(always), golden_(info.params) {}

bool Chain::linkable(const map::Network& net, std::size_t i) {
  if (i + 1 >= net.layers.size()) return false;
  const map::Layer& a = net.layers[i];
  const map::Layer& b = net.layers[i + 1];
  if (!chainable_kind(a) || !chainable_kind(b)) return false;
  return producers_of(net, i + 1) == std::vector<int>{static_cast<int>(i)} &&
         readers_of(net, i) == std::vector<int>{static_cast<int>(i) + 1};
}

bool Chain::run(std::size_t index, const Job& job, const Job* next, int producer,
                const std::function<std::uint64_t(const Job&)>& mapped, NetworkLayerReport& lr,
                std::vector<std::uint8_t>& out, std::string& why) {
  const top::TopParams& p = info_.params;
  const bool in_chip = holds(producer);
  const std::optional<top::Layout> in =
      in_chip ? std::optional<top::Layout>(resident_layout_) : std::nullopt;
  resident_ = -1;
  // Keep the output on chip when the next layer compiles reading it there.
  std::optional<Compiled> c;
  bool keep = false;
  const top::TimingOptions timing{.latency = run_.latency, .bandwidth = 1.0};
  const auto cycles = [&](const top::Program& prog) {
    return top::predict(p, prog.instrs, timing).cycles;
  };
  if (next) {
    try {
      c = compile(p, job, in, false, run_.latency, true);
      const Compiled n = compile(p, *next, c->prog.out.layout, true, run_.latency, false);
      // Against: this layer as it would run otherwise (stored; mapped unless its input is on
      // chip) and the next one mapped.
      keep = always_ || cycles(c->prog) + cycles(n.prog) <=
                            (in_chip ? cycles(compile(p, job, in, true, run_.latency, false).prog)
                                     : mapped(job)) +
                                mapped(*next);
    } catch (const std::invalid_argument&) {
      keep = false;
    }
    if (!keep) c.reset();
  }
  if (!keep) {
    if (!in_chip) return false;  // the mapper's plan
    // The trial compile of this layer (reading its input in place) succeeded before.
    c = compile(p, job, in, true, run_.latency, true);
  }
  const auto t0 = std::chrono::steady_clock::now();
  const top::Program& prog = c->prog;
  if (!in_chip) {
    dut_ = info_.make();
    golden_ = top::Golden(p);
  }
  top::Memory gold_mem = prog.memory;
  const GoldenRun gr = run_golden(golden_, prog.instrs, gold_mem);
  if (gr.info.err != top::Err::kNone) {
    throw std::runtime_error(
        fmt::format("layer '{}': the golden model rejects the program: {} at "
                    "instruction {}: {}",
                    job.layer.name, top::to_string(gr.info.err), gr.info.instr, gr.info.detail));
  }
  RunOptions ro = run_;
  ro.reset = !in_chip;
  ro.expect_stores = &gr.stores;
  ro.trace.clear();
  top::Memory mem = prog.memory;
  const RunResult r = run_program(*dut_, prog.instrs, mem, ro);
  lr.sim_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  lr.cycles = r.cycles;
  // The model continues from what the program before it on this DUT left (a fresh DUT: reset).
  top::Timeline tl(p, timing, in_chip ? carry_ : top::TimelineCarry{});
  for (const auto& instr : prog.instrs) tl.add(instr);
  lr.model_cycles = tl.finish().cycles;
  carry_ = tl.carry();
  lr.macs = prog.macs;
  lr.bytes = classify(prog.instrs, true, job, p.aw);
  lr.mapping = fmt::format("{} (one program)", prog.mapping.to_string());
  lr.input_on_chip = in_chip;
  lr.output_on_chip = keep;
  std::string diff;
  if (r.timeout) diff += r.timeout_state + "\n";
  if (r.divergence) diff += r.divergence_text + "\n";
  diff += compare_state(*dut_, golden_);
  if (!(mem == gold_mem)) diff += "off-chip memory differs from the golden model's\n";
  out = keep ? top::read_output(p, prog.out, golden_) : top::read_output(p, prog.out, mem);
  diff += map::output_mismatches(c->expected, out, static_cast<std::size_t>(prog.out.n));
  if (!diff.empty()) {
    why += diff;
    return true;
  }
  if (keep) {
    resident_ = static_cast<int>(index);
    resident_layout_ = prog.out.layout;
  }
  return true;
}

}  // namespace feather::sim::detail
