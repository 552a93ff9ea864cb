// The mutation tool itself (docs/mutation.md): where mutants change the source, their ids, the
// sampling, what is never mutated, and the Yosys equivalence check on two mutants of rtl/egg.sv.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "mutator.hpp"

namespace fs = std::filesystem;
using mutate::Mutant;

namespace {

const fs::path kRoot = FEATHER_SOURCE_DIR;

int line_of(const std::string& s, std::size_t offset) {
  return 1 + static_cast<int>(std::count(s.begin(), s.begin() + static_cast<long>(offset), '\n'));
}

const Mutant& find_id(const std::vector<Mutant>& ms, const std::string& id) {
  const auto it = std::find_if(ms.begin(), ms.end(), [&](const Mutant& m) { return m.id == id; });
  if (it == ms.end()) throw std::runtime_error("no mutant " + id);
  return *it;
}

}  // namespace

TEST(Mutate, EveryMutantChangesExactlyTheListedPlace) {
  const auto all = mutate::find_all(kRoot);
  ASSERT_GT(all.size(), 1000u);
  std::map<std::string, std::string> sources;
  for (const auto& m : all) {
    auto& src = sources[m.file];
    if (src.empty()) src = mutate::read_file(kRoot / m.file);
    const std::string mut = mutate::apply(src, m);
    ASSERT_NE(mut, src) << m.id;
    EXPECT_EQ(mut.compare(0, m.offset, src, 0, m.offset), 0) << m.id;
    const std::size_t tail = src.size() - m.offset - m.length;
    EXPECT_EQ(mut.compare(mut.size() - tail, tail, src, src.size() - tail, tail), 0) << m.id;
    EXPECT_EQ(line_of(src, m.offset), m.line) << m.id;
    EXPECT_NE(m.before, m.after) << m.id;
    EXPECT_FALSE(m.module.empty()) << m.id;
  }
}

TEST(Mutate, IdsAreUniqueAndStable) {
  const auto a = mutate::find_all(kRoot), b = mutate::find_all(kRoot);
  ASSERT_EQ(a.size(), b.size());
  std::set<std::string> ids;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].id, b[i].id);
    EXPECT_TRUE(ids.insert(a[i].id).second) << "duplicate id " << a[i].id;
  }
  // An id depends on the changed line, not on where it is: lines added above keep every id.
  const std::string egg = mutate::read_file(kRoot / "rtl/egg.sv");
  const auto before = mutate::find_mutants(egg, "rtl/egg.sv");
  const auto after = mutate::find_mutants("// a new first line\n\n" + egg, "rtl/egg.sv");
  ASSERT_EQ(before.size(), after.size());
  for (std::size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(before[i].id, after[i].id);
    EXPECT_EQ(before[i].line + 2, after[i].line);
  }
}

TEST(Mutate, SamplingIsReproducibleFromTheSeed) {
  const auto all = mutate::find_all(kRoot);
  const auto s1 = mutate::sample(all, 25, 7), s2 = mutate::sample(all, 25, 7);
  const auto s3 = mutate::sample(all, 25, 8);
  ASSERT_EQ(s1.size(), 25u);
  std::vector<std::string> i1, i2, i3;
  for (const auto& m : s1) i1.push_back(m.id);
  for (const auto& m : s2) i2.push_back(m.id);
  for (const auto& m : s3) i3.push_back(m.id);
  EXPECT_EQ(i1, i2);
  EXPECT_NE(i1, i3);
  EXPECT_EQ(mutate::sample(all, 0, 7).size(), all.size());
  // A larger sample with the same seed contains the smaller one (make mutate extends a run).
  const auto big = mutate::sample(all, 60, 7);
  std::set<std::string> in_big;
  for (const auto& m : big) in_big.insert(m.id);
  for (const auto& id : i1) EXPECT_TRUE(in_big.contains(id)) << id;
}

TEST(Mutate, SitesOfEachClassAndNoneInCommentsDeclarationsOrAssertions) {
  const std::string src = R"(module m #(parameter int W = 4) (input logic a, b, output logic y, z);
  localparam int N = 3;
  // y = a + b;
  /* z = a - b; */
  logic [W-1:0] q;
  assign y = a & b;
  always_comb begin
    z = 1'b0;
    if (a) z = b ? a : 1'b1;
  end
`ifndef SYNTHESIS
  always_comb assert (a == b);
`endif
endmodule
)";
  const auto ms = mutate::find_mutants(src, "rtl/m.sv");
  std::multiset<std::string> ops;
  for (const auto& m : ms) {
    ops.insert(m.op);
    EXPECT_TRUE(m.line == 6 || m.line == 8 || m.line == 9) << m.line << ": " << m.after;
    EXPECT_EQ(m.module, "m");
  }
  // assign y: stuck-0/1 and & -> |; z = 1'b0: 1'b1; the if: negated; z = b ? a : 1'b1 (in a
  // branch): dropped, stuck-0/1, the ternary swapped, 1'b0.
  EXPECT_EQ(ops.count("stuck-0"), 2u);
  EXPECT_EQ(ops.count("stuck-1"), 2u);
  EXPECT_EQ(ops.count("binop"), 1u);
  EXPECT_EQ(ops.count("const"), 2u);
  EXPECT_EQ(ops.count("negate-if"), 1u);
  EXPECT_EQ(ops.count("drop"), 1u);
  EXPECT_EQ(ops.count("ternary-swap"), 1u);
  EXPECT_EQ(ms.size(), 10u);
  for (const auto& m : ms) {
    if (m.op == "negate-if") {
      EXPECT_EQ(m.after, "if (!(a)) z = b ? a : 1'b1;");
    } else if (m.op == "ternary-swap") {
      EXPECT_EQ(m.after, "if (a) z = b ? 1'b1 : a;");
    } else if (m.op == "drop") {
      EXPECT_EQ(m.after, "if (a) ;");
    }
  }
}

// equiv.sh on a mutant of rtl/egg.sv inside the 4-lane BIRRD: true when proven equivalent.
bool proven_equivalent(const std::string& id) {
  const auto all = mutate::find_all(kRoot);
  const Mutant& m = find_id(all, id);
  const fs::path dir = fs::path(FEATHER_MUTATE_SCRATCH) / id;
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy(kRoot / "rtl", dir / "rtl");
  std::ofstream(dir / m.file) << mutate::apply(mutate::read_file(kRoot / m.file), m);
  const std::string cmd = "bash " + (kRoot / "verif/mutate/equiv.sh").string() + " " +
                          kRoot.string() + " " + dir.string() + " egg " + (dir / "eq").string() +
                          " birrd:AW=4,DW=32,WIRING=1 > " + (dir / "equiv.log").string() + " 2>&1";
  return std::system(cmd.c_str()) == 0;
}

TEST(MutateEquiv, DisjointOrBecomingXorIsProvenEquivalent) {
  if (std::system("command -v yosys > /dev/null") != 0) GTEST_SKIP() << "yosys not found";
  // lo_o = (swap & hi) | (add_lo & sum) | ...: swap and add_lo are never both set.
  const auto all = mutate::find_all(kRoot);
  const Mutant& m = find_id(all, "egg-d7a275df");
  EXPECT_EQ(m.after.find("({DW{swap}} & hi_i) ^ ({DW{add_lo}} & sum)"), 14u) << m.after;
  EXPECT_TRUE(proven_equivalent(m.id));
}

TEST(MutateEquiv, AddBecomingSubtractIsNotEquivalent) {
  if (std::system("command -v yosys > /dev/null") != 0) GTEST_SKIP() << "yosys not found";
  const auto all = mutate::find_all(kRoot);
  const Mutant& m = find_id(all, "egg-7d40f1ea");
  EXPECT_EQ(m.line, 40);
  EXPECT_NE(m.after.find("lo_i - hi_i"), std::string::npos) << m.after;
  EXPECT_FALSE(proven_equivalent(m.id));
}
