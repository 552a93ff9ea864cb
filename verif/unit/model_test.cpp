#include <gtest/gtest.h>

#include <deque>
#include <random>

#include "../common/seed.hpp"
#include "feather/birrd/model.hpp"

namespace feather::birrd {
namespace {

auto add32 = [](std::uint64_t a, std::uint64_t b) { return (a + b) & 0xffffffffULL; };

TEST(Egg, EachModeFollowsTheSpecification) {
  Lane<std::uint64_t> lo{5, true}, hi{7, false}, a, b;
  apply_switch(Mode::kPass, lo, hi, a, b, add32);
  EXPECT_EQ(a.value, 5U);
  EXPECT_TRUE(a.valid);
  EXPECT_EQ(b.value, 7U);
  EXPECT_FALSE(b.valid);
  apply_switch(Mode::kSwap, lo, hi, a, b, add32);
  EXPECT_EQ(a.value, 7U);
  EXPECT_FALSE(a.valid);
  EXPECT_EQ(b.value, 5U);
  EXPECT_TRUE(b.valid);
  apply_switch(Mode::kAddLo, lo, hi, a, b, add32);
  EXPECT_EQ(a.value, 12U);
  EXPECT_FALSE(a.valid);  // valid = AND
  EXPECT_EQ(b.value, 7U);
  EXPECT_FALSE(b.valid);  // copy keeps its own valid
  hi.valid = true;
  apply_switch(Mode::kAddHi, lo, hi, a, b, add32);
  EXPECT_EQ(b.value, 12U);
  EXPECT_TRUE(b.valid);
  EXPECT_EQ(a.value, 5U);
  EXPECT_TRUE(a.valid);
}

TEST(CycleModel, AddsWrapAtTheDataWidth) {
  Topology t(4, Wiring::kBenes);
  CycleModel m(t, 8);
  Config c(t);
  c.at(0, 0) = Mode::kAddLo;
  c.mask.set(0);
  LaneSet all;
  for (int j = 0; j < 4; ++j) all.set(static_cast<std::size_t>(j));
  m.step({200, 100, 0, 0}, all, c);
  for (int k = 1; k < t.stages(); ++k) m.step({0, 0, 0, 0}, {}, Config(t));
  EXPECT_EQ(m.data_out(0), 44U);  // (200 + 100) mod 256
  EXPECT_TRUE(m.valid_out(0));
  EXPECT_FALSE(m.valid_out(1));  // not in the mask
}

// The pipeline equals the combinational network delayed by `stages` cycles, with a different
// random configuration, data and valid pattern every cycle (commands travel with their wave).
TEST(CycleModel, PipelineEqualsCombinationalNetwork) {
  std::mt19937_64 rng(test::test_seed());
  for (Wiring w : {Wiring::kFeather, Wiring::kBenes}) {
    for (int aw : {4, 8, 16, 32}) {
      Topology t(aw, w);
      CycleModel m(t, 32);
      std::deque<std::vector<Lane<std::uint64_t>>> expected;
      std::deque<LaneSet> masks;
      for (int cyc = 0; cyc < 200; ++cyc) {
        Config c(t);
        for (auto& mode : c.modes) mode = static_cast<Mode>(rng() & 3);
        for (int p = 0; p < aw; ++p) c.mask.set(static_cast<std::size_t>(p), (rng() & 1) != 0);
        std::vector<std::uint64_t> data(static_cast<std::size_t>(aw));
        std::vector<Lane<std::uint64_t>> lanes(static_cast<std::size_t>(aw));
        LaneSet valid;
        for (int p = 0; p < aw; ++p) {
          data[static_cast<std::size_t>(p)] = rng() & 0xffffffffULL;
          valid.set(static_cast<std::size_t>(p), (rng() % 4) != 0);
          lanes[static_cast<std::size_t>(p)] = {data[static_cast<std::size_t>(p)],
                                                valid.test(static_cast<std::size_t>(p))};
        }
        expected.push_back(evaluate(t, c, lanes, add32));
        masks.push_back(c.mask);
        m.step(data, valid, c);
        if (static_cast<int>(expected.size()) == t.stages()) {
          const auto& e = expected.front();
          for (int p = 0; p < aw; ++p) {
            ASSERT_EQ(m.data_out(p), e[static_cast<std::size_t>(p)].value)
                << t.name() << " cycle " << cyc << " lane " << p;
            ASSERT_EQ(m.valid_out(p), e[static_cast<std::size_t>(p)].valid &&
                                          masks.front().test(static_cast<std::size_t>(p)))
                << t.name() << " cycle " << cyc << " lane " << p;
          }
          expected.pop_front();
          masks.pop_front();
        }
      }
    }
  }
}

TEST(CycleModel, ResetClearsEverything) {
  Topology t(8, Wiring::kBenes);
  CycleModel m(t, 16);
  Config c(t);
  c.mask.set();
  LaneSet all;
  all.set();
  m.step(std::vector<std::uint64_t>(8, 0xffff), all, c);
  EXPECT_NE(m.stage_data(0, 0), 0U);
  m.reset();
  for (int s = 0; s < t.stages(); ++s) {
    for (int p = 0; p < 8; ++p) {
      EXPECT_EQ(m.stage_data(s, p), 0U);
      EXPECT_FALSE(m.stage_valid(s, p));
    }
  }
  EXPECT_EQ(m.cycle(), 0U);
}

TEST(CycleModel, IllegalWidthIsNamed) {
  Topology t(8, Wiring::kBenes);
  EXPECT_THROW(CycleModel(t, 0), std::invalid_argument);
  EXPECT_THROW(CycleModel(t, 65), std::invalid_argument);
}

TEST(SymbolicModel, DoubleCountingIsJunk) {
  Topology t(4, Wiring::kBenes);  // stages exchange bits 0,1,0
  Config c(t);
  // stage 0: switch 0 adds lanes 0+1 onto port 0, port 1 keeps a copy of lane 1
  c.at(0, 0) = Mode::kAddLo;
  auto out = evaluate_symbolic(t, c, {});
  EXPECT_FALSE(out[0].junk);
  EXPECT_EQ(out[0].set.to_ulong(), 0b11UL);
  EXPECT_EQ(out[1].set.to_ulong(), 0b10UL);
  // stage 1 pairs positions 0 and 2 (physical ports 0,1 after the link); add {0,1} and {1}
  Config d = c;
  d.at(2, 0) = Mode::kPass;
  auto sym = sym_add(out[0], out[1]);
  EXPECT_TRUE(sym.junk);
}

}  // namespace
}  // namespace feather::birrd
