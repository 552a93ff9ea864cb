#include "feather/top/isa.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "feather/common/sat.hpp"

namespace feather::top {

std::string_view to_string(Op op) {
  switch (op) {
    case Op::kSetWvnLayout:
      return "SetWVNLayout";
    case Op::kSetIvnLayout:
      return "SetIVNLayout";
    case Op::kSetOvnLayout:
      return "SetOVNLayout";
    case Op::kStream:
      return "ExecuteStreaming";
    case Op::kStore:
      return "Store";
    case Op::kLoad:
      return "Load";
    case Op::kConfig:
      return "Config";
    case Op::kMap:
      return "ExecuteMapping";
  }
  return "?";
}

std::string_view to_string(Err e) {
  switch (e) {
    case Err::kNone:
      return "NONE";
    case Err::kField:
      return "FIELD";
    case Err::kLayoutRange:
      return "LAYOUT_RANGE";
    case Err::kState:
      return "STATE";
    case Err::kSConflict:
      return "SCONFLICT";
    case Err::kWConflict:
      return "WCONFLICT";
    case Err::kOConflict:
      return "OCONFLICT";
    case Err::kOMissing:
      return "OMISSING";
    case Err::kMemRange:
      return "MEM_RANGE";
    case Err::kQRange:
      return "QRANGE";
  }
  return "?";
}

namespace {

std::string_view target_name(std::uint32_t t) {
  switch (t) {
    case 0:
      return "WBUF";
    case 1:
      return "SBUF.active";
    case 2:
      return "SBUF.inactive";
    case 3:
      return "scale";
    case 4:
      return "ozp";
    case 5:
      return "lut";
    default:
      return "illegal";
  }
}

// Bits [0, nbits) of little-endian 32-bit words as hex, most significant digit first.
std::string hex_bits(const std::vector<std::uint32_t>& words, int nbits) {
  int digits = std::max(1, (nbits + 3) / 4);
  std::string s = "0x";
  for (int d = digits - 1; d >= 0; --d) {
    int bit = d * 4;
    std::uint32_t nib = 0;
    auto w = static_cast<std::size_t>(bit / 32);
    if (w < words.size()) nib = (words[w] >> (bit % 32)) & 0xFU;
    s += "0123456789abcdef"[nib];
  }
  return s;
}

class BitWriter {
 public:
  BitWriter(const Instr& in, int iw)
      : in_(in), words_(static_cast<std::size_t>((iw + 31) / 32), 0), pos_(3) {
    words_[0] = static_cast<std::uint32_t>(in.op) & 7U;
  }
  void field(std::string_view name, std::uint64_t v, int width) {
    if (width < 64 && (v >> width) != 0) {
      throw std::invalid_argument(fmt::format("encode {}: field {} = {} does not fit {} bits",
                                              to_string(in_.op), name, v, width));
    }
    put(v, width);
  }
  // A two's-complement field of `width` bits.
  void signed_field(std::string_view name, std::int64_t v, int width) {
    const std::int64_t lim = std::int64_t{1} << (width - 1);
    if (v < -lim || v >= lim) {
      throw std::invalid_argument(
          fmt::format("encode {}: field {} = {} does not fit {} signed bits", to_string(in_.op),
                      name, v, width));
    }
    put(static_cast<std::uint64_t>(v), width);
  }
  void put(std::uint64_t v, int width) {
    for (int i = 0; i < width; ++i, ++pos_) {
      if ((v >> i) & 1U) words_[static_cast<std::size_t>(pos_ / 32)] |= 1U << (pos_ % 32);
    }
  }
  void put_words(const std::vector<std::uint32_t>& w, int width) {
    for (int i = 0; i < width; ++i, ++pos_) {
      auto k = static_cast<std::size_t>(i / 32);
      if (k < w.size() && ((w[k] >> (i % 32)) & 1U)) {
        words_[static_cast<std::size_t>(pos_ / 32)] |= 1U << (pos_ % 32);
      }
    }
  }
  Word take() { return std::move(words_); }

 private:
  const Instr& in_;
  Word words_;
  int pos_;
};

class BitReader {
 public:
  explicit BitReader(const Word& w) : w_(w), pos_(3) {}
  bool bit(int p) const {
    auto k = static_cast<std::size_t>(p / 32);
    return k < w_.size() && ((w_[k] >> (p % 32)) & 1U) != 0;
  }
  std::uint64_t get(int width) {
    std::uint64_t v = 0;
    for (int i = 0; i < width; ++i, ++pos_) {
      if (bit(pos_)) v |= std::uint64_t{1} << i;
    }
    return v;
  }
  std::uint32_t get32(int width) { return static_cast<std::uint32_t>(get(width)); }
  std::int64_t get_signed(int width) {
    const std::uint64_t v = get(width);
    const std::uint64_t sign = std::uint64_t{1} << (width - 1);
    return static_cast<std::int64_t>(v ^ sign) - static_cast<std::int64_t>(sign);
  }

 private:
  const Word& w_;
  int pos_;
};

}  // namespace

std::uint64_t Layout::flat(std::uint64_t a, std::uint64_t b) const {
  const std::uint64_t F0 = f0();
  const std::uint64_t d0 = a & (F0 - 1), d1 = a >> f0log, d2 = b;
  switch (order) {
    case 0:
      return d2 * F0 * f1 + d0 * f1 + d1;
    case 1:
      return d2 * f1 * F0 + d1 * F0 + d0;
    case 2:
      return d0 * f2 * f1 + d2 * f1 + d1;
    case 3:
      return d0 * f1 * f2 + d1 * f2 + d2;
    case 4:
      return d1 * f2 * F0 + d2 * F0 + d0;
    case 5:
      return d1 * F0 * f2 + d0 * f2 + d2;
    default:
      throw std::invalid_argument(fmt::format("Layout::flat: order {} > 5", order));
  }
}

Layout::Addr Layout::addr(std::uint64_t a, std::uint64_t b, std::uint32_t e, int aw, int ah) const {
  const std::uint64_t l = flat(a, b);
  const auto uaw = static_cast<std::uint64_t>(aw);
  return Addr{static_cast<std::uint32_t>(l % uaw),
              base + (l / uaw) * static_cast<std::uint64_t>(ah) + e};
}

std::uint64_t Layout::end_line(int aw, int ah) const {
  // Saturating: an absurd descriptor yields a huge end line instead of wrapping around.
  const std::uint64_t vns = sat_mul(sat_mul(f0log < 64 ? f0() : kSatMax, f1), f2);
  const auto uaw = static_cast<std::uint64_t>(aw);
  const std::uint64_t rows = vns / uaw + (vns % uaw != 0 ? 1 : 0);
  return sat_add(base, sat_mul(rows, static_cast<std::uint64_t>(ah)));
}

std::string Layout::to_string() const {
  std::string s =
      fmt::format("{{order={} f0log={} F1={} F2={} base={}", order, f0log, f1, f2, base);
  if (window.on) {
    s += fmt::format(" window={}x{} stride {}", window.ih, window.iw, window.stride);
  }
  if (qoff != 0) s += fmt::format(" qoff={}", qoff);
  return s + "}";
}

Instr Instr::set_layout(Op op, const Layout& l) {
  if (op != Op::kSetWvnLayout && op != Op::kSetIvnLayout && op != Op::kSetOvnLayout) {
    throw std::invalid_argument(
        fmt::format("Instr::set_layout: {} is not a Set*Layout opcode", to_string(op)));
  }
  Instr in;
  in.op = op;
  in.layout = l;
  return in;
}

Instr Instr::stream(std::uint64_t m0, std::uint64_t sm, std::uint64_t t, bool acc, bool quant,
                    const birrd::Config& cfg) {
  Instr in;
  in.op = Op::kStream;
  in.m0 = m0;
  in.sm = sm;
  in.t = t;
  in.acc = acc;
  in.quant = quant;
  in.birrd = cfg;
  return in;
}

Instr Instr::load(Target target, std::uint64_t line, std::uint64_t count, std::uint64_t addr) {
  Instr in;
  in.op = Op::kLoad;
  in.target = static_cast<std::uint32_t>(target);
  in.line = line;
  in.count = count;
  in.addr = addr;
  return in;
}

Instr Instr::store(Target target, std::uint64_t line, std::uint64_t count, std::uint64_t addr) {
  Instr in = load(target, line, count, addr);
  in.op = Op::kStore;
  return in;
}

Instr Instr::config(std::uint32_t zp_a, std::uint32_t zp_w, bool swap, std::uint32_t qlo,
                    std::uint32_t qhi, bool lut) {
  Instr in;
  in.op = Op::kConfig;
  in.zp_a = zp_a;
  in.zp_w = zp_w;
  in.swap = swap;
  in.clamp = qlo != 0 || qhi != 255;
  in.qlo = qlo;
  in.qhi = qhi;
  in.lut = lut;
  return in;
}

Instr Instr::map(std::uint64_t j0, std::uint64_t n0, std::uint32_t grlog, std::uint32_t gclog,
                 std::uint32_t vnm1) {
  Instr in;
  in.op = Op::kMap;
  in.j0 = j0;
  in.n0 = n0;
  in.grlog = grlog;
  in.gclog = gclog;
  in.vnm1 = vnm1;
  return in;
}

Word encode(const TopParams& p, const Instr& in) {
  BitWriter w(in, p.iw());
  const int xw = p.xw(), la = p.la();
  switch (in.op) {
    case Op::kSetWvnLayout:
    case Op::kSetIvnLayout:
    case Op::kSetOvnLayout:
      w.field("order", in.layout.order, 3);
      w.field("f0log", in.layout.f0log, p.flw());
      w.field("F1", in.layout.f1, xw);
      w.field("F2", in.layout.f2, xw);
      w.field("base", in.layout.base, la);
      w.put(in.layout.window.on ? 1 : 0, 1);
      w.field("ih", in.layout.window.ih, xw);
      w.field("iw", in.layout.window.iw, xw);
      w.field("stride", in.layout.window.stride, kWindowStrideBits);
      w.field("qoff", in.layout.qoff, la);
      break;
    case Op::kStream: {
      w.field("m0", in.m0, xw);
      w.field("sm", in.sm, xw);
      w.field("T", in.t, xw);
      w.put(in.acc ? 1 : 0, 1);
      w.put(in.quant ? 1 : 0, 1);
      const auto& c = in.birrd;
      if (c.lanes == 0) {
        w.put_words({}, p.cw());
        w.put_words({}, p.aw);
        w.signed_field("iy0", in.iy0, xw + 1);
        w.signed_field("ix0", in.ix0, xw + 1);
        break;
      }
      if (c.lanes != p.aw || c.stages != p.stages() ||
          c.modes.size() != static_cast<std::size_t>(p.stages() * p.aw / 2)) {
        throw std::invalid_argument(fmt::format(
            "encode ExecuteStreaming: field birrd (cmd) is a {}-lane {}-stage configuration, "
            "the top needs {} lanes and {} stages",
            c.lanes, c.stages, p.aw, p.stages()));
      }
      for (std::size_t b = static_cast<std::size_t>(p.aw); b < birrd::kMaxLanes; ++b) {
        if (c.mask.test(b)) {
          throw std::invalid_argument(fmt::format(
              "encode ExecuteStreaming: field mask has lane {} set, beyond AW = {}", b, p.aw));
        }
      }
      w.put_words(c.pack_cmd(), p.cw());
      w.put_words(c.pack_mask(), p.aw);
      w.signed_field("iy0", in.iy0, xw + 1);
      w.signed_field("ix0", in.ix0, xw + 1);
      break;
    }
    case Op::kStore:
    case Op::kLoad:
      w.field("target", in.target, 3);
      w.field("line", in.line, la);
      w.field("count", in.count, xw);
      w.field("addr", in.addr, p.maw);
      break;
    case Op::kConfig:
      w.field("zp_a", in.zp_a, 8);
      w.field("zp_w", in.zp_w, 8);
      w.put(in.swap ? 1 : 0, 1);
      w.put(in.clamp ? 1 : 0, 1);
      w.field("qlo", in.qlo, 8);
      w.field("qhi", in.qhi, 8);
      w.put(in.lut ? 1 : 0, 1);
      break;
    case Op::kMap:
      w.field("j0", in.j0, xw);
      w.field("n0", in.n0, xw);
      w.field("grlog", in.grlog, p.glw());
      w.field("gclog", in.gclog, p.glw());
      w.field("vnm1", in.vnm1, p.vw());
      break;
  }
  return w.take();
}

Instr decode(const TopParams& p, const Word& word) {
  BitReader r(word);
  Instr in;
  in.op = static_cast<Op>((word.empty() ? 0U : word[0]) & 7U);
  const int xw = p.xw(), la = p.la();
  switch (in.op) {
    case Op::kSetWvnLayout:
    case Op::kSetIvnLayout:
    case Op::kSetOvnLayout:
      in.layout.order = r.get32(3);
      in.layout.f0log = r.get32(p.flw());
      in.layout.f1 = r.get(xw);
      in.layout.f2 = r.get(xw);
      in.layout.base = r.get(la);
      in.layout.window.on = r.get(1) != 0;
      in.layout.window.ih = r.get(xw);
      in.layout.window.iw = r.get(xw);
      in.layout.window.stride = r.get32(kWindowStrideBits);
      in.layout.qoff = r.get(la);
      break;
    case Op::kStream: {
      in.m0 = r.get(xw);
      in.sm = r.get(xw);
      in.t = r.get(xw);
      in.acc = r.get(1) != 0;
      in.quant = r.get(1) != 0;
      birrd::Config c(p.topology());
      for (std::size_t k = 0; k < c.modes.size(); ++k) {
        c.modes[k] = static_cast<birrd::Mode>(r.get32(2));
      }
      for (int lane = 0; lane < p.aw; ++lane) {
        if (r.get(1) != 0) c.mask.set(static_cast<std::size_t>(lane));
      }
      in.birrd = std::move(c);
      in.iy0 = r.get_signed(xw + 1);
      in.ix0 = r.get_signed(xw + 1);
      break;
    }
    case Op::kStore:
    case Op::kLoad:
      in.target = r.get32(3);
      in.line = r.get(la);
      in.count = r.get(xw);
      in.addr = r.get(p.maw);
      break;
    case Op::kConfig:
      in.zp_a = r.get32(8);
      in.zp_w = r.get32(8);
      in.swap = r.get(1) != 0;
      in.clamp = r.get(1) != 0;
      in.qlo = r.get32(8);
      in.qhi = r.get32(8);
      in.lut = r.get(1) != 0;
      break;
    case Op::kMap:
      in.j0 = r.get(xw);
      in.n0 = r.get(xw);
      in.grlog = r.get32(p.glw());
      in.gclog = r.get32(p.glw());
      in.vnm1 = r.get32(p.vw());
      break;
  }
  return in;
}

std::string disassemble(const Instr& in) {
  switch (in.op) {
    case Op::kSetWvnLayout:
    case Op::kSetIvnLayout:
    case Op::kSetOvnLayout: {
      const auto& l = in.layout;
      std::string s = fmt::format("{} order={} f0log={} F1={} F2={} base={}", to_string(in.op),
                                  l.order, l.f0log, l.f1, l.f2, l.base);
      const Window& w = l.window;
      if (w.on || w.ih != 0 || w.iw != 0 || w.stride != 0) {
        s += fmt::format(" window={}:{}x{}/{}", w.on ? "on" : "off", w.ih, w.iw, w.stride);
      }
      if (l.qoff != 0) s += fmt::format(" qoff={}", l.qoff);
      return s;
    }
    case Op::kStream: {
      const auto& c = in.birrd;
      std::string s = fmt::format("ES m0={} sm={} T={} acc={} quant={}", in.m0, in.sm, in.t,
                                  in.acc ? 1 : 0, in.quant ? 1 : 0);
      if (in.iy0 != 0 || in.ix0 != 0) s += fmt::format(" iy0={} ix0={}", in.iy0, in.ix0);
      if (c.lanes == 0) return s + " cmd=pass mask=0";
      return s + fmt::format(" cmd={} mask={}", hex_bits(c.pack_cmd(), c.stages * c.lanes),
                             hex_bits(c.pack_mask(), c.lanes));
    }
    case Op::kStore:
    case Op::kLoad:
      return fmt::format("{} target={}({}) line={} count={} addr={:#x}", to_string(in.op),
                         in.target, target_name(in.target), in.line, in.count, in.addr);
    case Op::kConfig:
      return fmt::format("Config zp_a={} zp_w={} swap={}{}{}", in.zp_a, in.zp_w, in.swap ? 1 : 0,
                         in.clamp ? fmt::format(" clamp={}..{}", in.qlo, in.qhi) : "",
                         in.lut ? " lut=1" : "");
    case Op::kMap:
      return fmt::format("EM j0={} n0={} grlog={} gclog={} vn={}", in.j0, in.n0, in.grlog, in.gclog,
                         std::uint64_t{in.vnm1} + 1);
  }
  return fmt::format("op{}", static_cast<int>(in.op));
}

}  // namespace feather::top
