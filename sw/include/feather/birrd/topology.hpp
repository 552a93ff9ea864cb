// BIRRD topology: stage count and inter-stage wiring, written from the specification in
// docs/birrd.md (the same text the RTL in rtl/birrd.sv implements).
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feather::birrd {

// Largest lane count the software supports (the RTL has no upper limit).
inline constexpr int kMaxLanes = 1024;
using LaneSet = std::bitset<kMaxLanes>;

enum class Wiring : int {
  kFeather = 0,  // published FEATHER wiring: bit-reversal of the low g bits between stages
  kBenes = 1,    // Benes wiring: stage k exchanges bit b(k), b = 0,1,..,L-1,..,1,0 (default)
};

std::string_view to_string(Wiring w);
// Accepts "feather"/"published"/"0" and "benes"/"1"; nullopt otherwise.
std::optional<Wiring> parse_wiring(std::string_view text);

// The 2x2 EGG switch command. Encoding is the RTL's 2-bit cmd.
enum class Mode : std::uint8_t {
  kPass = 0,   // lo->lo, hi->hi
  kAddLo = 1,  // lo = lo + hi, hi keeps a copy of hi
  kAddHi = 2,  // hi = lo + hi, lo keeps a copy of lo
  kSwap = 3,   // lo->hi, hi->lo
};
std::string_view to_string(Mode m);

class Topology {
 public:
  // stages == 0 selects the wiring's default stage count. Throws std::invalid_argument with a
  // message naming the bad parameter (lanes not a power of two, lanes < 4 or > kMaxLanes,
  // stages < 1).
  Topology(int lanes, Wiring wiring, int stages = 0);

  static int default_stages(int lanes, Wiring wiring);

  int lanes() const { return lanes_; }
  int log2_lanes() const { return log2_; }
  int stages() const { return stages_; }
  int switches_per_stage() const { return lanes_ / 2; }
  Wiring wiring() const { return wiring_; }
  bool is_default_stages() const { return stages_ == default_stages(lanes_, wiring_); }

  // Output port p of stage s (s < stages()-1) feeds input port link(s, p) of stage s+1.
  int link(int s, int p) const {
    return link_[static_cast<std::size_t>(s)][static_cast<std::size_t>(p)];
  }
  // The output port of stage s that feeds input port q of stage s+1.
  int link_inverse(int s, int q) const {
    return inverse_[static_cast<std::size_t>(s)][static_cast<std::size_t>(q)];
  }

  // Benes wiring only: the bit exchanged by stage k (b(k) in the specification).
  int benes_bit(int k) const;

  // "benes-16x7" style name: wiring, lanes, stages.
  std::string name() const;

 private:
  int lanes_;
  int log2_;
  int stages_;
  Wiring wiring_;
  std::vector<std::vector<int>> link_;
  std::vector<std::vector<int>> inverse_;
};

// Per-stage, per-switch commands plus the output result mask: one BIRRD configuration.
struct Config {
  int lanes = 0;
  int stages = 0;
  std::vector<Mode> modes;  // modes[s * lanes/2 + i]: switch i of stage s
  LaneSet mask;             // output lanes that carry results of this wave

  Config() = default;
  explicit Config(const Topology& t)
      : lanes(t.lanes()),
        stages(t.stages()),
        modes(static_cast<std::size_t>(t.stages() * t.switches_per_stage()), Mode::kPass) {}

  Mode at(int s, int i) const { return modes[index(s, i)]; }
  Mode& at(int s, int i) { return modes[index(s, i)]; }

  // The RTL's cmd_i vector (stage s switch i at bits [(s*lanes/2+i)*2 +: 2]) as 32-bit words,
  // least significant word first.
  std::vector<std::uint32_t> pack_cmd() const;
  // The mask as 32-bit words, least significant first.
  std::vector<std::uint32_t> pack_mask() const;

  // Human-readable multi-line dump: one line per stage.
  std::string to_string() const;

 private:
  std::size_t index(int s, int i) const { return static_cast<std::size_t>(s * (lanes / 2) + i); }
};

}  // namespace feather::birrd
