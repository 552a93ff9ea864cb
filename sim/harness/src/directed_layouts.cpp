// The directed program of `feather run --layer layouts` (detail::directed_layouts, no layer,
// no mapper): the stimulus gaps of compiled layers and the control corners (docs/coverage.md).
//
// Twelve rounds. Round o (mod 6) sets the stationary, streaming and output layouts to orders
// o, o+2, o+4 (mod 6), so every buffer sees every order in rounds 0..5 and again in rounds
// 6..11; loads the stationary buffer and both streaming halves (the inactive one too) with
// random data, runs a sixth of a mapping sweep (every (grlog, gclog), every vn; the mappings the
// golden model accepts), maps, streams (accumulating in odd rounds) and stores from every buffer
// (the stationary one too); odd rounds end with a half swap. Rounds 6..11 are corner rounds:
// layouts with unequal factors where the golden model accepts them, each layout ending at the
// last line of its buffer, Loads and Stores of the buffers' last lines, streams of 2 AH steps.
// Then the requantization corners (append_requant_corners).
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "feather/map/compile.hpp"
#include "feather/top/golden.hpp"
#include "feather/top/random_program.hpp"
#include "layer_check.hpp"

namespace feather::sim::detail {

namespace {

using top::Instr;
using top::Op;
using top::Target;

// Appends `more` to `prog` (and runs it on g, gm) if the golden model accepts all of it.
bool append_if_accepted(top::Golden& g, top::Memory& gm, std::vector<Instr>& prog,
                        const std::vector<Instr>& more) {
  top::Golden g2 = g;
  top::Memory m2 = gm;
  for (const auto& in : more) {
    if (g2.execute(in, m2) != top::Err::kNone) return false;
  }
  for (const auto& in : more) {
    g.execute(in, gm);
    prog.push_back(in);
  }
  return true;
}

// Requantizing streams after the rounds: a scale table whose every entry is 2^23 (so that
// every odd accumulator is a rounding tie, of either sign), a clamp [qlo, qhi] around the
// output zero point (so that results clamp at both ends), and a mapping whose rows end at
// channel QD - 1 with an OVN layout wide enough to hold it, at the end of the output buffer
// and of the streaming buffer (qoff). Each step is kept only if the golden model accepts it.
void append_requant_corners(const top::TopParams& p, std::mt19937_64& rng, top::Golden& g,
                            top::Memory& gm, top::Memory& mem, std::uint64_t& next,
                            std::vector<Instr>& prog) {
  const auto aw = static_cast<std::uint64_t>(p.aw), ah = static_cast<std::uint64_t>(p.ah);
  const auto qd = static_cast<std::uint64_t>(p.qd);
  // The scale table: QD entries of 2^23 (AW / 4 entries per line); zero points 128.
  const std::uint64_t scale_lines = qd * 4 / aw, ozp_lines = qd / aw;
  const std::uint64_t scale_at = next;
  for (std::uint64_t k = 0; k < scale_lines; ++k) {
    std::vector<std::uint8_t> w(static_cast<std::size_t>(aw), 0);
    for (std::uint64_t i = 0; i + 3 < aw; i += 4) w[static_cast<std::size_t>(i + 2)] = 0x80;
    mem.write(next++, w);
  }
  const std::uint64_t ozp_at = next;
  for (std::uint64_t k = 0; k < ozp_lines; ++k) {
    mem.write(next++, std::vector<std::uint8_t>(static_cast<std::size_t>(aw), 128));
  }
  gm.merge(mem);
  const auto zp = map::random_bytes(rng, 2);
  const birrd::Config route = top::reduce_all_to_lane(p, 0);
  const auto lut_lines = static_cast<std::uint64_t>(p.lut_lines());
  const std::uint64_t lut_at = next;
  mem.write(next++, map::random_bytes(rng, aw));
  gm.merge(mem);
  std::vector<Instr> setup = {
      Instr::config(zp[0], zp[1], false, 127, 129, false),
      Instr::load(Target::kScale, 0, scale_lines, scale_at),
      Instr::load(Target::kOzp, 0, ozp_lines, ozp_at),
      Instr::load(Target::kLut, lut_lines - 1, 1, lut_at),
  };
  auto try_add = [&](const std::vector<Instr>& more) {
    return append_if_accepted(g, gm, prog, more);
  };
  if (!try_add(setup)) {
    throw std::logic_error("directed layouts program: the requantization set-up is rejected");
  }
  // Requantizing streams over the last round's layouts: ties (odd accumulators) of both signs
  // and clamps at both ends.
  // With zero points 0 every product (a - 0) * (w - 0) is >= 0, with the weight zero point 255
  // every one is <= 0: accumulators of both signs, about half of them odd. Every stream the
  // golden model accepts, the accumulating ones too.
  for (const std::uint32_t zp_w : {0U, 255U}) {
    try_add({Instr::config(0, zp_w, false, 127, 129, false)});
    for (const bool acc : {false, true}) {
      for (const std::uint64_t t : {2 * ah, ah, std::uint64_t{1}}) {
        try_add({Instr::stream(0, 1, t, acc, true, route)});
      }
    }
  }
  // Channel QD - 1 alone (a mapping of one row, vn = 1, n0 = QD - 1) under OVN layouts of every
  // order with F2 >= QD / AH (q = n / AH in range), at the end of OD and, with qoff, of SD; BIRRD
  // reduces onto the lane of the output's bank.
  const std::uint64_t q_needed = qd / ah;
  const auto od = static_cast<std::uint64_t>(p.od), sd = static_cast<std::uint64_t>(p.sd);
  std::vector<birrd::Config> to_lane;
  for (int lane = 0; lane < p.aw; ++lane) to_lane.push_back(top::reduce_all_to_lane(p, lane));
  bool done = false;
  for (std::uint32_t order = 0; order < 6 && !done; ++order) {
    for (const std::uint64_t f1 : {std::uint64_t{1}, std::uint64_t{2}, ah}) {
      top::Layout l = top::stimulus_layout(order, f1, q_needed);
      const std::uint64_t span = l.end_line(p.aw, p.ah);
      if (span > od || span > sd) continue;
      l.base = od - span;
      l.qoff = sd - od;
      for (std::size_t lane = 0; lane < to_lane.size() && !done; ++lane) {
        done = try_add({Instr::set_layout(Op::kSetOvnLayout, l), Instr::map(0, qd - 1, 0, 0, 0),
                        Instr::stream(0, 1, f1, false, true, to_lane[lane])});
      }
      if (done) break;
    }
  }
}

}  // namespace

std::pair<std::vector<top::Instr>, top::Memory> directed_layouts(const top::TopParams& p,
                                                                 std::mt19937_64& rng) {
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
    for (std::uint64_t k = 0; k < words; ++k) mem.write(at + k, map::random_bytes(rng, aw));
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
  // Corner rounds (6..11) prefer unequal factors, so that each order is used with F1 == F2 and
  // with F1 != F2 where the array allows both.
  std::vector<top::Layout> unequal_first = cands, equal_first = cands;
  std::stable_partition(unequal_first.begin(), unequal_first.end(),
                        [](const top::Layout& l) { return l.f1 != l.f2; });
  std::stable_partition(equal_first.begin(), equal_first.end(),
                        [](const top::Layout& l) { return l.f1 == l.f2; });
  for (std::uint32_t round_no = 0; round_no < 12; ++round_no) {
    const std::uint32_t o = round_no % 6;
    const bool corner = round_no >= 6;
    const std::vector<top::Layout>& tries = corner ? unequal_first : equal_first;
    const auto zp = map::random_bytes(rng, 2);
    std::vector<Instr> round;
    round.push_back(Instr::config(zp[0], zp[1], false));
    const std::size_t set_w = round.size();
    round.push_back(Instr::set_layout(Op::kSetWvnLayout, top::stimulus_layout(o, ah, aw)));
    const std::size_t set_i = round.size();
    round.push_back(Instr::set_layout(Op::kSetIvnLayout, top::stimulus_layout((o + 2) % 6, 4, aw)));
    const std::size_t set_o = round.size();
    round.push_back(Instr::set_layout(Op::kSetOvnLayout, top::stimulus_layout((o + 4) % 6, 4, aw)));
    // Corner rounds load the last lines of each buffer (where their layouts end).
    const std::uint64_t w0 = corner ? static_cast<std::uint64_t>(p.wd) - wl : 0;
    const std::uint64_t s0 = corner ? static_cast<std::uint64_t>(p.sd) - sl : 0;
    round.push_back(Instr::load(Target::kWbuf, w0, wl, image(wl)));
    round.push_back(Instr::load(Target::kSbufActive, s0, sl, image(sl)));
    round.push_back(Instr::load(Target::kSbufInactive, s0, sl, image(sl)));
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
    // A corner round puts each layout at the end of its buffer (its last line the buffer's),
    // falling back to base 0 where the golden model objects there.
    auto pick = [&](std::size_t at, std::uint32_t order, std::size_t upto) {
      const int depth = round[at].op == Op::kSetWvnLayout   ? p.wd
                        : round[at].op == Op::kSetIvnLayout ? p.sd
                                                            : p.od;
      for (const bool at_end : {true, false}) {
        if (at_end && !corner) continue;
        for (const auto& c : tries) {
          top::Layout l = with(c, order);
          const std::uint64_t span = l.end_line(p.aw, p.ah);
          if (at_end && span > static_cast<std::uint64_t>(depth)) continue;
          if (at_end) l.base = static_cast<std::uint64_t>(depth) - span;
          round[at].layout = l;
          if (accepts({round.begin(), round.begin() + static_cast<std::ptrdiff_t>(upto)})) return;
        }
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
    round.push_back(Instr::store(Target::kWbuf, w0, wl, next));
    next += wl;
    round.push_back(Instr::store(Target::kSbufInactive, s0, sl, next));
    next += sl;
    round.push_back(Instr::store(Target::kSbufActive, s0, sl, next));
    next += sl;
    if (o % 2 == 1) round.push_back(Instr::config(zp[0], zp[1], true));
    for (const auto& in : round) {
      if (const auto e = g.execute(in, gm); e != top::Err::kNone) {
        throw std::logic_error(fmt::format("directed layouts program: {} at {}", top::to_string(e),
                                           top::disassemble(in)));
      }
      prog.push_back(in);
    }
    // Corner rounds: streams over more of the layouts (the last output lines), where the golden
    // model sees no conflict.
    if (corner) {
      for (const std::uint64_t t : {2 * ah, ah, std::uint64_t{2}}) {
        const Instr more = Instr::stream(0, 1, t, false, false, top::reduce_all_to_lane(p, 0));
        if (append_if_accepted(g, gm, prog, {more})) break;
      }
      // A mapping that changes vn right after a stream, a stream right after it, and back.
      if (ah > 1) {
        const auto route = top::reduce_all_to_lane(p, 0);
        append_if_accepted(
            g, gm, prog,
            {Instr::map(0, 0, 0, 0, vnm1 - 1), Instr::stream(0, 1, 1, false, false, route),
             Instr::map(0, 0, 0, 0, vnm1), Instr::stream(0, 1, 1, false, false, route)});
      }
    }
  }
  append_requant_corners(p, rng, g, gm, mem, next, prog);
  return {prog, mem};
}

}  // namespace feather::sim::detail
