#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

#include "feather/birrd/topology.hpp"

namespace feather::birrd {
namespace {

TEST(Topology, DefaultStageCounts) {
  EXPECT_EQ(Topology(4, Wiring::kFeather).stages(), 3);
  EXPECT_EQ(Topology(8, Wiring::kFeather).stages(), 6);
  EXPECT_EQ(Topology(16, Wiring::kFeather).stages(), 8);
  EXPECT_EQ(Topology(256, Wiring::kFeather).stages(), 16);
  EXPECT_EQ(Topology(4, Wiring::kBenes).stages(), 3);
  EXPECT_EQ(Topology(8, Wiring::kBenes).stages(), 5);
  EXPECT_EQ(Topology(64, Wiring::kBenes).stages(), 11);
}

TEST(Topology, LinksArePermutations) {
  for (Wiring w : {Wiring::kFeather, Wiring::kBenes}) {
    for (int aw = 4; aw <= 256; aw *= 2) {
      Topology t(aw, w);
      for (int s = 0; s + 1 < t.stages(); ++s) {
        std::set<int> seen;
        for (int p = 0; p < aw; ++p) {
          int q = t.link(s, p);
          ASSERT_GE(q, 0);
          ASSERT_LT(q, aw);
          EXPECT_EQ(t.link_inverse(s, q), p);
          seen.insert(q);
        }
        EXPECT_EQ(static_cast<int>(seen.size()), aw) << t.name() << " stage " << s;
      }
    }
  }
}

// The published wiring: group sizes 2^g per link are 4,8,8,8,4 at AW=8 and the two outputs of a
// switch always land in different halves of their group (feather-arch.md section 2).
TEST(Topology, FeatherWiringMatchesPublishedGroups) {
  Topology t(8, Wiring::kFeather);
  // stage 0 uses g = 2: p = 1 (low bits 01) -> 10 = 2; p = 5 -> 6
  EXPECT_EQ(t.link(0, 1), 2);
  EXPECT_EQ(t.link(0, 5), 6);
  EXPECT_EQ(t.link(0, 4), 4);
  // stage 1 uses g = 3: p = 1 -> 4, p = 3 -> 6
  EXPECT_EQ(t.link(1, 1), 4);
  EXPECT_EQ(t.link(1, 3), 6);
  // last link (stage 4) uses g = 2 again
  EXPECT_EQ(t.link(4, 1), 2);
  for (int aw = 8; aw <= 64; aw *= 2) {
    Topology f(aw, Wiring::kFeather);
    for (int s = 0; s + 1 < f.stages(); ++s) {
      for (int i = 0; i < aw / 2; ++i) {
        EXPECT_NE(f.link(s, 2 * i), f.link(s, 2 * i + 1));
        // bit 0 of p moves to bit g-1: lo and hi differ in the top bit of their group
        EXPECT_EQ(
            f.link(s, 2 * i) ^ f.link(s, 2 * i + 1),
            (f.link(s, 2 * i) ^ f.link(s, 2 * i + 1)) & -(f.link(s, 2 * i) ^ f.link(s, 2 * i + 1)));
      }
    }
  }
}

TEST(Topology, BenesBitSequenceBounces) {
  Topology t(16, Wiring::kBenes);
  std::vector<int> bits;
  for (int k = 0; k < t.stages(); ++k) bits.push_back(t.benes_bit(k));
  EXPECT_EQ(bits, (std::vector<int>{0, 1, 2, 3, 2, 1, 0}));
  // The default Benes network has no permutation at either end: link of the last stage pairs
  // ports 2i, 2i+1 with output lanes 2i, 2i+1.
  EXPECT_EQ(t.benes_bit(t.stages() - 1), 0);
}

TEST(Topology, IllegalParametersAreNamed) {
  auto msg = [](auto fn) {
    try {
      fn();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no exception");
  };
  EXPECT_NE(msg([] { Topology(12, Wiring::kBenes); }).find("power of two"), std::string::npos);
  EXPECT_NE(msg([] { Topology(2, Wiring::kBenes); }).find(">= 4"), std::string::npos);
  EXPECT_NE(msg([] { Topology(2048, Wiring::kBenes); }).find("<= 1024"), std::string::npos);
  EXPECT_NE(msg([] { Topology(8, Wiring::kBenes, -1); }).find("stages"), std::string::npos);
  EXPECT_NE(msg([] { Topology(8, static_cast<Wiring>(7)); }).find("wiring"), std::string::npos);
}

TEST(Config, PackedCommandLayoutMatchesRtl) {
  Topology t(8, Wiring::kBenes);
  Config c(t);
  c.at(0, 0) = Mode::kAddLo;  // bits 1:0 = 01
  c.at(0, 3) = Mode::kSwap;   // bits 7:6 = 11
  c.at(1, 0) = Mode::kAddHi;  // switch index 4 -> bits 9:8 = 10
  c.at(4, 3) = Mode::kAddHi;  // index 19 -> bits 39:38
  auto w = c.pack_cmd();
  ASSERT_EQ(w.size(), 2U);
  EXPECT_EQ(w[0], 0x1U | (0x3U << 6) | (0x2U << 8));
  EXPECT_EQ(w[1], 0x2U << 6);
  c.mask.set(5);
  EXPECT_EQ(c.pack_mask()[0], 1U << 5);
  EXPECT_EQ(parse_wiring("published"), Wiring::kFeather);
  EXPECT_EQ(parse_wiring("benes"), Wiring::kBenes);
  EXPECT_FALSE(parse_wiring("omega").has_value());
}

}  // namespace
}  // namespace feather::birrd
