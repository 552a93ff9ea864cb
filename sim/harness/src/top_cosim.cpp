#include "feather/sim/top_cosim.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <deque>
#include <functional>
#include <random>
#include <stdexcept>
#include <tuple>

#include "feather/sim/gtkw.hpp"
#include "feather/sim/top_coverage.hpp"
#include "feather/sim/top_hier.hpp"

namespace feather::sim {

using top::Instr;
using top::Op;

void check_run_options(const RunOptions& opt) {
  if (opt.latency < 1) {
    throw std::invalid_argument(
        fmt::format("run options: latency must be at least 1 cycle, got {}", opt.latency));
  }
  if (!(opt.backpressure >= 0.0 && opt.backpressure <= kMaxBackpressure)) {  // NaN fails too
    throw std::invalid_argument(
        fmt::format("run options: back-pressure must be a probability in [0, {}], got {}",
                    kMaxBackpressure, opt.backpressure));
  }
}

std::uint64_t cycle_bound(const top::TopParams& p, const std::vector<Instr>& prog,
                          const RunOptions& opt) {
  check_run_options(opt);
  const double bp = opt.backpressure;
  const double slow = 1.0 / (1.0 - bp);
  const std::uint64_t pipe = static_cast<std::uint64_t>(p.ah + p.stages() + 16);
  double total = 1000.0;
  for (const auto& in : prog) {
    const double vn = static_cast<double>(in.vnm1 + 1);
    switch (in.op) {
      case Op::kStream:
        total += static_cast<double>(in.t) * static_cast<double>(p.ah) + static_cast<double>(pipe);
        break;
      case Op::kMap:
        total += vn * vn + static_cast<double>(pipe);
        break;
      case Op::kLoad:
      case Op::kStore:
        total += static_cast<double>(in.count) * (4.0 + static_cast<double>(opt.latency)) * slow +
                 static_cast<double>(opt.latency) + 8.0;
        break;
      default:
        total += 4.0 + static_cast<double>(pipe);
        break;
    }
  }
  return static_cast<std::uint64_t>(total) * 4;
}

GoldenRun run_golden(top::Golden& g, const std::vector<Instr>& prog, top::Memory& mem) {
  GoldenRun r;
  const auto& p = g.params();
  const std::uint64_t amask = p.maw >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << p.maw) - 1;
  for (std::size_t i = 0; i < prog.size(); ++i) {
    const Instr& in = prog[i];
    const top::Err e = g.execute(in, mem);
    if (e != top::Err::kNone) {
      r.info = top::ErrorInfo{e, i, g.err_detail()};
      return r;
    }
    if (in.op != Op::kStore) continue;
    // A Store leaves the buffers as they were: the words it wrote are in memory now.
    for (std::uint64_t k = 0; k < in.count; ++k) {
      StoreWord w;
      w.instr = i;
      w.target = in.target;
      w.half = in.target == 1 ? g.half() : 1 - g.half();
      w.line = in.line + k;
      w.addr = (in.addr + k) & amask;
      w.word = mem.read(w.addr);
      r.stores.push_back(std::move(w));
    }
  }
  r.info = top::ErrorInfo{top::Err::kNone, prog.size(), ""};
  return r;
}

long top_wave_time(std::uint64_t cycle) { return 2 * (2 + static_cast<long>(cycle)); }

namespace {

int addr_bits(int depth) {
  return depth > 1 ? std::bit_width(static_cast<unsigned>(depth - 1)) : 1;
}

// The waveform names of one bank's buffer write port: we_i, waddr_i, wdata_i.
std::vector<std::string> bank_port(const TopDut& dut, const char* buf, int bank, int half = 0) {
  const auto& p = dut.params();
  const std::string s = top_hier::bank(dut.trace_scope(), buf, bank, half);
  const std::string_view b(buf);
  const int depth = b == "u_sbuf" ? p.sd : b == "u_wbuf" ? p.wd : p.od;
  const int dw = b == "u_obuf" ? 32 : 8;
  return {s + ".we_i", gtkw_vector(s + ".waddr_i", addr_bits(depth)),
          gtkw_vector(s + ".wdata_i", dw)};
}

std::string target_text(const StoreWord& w) {
  return w.target == 0 ? std::string("stationary buffer")
                       : fmt::format("streaming buffer half {}", w.half);
}

// Compares the k-th off-chip write of the RTL with the golden model's; records the first
// difference in res.
void check_store(const TopDut& dut, const std::vector<Instr>& prog,
                 const std::vector<StoreWord>& expect, std::uint64_t k, std::uint64_t cycle,
                 std::uint64_t addr, const std::vector<std::uint8_t>& data, RunResult& res) {
  const auto& p = dut.params();
  const std::string t = dut.trace_scope();
  Divergence d;
  d.cycle = cycle;
  d.wave_time = top_wave_time(cycle);
  d.signal = gtkw_vector(t + ".mem_req_wdata_o", 8 * p.aw);
  d.neighbours = {gtkw_vector(t + ".mem_req_addr_o", p.maw),
                  t + ".mem_req_valid_o",
                  t + ".mem_req_ready_i",
                  t + ".mem_req_we_o",
                  top_hier::reg(t, "mem_busy_q"),
                  top_hier::reg(t, "mem_store_q")};
  if (k >= expect.size()) {
    d.unit = fmt::format("mem.write{}", k);
    res.divergence_text = fmt::format(
        "cycle {}: off-chip write #{} to address {:#x}: the golden model's Stores write only {} "
        "words",
        cycle, k, addr, expect.size());
    res.divergence = std::move(d);
    return;
  }
  const StoreWord& e = expect[k];
  const Instr& in = prog[e.instr];
  const std::string what = fmt::format("off-chip write #{} (instruction {}: {}, word {})", k,
                                       e.instr, top::disassemble(in), e.line - in.line);
  if (addr != e.addr) {
    d.unit = fmt::format("store{}.word{}.addr", e.instr, e.line - in.line);
    d.signal = gtkw_vector(t + ".mem_req_addr_o", p.maw);
    d.neighbours.front() = gtkw_vector(t + ".mem_req_wdata_o", 8 * p.aw);
    res.divergence_text = fmt::format("cycle {}: {}: address expected {:#x}, actual {:#x}", cycle,
                                      what, e.addr, addr);
    res.divergence = std::move(d);
    return;
  }
  for (int i = 0; i < p.aw; ++i) {
    const auto ui = static_cast<std::size_t>(i);
    if (ui < data.size() && ui < e.word.size() && data[ui] == e.word[ui]) continue;
    res.divergent_store = static_cast<std::size_t>(k);
    d.unit = e.target == 0 ? fmt::format("wbuf.bank{}.line{}", i, e.line)
                           : fmt::format("sbuf.half{}.bank{}.line{}", e.half, i, e.line);
    for (auto& n : bank_port(dut, e.target == 0 ? "u_wbuf" : "u_sbuf", i, e.half))
      d.neighbours.push_back(n);
    res.divergence_text = fmt::format(
        "cycle {}: {} to address {:#x}: lane {} ({} bank {} line {}) expected {}, actual {}", cycle,
        what, addr, i, target_text(e), i, e.line, ui < e.word.size() ? e.word[ui] : 0,
        ui < data.size() ? data[ui] : 0);
    res.divergence = std::move(d);
    return;
  }
}

}  // namespace

std::vector<std::string> top_bank_port(const TopDut& dut, int buffer, int bank, int half) {
  return bank_port(dut, buffer == 0 ? "u_sbuf" : buffer == 1 ? "u_wbuf" : "u_obuf", bank, half);
}

RunResult run_program(TopDut& dut, const std::vector<Instr>& prog, top::Memory& mem,
                      const RunOptions& opt) {
  const auto& p = dut.params();
  std::vector<top::Word> words;
  words.reserve(prog.size());
  for (const auto& in : prog) words.push_back(top::encode(p, in));

  check_run_options(opt);
  std::mt19937_64 rng(opt.seed);
  std::bernoulli_distribution hold(opt.backpressure);
  const int latency = opt.latency;
  const std::uint64_t limit = opt.watchdog ? opt.watchdog : cycle_bound(p, prog, opt);

  struct Pending {
    std::uint64_t due;
    std::vector<std::uint8_t> data;
  };
  std::deque<Pending> rsp;
  const std::vector<std::uint8_t> zeros(static_cast<std::size_t>(p.aw), 0);

  if (opt.fault_from_cycle && p.la() < 64 && (opt.fault_line_xor >> p.la()) != 0) {
    throw std::invalid_argument(
        fmt::format("fault line XOR {:#x} is wider than the {}-bit line field of the {}x{} top",
                    opt.fault_line_xor, p.la(), p.ah, p.aw));
  }
  RunResult res;
  const bool traced = !opt.trace.empty();
  TraceGate gate(opt.trace_start, opt.trace_cycles ? std::min(opt.trace_stop, opt.trace_cycles - 1)
                                                   : opt.trace_stop);
  if (traced) {
    dut.open_trace(opt.trace);
    dut.set_trace_active(gate.initial());
  }
  dut.set_instr(top::Word(static_cast<std::size_t>((p.iw() + 31) / 32), 0), false);
  dut.set_mem_inputs(false, false, zeros);
  dut.set_fault({}, 0);
  if (opt.reset) {
    dut.set_reset(true);
    dut.clock();
    dut.clock();
    dut.set_reset(false);
  }

  if (opt.coverage) cover_top_array(*opt.coverage, p);
  const auto t0 = std::chrono::steady_clock::now();
  std::size_t pc = 0;
  std::uint64_t cycle = 0;
  int idle_run = 0;
  // Every output of feather_top depends on registers only, so the outputs read at the top of
  // an iteration (settled by the last rising edge) are this cycle's, and one evaluation per
  // cycle (the rising edge) suffices.
  bool tracing = traced;
  auto watched = [&](const RunOptions::Watch& w) -> std::uint32_t {
    return w.buffer == 0   ? dut.sbuf(w.half, w.bank, w.line)
           : w.buffer == 1 ? dut.wbuf(w.bank, w.line)
                           : dut.obuf(w.bank, w.line);
  };
  std::vector<std::uint32_t> watch_values;
  for (const auto& w : opt.watch) watch_values.push_back(watched(w));
  for (;; ++cycle) {
    for (std::size_t k = 0; cycle > 0 && k < opt.watch.size(); ++k) {
      if (const std::uint32_t v = watched(opt.watch[k]); v != watch_values[k]) {
        res.watch_changes.push_back({k, cycle - 1, v});
        watch_values[k] = v;
      }
    }
    if (tracing) {
      if (gate.update(cycle)) dut.set_trace_active(gate.on());
      if (gate.stop() != kNoCycle && cycle > gate.stop()) {
        // Past the window: close the file (an open waveform slows every cycle down).
        dut.close_trace();
        tracing = false;
      }
    }
    if (opt.fault_from_cycle && cycle == *opt.fault_from_cycle) {
      dut.set_fault(opt.fault_cmd_xor, opt.fault_line_xor);
    }
    if (opt.reset_at_cycle && cycle == *opt.reset_at_cycle) {
      dut.set_reset(true);
      dut.clock();
      dut.clock();
      dut.set_reset(false);
      res.reset_applied = true;
      break;
    }
    const unsigned act = dut.activity();
    if (act & TopDut::kBeat)
      ++res.beat_cycles;
    else if (act & TopDut::kMapping)
      ++res.mapping_cycles;
    else if (act & TopDut::kMemory)
      ++res.memory_cycles;
    else
      ++res.other_cycles;

    const bool ready = dut.instr_ready();
    const bool req_valid = dut.mem_req_valid();
    const bool rsp_ready = dut.mem_rsp_ready();
    const bool have = pc < words.size();
    if (have)
      dut.set_instr(words[pc], true);
    else if (pc > 0 && pc == words.size())
      dut.set_instr(words.back(), false);
    // Without back-pressure nothing is drawn (the draws would all be false).
    const bool pressure = hold.p() > 0;
    const bool req_ready = !(pressure && hold(rng));
    const bool rsp_valid = !rsp.empty() && rsp.front().due <= cycle && !(pressure && hold(rng));
    dut.set_mem_inputs(req_ready, rsp_valid, rsp_valid ? rsp.front().data : zeros);

    if (have && ready) {
      res.accepted.push_back(cycle);
      if (opt.coverage) cover_top_instr(*opt.coverage, p, prog[pc]);
      ++pc;
    }
    if (have && !ready) ++res.instr_stall_cycles;
    if (req_valid && req_ready) {
      if (dut.mem_req_we()) {
        const std::uint64_t addr = dut.mem_req_addr();
        const std::vector<std::uint8_t> data = dut.mem_req_wdata();
        if (opt.expect_stores && !res.divergence) {
          check_store(dut, prog, *opt.expect_stores, res.mem_writes, cycle, addr, data, res);
        }
        mem.write(addr, data);
        ++res.mem_writes;
      } else {
        rsp.push_back({cycle + static_cast<std::uint64_t>(latency), mem.read(dut.mem_req_addr())});
        ++res.mem_reads;
      }
    }
    if (rsp_valid && rsp_ready) rsp.pop_front();

    // Done: every instruction handed over (or an error stopped the stream) and the DUT idle (it
    // counts a buffered instruction as busy) for two cycles.
    const bool finished =
        (pc == words.size() || dut.err() != 0) && dut.idle() && rsp.empty() && !(have && ready);
    idle_run = finished ? idle_run + 1 : 0;
    if (idle_run >= 2) break;
    if (cycle >= limit) {
      res.timeout = true;
      res.timeout_state = fmt::format(
          "watchdog: {} cycles (bound {}): {} of {} instructions consumed, next {}, "
          "instr_ready={}, idle={}, err={}, mem_req_valid={}, mem_rsp_ready={}, "
          "responses pending={}",
          cycle, limit, pc, words.size(),
          pc < prog.size() ? top::disassemble(prog[pc]) : std::string("(none)"), ready, dut.idle(),
          dut.err(), req_valid, rsp_ready, rsp.size());
      if (!res.divergence) {
        const std::string t = dut.trace_scope();
        // The last simulated cycle (this one's rising edge does not happen).
        const std::uint64_t at = cycle ? cycle - 1 : 0;
        Divergence d;
        d.cycle = at;
        d.unit = "watchdog";
        d.signal = t + ".instr_ready_o";
        d.neighbours = {t + ".instr_valid_i", t + ".idle_o", t + ".mem_req_valid_o",
                        t + ".mem_rsp_ready_o", gtkw_vector(t + ".err_o", 4)};
        d.wave_time = top_wave_time(at);
        res.divergence = std::move(d);
        res.divergence_text = fmt::format("cycle {}: {}", at, res.timeout_state);
      }
      break;
    }
    dut.clock();
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  res.cycles = cycle;
  res.consumed = pc;
  res.err = static_cast<top::Err>(dut.err());
  res.assertion_failed = dut.assertion_failed();
  if (opt.coverage && !res.timeout && !res.reset_applied) cover_top_error(*opt.coverage, res.err);
  if (tracing) dut.close_trace();
  if (traced) res.trace_events = gate.events();
  return res;
}

namespace {

// One difference between the DUT's and the golden model's architectural state.
struct StateDiff {
  enum Kind { kErr, kHalf, kSbuf, kWbuf, kObuf } kind;
  int half = 0, bank = 0;
  std::uint64_t line = 0;
  std::uint32_t expected = 0, actual = 0;
};

// Calls f for every difference, in report order, until f returns false.
void for_each_diff(const TopDut& dut, const top::Golden& g,
                   const std::function<bool(const StateDiff&)>& f) {
  const auto& p = dut.params();
  if (dut.err() != static_cast<int>(g.err())) {
    if (!f({StateDiff::kErr, 0, 0, 0, static_cast<std::uint32_t>(g.err()),
            static_cast<std::uint32_t>(dut.err())}))
      return;
  }
  if (dut.half() != g.half()) {
    if (!f({StateDiff::kHalf, 0, 0, 0, static_cast<std::uint32_t>(g.half()),
            static_cast<std::uint32_t>(dut.half())}))
      return;
  }
  for (int b = 0; b < p.aw; ++b) {
    for (int h = 0; h < 2; ++h) {
      for (int l = 0; l < p.sd; ++l) {
        const auto line = static_cast<std::uint64_t>(l);
        const auto e = g.sbuf(h, b, line);
        const auto a = dut.sbuf(h, b, line);
        if (e != a && !f({StateDiff::kSbuf, h, b, line, e, a})) return;
      }
    }
    for (int l = 0; l < p.wd; ++l) {
      const auto line = static_cast<std::uint64_t>(l);
      const auto e = g.wbuf(b, line);
      const auto a = dut.wbuf(b, line);
      if (e != a && !f({StateDiff::kWbuf, 0, b, line, e, a})) return;
    }
    for (int l = 0; l < p.od; ++l) {
      const auto line = static_cast<std::uint64_t>(l);
      const auto e = g.obuf(b, line);
      const auto a = dut.obuf(b, line);
      if (e != a && !f({StateDiff::kObuf, 0, b, line, e, a})) return;
    }
  }
}

std::string describe(const StateDiff& d) {
  switch (d.kind) {
    case StateDiff::kErr:
      return fmt::format("error status: expected {} ({}), actual {} ({})", d.expected,
                         top::to_string(static_cast<top::Err>(d.expected)), d.actual,
                         top::to_string(static_cast<top::Err>(d.actual)));
    case StateDiff::kHalf:
      return fmt::format("active streaming half: expected {}, actual {}", d.expected, d.actual);
    case StateDiff::kSbuf:
      return fmt::format("streaming buffer half {} bank {} line {}: expected {}, actual {}", d.half,
                         d.bank, d.line, d.expected, d.actual);
    case StateDiff::kWbuf:
      return fmt::format("stationary buffer bank {} line {}: expected {}, actual {}", d.bank,
                         d.line, d.expected, d.actual);
    case StateDiff::kObuf:
      return fmt::format(
          "output buffer bank {} line {}: expected {} ({:#010x}), actual {} ({:#010x})", d.bank,
          d.line, static_cast<std::int32_t>(d.expected), d.expected,
          static_cast<std::int32_t>(d.actual), d.actual);
  }
  return "?";
}

}  // namespace

std::string compare_state(const TopDut& dut, const top::Golden& g, int max_reports) {
  std::string out;
  int n = 0;
  for_each_diff(dut, g, [&](const StateDiff& d) {
    if (n < max_reports) out += describe(d) + "\n";
    ++n;
    return true;
  });
  if (n > max_reports) out += fmt::format("... {} mismatches in all\n", n);
  return out;
}

std::optional<Divergence> first_state_divergence(const TopDut& dut, const top::Golden& g,
                                                 std::uint64_t cycle) {
  std::optional<StateDiff> first;
  for_each_diff(dut, g, [&](const StateDiff& d) {
    first = d;
    return false;
  });
  if (!first) return std::nullopt;
  const std::string t = dut.trace_scope();
  Divergence d;
  d.cycle = cycle;
  d.wave_time = top_wave_time(cycle);
  std::vector<std::string> port;
  switch (first->kind) {
    case StateDiff::kErr:
      d.unit = "err";
      d.signal = gtkw_vector(t + ".err_o", 4);
      d.neighbours = {t + ".idle_o", t + ".instr_valid_i", t + ".instr_ready_o"};
      break;
    case StateDiff::kHalf:
      d.unit = "half";
      d.signal = top_hier::reg(t, "half_q");
      d.neighbours = {top_hier::reg(t, "st_busy_q"), t + ".idle_o"};
      break;
    case StateDiff::kSbuf:
      d.unit = fmt::format("sbuf.half{}.bank{}.line{}", first->half, first->bank, first->line);
      port = bank_port(dut, "u_sbuf", first->bank, first->half);
      break;
    case StateDiff::kWbuf:
      d.unit = fmt::format("wbuf.bank{}.line{}", first->bank, first->line);
      port = bank_port(dut, "u_wbuf", first->bank);
      break;
    case StateDiff::kObuf:
      d.unit = fmt::format("obuf.bank{}.line{}", first->bank, first->line);
      port = bank_port(dut, "u_obuf", first->bank);
      break;
  }
  if (!port.empty()) {
    // The data written, then the enable and the line, then the engines that write buffers.
    d.signal = port[2];
    d.neighbours = {port[0],
                    port[1],
                    top_hier::reg(t, "st_busy_q"),
                    top_hier::reg(t, "beat_valid_q"),
                    top_hier::reg(t, "mem_busy_q"),
                    top_hier::reg(t, "half_q")};
  }
  return d;
}

void write_top_gtkw(const TopDut& dut, const std::string& fst_path, const Divergence* d,
                    std::uint64_t first_cycle, std::uint64_t last_cycle) {
  const auto& p = dut.params();
  const std::string t = dut.trace_scope();
  const auto vec = gtkw_vector;
  GtkwFile f;
  f.dumpfile = fst_path;
  if (d) {
    f.groups.push_back(gtkw_divergence_group(*d));
    f.marker = d->wave_time;
    const auto [lo, hi] = divergence_view(d->cycle, first_cycle, std::max(first_cycle, last_cycle));
    f.zoom_start = top_wave_time(lo);
    f.zoom_end = top_wave_time(hi + 1);
  }
  GtkwGroup ports = gtkw_ports_group(t);
  ports.open = d == nullptr;
  for (const auto& [name, width, hex] :
       std::vector<std::tuple<std::string, int, bool>>{{"instr_valid_i", 1, false},
                                                       {"instr_ready_o", 1, false},
                                                       {"instr_i", p.iw(), true},
                                                       {"mem_req_valid_o", 1, false},
                                                       {"mem_req_ready_i", 1, false},
                                                       {"mem_req_we_o", 1, false},
                                                       {"mem_req_addr_o", p.maw, true},
                                                       {"mem_req_wdata_o", 8 * p.aw, true},
                                                       {"mem_rsp_valid_i", 1, false},
                                                       {"mem_rsp_ready_o", 1, false},
                                                       {"mem_rsp_rdata_i", 8 * p.aw, true},
                                                       {"idle_o", 1, false},
                                                       {"err_o", 4, true}}) {
    ports.signals.push_back({vec(t + "." + name, width), hex});
  }
  f.groups.push_back(std::move(ports));
  GtkwGroup eng{"engines", {}, d == nullptr};
  for (const char* n :
       {"half_q", "mem_busy_q", "mem_store_q", "em_busy_q", "st_busy_q", "beat_valid_q"}) {
    eng.signals.push_back({top_hier::reg(t, n), false});
  }
  eng.signals.push_back({vec(top_hier::reg(t, "mem_line_q"), p.la()), true});
  eng.signals.push_back({vec(top_hier::reg(t, "mem_addr_q"), p.maw), true});
  f.groups.push_back(std::move(eng));
  for (int b = 0; b < p.aw; ++b) {
    GtkwGroup g{
        fmt::format("bank {}: streaming (halves 0, 1), stationary, output buffer writes", b),
        {},
        false};
    for (const auto& [buf, half] : {std::pair{"u_sbuf", 0}, std::pair{"u_sbuf", 1},
                                    std::pair{"u_wbuf", 0}, std::pair{"u_obuf", 0}}) {
      const auto port = bank_port(dut, buf, b, half);
      g.signals.push_back({port[0], false});
      g.signals.push_back({port[1], true});
      g.signals.push_back({port[2], true});
    }
    f.groups.push_back(std::move(g));
  }
  write_gtkw(gtkw_path_for(fst_path), f);
}

}  // namespace feather::sim
