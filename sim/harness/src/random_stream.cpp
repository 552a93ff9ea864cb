#include "feather/sim/random_stream.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>

#include "feather/birrd/router.hpp"
#include "feather/birrd/target.hpp"
#include "feather/sim/gtkw.hpp"
#include "feather/sim/top_coverage.hpp"
#include "feather/top/random_program.hpp"

namespace feather::sim {

std::vector<ErrorProgram> directed_error_programs(const top::TopParams& p) {
  using top::Instr;
  using top::Layout;
  using top::Op;
  const auto aw = static_cast<std::uint64_t>(p.aw);
  const auto vnm1 = static_cast<std::uint32_t>(p.ah - 1);
  // A legal base: one mapping, one step, everything reduced into lane 0.
  auto base = [&]() {
    return std::vector<Instr>{
        Instr::config(3, 5, false),
        Instr::set_layout(Op::kSetWvnLayout,
                          top::stimulus_layout(3, static_cast<std::uint64_t>(p.ah), aw)),
        Instr::set_layout(Op::kSetIvnLayout, top::stimulus_layout(3, 4, aw)),
        Instr::set_layout(Op::kSetOvnLayout, top::stimulus_layout(3, 4, aw)),
        Instr::map(0, 0, 0, 0, vnm1),
        Instr::stream(0, 1, 1, false, false, top::reduce_all_to_lane(p, 0))};
  };
  std::vector<ErrorProgram> cases;
  cases.push_back({"legal base", top::Err::kNone, base()});
  {
    auto pr = base();
    pr[2].layout.order = 6;
    cases.push_back({"layout order 6", top::Err::kField, pr});
  }
  {
    auto pr = base();
    pr.insert(pr.begin(), Instr::store(top::Target::kScale, 0, 1, 0));
    cases.push_back({"store to the scale table", top::Err::kField, pr});
  }
  {
    auto pr = base();
    pr.push_back(Instr::config(3, 5, false, 200, 100));
    cases.push_back({"an empty requantization clamp", top::Err::kField, pr});
  }
  {
    auto pr = base();
    pr.push_back(Instr::store(top::Target::kLut, 0, 1, 0));
    cases.push_back({"store from the activation table", top::Err::kField, pr});
  }
  {
    auto pr = base();
    pr[1].layout.f1 = std::uint64_t{1} << (p.xw() - 1);
    cases.push_back({"stationary layout beyond WD", top::Err::kLayoutRange, pr});
  }
  {
    auto pr = base();
    std::swap(pr[4], pr[5]);
    cases.push_back({"stream before any mapping", top::Err::kState, pr});
  }
  {
    auto pr = base();
    pr[2] = Instr::set_layout(Op::kSetIvnLayout, top::stimulus_layout(1, aw, aw));
    cases.push_back({"columns read one bank at different lines", top::Err::kSConflict, pr});
  }
  {
    auto pr = base();
    pr[1] = Instr::set_layout(Op::kSetWvnLayout,
                              top::stimulus_layout(1, static_cast<std::uint64_t>(p.ah), aw));
    cases.push_back({"weight columns in one bank", top::Err::kWConflict, pr});
  }
  {
    auto pr = base();
    pr[3] = Instr::set_layout(Op::kSetOvnLayout, top::stimulus_layout(1, aw, aw));
    pr[4] = Instr::map(0, 0, 1, 1, vnm1);
    cases.push_back({"two output groups in one bank", top::Err::kOConflict, pr});
  }
  {
    auto pr = base();
    pr[5].birrd.mask.reset();
    cases.push_back({"no BIRRD result for a live group", top::Err::kOMissing, pr});
  }
  {
    auto pr = base();
    const auto q = static_cast<std::uint64_t>(p.qd / p.ah);
    pr[3] = Instr::set_layout(Op::kSetOvnLayout, top::stimulus_layout(0, 4, q + 1));
    pr[4] = Instr::map(0, static_cast<std::uint64_t>(p.qd), 0, 0, vnm1);
    pr[5] = Instr::stream(0, 1, 1, false, true, top::reduce_all_to_lane(p, 0));
    cases.push_back({"requantization channel beyond QD", top::Err::kQRange, pr});
  }
  {
    auto pr = base();
    pr.push_back(Instr::load(top::Target::kWbuf, static_cast<std::uint64_t>(p.wd - 1), 2, 0));
    cases.push_back({"load past the stationary buffer", top::Err::kMemRange, pr});
  }
  {
    // The error of the instruction right after a requantizing stream, whose outputs are still
    // in the pipeline: reported after them, the requantized image written in full.
    auto pr = base();
    pr[5].quant = true;
    pr.push_back(Instr::load(top::Target::kWbuf, static_cast<std::uint64_t>(p.wd - 1), 2, 0));
    cases.push_back(
        {"load past the stationary buffer after a requantizing stream", top::Err::kMemRange, pr});
  }
  for (auto& c : corner_programs(p, base())) cases.push_back(std::move(c));
  return cases;
}

std::vector<top::Instr> random_instruction_stream(const top::TopParams& p, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> len(1, 14), op(0, 7), small(0, 7), coin(0, 3);
  auto val = [&](int bits) -> std::uint64_t {
    // Mostly small values, sometimes anything that fits the field.
    const std::uint64_t mask = bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
    if (coin(rng) != 0) return static_cast<std::uint64_t>(small(rng)) & mask;
    return rng() & mask;
  };
  std::vector<top::Instr> prog;
  if (coin(rng) < 2) {
    // Half of the streams start from a legal set-up, so that the random instructions after it
    // reach mappings, streams and their run-time checks.
    const auto aw = static_cast<std::uint64_t>(p.aw);
    prog.push_back(top::Instr::config(static_cast<std::uint32_t>(rng() & 0xff),
                                      static_cast<std::uint32_t>(rng() & 0xff), false));
    prog.push_back(top::Instr::set_layout(
        top::Op::kSetWvnLayout, top::stimulus_layout(static_cast<std::uint32_t>(rng() % 6),
                                                     static_cast<std::uint64_t>(p.ah), aw)));
    top::Layout li = top::stimulus_layout(static_cast<std::uint32_t>(rng() % 6), 4, aw);
    if (coin(rng) == 0) li.window = {true, 2, 2, static_cast<std::uint32_t>(1 + rng() % 3)};
    prog.push_back(top::Instr::set_layout(top::Op::kSetIvnLayout, li));
    prog.push_back(
        top::Instr::set_layout(top::Op::kSetOvnLayout,
                               top::stimulus_layout(static_cast<std::uint32_t>(rng() % 6), 4, aw)));
    prog.push_back(top::Instr::load(top::Target::kWbuf, 0, 16, 0));
    prog.push_back(top::Instr::load(top::Target::kSbufActive, 0, 16, 16));
  }
  const int n = len(rng);
  for (int i = 0; i < n; ++i) {
    top::Instr in;
    in.op = static_cast<top::Op>(op(rng));
    switch (in.op) {
      case top::Op::kSetWvnLayout:
      case top::Op::kSetIvnLayout:
      case top::Op::kSetOvnLayout:
        in.layout.order = static_cast<std::uint32_t>(val(3));
        in.layout.f0log = static_cast<std::uint32_t>(val(p.flw()) % 4);
        in.layout.f1 = val(p.xw());
        in.layout.f2 = val(p.xw());
        in.layout.base = val(p.la());
        if (coin(rng) == 0) {  // a window (FIELD on W/O layouts and with a zero field)
          in.layout.window.on = true;
          in.layout.window.ih = val(p.xw());
          in.layout.window.iw = val(p.xw());
          in.layout.window.stride = static_cast<std::uint32_t>(val(top::kWindowStrideBits));
        }
        if (coin(rng) == 0) in.layout.qoff = val(p.la());  // FIELD on W/I layouts
        break;
      case top::Op::kStream: {
        in.m0 = val(p.xw());
        in.sm = val(p.xw());
        in.t = val(p.xw()) % 64;
        in.acc = coin(rng) & 1;
        in.quant = coin(rng) & 1;
        in.birrd = birrd::Config(p.topology());
        for (auto& m : in.birrd.modes) m = static_cast<birrd::Mode>(rng() & 3);
        for (int l = 0; l < p.aw; ++l) in.birrd.mask[static_cast<std::size_t>(l)] = rng() & 1;
        // A window origin, mostly near the image (negative: in the padding), sometimes anywhere.
        for (std::int64_t* o : {&in.iy0, &in.ix0}) {
          const std::int64_t lim = std::int64_t{1} << p.xw();
          *o = coin(rng) != 0
                   ? static_cast<std::int64_t>(small(rng)) - 3
                   : static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(2 * lim)) - lim;
        }
        break;
      }
      case top::Op::kLoad:
      case top::Op::kStore:
        in.target = static_cast<std::uint32_t>(val(3));
        in.line = val(p.la());
        in.count = val(p.xw()) % 64;
        in.addr = val(p.maw);
        break;
      case top::Op::kConfig:
        in.zp_a = static_cast<std::uint32_t>(rng() & 0xff);
        in.zp_w = static_cast<std::uint32_t>(rng() & 0xff);
        in.swap = coin(rng) & 1;
        // The clamp: mostly plain saturation, sometimes a random range, sometimes an empty one
        // (FIELD).
        if (coin(rng) == 0) {
          in.clamp = true;
          in.qlo = static_cast<std::uint32_t>(rng() & 0xff);
          in.qhi = static_cast<std::uint32_t>(rng() & 0xff);
          if (coin(rng) != 0 && in.qlo > in.qhi) std::swap(in.qlo, in.qhi);
        }
        in.lut = coin(rng) == 0;
        break;
      case top::Op::kMap:
        in.j0 = val(p.xw());
        in.n0 = val(p.xw());
        in.grlog = static_cast<std::uint32_t>(val(p.glw()));
        in.gclog = static_cast<std::uint32_t>(val(p.glw()));
        in.vnm1 = static_cast<std::uint32_t>(val(p.vw()) % static_cast<std::uint64_t>(p.ah));
        break;
    }
    prog.push_back(in);
  }
  return prog;
}

top::Memory random_stream_memory(const top::TopParams& p, std::mt19937_64& rng) {
  top::Memory gm(p.aw);
  for (std::uint64_t a = 0; a < 64; ++a) {
    std::vector<std::uint8_t> w(static_cast<std::size_t>(p.aw));
    for (auto& b : w) b = static_cast<std::uint8_t>(rng());
    gm.write(a, w);
  }
  return gm;
}

StreamCheck check_stream(TopDut& dut, top::Golden& golden, const std::vector<top::Instr>& prog,
                         const top::Memory& memory, const RunOptions& opt) {
  StreamCheck c;
  golden.reset();
  top::Memory gm = memory;
  c.golden = golden.run(prog, gm);
  if (opt.coverage) cover_top_corners(*opt.coverage, golden.take_corners());
  top::Memory rm = memory;
  RunOptions ro = opt;
  ro.reset = true;
  c.run = run_program(dut, prog, rm, ro);
  const std::uint64_t last = c.run.cycles ? c.run.cycles - 1 : 0;
  if (c.run.timeout) {
    c.failure = "the RTL hangs: " + c.run.timeout_state;
    c.divergence = c.run.divergence;
  } else if (c.run.err != c.golden.err) {
    c.failure = fmt::format("error code: golden model {} at instruction {} ({}), RTL {}",
                            top::to_string(c.golden.err), c.golden.instr,
                            c.golden.detail.empty() ? "no error" : c.golden.detail,
                            top::to_string(c.run.err));
    c.divergence = first_state_divergence(dut, golden, last);
  } else if (c.golden.err == top::Err::kNone) {
    const std::string diff = compare_state(dut, golden, 4);
    if (!diff.empty()) {
      c.failure = "RTL state differs from the golden model's:\n" + diff;
      c.divergence = first_state_divergence(dut, golden, last);
    } else if (!(rm == gm)) {
      c.failure = fmt::format(
          "off-chip memory differs from the golden model's ({} words written by the RTL)",
          c.run.mem_writes);
      Divergence d;
      d.cycle = last;
      d.unit = "mem";
      d.signal = dut.trace_scope() + ".mem_req_we_o";
      d.wave_time = top_wave_time(last);
      c.divergence = std::move(d);
    }
  }
  if (c.failure.empty() && c.run.assertion_failed) {
    c.failure = "an RTL simulation assertion fired (the $warning lines are on stderr)";
  }
  if (!c.failure.empty() && !c.divergence) {
    Divergence d;
    d.cycle = last;
    d.unit = "assert";
    d.signal = dut.trace_scope() + ".assert_fails_q";
    d.wave_time = top_wave_time(last);
    c.divergence = std::move(d);
  }
  c.ok = c.failure.empty();
  return c;
}

namespace {

// After a stream that ended in an error: the requantization and activation tables cleared (a Load
// from zero memory, in both models) and the golden model's buffers set to the RTL's, so that the
// next stream starts from equal state.
void resync_after_error(TopDut& dut, top::Golden& golden) {
  const auto& p = golden.params();
  const auto aw = static_cast<std::uint64_t>(p.aw), qd = static_cast<std::uint64_t>(p.qd);
  const std::vector<top::Instr> clear = {
      top::Instr::load(top::Target::kScale, 0, qd * 4 / aw, 0),
      top::Instr::load(top::Target::kOzp, 0, qd / aw, 0),
      top::Instr::load(top::Target::kLut, 0, static_cast<std::uint64_t>(p.lut_lines()), 0)};
  golden.reset();
  top::Memory gm(p.aw), rm(p.aw);
  const auto ge = golden.run(clear, gm);
  const auto r = run_program(dut, clear, rm);
  if (ge.err != top::Err::kNone || r.err != top::Err::kNone || r.timeout) {
    throw std::logic_error(fmt::format(
        "random-stream: clearing the requantization tables failed (golden {}, RTL {}{})",
        top::to_string(ge.err), top::to_string(r.err), r.timeout ? ", timeout" : ""));
  }
  for (int b = 0; b < p.aw; ++b) {
    for (int l = 0; l < p.sd; ++l) {
      const auto line = static_cast<std::uint64_t>(l);
      for (int h = 0; h < 2; ++h) golden.set_sbuf(h, b, line, dut.sbuf(h, b, line));
    }
    for (int l = 0; l < p.wd; ++l) {
      const auto line = static_cast<std::uint64_t>(l);
      golden.set_wbuf(b, line, dut.wbuf(b, line));
    }
    for (int l = 0; l < p.od; ++l) {
      const auto line = static_cast<std::uint64_t>(l);
      golden.set_obuf(b, line, dut.obuf(b, line));
    }
  }
}

struct Stream {
  std::string name;
  std::optional<top::Err> expect;  // directed programs
  std::vector<top::Instr> prog;
  top::Memory memory;
};

}  // namespace

LayerReport run_random_streams(const TopDutInfo& info, std::uint64_t seed, int streams,
                               const RunOptions& opt) {
  if (streams < 0) {
    throw std::invalid_argument(fmt::format("random-stream: --streams {} is negative", streams));
  }
  const auto& p = info.params;
  LayerReport rep;
  rep.mapping = "none (directed and random instruction streams, not a layer)";
  std::vector<Stream> all;
  std::mt19937_64 rng(seed);
  {
    // Random data in every buffer first, so that the directed programs (which load nothing)
    // compute and write values that are not 0: a wrong write is then visible.
    Stream fill;
    fill.name = "directed: random data into the stationary buffer and both streaming halves";
    fill.expect = top::Err::kNone;
    fill.memory = top::Memory(p.aw);
    const std::uint64_t words = static_cast<std::uint64_t>(std::max(p.wd, p.sd));
    for (std::uint64_t a = 0; a < words; ++a) {
      std::vector<std::uint8_t> w(static_cast<std::size_t>(p.aw));
      for (auto& b : w) b = static_cast<std::uint8_t>(rng());
      fill.memory.write(a, w);
    }
    auto load = [&](top::Target t, std::uint64_t lines) {
      for (std::uint64_t l = 0; l < lines; l += 64) {
        fill.prog.push_back(top::Instr::load(t, l, std::min<std::uint64_t>(64, lines - l), l));
      }
    };
    load(top::Target::kWbuf, static_cast<std::uint64_t>(p.wd));
    load(top::Target::kSbufActive, static_cast<std::uint64_t>(p.sd));
    load(top::Target::kSbufInactive, static_cast<std::uint64_t>(p.sd));
    all.push_back(std::move(fill));
  }
  for (auto& d : directed_error_programs(p)) {
    all.push_back({"directed: " + d.name, d.expect, std::move(d.prog), top::Memory(p.aw)});
  }
  const std::size_t directed = all.size();
  for (int s = 0; s < streams; ++s) {
    Stream st;
    // Every fourth one a legal program that overlaps memory traffic with compute.
    if (s % 4 == 3) {
      st.name = fmt::format("random stream {} (legal, overlapped)", s);
      st.expect = top::Err::kNone;
      st.prog = top::random_legal_program(p, rng);
    } else {
      st.name = fmt::format("random stream {}", s);
      st.prog = random_instruction_stream(p, rng);
    }
    st.memory = random_stream_memory(p, rng);
    all.push_back(std::move(st));
  }

  RunOptions ro = opt;
  ro.trace.clear();
  ro.expect_stores = nullptr;
  ro.watch.clear();
  auto stream_options = [&](std::size_t k) {
    RunOptions o = ro;
    o.seed = opt.seed + k;  // a different back-pressure pattern per stream
    return o;
  };
  auto dut = info.make();
  top::Golden golden(p);
  std::map<top::Err, int> seen;
  std::optional<std::size_t> failed;
  StreamCheck fail;
  for (std::size_t k = 0; k < all.size(); ++k) {
    const Stream& st = all[k];
    StreamCheck c = check_stream(*dut, golden, st.prog, st.memory, stream_options(k));
    if (c.ok && st.expect && c.golden.err != *st.expect) {
      c.ok = false;
      c.failure =
          fmt::format("the directed program ends with {} in the golden model, not {} ({})",
                      top::to_string(c.golden.err), top::to_string(*st.expect), c.golden.detail);
    }
    rep.run.cycles += c.run.cycles;
    rep.run.seconds += c.run.seconds;
    rep.run.mem_reads += c.run.mem_reads;
    rep.run.mem_writes += c.run.mem_writes;
    rep.run.beat_cycles += c.run.beat_cycles;
    rep.run.mapping_cycles += c.run.mapping_cycles;
    rep.run.memory_cycles += c.run.memory_cycles;
    rep.run.other_cycles += c.run.other_cycles;
    rep.run.consumed += c.run.consumed;
    ++seen[c.run.err];
    if (!c.ok) {
      failed = k;
      fail = std::move(c);
      break;
    }
    if (c.golden.err != top::Err::kNone) resync_after_error(*dut, golden);
  }

  std::string counts;
  for (const auto& [e, n] : seen) counts += fmt::format(" {}={}", top::to_string(e), n);
  rep.layer = fmt::format(
      "{} directed programs (a buffer fill, one per error code) and {} random instruction "
      "streams (seed {}), {} run; RTL errors:{}",
      directed, streams, seed, failed ? *failed + 1 : all.size(), counts);
  rep.output_ok = true;  // no output tensor: the golden model is the reference
  if (!failed) {
    rep.golden_ok = true;
    if (!all.empty()) rep.program = all.back().prog;
    return rep;
  }
  const Stream& st = all[*failed];
  rep.golden_ok = false;
  rep.program = st.prog;
  rep.run.err = fail.run.err;
  rep.run.timeout = fail.run.timeout;
  rep.run.assertion_failed = fail.run.assertion_failed;
  std::string listing;
  for (std::size_t i = 0; i < st.prog.size(); ++i) {
    listing += fmt::format("  {:3}  {}\n", i, top::disassemble(st.prog[i]));
  }
  rep.mismatch = fmt::format("stream {} of {} ({}): {}\nits program:\n{}", *failed, all.size(),
                             st.name, fail.failure, listing);
  rep.divergence = fail.divergence;
  rep.divergence_text = fmt::format("stream {} ({}), cycle {} of that stream: {}", *failed, st.name,
                                    fail.divergence ? fail.divergence->cycle : 0,
                                    fail.failure.substr(0, fail.failure.find('\n')));
  if (!opt.trace.empty()) {
    // The failing stream again, traced, after the same streams before it on a fresh top.
    auto d2 = info.make();
    top::Golden g2(p);
    for (std::size_t k = 0; k < *failed; ++k) {
      RunOptions o = stream_options(k);
      o.coverage = nullptr;
      const auto c = check_stream(*d2, g2, all[k].prog, all[k].memory, o);
      if (c.golden.err != top::Err::kNone) resync_after_error(*d2, g2);
    }
    RunOptions o = stream_options(*failed);
    o.coverage = nullptr;
    o.trace = opt.trace;
    const auto c = check_stream(*d2, g2, st.prog, st.memory, o);
    rep.run.trace_events = c.run.trace_events;
    rep.gtkw = gtkw_path_for(opt.trace);
    const std::uint64_t last = c.run.cycles ? c.run.cycles - 1 : 0;
    const std::uint64_t stop =
        opt.trace_cycles ? std::min(opt.trace_stop, opt.trace_cycles - 1) : opt.trace_stop;
    write_top_gtkw(*d2, opt.trace, rep.divergence ? &*rep.divergence : nullptr, opt.trace_start,
                   std::min(stop, last));
  }
  return rep;
}

}  // namespace feather::sim
