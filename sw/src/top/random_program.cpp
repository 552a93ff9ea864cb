// Random and directed legal programs for the FEATHER top (random_program.hpp).
#include "feather/top/random_program.hpp"

#include <algorithm>

#include "feather/birrd/router.hpp"
#include "feather/birrd/target.hpp"

namespace feather::top {

Layout stimulus_layout(std::uint32_t order, std::uint64_t f1, std::uint64_t f2) {
  Layout l;
  l.order = order;
  l.f1 = f1;
  l.f2 = f2;
  return l;
}

birrd::Config reduce_all_to_lane(const TopParams& p, int lane) {
  std::vector<int> all(static_cast<std::size_t>(p.aw));
  for (int c = 0; c < p.aw; ++c) all[static_cast<std::size_t>(c)] = c;
  return birrd::route(p.topology(), birrd::Target::from_groups(p.aw, {all}, {lane})).config;
}

std::vector<Instr> random_legal_program(const TopParams& p, std::mt19937_64& rng) {
  using u64 = std::uint64_t;
  const auto ah = static_cast<u64>(p.ah), aw = static_cast<u64>(p.aw);
  const auto sd = static_cast<u64>(p.sd), wd = static_cast<u64>(p.wd), od = static_cast<u64>(p.od),
             qd = static_cast<u64>(p.qd);
  auto pick = [&](u64 lo, u64 hi) { return lo + rng() % (hi - lo + 1); };  // in [lo, hi]
  auto coin = [&] { return (rng() & 1) != 0; };
  // Layouts of the legal base of directed_error_programs: every access conflict-free, outputs
  // of rows 0..3 in bank 0 (BIRRD reduces everything onto lane 0); random bases and qoff.
  const u64 fw = ah * ah, fio = 4 * ah;  // footprints (lines)
  u64 base[3] = {0, 0, 0};               // of the current W, I, O layouts
  auto layout = [&](Op op) {
    Layout l = op == Op::kSetWvnLayout ? stimulus_layout(3, ah, aw) : stimulus_layout(3, 4, aw);
    const u64 depth = op == Op::kSetWvnLayout   ? wd
                      : op == Op::kSetIvnLayout ? sd
                                                : std::min(sd, od);
    l.base = pick(0, depth - (op == Op::kSetWvnLayout ? fw : fio));
    // Half of the OVN layouts put their requantized image qoff lines further on.
    if (op == Op::kSetOvnLayout && coin()) l.qoff = pick(0, sd - fio - l.base);
    // (O: the lines of the inactive half that its quant streams write.)
    base[static_cast<int>(op)] = l.base + l.qoff;
    // A quarter of the IVN layouts have a 2x2 window (pixels 0..3 = m, all in range).
    if (op == Op::kSetIvnLayout && pick(0, 3) == 0) {
      l.window = Window{true, 2, 2, static_cast<std::uint32_t>(pick(1, 3))};
    }
    return Instr::set_layout(op, l);
  };
  // Lines [line, line+count) of a target of `size` lines: half of the time inside the current
  // layout that target meets (W for the stationary buffer, I for the active half, O for the
  // inactive half), where the interlocks matter.
  auto lines = [&](std::uint32_t tgt, u64 size, u64& line, u64& count) {
    count = pick(1, std::min<u64>(size, 16));
    if (tgt <= 2 && coin()) {
      const u64 first = base[tgt], fp = tgt == 0 ? fw : fio;
      line = std::min(first + pick(0, fp - 1), size - count);
    } else {
      line = pick(0, size - count);
    }
  };
  auto load_or_store = [&](bool store) {
    const auto tgt = static_cast<std::uint32_t>(store ? pick(0, 2) : pick(0, 4));
    const u64 size = tgt == 0 ? wd : tgt <= 2 ? sd : tgt == 3 ? qd * 4 / aw : qd / aw;
    u64 line = 0, count = 0;
    lines(tgt, size, line, count);
    const u64 addr = store ? pick(64, 127) : pick(0, 64 - count);
    return store ? Instr::store(static_cast<Target>(tgt), line, count, addr)
                 : Instr::load(static_cast<Target>(tgt), line, count, addr);
  };
  const auto vnm1 = static_cast<std::uint32_t>(p.ah - 1);
  auto map = [&] { return Instr::map(pick(0, 2 * aw), 0, 0, 0, vnm1); };
  const birrd::Config route = reduce_all_to_lane(p, 0);
  // Half of the streams read every row of the IVN layout (m = 0..3, in range), the last one
  // last: a Load into those lines right after must wait for the whole stream.
  // Window origins (used when the IVN layout has a window) around the 2x2 image.
  auto stream = [&] {
    Instr in = coin() ? Instr::stream(0, 1, 4, coin(), coin(), route)
                      : Instr::stream(pick(0, 5), pick(0, 2), pick(1, 6), coin(), coin(), route);
    in.iy0 = static_cast<std::int64_t>(pick(0, 4)) - 2;
    in.ix0 = static_cast<std::int64_t>(pick(0, 4)) - 2;
    return in;
  };

  std::vector<Instr> prog = {Instr::config(static_cast<std::uint32_t>(rng() & 0xff),
                                           static_cast<std::uint32_t>(rng() & 0xff), false),
                             layout(Op::kSetWvnLayout),
                             layout(Op::kSetIvnLayout),
                             layout(Op::kSetOvnLayout),
                             Instr::load(Target::kScale, 0, std::min<u64>(qd * 4 / aw, 32), 0),
                             Instr::load(Target::kOzp, 0, std::min<u64>(qd / aw, 32), 32),
                             Instr::load(Target::kLut, 0, static_cast<u64>(p.lut_lines()), 64)};
  prog.push_back(Instr::load(Target::kWbuf, base[0], std::min<u64>(fw, 64), 0));
  prog.push_back(Instr::load(Target::kSbufActive, base[1], std::min<u64>(fio, 64), 0));
  prog.push_back(map());
  const u64 n = pick(10, 30);
  for (u64 i = 0; i < n; ++i) {
    const u64 r = pick(0, 99);
    if (r < 22) {
      prog.push_back(load_or_store(false));
    } else if (r < 32) {
      prog.push_back(load_or_store(true));
    } else if (r < 47) {
      prog.push_back(map());
    } else if (r < 75) {
      prog.push_back(stream());
    } else if (r < 85) {
      // Directed hazards, each in both orders with the engine still busy: a stream and a Load
      // into its last row; a quant stream and a Store of its output lines; a Load into the
      // stationary lines and a mapping; a table Load and a quant stream.
      const u64 h = pick(0, 3);
      if (h == 0) {
        prog.push_back(Instr::stream(0, 1, 4, coin(), coin(), route));
        prog.push_back(Instr::load(Target::kSbufActive, base[1] + 3 * ah, ah, pick(0, 60)));
        prog.push_back(Instr::stream(0, 1, 4, true, coin(), route));
      } else if (h == 1) {
        prog.push_back(Instr::stream(0, 1, 4, coin(), true, route));
        prog.push_back(Instr::store(Target::kSbufInactive, base[2], pick(1, fio), pick(64, 100)));
      } else if (h == 2) {
        prog.push_back(Instr::load(Target::kWbuf, base[0], std::min<u64>(fw, 16), pick(0, 48)));
        prog.push_back(map());
        prog.push_back(Instr::load(Target::kWbuf, base[0], std::min<u64>(fw, 16), pick(0, 48)));
      } else {
        prog.push_back(Instr::load(Target::kScale, 0, std::min<u64>(qd * 4 / aw, 16), 0));
        prog.push_back(Instr::stream(0, 1, 4, coin(), true, route));
      }
    } else if (r < 91) {
      prog.push_back(layout(Op::kSetIvnLayout));
    } else if (r < 95) {
      prog.push_back(layout(Op::kSetOvnLayout));
    } else if (r < 97) {
      prog.push_back(layout(Op::kSetWvnLayout));
    } else {
      // A clamp of lo <= hi half of the time (the later quant streams saturate there).
      const auto a = static_cast<std::uint32_t>(rng() & 0xff);
      const auto b = static_cast<std::uint32_t>(rng() & 0xff);
      const bool clamp = coin();
      prog.push_back(Instr::config(
          static_cast<std::uint32_t>(rng() & 0xff), static_cast<std::uint32_t>(rng() & 0xff),
          coin(), clamp ? std::min(a, b) : 0U, clamp ? std::max(a, b) : 255U, coin()));
    }
  }
  return prog;
}

}  // namespace feather::top
