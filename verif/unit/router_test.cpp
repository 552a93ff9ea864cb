#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "../common/seed.hpp"
#include "feather/birrd/router.hpp"

namespace feather::birrd {
namespace {

// Every permutation of 4 and 8 lanes routes constructively on the default (Benes) wiring, and
// route() re-simulates each one (it throws if a route were wrong).
TEST(Router, DefaultWiringRoutesEveryPermutationExhaustively) {
  for (int aw : {4, 8}) {
    Topology t(aw, Wiring::kBenes);
    std::vector<int> perm(static_cast<std::size_t>(aw));
    std::iota(perm.begin(), perm.end(), 0);
    long count = 0;
    do {
      auto r = route(t, Target::permutation(perm), {.exact = false});
      ASSERT_TRUE(r.ok()) << Target::permutation(perm).to_string() << ": " << r.reason;
      ASSERT_EQ(r.method, "constructive");
      ++count;
    } while (std::next_permutation(perm.begin(), perm.end()));
    EXPECT_EQ(count, aw == 4 ? 24 : 40320);
  }
}

// Every FEATHER reduction pattern (consecutive groups of G, results on any distinct ports) for
// AW <= 8, exhaustively.
TEST(Router, DefaultWiringRoutesEveryFeatherPatternExhaustively) {
  for (int aw : {4, 8}) {
    Topology t(aw, Wiring::kBenes);
    for (int g = 1; g <= aw; g *= 2) {
      int k = aw / g;
      std::vector<std::vector<int>> groups;
      for (int start = 0; start < aw; start += g) {
        std::vector<int> grp(static_cast<std::size_t>(g));
        std::iota(grp.begin(), grp.end(), start);
        groups.push_back(grp);
      }
      // all ordered selections of k distinct ports
      std::vector<int> ports(static_cast<std::size_t>(k));
      long count = 0;
      std::function<void(int, unsigned)> rec = [&](int i, unsigned used) {
        if (i == k) {
          auto r = route(t, Target::from_groups(aw, groups, ports), {.exact = false});
          ASSERT_TRUE(r.ok()) << r.reason;
          ++count;
          return;
        }
        for (int p = 0; p < aw; ++p) {
          if (used & (1U << p)) continue;
          ports[static_cast<std::size_t>(i)] = p;
          rec(i + 1, used | (1U << p));
        }
      };
      rec(0, 0);
      long expect = 1;
      for (int i = 0; i < k; ++i) expect *= aw - i;
      EXPECT_EQ(count, expect) << "AW=" << aw << " G=" << g;
    }
  }
}

// At least 1,000 random targets per class for AW = 16, 32, 64 on the default wiring.
TEST(Router, DefaultWiringRoutesRandomPatternsLarge) {
  std::mt19937_64 rng(test::test_seed());
  for (int aw : {16, 32, 64}) {
    Topology t(aw, Wiring::kBenes);
    for (int trial = 0; trial < 1000; ++trial) {
      auto perm = random_target(TargetClass::kPermutation, aw, rng);
      ASSERT_TRUE(route(t, perm, {.exact = false, .verify_seed = rng()}).ok()) << perm.to_string();
      auto eq = random_target(TargetClass::kContiguousEqual, aw, rng);
      ASSERT_TRUE(route(t, eq, {.exact = false, .verify_seed = rng()}).ok()) << eq.to_string();
      for (int g : {2, 4, 8}) {
        auto f = random_target(TargetClass::kFeatherGroups, aw, rng, g);
        ASSERT_TRUE(route(t, f, {.exact = false, .verify_seed = rng()}).ok()) << f.to_string();
      }
    }
  }
}

// The exact router agrees with the constructive one where both apply, and decides targets the
// constructive one does not cover.
TEST(Router, SatAgreesWithConstructive) {
  std::mt19937_64 rng(test::test_seed());
  Topology t(8, Wiring::kBenes);
  for (int trial = 0; trial < 50; ++trial) {
    auto target = random_target(TargetClass::kFeatherGroups, 8, rng, 2);
    auto r = route(t, target, {.constructive = false});
    ASSERT_TRUE(r.ok()) << target.to_string() << ": " << r.reason;
    EXPECT_EQ(r.method, "sat");
  }
  for (int trial = 0; trial < 50; ++trial) {
    auto target = random_target(TargetClass::kArbitraryPartition, 8, rng);
    auto r = route(t, target);
    ASSERT_TRUE(r.status == RouteStatus::kRouted || r.status == RouteStatus::kUnroutable)
        << target.to_string() << ": " << r.reason;
  }
}

// The published wiring routes every permutation at AW = 4 (exact search)...
TEST(Router, PublishedWiringRoutesAllPermutationsAtFour) {
  Topology t(4, Wiring::kFeather);
  std::vector<int> perm{0, 1, 2, 3};
  do {
    auto r = route(t, Target::permutation(perm));
    ASSERT_TRUE(r.ok()) << Target::permutation(perm).to_string() << ": " << r.reason;
  } while (std::next_permutation(perm.begin(), perm.end()));
}

// ...but not every permutation at AW = 16: a counterexample found by the exact router, proven
// unroutable, while the default wiring routes it.
TEST(Router, PublishedWiringMissesSomePermutationsAtSixteen) {
  std::mt19937_64 rng(test::test_seed());
  Topology pub(16, Wiring::kFeather);
  Topology benes(16, Wiring::kBenes);
  int unroutable = 0;
  for (int trial = 0; trial < 400 && unroutable == 0; ++trial) {
    auto target = random_target(TargetClass::kPermutation, 16, rng);
    auto r = route(pub, target, {.sat_seconds = 20});
    ASSERT_NE(r.status, RouteStatus::kUnknown) << target.to_string();
    if (r.status == RouteStatus::kUnroutable) {
      ++unroutable;
      std::cout << "unroutable on " << pub.name() << ": " << target.to_string() << "\n";
      EXPECT_TRUE(route(benes, target).ok());
    }
  }
  EXPECT_GT(unroutable, 0) << "expected ~1% of permutations to fail on the published wiring";
}

TEST(Router, MalformedTargetsAreRejectedWithAReason) {
  Topology t(8, Wiring::kBenes);
  Target wrong(16);
  auto r = route(t, wrong);
  EXPECT_EQ(r.status, RouteStatus::kInvalid);
  EXPECT_NE(r.reason.find("16 lanes"), std::string::npos) << r.reason;
  Target bad(8);
  bad.out[3].set(9);
  r = route(t, bad);
  EXPECT_EQ(r.status, RouteStatus::kInvalid);
  EXPECT_NE(r.reason.find("lane 9"), std::string::npos) << r.reason;
  EXPECT_THROW(parse_target(8, "3<-1+x"), std::invalid_argument);
  EXPECT_THROW(parse_target(8, "9<-1"), std::invalid_argument);
  EXPECT_THROW(parse_target(8, "3<-1 3<-2"), std::invalid_argument);
  EXPECT_THROW(parse_target(8, "3<-8"), std::invalid_argument);
  EXPECT_THROW(parse_target(8, "3<-"), std::invalid_argument);
  EXPECT_THROW(parse_target(8, "3:1"), std::invalid_argument);
  auto ok = parse_target(8, "5<-0+1+2+3, 2<-4");
  EXPECT_EQ(ok.to_string(), "2<-4 5<-0+1+2+3");
}

TEST(Router, UnroutableTargetsNameWhy) {
  // Two lanes summed at a port and also sent alone elsewhere is fine (copies)...
  Topology t(4, Wiring::kBenes);
  auto fan = parse_target(4, "0<-0+1 3<-1");
  auto r = route(t, fan);
  EXPECT_TRUE(r.status == RouteStatus::kRouted || r.status == RouteStatus::kUnroutable);
  EXPECT_EQ(r.method, "sat");
  // ...but lane 0 alone at every port is impossible: no fan-out of 4 in 3 stages of 2x2.
  auto four = parse_target(4, "0<-0 1<-0 2<-0 3<-0");
  r = route(t, four);
  EXPECT_EQ(r.status, RouteStatus::kUnroutable);
  EXPECT_FALSE(r.reason.empty());
}

// The checker fails on a wrong configuration: corrupt one switch of a good route.
TEST(Router, CheckerCatchesACorruptedRoute) {
  std::mt19937_64 rng(test::test_seed());
  Topology t(16, Wiring::kBenes);
  for (int trial = 0; trial < 100; ++trial) {
    auto target = random_target(TargetClass::kFeatherGroups, 16, rng, 4);
    auto r = route(t, target);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(check_route(t, target, r.config).has_value());
    // flip the first-stage switch of lanes 0,1 from add to pass: that group's sum is lost
    Config bad = r.config;
    bad.at(0, 0) = bad.at(0, 0) == Mode::kPass ? Mode::kAddLo : Mode::kPass;
    auto problem = check_route(t, target, bad);
    ASSERT_TRUE(problem.has_value()) << target.to_string();
  }
}

}  // namespace
}  // namespace feather::birrd
