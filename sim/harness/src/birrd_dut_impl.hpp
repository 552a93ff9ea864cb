// Template adapter from one verilated BIRRD class to the BirrdDut interface. Included only by
// the generated per-configuration sources (build/sim/gen/V*.cpp).
#pragma once

#include <verilated.h>
#include <verilated_fst_c.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "feather/sim/birrd_dut.hpp"
#include "verilated_ports.hpp"

namespace feather::sim::detail {

template <class V>
class BirrdDutImpl final : public BirrdDut {
 public:
  BirrdDutImpl(int lanes, int dw, birrd::Wiring w, int stages)
      : lanes_(lanes), dw_(dw), wiring_(w), stages_(stages) {
    for (int s = 0; s < stages_; ++s) {
      std::string scope = fmt::format("TOP.birrd.g_stage[{}]", s);
      data_q_.push_back(host_.var(scope, "data_q"));
      valid_q_.push_back(host_.var(scope, "valid_q"));
    }
  }

  int lanes() const override { return lanes_; }
  int data_width() const override { return dw_; }
  int stages() const override { return stages_; }
  birrd::Wiring wiring() const override { return wiring_; }

  void set_inputs(const std::vector<std::uint64_t>& data, const birrd::LaneSet& valid,
                  const std::vector<std::uint32_t>& cmd_words,
                  const std::vector<std::uint32_t>& mask_words) override {
    auto& top = host_.top();
    bool stored = false;
    if constexpr (!std::is_integral_v<std::remove_reference_t<decltype(top.data_i)>>) {
      if (dw_ == 32) {  // 32-bit lanes of a wide port are its words: store them directly
        for (int p = 0; p < lanes_; ++p) {
          top.data_i[static_cast<std::size_t>(p)] =
              static_cast<EData>(data[static_cast<std::size_t>(p)]);
        }
        stored = true;
      }
    }
    for (int p = 0; !stored && p < lanes_; ++p) {
      put_bits(top.data_i, p * dw_, dw_, data[static_cast<std::size_t>(p)]);
    }
    // The valid bits, 64 lanes at a time.
    for (int base = 0; base < lanes_; base += 64) {
      const int n = std::min(64, lanes_ - base);
      std::uint64_t v = 0;
      for (int p = 0; p < n; ++p) {
        v |= std::uint64_t{valid[static_cast<std::size_t>(base + p)]} << p;
      }
      put_bits(top.valid_i, base, n, v);
    }
    put_words(top.cmd_i, cmd_words, stages_ * lanes_);
    put_words(top.mask_i, mask_words, lanes_);
  }
  void set_reset(bool asserted) override { host_.set_reset(asserted); }
  void clock() override { host_.clock(); }

  std::uint64_t data_out(int lane) const override {
    return get_bits(host_.top().data_o, lane * dw_, dw_);
  }
  bool valid_out(int lane) const override { return get_bits(host_.top().valid_o, lane, 1) != 0; }
  void outputs(std::vector<std::uint64_t>& data,
               std::vector<std::uint32_t>& valid_words) const override {
    const auto& top = host_.top();
    data.resize(static_cast<std::size_t>(lanes_));
    valid_words.resize(static_cast<std::size_t>((lanes_ + 31) / 32));
    bool read = false;
    if constexpr (!std::is_integral_v<std::remove_cvref_t<decltype(top.data_o)>>) {
      if (dw_ == 32) {  // 32-bit lanes of a wide port are its words
        for (int p = 0; p < lanes_; ++p) {
          data[static_cast<std::size_t>(p)] = top.data_o[static_cast<std::size_t>(p)];
        }
        read = true;
      }
    }
    for (int p = 0; !read && p < lanes_; ++p) {
      data[static_cast<std::size_t>(p)] = get_bits(top.data_o, p * dw_, dw_);
    }
    for (std::size_t w = 0; w < valid_words.size(); ++w) {
      const int n = std::min(32, lanes_ - static_cast<int>(32 * w));
      valid_words[w] =
          static_cast<std::uint32_t>(get_bits(top.valid_o, static_cast<int>(32 * w), n));
    }
  }
  std::uint64_t stage_data(int s, int p) const override {
    return read_elem(data_q_[static_cast<std::size_t>(s)], p, dw_);
  }
  bool stage_valid(int s, int p) const override {
    return read_bit(valid_q_[static_cast<std::size_t>(s)], p);
  }
  void open_trace(const std::string& path) override { host_.open_trace(path); }
  void close_trace() override { host_.close_trace(); }
  void set_trace_active(bool on) override { host_.set_trace_active(on); }
  std::string trace_scope() const override { return "TOP.birrd"; }

 private:
  ModelHost<V> host_;
  int lanes_, dw_;
  birrd::Wiring wiring_;
  int stages_;
  std::vector<PublicVar> data_q_, valid_q_;
};

}  // namespace feather::sim::detail
