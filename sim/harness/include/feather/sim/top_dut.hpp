// The verilated FEATHER top (rtl/feather_top.sv) behind a configuration-independent interface
// (one verilated model per parameter set, all in the feather_models library).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "feather/top/isa.hpp"
#include "feather/top/params.hpp"

namespace feather::sim {

class TopDut {
 public:
  virtual ~TopDut() = default;
  virtual const top::TopParams& params() const = 0;

  // Inputs (take effect at the next eval()/clock()).
  virtual void set_instr(const top::Word& w, bool valid) = 0;
  virtual void set_mem_inputs(bool req_ready, bool rsp_valid,
                              const std::vector<std::uint8_t>& rsp_data) = 0;
  // Fault injection (the test models are built with FAULT = 1): XOR masks for the BIRRD command
  // (as 32-bit words, least significant first) and for the output-buffer write line.
  virtual void set_fault(const std::vector<std::uint32_t>& cmd_xor, std::uint64_t line_xor) = 0;
  virtual void set_reset(bool asserted) = 0;
  virtual void eval() = 0;  // settle combinational outputs after changing inputs
  // One rising edge (and the falling edge). Combinational outputs are valid only after eval()
  // with the next inputs (run_program always does this).
  virtual void clock() = 0;

  // Outputs.
  virtual bool instr_ready() const = 0;
  virtual bool mem_req_valid() const = 0;
  virtual bool mem_req_we() const = 0;
  virtual std::uint64_t mem_req_addr() const = 0;
  virtual std::vector<std::uint8_t> mem_req_wdata() const = 0;
  virtual bool mem_rsp_ready() const = 0;
  virtual bool idle() const = 0;
  virtual int err() const = 0;

  // Buffer contents and the active streaming half, read through public signals.
  virtual std::uint8_t sbuf(int half, int bank, std::uint64_t line) const = 0;
  virtual std::uint8_t wbuf(int bank, std::uint64_t line) const = 0;
  virtual std::uint32_t obuf(int bank, std::uint64_t line) const = 0;
  virtual int half() const = 0;
  // Engine activity this cycle (registered state): kBeat = a streamed beat enters NEST,
  // kMapping = the ExecuteMapping engine loads PEs, kMemory = a Load/Store is in progress,
  // kStream = the stream engine holds an ExecuteStreaming.
  enum Activity : unsigned { kBeat = 1, kMapping = 2, kMemory = 4, kStream = 8 };
  virtual unsigned activity() const = 0;
  // Whether a simulation assertion of the RTL fired since reset-free construction (the RTL
  // counts violating cycles in assert_fails_q; the messages are $warning lines on stderr).
  virtual bool assertion_failed() const = 0;

  virtual void open_trace(const std::string& path) = 0;
  virtual void close_trace() = 0;
  // Pause (false) or resume (true) dumping into the open waveform; the model keeps running.
  virtual void set_trace_active(bool on) = 0;
  virtual std::string trace_scope() const = 0;
};

struct TopDutInfo {
  top::TopParams params;
  std::string prefix;
  std::function<std::unique_ptr<TopDut>()> make;
};

const std::vector<TopDutInfo>& top_duts();
// Throws std::invalid_argument listing the compiled configurations.
const TopDutInfo& find_top_dut(int ah, int aw);

}  // namespace feather::sim
