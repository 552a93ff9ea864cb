// Template adapter from a verilated feather_top class to the TopDut interface. Included only by
// the generated per-configuration sources.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "feather/sim/top_dut.hpp"
#include "feather/sim/top_hier.hpp"
#include "verilated_ports.hpp"

namespace feather::sim::detail {

template <class V>
class TopDutImpl final : public TopDut {
 public:
  explicit TopDutImpl(const top::TopParams& p) : p_(p.validated()) {
    const std::string top = "TOP.feather_top";
    for (int b = 0; b < p_.aw; ++b) {
      for (int h = 0; h < 2; ++h) {
        sbuf_.push_back(host_.var(top_hier::bank(top, "u_sbuf", b, h), "mem_q"));
      }
      wbuf_.push_back(host_.var(top_hier::bank(top, "u_wbuf", b), "mem_q"));
      obuf_.push_back(host_.var(top_hier::bank(top, "u_obuf", b), "mem_q"));
    }
    const auto reg = [&](const char* name) {
      return host_.var(top_hier::scope_of(top, name), name);
    };
    half_ = reg("half_q");
    beat_ = reg("beat_valid_q");
    em_ = reg("em_busy_q");
    mem_ = reg("mem_busy_q");
    st_ = reg("st_busy_q");
    fails_ = reg("assert_fails_q");
    set_fault({}, 0);
  }
  const top::TopParams& params() const override { return p_; }

  void set_instr(const top::Word& w, bool valid) override {
    put_words(host_.top().instr_i, w, iw_);
    host_.top().instr_valid_i = valid ? 1 : 0;
  }
  void set_mem_inputs(bool req_ready, bool rsp_valid,
                      const std::vector<std::uint8_t>& rsp_data) override {
    auto& t = host_.top();
    t.mem_req_ready_i = req_ready ? 1 : 0;
    t.mem_rsp_valid_i = rsp_valid ? 1 : 0;
    // Four bytes per port word (this runs every cycle).
    const auto n = std::min(rsp_data.size(), static_cast<std::size_t>(p_.aw));
    for (std::size_t base = 0; base < static_cast<std::size_t>(p_.aw); base += 4) {
      std::uint64_t v = 0;
      for (std::size_t i = base; i < std::min(base + 4, n); ++i) {
        v |= std::uint64_t{rsp_data[i]} << (8 * (i - base));
      }
      put_bits(t.mem_rsp_rdata_i, static_cast<int>(8 * base),
               8 * std::min(4, p_.aw - static_cast<int>(base)), v);
    }
  }
  void set_fault(const std::vector<std::uint32_t>& cmd_xor, std::uint64_t line_xor) override {
    put_words(host_.top().fault_cmd_i, cmd_xor, p_.cw());
    put_bits(host_.top().fault_addr_i, 0, p_.la(), line_xor);
  }
  void set_reset(bool asserted) override { host_.set_reset(asserted); }
  void eval() override { host_.top().eval(); }
  // The inputs of the next cycle are set between clock() calls and evaluated with the falling
  // edge (ModelHost::clock_rise): two evaluations per cycle, no separate eval().
  void clock() override { host_.clock_rise(); }

  bool instr_ready() const override { return host_.top().instr_ready_o != 0; }
  bool mem_req_valid() const override { return host_.top().mem_req_valid_o != 0; }
  bool mem_req_we() const override { return host_.top().mem_req_we_o != 0; }
  std::uint64_t mem_req_addr() const override {
    return get_bits(host_.top().mem_req_addr_o, 0, p_.maw);
  }
  std::vector<std::uint8_t> mem_req_wdata() const override {
    std::vector<std::uint8_t> w(static_cast<std::size_t>(p_.aw));
    for (int i = 0; i < p_.aw; ++i) {
      w[static_cast<std::size_t>(i)] =
          static_cast<std::uint8_t>(get_bits(host_.top().mem_req_wdata_o, 8 * i, 8));
    }
    return w;
  }
  bool mem_rsp_ready() const override { return host_.top().mem_rsp_ready_o != 0; }
  bool idle() const override { return host_.top().idle_o != 0; }
  int err() const override { return static_cast<int>(host_.top().err_o); }

  std::uint8_t sbuf(int half, int bank, std::uint64_t line) const override {
    return static_cast<std::uint8_t>(read_elem(
        sbuf_[static_cast<std::size_t>(2 * bank + (half ? 1 : 0))], static_cast<int>(line), 8));
  }
  std::uint8_t wbuf(int bank, std::uint64_t line) const override {
    return static_cast<std::uint8_t>(
        read_elem(wbuf_[static_cast<std::size_t>(bank)], static_cast<int>(line), 8));
  }
  std::uint32_t obuf(int bank, std::uint64_t line) const override {
    return static_cast<std::uint32_t>(
        read_elem(obuf_[static_cast<std::size_t>(bank)], static_cast<int>(line), 32));
  }
  bool assertion_failed() const override { return read_elem(fails_, 0, 32) != 0; }
  int half() const override { return static_cast<int>(read_elem(half_, 0, 1)); }
  unsigned activity() const override {
    return (read_elem(beat_, 0, 1) ? kBeat : 0u) | (read_elem(em_, 0, 1) ? kMapping : 0u) |
           (read_elem(mem_, 0, 1) ? kMemory : 0u) | (read_elem(st_, 0, 1) ? kStream : 0u);
  }

  void open_trace(const std::string& path) override { host_.open_trace(path); }
  void close_trace() override { host_.close_trace(); }
  void set_trace_active(bool on) override { host_.set_trace_active(on); }
  std::string trace_scope() const override { return "TOP.feather_top"; }

 private:
  ModelHost<V> host_;
  top::TopParams p_;
  int iw_ = p_.iw();  // instruction width, used every cycle
  std::vector<PublicVar> sbuf_, wbuf_, obuf_;
  PublicVar half_, beat_, em_, mem_, st_, fails_;
};

}  // namespace feather::sim::detail
