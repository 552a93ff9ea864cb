#include "feather/sim/debug.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace feather::sim {

namespace {

volatile std::sig_atomic_t g_trace_toggle = 0;

extern "C" void on_sigusr1(int) { g_trace_toggle = 1; }

}  // namespace

void install_trace_toggle_signal() {
  struct sigaction sa {};
  sa.sa_handler = on_sigusr1;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, nullptr);
}

bool take_trace_toggle() {
  if (g_trace_toggle == 0) return false;
  g_trace_toggle = 0;
  return true;
}

bool TraceGate::update(std::uint64_t cyc) {
  const bool before = on_;
  if (cyc == start_ && !on_) {
    on_ = true;
    events_.push_back({cyc, true, false});
  }
  if (stop_ != kNoCycle && cyc == stop_ + 1 && on_) {
    on_ = false;
    events_.push_back({cyc, false, false});
  }
  if (take_trace_toggle()) {
    on_ = !on_;
    events_.push_back({cyc, on_, true});
  }
  return on_ != before;
}

std::pair<std::uint64_t, std::uint64_t> divergence_view(std::uint64_t cycle, std::uint64_t first,
                                                        std::uint64_t last) {
  const std::uint64_t lo = cycle > first + kDivergenceView ? cycle - kDivergenceView : first;
  const std::uint64_t hi = last > cycle + kDivergenceView ? cycle + kDivergenceView : last;
  return {lo, std::max(hi, lo)};
}

void hang_forever(std::uint64_t cycle) {
  fmt::print(stderr, "feather: debug: hanging at cycle {} (--hang-after-cycles)\n", cycle);
  std::fflush(stderr);
  for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
}

std::string divergence_line(const Divergence& d) {
  return fmt::format("{} cycle={} unit={} signal={} time={}", kDivergenceTag, d.cycle, d.unit,
                     d.signal, d.wave_time);
}

std::optional<Divergence> parse_divergence_line(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.substr(0, kDivergenceTag.size()) != kDivergenceTag) return std::nullopt;
  line.remove_prefix(kDivergenceTag.size());
  Divergence d;
  bool have_cycle = false, have_unit = false, have_signal = false, have_time = false;
  while (!line.empty()) {
    if (line.front() != ' ') return std::nullopt;
    line.remove_prefix(1);
    const auto end = line.find(' ');
    const std::string_view field = line.substr(0, end);
    line = end == std::string_view::npos ? std::string_view{} : line.substr(end);
    const auto eq = field.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == field.size()) return std::nullopt;
    const std::string key(field.substr(0, eq));
    const std::string value(field.substr(eq + 1));
    char* stop = nullptr;
    if (key == "cycle") {
      d.cycle = std::strtoull(value.c_str(), &stop, 10);
      if (*stop != '\0' || value.front() == '-') return std::nullopt;
      have_cycle = true;
    } else if (key == "time") {
      d.wave_time = std::strtol(value.c_str(), &stop, 10);
      if (*stop != '\0') return std::nullopt;
      have_time = true;
    } else if (key == "unit") {
      d.unit = value;
      have_unit = true;
    } else if (key == "signal") {
      d.signal = value;
      have_signal = true;
    } else {
      return std::nullopt;
    }
  }
  if (!have_cycle || !have_unit || !have_signal || !have_time) return std::nullopt;
  return d;
}

}  // namespace feather::sim
