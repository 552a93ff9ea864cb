#include "feather/top/golden.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "feather/birrd/model.hpp"
#include "feather/common/sat.hpp"

namespace feather::top {

// ---------------------------------------------------------------------------------------------
// Requantization

std::uint8_t requant(std::int32_t v, std::int32_t scale, std::uint8_t ozp, std::uint8_t lo,
                     std::uint8_t hi) {
  const std::int64_t prod = std::int64_t{v} * std::int64_t{scale};
  const std::int64_t shifted = (prod + (std::int64_t{1} << 23)) >> 24;  // arithmetic shift
  const std::int64_t r = shifted + std::int64_t{ozp};
  return static_cast<std::uint8_t>(std::clamp<std::int64_t>(r, lo, hi));
}

// ---------------------------------------------------------------------------------------------
// Golden

namespace {

// Index arithmetic is exact (docs/isa.md): sat_add / sat_mul (feather/common/sat.hpp) saturate
// instead of wrapping, a saturated index is out of range of every legal layout.

std::string lanes_hex(const std::vector<bool>& v) {
  std::string s;
  for (std::size_t i = v.size(); i-- > 0;) s += v[i] ? '1' : '0';
  return "0b" + s;
}

std::uint64_t lines_of(const TopParams& p, std::uint32_t target) {
  switch (target) {
    case 0:
      return static_cast<std::uint64_t>(p.wd);
    case 1:
    case 2:
      return static_cast<std::uint64_t>(p.sd);
    case 3:
      return static_cast<std::uint64_t>(p.qd) * 4 / static_cast<std::uint64_t>(p.aw);
    case 4:
      return static_cast<std::uint64_t>(p.qd) / static_cast<std::uint64_t>(p.aw);
    case 5:
      return static_cast<std::uint64_t>(p.lut_lines());
    default:
      return 0;
  }
}

const char* target_name(std::uint32_t t) {
  static constexpr const char* kNames[] = {"WBUF",        "SBUF active half", "SBUF inactive half",
                                           "scale table", "zero-point table", "activation table"};
  return t < 6 ? kNames[t] : "?";
}

}  // namespace

Golden::Golden(const TopParams& p)
    : p_(p.validated()),
      topo_(p_.topology()),
      pe_w_(static_cast<std::size_t>(p_.ah * p_.aw * p_.ah), 0),
      sbuf_(static_cast<std::size_t>(2 * p_.aw) * static_cast<std::size_t>(p_.sd), 0),
      wbuf_(static_cast<std::size_t>(p_.aw) * static_cast<std::size_t>(p_.wd), 0),
      obuf_(static_cast<std::size_t>(p_.aw) * static_cast<std::size_t>(p_.od), 0),
      scale_(static_cast<std::size_t>(p_.qd), 0),
      ozp_(static_cast<std::size_t>(p_.qd), 0),
      lut_(static_cast<std::size_t>(p_.lut_lines() * p_.aw), 0) {}

void Golden::reset() {
  err_ = Err::kNone;
  prev_op_.reset();
  prev_quant_ = false;
  vn_changed_ = false;
  detail_.clear();
  half_ = 0;
  steps_ = 0;
  writes_ = 0;
  lw_.reset();
  li_.reset();
  lo_.reset();
  zp_a_ = 0;
  zp_w_ = 0;
  qlo_ = 0;
  qhi_ = 255;
  lut_on_ = false;
  map_.reset();
}

std::size_t Golden::sidx(int half, int bank, std::uint64_t line) const {
  if (half < 0 || half > 1 || bank < 0 || bank >= p_.aw ||
      line >= static_cast<std::uint64_t>(p_.sd)) {
    throw std::out_of_range(fmt::format("SBUF[{}][{}][{}] out of range", half, bank, line));
  }
  return (static_cast<std::size_t>(half) * static_cast<std::size_t>(p_.aw) +
          static_cast<std::size_t>(bank)) *
             static_cast<std::size_t>(p_.sd) +
         static_cast<std::size_t>(line);
}

std::size_t Golden::widx(int bank, std::uint64_t line) const {
  if (bank < 0 || bank >= p_.aw || line >= static_cast<std::uint64_t>(p_.wd)) {
    throw std::out_of_range(fmt::format("WBUF[{}][{}] out of range", bank, line));
  }
  return static_cast<std::size_t>(bank) * static_cast<std::size_t>(p_.wd) +
         static_cast<std::size_t>(line);
}

std::size_t Golden::oidx(int bank, std::uint64_t line) const {
  if (bank < 0 || bank >= p_.aw || line >= static_cast<std::uint64_t>(p_.od)) {
    throw std::out_of_range(fmt::format("OBUF[{}][{}] out of range", bank, line));
  }
  return static_cast<std::size_t>(bank) * static_cast<std::size_t>(p_.od) +
         static_cast<std::size_t>(line);
}

std::size_t Golden::pidx(int r, int c, int e) const {
  return (static_cast<std::size_t>(r) * static_cast<std::size_t>(p_.aw) +
          static_cast<std::size_t>(c)) *
             static_cast<std::size_t>(p_.ah) +
         static_cast<std::size_t>(e);
}

std::uint8_t Golden::sbuf(int half, int bank, std::uint64_t line) const {
  return sbuf_[sidx(half, bank, line)];
}
std::uint8_t Golden::wbuf(int bank, std::uint64_t line) const { return wbuf_[widx(bank, line)]; }
std::uint32_t Golden::obuf(int bank, std::uint64_t line) const { return obuf_[oidx(bank, line)]; }
std::int32_t Golden::scale(int n) const { return scale_.at(static_cast<std::size_t>(n)); }
std::uint8_t Golden::ozp(int n) const { return ozp_.at(static_cast<std::size_t>(n)); }
void Golden::set_sbuf(int half, int bank, std::uint64_t line, std::uint8_t v) {
  sbuf_[sidx(half, bank, line)] = v;
}
void Golden::set_wbuf(int bank, std::uint64_t line, std::uint8_t v) { wbuf_[widx(bank, line)] = v; }
void Golden::set_obuf(int bank, std::uint64_t line, std::uint32_t v) {
  obuf_[oidx(bank, line)] = v;
}

Err Golden::fail(Err e, std::string detail) {
  err_ = e;
  detail_ = std::move(detail);
  return e;
}

ErrorInfo Golden::run(const std::vector<Instr>& prog, Memory& mem) {
  for (std::size_t i = 0; i < prog.size(); ++i) {
    Err e = execute(prog[i], mem);
    if (e != Err::kNone) return ErrorInfo{e, i, detail_};
  }
  return ErrorInfo{Err::kNone, prog.size(), ""};
}

Err Golden::execute(const Instr& in, Memory& mem) {
  (void)encode(p_, in);  // throws if a field does not fit its width
  if (err_ != Err::kNone) return err_;
  const Err e = dispatch(in, mem);
  if (e != Err::kNone && prev_op_) {
    if (*prev_op_ == Op::kStream) {
      corners_.add(prev_quant_ ? Corners::kErrorAfterQuantStream : Corners::kErrorAfterStream);
    }
    if (*prev_op_ == Op::kStore) corners_.add(Corners::kErrorAfterStore);
    if (*prev_op_ == Op::kLoad) corners_.add(Corners::kErrorAfterLoad);
  }
  prev_op_ = in.op;
  prev_quant_ = in.op == Op::kStream && in.quant;
  return e;
}

Err Golden::dispatch(const Instr& in, Memory& mem) {
  switch (in.op) {
    case Op::kSetWvnLayout:
    case Op::kSetIvnLayout:
    case Op::kSetOvnLayout:
      return set_layout(in);
    case Op::kStream:
      return stream(in);
    case Op::kStore:
      return store(in, mem);
    case Op::kLoad:
      return load(in, mem);
    case Op::kConfig:
      if (in.clamp && in.qlo > in.qhi) {
        return fail(Err::kField, fmt::format("Config: qlo {} > qhi {}", in.qlo, in.qhi));
      }
      zp_a_ = static_cast<std::uint8_t>(in.zp_a);
      zp_w_ = static_cast<std::uint8_t>(in.zp_w);
      qlo_ = static_cast<std::uint8_t>(in.clamp_lo());
      qhi_ = static_cast<std::uint8_t>(in.clamp_hi());
      lut_on_ = in.lut;
      if (in.swap) half_ ^= 1;
      return Err::kNone;
    case Op::kMap:
      return map(in);
  }
  return Err::kNone;
}

Err Golden::set_layout(const Instr& in) {
  const Layout& l = in.layout;
  const auto name = to_string(in.op);
  if (l.order > 5) return fail(Err::kField, fmt::format("{}: order {} > 5", name, l.order));
  if (l.f0log > static_cast<std::uint32_t>(p_.xw() - 1)) {
    return fail(Err::kField, fmt::format("{}: f0log {} > XW - 1 = {}", name, l.f0log, p_.xw() - 1));
  }
  if (l.f1 == 0) return fail(Err::kField, fmt::format("{}: F1 = 0", name));
  if (l.f2 == 0) return fail(Err::kField, fmt::format("{}: F2 = 0", name));
  if (const Window& w = l.window; w.on) {
    if (in.op != Op::kSetIvnLayout) {
      return fail(Err::kField, fmt::format("{}: a window is only for the IVN layout", name));
    }
    if (w.ih == 0 || w.iw == 0 || w.stride == 0) {
      return fail(Err::kField, fmt::format("{}: window ih = {}, iw = {}, stride = {} (none may "
                                           "be 0)",
                                           name, w.ih, w.iw, w.stride));
    }
  }
  if (l.qoff != 0 && in.op != Op::kSetOvnLayout) {
    return fail(Err::kField,
                fmt::format("{}: qoff = {} (only the OVN layout has one)", name, l.qoff));
  }
  const char* buf = in.op == Op::kSetWvnLayout ? "WD" : in.op == Op::kSetIvnLayout ? "SD" : "OD";
  const int depth = in.op == Op::kSetWvnLayout ? p_.wd : in.op == Op::kSetIvnLayout ? p_.sd : p_.od;
  const std::uint64_t end = l.end_line(p_.aw, p_.ah);
  if (end > static_cast<std::uint64_t>(depth)) {
    return fail(Err::kLayoutRange,
                fmt::format("{} {}: last line {} not below {} = {}", name, l.to_string(),
                            end == kSatMax ? std::string("(overflow)") : std::to_string(end - 1),
                            buf, depth));
  }
  const auto buffer = static_cast<std::size_t>(in.op);  // W, I, O
  if (end == static_cast<std::uint64_t>(depth)) {
    corners_.add(static_cast<Corners::Point>(Corners::kLayoutEndW + static_cast<int>(buffer)));
  }
  if (in.op == Op::kSetWvnLayout) lw_ = l;
  if (in.op == Op::kSetIvnLayout) {
    li_ = l;
    if (!l.window.on) li_->window = Window{};  // a window that is off has no fields
  }
  if (in.op == Op::kSetOvnLayout) lo_ = l;
  return Err::kNone;
}

Err Golden::load(const Instr& in, const Memory& mem) {
  if (in.target > 5) {
    return fail(Err::kField, fmt::format("Load: target {} is not 0..5", in.target));
  }
  const std::uint64_t size = lines_of(p_, in.target);
  if (in.line + in.count > size) {
    return fail(Err::kMemRange,
                fmt::format("Load {}: line {} + count {} = {} > {} lines", target_name(in.target),
                            in.line, in.count, in.line + in.count, size));
  }
  if (in.count > 0 && in.line + in.count == size) {
    static constexpr Corners::Point kEnd[] = {Corners::kLoadEndWbuf, Corners::kLoadEndSbuf,
                                              Corners::kLoadEndSbuf, Corners::kLoadEndScale,
                                              Corners::kLoadEndOzp,  Corners::kLoadEndLut};
    corners_.add(kEnd[in.target]);
  }
  const std::uint64_t amask = p_.maw >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << p_.maw) - 1;
  const int aw = p_.aw;
  for (std::uint64_t k = 0; k < in.count; ++k) {
    const std::uint64_t line = in.line + k;
    const std::vector<std::uint8_t> word = mem.read((in.addr + k) & amask);
    auto byte = [&](int i) { return word[static_cast<std::size_t>(i)]; };
    switch (in.target) {
      case 0:
        for (int i = 0; i < aw; ++i) wbuf_[widx(i, line)] = byte(i);
        break;
      case 1:
      case 2: {
        const int h = in.target == 1 ? half_ : 1 - half_;
        for (int i = 0; i < aw; ++i) sbuf_[sidx(h, i, line)] = byte(i);
        break;
      }
      case 3:
        for (int i = 0; i < aw / 4; ++i) {
          std::uint32_t v = 0;
          for (int b = 0; b < 4; ++b) v |= std::uint32_t{byte(4 * i + b)} << (8 * b);
          scale_[static_cast<std::size_t>(line) * static_cast<std::size_t>(aw / 4) +
                 static_cast<std::size_t>(i)] = static_cast<std::int32_t>(v);
        }
        break;
      case 4:
        for (int i = 0; i < aw; ++i) {
          ozp_[static_cast<std::size_t>(line) * static_cast<std::size_t>(aw) +
               static_cast<std::size_t>(i)] = byte(i);
        }
        break;
      case 5:
        for (int i = 0; i < aw; ++i) {
          lut_[static_cast<std::size_t>(line) * static_cast<std::size_t>(aw) +
               static_cast<std::size_t>(i)] = byte(i);
        }
        break;
      default:
        break;
    }
  }
  return Err::kNone;
}

Err Golden::store(const Instr& in, Memory& mem) {
  if (in.target > 2) {
    return fail(Err::kField, fmt::format("Store: target {} is not 0..2", in.target));
  }
  const std::uint64_t size = lines_of(p_, in.target);
  if (in.line + in.count > size) {
    return fail(Err::kMemRange,
                fmt::format("Store {}: line {} + count {} = {} > {} lines", target_name(in.target),
                            in.line, in.count, in.line + in.count, size));
  }
  if (in.count > 0 && in.line + in.count == size) {
    corners_.add(in.target == 0 ? Corners::kStoreEndWbuf : Corners::kStoreEndSbuf);
  }
  const std::uint64_t amask = p_.maw >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << p_.maw) - 1;
  const int aw = p_.aw;
  std::vector<std::uint8_t> word(static_cast<std::size_t>(aw));
  for (std::uint64_t k = 0; k < in.count; ++k) {
    const std::uint64_t line = in.line + k;
    for (int i = 0; i < aw; ++i) {
      word[static_cast<std::size_t>(i)] =
          in.target == 0 ? wbuf_[widx(i, line)]
                         : sbuf_[sidx(in.target == 1 ? half_ : 1 - half_, i, line)];
    }
    mem.write((in.addr + k) & amask, word);
  }
  return Err::kNone;
}

Err Golden::map(const Instr& in) {
  const auto awl = static_cast<std::uint32_t>(p_.awl());
  const std::uint32_t vn = in.vnm1 + 1;
  if (in.grlog > awl) {
    return fail(Err::kField, fmt::format("ExecuteMapping: grlog {} > log2 AW = {}", in.grlog, awl));
  }
  if (in.gclog > in.grlog) {
    return fail(Err::kField,
                fmt::format("ExecuteMapping: gclog {} > grlog {}", in.gclog, in.grlog));
  }
  if (vn > static_cast<std::uint32_t>(p_.ah)) {
    return fail(Err::kField, fmt::format("ExecuteMapping: vn = {} > AH = {}", vn, p_.ah));
  }
  if (!lw_) {
    return fail(Err::kState, "ExecuteMapping: the WVN layout (SetWVNLayout) is not set");
  }
  const Layout& lw = *lw_;
  const int aw = p_.aw, ah = p_.ah;
  const int nvn = static_cast<int>(vn);
  const std::uint32_t gr_mask = (1U << in.grlog) - 1, gc_mask = (1U << in.gclog) - 1;
  std::vector<int> owner(static_cast<std::size_t>(aw));
  std::vector<std::uint64_t> owner_line(static_cast<std::size_t>(aw));
  for (int r = 0; r < nvn; ++r) {
    for (int e = 0; e < nvn; ++e) {
      std::fill(owner.begin(), owner.end(), -1);
      for (int c = 0; c < aw; ++c) {
        const auto uc = static_cast<std::uint32_t>(c);
        const std::uint64_t kg = uc >> in.grlog;
        const std::uint32_t x = uc & gr_mask;
        const std::uint64_t nsub = x & gc_mask;
        const std::uint64_t n =
            in.n0 + static_cast<std::uint64_t>(r) + static_cast<std::uint64_t>(ah) * nsub;
        const std::uint64_t j = in.j0 + kg;
        std::uint8_t w = zp_w_;
        if (lw.in_range(n, j)) {
          const auto ad = lw.addr(n, j, static_cast<std::uint32_t>(e), aw, ah);
          const auto b = static_cast<std::size_t>(ad.bank);
          if (owner[b] >= 0 && owner_line[b] != ad.line) {
            const int c0 = owner[b];
            return fail(Err::kWConflict,
                        fmt::format("ExecuteMapping step {} (row {}, element {}): columns {} and "
                                    "{} read WBUF bank {} at lines {} and {} (WVN(j={}, n={}) "
                                    "and WVN(j={}, n={}))",
                                    r * nvn + e, r, e, c0, c, ad.bank, owner_line[b], ad.line,
                                    in.j0 + (static_cast<std::uint32_t>(c0) >> in.grlog),
                                    in.n0 + static_cast<std::uint64_t>(r) +
                                        static_cast<std::uint64_t>(ah) *
                                            (static_cast<std::uint32_t>(c0) & gr_mask & gc_mask),
                                    j, n));
          }
          owner[b] = c;
          owner_line[b] = ad.line;
          w = wbuf_[widx(static_cast<int>(ad.bank), ad.line)];
        }
        pe_w_[pidx(r, c, e)] = w;
      }
    }
  }
  ++corners_.layouts[0][lw.order][lw.f1 != lw.f2 ? 1 : 0];  // the WVN layout, used
  vn_changed_ = map_ && map_->vn != vn;
  if (vn_changed_ && prev_op_ == Op::kStream) corners_.add(Corners::kMapVnChangeAfterStream);
  map_ = Mapping{in.j0, in.n0, in.grlog, in.gclog, vn};
  return Err::kNone;
}

void Golden::note_requant(std::int32_t v, std::int32_t scale, std::uint8_t ozp) {
  const std::int64_t prod = std::int64_t{v} * std::int64_t{scale};
  if ((prod & 0xFFFFFF) == 0x800000) {
    corners_.add(prod > 0 ? Corners::kTiePositive : Corners::kTieNegative);
  }
  const std::int64_t r = ((prod + (std::int64_t{1} << 23)) >> 24) + std::int64_t{ozp};
  if (r < qlo_) corners_.add(Corners::kClampLo);
  if (r > qhi_) corners_.add(Corners::kClampHi);
}

Err Golden::stream(const Instr& in) {
  if (in.t == 0) return fail(Err::kField, "ExecuteStreaming: T = 0");
  if (!map_) return fail(Err::kState, "ExecuteStreaming: no ExecuteMapping before it");
  if (!li_) return fail(Err::kState, "ExecuteStreaming: the IVN layout (SetIVNLayout) is not set");
  if (!lo_) return fail(Err::kState, "ExecuteStreaming: the OVN layout (SetOVNLayout) is not set");
  if (vn_changed_ && prev_op_ == Op::kMap) corners_.add(Corners::kStreamAfterVnChange);
  const Mapping mp = *map_;
  const Layout& li = *li_;
  const Layout& lo = *lo_;
  // The requantized bytes land in the streaming buffer at the output lines plus qoff:
  // SetOVNLayout checked the layout against OD only, so with quant it must also fit SD (else a
  // line >= SD would be written; found by fuzz_isa_golden with OD > SD).
  if (in.quant) {
    const std::uint64_t end = sat_add(lo.end_line(p_.aw, p_.ah), lo.qoff);
    if (end > static_cast<std::uint64_t>(p_.sd)) {
      return fail(Err::kLayoutRange,
                  fmt::format("ExecuteStreaming quant=1: OVN layout {} last line {} (+ qoff) not "
                              "below SD = {} (requantized outputs go to the streaming buffer)",
                              lo.to_string(), end - 1, p_.sd));
    }
  }
  const birrd::Config cfg = in.birrd.lanes == 0 ? birrd::Config(topo_) : in.birrd;
  const int aw = p_.aw, ah = p_.ah, ahl = p_.ahl();
  const int vn = static_cast<int>(mp.vn);
  const std::uint32_t gr = 1U << mp.grlog, gr_mask = gr - 1, gc_mask = (1U << mp.gclog) - 1;
  const auto uah = static_cast<std::uint64_t>(ah);
  const std::size_t naw = static_cast<std::size_t>(aw);

  std::vector<std::uint64_t> col_m(naw), col_j(naw);
  std::vector<bool> col_in(naw);
  std::vector<std::uint8_t> act(naw * static_cast<std::size_t>(ah));  // [c][e]
  std::vector<int> owner(naw);
  std::vector<std::uint64_t> owner_line(naw);
  std::vector<std::uint32_t> psum(static_cast<std::size_t>(vn) * naw);  // [r][c]
  std::vector<birrd::Lane<std::uint32_t>> lanes(naw);
  std::vector<bool> valid(naw);
  struct Group {
    std::uint64_t m, n, q;
    std::uint32_t e;
    bool live;
    Layout::Addr addr;
  };
  std::vector<Group> groups(gr);
  auto add = [](std::uint32_t a, std::uint32_t b) { return a + b; };

  for (std::uint64_t t = 0; t < in.t; ++t) {
    ++steps_;
    const std::uint64_t mt = sat_add(in.m0, sat_mul(in.sm, t));
    for (std::size_t c = 0; c < naw; ++c) {
      const auto uc = static_cast<std::uint32_t>(c);
      const std::uint32_t x = uc & gr_mask;
      col_m[c] = sat_add(mt, x >> mp.gclog);
      col_j[c] = mp.j0 + (uc >> mp.grlog);
      if (const Window& w = li.window; w.on) {
        // Direct convolution: the pixel of output position sm*t + rep, or padding.
        const std::uint64_t pos = sat_add(sat_mul(in.sm, t), x >> mp.gclog);
        const std::uint64_t dx = sat_mul(pos, w.stride);
        const bool x_in = dx < kSatMax / 2 && in.ix0 + static_cast<std::int64_t>(dx) >= 0 &&
                          in.ix0 + static_cast<std::int64_t>(dx) < static_cast<std::int64_t>(w.iw);
        const bool y_in = in.iy0 >= 0 && in.iy0 < static_cast<std::int64_t>(w.ih);
        col_in[c] = false;
        if (x_in && y_in) {
          col_m[c] = static_cast<std::uint64_t>(in.iy0) * w.iw +
                     static_cast<std::uint64_t>(in.ix0 + static_cast<std::int64_t>(dx));
          col_in[c] = li.in_range(col_m[c], col_j[c]);
        }
        continue;
      }
      col_in[c] = li.in_range(col_m[c], col_j[c]);
    }
    // Beats: every column reads element e of its IVN.
    for (int e = 0; e < vn; ++e) {
      std::fill(owner.begin(), owner.end(), -1);
      for (std::size_t c = 0; c < naw; ++c) {
        std::uint8_t a = zp_a_;
        if (col_in[c]) {
          const auto ad = li.addr(col_m[c], col_j[c], static_cast<std::uint32_t>(e), aw, ah);
          const auto b = static_cast<std::size_t>(ad.bank);
          if (owner[b] >= 0 && owner_line[b] != ad.line) {
            const auto c0 = static_cast<std::size_t>(owner[b]);
            return fail(Err::kSConflict,
                        fmt::format("ExecuteStreaming step {} beat {}: columns {} and {} read "
                                    "SBUF bank {} at lines {} and {} (IVN(m={}, j={}) and "
                                    "IVN(m={}, j={}))",
                                    t, e, c0, c, ad.bank, owner_line[b], ad.line, col_m[c0],
                                    col_j[c0], col_m[c], col_j[c]));
          }
          owner[b] = static_cast<int>(c);
          owner_line[b] = ad.line;
          a = sbuf_[sidx(half_, static_cast<int>(ad.bank), ad.line)];
        }
        act[c * static_cast<std::size_t>(ah) + static_cast<std::size_t>(e)] = a;
      }
    }
    // Column partial sums.
    for (int r = 0; r < vn; ++r) {
      for (std::size_t c = 0; c < naw; ++c) {
        std::uint32_t s = 0;
        for (int e = 0; e < vn; ++e) {
          const int da =
              int{act[c * static_cast<std::size_t>(ah) + static_cast<std::size_t>(e)]} - int{zp_a_};
          const int dw = int{pe_w_[pidx(r, static_cast<int>(c), e)]} - int{zp_w_};
          s += static_cast<std::uint32_t>(da * dw);
        }
        psum[static_cast<std::size_t>(r) * naw + c] = s;
      }
    }
    // Rows: reduce through BIRRD, check, write.
    for (int r = 0; r < vn; ++r) {
      for (std::size_t c = 0; c < naw; ++c) {
        lanes[c] = birrd::Lane<std::uint32_t>{psum[static_cast<std::size_t>(r) * naw + c], true};
      }
      const auto out = birrd::evaluate(topo_, cfg, lanes, add);
      for (std::size_t i = 0; i < naw; ++i) valid[i] = out[i].valid && cfg.mask.test(i);
      for (std::uint32_t x = 0; x < gr; ++x) {
        Group& g = groups[x];
        g.m = sat_add(mt, x >> mp.gclog);
        g.n = mp.n0 + static_cast<std::uint64_t>(r) + uah * (x & gc_mask);
        g.q = g.n >> ahl;
        g.e = static_cast<std::uint32_t>(g.n & (uah - 1));
        g.live = lo.in_range(g.m, g.q);
        if (g.live) g.addr = lo.addr(g.m, g.q, g.e, aw, ah);
      }
      auto where = [&](std::uint32_t x) {
        const Group& g = groups[x];
        return fmt::format("group {} (O[m={}][n={}] = OVN(m={}, q={}) element {}, bank {} line {})",
                           x, g.m, g.n, g.m, g.q, g.e, g.addr.bank, g.addr.line);
      };
      // 1. two live groups in one bank
      for (std::uint32_t x = 0; x < gr; ++x) {
        if (!groups[x].live) continue;
        for (std::uint32_t y = 0; y < x; ++y) {
          if (groups[y].live && groups[y].addr.bank == groups[x].addr.bank) {
            return fail(Err::kOConflict,
                        fmt::format("ExecuteStreaming step {} row {}: {} and {} both write OBUF "
                                    "bank {}",
                                    t, r, where(y), where(x), groups[x].addr.bank));
          }
        }
      }
      // 2. a live group whose lane has no valid result
      for (std::uint32_t x = 0; x < gr; ++x) {
        const Group& g = groups[x];
        if (g.live && !valid[g.addr.bank]) {
          return fail(Err::kOMissing,
                      fmt::format("ExecuteStreaming step {} row {}: {} gets no valid BIRRD result "
                                  "on lane {} (mask & BIRRD valid = {})",
                                  t, r, where(x), g.addr.bank, lanes_hex(valid)));
        }
      }
      // 3. requantization channel out of the table
      if (in.quant) {
        for (std::uint32_t x = 0; x < gr; ++x) {
          const Group& g = groups[x];
          if (g.live && g.n >= static_cast<std::uint64_t>(p_.qd)) {
            return fail(Err::kQRange,
                        fmt::format("ExecuteStreaming step {} row {}: {} needs requantization "
                                    "channel n = {} >= QD = {}",
                                    t, r, where(x), g.n, p_.qd));
          }
        }
      }
      // 4. writes
      for (std::uint32_t x = 0; x < gr; ++x) {
        const Group& g = groups[x];
        if (!g.live) continue;
        const int bank = static_cast<int>(g.addr.bank);
        std::uint32_t& o = obuf_[oidx(bank, g.addr.line)];
        o = (in.acc ? o : 0U) + out[g.addr.bank].value;
        ++writes_;
        if (g.addr.line + 1 == static_cast<std::uint64_t>(p_.od)) {
          corners_.add(Corners::kOutputLastLine);
        }
        if (in.quant) {
          const auto n = static_cast<std::size_t>(g.n);
          note_requant(static_cast<std::int32_t>(o), scale_[n], ozp_[n]);
          if (g.n + 1 == static_cast<std::uint64_t>(p_.qd))
            corners_.add(Corners::kQuantLastChannel);
          if (g.addr.line + lo.qoff + 1 == static_cast<std::uint64_t>(p_.sd)) {
            corners_.add(Corners::kQuantLastLine);
          }
          const std::uint8_t q =
              requant(static_cast<std::int32_t>(o), scale_[n], ozp_[n], qlo_, qhi_);
          sbuf_[sidx(1 - half_, bank, g.addr.line + lo.qoff)] = lut_on_ ? lut_[q] : q;
        }
      }
    }
  }
  ++corners_.layouts[1][li.order][li.f1 != li.f2 ? 1 : 0];  // the IVN and OVN layouts, used
  ++corners_.layouts[2][lo.order][lo.f1 != lo.f2 ? 1 : 0];
  return Err::kNone;
}

}  // namespace feather::top
