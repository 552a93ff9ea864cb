// Fuzz target: instruction streams into the verilated 4x4 FEATHER top, checked against the
// golden model (sim::check_stream, the check of `feather run --layer random-stream`).
//
// Input (fuzz_util.hpp, top_stream_*): byte 0 the mode (bit 0: start with a random legal
// program, top::random_legal_program, so that the fuzzed instructions meet layouts, mappings,
// loaded operands and engines still busy; bits 1-2: memory back-pressure 0, 0.2, 0.4 or 0.6;
// bits 3-4: memory latency 1..4), byte 1 the seed of that program, of the off-chip memory
// words 0..63 and of the back-pressure pattern, then up to kTopStreamMaxInstrs instruction words
// of ceil(IW/8) bytes (any bits: top::decode takes them all).
// Property: the RTL never hangs, no RTL assertion fires, its error code equals the golden
// model's and, without an error, every buffer line, the active half and the off-chip memory
// equal the golden model's. A fresh DUT and golden model per input, so an input's outcome
// depends on nothing else. Work bound: the fuzzed ExecuteStreamings run kTopStreamStepBudget
// steps in all (the stream is cut before the one that would exceed it).
//
// Built two ways: with libFuzzer in the `fuzz-rtl` preset (make fuzz-nightly), and with
// replay_main.cpp in the main build (feather_fuzz_top_replay: the checked-in corpus and seeded
// random inputs, ctest fuzz.replay.fuzz_top_stream).
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "feather/sim/random_stream.hpp"
#include "feather/sim/top_dut.hpp"
#include "feather/top/isa.hpp"
#include "feather/top/random_program.hpp"
#include "fuzz_util.hpp"

namespace {

using feather::top::Instr;
using feather::top::Op;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fz = feather::fuzz;
  fz::Bytes in(data, size);
  const feather::sim::TopDutInfo& info = feather::sim::find_top_dut(4, 4);
  const auto& p = info.params;
  const fz::TopStreamMode mode = fz::top_stream_mode(in.u8());
  const std::uint8_t seed = in.u8();
  std::mt19937_64 rng(fz::mix(seed));

  std::vector<Instr> prog;
  if (mode.legal_prefix) prog = feather::top::random_legal_program(p, rng);
  const std::size_t prefix = prog.size();
  const std::size_t nbytes = fz::isa_instr_bytes(p);
  std::uint64_t steps_left = fz::kTopStreamStepBudget;
  for (std::size_t n = 0; n < fz::kTopStreamMaxInstrs && in.left() >= nbytes; ++n) {
    const Instr ins = feather::top::decode(p, fz::word_from_bytes(in.take(nbytes), p.iw()));
    if (ins.op == Op::kStream) {
      if (ins.t > steps_left) break;
      steps_left -= ins.t;
    }
    prog.push_back(ins);
  }
  if (prog.empty()) return 0;
  const feather::top::Memory memory = feather::sim::random_stream_memory(p, rng);

  feather::sim::RunOptions opt;
  opt.latency = mode.latency;
  opt.backpressure = mode.backpressure;
  opt.seed = fz::mix(seed + 1);
  fz::note("4x4 top: {} legal + {} fuzzed instructions, latency {}, back-pressure {}", prefix,
           prog.size() - prefix, opt.latency, opt.backpressure);
  if (fz::verbose()) {
    for (std::size_t i = 0; i < prog.size(); ++i) {
      fz::note("  {:3} {}", i, feather::top::disassemble(prog[i]));
    }
  }
  auto dut = info.make();
  feather::top::Golden golden(p);
  const feather::sim::StreamCheck c = feather::sim::check_stream(*dut, golden, prog, memory, opt);
  fz::note("golden: {}; RTL: {} in {} cycles", feather::top::to_string(c.golden.err),
           feather::top::to_string(c.run.err), c.run.cycles);
  fz::check(c.ok, c.failure);
  return 0;
}
