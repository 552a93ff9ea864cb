// The RTL package (rtl/feather_pkg.sv) and the C++ side of the instruction set agree: opcodes,
// error codes, Load/Store targets, the BIRRD stage count and the instruction field widths, read
// from a verilated probe of the package (verif/rtl/feather_pkg_probe.sv) and compared with
// sw/include/feather/top/isa.hpp, feather::birrd::Topology and feather::top::TopParams.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "Vfeather_pkg_probe.h"
#include "feather/birrd/topology.hpp"
#include "feather/top/isa.hpp"
#include "feather/top/params.hpp"

namespace {

using feather::top::Err;
using feather::top::Op;
using feather::top::Target;

// Bits [lo, lo + width) of a verilated wide port (an array of 32-bit words).
template <class Port>
std::uint32_t field(const Port& port, int lo, int width) {
  std::uint64_t v = 0;
  for (int b = 0; b < width; ++b) {
    const int bit = lo + b;
    const std::uint32_t word = static_cast<std::uint32_t>(port[static_cast<std::size_t>(bit / 32)]);
    v |= static_cast<std::uint64_t>((word >> (bit % 32)) & 1U) << b;
  }
  return static_cast<std::uint32_t>(v);
}
// The same for ports of at most 64 bits (verilated as an integer).
std::uint32_t field64(std::uint64_t port, int lo, int width) {
  return static_cast<std::uint32_t>((port >> lo) & ((std::uint64_t{1} << width) - 1));
}

class PkgConstants : public ::testing::Test {
 protected:
  void SetUp() override { probe_.eval(); }
  Vfeather_pkg_probe probe_;
};

TEST_F(PkgConstants, OpcodesEqualTheIsa) {
  const std::vector<Op> ops = {Op::kSetWvnLayout, Op::kSetIvnLayout, Op::kSetOvnLayout, Op::kStream,
                               Op::kStore,        Op::kLoad,         Op::kConfig,       Op::kMap};
  for (std::size_t k = 0; k < ops.size(); ++k) {
    EXPECT_EQ(field64(probe_.ops_o, static_cast<int>(k) * 3, 3), static_cast<std::uint32_t>(ops[k]))
        << "opcode " << feather::top::to_string(ops[k]);
  }
}

TEST_F(PkgConstants, ErrorCodesEqualTheIsa) {
  const std::vector<Err> errs = {
      Err::kNone,      Err::kField,     Err::kLayoutRange, Err::kState,    Err::kSConflict,
      Err::kWConflict, Err::kOConflict, Err::kOMissing,    Err::kMemRange, Err::kQRange};
  for (std::size_t k = 0; k < errs.size(); ++k) {
    EXPECT_EQ(field64(probe_.errs_o, static_cast<int>(k) * 4, 4),
              static_cast<std::uint32_t>(errs[k]))
        << "error " << feather::top::to_string(errs[k]);
  }
}

TEST_F(PkgConstants, TargetsAndFormatConstantsEqualTheIsa) {
  const std::vector<Target> tgts = {Target::kWbuf,  Target::kSbufActive, Target::kSbufInactive,
                                    Target::kScale, Target::kOzp,        Target::kLut};
  for (std::size_t k = 0; k < tgts.size(); ++k) {
    EXPECT_EQ(field64(probe_.tgts_o, static_cast<int>(k) * 3, 3),
              static_cast<std::uint32_t>(tgts[k]))
        << "target " << k;
  }
  EXPECT_EQ(field64(probe_.misc_o, 0, 8), 5U) << "LastOrder: layout orders 0..5";
  EXPECT_EQ(field64(probe_.misc_o, 8, 8), 35U)
      << "CfgW: zpa 8 + zpw 8 + swap 1 + clamp 1 + qlo 8 + qhi 8 + lut 1";
  EXPECT_EQ(field64(probe_.misc_o, 24, 8), 3U) << "OpW";
  EXPECT_EQ(field64(probe_.misc_o, 32, 8), 4U) << "ErrW";
  EXPECT_EQ(field64(probe_.misc_o, 40, 8), 3U) << "TgtW";
  // Every error code fits ErrW bits, every opcode OpW bits (the enums' largest values).
  EXPECT_LT(static_cast<unsigned>(Err::kQRange), 1U << field64(probe_.misc_o, 32, 8));
  EXPECT_LT(static_cast<unsigned>(Op::kMap), 1U << field64(probe_.misc_o, 24, 8));
}

TEST_F(PkgConstants, BirrdStagesEqualTheTopology) {
  for (int k = 0; k < 14; ++k) {
    const int aw = 4 << (k / 2);
    const auto wiring = static_cast<feather::birrd::Wiring>(k % 2);
    EXPECT_EQ(static_cast<int>(field(probe_.stages_o, k * 8, 8)),
              feather::birrd::Topology::default_stages(aw, wiring))
        << "AW " << aw << " wiring " << k % 2;
  }
}

TEST_F(PkgConstants, FieldWidthsEqualTopParams) {
  struct Cfg {
    int ah, aw, wiring, sd, wd, od, maw;
  };
  // The probe's table (verif/rtl/feather_pkg_probe.sv).
  const std::vector<Cfg> cfgs = {{4, 4, 1, 1024, 512, 512, 24},
                                 {16, 16, 1, 65536, 16384, 16384, 24},
                                 {2, 4, 0, 2, 3, 5, 1},
                                 {64, 64, 1, 64, 4096, 64, 48},
                                 {4, 4, 1, 32, 32, 32, 48}};
  for (std::size_t c = 0; c < cfgs.size(); ++c) {
    const Cfg& g = cfgs[c];
    feather::top::TopParams p;
    p.ah = g.ah;
    p.aw = g.aw;
    p.wiring = static_cast<feather::birrd::Wiring>(g.wiring);
    p.sd = g.sd;
    p.wd = g.wd;
    p.od = g.od;
    p.qd = g.aw;
    p.maw = g.maw;
    p = p.validated();
    const int lo = static_cast<int>(c) * 96;
    SCOPED_TRACE(p.to_string());
    EXPECT_EQ(static_cast<int>(field(probe_.sizes_o, lo, 16)), p.iw()) << "instr_width";
    EXPECT_EQ(static_cast<int>(field(probe_.sizes_o, lo + 16, 16)), p.la()) << "line_width";
    EXPECT_EQ(static_cast<int>(field(probe_.sizes_o, lo + 32, 16)), p.xw()) << "index_width";
    EXPECT_EQ(static_cast<int>(field(probe_.sizes_o, lo + 48, 16)), p.flw()) << "f0log_width";
    EXPECT_EQ(static_cast<int>(field(probe_.sizes_o, lo + 64, 16)), p.glw()) << "glog_width";
    EXPECT_EQ(static_cast<int>(field(probe_.sizes_o, lo + 80, 16)), p.vw()) << "vn_width";
  }
}

}  // namespace
