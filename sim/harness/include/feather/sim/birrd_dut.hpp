// A verilated BIRRD behind a configuration-independent interface. Each compiled parameter set
// (lanes, data width, wiring) is one verilated model in the shared library
// feather_birrd_models; birrd_duts() lists them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "feather/birrd/topology.hpp"

namespace feather::sim {

class BirrdDut {
 public:
  virtual ~BirrdDut() = default;

  virtual int lanes() const = 0;
  virtual int data_width() const = 0;
  virtual int stages() const = 0;
  virtual birrd::Wiring wiring() const = 0;

  // Drive the inputs for the next rising edge.
  virtual void set_inputs(const std::vector<std::uint64_t>& data, const birrd::LaneSet& valid,
                          const std::vector<std::uint32_t>& cmd_words,
                          const std::vector<std::uint32_t>& mask_words) = 0;
  // Assert (true) or release the asynchronous active-low reset.
  virtual void set_reset(bool asserted) = 0;
  // One clock cycle: rising edge (registers update), then the falling edge.
  virtual void clock() = 0;

  virtual std::uint64_t data_out(int lane) const = 0;
  virtual bool valid_out(int lane) const = 0;
  // Every output at once (one call per cycle instead of two per lane): data per lane, and the
  // valid bits as 32-bit words, least significant first. The vectors are resized as needed.
  virtual void outputs(std::vector<std::uint64_t>& data,
                       std::vector<std::uint32_t>& valid_words) const = 0;
  // Stage registers (output port p of stage s, before the wiring to stage s+1).
  virtual std::uint64_t stage_data(int s, int p) const = 0;
  virtual bool stage_valid(int s, int p) const = 0;

  // FST waveform of everything from now on (until close or destruction).
  virtual void open_trace(const std::string& path) = 0;
  virtual void close_trace() = 0;
  // Pause (false) or resume (true) dumping into the open waveform (open_trace resumes).
  virtual void set_trace_active(bool on) = 0;
  // Hierarchical name of the top instance in the waveform (e.g. "TOP.birrd").
  virtual std::string trace_scope() const = 0;
};

struct BirrdDutInfo {
  int lanes;
  int data_width;
  birrd::Wiring wiring;
  int stages;
  std::string prefix;  // Verilator model class name
  std::function<std::unique_ptr<BirrdDut>()> make;
};

// All compiled configurations.
const std::vector<BirrdDutInfo>& birrd_duts();
// The model for a configuration; throws std::invalid_argument listing the compiled ones.
std::unique_ptr<BirrdDut> make_birrd_dut(int lanes, int data_width, birrd::Wiring wiring);

}  // namespace feather::sim
