// The lockstep loop of the random-traffic cosims (run_birrd_cosim, run_nest_cosim): the RTL and
// its model clocked together, compared every cycle, with the trace window and SIGUSR1 toggling
// (TraceGate), the debug hang, the first divergence as data and, after a divergence, the
// waveform's save file rewritten around it (divergence group, marker, zoom). Not a public
// header.
#pragma once

#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "feather/sim/debug.hpp"
#include "feather/sim/gtkw.hpp"

namespace feather::sim::detail {

// What a cycle's comparison found: the report text and the divergence (unit, signal and
// neighbours; run_lockstep fills in its cycle and wave time).
struct Mismatch {
  std::string text;
  Divergence divergence;
};

// Runs opt.cycles loop cycles of `dut` in lockstep with a model and fills the common fields of
// `res` (ok, cycles, mismatch, divergence, seconds, gtkw_path, trace_events). The options
// provide cycles, trace_path, trace_start, trace_stop and hang_at. The callbacks:
//   prepare()      resets the DUT and the model (after the waveform is opened); returns the
//                  clock cycles it took, so that loop cycle c is at simulation time
//                  2 * (prepare() + c)
//   step(cyc)      drives one cycle of stimulus into both and clocks them
//   check(cyc)     compares them: std::optional<Mismatch>, empty when they agree
//   gtkw(marker, divergence, zoom_start, zoom_end)   writes the save file of opt.trace_path
// When tracing is on at the first divergence and the window is bounded, the run goes on
// unchecked up to opt.trace_stop, so that the waveform shows what followed.
template <class Dut, class Options, class Result, class Prepare, class Step, class Check,
          class Gtkw>
void run_lockstep(Dut& dut, const Options& opt, Result& res, Prepare prepare, Step step,
                  Check check, Gtkw gtkw) {
  const bool tracing = !opt.trace_path.empty();
  TraceGate gate(opt.trace_start, opt.trace_stop);
  if (tracing) {
    dut.open_trace(opt.trace_path);
    dut.set_trace_active(gate.initial());
    gtkw(-1L, static_cast<const Divergence*>(nullptr), -1L, -1L);
    res.gtkw_path = gtkw_path_for(opt.trace_path);
  }
  const long pre_cycles = prepare();
  const auto t0 = std::chrono::steady_clock::now();
  bool continuing = false;  // past the divergence, tracing the rest of the window
  for (std::uint64_t cyc = 0; cyc < opt.cycles; ++cyc) {
    if (cyc == opt.hang_at) hang_forever(cyc);
    if (tracing && gate.update(cyc)) dut.set_trace_active(gate.on());
    step(cyc);
    res.cycles = cyc + 1;
    if (continuing) {
      if (cyc >= opt.trace_stop) break;
      continue;
    }
    std::optional<Mismatch> m = check(cyc);
    if (!m) continue;
    res.ok = false;
    res.mismatch = fmt::format("cycle {}: {}", cyc, m->text);
    m->divergence.cycle = cyc;
    m->divergence.wave_time = 2 * (pre_cycles + static_cast<long>(cyc));
    res.divergence = std::move(m->divergence);
    // With a bounded trace window still open, simulate (unchecked) to its end.
    if (!tracing || !gate.on() || opt.trace_stop == kNoCycle || cyc >= opt.trace_stop) break;
    continuing = true;
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (tracing) {
    dut.close_trace();
    res.trace_events = gate.events();
    if (res.divergence) {
      // Rewrite the save file: the divergence group, a marker on the divergent cycle's rising
      // edge (2 time units per cycle, after the cycles of prepare()), the view zoomed on the
      // cycles around it.
      const auto [lo, hi] = divergence_view(res.divergence->cycle, opt.trace_start, res.cycles - 1);
      gtkw(res.divergence->wave_time, &*res.divergence, 2 * (pre_cycles + static_cast<long>(lo)),
           2 * (pre_cycles + static_cast<long>(hi) + 1));
    }
  }
}

}  // namespace feather::sim::detail
