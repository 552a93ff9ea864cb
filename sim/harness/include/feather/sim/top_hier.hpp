// Where the harness finds feather_top's state in the RTL hierarchy (rtl/feather_top.sv wires the
// controller and the engines, docs/architecture.md): the hierarchical name of every register and
// buffer bank that the harness reads through Verilator's public scopes or shows in waveforms.
// One table, so a change of the RTL hierarchy is one change here.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace feather::sim::top_hier {

// The instance (below the top's scope) that holds register `reg`.
inline std::string_view unit_of(std::string_view reg) {
  if (reg == "half_q") return "u_controller";
  if (reg == "mem_busy_q" || reg == "mem_store_q" || reg == "mem_line_q" || reg == "mem_addr_q")
    return "u_mem_engine";
  if (reg == "em_busy_q") return "u_map_engine";
  if (reg == "st_busy_q" || reg == "beat_valid_q") return "u_stream_engine";
  if (reg == "assert_fails_q") return "";
  throw std::invalid_argument(
      fmt::format("feather_top has no register '{}' the harness knows", reg));
}

// The scope of the instance holding `reg`, below `top` (e.g. "TOP.feather_top").
inline std::string scope_of(const std::string& top, std::string_view reg) {
  const std::string_view unit = unit_of(reg);
  return unit.empty() ? top : fmt::format("{}.{}", top, unit);
}

// The hierarchical name of register `reg`, e.g. "TOP.feather_top.u_controller.half_q".
inline std::string reg(const std::string& top, std::string_view reg) {
  return fmt::format("{}.{}", scope_of(top, reg), reg);
}

// The scope of one bank of a buffer: `buf` is "u_sbuf" (streaming: one memory per half,
// `half` 0 or 1), "u_wbuf" (stationary) or "u_obuf" (output, in the write unit's lane).
inline std::string bank(const std::string& top, std::string_view buf, int bank, int half = 0) {
  if (buf == "u_sbuf")
    return fmt::format("{}.u_buffers.g_bank[{}].g_half[{}].u_sbuf", top, bank, half);
  if (buf == "u_wbuf") return fmt::format("{}.u_buffers.g_bank[{}].{}", top, bank, buf);
  if (buf == "u_obuf") return fmt::format("{}.u_out_engine.g_lane[{}].u_obuf", top, bank);
  throw std::invalid_argument(fmt::format("feather_top has no buffer '{}'", buf));
}

}  // namespace feather::sim::top_hier
