// Verilated NEST and NEST+BIRRD behind configuration-independent interfaces (one verilated
// model per parameter set, all in the feather_models library).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "feather/birrd/topology.hpp"
#include "feather/nest/model.hpp"

namespace feather::sim {

class NestDut {
 public:
  virtual ~NestDut() = default;
  virtual const nest::NestParams& params() const = 0;
  virtual void set_inputs(const nest::NestInputs& in) = 0;
  virtual void set_reset(bool asserted) = 0;
  virtual void clock() = 0;
  virtual std::uint64_t col_data(int c) const = 0;
  virtual bool col_valid(int c) const = 0;
  virtual bool col_err(int c) const = 0;
  // PE state, read through public signals.
  virtual std::uint64_t pe_acc(int r, int c) const = 0;
  virtual std::uint64_t pe_out(int r, int c) const = 0;
  virtual bool pe_ov(int r, int c) const = 0;
  virtual void open_trace(const std::string& path) = 0;
  virtual void close_trace() = 0;
  // Pause (false) or resume (true) dumping into the open waveform (open_trace resumes).
  virtual void set_trace_active(bool on) = 0;
  virtual std::string trace_scope() const = 0;
};

class NestBirrdDut {
 public:
  virtual ~NestBirrdDut() = default;
  virtual const nest::NestParams& params() const = 0;
  virtual birrd::Wiring wiring() const = 0;
  virtual int stages() const = 0;
  // NEST inputs plus the BIRRD configuration of the wave now on the column outputs.
  virtual void set_inputs(const nest::NestInputs& in, const std::vector<std::uint32_t>& cmd_words,
                          const std::vector<std::uint32_t>& mask_words) = 0;
  virtual void set_reset(bool asserted) = 0;
  virtual void clock() = 0;
  virtual std::uint64_t out_data(int lane) const = 0;
  virtual bool out_valid(int lane) const = 0;
  virtual bool col_err(int c) const = 0;
  virtual void open_trace(const std::string& path) = 0;
  virtual void close_trace() = 0;
};

struct NestDutInfo {
  nest::NestParams params;
  std::string prefix;
  std::function<std::unique_ptr<NestDut>()> make;
};
struct NestBirrdDutInfo {
  nest::NestParams params;
  birrd::Wiring wiring;
  int stages;
  std::string prefix;
  std::function<std::unique_ptr<NestBirrdDut>()> make;
};

const std::vector<NestDutInfo>& nest_duts();
const std::vector<NestBirrdDutInfo>& nest_birrd_duts();
// Throws std::invalid_argument listing the compiled configurations.
std::unique_ptr<NestDut> make_nest_dut(int ah, int aw);

}  // namespace feather::sim
