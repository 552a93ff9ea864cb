// Functional coverage of the FEATHER top (docs/coverage.md): the counters run_program samples.
#pragma once

#include "feather/sim/coverage.hpp"
#include "feather/top/corners.hpp"
#include "feather/top/isa.hpp"
#include "feather/top/params.hpp"

namespace feather::sim {

// FEATHER top counters (docs/coverage.md), sampled by run_program (sim/harness/src/top_cosim.cpp):
// cover_top_array once per run (the array configuration, against the compiled tops), and
// cover_top_instr for every instruction the top accepts: opcode, Set*Layout order per buffer,
// ExecuteStreaming acc/quant, Load/Store target, Config swap, ExecuteMapping grlog/gclog/vn
// (per array: their ranges depend on AH and AW). Out-of-range field values (illegal
// instructions of the error tests) count in no bin.
void cover_top_array(Coverage& c, const top::TopParams& p);
void cover_top_instr(Coverage& c, const top::TopParams& p, const top::Instr& in);
// The error code a run of the top ends with (RunResult::err), one bin per code of docs/isa.md
// (NONE .. QRANGE), sampled by run_program at the end of every run that finished (no watchdog
// timeout, no reset in the middle).
void cover_top_error(Coverage& c, top::Err e);
// The control corners the golden model met checking a program (top::Golden::take_corners;
// docs/coverage.md, "Control corners"): groups top.corner.depth, .requant, .hazard,
// .error_order and top.corner.layout.{W,I,O} (every order with equal and unequal factors).
// Sampled by the layer, network and random-stream checks after the golden model ran.
void cover_top_corners(Coverage& c, const top::Corners& k);

}  // namespace feather::sim
