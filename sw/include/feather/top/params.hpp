// Parameters of the FEATHER top (rtl/feather_top.sv) and the field widths derived from them,
// as specified in docs/isa.md.
#pragma once

#include <cstdint>
#include <string>

#include "feather/birrd/topology.hpp"

namespace feather::top {

// Bits of the window stride field of SetIVNLayout (feather_pkg::WinStW).
inline constexpr int kWindowStrideBits = 3;

struct TopParams {
  int ah = 4;  // NEST rows (power of two, 2..64)
  int aw = 4;  // NEST columns = BIRRD lanes = banks (pow2 4..64)
  birrd::Wiring wiring = birrd::Wiring::kBenes;
  int sd = 256;  // streaming lines per bank per half (>= ah)
  int wd = 256;  // stationary lines per bank (>= ah)
  int od = 256;  // output lines per bank (>= ah)
  int qd = 64;   // requantization entries (>= 1, multiple of aw)
  int maw = 24;  // off-chip word address width (1..48)

  // Throws std::invalid_argument naming the bad parameter and its legal range.
  TopParams validated() const;

  int awl() const;                                            // log2 aw
  int ahl() const;                                            // log2 ah
  int la() const;                                             // line field: clog2(max(sd, wd, od))
  int xw() const;                                             // index/factor fields: la + awl
  int flw() const;                                            // clog2(xw + 1)
  int glw() const;                                            // clog2(awl + 1)
  int vw() const;                                             // max(1, ahl)
  int stages() const;                                         // BIRRD stages
  int cw() const;                                             // BIRRD command bits: stages * aw
  int iw() const;                                             // instruction width
  int lut_lines() const { return aw >= 256 ? 1 : 256 / aw; }  // activation table, AW per line
  birrd::Topology topology() const { return birrd::Topology(aw, wiring); }

  // "16x16 sd=256 ..." for reports.
  std::string to_string() const;
};

int clog2(std::uint64_t v);

}  // namespace feather::top
