// Constructive routing on the Benes wiring (docs/birrd.md, "Constructive routing").
//
// Logical view: stage k exchanges bit b(k) of a lane position (b = 0,1,..,L-1,..,1,0). A
// subnetwork at depth d is the set of positions with fixed low d bits; its first stage (k = d)
// pairs sub-lanes 2i and 2i+1, its last stage (k = T-1-d) likewise, and between them sit two
// subnetworks of half size (child c = positions whose bit d is c).
//
// Every group is an aligned block of 2^m sub-lanes. A block of two or more lanes merges pairwise
// in the first stage and continues, half as large, in one child; a singleton goes to one child.
// Two singletons on one first-stage switch must take different children, and so must two groups
// whose outputs share a last-stage switch. Every group has at most one constraint of each kind,
// so the constraint graph is a union of paths and even cycles: always 2-colourable (the Benes
// looping argument). Recursing to 2-lane subnetworks routes the target.
#include <fmt/format.h>

#include <stdexcept>
#include <vector>

#include "feather/birrd/router.hpp"

namespace feather::birrd {

namespace {

struct GroupInfo {
  int port = -1;
};

class BenesRouter {
 public:
  BenesRouter(const Topology& t, std::vector<GroupInfo> groups, Config& cfg)
      : t_(t), groups_(std::move(groups)), cfg_(cfg), color_(groups_.size(), -1) {}

  void run(const std::vector<int>& items) { rec(0, 0, items); }

 private:
  // Physical switch for logical stage k pairing global positions x0 (bit b(k) == 0) and x0|bit.
  void set_mode(int k, int x0, Mode m) {
    int b = t_.benes_bit(k);
    int phys = x0;
    if (b != 0) {
      // exchange bit 0 and bit b; bit b of x0 is 0, so the result has bit 0 == 0
      int b0 = x0 & 1;
      phys = (x0 & ~1 & ~(1 << b)) | (b0 << b);
    }
    cfg_.at(k, phys >> 1) = m;
  }

  void rec(int d, int low, const std::vector<int>& items) {
    const int n = static_cast<int>(items.size());
    const int first = d;
    const int last = t_.stages() - 1 - d;
    auto pos = [&](int sub) { return (sub << d) | low; };
    auto outsub = [&](int g) { return groups_[static_cast<std::size_t>(g)].port >> d; };
    if (n == 2) {
      int a = items[0];
      int b = items[1];
      Mode m = Mode::kPass;
      if (a >= 0 && a == b) {
        m = outsub(a) == 0 ? Mode::kAddLo : Mode::kAddHi;
      } else if ((a >= 0 && outsub(a) == 1) || (b >= 0 && outsub(b) == 0)) {
        m = Mode::kSwap;
      }
      set_mode(first, pos(0), m);
      return;
    }
    // Which group owns each output sub-lane of this subnetwork.
    std::vector<int> owner(static_cast<std::size_t>(n), -1);
    std::vector<int> present;
    for (int u = 0; u < n; ++u) {
      int g = items[static_cast<std::size_t>(u)];
      if (g < 0) continue;
      auto& c = color_[static_cast<std::size_t>(g)];
      if (c == -2) continue;  // already listed at this level
      c = -2;
      present.push_back(g);
      owner[static_cast<std::size_t>(outsub(g))] = g;
    }
    for (int g : present) color_[static_cast<std::size_t>(g)] = -1;
    // Input partner (two singletons on one switch) for every group.
    std::vector<int> in_partner(groups_.size(), -1);
    std::vector<int> slot(groups_.size(), -1);  // first-stage switch of a singleton
    for (int i = 0; i < n / 2; ++i) {
      int a = items[static_cast<std::size_t>(2 * i)];
      int b = items[static_cast<std::size_t>(2 * i + 1)];
      if (a >= 0 && b >= 0 && a != b) {
        in_partner[static_cast<std::size_t>(a)] = b;
        in_partner[static_cast<std::size_t>(b)] = a;
      }
    }
    (void)slot;
    // 2-colour the paths and even cycles.
    std::vector<int> stack;
    for (int g0 : present) {
      if (color_[static_cast<std::size_t>(g0)] >= 0) continue;
      color_[static_cast<std::size_t>(g0)] = 0;
      stack.push_back(g0);
      while (!stack.empty()) {
        int g = stack.back();
        stack.pop_back();
        int cg = color_[static_cast<std::size_t>(g)];
        int nbrs[2] = {in_partner[static_cast<std::size_t>(g)],
                       owner[static_cast<std::size_t>(outsub(g) ^ 1)]};
        for (int h : nbrs) {
          if (h < 0) continue;
          int& ch = color_[static_cast<std::size_t>(h)];
          if (ch < 0) {
            ch = 1 - cg;
            stack.push_back(h);
          } else if (ch == cg) {
            throw std::logic_error("Benes looping: constraint graph is not bipartite");
          }
        }
      }
    }
    // First stage.
    std::vector<int> child[2] = {std::vector<int>(static_cast<std::size_t>(n / 2), -1),
                                 std::vector<int>(static_cast<std::size_t>(n / 2), -1)};
    for (int i = 0; i < n / 2; ++i) {
      int a = items[static_cast<std::size_t>(2 * i)];
      int b = items[static_cast<std::size_t>(2 * i + 1)];
      Mode m = Mode::kPass;
      if (a >= 0 && a == b) {
        int c = color_[static_cast<std::size_t>(a)];
        m = c == 0 ? Mode::kAddLo : Mode::kAddHi;
        child[c][static_cast<std::size_t>(i)] = a;
      } else {
        bool swap = (a >= 0 && color_[static_cast<std::size_t>(a)] == 1) ||
                    (b >= 0 && color_[static_cast<std::size_t>(b)] == 0);
        m = swap ? Mode::kSwap : Mode::kPass;
        if (a >= 0) child[color_[static_cast<std::size_t>(a)]][static_cast<std::size_t>(i)] = a;
        if (b >= 0) child[color_[static_cast<std::size_t>(b)]][static_cast<std::size_t>(i)] = b;
      }
      set_mode(first, pos(2 * i), m);
    }
    // Last stage.
    for (int j = 0; j < n / 2; ++j) {
      int a = owner[static_cast<std::size_t>(2 * j)];
      int b = owner[static_cast<std::size_t>(2 * j + 1)];
      bool swap = (a >= 0 && color_[static_cast<std::size_t>(a)] == 1) ||
                  (b >= 0 && color_[static_cast<std::size_t>(b)] == 0);
      set_mode(last, pos(2 * j), swap ? Mode::kSwap : Mode::kPass);
    }
    for (int g : present) color_[static_cast<std::size_t>(g)] = -1;
    rec(d + 1, low, child[0]);
    rec(d + 1, low | (1 << d), child[1]);
  }

  const Topology& t_;
  std::vector<GroupInfo> groups_;
  Config& cfg_;
  std::vector<int> color_;
};

}  // namespace

bool constructive_applies(const Topology& t, const Target& target, std::string* why) {
  auto no = [&](std::string msg) {
    if (why) *why = std::move(msg);
    return false;
  };
  if (t.wiring() != Wiring::kBenes || !t.is_default_stages()) {
    return no(fmt::format("constructive routing needs the Benes wiring with {} stages, not {}",
                          Topology::default_stages(t.lanes(), Wiring::kBenes), t.name()));
  }
  if (validate_target(t, target)) return no("target is malformed");
  LaneSet used;
  for (int p = 0; p < t.lanes(); ++p) {
    const auto& s = target.out[static_cast<std::size_t>(p)];
    if (s.none()) continue;
    if ((used & s).any()) {
      return no(fmt::format("output port {} shares input lanes with another port", p));
    }
    used |= s;
    int lo = -1;
    int count = 0;
    for (int j = 0; j < t.lanes(); ++j) {
      if (s.test(static_cast<std::size_t>(j))) {
        if (lo < 0) lo = j;
        ++count;
      }
    }
    bool aligned = (count & (count - 1)) == 0 && lo % count == 0;
    for (int j = lo; aligned && j < lo + count; ++j) {
      aligned = s.test(static_cast<std::size_t>(j));
    }
    if (!aligned) {
      return no(fmt::format("the group at output port {} is not an aligned power-of-two block", p));
    }
  }
  return true;
}

Config route_constructive(const Topology& t, const Target& target) {
  std::string why;
  if (!constructive_applies(t, target, &why)) {
    throw std::invalid_argument("route_constructive: " + why);
  }
  Config cfg(t);
  cfg.mask = target.result_mask();
  std::vector<GroupInfo> groups;
  std::vector<int> items(static_cast<std::size_t>(t.lanes()), -1);
  for (int p = 0; p < t.lanes(); ++p) {
    const auto& s = target.out[static_cast<std::size_t>(p)];
    if (s.none()) continue;
    int g = static_cast<int>(groups.size());
    groups.push_back({p});
    for (int j = 0; j < t.lanes(); ++j) {
      if (s.test(static_cast<std::size_t>(j))) items[static_cast<std::size_t>(j)] = g;
    }
  }
  BenesRouter r(t, std::move(groups), cfg);
  r.run(items);
  return cfg;
}

}  // namespace feather::birrd
