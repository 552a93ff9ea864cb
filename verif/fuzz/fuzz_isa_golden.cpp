// libFuzzer target: the FEATHER instruction decoder and the instruction-level golden model
// (feather::top::decode / encode / disassemble, feather::top::Golden::execute).
//
// Input (fuzz_util.hpp): 5 bytes of TopParams (AH 2..8, AW 4/8, both wirings, SD/WD/OD AH..64,
// QD, MAW 1..12), a seed byte for the off-chip memory contents, then instruction words of
// ceil(IW/8) bytes. Properties, per word:
//   - decode accepts any bits; encode(decode(w)) is w restricted to the opcode's fields (the
//     field widths of docs/isa.md), and decode(encode(decode(w))) == decode(w) field by field;
//   - Golden::execute of the decoded instruction never throws and never crashes; it returns
//     kNone or an error code with a detail message; once an error is raised every further
//     instruction returns that same error and the model's err() agrees.
// Work bound: the golden model's work per instruction is bounded by the fields (a Load/Store
// moves at most the buffer's lines, an ExecuteStreaming runs T < 2^XW steps of AH^2*AW MACs).
// The stream is cut at 64 instructions and at 1024 ExecuteStreaming steps in total.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "feather/top/golden.hpp"
#include "feather/top/isa.hpp"
#include "feather/top/params.hpp"
#include "fuzz_util.hpp"

namespace {

using feather::fuzz::check;
using feather::fuzz::fail;
using feather::top::Err;
using feather::top::Golden;
using feather::top::Instr;
using feather::top::Memory;
using feather::top::Op;
using feather::top::TopParams;
using feather::top::Word;

constexpr std::size_t kMaxInstrs = 64;
constexpr std::uint64_t kStepBudget = 1024;

// Bits an instruction of opcode `op` uses (opcode included), from the table in docs/isa.md.
int used_bits(const TopParams& p, Op op) {
  switch (op) {
    case Op::kSetWvnLayout:
    case Op::kSetIvnLayout:
    case Op::kSetOvnLayout:
      return 3 + 3 + p.flw() + 2 * p.xw() + p.la() + 1 + 2 * p.xw() +
             feather::top::kWindowStrideBits + p.la();  // then the window, then qoff
    case Op::kStream:
      return 3 + 3 * p.xw() + 2 + p.cw() + p.aw + 2 * (p.xw() + 1);  // then iy0, ix0
    case Op::kStore:
    case Op::kLoad:
      return 3 + 3 + p.la() + p.xw() + p.maw;
    case Op::kConfig:
      return 3 + 8 + 8 + 1 + 1 + 8 + 8 + 1;  // zp_a, zp_w, swap, clamp, qlo, qhi, lut
    case Op::kMap:
      return 3 + 2 * p.xw() + 2 * p.glw() + p.vw();
  }
  return 0;
}

Word low_bits(Word w, int nbits) {
  for (std::size_t k = 0; k < w.size(); ++k) {
    const int lo = static_cast<int>(k) * 32;
    if (nbits <= lo) {
      w[k] = 0;
    } else if (nbits < lo + 32) {
      w[k] &= (1U << (nbits - lo)) - 1U;
    }
  }
  return w;
}

bool same(const Instr& a, const Instr& b) {
  return a.op == b.op && a.layout == b.layout && a.m0 == b.m0 && a.sm == b.sm && a.t == b.t &&
         a.acc == b.acc && a.quant == b.quant && a.iy0 == b.iy0 && a.ix0 == b.ix0 &&
         a.birrd.lanes == b.birrd.lanes && a.birrd.stages == b.birrd.stages &&
         a.birrd.modes == b.birrd.modes && a.birrd.mask == b.birrd.mask && a.target == b.target &&
         a.line == b.line && a.count == b.count && a.addr == b.addr && a.zp_a == b.zp_a &&
         a.zp_w == b.zp_w && a.swap == b.swap && a.clamp == b.clamp && a.qlo == b.qlo &&
         a.qhi == b.qhi && a.lut == b.lut && a.j0 == b.j0 && a.n0 == b.n0 && a.grlog == b.grlog &&
         a.gclog == b.gclog && a.vnm1 == b.vnm1;
}

std::string hex(const Word& w) {
  std::string s;
  for (std::size_t k = w.size(); k-- > 0;) s += fmt::format("{:08x}", w[k]);
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  feather::fuzz::Bytes in(data, size);
  const TopParams p = feather::fuzz::isa_params(in);
  const std::uint8_t mem_seed = in.u8();
  const int iw = p.iw();
  const std::size_t nbytes = feather::fuzz::isa_instr_bytes(p);

  feather::fuzz::note("{}: IW {}, {} bytes per instruction", p.to_string(), iw, nbytes);
  Golden gold(p);
  Memory mem(p.aw);
  const std::uint64_t words = std::min<std::uint64_t>(std::uint64_t{1} << p.maw, 64);
  for (std::uint64_t a = 0; a < words; ++a) {
    std::vector<std::uint8_t> word(static_cast<std::size_t>(p.aw));
    for (std::size_t i = 0; i < word.size(); ++i) {
      word[i] = static_cast<std::uint8_t>(feather::fuzz::mix(mem_seed * 4096 + a * 64 + i));
    }
    mem.write(a, word);
  }

  std::uint64_t steps_left = kStepBudget;
  Err first = Err::kNone;
  for (std::size_t n = 0; n < kMaxInstrs && in.left() >= nbytes; ++n) {
    const Word w = feather::fuzz::word_from_bytes(in.take(nbytes), iw);
    const Instr ins = feather::top::decode(p, w);
    const std::string text = feather::top::disassemble(ins);
    Word enc;
    try {
      enc = feather::top::encode(p, ins);
    } catch (const std::invalid_argument& e) {
      fail(fmt::format("{}: decode(0x{}) = '{}' does not encode: {}", p.to_string(), hex(w), text,
                       e.what()));
    }
    const Word want = low_bits(w, used_bits(p, ins.op));
    check(enc == want, fmt::format("{}: encode(decode(0x{})) = 0x{}, expected 0x{} ('{}')",
                                   p.to_string(), hex(w), hex(enc), hex(want), text));
    check(same(feather::top::decode(p, enc), ins),
          fmt::format("{}: decode(encode('{}')) differs", p.to_string(), text));

    if (ins.op == Op::kStream) {
      if (ins.t > steps_left) break;
      steps_left -= ins.t;
    }
    const Err e = gold.execute(ins, mem);
    feather::fuzz::note("{}: {} -> {}", n, text, to_string(e));
    if (first != Err::kNone) {
      check(e == first, fmt::format("instruction {} ('{}') after error {} returned {}", n, text,
                                    to_string(first), to_string(e)));
      continue;
    }
    check(gold.err() == e,
          fmt::format("execute returned {} but err() is {}", to_string(e), to_string(gold.err())));
    if (e != Err::kNone) {
      check(!gold.err_detail().empty(),
            fmt::format("error {} at '{}' has no detail", to_string(e), text));
      first = e;
    }
  }
  check(gold.stream_steps() <= kStepBudget, "more ExecuteStreaming steps than requested");
  return 0;
}
