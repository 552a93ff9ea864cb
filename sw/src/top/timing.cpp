// The cycle model of the FEATHER top (see timing.hpp and docs/mapper.md, "The cycle model").
//
// Cycle t is the harness's loop index: the state seen in cycle t is the one after the clock
// edge ending cycle t-1. Every resource is described by the first cycle in which it is free;
// an instruction is consumed in the first cycle >= (previous consume + 1) in which all the
// resources it needs are free (they only become busy again by consuming), so processing the
// stream in order is exact.
//
// The rules, from rtl/feather_controller.sv (docs/isa.md, "Interlocks"):
//   - instruction buffer: instruction i can be consumed from cycle c(i-1) + 1 (c(-1) = 0);
//   - Config is a barrier: memory engine free, ExecuteMapping engine free, no beat and no
//     output-pipeline entry in flight;
//   - SetWVNLayout needs the ExecuteMapping engine free, SetIVNLayout the stream engine (its
//     last beat issued), SetOVNLayout no beat and no output entry in flight;
//   - a Load/Store needs the memory engine free and: on the stationary buffer, if it is a Store
//     or its lines meet the current WVN layout's, the ExecuteMapping engine free; on the active
//     half, if it is a Store or its lines meet the IVN layout's, the stream engine's last beat
//     issued; a Load into the inactive half, a Load of a table, or a Store of the inactive half
//     whose lines meet the OVN layout's (shifted by its qoff), no requantized byte still to be
//     written (the latest quant stream drained);
//   - Load of n words consumed at c: requests in c+1 .. c+n (one per cycle at bandwidth 1),
//     responses `latency` cycles after their request, the engine free after the last one:
//     c + n + latency + 1;
//   - Store of n lines consumed at c: lines read from c+1, the first write request in c+3,
//     one per cycle: free from c + n + 3;
//   - ExecuteMapping (vn) consumed at c: needs the memory engine free of a Store of the
//     stationary buffer and of a Load into the WVN layout's lines, the mapping engine free and
//     no stream or output entry of its context (the one before the current) in flight; loads in c+1
//     .. c+vn^2, its context is usable (and the engine free) from c + vn^2 + 4;
//   - ExecuteStreaming (T steps of the current mapping's vn) consumed at c: needs the memory
//     engine free of a Store of the active half and of a Load into the IVN layout's lines of it,
//     and, with quant, of a Load into the inactive half or a table and of a Store of the OVN
//     layout's lines of the inactive half; the stream engine idle or in its final beat (so
//     consecutive streams have no bubble), its mapping loaded, and, if its vn differs from the
//     stream in flight, the pipeline empty; beats in c+1 .. c+T*vn = b (the stream engine free from
//     b + 1); the last output entry leaves the metadata pipeline (AH + 5 + S positions) in cycle b
//     + vn + S + 5, so the pipeline is empty from b + vn + S + 6, the beat register from b + 2; in
//     the first cycle of a stream the beat register still names the context of the stream before it
//     (busy for a mapping then);
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

Timeline::Timeline(const TopParams& p_in, const TimingOptions& opt, const TimelineCarry& from)
    : p_(p_in.validated()) {
  s_.map_valid = from.map_valid;
  s_.map_ctx = from.map_ctx;
  s_.st_ctx = from.st_ctx;
  if (opt.latency < 1) {
    throw std::invalid_argument(
        fmt::format("timing model: memory latency must be at least 1, got {}", opt.latency));
  }
  if (!(opt.bandwidth > 0.0 && opt.bandwidth <= 1.0)) {
    throw std::invalid_argument(fmt::format(
        "timing model: bandwidth must be in (0, 1] words per cycle, got {}", opt.bandwidth));
  }
  opt_ = opt;
}

std::uint64_t Timeline::ready(const Instr& in) const {
  State s = s_;
  Timing tm;
  return step(s, tm, in);
}

std::pair<std::uint64_t, std::uint64_t> Timeline::ready2(const Instr& a, const Instr& b) const {
  State s = s_;
  Timing tm;
  const u64 ta = step(s, tm, a);
  return {ta, step(s, tm, b)};
}

std::uint64_t Timeline::ready_seq(const std::vector<const Instr*>& seq) const {
  State s = s_;
  Timing tm;
  u64 t = 0;
  for (const Instr* in : seq) t = step(s, tm, *in);
  return t;
}

std::uint64_t Timeline::add(const Instr& in) {
  const u64 t = step(s_, tm_, in);
  tm_.consume.push_back(t);
  return t;
}

Timing Timeline::finish() const {
  Timing tm = tm_;
  const u64 idle = std::max({s_.prev + 1, s_.mem_free, s_.em_free, s_.flight_free});
  tm.cycles = tm.consume.empty() ? 1 : idle + 1;
  tm.macs_slots = tm.beat_cycles * static_cast<u64>(p_.ah) * static_cast<u64>(p_.aw);
  tm.exact = opt_.bandwidth >= 1.0;
  return tm;
}

std::uint64_t Timeline::step(State& s, Timing& tm, const Instr& in) const {
  const u64 lat = static_cast<u64>(opt_.latency);
  const u64 stages = static_cast<u64>(p_.stages());
  // Whether lines [lo, hi) meet the current layout l's lines (the OVN layout's: its lines of
  // the inactive streaming half, shifted by qoff).
  auto meets = [&](int l, u64 lo, u64 hi) {
    return s.lay_valid[l] && lo < hi && lo <= s.lay_last[l] && s.lay_first[l] < hi;
  };
  auto set_layout = [&](int l, const Layout& lay) {
    s.lay_valid[l] = true;
    s.lay_first[l] = lay.base + lay.qoff;
    s.lay_last[l] = lay.end_line(p_.aw, p_.ah) - 1 + lay.qoff;
  };
  const auto wbuf = static_cast<std::uint32_t>(Target::kWbuf);
  const auto sbuf_active = static_cast<std::uint32_t>(Target::kSbufActive);
  const auto sbuf_inactive = static_cast<std::uint32_t>(Target::kSbufInactive);

  u64 t = s.prev + 1;
  switch (in.op) {
    case Op::kSetWvnLayout:
      t = std::max(t, s.em_free);
      set_layout(0, in.layout);
      break;
    case Op::kSetIvnLayout:
      t = std::max(t, s.st_free);
      set_layout(1, in.layout);
      break;
    case Op::kSetOvnLayout:
      t = std::max(t, s.flight_free);
      set_layout(2, in.layout);
      break;
    case Op::kConfig:
      t = std::max({t, s.mem_free, s.em_free, s.flight_free});
      break;
    case Op::kLoad:
    case Op::kStore: {
      const bool store = in.op == Op::kStore;
      const u64 lo = in.line, hi = in.line + in.count;
      t = std::max(t, s.mem_free);
      if (in.target == wbuf) {
        if (store || meets(0, lo, hi)) t = std::max(t, s.em_free);
      } else if (in.target == sbuf_active) {
        if (store || meets(1, lo, hi)) t = std::max(t, s.st_free);
      } else if (in.target == sbuf_inactive) {
        if (!store || meets(2, lo, hi)) t = std::max(t, s.q_free);
      } else {
        t = std::max(t, s.q_free);
      }
      const u64 n = in.count;
      if (n > 0) {
        s.mem_tgt = in.target;
        s.mem_store = store;
        s.ls_lo = lo;
        s.ls_hi = hi;
        const u64 last = spaced(n - 1, opt_.bandwidth);
        const u64 free = store ? t + 3 + last + 1 : t + 1 + last + lat + 1;
        tm.memory_cycles += free - (t + 1);
        s.mem_free = free;
        (store ? tm.words_written : tm.words_read) += n;
      }
      break;
    }
    case Op::kMap: {
      const unsigned ctx = s.map_valid ? 1u - s.map_ctx : 0u;
      const u64 vn = u64{in.vnm1} + 1;
      t = std::max({t, s.em_free, s.ctx_free[ctx]});
      if (s.mem_tgt == wbuf && (s.mem_store || meets(0, s.ls_lo, s.ls_hi))) {
        t = std::max(t, s.mem_free);
      }
      // In the cycle after a stream is consumed, the beat register still names the context of
      // the stream before it (st_ctx_q -> beat_ctx_q): that context is still busy then.
      if (s.have_stream && t == s.last_es + 1 && s.st_ctx_before == ctx) ++t;
      s.em_free = t + vn * vn + 4;
      s.ctx_done[ctx] = s.em_free;
      s.vn_of[ctx] = vn;
      s.map_valid = true;
      s.map_ctx = ctx;
      tm.mapping_cycles += vn * vn;
      break;
    }
    case Op::kStream: {
      if (!s.map_valid) {
        throw std::invalid_argument(
            fmt::format("timing model: instruction {} ({}) streams before any ExecuteMapping",
                        s.count, disassemble(in)));
      }
      if (in.t == 0) {
        throw std::invalid_argument(
            fmt::format("timing model: instruction {} ({}) has T = 0", s.count, disassemble(in)));
      }
      const u64 vn = s.vn_of[s.map_ctx];
      t = std::max(t, s.ctx_done[s.map_ctx]);
      const bool blocks = s.mem_tgt == sbuf_active ? s.mem_store || meets(1, s.ls_lo, s.ls_hi)
                          : s.mem_tgt == sbuf_inactive
                              ? in.quant && (!s.mem_store || meets(2, s.ls_lo, s.ls_hi))
                              : s.mem_tgt != wbuf && in.quant;
      if (blocks) t = std::max(t, s.mem_free);
      if (s.have_stream) t = std::max(t, s.last_beat);
      if (vn != s.cur_vn) t = std::max(t, s.flight_free);
      const u64 b = t + in.t * vn;
      const u64 drained = b + vn + stages + 6;
      s.last_beat = b;
      s.last_es = t;
      s.st_ctx_before = s.st_ctx;
      s.st_ctx = s.map_ctx;
      s.have_stream = true;
      s.cur_vn = vn;
      s.flight_free = std::max({s.flight_free, b + 2, drained});
      s.st_free = b + 1;
      if (in.quant) s.q_free = std::max(s.q_free, drained);
      s.ctx_free[s.map_ctx] = std::max(s.ctx_free[s.map_ctx], drained);
      tm.beat_cycles += in.t * vn;
      break;
    }
  }
  tm.stall_cycles += t - (s.prev + 1);
  s.prev = t;
  ++s.count;
  return t;
}

Timing predict(const TopParams& p, const std::vector<Instr>& prog, const TimingOptions& opt,
               const TimelineCarry& from) {
  Timeline tl(p, opt, from);
  for (const Instr& in : prog) tl.add(in);
  return tl.finish();
}

}  // namespace feather::top
