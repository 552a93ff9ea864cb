#include "feather/sim/top_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <random>

namespace feather::sim {

using top::Instr;
using top::Op;

std::uint64_t cycle_bound(const top::TopParams& p, const std::vector<Instr>& prog,
                          const RunOptions& opt) {
  const double bp = std::clamp(opt.backpressure, 0.0, 0.95);
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

RunResult run_program(TopDut& dut, const std::vector<Instr>& prog, top::Memory& mem,
                      const RunOptions& opt) {
  const auto& p = dut.params();
  std::vector<top::Word> words;
  words.reserve(prog.size());
  for (const auto& in : prog) words.push_back(top::encode(p, in));

  std::mt19937_64 rng(opt.seed);
  std::bernoulli_distribution hold(std::clamp(opt.backpressure, 0.0, 0.95));
  const int latency = std::max(1, opt.latency);
  const std::uint64_t limit = opt.watchdog ? opt.watchdog : cycle_bound(p, prog, opt);

  struct Pending {
    std::uint64_t due;
    std::vector<std::uint8_t> data;
  };
  std::deque<Pending> rsp;
  const std::vector<std::uint8_t> zeros(static_cast<std::size_t>(p.aw), 0);

  RunResult res;
  if (!opt.trace.empty()) dut.open_trace(opt.trace);
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
  bool tracing = !opt.trace.empty();
  for (;; ++cycle) {
    if (tracing && opt.trace_cycles && cycle == opt.trace_cycles) {
      dut.close_trace();
      tracing = false;
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
    const bool req_ready = !hold(rng);
    const bool rsp_valid = !rsp.empty() && rsp.front().due <= cycle && !hold(rng);
    dut.set_mem_inputs(req_ready, rsp_valid, rsp_valid ? rsp.front().data : zeros);

    if (have && ready) {
      res.accepted.push_back(cycle);
      if (opt.coverage) cover_top_instr(*opt.coverage, p, prog[pc]);
      ++pc;
    }
    if (have && !ready) ++res.instr_stall_cycles;
    if (req_valid && req_ready) {
      if (dut.mem_req_we()) {
        mem.write(dut.mem_req_addr(), dut.mem_req_wdata());
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
      break;
    }
    dut.clock();
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  res.cycles = cycle;
  res.consumed = pc;
  res.err = static_cast<top::Err>(dut.err());
  res.assertion_failed = dut.assertion_failed();
  if (tracing) dut.close_trace();
  return res;
}

std::string compare_state(const TopDut& dut, const top::Golden& g, int max_reports) {
  const auto& p = dut.params();
  std::string out;
  int n = 0;
  auto report = [&](const std::string& s) {
    if (n < max_reports) out += s + "\n";
    ++n;
  };
  if (dut.err() != static_cast<int>(g.err())) {
    report(fmt::format("error status: expected {} ({}), actual {} ({})", static_cast<int>(g.err()),
                       top::to_string(g.err()), dut.err(),
                       top::to_string(static_cast<top::Err>(dut.err()))));
  }
  if (dut.half() != g.half()) {
    report(fmt::format("active streaming half: expected {}, actual {}", g.half(), dut.half()));
  }
  for (int b = 0; b < p.aw; ++b) {
    for (int h = 0; h < 2; ++h) {
      for (int l = 0; l < p.sd; ++l) {
        const auto e = g.sbuf(h, b, static_cast<std::uint64_t>(l));
        const auto a = dut.sbuf(h, b, static_cast<std::uint64_t>(l));
        if (e != a) {
          report(fmt::format("streaming buffer half {} bank {} line {}: expected {}, actual {}", h,
                             b, l, e, a));
        }
      }
    }
    for (int l = 0; l < p.wd; ++l) {
      const auto e = g.wbuf(b, static_cast<std::uint64_t>(l));
      const auto a = dut.wbuf(b, static_cast<std::uint64_t>(l));
      if (e != a) {
        report(
            fmt::format("stationary buffer bank {} line {}: expected {}, actual {}", b, l, e, a));
      }
    }
    for (int l = 0; l < p.od; ++l) {
      const auto e = g.obuf(b, static_cast<std::uint64_t>(l));
      const auto a = dut.obuf(b, static_cast<std::uint64_t>(l));
      if (e != a) {
        report(
            fmt::format("output buffer bank {} line {}: expected {} ({:#010x}), actual {} "
                        "({:#010x})",
                        b, l, static_cast<std::int32_t>(e), e, static_cast<std::int32_t>(a), a));
      }
    }
  }
  if (n > max_reports) out += fmt::format("... {} mismatches in all\n", n);
  return out;
}

}  // namespace feather::sim
