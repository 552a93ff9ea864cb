// The instruction stream of a mapped layer (layer_stream.hpp).
#include "layer_stream.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "feather/top/schedule.hpp"

namespace feather::map::detail {

namespace {

using u64 = std::uint64_t;
using top::Op;
using top::Target;

bool is(std::uint32_t target, Target t) { return target == static_cast<std::uint32_t>(t); }

// The lines a tile's program uses in each region, from line 0.
Regions extent(const top::TopParams& p, const std::vector<top::Instr>& prog) {
  Regions e;
  for (const top::Instr& in : prog) {
    const u64 end = in.layout.end_line(p.aw, p.ah);
    switch (in.op) {
      case Op::kSetWvnLayout:
        e.w = std::max(e.w, end);
        break;
      case Op::kSetIvnLayout:
        e.i = std::max(e.i, end);
        break;
      case Op::kSetOvnLayout:
        e.o = std::max(e.o, end);
        break;
      case Op::kLoad:
      case Op::kStore: {
        const u64 last = in.line + in.count;
        if (is(in.target, Target::kWbuf)) e.w = std::max(e.w, last);
        if (in.op == Op::kLoad && is(in.target, Target::kSbufActive)) e.i = std::max(e.i, last);
        if (in.op == Op::kStore && !is(in.target, Target::kWbuf)) e.o = std::max(e.o, last);
        break;
      }
      default:
        break;
    }
  }
  return e;
}

// Which operand an instruction belongs to: 'w' (stationary), 'a' (streamed input), 'o', or 0.
char operand(const top::Instr& in) {
  switch (in.op) {
    case Op::kSetWvnLayout:
      return 'w';
    case Op::kSetIvnLayout:
      return 'a';
    case Op::kSetOvnLayout:
      return 'o';
    case Op::kLoad:
      if (is(in.target, Target::kWbuf)) return 'w';
      if (is(in.target, Target::kSbufActive)) return 'a';
      return 0;  // the tables
    case Op::kStore:
      return 'o';
    default:
      return 0;
  }
}

// The instructions that put operand `which` in place (its layouts and Loads, without the
// off-chip addresses): equal for two tiles = the same lines get the same bytes, given equal keys.
std::vector<top::Instr> operand_setup(const std::vector<top::Instr>& prog, char which) {
  std::vector<top::Instr> v;
  for (top::Instr in : prog) {
    if (operand(in) != which) continue;
    in.addr = 0;
    v.push_back(in);
  }
  return v;
}

// Whether two of the Loads meet (the tile reloads lines, e.g. one conv group's weights after
// another's: what stays in the buffer is not all it loaded, so the next tile cannot reuse it).
bool reloads(const std::vector<top::Instr>& setup) {
  for (std::size_t i = 0; i < setup.size(); ++i) {
    for (std::size_t j = i + 1; j < setup.size(); ++j) {
      const top::Instr &a = setup[i], &b = setup[j];
      if (a.op == Op::kLoad && b.op == Op::kLoad && a.target == b.target &&
          a.line < b.line + b.count && b.line < a.line + a.count) {
        return true;
      }
    }
  }
  return false;
}

bool same(const std::vector<top::Instr>& x, const std::vector<top::Instr>& y) {
  if (x.size() != y.size()) return false;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const top::Instr &a = x[i], &b = y[i];
    if (a.op != b.op || !(a.layout == b.layout) || a.target != b.target || a.line != b.line ||
        a.count != b.count) {
      return false;
    }
  }
  return true;
}

// The program moved to its regions (layouts' bases, the lines of Loads and Stores), its
// off-chip addresses moved by `addr`, the Loads of reused operands dropped.
void append_placed(std::vector<top::Instr>& out, const std::vector<top::Instr>& prog,
                   const TilePlace& pl, u64 addr) {
  const Regions& r = pl.r;
  for (top::Instr in : prog) {
    const char o = operand(in);
    if (in.op == Op::kLoad && ((o == 'a' && pl.reuse_a) || (o == 'w' && pl.reuse_w))) continue;
    switch (in.op) {
      case Op::kSetWvnLayout:
        in.layout.base += r.w;
        break;
      case Op::kSetIvnLayout:
        in.layout.base += r.i;
        break;
      case Op::kSetOvnLayout:
        in.layout.base += r.o;
        if (pl.qoff) in.layout.qoff = *pl.qoff;
        break;
      case Op::kLoad:
      case Op::kStore:
        in.addr += addr;
        if (o == 'w') {
          in.line += r.w;
        } else if (o == 'a') {
          in.line += r.i;
        } else if (o == 'o' && !is(in.target, Target::kWbuf)) {
          in.line += r.o;
        } else if (!is(in.target, Target::kScale) && !is(in.target, Target::kOzp) &&
                   !is(in.target, Target::kLut)) {
          throw std::logic_error(fmt::format("layer stream: a tile program {} is not relocatable",
                                             top::disassemble(in)));
        }
        break;
      default:
        break;
    }
    out.push_back(in);
  }
}

}  // namespace

std::vector<TilePlace> place_tiles(const top::TopParams& p, const std::vector<TileProgram>& tiles) {
  const auto sd = static_cast<u64>(p.sd), wd = static_cast<u64>(p.wd),
             od = std::min(static_cast<u64>(p.od), sd);
  std::vector<TilePlace> pl(tiles.size());
  std::vector<char> fixed_i(tiles.size(), 0);  // no Load of the input: it stays where it is
  bool halves = tiles.size() > 1;
  for (std::size_t k = 0; k < tiles.size(); ++k) {
    const Regions e = extent(p, *tiles[k].instrs);
    const auto& in = *tiles[k].instrs;
    const bool loads_a = std::any_of(in.begin(), in.end(), [](const top::Instr& x) {
      return x.op == Op::kLoad && is(x.target, Target::kSbufActive);
    });
    halves =
        halves && e.w <= wd / 2 && (!loads_a || e.i <= sd / 2) && (tiles[k].image || e.o <= od / 2);
    fixed_i[k] = loads_a ? 0 : 1;
    if (tiles[k].image) pl[k].qoff = tiles[k].qoff;
    if (k == 0) continue;
    const auto& cur = *tiles[k].instrs;
    const auto& prev = *tiles[k - 1].instrs;
    const auto a = operand_setup(cur, 'a'), w = operand_setup(cur, 'w');
    pl[k].reuse_a =
        tiles[k].a_key == tiles[k - 1].a_key && !reloads(a) && same(a, operand_setup(prev, 'a'));
    pl[k].reuse_w =
        tiles[k].w_key == tiles[k - 1].w_key && !reloads(w) && same(w, operand_setup(prev, 'w'));
  }
  if (!halves) return pl;
  for (std::size_t k = 1; k < tiles.size(); ++k) {
    const Regions& q = pl[k - 1].r;
    Regions& r = pl[k].r;
    r.w = pl[k].reuse_w ? q.w : wd / 2 - q.w;
    r.i = fixed_i[k] ? 0 : pl[k].reuse_a ? q.i : sd / 2 - q.i;
    r.o = tiles[k].image ? 0 : tiles[k].first_chunk ? od / 2 - q.o : q.o;
  }
  return pl;
}

std::vector<top::Instr> layer_stream(const top::TopParams& p, const std::vector<TileProgram>& tiles,
                                     const std::vector<TilePlace>& places, bool shift_addresses,
                                     const top::TimingOptions& timing, bool swap_at_end) {
  std::vector<top::Instr> all;
  u64 addr = 0;
  for (std::size_t k = 0; k < tiles.size(); ++k) {
    append_placed(all, *tiles[k].instrs, places[k], shift_addresses ? addr : 0);
    addr += tiles[k].mem_words;
  }
  if (swap_at_end) all.push_back(top::Instr::config(0, 0, true));
  top::ScheduleOptions so;
  so.timing = timing;
  return top::schedule(p, all, so);
}

top::OutputPlacement relocated(top::OutputPlacement o, const Regions& r) {
  o.layout.base += r.o;
  return o;
}

}  // namespace feather::map::detail
