// Bit-exact models of BIRRD, written from the specification (docs/birrd.md).
//
// - apply_switch / evaluate: the combinational network, generic over the value type, so the same
//   code evaluates data (wrap-around DW-bit adds) and symbolic values (which inputs a wire sums).
// - CycleModel: the pipelined network, one register stage per switch stage, the configuration
//   travelling with its data wave, exactly as the RTL's ports and latency.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "feather/birrd/topology.hpp"

namespace feather::birrd {

// One lane's value and valid bit.
template <class V>
struct Lane {
  V value{};
  bool valid = false;
};

// The EGG switch. `add` adds two values.
template <class V, class Add>
inline void apply_switch(Mode m, const Lane<V>& lo, const Lane<V>& hi, Lane<V>& lo_out,
                         Lane<V>& hi_out, Add&& add) {
  switch (m) {
    case Mode::kPass:
      lo_out = lo;
      hi_out = hi;
      break;
    case Mode::kSwap:
      lo_out = hi;
      hi_out = lo;
      break;
    case Mode::kAddLo:
      lo_out.value = add(lo.value, hi.value);
      lo_out.valid = lo.valid && hi.valid;
      hi_out = hi;
      break;
    case Mode::kAddHi:
      hi_out.value = add(lo.value, hi.value);
      hi_out.valid = lo.valid && hi.valid;
      lo_out = lo;
      break;
  }
}

// One stage: `in` indexed by the stage's input port, `out` by its output port.
template <class V, class Add>
inline void apply_stage(const Topology& t, const Config& c, int s, const std::vector<Lane<V>>& in,
                        std::vector<Lane<V>>& out, Add&& add) {
  for (int i = 0; i < t.switches_per_stage(); ++i) {
    auto lo = static_cast<std::size_t>(2 * i);
    apply_switch(c.at(s, i), in[lo], in[lo + 1], out[lo], out[lo + 1], add);
  }
}

// The whole network as combinational logic; returns the last stage's output ports (before the
// result mask).
template <class V, class Add>
std::vector<Lane<V>> evaluate(const Topology& t, const Config& c, std::vector<Lane<V>> in,
                              Add&& add) {
  std::vector<Lane<V>> out(in.size());
  for (int s = 0; s < t.stages(); ++s) {
    apply_stage(t, c, s, in, out, add);
    if (s + 1 < t.stages()) {
      for (int p = 0; p < t.lanes(); ++p) {
        in[static_cast<std::size_t>(t.link(s, p))] = out[static_cast<std::size_t>(p)];
      }
    }
  }
  return out;
}

// Symbolic value: the set of input lanes a wire sums, or junk (some input counted twice, or an
// input that belongs to no target).
struct Sym {
  LaneSet set;
  bool junk = false;
};
Sym sym_add(const Sym& a, const Sym& b);

// Symbolic evaluation: input lane j carries {j}; lanes in `junk_inputs` are junk.
std::vector<Sym> evaluate_symbolic(const Topology& t, const Config& c, const LaneSet& junk_inputs);

// A deliberate model corruption, for tests that prove the checker can fail.
struct ModelFault {
  int stage = 0;
  int port = 0;
  std::uint64_t xor_mask = 1;  // XORed into that stage register's data
  std::uint64_t from_cycle = 0;
};

// The cycle-level model: same ports and latency as rtl/birrd.sv.
class CycleModel {
 public:
  CycleModel(const Topology& t, int data_width);

  // Asynchronous reset: clears every register.
  void reset();
  // One rising clock edge with these inputs (data per lane, masked to data_width bits).
  void step(const std::vector<std::uint64_t>& data, const LaneSet& valid, const Config& cfg);
  // The same edge with the inputs as the RTL's ports: valid_i, cmd_i and mask_i as 32-bit
  // words, least significant first (Config::pack_cmd and pack_mask). No Config is built, so
  // this is the cheaper path for a lockstep run whose commands change every cycle. Bits above
  // the lanes or switches in the last word are ignored.
  void step_packed(std::span<const std::uint64_t> data, std::span<const std::uint32_t> valid_words,
                   std::span<const std::uint32_t> cmd_words,
                   std::span<const std::uint32_t> mask_words);

  const Topology& topology() const { return topo_; }
  int data_width() const { return dw_; }
  std::uint64_t cycle() const { return cycle_; }

  // Output ports (valid_o already includes the result mask).
  std::uint64_t data_out(int lane) const { return stage_data(topo_.stages() - 1, lane); }
  bool valid_out(int lane) const {
    const auto l = static_cast<std::size_t>(lane);
    return vld_[index(topo_.stages() - 1, lane)] != 0 &&
           ((held_words(mask_ring_, mask_words_, topo_.stages() - 1)[l / 32] >> (l % 32)) & 1) != 0;
  }

  // Stage register contents: output port p of stage s, before the inter-stage wiring.
  std::uint64_t stage_data(int s, int p) const { return val_[index(s, p)]; }
  bool stage_valid(int s, int p) const { return vld_[index(s, p)] != 0; }

  void inject_fault(const ModelFault& f) { fault_ = f; }

 private:
  Topology topo_;
  int dw_;
  std::uint64_t dmask_;
  std::uint64_t cycle_ = 0;
  std::size_t head_ = 0;  // cycle_ % stages
  // The packed commands (or mask) of the wave held by stage register s, presented s cycles
  // before the newest one. Entry head_ of a ring is the oldest, the one the next step
  // overwrites, so the wave is entry (head_ + stages - 1 - s) % stages, found without a
  // division (this runs per lane and cycle in lockstep).
  const std::uint32_t* held_words(const std::vector<std::uint32_t>& ring, std::size_t words,
                                  int s) const {
    const auto n = static_cast<std::size_t>(topo_.stages());
    std::size_t k = head_ + n - 1 - static_cast<std::size_t>(s);
    if (k >= n) k -= n;
    return ring.data() + k * words;
  }
  void advance(const std::uint64_t* data, const std::uint32_t* valid, const std::uint32_t* cmd,
               const std::uint32_t* mask);

  std::size_t index(int s, int p) const {
    return static_cast<std::size_t>(s) * static_cast<std::size_t>(topo_.lanes()) +
           static_cast<std::size_t>(p);
  }

  // Stage registers, flat [stage * lanes + port]: data and valid.
  std::vector<std::uint64_t> val_;
  std::vector<std::uint8_t> vld_;
  // src_[s * lanes + q]: the output port of stage s-1 that feeds input port q of stage s.
  std::vector<std::uint32_t> src_;
  // The last `stages` configurations as the RTL's packed words, by cycle modulo stages.
  std::size_t cmd_words_ = 0, mask_words_ = 0;
  std::vector<std::uint32_t> cmd_ring_, mask_ring_;
  // step()'s inputs packed for advance().
  std::vector<std::uint32_t> valid_scratch_, cmd_scratch_, mask_scratch_;
  std::optional<ModelFault> fault_;
};

}  // namespace feather::birrd
