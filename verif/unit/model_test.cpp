#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <span>
#include <stdexcept>

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

// step_packed (the RTL's port words, what a lockstep run with fresh commands uses) and step
// (a Config) are the same edge: every stage register and output agree every cycle, whatever the
// unused bits above the lanes and switches in the last words hold.
TEST(CycleModel, PackedStepEqualsConfigStep) {
  const auto seed = test::test_seed();
  std::mt19937_64 rng(seed);
  for (Wiring w : {Wiring::kFeather, Wiring::kBenes}) {
    for (int aw : {4, 8, 16, 32, 64, 128}) {
      Topology t(aw, w);
      CycleModel a(t, 32), b(t, 32);
      for (int cyc = 0; cyc < 100; ++cyc) {
        Config c(t);
        for (auto& mode : c.modes) mode = static_cast<Mode>(rng() & 3);
        LaneSet valid;
        std::vector<std::uint64_t> data(static_cast<std::size_t>(aw));
        for (std::size_t p = 0; p < data.size(); ++p) {
          c.mask.set(p, (rng() & 1) != 0);
          valid.set(p, (rng() & 3) != 0);
          data[p] = rng();  // both models mask it to 32 bits
        }
        auto cmd = c.pack_cmd();
        auto mask = c.pack_mask();
        std::vector<std::uint32_t> vw(mask.size(), 0);
        for (std::size_t p = 0; p < data.size(); ++p) {
          vw[p / 32] |= std::uint32_t{valid[p]} << (p % 32);
        }
        const std::size_t cmd_bits = 2 * c.modes.size();
        if (cmd_bits % 32 != 0) cmd.back() |= ~std::uint32_t{0} << (cmd_bits % 32);
        if (aw % 32 != 0) {
          mask.back() |= ~std::uint32_t{0} << (aw % 32);
          vw.back() |= ~std::uint32_t{0} << (aw % 32);
        }
        a.step(data, valid, c);
        b.step_packed(data, vw, cmd, mask);
        for (int s = 0; s < t.stages(); ++s) {
          for (int p = 0; p < aw; ++p) {
            ASSERT_EQ(a.stage_data(s, p), b.stage_data(s, p))
                << t.name() << " seed " << seed << " cycle " << cyc << " stage " << s << " port "
                << p;
            ASSERT_EQ(a.stage_valid(s, p), b.stage_valid(s, p))
                << t.name() << " seed " << seed << " cycle " << cyc << " stage " << s << " port "
                << p;
          }
        }
        for (int p = 0; p < aw; ++p) {
          ASSERT_EQ(a.valid_out(p), b.valid_out(p))
              << t.name() << " seed " << seed << " cycle " << cyc << " lane " << p;
        }
      }
    }
  }
}

TEST(CycleModel, PackedStepRejectsShortInputs) {
  Topology t(16, Wiring::kBenes);
  CycleModel m(t, 32);
  const Config c(t);
  const auto cmd = c.pack_cmd();
  const auto mask = c.pack_mask();
  const std::vector<std::uint64_t> data(16, 0), short_data(15, 0);
  EXPECT_THROW(m.step_packed(short_data, mask, cmd, mask), std::invalid_argument);
  EXPECT_THROW(m.step_packed(data, mask, std::span(cmd).first(cmd.size() - 1), mask),
               std::invalid_argument);
  EXPECT_THROW(m.step_packed(data, {}, cmd, mask), std::invalid_argument);
  EXPECT_NO_THROW(m.step_packed(data, mask, cmd, mask));
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
