#include "feather/top/params.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace feather::top {

namespace {

bool is_pow2(int v) { return v > 0 && (v & (v - 1)) == 0; }

int log2_exact(int v) {
  int l = 0;
  while ((1 << l) < v) ++l;
  return l;
}

}  // namespace

int clog2(std::uint64_t v) {
  int l = 0;
  while (l < 64 && (std::uint64_t{1} << l) < v) ++l;
  return l;
}

TopParams TopParams::validated() const {
  auto bad = [](const std::string& what) { throw std::invalid_argument("TopParams: " + what); };
  if (!is_pow2(ah) || ah < 2 || ah > 64) {
    bad(fmt::format("AH = {} is illegal (legal: power of two, 2..64)", ah));
  }
  if (!is_pow2(aw) || aw < 4 || aw > 64) {
    bad(fmt::format("AW = {} is illegal (legal: power of two, 4..64)", aw));
  }
  if (wiring != birrd::Wiring::kFeather && wiring != birrd::Wiring::kBenes) {
    bad(fmt::format("WIRING = {} is illegal (legal: 0, 1)", static_cast<int>(wiring)));
  }
  if (sd < ah) bad(fmt::format("SD = {} is illegal (legal: >= AH = {})", sd, ah));
  if (wd < ah) bad(fmt::format("WD = {} is illegal (legal: >= AH = {})", wd, ah));
  if (od < ah) bad(fmt::format("OD = {} is illegal (legal: >= AH = {})", od, ah));
  if (qd < 1 || qd % aw != 0) {
    bad(fmt::format("QD = {} is illegal (legal: >= 1 and a multiple of AW = {})", qd, aw));
  }
  if (maw < 1 || maw > 48) bad(fmt::format("MAW = {} is illegal (legal: 1..48)", maw));
  return *this;
}

int TopParams::awl() const { return log2_exact(aw); }
int TopParams::ahl() const { return log2_exact(ah); }
int TopParams::la() const { return clog2(static_cast<std::uint64_t>(std::max({sd, wd, od, 1}))); }
int TopParams::xw() const { return la() + awl(); }
int TopParams::flw() const { return clog2(static_cast<std::uint64_t>(xw() + 1)); }
int TopParams::glw() const { return clog2(static_cast<std::uint64_t>(awl() + 1)); }
int TopParams::vw() const { return std::max(1, ahl()); }
int TopParams::stages() const { return birrd::Topology::default_stages(aw, wiring); }
int TopParams::cw() const { return stages() * aw; }

int TopParams::iw() const {
  const int window = 1 + 2 * xw() + kWindowStrideBits;
  const int layout = 3 + flw() + xw() + xw() + la() + window + la();  // ..., qoff
  const int stream = 3 * xw() + 2 + cw() + aw + 2 * (xw() + 1);
  const int mem = 3 + la() + xw() + maw;
  const int config = 8 + 8 + 1 + 1 + 8 + 8 + 1;
  const int map = 2 * xw() + 2 * glw() + vw();
  return 3 + std::max({layout, stream, mem, config, map});
}

std::string TopParams::to_string() const {
  return fmt::format("{}x{} {} sd={} wd={} od={} qd={} maw={}", ah, aw, birrd::to_string(wiring),
                     sd, wd, od, qd, maw);
}

}  // namespace feather::top
