// The instruction scheduler (top/schedule.hpp): a scheduled program ends in exactly the state
// of the original on the golden model (every buffer line of both halves, the tables, the half,
// the off-chip memory), moves what it may and nothing else, and is faster where memory
// traffic can overlap compute. The RTL runs scheduled programs in the mapper's agreement test.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "../common/random_layers.hpp"
#include "../common/seed.hpp"
#include "feather/top/golden.hpp"
#include "feather/top/random_program.hpp"
#include "feather/top/schedule.hpp"
#include "feather/top/timing.hpp"

namespace feather {
namespace {

using top::Instr;
using top::Op;
using top::Target;
using u64 = std::uint64_t;

// The first difference between two golden models' states (and memories), "" if none.
std::string state_diff(const top::TopParams& p, const top::Golden& a, const top::Memory& ma,
                       const top::Golden& b, const top::Memory& mb) {
  if (a.err() != b.err()) return "error codes differ";
  if (a.half() != b.half()) return "the active half differs";
  for (int bank = 0; bank < p.aw; ++bank) {
    for (u64 l = 0; l < static_cast<u64>(p.sd); ++l) {
      for (int h = 0; h < 2; ++h) {
        if (a.sbuf(h, bank, l) != b.sbuf(h, bank, l)) {
          return fmt::format("sbuf half {} bank {} line {}: {} vs {}", h, bank, l,
                             a.sbuf(h, bank, l), b.sbuf(h, bank, l));
        }
      }
    }
    for (u64 l = 0; l < static_cast<u64>(p.wd); ++l) {
      if (a.wbuf(bank, l) != b.wbuf(bank, l)) return fmt::format("wbuf bank {} line {}", bank, l);
    }
    for (u64 l = 0; l < static_cast<u64>(p.od); ++l) {
      if (a.obuf(bank, l) != b.obuf(bank, l)) return fmt::format("obuf bank {} line {}", bank, l);
    }
  }
  for (int n = 0; n < p.qd; ++n) {
    if (a.scale(n) != b.scale(n) || a.ozp(n) != b.ozp(n)) return fmt::format("table entry {}", n);
  }
  if (!(ma == mb)) return "off-chip memory differs";
  return "";
}

std::string listing(const std::vector<Instr>& prog) {
  std::string s;
  for (const auto& in : prog) s += "  " + top::disassemble(in) + "\n";
  return s;
}

TEST(Schedule, RandomLegalProgramsKeepTheirResults) {
  const std::uint64_t seed = test::test_seed();
  std::mt19937_64 rng(seed);
  std::uint64_t moved = 0, dropped = 0, programs = 0;
  for (const auto& p :
       {test::small_params(4, 4, 64, 32, 64, 16), test::small_params(8, 8, 128, 128, 64, 64),
        test::small_params(2, 4, 32, 16, 32, 8)}) {
    for (int s = 0; s < 60; ++s) {
      const auto prog = top::random_legal_program(p, rng);
      top::Memory mem(p.aw);
      for (u64 a = 0; a < 64; ++a) {
        std::vector<std::uint8_t> w(static_cast<std::size_t>(p.aw));
        for (auto& b : w) b = static_cast<std::uint8_t>(rng());
        mem.write(a, w);
      }
      top::ScheduleOptions so;
      so.timing.latency = 1 + static_cast<int>(rng() % 8);
      top::ScheduleStats st;
      const auto sched = top::schedule(p, prog, so, &st);
      moved += st.moved;
      dropped += st.dropped;
      ++programs;
      top::Golden ga(p), gb(p);
      top::Memory ma = mem, mb = mem;
      ASSERT_EQ(ga.run(prog, ma).err, top::Err::kNone) << listing(prog);
      ASSERT_EQ(gb.run(sched, mb).err, top::Err::kNone) << listing(sched);
      const std::string diff = state_diff(p, ga, ma, gb, mb);
      ASSERT_EQ(diff, "") << "program " << s << " on " << p.to_string() << "\noriginal:\n"
                          << listing(prog) << "scheduled:\n"
                          << listing(sched);
      ASSERT_EQ(sched.size() + st.dropped, prog.size());
    }
  }
  std::cout << fmt::format("[ schedule ] {} programs: {} instructions moved, {} dropped\n",
                           programs, moved, dropped);
  EXPECT_GT(moved, programs) << "the scheduler hardly moved anything";
}

// Two tiles: the second one's operands (other lines) load while the first one streams, and the
// first one's output is stored while the second one streams.
TEST(Schedule, NextOperandsLoadDuringTheStreamAndStoresWaitForAFreeEngine) {
  const auto p = test::small_params(4, 4, 64, 64, 64, 16);
  const auto route = top::reduce_all_to_lane(p, 0);
  top::Layout w = top::stimulus_layout(3, 4, 4), i = top::stimulus_layout(3, 4, 4),
              o = top::stimulus_layout(3, 4, 4);
  auto tile = [&](u64 base, u64 addr) {
    top::Layout wl = w, il = i, ol = o;
    wl.base = il.base = ol.base = base;
    return std::vector<Instr>{Instr::set_layout(Op::kSetWvnLayout, wl),
                              Instr::set_layout(Op::kSetIvnLayout, il),
                              Instr::set_layout(Op::kSetOvnLayout, ol),
                              Instr::load(Target::kWbuf, base, 16, addr),
                              Instr::load(Target::kSbufActive, base, 16, addr + 16),
                              Instr::map(0, 0, 0, 0, 3),
                              Instr::stream(0, 0, 40, false, true, route),
                              Instr::map(0, 0, 0, 0, 3),
                              Instr::stream(1, 0, 40, true, true, route),
                              Instr::store(Target::kSbufInactive, base, 16, 100 + addr)};
  };
  std::vector<Instr> prog = {Instr::config(1, 2, false)};
  for (const auto& in : tile(0, 0)) prog.push_back(in);
  for (const auto& in : tile(32, 32)) prog.push_back(in);
  top::ScheduleStats st;
  const auto sched = top::schedule(p, prog, {}, &st);
  const auto before = top::predict(p, prog), after = top::predict(p, sched);
  EXPECT_LT(after.cycles + 40, before.cycles) << "original:\n"
                                              << listing(prog) << "scheduled:\n"
                                              << listing(sched);
  // The second tile's Loads come before the first tile's last stream.
  std::size_t last_es_first_tile = 0, second_w_load = 0;
  int es = 0;
  for (std::size_t k = 0; k < sched.size(); ++k) {
    if (sched[k].op == Op::kStream && ++es == 2) last_es_first_tile = k;
    if (sched[k].op == Op::kLoad && sched[k].line == 32 && sched[k].target == 0) {
      second_w_load = k;
    }
  }
  EXPECT_LT(second_w_load, last_es_first_tile) << listing(sched);
  top::Golden ga(p), gb(p);
  top::Memory ma(p.aw), mb(p.aw);
  ga.run(prog, ma);
  gb.run(sched, mb);
  EXPECT_EQ(state_diff(p, ga, ma, gb, mb), "");
}

// A program that runs after another on the same top without a reset inherits its contexts
// (top::TimelineCarry): its first mapping takes the context after the inherited one, and in the
// cycle after its first stream is consumed the beat register still names the inherited stream
// context, so a mapping of that context then waits one cycle.
TEST(Timing, AProgramInheritsTheContextsOfTheOneBeforeIt) {
  const auto p = test::small_params(4, 4, 64, 64, 64, 16);
  const auto route = top::reduce_all_to_lane(p, 0);
  const top::Layout l = top::stimulus_layout(3, 4, 4);
  const std::vector<Instr> prog = {Instr::config(1, 2, false),
                                   Instr::set_layout(Op::kSetWvnLayout, l),
                                   Instr::set_layout(Op::kSetIvnLayout, l),
                                   Instr::set_layout(Op::kSetOvnLayout, l),
                                   Instr::load(Target::kWbuf, 0, 16, 0),
                                   Instr::load(Target::kSbufActive, 0, 16, 16),
                                   Instr::map(0, 0, 0, 0, 3),
                                   Instr::stream(0, 0, 1, false, false, route),
                                   Instr::map(0, 0, 0, 0, 3),
                                   Instr::stream(0, 0, 1, false, false, route)};
  const u64 fresh = top::predict(p, prog).cycles;
  // The first mapping in context 0 (as after a reset), the inherited stream context 0: no wait.
  EXPECT_EQ(top::predict(p, prog, {}, {true, 1, 0}).cycles, fresh);
  // The second mapping (context 1) right after the first stream, the beat register naming 1.
  EXPECT_EQ(top::predict(p, prog, {}, {true, 1, 1}).cycles, fresh + 1);
  // The contexts the other way round: mappings in 1 then 0, the inherited stream context 0.
  EXPECT_EQ(top::predict(p, prog, {}, {true, 0, 0}).cycles, fresh + 1);
  top::Timeline tl(p);
  for (const auto& in : prog) tl.add(in);
  const top::TimelineCarry c = tl.carry();
  EXPECT_TRUE(c.map_valid);
  EXPECT_EQ(c.map_ctx, 1u);
  EXPECT_EQ(c.st_ctx, 1u);
}

// What must not move: a Load into the lines an earlier stream reads stays after it, a Load of
// words an earlier Store wrote stays after it, and nothing crosses a swap of the halves it
// addresses.
TEST(Schedule, ConflictingInstructionsKeepTheirOrder) {
  const auto p = test::small_params(4, 4, 64, 64, 64, 16);
  const auto route = top::reduce_all_to_lane(p, 0);
  const std::vector<Instr> prog = {
      Instr::config(0, 0, false),
      Instr::set_layout(Op::kSetWvnLayout, top::stimulus_layout(3, 4, 4)),
      Instr::set_layout(Op::kSetIvnLayout, top::stimulus_layout(3, 4, 4)),
      Instr::set_layout(Op::kSetOvnLayout, top::stimulus_layout(3, 4, 4)),
      Instr::map(0, 0, 0, 0, 3),
      Instr::stream(0, 0, 30, false, true, route),     // 5: reads LI lines 0..15
      Instr::load(Target::kSbufActive, 4, 2, 0),       // 6: into LI's lines
      Instr::store(Target::kSbufInactive, 0, 4, 10),   // 7: writes words 10..13
      Instr::load(Target::kWbuf, 40, 4, 12),           // 8: reads words 12..15
      Instr::config(0, 0, true),                       // 9: swap
      Instr::load(Target::kSbufInactive, 40, 2, 20)};  // 10: the half after the swap
  const auto sched = top::schedule(p, prog);
  auto pos = [&](const Instr& in) {
    for (std::size_t k = 0; k < sched.size(); ++k) {
      if (top::disassemble(sched[k]) == top::disassemble(in)) return k;
    }
    ADD_FAILURE() << "missing " << top::disassemble(in);
    return std::size_t{0};
  };
  EXPECT_LT(pos(prog[5]), pos(prog[6])) << listing(sched);
  EXPECT_LT(pos(prog[7]), pos(prog[8])) << listing(sched);
  EXPECT_LT(pos(prog[9]), pos(prog[10])) << listing(sched);
}

TEST(Schedule, DropsOnlyRedundantStateInstructions) {
  const auto p = test::small_params(4, 4, 64, 64, 64, 16);
  const top::Layout l = top::stimulus_layout(3, 4, 4);
  top::Layout l2 = l;
  l2.base = 16;
  const std::vector<Instr> prog = {
      Instr::config(1, 2, false),
      Instr::set_layout(Op::kSetIvnLayout, l),
      Instr::config(1, 2, false),                 // same zero points: dropped
      Instr::set_layout(Op::kSetIvnLayout, l),    // same layout: dropped
      Instr::config(1, 2, true),                  // a swap: kept
      Instr::set_layout(Op::kSetIvnLayout, l2),   // another base: kept
      Instr::set_layout(Op::kSetOvnLayout, l),    // another buffer's: kept
      Instr::config(1, 3, false),                 // other zero points: kept
      Instr::config(1, 3, false, 5, 200),         // a clamp: kept
      Instr::config(1, 3, false, 5, 200, true),   // the activation table: kept
      Instr::config(1, 3, false, 5, 200, true)};  // the same: dropped
  top::ScheduleStats st;
  const auto sched = top::schedule(p, prog, {}, &st);
  EXPECT_EQ(st.dropped, 3u);
  EXPECT_EQ(sched.size(), 8u) << listing(sched);
}

TEST(Schedule, RejectsBadOptions) {
  const auto p = test::small_params(4, 4, 64, 64, 64, 16);
  top::ScheduleOptions so;
  so.timing.latency = 0;
  EXPECT_THROW((void)top::schedule(p, {}, so), std::invalid_argument);
}

}  // namespace
}  // namespace feather
