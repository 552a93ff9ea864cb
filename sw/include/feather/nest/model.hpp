// NEST, the PE array: a bit-exact cycle-level model with the RTL's ports and latency
// (rtl/nest.sv), and a functional model of the dot products it computes. Both are written from
// the specification in docs/nest.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace feather::nest {

struct NestParams {
  int ah = 4;     // rows
  int aw = 4;     // columns
  int ow = 8;     // operand width (unsigned operands, unsigned zero points)
  int accw = 32;  // accumulator width (two's complement, wraps)
  int depth = 0;  // stationary entries per bank; 0 = ah

  // Throws std::invalid_argument naming the bad parameter; fills in depth.
  NestParams validated() const;
  int row_bits() const { return ah > 1 ? clog2(ah) : 1; }
  int idx_bits() const { return depth > 1 ? clog2(depth) : 1; }
  static int clog2(int v) {
    int b = 0;
    while ((1 << b) < v) ++b;
    return b;
  }
};

// The inputs of one clock cycle, one entry per column where per-column.
struct NestInputs {
  std::uint32_t act_zp = 0;
  std::uint32_t w_zp = 0;
  std::uint32_t red_len_m1 = 0;
  std::vector<std::uint8_t> pe_mask;  // [c * ah + r]
  std::vector<std::uint32_t> act;
  std::vector<std::uint8_t> act_valid;
  std::vector<std::uint8_t> act_bank;
  std::vector<std::uint8_t> ld_valid;
  std::vector<std::uint32_t> ld_row;
  std::vector<std::uint8_t> ld_bank;
  std::vector<std::uint32_t> ld_idx;
  std::vector<std::uint32_t> ld_data;

  explicit NestInputs(const NestParams& p = {});
};

// A collision: two or more rows of a column emitted in the same cycle.
struct Collision {
  std::uint64_t cycle;
  int column;
  std::vector<int> rows;
};

// A deliberate model corruption, for tests that prove the checker can fail: XOR into the
// accumulator of PE (row, column) from a cycle on.
struct NestFault {
  int row = 0;
  int column = 0;
  std::uint64_t xor_mask = 1;
  std::uint64_t from_cycle = 0;
};

class CycleModel {
 public:
  explicit CycleModel(const NestParams& p);

  // Asynchronous reset: every register to 0; the stationary memories keep their contents.
  void reset();
  void step(const NestInputs& in);

  const NestParams& params() const { return p_; }
  std::uint64_t cycle() const { return cycle_; }

  std::uint64_t col_data(int c) const { return col_data_[static_cast<std::size_t>(c)]; }
  bool col_valid(int c) const { return col_valid_[static_cast<std::size_t>(c)] != 0; }
  bool col_err(int c) const { return col_err_[static_cast<std::size_t>(c)] != 0; }

  std::uint64_t pe_acc(int r, int c) const { return pe(r, c).acc; }
  std::uint64_t pe_out(int r, int c) const { return pe(r, c).out; }
  bool pe_ov(int r, int c) const { return pe(r, c).ov != 0; }
  // Stored stationary operand.
  std::uint32_t weight(int r, int c, int bank, int idx) const;

  // Every collision seen so far (the RTL flags them on col_err_o and asserts in simulation).
  const std::vector<Collision>& collisions() const { return collisions_; }

  void inject_fault(const NestFault& f) {
    fault_ = f;
    has_fault_ = true;
  }

 private:
  struct Stream {
    std::uint32_t act = 0;
    std::uint8_t valid = 0, bank = 0, last = 0;
    std::uint32_t idx = 0;
  };
  struct Pe {
    Stream fwd;
    std::int64_t a1 = 0, w1 = 0;
    std::uint8_t v1 = 0, l1 = 0;
    std::int64_t p2 = 0;
    std::uint8_t v2 = 0, l2 = 0;
    std::uint64_t acc = 0, out = 0;
    std::uint8_t ov = 0;
  };
  const Pe& pe(int r, int c) const { return pes_[static_cast<std::size_t>(c * p_.ah + r)]; }
  Pe& pe(int r, int c) { return pes_[static_cast<std::size_t>(c * p_.ah + r)]; }

  NestParams p_;
  std::uint64_t amask_;
  std::uint64_t cycle_ = 0;
  std::uint32_t act_zp_q_ = 0, w_zp_q_ = 0;
  std::vector<std::uint32_t> cnt_;
  std::vector<Stream> entry_;
  struct Load {
    std::uint8_t valid = 0, bank = 0;
    std::uint32_t row = 0, idx = 0, data = 0;
  };
  std::vector<Load> load_;
  std::vector<Pe> pes_;
  // The stationary memories of every PE in one array (no pointer to follow per PE and cycle):
  // PE i = c * ah + r, bank b, entry idx at wslot(i, b, idx).
  std::vector<std::uint32_t> w_;
  std::size_t wslot(int pe_index, std::uint32_t bank, std::uint32_t idx) const {
    return (static_cast<std::size_t>(pe_index) * 2 + (bank & 1)) *
               static_cast<std::size_t>(p_.depth) +
           idx;
  }
  std::vector<std::uint64_t> col_data_;
  std::vector<std::uint8_t> col_valid_, col_err_;
  std::vector<Collision> collisions_;
  NestFault fault_;
  bool has_fault_ = false;
};

// Functional model: the dot product a PE emits for one reduction, given the operands.
// Returns the ACCW-bit two's-complement result as an unsigned value.
std::uint64_t dot(const std::vector<std::uint32_t>& acts, const std::vector<std::uint32_t>& weights,
                  std::uint32_t act_zp, std::uint32_t w_zp, int accw);

}  // namespace feather::nest
