#include "feather/sim/layer_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <set>
#include <stdexcept>

#include "feather/birrd/router.hpp"
#include "feather/map/compile.hpp"
#include "feather/sim/gtkw.hpp"
#include "feather/sim/random_stream.hpp"
#include "feather/sim/top_coverage.hpp"
#include "feather/sim/top_hier.hpp"
#include "feather/top/golden.hpp"
#include "feather/top/random_program.hpp"
#include "layer_check.hpp"

namespace feather::sim {

namespace {

using map::random_bytes;

// Output-buffer words are int32 accumulators; the other buffers hold bytes.
std::int64_t as_signed(int buffer, std::uint32_t v) {
  return buffer == 2 ? static_cast<std::int64_t>(static_cast<std::int32_t>(v))
                     : static_cast<std::int64_t>(v);
}

}  // namespace

namespace detail {

void locate_wrong_write(const TopDutInfo& info, const std::vector<Replay>& before,
                        const top::Golden& start, const std::vector<top::Instr>& golden_prog,
                        const std::vector<top::Instr>& rtl_prog, const top::Memory& memory,
                        const RunOptions& ro, const top::Golden& final_golden,
                        std::pair<std::uint64_t, std::uint64_t> lines, LayerReport& rep) {
  constexpr std::size_t kMaxWatch = 4096;
  Divergence& d = *rep.divergence;
  unsigned long long line = 0;
  int half = 0, bank = 0, buffer = 0;
  if (std::sscanf(d.unit.c_str(), "sbuf.half%d.bank%d.line%llu", &half, &bank, &line) == 3) {
    buffer = 0;
  } else if (std::sscanf(d.unit.c_str(), "wbuf.bank%d.line%llu", &bank, &line) == 2) {
    buffer = 1;
  } else if (std::sscanf(d.unit.c_str(), "obuf.bank%d.line%llu", &bank, &line) == 2) {
    buffer = 2;
  } else {
    return;
  }
  const int aw = info.params.aw;
  RunOptions again = ro;
  again.trace.clear();
  again.coverage = nullptr;
  again.watch.clear();
  // The divergent line first, then the Store's other lines nearest to it.
  std::vector<std::uint64_t> watch_lines{line};
  for (std::uint64_t dist = 1; lines.second > lines.first; ++dist) {
    const bool below = line >= lines.first + dist, above = line + dist < lines.second;
    if (!below && !above) break;
    if (below) watch_lines.push_back(line - dist);
    if (above) watch_lines.push_back(line + dist);
  }
  for (const auto l : watch_lines) {
    for (int b = 0; b < aw && again.watch.size() < kMaxWatch; ++b)
      again.watch.push_back({buffer, half, b, l});
  }
  const std::size_t n = again.watch.size();
  auto value = [&](const top::Golden& g, const RunOptions::Watch& w) -> std::uint32_t {
    return buffer == 0   ? g.sbuf(half, w.bank, w.line)
           : buffer == 1 ? g.wbuf(w.bank, w.line)
                         : g.obuf(w.bank, w.line);
  };
  // Every value a watched line-bank holds in the golden model between instructions.
  std::vector<std::set<std::uint32_t>> legal(n);
  {
    top::Golden g = start;
    top::Memory m = memory;
    for (std::size_t k = 0; k < n; ++k) legal[k].insert(value(g, again.watch[k]));
    for (const auto& in : golden_prog) {
      if (g.execute(in, m) != top::Err::kNone) break;
      for (std::size_t k = 0; k < n; ++k) legal[k].insert(value(g, again.watch[k]));
    }
  }
  auto dut = info.make();
  for (const Replay& r : before) {
    top::Memory m = r.memory;
    (void)run_program(*dut, r.instrs, m, r.opt);
  }
  top::Memory mem = memory;
  const RunResult r = run_program(*dut, rtl_prog, mem, again);
  // Per line-bank: the first wrong write (streaming, stationary) or the last write (output)
  // before the divergence was seen; then the earliest of the wrong ones.
  std::vector<std::optional<RunResult::Change>> pick(n);
  bool written = false;  // the divergent line-bank itself
  for (const auto& ch : r.watch_changes) {
    if (ch.cycle >= d.cycle) break;
    auto& p = pick[ch.watch];
    const auto& w = again.watch[ch.watch];
    if (w.line == line && w.bank == bank) written = true;
    if (buffer == 2) {
      p = ch;
    } else if (!p && !legal[ch.watch].count(ch.value)) {
      p = ch;
    }
  }
  std::optional<RunResult::Change> wrong;
  for (const auto& p : pick) {
    if (p && !legal[p->watch].count(p->value) && (!wrong || p->cycle < wrong->cycle)) wrong = p;
  }
  auto where = [&](int b, std::uint64_t l) {
    const char* name = buffer == 0   ? "streaming buffer"
                       : buffer == 1 ? "stationary buffer"
                                     : "output buffer";
    return buffer == 0 ? fmt::format("{} half {} bank {} line {}", name, half, b, l)
                       : fmt::format("{} bank {} line {}", name, b, l);
  };
  if (wrong) {
    const auto& w = again.watch[wrong->watch];
    rep.divergence_text = fmt::format(
        "cycle {}: the RTL wrote {} ({:#x}) into {}, a value the golden model never has there "
        "(its final value there: {}); first seen at {}",
        wrong->cycle, as_signed(buffer, wrong->value), wrong->value, where(w.bank, w.line),
        as_signed(buffer, value(final_golden, w)), rep.divergence_text);
    d.cycle = wrong->cycle;
    d.wave_time = top_wave_time(wrong->cycle);
    d.unit = buffer == 0   ? fmt::format("sbuf.half{}.bank{}.line{}", half, w.bank, w.line)
             : buffer == 1 ? fmt::format("wbuf.bank{}.line{}", w.bank, w.line)
                           : fmt::format("obuf.bank{}.line{}", w.bank, w.line);
    // The write port of the bank is the divergent signal now; what saw it stays a neighbour.
    const auto port = top_bank_port(*dut, buffer, w.bank, half);
    const std::string seen = d.signal;
    const std::string t = dut->trace_scope();
    d.signal = port[2];
    d.neighbours = {port[0],
                    port[1],
                    top_hier::reg(t, "st_busy_q"),
                    top_hier::reg(t, "beat_valid_q"),
                    top_hier::reg(t, "mem_busy_q"),
                    top_hier::reg(t, "half_q"),
                    seen};
  } else if (!written) {
    rep.divergence_text +=
        fmt::format("; the RTL never wrote {} (a write is missing)", where(bank, line));
  } else {
    rep.divergence_text += fmt::format(
        "; {} holds a value it also holds in the golden model at some point (a later write is "
        "missing or late)",
        where(bank, line));
  }
}

top::Memory check_on_rtl(const TopDutInfo& info, const std::vector<top::Instr>& instrs,
                         const top::Memory& memory, const RunOptions& opt, LayerReport& rep,
                         std::string& diff) {
  const auto& p = info.params;
  const auto g0 = std::chrono::steady_clock::now();
  top::Golden golden(p);
  top::Memory gold_mem = memory;
  const GoldenRun gr = run_golden(golden, instrs, gold_mem);
  if (opt.coverage) cover_top_corners(*opt.coverage, golden.take_corners());
  const auto& ge = gr.info;
  rep.golden_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - g0).count();
  if (ge.err != top::Err::kNone) {
    throw std::runtime_error(
        fmt::format("the golden model rejects the program: {} at "
                    "instruction {}: {}",
                    top::to_string(ge.err), ge.instr, ge.detail));
  }

  auto dut = info.make();
  top::Memory mem = memory;
  RunOptions ro = opt;
  ro.expect_stores = &gr.stores;
  rep.run = run_program(*dut, instrs, mem, ro);
  // Random back-pressure P is predicted as a memory of 1 - P words per cycle (an estimate).
  rep.predicted =
      top::predict(p, instrs, {.latency = opt.latency, .bandwidth = 1.0 - opt.backpressure});
  rep.utilization = rep.run.cycles ? static_cast<double>(rep.macs) /
                                         (static_cast<double>(p.ah) * static_cast<double>(p.aw) *
                                          static_cast<double>(rep.run.cycles))
                                   : 0.0;
  if (rep.run.timeout) diff += rep.run.timeout_state + "\n";
  diff += compare_state(*dut, golden);
  if (!(mem == gold_mem)) diff += "off-chip memory differs from the golden model's\n";
  if (rep.run.divergence && !rep.run.timeout) diff += rep.run.divergence_text + "\n";
  rep.golden_ok = diff.empty();
  // The first divergence: during the run (an off-chip write, the watchdog), else at its end.
  // The last simulated cycle: the state compared is the one after its rising edge.
  const std::uint64_t last = rep.run.cycles ? rep.run.cycles - 1 : 0;
  if (rep.run.divergence) {
    rep.divergence = rep.run.divergence;
    rep.divergence_text = rep.run.divergence_text;
  } else if (auto d = first_state_divergence(*dut, golden, last)) {
    rep.divergence = std::move(d);
    rep.divergence_text =
        fmt::format("cycle {} (end of the run): {}", last, diff.substr(0, diff.find('\n')));
  } else if (!rep.golden_ok) {
    Divergence m;
    m.cycle = last;
    m.unit = "mem";
    m.signal = dut->trace_scope() + ".mem_req_we_o";
    m.wave_time = top_wave_time(last);
    rep.divergence = std::move(m);
    rep.divergence_text = fmt::format(
        "cycle {} (end of the run): off-chip memory differs from the golden model's ({} words "
        "written, the golden model's Stores write {})",
        last, rep.run.mem_writes, gr.stores.size());
  }
  if (rep.divergence) {
    std::pair<std::uint64_t, std::uint64_t> lines{0, 0};  // the lines to watch, [first, end)
    if (rep.run.divergent_store) {
      const auto& in = instrs[gr.stores[*rep.run.divergent_store].instr];
      lines = {in.line, in.line + in.count};
    }
    locate_wrong_write(info, {}, top::Golden(p), instrs, instrs, memory, ro, golden, lines, rep);
  }
  if (!opt.trace.empty()) {
    rep.gtkw = gtkw_path_for(opt.trace);
    const std::uint64_t stop =
        opt.trace_cycles ? std::min(opt.trace_stop, opt.trace_cycles - 1) : opt.trace_stop;
    write_top_gtkw(*dut, opt.trace, rep.divergence ? &*rep.divergence : nullptr, opt.trace_start,
                   std::min(stop, last));
  }
  return mem;
}

}  // namespace detail

using detail::check_on_rtl;

namespace {

// a * b, saturating at 2^64 - 1 (a layer's tensor sizes can exceed 64 bits).
std::uint64_t mul_sat(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) {
    return std::numeric_limits<std::uint64_t>::max();
  }
  return a * b;
}

// The layer's input and weights must fit the top's off-chip memory (2^MAW words of AW bytes):
// checked before any operand is generated, so that a layer far too large is named instead of
// ending in std::bad_alloc.
void check_fits_off_chip(const map::Layer& l, const top::TopParams& p) {
  const auto u = [](int v) { return static_cast<std::uint64_t>(std::max(v, 0)); };
  std::uint64_t in = 0, w = 0;
  if (l.kind == map::OpKind::kConv) {
    in = mul_sat(mul_sat(u(l.h), u(l.w)), u(l.c));
    w = mul_sat(mul_sat(mul_sat(u(l.co), u(l.r)), u(l.s)), u(l.groups > 0 ? l.c / l.groups : 0));
  } else {
    in = mul_sat(u(l.m), u(l.k));
    w = mul_sat(u(l.k), u(l.n));
  }
  const std::uint64_t capacity =
      p.maw >= 58 ? std::numeric_limits<std::uint64_t>::max()
                  : mul_sat(std::uint64_t{1} << p.maw, static_cast<std::uint64_t>(p.aw));
  const std::uint64_t need = in > capacity || w > capacity ? capacity + 1 : in + w;
  if (need > capacity) {
    throw std::invalid_argument(fmt::format(
        "layer '{}': its input ({} bytes) and weights ({} bytes) do not fit the {}x{} top's "
        "off-chip memory: MAW = {} addresses 2^{} words of {} bytes = {} bytes",
        l.name, in, w, p.ah, p.aw, p.maw, p.maw, p.aw, capacity));
  }
}

}  // namespace

LayerReport run_layer(const map::Layer& layer, int ah, int aw, std::uint64_t seed,
                      const RunOptions& opt, const map::MapOptions& mopt) {
  check_fits_off_chip(layer, find_top_dut(ah, aw).params);
  std::mt19937_64 rng(seed);
  return run_layer_with(layer, map::random_operands(layer, rng), ah, aw, opt, mopt);
}

LayerReport run_layer_with(const map::Layer& layer, const map::Operands& operands, int ah, int aw,
                           const RunOptions& opt, const map::MapOptions& mopt,
                           std::vector<std::uint8_t>* output) {
  const auto& info = find_top_dut(ah, aw);
  const auto& p = info.params;
  check_fits_off_chip(layer, p);
  LayerReport rep;
  rep.layer = describe(layer);
  const auto c0 = std::chrono::steady_clock::now();
  map::MapOptions mo = mopt;
  mo.timing.latency = opt.latency;
  const map::CompiledLayer cl = map::compile_layer(p, layer, operands, mo);
  rep.compile_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
  rep.map = cl.map;
  rep.mapping = rep.map.describe() + "\n" + rep.map.tile_summary;
  rep.program = cl.program.instrs;
  rep.macs = cl.map.shape.macs();

  std::string diff;
  const top::Memory mem = check_on_rtl(info, cl.program.instrs, cl.program.memory, opt, rep, diff);
  std::vector<std::uint8_t> got = map::read_output(p, cl, mem);
  const std::string out = map::output_mismatches(cl, got, 1);
  rep.output_ok = out.empty();
  rep.mismatch = diff + out;
  if (output) *output = std::move(got);
  return rep;
}

LayerReport run_directed_layouts(int ah, int aw, std::uint64_t seed, const RunOptions& opt) {
  const auto& info = find_top_dut(ah, aw);
  std::mt19937_64 rng(seed);
  LayerReport rep;
  auto [instrs, memory] = detail::directed_layouts(info.params, rng);
  rep.layer =
      "directed program: every layout order per buffer (equal and unequal factors), Loads to "
      "both streaming halves, Stores from every buffer, the control corners";
  rep.mapping = "none (a directed instruction stream, not a layer)";
  rep.program = instrs;
  std::string diff;
  check_on_rtl(info, instrs, memory, opt, rep, diff);
  rep.output_ok = true;  // no output tensor: the golden model is the reference
  rep.mismatch = diff;
  return rep;
}

LayerReport run_stimulus(const Stimulus& s, int ah, int aw, std::uint64_t seed,
                         const RunOptions& opt, const map::MapOptions& mopt) {
  if (const auto* l = std::get_if<map::Layer>(&s)) return run_layer(*l, ah, aw, seed, opt, mopt);
  if (std::holds_alternative<DirectedLayouts>(s)) return run_directed_layouts(ah, aw, seed, opt);
  return run_random_streams(find_top_dut(ah, aw), seed, std::get<RandomStreams>(s).streams, opt);
}

}  // namespace feather::sim
