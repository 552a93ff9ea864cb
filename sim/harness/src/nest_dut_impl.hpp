// Template adapters from verilated nest / nest_birrd classes to the NestDut / NestBirrdDut
// interfaces. Included only by the generated per-configuration sources.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "feather/sim/nest_dut.hpp"
#include "verilated_ports.hpp"

namespace feather::sim::detail {

// Both tops share NEST's input ports.
template <class V>
void drive_nest(V& top, const nest::NestParams& p, const nest::NestInputs& in) {
  const int rw = p.row_bits();
  const int iw = p.idx_bits();
  top.act_zp_i = static_cast<CData>(in.act_zp);
  top.w_zp_i = static_cast<CData>(in.w_zp);
  put_bits(top.red_len_m1_i, 0, iw, in.red_len_m1);
  for (int k = 0; k < p.ah * p.aw; ++k) {
    put_bits(top.pe_mask_i, k, 1, in.pe_mask[static_cast<std::size_t>(k)]);
  }
  for (int c = 0; c < p.aw; ++c) {
    const auto cz = static_cast<std::size_t>(c);
    put_bits(top.act_i, c * p.ow, p.ow, in.act[cz]);
    put_bits(top.act_valid_i, c, 1, in.act_valid[cz]);
    put_bits(top.act_bank_i, c, 1, in.act_bank[cz]);
    put_bits(top.ld_valid_i, c, 1, in.ld_valid[cz]);
    put_bits(top.ld_row_i, c * rw, rw, in.ld_row[cz]);
    put_bits(top.ld_bank_i, c, 1, in.ld_bank[cz]);
    put_bits(top.ld_idx_i, c * iw, iw, in.ld_idx[cz]);
    put_bits(top.ld_data_i, c * p.ow, p.ow, in.ld_data[cz]);
  }
}

template <class V>
class NestDutImpl final : public NestDut {
 public:
  explicit NestDutImpl(const nest::NestParams& p) : p_(p.validated()) {
    for (int c = 0; c < p_.aw; ++c) {
      for (int r = 0; r < p_.ah; ++r) {
        std::string scope = fmt::format("TOP.nest.g_col[{}].g_row[{}].u_pe", c, r);
        acc_.push_back(host_.var(scope, "acc_q"));
        out_.push_back(host_.var(scope, "out_q"));
        ov_.push_back(host_.var(scope, "ov_q"));
      }
    }
  }
  const nest::NestParams& params() const override { return p_; }
  void set_inputs(const nest::NestInputs& in) override { drive_nest(host_.top(), p_, in); }
  void set_reset(bool asserted) override { host_.set_reset(asserted); }
  void clock() override { host_.clock(); }
  std::uint64_t col_data(int c) const override {
    return get_bits(host_.top().col_data_o, c * p_.accw, p_.accw);
  }
  bool col_valid(int c) const override { return get_bits(host_.top().col_valid_o, c, 1) != 0; }
  bool col_err(int c) const override { return get_bits(host_.top().col_err_o, c, 1) != 0; }
  std::uint64_t pe_acc(int r, int c) const override {
    return read_elem(acc_[idx(r, c)], 0, p_.accw);
  }
  std::uint64_t pe_out(int r, int c) const override {
    return read_elem(out_[idx(r, c)], 0, p_.accw);
  }
  bool pe_ov(int r, int c) const override { return read_elem(ov_[idx(r, c)], 0, 1) != 0; }
  void open_trace(const std::string& path) override { host_.open_trace(path); }
  void close_trace() override { host_.close_trace(); }
  void set_trace_active(bool on) override { host_.set_trace_active(on); }
  std::string trace_scope() const override { return "TOP.nest"; }

 private:
  std::size_t idx(int r, int c) const { return static_cast<std::size_t>(c * p_.ah + r); }
  ModelHost<V> host_;
  nest::NestParams p_;
  std::vector<PublicVar> acc_, out_, ov_;
};

template <class V>
class NestBirrdDutImpl final : public NestBirrdDut {
 public:
  NestBirrdDutImpl(const nest::NestParams& p, birrd::Wiring w, int stages)
      : p_(p.validated()), wiring_(w), stages_(stages) {}
  const nest::NestParams& params() const override { return p_; }
  birrd::Wiring wiring() const override { return wiring_; }
  int stages() const override { return stages_; }
  void set_inputs(const nest::NestInputs& in, const std::vector<std::uint32_t>& cmd_words,
                  const std::vector<std::uint32_t>& mask_words) override {
    drive_nest(host_.top(), p_, in);
    put_words(host_.top().birrd_cmd_i, cmd_words, stages_ * p_.aw);
    put_words(host_.top().birrd_mask_i, mask_words, p_.aw);
  }
  void set_reset(bool asserted) override { host_.set_reset(asserted); }
  void clock() override { host_.clock(); }
  std::uint64_t out_data(int lane) const override {
    return get_bits(host_.top().out_data_o, lane * p_.accw, p_.accw);
  }
  bool out_valid(int lane) const override {
    return get_bits(host_.top().out_valid_o, lane, 1) != 0;
  }
  bool col_err(int c) const override { return get_bits(host_.top().col_err_o, c, 1) != 0; }
  void open_trace(const std::string& path) override { host_.open_trace(path); }
  void close_trace() override { host_.close_trace(); }

 private:
  ModelHost<V> host_;
  nest::NestParams p_;
  birrd::Wiring wiring_;
  int stages_;
};

}  // namespace feather::sim::detail
