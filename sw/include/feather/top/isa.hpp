// The FEATHER instruction set (docs/isa.md): instructions, their bit encoding (sized from the
// parameters), decoding and disassembly, and the error codes shared by the RTL and the model.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "feather/birrd/topology.hpp"
#include "feather/top/params.hpp"

namespace feather::top {

enum class Op : std::uint8_t {
  kSetWvnLayout = 0,
  kSetIvnLayout = 1,
  kSetOvnLayout = 2,
  kStream = 3,  // ExecuteStreaming
  kStore = 4,
  kLoad = 5,
  kConfig = 6,
  kMap = 7,  // ExecuteMapping
};
std::string_view to_string(Op op);

enum class Err : std::uint8_t {
  kNone = 0,
  kField = 1,
  kLayoutRange = 2,
  kState = 3,
  kSConflict = 4,
  kWConflict = 5,
  kOConflict = 6,
  kOMissing = 7,
  kMemRange = 8,
  kQRange = 9,
};
std::string_view to_string(Err e);

// Load/Store targets.
enum class Target : std::uint8_t {
  kWbuf = 0,
  kSbufActive = 1,
  kSbufInactive = 2,
  kScale = 3,
  kOzp = 4,
  kLut = 5,  // the activation table (Load only)
};

// The window of a streaming layout (direct convolution, docs/isa.md "Window"): the IVN index
// a of the layout is the pixel iy * iw + ix of an ih x iw image; an ExecuteStreaming walks it
// from its origin (iy0, ix0) with `stride` pixels per output position, and a pixel outside the
// image reads as the zero point.
struct Window {
  bool on = false;
  std::uint64_t ih = 0, iw = 0;
  std::uint32_t stride = 0;
  bool operator==(const Window&) const = default;
};

// A layout descriptor {order, f0log, F1, F2, base} (and, for SetIVNLayout, its window; for
// SetOVNLayout, the line offset of the requantized image).
struct Layout {
  Layout() = default;
  Layout(std::uint32_t order_, std::uint32_t f0log_, std::uint64_t f1_, std::uint64_t f2_,
         std::uint64_t base_, Window window_ = {})
      : order(order_), f0log(f0log_), f1(f1_), f2(f2_), base(base_), window(window_) {}

  std::uint32_t order = 0;
  std::uint32_t f0log = 0;
  std::uint64_t f1 = 1;
  std::uint64_t f2 = 1;
  std::uint64_t base = 0;
  Window window;
  // SetOVNLayout only (0 for the others): a quant stream writes the requantized byte of output
  // line l to line l + qoff of the inactive streaming half, so that the tiles of one output
  // can reuse the output buffer's lines while their requantized image stays whole.
  std::uint64_t qoff = 0;

  std::uint64_t f0() const { return std::uint64_t{1} << f0log; }
  // Whether VN (a, b) is in range.
  bool in_range(std::uint64_t a, std::uint64_t b) const { return a < f0() * f1 && b < f2; }
  // The flat index L of VN (a, b) (must be in range; order must be <= 5).
  std::uint64_t flat(std::uint64_t a, std::uint64_t b) const;
  // Bank and line of element e of VN (a, b) for a buffer of `aw` banks and VNs of `ah`.
  struct Addr {
    std::uint32_t bank;
    std::uint64_t line;
  };
  Addr addr(std::uint64_t a, std::uint64_t b, std::uint32_t e, int aw, int ah) const;
  // Lines per bank the layout spans, from base (i.e. the first line it does not use):
  // base + ceil(F0*F1*F2 / aw) * ah, saturating instead of wrapping for absurd factors.
  // The layout fits a buffer of depth D (no LAYOUT_RANGE) iff end_line(aw, ah) <= D.
  std::uint64_t end_line(int aw, int ah) const;
  std::string to_string() const;
  bool operator==(const Layout&) const = default;
};

// One instruction; only the fields of its opcode are meaningful (the others stay 0).
struct Instr {
  Op op = Op::kConfig;
  // Set*Layout
  Layout layout;
  // ExecuteStreaming
  std::uint64_t m0 = 0, sm = 0, t = 1;
  bool acc = false, quant = false;
  birrd::Config birrd;            // modes and mask; empty (lanes == 0) = all pass, mask 0
  std::int64_t iy0 = 0, ix0 = 0;  // window origin (used when LI has a window)
  // Load / Store
  std::uint32_t target = 0;
  std::uint64_t line = 0, count = 0, addr = 0;
  // Config
  std::uint32_t zp_a = 0, zp_w = 0;
  bool swap = false;
  // The requantization clamp of later quant streams (a folded ReLU / ReLU6): [qlo, qhi] when
  // `clamp`, else [0, 255] (qlo and qhi ignored).
  bool clamp = false;
  std::uint32_t qlo = 0, qhi = 255;
  bool lut = false;  // later quant streams write lut[requantized byte] (the activation table)
  // ExecuteMapping
  std::uint64_t j0 = 0, n0 = 0;
  std::uint32_t grlog = 0, gclog = 0, vnm1 = 0;

  // Constructors for readability.
  static Instr set_layout(Op op, const Layout& l);
  static Instr stream(std::uint64_t m0, std::uint64_t sm, std::uint64_t t, bool acc, bool quant,
                      const birrd::Config& cfg);
  static Instr load(Target target, std::uint64_t line, std::uint64_t count, std::uint64_t addr);
  static Instr store(Target target, std::uint64_t line, std::uint64_t count, std::uint64_t addr);
  // clamp = [qlo, qhi] is not [0, 255].
  static Instr config(std::uint32_t zp_a, std::uint32_t zp_w, bool swap, std::uint32_t qlo = 0,
                      std::uint32_t qhi = 255, bool lut = false);
  // The clamp in force after a Config: [qlo, qhi] or [0, 255].
  std::uint32_t clamp_lo() const { return clamp ? qlo : 0; }
  std::uint32_t clamp_hi() const { return clamp ? qhi : 255; }
  static Instr map(std::uint64_t j0, std::uint64_t n0, std::uint32_t grlog, std::uint32_t gclog,
                   std::uint32_t vnm1);
};

// An encoded instruction: iw() bits, least significant 32-bit word first.
using Word = std::vector<std::uint32_t>;

// Throws std::invalid_argument naming the field whose value does not fit its width.
Word encode(const TopParams& p, const Instr& in);
// Decodes any bit pattern (field legality is the executor's business). An ExecuteStreaming
// always decodes to a full BIRRD Config (lanes = aw; an all-zero cmd/mask is all pass, mask 0).
Instr decode(const TopParams& p, const Word& w);
// One-line disassembly, e.g. "ES m0=0 sm=1 T=16 acc=0 quant=1 mask=0x0001".
std::string disassemble(const Instr& in);

}  // namespace feather::top
