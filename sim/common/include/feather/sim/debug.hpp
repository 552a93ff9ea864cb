// Debugging support shared by the cosim harness loops and the regression runner:
// - the trace window (--trace-start/--trace-stop) and SIGUSR1 toggling of tracing, decided once
//   per simulated cycle by a TraceGate;
// - the first divergence of a lockstep run as data (cycle, unit, waveform signal and its
//   neighbours) and as the machine-readable line the cosim commands print and `feather regress`
//   parses (docs/debugging.md).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace feather::sim {

inline constexpr std::uint64_t kNoCycle = std::numeric_limits<std::uint64_t>::max();

// Installs the SIGUSR1 handler (idempotent): each signal sets a std::sig_atomic_t flag that the
// harness loops poll once per cycle through take_trace_toggle().
void install_trace_toggle_signal();
// True once per received SIGUSR1 (the flag is cleared); signals arriving within one cycle merge.
bool take_trace_toggle();

// Whether a cycle is dumped. The window [start, stop] (harness loop cycles, inclusive) switches
// tracing on at `start` and off after `stop`; each SIGUSR1 flips the current state. Cycles
// before the loop (reset, memory clearing) are dumped only when start == 0.
class TraceGate {
 public:
  struct Event {
    std::uint64_t cycle;
    bool on;
    bool signal;  // SIGUSR1 (true) or a window edge (false)
  };

  TraceGate(std::uint64_t start, std::uint64_t stop) : start_(start), stop_(stop) {}
  // The state for the cycles before the loop.
  bool initial() const { return start_ == 0; }
  // Call at the top of loop cycle `cyc`; returns whether the state changed (then apply on()).
  bool update(std::uint64_t cyc);
  bool on() const { return on_; }
  std::uint64_t stop() const { return stop_; }
  const std::vector<Event>& events() const { return events_; }

 private:
  std::uint64_t start_, stop_;
  bool on_ = start_ == 0;
  std::vector<Event> events_;
};

// The first divergence of a lockstep run.
struct Divergence {
  std::uint64_t cycle = 0;  // harness loop cycle (the cycle of the mismatch report)
  std::string unit;         // e.g. "stage3.switch5.hi", "row2.col1" (no spaces)
  std::string signal;       // waveform name, e.g. "TOP.birrd.g_stage[3].data_q[11][31:0]"
  std::vector<std::string> neighbours;  // waveform names shown next to it in the .gtkw
  long wave_time = -1;                  // simulation time of that cycle's rising edge
};

// The loop cycles a divergence's .gtkw shows: up to kDivergenceView cycles either side of the
// divergent cycle, within the traced cycles [first, last].
inline constexpr std::uint64_t kDivergenceView = 50;
std::pair<std::uint64_t, std::uint64_t> divergence_view(std::uint64_t cycle, std::uint64_t first,
                                                        std::uint64_t last);

// Debug option of the cosim commands (--hang-after-cycles): reports on stderr and then makes no
// progress, forever (for tests of the regression runner's timeout). Never returns.
[[noreturn]] void hang_forever(std::uint64_t cycle);

// "FEATHER-DIVERGENCE cycle=<n> unit=<unit> signal=<signal> time=<t>"
std::string divergence_line(const Divergence& d);
inline constexpr std::string_view kDivergenceTag = "FEATHER-DIVERGENCE";
// Parses a line written by divergence_line (surrounding text on the line is not allowed);
// nullopt for any other line. Neighbours are not part of the line.
std::optional<Divergence> parse_divergence_line(std::string_view line);

}  // namespace feather::sim
