// The instruction-level golden model of the FEATHER top (docs/isa.md): executes an instruction
// stream on buffers and an off-chip memory, bit-exact (buffer contents in their layouts
// included). Written from the specification, independent of the RTL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "feather/top/corners.hpp"
#include "feather/top/isa.hpp"
#include "feather/top/params.hpp"

namespace feather::top {

// Off-chip memory: words of `aw` bytes, sparse; unwritten words read as 0.
class Memory {
 public:
  explicit Memory(int aw = 4) : aw_(aw) {}
  int aw() const { return aw_; }
  std::vector<std::uint8_t> read(std::uint64_t addr) const;
  void write(std::uint64_t addr, const std::vector<std::uint8_t>& word);
  std::uint8_t byte(std::uint64_t addr, int i) const;
  void set_byte(std::uint64_t addr, int i, std::uint8_t v);
  std::size_t words() const { return mem_.size(); }
  // Copies every written word of `o` (same word size) into this memory.
  void merge(const Memory& o);
  bool operator==(const Memory& o) const;

 private:
  int aw_;
  std::unordered_map<std::uint64_t, std::vector<std::uint8_t>> mem_;
};

// Where an error happened (for reports).
struct ErrorInfo {
  Err err = Err::kNone;
  std::size_t instr = 0;  // index in the stream
  std::string detail;     // e.g. "step 3 beat 1: columns 2 and 5 read bank 1 at lines 8, 12"
};

class Golden {
 public:
  explicit Golden(const TopParams& p);

  // Registers to their reset values; buffers and the requantization tables (memories) keep
  // their contents. A new model starts with every buffer and table at 0.
  void reset();
  // Executes one instruction; returns the error (kNone on success). After an error, further
  // instructions are ignored and return the same error. Throws std::invalid_argument if the
  // instruction cannot be encoded for these parameters (see encode()).
  Err execute(const Instr& in, Memory& mem);
  // Executes a whole stream; stops at the first error.
  ErrorInfo run(const std::vector<Instr>& prog, Memory& mem);

  const TopParams& params() const { return p_; }
  Err err() const { return err_; }
  const std::string& err_detail() const { return detail_; }

  // Architectural state.
  std::uint8_t sbuf(int half, int bank, std::uint64_t line) const;
  std::uint8_t wbuf(int bank, std::uint64_t line) const;
  std::uint32_t obuf(int bank, std::uint64_t line) const;
  int half() const { return half_; }
  std::int32_t scale(int n) const;
  std::uint8_t ozp(int n) const;
  // Direct access for tests that preload buffers.
  void set_sbuf(int half, int bank, std::uint64_t line, std::uint8_t v);
  void set_wbuf(int bank, std::uint64_t line, std::uint8_t v);
  void set_obuf(int bank, std::uint64_t line, std::uint32_t v);

  // Work counters (for reports): MACs of in-range, live outputs are not separated; these count
  // what the array does.
  std::uint64_t stream_steps() const { return steps_; }
  std::uint64_t output_writes() const { return writes_; }

  // The control corners met since the model was made or they were last taken (reset() keeps
  // them): for functional coverage (corners.hpp).
  const Corners& corners() const { return corners_; }
  Corners take_corners() { return std::exchange(corners_, Corners{}); }

 private:
  // The private section is the implementation's (docs/isa.md is the contract).
  struct Mapping {
    std::uint64_t j0 = 0, n0 = 0;
    std::uint32_t grlog = 0, gclog = 0, vn = 1;
  };
  Err fail(Err e, std::string detail);
  Err dispatch(const Instr& in, Memory& mem);
  // Counts the requantization corners of v (ties, clamps) in corners_.
  void note_requant(std::int32_t v, std::int32_t scale, std::uint8_t ozp);
  Err set_layout(const Instr& in);
  Err load(const Instr& in, const Memory& mem);
  Err store(const Instr& in, Memory& mem);
  Err map(const Instr& in);
  Err stream(const Instr& in);
  std::size_t sidx(int half, int bank, std::uint64_t line) const;
  std::size_t widx(int bank, std::uint64_t line) const;
  std::size_t oidx(int bank, std::uint64_t line) const;
  std::size_t pidx(int r, int c, int e) const;

  TopParams p_;
  birrd::Topology topo_;
  Err err_ = Err::kNone;
  std::string detail_;
  int half_ = 0;
  std::uint64_t steps_ = 0, writes_ = 0;
  std::optional<Layout> lw_, li_, lo_;
  std::uint8_t zp_a_ = 0, zp_w_ = 0;
  std::uint8_t qlo_ = 0, qhi_ = 255;  // Config's requantization clamp
  bool lut_on_ = false;               // Config's activation-table bit
  std::optional<Mapping> map_;
  std::vector<std::uint8_t> pe_w_;   // PE stationary operands of the current mapping [r][c][e]
  std::vector<std::uint8_t> sbuf_;   // [half][bank][line]
  std::vector<std::uint8_t> wbuf_;   // [bank][line]
  std::vector<std::uint32_t> obuf_;  // [bank][line]
  std::vector<std::int32_t> scale_;
  std::vector<std::uint8_t> ozp_;
  std::vector<std::uint8_t> lut_;  // the activation table, lut_lines * AW entries (256 used)
  Corners corners_;
  // The instruction before the current one (for the corners): its opcode (none after a reset)
  // and whether it requantized; whether the last ExecuteMapping changed vn.
  std::optional<Op> prev_op_;
  bool prev_quant_ = false, vn_changed_ = false;
};

// Requantization: clamp(((v * scale + 2^23) >> 24) + ozp, lo, hi), 64-bit signed product,
// arithmetic shift; [lo, hi] is Config's clamp (lo <= hi).
std::uint8_t requant(std::int32_t v, std::int32_t scale, std::uint8_t ozp, std::uint8_t lo = 0,
                     std::uint8_t hi = 255);

}  // namespace feather::top
