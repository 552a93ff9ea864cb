#include "feather/nest/model.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace feather::nest {

NestParams NestParams::validated() const {
  NestParams p = *this;
  if (p.depth == 0) p.depth = p.ah;
  if (p.ah < 1)
    throw std::invalid_argument(fmt::format("NEST rows (AH) must be >= 1, got {}", p.ah));
  if (p.aw < 1) {
    throw std::invalid_argument(fmt::format("NEST columns (AW) must be >= 1, got {}", p.aw));
  }
  if (p.ow < 1 || p.ow > 16) {
    throw std::invalid_argument(
        fmt::format("NEST operand width (OW) must be in 1..16, got {}", p.ow));
  }
  if (p.depth < 1) {
    throw std::invalid_argument(fmt::format("NEST depth must be >= 1, got {}", p.depth));
  }
  if (p.accw < 2 * (p.ow + 1) || p.accw > 64) {
    throw std::invalid_argument(
        fmt::format("NEST accumulator width (ACCW) must be in {}..64 (2*(OW+1) or more), got {}",
                    2 * (p.ow + 1), p.accw));
  }
  return p;
}

NestInputs::NestInputs(const NestParams& p)
    : pe_mask(static_cast<std::size_t>(p.ah * p.aw), 1),
      act(static_cast<std::size_t>(p.aw), 0),
      act_valid(static_cast<std::size_t>(p.aw), 0),
      act_bank(static_cast<std::size_t>(p.aw), 0),
      ld_valid(static_cast<std::size_t>(p.aw), 0),
      ld_row(static_cast<std::size_t>(p.aw), 0),
      ld_bank(static_cast<std::size_t>(p.aw), 0),
      ld_idx(static_cast<std::size_t>(p.aw), 0),
      ld_data(static_cast<std::size_t>(p.aw), 0) {}

CycleModel::CycleModel(const NestParams& p) : p_(p.validated()) {
  amask_ = p_.accw == 64 ? ~0ULL : ((1ULL << p_.accw) - 1);
  // Power-on: every register and the stationary memories hold 0 (as a verilated model does).
  pes_.assign(static_cast<std::size_t>(p_.ah * p_.aw), Pe{});
  w_.assign(pes_.size() * 2 * static_cast<std::size_t>(p_.depth), 0);
  reset();
}

void CycleModel::reset() {
  const auto aw = static_cast<std::size_t>(p_.aw);
  cycle_ = 0;
  act_zp_q_ = w_zp_q_ = 0;
  cnt_.assign(aw, 0);
  entry_.assign(aw, Stream{});
  load_.assign(aw, Load{});
  // Reset clears every register but not the stationary memories (w_: they have no reset).
  std::fill(pes_.begin(), pes_.end(), Pe{});
  col_data_.assign(aw, 0);
  col_valid_.assign(aw, 0);
  col_err_.assign(aw, 0);
}

std::uint32_t CycleModel::weight(int r, int c, int bank, int idx) const {
  return w_[wslot(c * p_.ah + r, bank, static_cast<std::uint32_t>(idx))];
}

void CycleModel::step(const NestInputs& in) {
  const int ah = p_.ah;
  const int aw = p_.aw;
  const std::uint32_t omask = (1U << p_.ow) - 1;
  const std::uint32_t imask = (1U << p_.idx_bits()) - 1;
  const std::uint32_t rmask = (1U << p_.row_bits()) - 1;
  // Every register takes its next value from the *old* values of the others: the column bus
  // first (reads old PE outputs), then each column's PEs from the bottom row up (row r reads
  // row r-1's old forward registers), then the entry and load registers, then zero points.
  for (int c = 0; c < aw; ++c) {
    std::uint64_t data = 0;
    int count = 0;
    for (int r = 0; r < ah; ++r) {
      const Pe& pe = this->pe(r, c);
      data |= pe.ov ? pe.out : 0;
      count += pe.ov ? 1 : 0;
    }
    const auto cz = static_cast<std::size_t>(c);
    col_data_[cz] = data;
    col_valid_[cz] = count > 0;
    col_err_[cz] = count > 1;
    if (count > 1) {  // a collision (an error): name the rows
      std::vector<int> rows;
      for (int r = 0; r < ah; ++r) {
        if (this->pe(r, c).ov) rows.push_back(r);
      }
      collisions_.push_back({cycle_, c, std::move(rows)});
    }
  }
  for (int c = 0; c < aw; ++c) {
    const auto cz = static_cast<std::size_t>(c);
    const Load& ld = load_[cz];
    for (int r = ah - 1; r >= 0; --r) {
      Pe& pe = this->pe(r, c);
      const Stream s = r == 0 ? entry_[cz] : this->pe(r - 1, c).fwd;
      const bool mask = in.pe_mask[static_cast<std::size_t>(c * ah + r)] != 0;
      // stage 3
      const auto sum = (pe.acc + static_cast<std::uint64_t>(pe.p2)) & amask_;
      if (pe.v2 && pe.l2) {
        pe.out = sum;
        pe.acc = 0;
        pe.ov = mask ? 1 : 0;
      } else if (pe.v2) {
        pe.acc = sum;
        pe.ov = 0;
      } else {
        pe.ov = 0;
      }
      // stage 2
      pe.p2 = pe.a1 * pe.w1;
      pe.v2 = pe.v1;
      pe.l2 = pe.l1;
      // stage 1 (reads the stored operand before this edge's write)
      const std::uint32_t stored =
          s.idx < static_cast<std::uint32_t>(p_.depth) ? w_[wslot(c * ah + r, s.bank, s.idx)] : 0;
      pe.a1 = static_cast<std::int64_t>(s.act) - static_cast<std::int64_t>(act_zp_q_);
      pe.w1 = static_cast<std::int64_t>(stored) - static_cast<std::int64_t>(w_zp_q_);
      pe.v1 = s.valid;
      pe.l1 = s.last;
      // stationary write
      // Loads are random per column in lockstep runs: select the written slot (or a scratch
      // one) instead of branching, which the host would mispredict.
      const bool we = ld.valid && ld.row == static_cast<std::uint32_t>(r) &&
                      ld.idx < static_cast<std::uint32_t>(p_.depth);
      std::uint32_t scratch = 0;
      std::uint32_t& slot = we ? w_[wslot(c * ah + r, ld.bank, ld.idx)] : scratch;
      slot = ld.data;
      pe.fwd = s;
      if (has_fault_ && fault_.row == r && fault_.column == c && cycle_ >= fault_.from_cycle) {
        pe.acc = (pe.acc ^ fault_.xor_mask) & amask_;
      }
    }
  }
  for (int c = 0; c < aw; ++c) {
    const auto cz = static_cast<std::size_t>(c);
    const std::uint32_t red = in.red_len_m1 & imask;
    const bool last = cnt_[cz] >= red;
    Stream& e = entry_[cz];
    e.act = in.act[cz] & omask;
    e.valid = in.act_valid[cz] ? 1 : 0;
    e.bank = in.act_bank[cz] & 1;
    e.idx = cnt_[cz];
    e.last = last ? 1 : 0;
    if (in.act_valid[cz]) cnt_[cz] = last ? 0 : ((cnt_[cz] + 1) & imask);
    Load& ld = load_[cz];
    ld.valid = in.ld_valid[cz] ? 1 : 0;
    ld.row = in.ld_row[cz] & rmask;
    ld.bank = in.ld_bank[cz] & 1;
    ld.idx = in.ld_idx[cz] & imask;
    ld.data = in.ld_data[cz] & omask;
  }
  act_zp_q_ = in.act_zp & omask;
  w_zp_q_ = in.w_zp & omask;
  ++cycle_;
}

std::uint64_t dot(const std::vector<std::uint32_t>& acts, const std::vector<std::uint32_t>& weights,
                  std::uint32_t act_zp, std::uint32_t w_zp, int accw) {
  if (acts.size() != weights.size()) throw std::invalid_argument("dot: length mismatch");
  const std::uint64_t mask = accw == 64 ? ~0ULL : ((1ULL << accw) - 1);
  std::uint64_t acc = 0;
  for (std::size_t i = 0; i < acts.size(); ++i) {
    const std::int64_t a = static_cast<std::int64_t>(acts[i]) - act_zp;
    const std::int64_t w = static_cast<std::int64_t>(weights[i]) - w_zp;
    acc = (acc + static_cast<std::uint64_t>(a * w)) & mask;
  }
  return acc;
}

}  // namespace feather::nest
