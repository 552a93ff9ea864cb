#include "feather/birrd/target.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <numeric>
#include <stdexcept>

namespace feather::birrd {

Target Target::from_groups(int lanes, const std::vector<std::vector<int>>& groups,
                           const std::vector<int>& ports) {
  if (groups.size() != ports.size()) {
    throw std::invalid_argument("Target::from_groups: one port per group is required");
  }
  Target t(lanes);
  for (std::size_t k = 0; k < groups.size(); ++k) {
    int p = ports[k];
    if (p < 0 || p >= lanes) {
      throw std::invalid_argument(fmt::format("output port {} out of range 0..{}", p, lanes - 1));
    }
    for (int j : groups[k]) {
      if (j < 0 || j >= lanes) {
        throw std::invalid_argument(fmt::format("input lane {} out of range 0..{}", j, lanes - 1));
      }
      t.out[static_cast<std::size_t>(p)].set(static_cast<std::size_t>(j));
    }
  }
  return t;
}

Target Target::permutation(const std::vector<int>& perm) {
  const int n = static_cast<int>(perm.size());
  Target t(n);
  for (int j = 0; j < n; ++j) {
    int p = perm[static_cast<std::size_t>(j)];
    if (p < 0 || p >= n) {
      throw std::invalid_argument(fmt::format("output port {} out of range 0..{}", p, n - 1));
    }
    t.out[static_cast<std::size_t>(p)].set(static_cast<std::size_t>(j));
  }
  return t;
}

LaneSet Target::result_mask() const {
  LaneSet m;
  for (int p = 0; p < lanes; ++p) {
    if (out[static_cast<std::size_t>(p)].any()) m.set(static_cast<std::size_t>(p));
  }
  return m;
}

std::string Target::to_string() const {
  std::string s;
  for (int p = 0; p < lanes; ++p) {
    const auto& set = out[static_cast<std::size_t>(p)];
    if (set.none()) continue;
    if (!s.empty()) s += ' ';
    s += fmt::format("{}<-", p);
    bool first = true;
    for (int j = 0; j < lanes; ++j) {
      if (!set.test(static_cast<std::size_t>(j))) continue;
      if (!first) s += '+';
      s += fmt::format("{}", j);
      first = false;
    }
  }
  return s;
}

namespace {

int parse_int(std::string_view tok, std::string_view what, std::string_view entry) {
  int v = 0;
  auto [ptr, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
  if (tok.empty() || ec != std::errc() || ptr != tok.data() + tok.size()) {
    throw std::invalid_argument(
        fmt::format("target entry '{}': {} '{}' is not a number", entry, what, tok));
  }
  return v;
}

}  // namespace

Target parse_target(int lanes, std::string_view text) {
  if (lanes < 1 || lanes > kMaxLanes) {
    throw std::invalid_argument(
        fmt::format("target lanes {} out of range 1..{}", lanes, kMaxLanes));
  }
  Target t(lanes);
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() &&
           (text[i] == ' ' || text[i] == ',' || text[i] == '\t' || text[i] == '\n')) {
      ++i;
    }
    if (i >= text.size()) break;
    std::size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != ',' && text[j] != '\t' &&
           text[j] != '\n') {
      ++j;
    }
    std::string_view entry = text.substr(i, j - i);
    i = j;
    std::size_t arrow = entry.find("<-");
    std::size_t sep_len = 2;
    if (arrow == std::string_view::npos) {
      arrow = entry.find('_');
      sep_len = 1;
    }
    if (arrow == std::string_view::npos) {
      throw std::invalid_argument(
          fmt::format("target entry '{}': expected PORT<-LANE+LANE+...", entry));
    }
    int port = parse_int(entry.substr(0, arrow), "port", entry);
    if (port < 0 || port >= lanes) {
      throw std::invalid_argument(fmt::format(
          "target entry '{}': output port {} out of range 0..{}", entry, port, lanes - 1));
    }
    auto& set = t.out[static_cast<std::size_t>(port)];
    if (set.any()) {
      throw std::invalid_argument(
          fmt::format("target entry '{}': output port {} is given twice", entry, port));
    }
    std::string_view rest = entry.substr(arrow + sep_len);
    if (rest.empty()) {
      throw std::invalid_argument(fmt::format("target entry '{}': empty lane list", entry));
    }
    std::size_t k = 0;
    while (k <= rest.size()) {
      std::size_t plus = rest.find('+', k);
      if (plus == std::string_view::npos) plus = rest.size();
      int lane = parse_int(rest.substr(k, plus - k), "lane", entry);
      if (lane < 0 || lane >= lanes) {
        throw std::invalid_argument(fmt::format(
            "target entry '{}': input lane {} out of range 0..{}", entry, lane, lanes - 1));
      }
      if (set.test(static_cast<std::size_t>(lane))) {
        throw std::invalid_argument(
            fmt::format("target entry '{}': input lane {} listed twice", entry, lane));
      }
      set.set(static_cast<std::size_t>(lane));
      k = plus + 1;
    }
  }
  return t;
}

std::string_view to_string(TargetClass c) {
  switch (c) {
    case TargetClass::kPermutation:
      return "permutation";
    case TargetClass::kContiguousEqual:
      return "contiguous-equal";
    case TargetClass::kContiguousVarying:
      return "contiguous-varying";
    case TargetClass::kArbitraryPartition:
      return "arbitrary-partition";
    case TargetClass::kFeatherGroups:
      return "feather-groups";
  }
  return "?";
}

Target random_target(TargetClass c, int lanes, std::mt19937_64& rng, int group) {
  std::vector<std::vector<int>> groups;
  auto random_ports = [&](std::size_t k) {
    std::vector<int> ports(static_cast<std::size_t>(lanes));
    std::iota(ports.begin(), ports.end(), 0);
    std::shuffle(ports.begin(), ports.end(), rng);
    ports.resize(k);
    return ports;
  };
  auto consecutive = [&](int g) {
    for (int start = 0; start < lanes; start += g) {
      std::vector<int> grp(static_cast<std::size_t>(g));
      std::iota(grp.begin(), grp.end(), start);
      groups.push_back(std::move(grp));
    }
  };
  switch (c) {
    case TargetClass::kPermutation: {
      auto perm = random_ports(static_cast<std::size_t>(lanes));
      return Target::permutation(perm);
    }
    case TargetClass::kContiguousEqual: {
      int log2 = 0;
      while ((1 << log2) < lanes) ++log2;
      int g = 1 << std::uniform_int_distribution<int>(1, log2)(rng);
      consecutive(g);
      std::vector<int> ports;
      for (std::size_t k = 0; k < groups.size(); ++k) ports.push_back(static_cast<int>(k) * g);
      return Target::from_groups(lanes, groups, ports);
    }
    case TargetClass::kContiguousVarying: {
      int start = 0;
      while (start < lanes) {
        int g = std::uniform_int_distribution<int>(1, std::max(1, lanes / 2))(rng);
        g = std::min(g, lanes - start);
        std::vector<int> grp(static_cast<std::size_t>(g));
        std::iota(grp.begin(), grp.end(), start);
        groups.push_back(std::move(grp));
        start += g;
      }
      break;
    }
    case TargetClass::kArbitraryPartition: {
      // Random number of groups, every lane assigned to a random group, empty groups dropped.
      int k = std::uniform_int_distribution<int>(1, lanes)(rng);
      groups.assign(static_cast<std::size_t>(k), {});
      std::uniform_int_distribution<int> pick(0, k - 1);
      for (int j = 0; j < lanes; ++j) groups[static_cast<std::size_t>(pick(rng))].push_back(j);
      std::erase_if(groups, [](const auto& g) { return g.empty(); });
      break;
    }
    case TargetClass::kFeatherGroups: {
      if (group < 1 || group > lanes || (group & (group - 1)) != 0) {
        throw std::invalid_argument(
            fmt::format("feather-groups: G = {} must be a power of two <= {}", group, lanes));
      }
      consecutive(group);
      break;
    }
  }
  return Target::from_groups(lanes, groups, random_ports(groups.size()));
}

}  // namespace feather::birrd
