// Exact routing by SAT (CaDiCaL). The encoding mirrors the symbolic semantics of
// evaluate_symbolic() exactly (docs/birrd.md, "Exact routing"):
// - per switch two mode bits m0, m1 (Mode = m1 m0: pass 00, add-lo 01, add-hi 10, swap 11);
// - per needed wire and relevant input j a variable "this wire's sum contains j";
// - per needed wire a variable "junk" implied whenever the wire may count an input twice or
//   carries a lane no target uses (sums only grow, so junk can never become a result).
// Output ports with a target must carry exactly their set and no junk. Wires that cannot reach
// a constrained output are not encoded. A redundant clause per stage and input ("some wire at
// this stage still carries j") helps propagation.
#include <fmt/format.h>

#include <cadical.hpp>

#include <chrono>
#include <initializer_list>
#include <vector>

#include "feather/birrd/router.hpp"

namespace feather::birrd {

namespace {

constexpr int kTrue = 1;
constexpr int kFalse = -1;

class Cnf {
 public:
  Cnf() {
    solver_.set("quiet", 1);  // no solver chatter on stdout
    solver_.add(kTrue);
    solver_.add(0);
  }
  int var() { return ++vars_; }
  void clause(std::initializer_list<int> lits) {
    buf_.clear();
    for (int l : lits) {
      if (l == kTrue) return;
      if (l == kFalse) continue;
      buf_.push_back(l);
    }
    commit();
  }
  void clause(const std::vector<int>& lits) {
    buf_.clear();
    for (int l : lits) {
      if (l == kTrue) return;
      if (l == kFalse) continue;
      buf_.push_back(l);
    }
    commit();
  }
  CaDiCaL::Solver& solver() { return solver_; }
  bool value(int lit) { return lit == kTrue || (lit != kFalse && solver_.val(lit) > 0); }
  long clauses() const { return clauses_; }
  int vars() const { return vars_; }

 private:
  void commit() {
    for (int l : buf_) solver_.add(l);
    solver_.add(0);
    ++clauses_;
  }
  CaDiCaL::Solver solver_;
  int vars_ = 1;
  long clauses_ = 1;
  std::vector<int> buf_;
};

class Deadline : public CaDiCaL::Terminator {
 public:
  explicit Deadline(double seconds)
      : end_(std::chrono::steady_clock::now() +
             std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                 std::chrono::duration<double>(seconds))) {}
  bool terminate() override { return std::chrono::steady_clock::now() > end_; }

 private:
  std::chrono::steady_clock::time_point end_;
};

struct Wire {
  std::vector<int> x;  // per relevant input
  int junk = kFalse;
  bool encoded = false;
};

}  // namespace

RouteResult route_sat(const Topology& t, const Target& target, double seconds) {
  RouteResult res;
  res.method = "sat";
  if (auto problem = validate_target(t, target)) {
    res.status = RouteStatus::kInvalid;
    res.reason = *problem;
    return res;
  }
  const int n = t.lanes();
  const int stages = t.stages();
  const auto nz = static_cast<std::size_t>(n);
  // Relevant inputs.
  std::vector<int> rel;
  std::vector<int> rel_index(nz, -1);
  LaneSet used;
  for (const auto& s : target.out) used |= s;
  for (int j = 0; j < n; ++j) {
    if (used.test(static_cast<std::size_t>(j))) {
      rel_index[static_cast<std::size_t>(j)] = static_cast<int>(rel.size());
      rel.push_back(j);
    }
  }
  const auto nr = rel.size();
  res.config = Config(t);
  res.config.mask = target.result_mask();
  if (nr == 0) {
    res.status = RouteStatus::kRouted;
    return res;
  }

  // Forward reachability (which relevant inputs can reach each stage output) and backward
  // need (which stage outputs can reach a constrained output).
  std::vector<std::vector<LaneSet>> reach(static_cast<std::size_t>(stages),
                                          std::vector<LaneSet>(nz));
  {
    std::vector<LaneSet> in(nz);
    for (int j = 0; j < n; ++j) in[static_cast<std::size_t>(j)].set(static_cast<std::size_t>(j));
    for (int s = 0; s < stages; ++s) {
      auto& out = reach[static_cast<std::size_t>(s)];
      for (int i = 0; i < n / 2; ++i) {
        auto both = in[static_cast<std::size_t>(2 * i)] | in[static_cast<std::size_t>(2 * i + 1)];
        out[static_cast<std::size_t>(2 * i)] = both;
        out[static_cast<std::size_t>(2 * i + 1)] = both;
      }
      if (s + 1 < stages) {
        for (int p = 0; p < n; ++p)
          in[static_cast<std::size_t>(t.link(s, p))] = out[static_cast<std::size_t>(p)];
      }
    }
  }
  for (int p = 0; p < n; ++p) {
    const auto& want = target.out[static_cast<std::size_t>(p)];
    auto missing = want & ~reach[static_cast<std::size_t>(stages - 1)][static_cast<std::size_t>(p)];
    if (missing.any()) {
      int j = 0;
      while (!missing.test(static_cast<std::size_t>(j))) ++j;
      res.status = RouteStatus::kUnroutable;
      res.reason = fmt::format("input lane {} has no path to output port {} in {}", j, p, t.name());
      return res;
    }
  }
  std::vector<std::vector<char>> need(static_cast<std::size_t>(stages), std::vector<char>(nz, 0));
  for (int p = 0; p < n; ++p) {
    need[static_cast<std::size_t>(stages - 1)][static_cast<std::size_t>(p)] =
        target.out[static_cast<std::size_t>(p)].any() ? 1 : 0;
  }
  for (int s = stages - 2; s >= 0; --s) {
    for (int p = 0; p < n; ++p) {
      int q = t.link(s, p);
      int sw = q / 2;
      const auto& nx = need[static_cast<std::size_t>(s + 1)];
      need[static_cast<std::size_t>(s)][static_cast<std::size_t>(p)] =
          (nx[static_cast<std::size_t>(2 * sw)] || nx[static_cast<std::size_t>(2 * sw + 1)]) ? 1
                                                                                             : 0;
    }
  }

  Cnf cnf;
  // Stage inputs.
  std::vector<Wire> in(nz);
  for (int j = 0; j < n; ++j) {
    auto& w = in[static_cast<std::size_t>(j)];
    w.encoded = true;
    w.x.assign(nr, kFalse);
    int r = rel_index[static_cast<std::size_t>(j)];
    if (r >= 0) {
      w.x[static_cast<std::size_t>(r)] = kTrue;
      w.junk = kFalse;
    } else {
      w.junk = kTrue;
    }
  }
  std::vector<int> m0(static_cast<std::size_t>(stages * n / 2), 0);
  std::vector<int> m1(m0.size(), 0);
  std::vector<Wire> out(nz);
  for (int s = 0; s < stages; ++s) {
    const auto& nd = need[static_cast<std::size_t>(s)];
    for (int i = 0; i < n / 2; ++i) {
      auto lo_i = static_cast<std::size_t>(2 * i);
      auto hi_i = lo_i + 1;
      out[lo_i] = Wire{};
      out[hi_i] = Wire{};
      if (!nd[lo_i] && !nd[hi_i]) continue;
      const Wire& a = in[lo_i];
      const Wire& b = in[hi_i];
      const int v0 = cnf.var();
      const int v1 = cnf.var();
      m0[static_cast<std::size_t>(s * n / 2 + i)] = v0;
      m1[static_cast<std::size_t>(s * n / 2 + i)] = v1;
      for (int side = 0; side < 2; ++side) {
        auto oi = side == 0 ? lo_i : hi_i;
        if (!nd[oi]) continue;
        Wire& o = out[oi];
        o.encoded = true;
        o.x.assign(nr, kFalse);
        // lo: m0=0 -> a ; m0=1,m1=1 -> b ; m0=1,m1=0 -> a|b.
        // hi: m1=0 -> b ; m1=1,m0=1 -> a ; m1=1,m0=0 -> a|b.
        // "own" = the input kept when the selector is 0, "other" = the one brought in.
        const Wire& own = side == 0 ? a : b;
        const Wire& oth = side == 0 ? b : a;
        const int sel = side == 0 ? v0 : v1;  // 1: swap or add into this port
        const int add = side == 0 ? v1 : v0;  // with sel=1: 1 = swap, 0 = add into this port
        for (std::size_t r = 0; r < nr; ++r) {
          int ao = own.x[r];
          int bo = oth.x[r];
          if (ao == kFalse && bo == kFalse) continue;
          int v = cnf.var();
          o.x[r] = v;
          cnf.clause({sel, -ao, v});
          cnf.clause({sel, ao, -v});
          cnf.clause({-sel, -add, -bo, v});
          cnf.clause({-sel, -add, bo, -v});
          cnf.clause({-sel, add, -ao, v});
          cnf.clause({-sel, -bo, v});
          cnf.clause({-sel, add, ao, bo, -v});
        }
        // Junk (one direction suffices: it is only ever required to be false).
        bool may_overlap = false;
        for (std::size_t r = 0; r < nr && !may_overlap; ++r) {
          may_overlap = own.x[r] != kFalse && oth.x[r] != kFalse;
        }
        if (own.junk == kFalse && oth.junk == kFalse && !may_overlap) {
          o.junk = kFalse;
        } else {
          int j = cnf.var();
          o.junk = j;
          cnf.clause({sel, -own.junk, j});
          cnf.clause({-sel, -add, -oth.junk, j});
          cnf.clause({-sel, add, -own.junk, j});
          cnf.clause({-sel, add, -oth.junk, j});
          for (std::size_t r = 0; r < nr; ++r) {
            if (own.x[r] != kFalse && oth.x[r] != kFalse) {
              cnf.clause({-sel, add, -own.x[r], -oth.x[r], j});
            }
          }
        }
      }
    }
    // Redundant: every relevant input is still carried by some needed wire of this stage.
    for (std::size_t r = 0; r < nr; ++r) {
      std::vector<int> lits;
      for (int p = 0; p < n; ++p) {
        const auto& w = out[static_cast<std::size_t>(p)];
        if (w.encoded && w.x[r] != kFalse) lits.push_back(w.x[r]);
      }
      cnf.clause(lits);
    }
    if (s + 1 < stages) {
      std::vector<Wire> next(nz);
      for (int p = 0; p < n; ++p)
        next[static_cast<std::size_t>(t.link(s, p))] = std::move(out[static_cast<std::size_t>(p)]);
      in = std::move(next);
      out.assign(nz, Wire{});
    }
  }
  // Output constraints.
  for (int p = 0; p < n; ++p) {
    const auto& want = target.out[static_cast<std::size_t>(p)];
    if (want.none()) continue;
    const auto& w = out[static_cast<std::size_t>(p)];
    for (std::size_t r = 0; r < nr; ++r) {
      bool in_set = want.test(static_cast<std::size_t>(rel[r]));
      cnf.clause({in_set ? w.x[r] : -w.x[r]});
    }
    cnf.clause({-w.junk});
  }

  Deadline deadline(seconds);
  cnf.solver().connect_terminator(&deadline);
  int rc = cnf.solver().solve();
  cnf.solver().disconnect_terminator();
  if (rc == 10) {
    res.status = RouteStatus::kRouted;
    for (int s = 0; s < stages; ++s) {
      for (int i = 0; i < n / 2; ++i) {
        auto k = static_cast<std::size_t>(s * n / 2 + i);
        if (m0[k] == 0) continue;  // switch feeds no result: leave it passing
        int code = (cnf.value(m1[k]) ? 2 : 0) | (cnf.value(m0[k]) ? 1 : 0);
        res.config.at(s, i) = static_cast<Mode>(code);
      }
    }
  } else if (rc == 20) {
    res.status = RouteStatus::kUnroutable;
    res.reason = fmt::format(
        "no switch setting of {} realises the target (proved by SAT: {} variables, {} clauses)",
        t.name(), cnf.vars(), cnf.clauses());
  } else {
    res.status = RouteStatus::kUnknown;
    res.reason = fmt::format("SAT search on {} stopped at its {:.1f} s limit", t.name(), seconds);
  }
  return res;
}

}  // namespace feather::birrd
