// The cycle model of the FEATHER top (see timing.hpp and docs/mapper.md, "The cycle model").
//
// Cycle t is the harness's loop index: the state seen in cycle t is the one after the clock
// edge ending cycle t-1. Every resource is described by the first cycle in which it is free;
// an instruction is consumed in the first cycle >= (previous consume + 1) in which all the
// resources it needs are free (they only become busy again by consuming), so processing the
// stream in order is exact.
//
// The rules, from rtl/feather_top.sv:
//   - instruction buffer: instruction i can be consumed from cycle c(i-1) + 1 (c(-1) = 0);
//   - barriers (Set*Layout, Config, Load, Store) need every engine idle: memory engine free,
//     ExecuteMapping engine free, no beat and no output-pipeline entry in flight;
//   - Load of n words consumed at c: requests in c+1 .. c+n (one per cycle at bandwidth 1),
//     responses `latency` cycles after their request, the engine free after the last one:
//     c + n + latency + 1;
//   - Store of n lines consumed at c: lines read from c+1, the first write request in c+3,
//     one per cycle: free from c + n + 3;
//   - ExecuteMapping (vn) consumed at c: needs the memory and mapping engines free and no
//     stream or output entry of its context (the one before the current) in flight; loads in
//     c+1 .. c+vn^2, its context is usable (and the engine free) from c + vn^2 + 4;
//   - ExecuteStreaming (T steps of the current mapping's vn) consumed at c: needs the memory
//     engine free, the stream engine idle or in its final beat (so consecutive streams have no
//     bubble), its mapping loaded, and, if its vn differs from the stream in flight, the
//     pipeline empty; beats in c+1 .. c+T*vn = b; the last output entry leaves the metadata
//     pipeline (AH + 5 + S positions) in cycle b + vn + S + 5, so the pipeline is empty from
//     b + vn + S + 6, the beat register from b + 2; in the first cycle of a stream the beat
//     register still names the context of the stream before it (busy for a mapping then);
//   - the harness stops after the top has been idle for two cycles: cycles = idle + 1.
#include "feather/top/timing.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace feather::top {

namespace {

using u64 = std::uint64_t;

// Cycle offset of the k-th (0-based) request when requests are spaced at `bandwidth` words per
// cycle.
u64 spaced(u64 k, double bandwidth) {
  if (bandwidth >= 1.0) return k;
  return static_cast<u64>(std::ceil(static_cast<double>(k) / bandwidth - 1e-9));
}

}  // namespace

std::string Timing::to_string() const {
  return fmt::format(
      "cycles {} (beats {}, PE loading {}, memory busy {}, instruction stalls {}), off-chip "
      "words read {} written {}",
      cycles, beat_cycles, mapping_cycles, memory_cycles, stall_cycles, words_read, words_written);
}

Timing predict(const TopParams& p_in, const std::vector<Instr>& prog, const TimingOptions& opt) {
  const TopParams p = p_in.validated();
  if (opt.latency < 1) {
    throw std::invalid_argument(
        fmt::format("timing model: memory latency must be at least 1, got {}", opt.latency));
  }
  if (!(opt.bandwidth > 0.0 && opt.bandwidth <= 1.0)) {
    throw std::invalid_argument(fmt::format(
        "timing model: bandwidth must be in (0, 1] words per cycle, got {}", opt.bandwidth));
  }
  const u64 lat = static_cast<u64>(opt.latency);
  const u64 stages = static_cast<u64>(p.stages());

  Timing tm;
  tm.consume.reserve(prog.size());

  u64 prev = 0;              // consume cycle of the previous instruction (0: none yet)
  u64 mem_free = 0;          // memory engine
  u64 em_free = 0;           // ExecuteMapping engine (busy, tail, read register)
  u64 ctx_done[2] = {0, 0};  // first cycle a context's loads have landed
  u64 ctx_free[2] = {0, 0};  // first cycle no stream / output entry uses a context
  u64 vn_of[2] = {1, 1};
  bool map_valid = false;
  unsigned map_ctx = 0;
  bool have_stream = false;
  u64 last_beat = 0;                       // cycle of the last beat of the latest stream
  u64 cur_vn = 1;                          // vn of the latest stream (reset: vnm1 = 0)
  u64 flight_free = 0;                     // no beat and no output entry in flight
  u64 last_es = 0;                         // consume cycle of the latest stream
  unsigned st_ctx = 0, st_ctx_before = 0;  // the stream engine's context register, and its value
                                           // before the latest stream (reset: 0)

  for (std::size_t i = 0; i < prog.size(); ++i) {
    const Instr& in = prog[i];
    u64 t = prev + 1;
    auto idle_all = [&] { return std::max({mem_free, em_free, flight_free}); };
    switch (in.op) {
      case Op::kSetWvnLayout:
      case Op::kSetIvnLayout:
      case Op::kSetOvnLayout:
      case Op::kConfig:
        t = std::max(t, idle_all());
        break;
      case Op::kLoad:
      case Op::kStore: {
        t = std::max(t, idle_all());
        const u64 n = in.count;
        if (n > 0) {
          const u64 last = spaced(n - 1, opt.bandwidth);
          const u64 free = in.op == Op::kLoad ? t + 1 + last + lat + 1 : t + 3 + last + 1;
          tm.memory_cycles += free - (t + 1);
          mem_free = free;
          (in.op == Op::kLoad ? tm.words_read : tm.words_written) += n;
        }
        break;
      }
      case Op::kMap: {
        const unsigned ctx = map_valid ? 1u - map_ctx : 0u;
        const u64 vn = u64{in.vnm1} + 1;
        t = std::max({t, mem_free, em_free, ctx_free[ctx]});
        // In the cycle after a stream is consumed, the beat register still names the context of
        // the stream before it (st_ctx_q -> beat_ctx_q): that context is still busy then.
        if (have_stream && t == last_es + 1 && st_ctx_before == ctx) ++t;
        em_free = t + vn * vn + 4;
        ctx_done[ctx] = em_free;
        vn_of[ctx] = vn;
        map_valid = true;
        map_ctx = ctx;
        tm.mapping_cycles += vn * vn;
        break;
      }
      case Op::kStream: {
        if (!map_valid) {
          throw std::invalid_argument(
              fmt::format("timing model: instruction {} ({}) streams before any ExecuteMapping", i,
                          disassemble(in)));
        }
        if (in.t == 0) {
          throw std::invalid_argument(
              fmt::format("timing model: instruction {} ({}) has T = 0", i, disassemble(in)));
        }
        const u64 vn = vn_of[map_ctx];
        t = std::max({t, mem_free, ctx_done[map_ctx]});
        if (have_stream) t = std::max(t, last_beat);
        if (vn != cur_vn) t = std::max(t, flight_free);
        const u64 b = t + in.t * vn;
        const u64 drained = b + vn + stages + 6;
        last_beat = b;
        last_es = t;
        st_ctx_before = st_ctx;
        st_ctx = map_ctx;
        have_stream = true;
        cur_vn = vn;
        flight_free = std::max({flight_free, b + 2, drained});
        ctx_free[map_ctx] = std::max(ctx_free[map_ctx], drained);
        tm.beat_cycles += in.t * vn;
        break;
      }
    }
    tm.stall_cycles += t - (prev + 1);
    tm.consume.push_back(t);
    prev = t;
  }
  const u64 idle = std::max({prev + 1, mem_free, em_free, flight_free});
  tm.cycles = prog.empty() ? 1 : idle + 1;
  tm.macs_slots = tm.beat_cycles * static_cast<u64>(p.ah) * static_cast<u64>(p.aw);
  return tm;
}

}  // namespace feather::top
