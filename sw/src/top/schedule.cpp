// The instruction scheduler (schedule.hpp): redundant state instructions dropped, Loads moved
// earlier past the instructions they commute with, to where the cycle model has the memory
// engine free.
#include "feather/top/schedule.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <stdexcept>

namespace feather::top {

namespace {

using u64 = std::uint64_t;

constexpr auto kWbuf = static_cast<std::uint32_t>(Target::kWbuf);
constexpr auto kActive = static_cast<std::uint32_t>(Target::kSbufActive);
constexpr auto kInactive = static_cast<std::uint32_t>(Target::kSbufInactive);

// Lines [lo, hi) of one buffer.
struct Range {
  u64 lo = 0, hi = 0;
  bool meets(const Range& r) const { return lo < hi && r.lo < r.hi && lo < r.hi && r.lo < hi; }
};

// The layouts in force at an instruction: lines [base, end) of W, I, and the lines of the
// inactive streaming half that O's quant streams write ([base, end) + qoff) (empty when unset).
struct Layouts {
  Range w, i, o;
};

Range lines_of(const Layout& l, const TopParams& p) { return {l.base, l.end_line(p.aw, p.ah)}; }

// Whether the off-chip words of a Load and a Store meet (addresses wrap modulo 2^MAW).
bool words_meet(const Instr& a, const Instr& b, int maw) {
  if (a.count == 0 || b.count == 0) return false;
  const u64 span = maw >= 64 ? ~u64{0} : u64{1} << maw;
  auto wraps = [&](const Instr& x) {
    return maw < 64 && (x.addr >= span || x.count > span - x.addr);
  };
  if (wraps(a) || wraps(b)) return true;  // conservative
  return a.addr < b.addr + b.count && b.addr < a.addr + a.count;
}

// Whether Load `ld` commutes with instruction `x` (executed with layouts `lay`).
bool commutes(const Instr& ld, const Instr& x, const Layouts& lay, int maw) {
  const Range mine{ld.line, ld.line + ld.count};
  const std::uint32_t t = ld.target;
  const bool half = t == kActive || t == kInactive;
  const bool table = !half && t != kWbuf;
  switch (x.op) {
    case Op::kSetWvnLayout:
    case Op::kSetIvnLayout:
    case Op::kSetOvnLayout:
      return true;
    case Op::kConfig:
      return !(x.swap && half);
    case Op::kMap:
      return !(t == kWbuf && mine.meets(lay.w));
    case Op::kStream:
      if (t == kActive && mine.meets(lay.i)) return false;
      if (x.quant && ((t == kInactive && mine.meets(lay.o)) || table)) return false;
      return true;
    case Op::kLoad:
      return !(x.target == t && mine.meets({x.line, x.line + x.count}));
    case Op::kStore:
      return !(x.target == t && mine.meets({x.line, x.line + x.count})) && !words_meet(ld, x, maw);
  }
  return false;
}

// Whether Store `st` may move after instruction `x` (executed with layouts `lay`): x neither
// writes the lines the Store reads nor reads or writes the off-chip words it writes.
bool store_commutes(const Instr& st, const Instr& x, const Layouts& lay, int maw) {
  const Range mine{st.line, st.line + st.count};
  const std::uint32_t t = st.target;
  const bool half = t == kActive || t == kInactive;
  switch (x.op) {
    case Op::kSetWvnLayout:
    case Op::kSetIvnLayout:
    case Op::kSetOvnLayout:
    case Op::kMap:
      return true;
    case Op::kConfig:
      return !(x.swap && half);
    case Op::kStream:
      return !(x.quant && t == kInactive && mine.meets(lay.o));
    case Op::kLoad:
      return !(x.target == t && mine.meets({x.line, x.line + x.count})) && !words_meet(x, st, maw);
    case Op::kStore:
      return !words_meet(x, st, maw);
  }
  return false;
}

bool is_load(const Instr& in) { return in.op == Op::kLoad; }

}  // namespace

std::vector<Instr> schedule(const TopParams& p_in, const std::vector<Instr>& prog_in,
                            const ScheduleOptions& opt, ScheduleStats* stats) {
  const TopParams p = p_in.validated();
  Timeline tl(p, opt.timing);  // validates the options
  ScheduleStats st;

  // 1. Redundant Config / Set*Layout dropped (the state they set is already in force).
  std::vector<Instr> prog;
  prog.reserve(prog_in.size());
  {
    std::optional<std::array<std::uint32_t, 5>> cfg;  // zp_a, zp_w, qlo, qhi, lut in force
    std::optional<Layout> lay[3];
    for (const Instr& in : prog_in) {
      if (in.op == Op::kConfig) {
        const std::array<std::uint32_t, 5> now{in.zp_a, in.zp_w, in.clamp_lo(), in.clamp_hi(),
                                               in.lut ? 1U : 0U};
        if (!in.swap && cfg && *cfg == now) {
          ++st.dropped;
          continue;
        }
        cfg = now;
      } else if (in.op == Op::kSetWvnLayout || in.op == Op::kSetIvnLayout ||
                 in.op == Op::kSetOvnLayout) {
        auto& cur = lay[static_cast<int>(in.op)];
        if (cur && *cur == in.layout) {
          ++st.dropped;
          continue;
        }
        cur = in.layout;
      }
      prog.push_back(in);
    }
  }
  const std::size_t n = prog.size();

  // 2. The layouts in force at every instruction (Loads never change them).
  std::vector<Layouts> at(n);
  {
    Layouts cur;
    for (std::size_t k = 0; k < n; ++k) {
      const Instr& in = prog[k];
      if (in.op == Op::kSetWvnLayout) cur.w = lines_of(in.layout, p);
      if (in.op == Op::kSetIvnLayout) cur.i = lines_of(in.layout, p);
      if (in.op == Op::kSetOvnLayout) {
        cur.o = lines_of(in.layout, p);
        cur.o.lo += in.layout.qoff;
        cur.o.hi += in.layout.qoff;
      }
      at[k] = cur;
    }
  }

  // 3. For every Load, the earliest original position it may move to.
  std::vector<std::size_t> earliest(n, 0);
  std::vector<std::size_t> loads;
  for (std::size_t k = 0; k < n; ++k) {
    if (!is_load(prog[k])) continue;
    loads.push_back(k);
    const std::size_t stop = k > opt.window ? k - opt.window : 0;
    std::size_t e = k;
    while (e > stop && commutes(prog[k], prog[e - 1], at[e - 1], p.maw)) --e;
    earliest[k] = e;
  }

  // 4. Emission in order. A Store waits in `pending` (in order) until the memory engine takes
  // it without delaying the next instruction, or until an instruction it does not commute with
  // comes. Before each instruction, the Loads that may move before it (past the pending Stores
  // too) and that the memory engine takes at once without delaying it.
  std::vector<Instr> out;
  out.reserve(n);
  std::vector<bool> done(n, false);
  std::vector<std::size_t> pending;  // Stores not yet emitted, in order
  std::size_t first_load = 0;        // index into `loads` of the first Load not yet emitted
  constexpr std::size_t kCandidates = 8;
  // Whether emitting instruction k now delays none of the next kLookahead instructions (the
  // ones not emitted yet, from i on, in order) by more than its own issue slot.
  constexpr std::size_t kLookahead = 16;
  std::vector<const Instr*> ahead, with;
  auto harmless = [&](std::size_t k, std::size_t i) {
    ahead.clear();
    for (std::size_t j = i; j < n && ahead.size() < kLookahead; ++j) {
      if (!done[j] && j != k) ahead.push_back(&prog[j]);
    }
    if (ahead.empty()) return true;
    // It must not wait longer than the instruction it goes before.
    if (tl.ready(prog[k]) > tl.ready(*ahead.front())) return false;
    with.assign(1, &prog[k]);
    with.insert(with.end(), ahead.begin(), ahead.end());
    return tl.ready_seq(with) <= tl.ready_seq(ahead) + 1;
  };
  auto emit = [&](std::size_t k) {
    tl.add(prog[k]);
    out.push_back(prog[k]);
    done[k] = true;
  };
  auto emit_pending = [&](std::size_t count) {
    for (std::size_t q = 0; q < count; ++q) emit(pending[q]);
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(count));
  };
  // A Set*Layout waits until the first instruction that reads its layout (an ExecuteMapping
  // for W, an ExecuteStreaming for I and O) or another Set*Layout of it: the engines go on
  // with the old layout meanwhile (the next tile's mapping loads while the outputs of the
  // previous one drain).
  std::optional<std::size_t> pending_set[3];
  auto emit_set = [&](int l) {
    if (pending_set[l]) emit(*pending_set[l]);
    pending_set[l].reset();
  };
  for (std::size_t i = 0; i < n; ++i) {
    if (done[i]) continue;
    const Instr& x = prog[i];
    if (x.op == Op::kSetWvnLayout || x.op == Op::kSetIvnLayout || x.op == Op::kSetOvnLayout) {
      const int l = static_cast<int>(x.op);
      emit_set(l);
      pending_set[l] = i;
      continue;
    }
    if (x.op == Op::kMap) emit_set(0);
    if (x.op == Op::kStream) {
      emit_set(1);
      emit_set(2);
    }
    // Pending Stores that must come before x.
    std::size_t forced = 0;
    for (std::size_t q = 0; q < pending.size(); ++q) {
      if (!store_commutes(prog[pending[q]], x, at[i], p.maw)) forced = q + 1;
    }
    emit_pending(forced);
    if (x.op == Op::kStore) {
      pending.push_back(i);
      continue;
    }
    while (first_load < loads.size() && done[loads[first_load]]) ++first_load;
    for (std::size_t c = first_load, tried = 0; c < loads.size() && tried < kCandidates; ++c) {
      const std::size_t k = loads[c];
      if (k > i + opt.window) break;  // no Load moves further
      if (done[k] || k <= i || earliest[k] > i) continue;
      const bool past_pending = std::all_of(pending.begin(), pending.end(), [&](std::size_t q) {
        return commutes(prog[k], prog[q], at[q], p.maw);
      });
      if (!past_pending) continue;
      ++tried;
      if (!harmless(k, i)) continue;
      emit(k);
      ++st.moved;
      break;  // the memory engine is busy now
    }
    while (!pending.empty() && harmless(pending.front(), i)) {
      emit_pending(1);
      ++st.moved;
    }
    emit(i);
  }
  emit_pending(pending.size());
  for (int l = 0; l < 3; ++l) emit_set(l);
  if (stats) *stats = st;
  return out;
}

}  // namespace feather::top
