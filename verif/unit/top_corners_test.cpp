// The control corners the golden model counts (feather/top/corners.hpp, docs/coverage.md
// "Control corners"): each counted exactly where it happens and nowhere else; reset() keeps
// them, take_corners() hands them over and starts again.
#include <gtest/gtest.h>

#include <vector>

#include "feather/birrd/router.hpp"
#include "feather/top/golden.hpp"
#include "feather/top/isa.hpp"
#include "feather/top/random_program.hpp"

namespace feather::top {
namespace {

TopParams small() {
  TopParams p;
  p.ah = 4;
  p.aw = 4;
  p.sd = p.wd = p.od = 64;
  p.qd = 16;
  p.maw = 12;
  return p.validated();
}

std::uint64_t hits(const Corners& k, Corners::Point pt) {
  return k.hits[static_cast<std::size_t>(pt)];
}

TEST(TopCorners, LoadsStoresAndLayoutsAtTheLastLine) {
  const TopParams p = small();
  Golden g(p);
  Memory mem(p.aw);
  const auto wd = static_cast<std::uint64_t>(p.wd), sd = static_cast<std::uint64_t>(p.sd);
  ASSERT_EQ(g.execute(Instr::load(Target::kWbuf, 0, 3, 0), mem), Err::kNone);
  EXPECT_EQ(hits(g.corners(), Corners::kLoadEndWbuf), 0U);
  ASSERT_EQ(g.execute(Instr::load(Target::kWbuf, wd - 2, 2, 0), mem), Err::kNone);
  EXPECT_EQ(hits(g.corners(), Corners::kLoadEndWbuf), 1U);
  ASSERT_EQ(g.execute(Instr::store(Target::kSbufActive, sd - 1, 1, 100), mem), Err::kNone);
  EXPECT_EQ(hits(g.corners(), Corners::kStoreEndSbuf), 1U);
  EXPECT_EQ(hits(g.corners(), Corners::kStoreEndWbuf), 0U);

  Layout l = stimulus_layout(3, 4, 4);
  ASSERT_EQ(g.execute(Instr::set_layout(Op::kSetWvnLayout, l), mem), Err::kNone);
  EXPECT_EQ(hits(g.corners(), Corners::kLayoutEndW), 0U);
  l.base = wd - l.end_line(p.aw, p.ah);
  ASSERT_EQ(g.execute(Instr::set_layout(Op::kSetWvnLayout, l), mem), Err::kNone);
  EXPECT_EQ(hits(g.corners(), Corners::kLayoutEndW), 1U);
  EXPECT_EQ(hits(g.corners(), Corners::kLayoutEndI), 0U);
  // A layout one line further is out of range: no corner, an error.
  l.base += 1;
  EXPECT_EQ(g.execute(Instr::set_layout(Op::kSetWvnLayout, l), mem), Err::kLayoutRange);
  EXPECT_EQ(hits(g.corners(), Corners::kLayoutEndW), 1U);
}

TEST(TopCorners, ErrorsAreCountedByTheInstructionBeforeThem) {
  const TopParams p = small();
  Golden g(p);
  Memory mem(p.aw);
  const auto wd = static_cast<std::uint64_t>(p.wd);
  ASSERT_EQ(g.execute(Instr::load(Target::kWbuf, 0, 1, 0), mem), Err::kNone);
  EXPECT_EQ(g.execute(Instr::load(Target::kWbuf, wd - 1, 2, 0), mem), Err::kMemRange);
  EXPECT_EQ(hits(g.corners(), Corners::kErrorAfterLoad), 1U);
  // Ignored instructions after the error count nothing more.
  EXPECT_EQ(g.execute(Instr::load(Target::kWbuf, wd - 1, 2, 0), mem), Err::kMemRange);
  EXPECT_EQ(hits(g.corners(), Corners::kErrorAfterLoad), 1U);
  // reset() keeps the counts; the first instruction after it has no predecessor.
  g.reset();
  EXPECT_EQ(g.execute(Instr::load(Target::kWbuf, wd - 1, 2, 0), mem), Err::kMemRange);
  EXPECT_EQ(hits(g.corners(), Corners::kErrorAfterLoad), 1U);
  g.reset();
  ASSERT_EQ(g.execute(Instr::store(Target::kWbuf, 0, 1, 100), mem), Err::kNone);
  EXPECT_EQ(g.execute(Instr::store(Target::kWbuf, wd - 1, 2, 100), mem), Err::kMemRange);
  EXPECT_EQ(hits(g.corners(), Corners::kErrorAfterStore), 1U);
  const Corners taken = g.take_corners();
  EXPECT_EQ(hits(taken, Corners::kErrorAfterStore), 1U);
  EXPECT_EQ(hits(g.corners(), Corners::kErrorAfterStore), 0U);
}

TEST(TopCorners, VnChangesAroundAStreamAndLayoutsInUse) {
  const TopParams p = small();
  Golden g(p);
  Memory mem(p.aw);
  const birrd::Config route = reduce_all_to_lane(p, 0);
  const std::vector<Instr> setup = {Instr::config(3, 5, false),
                                    Instr::set_layout(Op::kSetWvnLayout, stimulus_layout(3, 4, 4)),
                                    Instr::set_layout(Op::kSetIvnLayout, stimulus_layout(3, 4, 2)),
                                    Instr::set_layout(Op::kSetOvnLayout, stimulus_layout(3, 4, 4)),
                                    Instr::map(0, 0, 0, 0, 3),
                                    Instr::stream(0, 1, 1, false, false, route)};
  for (const Instr& in : setup) ASSERT_EQ(g.execute(in, mem), Err::kNone) << disassemble(in);
  // The mapping's WVN layout (order 3, F1 == F2) and the stream's IVN (F1 != F2) and OVN
  // (F1 == F2) layouts, once each.
  EXPECT_EQ(g.corners().layouts[0][3][0], 1U);
  EXPECT_EQ(g.corners().layouts[1][3][1], 1U);
  EXPECT_EQ(g.corners().layouts[2][3][0], 1U);
  EXPECT_EQ(hits(g.corners(), Corners::kMapVnChangeAfterStream), 0U);
  ASSERT_EQ(g.execute(Instr::map(0, 0, 0, 0, 0), mem), Err::kNone);  // vn 4 -> 1
  EXPECT_EQ(hits(g.corners(), Corners::kMapVnChangeAfterStream), 1U);
  ASSERT_EQ(g.execute(Instr::stream(0, 1, 1, false, false, route), mem), Err::kNone);
  EXPECT_EQ(hits(g.corners(), Corners::kStreamAfterVnChange), 1U);
  // The same vn again: no change.
  ASSERT_EQ(g.execute(Instr::map(0, 0, 0, 0, 0), mem), Err::kNone);
  ASSERT_EQ(g.execute(Instr::stream(0, 1, 1, false, false, route), mem), Err::kNone);
  EXPECT_EQ(hits(g.corners(), Corners::kMapVnChangeAfterStream), 1U);
  EXPECT_EQ(hits(g.corners(), Corners::kStreamAfterVnChange), 1U);
}

}  // namespace
}  // namespace feather::top
