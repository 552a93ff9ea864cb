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
#include "feather/sim/top_hier.hpp"
#include "feather/top/golden.hpp"
#include "feather/top/random_program.hpp"
#include "layer_check.hpp"

namespace feather::sim {

namespace {

using map::random_bytes;

// The directed program of `feather run --layer layouts` (no layer, no mapper): six rounds,
// round o sets the stationary, streaming and output layouts to orders o, o+2, o+4 (mod 6), so
// every buffer sees every order once; loads the stationary buffer and both streaming halves
// (the inactive one too) with random data, runs a sixth of a mapping sweep (every (grlog, gclog),
// every vn; the mappings the golden model accepts), maps, streams one step (accumulating in odd
// rounds) and stores from every buffer (the stationary one too); odd rounds end with a half
// swap. These are the stimulus gaps of compiled layers (docs/coverage.md).
std::pair<std::vector<top::Instr>, top::Memory> directed_layouts(const top::TopParams& p,
                                                                 std::mt19937_64& rng) {
  using top::Instr;
  using top::Op;
  using top::Target;
  const auto aw = static_cast<std::uint64_t>(p.aw);
  const auto ah = static_cast<std::uint64_t>(p.ah);
  const auto vnm1 = static_cast<std::uint32_t>(p.ah - 1);
  const std::uint64_t wl = std::min<std::uint64_t>(static_cast<std::uint64_t>(p.wd), ah * ah);
  const std::uint64_t sl = std::min<std::uint64_t>(static_cast<std::uint64_t>(p.sd), 4 * ah);
  std::vector<Instr> prog;
  top::Memory mem(p.aw);
  std::uint64_t next = 0;  // next free off-chip word
  auto image = [&](std::uint64_t words) {
    const std::uint64_t at = next;
    for (std::uint64_t k = 0; k < words; ++k) mem.write(at + k, random_bytes(rng, aw));
    next += words;
    return at;
  };
  // The factors of each layout are the first of a few candidates the golden model accepts
  // (an order that puts the VNs a step reads into one bank is a conflict, not a test).
  std::vector<top::Layout> cands;
  for (std::uint32_t f0log : {0U, 1U, 2U}) {
    for (std::uint64_t f1 : {ah, std::uint64_t{4}, std::uint64_t{1}, aw}) {
      for (std::uint64_t f2 : {aw, ah, std::uint64_t{4}, std::uint64_t{1}}) {
        top::Layout l = top::stimulus_layout(0, f1, f2);
        l.f0log = f0log;
        if (f0log < static_cast<std::uint32_t>(p.flw())) cands.push_back(l);
      }
    }
  }
  // Mappings for the sweep: every legal (grlog, gclog) pair with vn = AH, and every vn with
  // (0, 0).
  std::vector<Instr> maps;
  for (std::uint32_t gr = 0; gr <= static_cast<std::uint32_t>(p.awl()); ++gr)
    for (std::uint32_t gc = 0; gc <= gr; ++gc) maps.push_back(Instr::map(0, 0, gr, gc, vnm1));
  for (std::uint32_t v = 0; v < vnm1; ++v) maps.push_back(Instr::map(0, 0, 0, 0, v));
  top::Golden g(p);
  top::Memory gm(p.aw);
  std::string why;  // the golden model's last objection
  auto accepts = [&](const std::vector<Instr>& more) {
    top::Golden g2 = g;
    top::Memory m2 = gm;
    for (const auto& in : more) {
      if (const auto e = g2.execute(in, m2); e != top::Err::kNone) {
        why = fmt::format("{}: {}", top::to_string(e), g2.err_detail());
        return false;
      }
    }
    return true;
  };
  auto with = [](top::Layout l, std::uint32_t order) {
    l.order = order;
    return l;
  };
  for (std::uint32_t o = 0; o < 6; ++o) {
    const auto zp = random_bytes(rng, 2);
    std::vector<Instr> round;
    round.push_back(Instr::config(zp[0], zp[1], false));
    const std::size_t set_w = round.size();
    round.push_back(Instr::set_layout(Op::kSetWvnLayout, top::stimulus_layout(o, ah, aw)));
    const std::size_t set_i = round.size();
    round.push_back(Instr::set_layout(Op::kSetIvnLayout, top::stimulus_layout((o + 2) % 6, 4, aw)));
    const std::size_t set_o = round.size();
    round.push_back(Instr::set_layout(Op::kSetOvnLayout, top::stimulus_layout((o + 4) % 6, 4, aw)));
    round.push_back(Instr::load(Target::kWbuf, 0, wl, image(wl)));
    round.push_back(Instr::load(Target::kSbufActive, 0, sl, image(sl)));
    round.push_back(Instr::load(Target::kSbufInactive, 0, sl, image(sl)));
    if (o == 0) {
      // The requantization and activation tables too (one line each), so that every Load
      // target is used.
      round.push_back(Instr::load(Target::kScale, 0, 1, image(1)));
      round.push_back(Instr::load(Target::kOzp, 0, 1, image(1)));
      round.push_back(Instr::load(Target::kLut, 0, 1, image(1)));
    }
    round.push_back(Instr::map(0, 0, 0, 0, vnm1));
    const std::size_t mapped = round.size();
    round.push_back(Instr::stream(0, 1, 1, o % 2 == 1, false, top::reduce_all_to_lane(p, 0)));
    std::size_t streamed = round.size();
    gm.merge(mem);
    auto pick = [&](std::size_t at, std::uint32_t order, std::size_t upto) {
      for (const auto& c : cands) {
        round[at].layout = with(c, order);
        if (accepts({round.begin(), round.begin() + static_cast<std::ptrdiff_t>(upto)})) return;
      }
      throw std::logic_error(fmt::format(
          "directed layouts program: no candidate layout of order {} is accepted for {}x{} "
          "(last: {})",
          order, p.ah, p.aw, why));
    };
    pick(set_w, o, mapped);
    // The mapping sweep of this round (every sixth of the list), each mapping the golden model
    // accepts after the loads, before the round's own mapping.
    std::vector<Instr> sweep;
    for (std::size_t k = o; k < maps.size(); k += 6) {
      std::vector<Instr> trial(round.begin(),
                               round.begin() + static_cast<std::ptrdiff_t>(mapped - 1));
      trial.insert(trial.end(), sweep.begin(), sweep.end());
      trial.push_back(maps[k]);
      if (accepts(trial)) sweep.push_back(maps[k]);
    }
    round.insert(round.begin() + static_cast<std::ptrdiff_t>(mapped - 1), sweep.begin(),
                 sweep.end());
    streamed += sweep.size();
    pick(set_i, (o + 2) % 6, streamed);
    pick(set_o, (o + 4) % 6, streamed);
    round.push_back(Instr::store(Target::kWbuf, 0, wl, next));
    next += wl;
    round.push_back(Instr::store(Target::kSbufInactive, 0, sl, next));
    next += sl;
    round.push_back(Instr::store(Target::kSbufActive, 0, sl, next));
    next += sl;
    if (o % 2 == 1) round.push_back(Instr::config(zp[0], zp[1], true));
    for (const auto& in : round) {
      if (const auto e = g.execute(in, gm); e != top::Err::kNone) {
        throw std::logic_error(fmt::format("directed layouts program: {} at {}", top::to_string(e),
                                           top::disassemble(in)));
      }
      prog.push_back(in);
    }
  }
  return {prog, mem};
}

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
  const auto& info = find_top_dut(ah, aw);
  const auto& p = info.params;
  check_fits_off_chip(layer, p);
  std::mt19937_64 rng(seed);
  LayerReport rep;
  rep.layer = describe(layer);
  const auto c0 = std::chrono::steady_clock::now();
  const map::Operands operands = map::random_operands(layer, rng);
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
  const std::string out = map::output_mismatches(cl, map::read_output(p, cl, mem), 1);
  rep.output_ok = out.empty();
  rep.mismatch = diff + out;
  return rep;
}

LayerReport run_directed_layouts(int ah, int aw, std::uint64_t seed, const RunOptions& opt) {
  const auto& info = find_top_dut(ah, aw);
  std::mt19937_64 rng(seed);
  LayerReport rep;
  auto [instrs, memory] = directed_layouts(info.params, rng);
  rep.layer =
      "directed program: every layout order per buffer, Loads to both streaming "
      "halves, Stores from every buffer";
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
