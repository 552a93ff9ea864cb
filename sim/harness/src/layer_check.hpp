// Inside the harness: one instruction stream checked on the verilated top against the golden
// model (layer_run.cpp), shared by the layer runs and the network runs.
#pragma once

#include <string>
#include <vector>

#include "feather/sim/layer_run.hpp"
#include "feather/sim/top_dut.hpp"
#include "feather/top/golden.hpp"
#include "feather/top/isa.hpp"

namespace feather::sim::detail {

// Runs `instrs` on the golden model and on the RTL (opt), compares them (state, memory, the
// off-chip writes as they happen), finds the first divergence and writes the .gtkw of a trace.
// Fills rep.run, rep.predicted, rep.utilization (from rep.macs), rep.golden_ok and the
// divergence; appends the differences to `diff`; returns the RTL's off-chip memory. Throws
// std::runtime_error if the golden model rejects the program.
top::Memory check_on_rtl(const TopDutInfo& info, const std::vector<top::Instr>& instrs,
                         const top::Memory& memory, const RunOptions& opt, LayerReport& rep,
                         std::string& diff);

}  // namespace feather::sim::detail
