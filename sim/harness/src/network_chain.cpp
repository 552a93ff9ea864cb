// The on-chip hand-off of a network run: chains of layers whose outputs stay in the streaming
// buffer for the next layer (network_internal.hpp, Chain).
#include <fmt/format.h>

#include <chrono>
#include <functional>
#include <stdexcept>

#include "feather/map/hand_off.hpp"
#include "feather/sim/top_coverage.hpp"
#include "feather/top/compiler.hpp"
#include "feather/top/timing.hpp"
#include "network_internal.hpp"

namespace feather::sim::detail {

namespace {

// The output tensor O[m][n] as it lies in the DUT's streaming buffer.
std::vector<std::uint8_t> output_in_buffer(const TopDut& dut, const top::OutputPlacement& o) {
  const top::TopParams& p = dut.params();
  const int half = o.inactive ? 1 - dut.half() : dut.half();
  std::vector<std::uint8_t> v(static_cast<std::size_t>(o.m) * static_cast<std::size_t>(o.n));
  for (int m = 0; m < o.m; ++m) {
    for (int n = 0; n < o.n; ++n) {
      const auto a =
          o.layout.addr(static_cast<std::uint64_t>(m), static_cast<std::uint64_t>(n / p.ah),
                        static_cast<std::uint32_t>(n % p.ah), p.aw, p.ah);
      v[static_cast<std::size_t>(m) * static_cast<std::size_t>(o.n) + static_cast<std::size_t>(n)] =
          dut.sbuf(half, static_cast<int>(a.bank), a.line);
    }
  }
  return v;
}

// "layer 'L': output element [h=..][w=..][c=..]: expected E, actual A" for the first element
// that differs (a GEMM's [m][n]), or "".
std::string first_wrong_element(const map::Layer& l, const std::vector<std::uint8_t>& want,
                                const std::vector<std::uint8_t>& got, std::size_t width) {
  for (std::size_t i = 0; i < std::min(want.size(), got.size()); ++i) {
    if (want[i] == got[i]) continue;
    const std::size_t m = i / width, n = i % width;
    const std::string at =
        l.kind == map::OpKind::kConv
            ? fmt::format("[h={}][w={}][c={}]", m / static_cast<std::size_t>(l.wo()),
                          m % static_cast<std::size_t>(l.wo()), n)
            : fmt::format("[m={}][n={}]", m, n);
    return fmt::format("layer '{}': output element {}: expected {}, actual {}\n", l.name, at,
                       want[i], got[i]);
  }
  return "";
}

}  // namespace

std::string Chain::locate(const top::Golden& start, const std::vector<top::Instr>& golden_prog,
                          const std::vector<top::Instr>& rtl_prog, const top::Memory& memory,
                          const RunOptions& ro, const GoldenRun& gr, const RunResult& r,
                          const std::string& diff) {
  LayerReport rep;
  const std::uint64_t last = r.cycles ? r.cycles - 1 : 0;
  if (r.divergence) {
    rep.divergence = r.divergence;
    rep.divergence_text = r.divergence_text;
  } else if (auto d = first_state_divergence(*dut_, golden_, last)) {
    rep.divergence = std::move(d);
    rep.divergence_text = fmt::format("cycle {} (end of the layer's program): {}", last,
                                      diff.substr(0, diff.find('\n')));
  } else {
    return "";
  }
  std::pair<std::uint64_t, std::uint64_t> lines{0, 0};
  if (r.divergent_store) {
    const auto& in = golden_prog[gr.stores[*r.divergent_store].instr];
    lines = {in.line, in.line + in.count};
  }
  RunOptions again = ro;
  again.expect_stores = &gr.stores;
  locate_wrong_write(info_, history_, start, golden_prog, rtl_prog, memory, again, golden_, lines,
                     rep);
  std::string text = "RTL divergence: " + rep.divergence_text + "\n";
  if (text.find("a write is missing") == std::string::npos) return text;
  // The divergent line was never written: the write may have gone elsewhere (a corrupted
  // layout or address). The first streaming-buffer lines that the RTL changed during the
  // program and that differ from the golden model's, each watched the same way, until one
  // shows a wrong write.
  const top::TopParams& p = info_.params;
  const std::string seen = rep.divergence ? rep.divergence->unit : "";
  int tried = 0;
  for (int half = 0; half < 2 && tried < 3; ++half) {
    for (std::uint64_t line = 0; line < static_cast<std::uint64_t>(p.sd) && tried < 3; ++line) {
      for (int bank = 0; bank < p.aw; ++bank) {
        const std::uint8_t v = dut_->sbuf(half, bank, line);
        if (v == golden_.sbuf(half, bank, line) || v == start.sbuf(half, bank, line)) continue;
        const std::string unit = fmt::format("sbuf.half{}.bank{}.line{}", half, bank, line);
        if (unit == seen) break;
        LayerReport other;
        other.divergence = Divergence{last, unit, "", {}, -1};
        other.divergence_text =
            fmt::format("streaming buffer half {} bank {} line {} differs", half, bank, line);
        locate_wrong_write(info_, history_, start, golden_prog, rtl_prog, memory, again, golden_,
                           {0, 0}, other);
        ++tried;
        if (other.divergence_text.find("the RTL wrote") != std::string::npos) {
          return text + "RTL divergence, the misdirected write: " + other.divergence_text + "\n";
        }
        break;  // one try per line
      }
    }
  }
  return text;
}

Chain::Chain(const map::Network& net, const TopDutInfo& info, const RunOptions& run,
             const map::MapOptions& mopt, bool always)
    : net_(net),
      preds_(map::network_producers(net)),
      info_(info),
      run_(run),
      mopt_(mopt),
      always_(always),
      golden_(info.params) {}

const map::ChainPlan& Chain::chain_of(std::size_t index) {
  if (cur_ && index >= first_ && index <= last_) return *cur_;
  first_ = last_ = index;
  while (map::hand_off_linkable(net_, preds_, last_)) ++last_;
  std::vector<map::Layer> layers(net_.layers.begin() + static_cast<std::ptrdiff_t>(first_),
                                 net_.layers.begin() + static_cast<std::ptrdiff_t>(last_) + 1);
  std::string key;
  for (const map::Layer& l : layers) {
    key += l.shape_string() + (l.per_tensor_quant ? " pt" : "") + ";";
  }
  auto it = plans_.find(key);
  if (it == plans_.end()) {
    it =
        plans_.emplace(key, map::plan_chain(info_.params, layers, mopt_, always_, nullptr, &cache_))
            .first;
  }
  cur_ = &it->second;
  return *cur_;
}

bool Chain::run(std::size_t index, const Job& job, int producer, NetworkLayerReport& lr,
                std::vector<std::uint8_t>& out, std::string& why, const NetworkFault* fault) {
  const top::TopParams& p = info_.params;
  const bool in_chip = holds(producer);
  resident_ = -1;
  if (!in_chip && !map::hand_off_linkable(net_, preds_, index)) return false;
  const map::ChainPlan& cp = chain_of(index);
  const std::size_t k = index - first_;
  const bool keep = k < cp.images.size() && cp.images[k].has_value();
  if (!keep && !in_chip) return false;  // the mapper's plan
  const map::LayerMap* plan = &cp.plans[k];
  // The plan's memory, and random back-pressure P as 1 - P of its bandwidth (an estimate).
  top::TimingOptions timing = plan->timing_options;
  timing.bandwidth *= 1.0 - run_.backpressure;
  const map::CompiledLayer cl = map::compile_layer(p, job.layer, job.operands, *plan);
  if (in_chip != plan->input_resident.has_value()) {
    throw std::logic_error(
        fmt::format("layer '{}': the chain's plan and the buffer disagree", job.layer.name));
  }
  const map::MappedProgram& prog = cl.program;
  const auto t0 = std::chrono::steady_clock::now();
  if (!in_chip) {
    dut_ = info_.make();
    golden_ = top::Golden(p);
    history_.clear();
  }
  const top::Golden start = golden_;
  top::Memory gold_mem = prog.memory;
  const GoldenRun gr = run_golden(golden_, prog.instrs, gold_mem);
  if (run_.coverage) cover_top_corners(*run_.coverage, golden_.take_corners());
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
  std::vector<top::Instr> rtl_instrs = prog.instrs;
  if (fault && fault->kind == NetworkFault::Kind::kLayout) {
    for (auto& ins : rtl_instrs) {
      if (ins.op == top::Op::kSetOvnLayout) ins.layout.base ^= fault->bits;
    }
  } else if (fault) {
    ro.fault_from_cycle = fault->cycle;
    ro.fault_line_xor = fault->bits;
  }
  top::Memory mem = prog.memory;
  const RunResult r = run_program(*dut_, rtl_instrs, mem, ro);
  lr.sim_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  lr.cycles = r.cycles;
  // The model continues from what the program before it on this DUT left (a fresh DUT: reset).
  top::Timeline tl(p, timing, in_chip ? carry_ : top::TimelineCarry{});
  for (const auto& instr : prog.instrs) tl.add(instr);
  const top::Timing predicted = tl.finish();
  lr.model_cycles = predicted.cycles;
  lr.model_exact = predicted.exact;
  carry_ = tl.carry();
  lr.macs = cl.map.shape.macs();
  lr.bytes = classify(prog.instrs, true, job, p.aw);
  lr.mapping = fmt::format("{}{}{}", cl.map.describe(), in_chip ? ", input on chip" : "",
                           keep ? ", output kept on chip" : "");
  lr.input_on_chip = in_chip;
  lr.output_on_chip = keep;
  std::string diff;
  if (r.timeout) diff += r.timeout_state + "\n";
  if (r.divergence) diff += r.divergence_text + "\n";
  diff += compare_state(*dut_, golden_);
  if (!(mem == gold_mem)) diff += "off-chip memory differs from the golden model's\n";
  const std::size_t width = cl.map.shape.groups * cl.map.shape.n;
  out = keep ? top::read_output(p, *prog.image, golden_) : map::read_output(p, cl, mem);
  // The RTL's output where the next layer reads it (kept: its image), element by element.
  const std::vector<std::uint8_t> rtl_out = keep ? output_in_buffer(*dut_, *prog.image) : out;
  diff += map::output_mismatches(cl.expected, rtl_out, width);
  if (!diff.empty()) {
    why += first_wrong_element(job.layer, cl.expected, rtl_out, width);
    why += locate(start, prog.instrs, rtl_instrs, prog.memory, ro, gr, r, diff);
    why += diff;
    return true;
  }
  Replay done{std::move(rtl_instrs), prog.memory, ro};
  done.opt.expect_stores = nullptr;
  done.opt.coverage = nullptr;
  history_.push_back(std::move(done));
  if (keep) {
    resident_ = static_cast<int>(index);
    resident_layout_ = *plan->output_image;
  }
  return true;
}

}  // namespace feather::sim::detail
