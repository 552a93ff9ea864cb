// birrd_routability: routability of BIRRD candidates (wiring x stage count) per target class,
// decided exactly (SAT) for every target, printed as markdown tables.
//
// A target class is enumerated exhaustively when it has at most --exhaustive-limit targets,
// otherwise sampled: N random targets drawn once per (AW, class) from --seed and shared by every
// candidate.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "feather/birrd/router.hpp"
#include "feather/birrd/target.hpp"
#include "feather/birrd/topology.hpp"

namespace {

using feather::birrd::route;
using feather::birrd::RouteResult;
using feather::birrd::RouterOptions;
using feather::birrd::RouteStatus;
using feather::birrd::Target;
using feather::birrd::TargetClass;
using feather::birrd::Topology;
using feather::birrd::Wiring;

int log2_of(int n) {
  int l = 0;
  while ((1 << l) < n) ++l;
  return l;
}

// ---------------------------------------------------------------------------------------------
// Candidates

struct Candidate {
  std::string_view key;  // --candidates name
  std::string_view label;
  Wiring wiring;
  bool published;    // the wiring's published/default stage count (Topology default)
  int stage_offset;  // otherwise T = 2L + stage_offset
  bool benes_default;
};

constexpr Candidate kCandidates[] = {
    {"feather", "FEATHER T=2L (published)", Wiring::kFeather, true, 0, false},
    {"feather-2L-1", "FEATHER T=2L-1", Wiring::kFeather, false, -1, false},
    {"feather-2L+1", "FEATHER T=2L+1", Wiring::kFeather, false, 1, false},
    {"benes", "Benes T=2L-1 (default)", Wiring::kBenes, false, -1, true},
    {"benes-2L-2", "Benes T=2L-2 (truncated)", Wiring::kBenes, false, -2, false},
    {"benes-2L", "Benes T=2L", Wiring::kBenes, false, 0, false},
};

int stages_of(const Candidate& c, int aw) {
  if (c.published) return Topology::default_stages(aw, c.wiring);
  return 2 * log2_of(aw) + c.stage_offset;
}

// ---------------------------------------------------------------------------------------------
// Target classes

struct ClassSpec {
  TargetClass cls;
  int group;  // G for feather-groups, 0 otherwise
  std::string label;
};

constexpr TargetClass kClasses[] = {TargetClass::kPermutation, TargetClass::kContiguousEqual,
                                    TargetClass::kContiguousVarying,
                                    TargetClass::kArbitraryPartition, TargetClass::kFeatherGroups};

// The selected classes at this AW (feather-groups once per G <= AW).
std::vector<ClassSpec> class_specs(int aw, const std::vector<TargetClass>& classes,
                                   const std::vector<int>& groups) {
  std::vector<ClassSpec> v;
  for (TargetClass c : classes) {
    if (c != TargetClass::kFeatherGroups) {
      v.push_back({c, 0, std::string(feather::birrd::to_string(c))});
      continue;
    }
    for (int g : groups) {
      if (g <= aw) v.push_back({c, g, fmt::format("feather-groups G={}", g)});
    }
  }
  return v;
}

// Number of ordered selections of k distinct ports out of n (as a double: only compared with
// the exhaustive limit).
double arrangements(int n, int k) {
  double r = 1;
  for (int i = 0; i < k; ++i) r *= n - i;
  return r;
}

// Largest group size of contiguous-varying targets (as random_target draws them).
int varying_max_part(int aw) { return std::max(1, aw / 2); }

// Size of the class (the exact number of distinct targets random_target can draw).
double class_size(const ClassSpec& c, int aw) {
  switch (c.cls) {
    case TargetClass::kPermutation:
      return arrangements(aw, aw);
    case TargetClass::kContiguousEqual:
      return log2_of(aw);
    case TargetClass::kContiguousVarying: {
      // comp[k][s]: compositions of s into k parts, each part 1..m.
      const int m = varying_max_part(aw);
      std::vector<std::vector<double>> comp(
          static_cast<std::size_t>(aw + 1),
          std::vector<double>(static_cast<std::size_t>(aw + 1), 0));
      comp[0][0] = 1;
      for (int k = 1; k <= aw; ++k) {
        for (int s = 1; s <= aw; ++s) {
          double sum = 0;
          for (int p = 1; p <= std::min(m, s); ++p) {
            sum += comp[static_cast<std::size_t>(k - 1)][static_cast<std::size_t>(s - p)];
          }
          comp[static_cast<std::size_t>(k)][static_cast<std::size_t>(s)] = sum;
        }
      }
      double total = 0;
      for (int k = 1; k <= aw; ++k) {
        total +=
            comp[static_cast<std::size_t>(k)][static_cast<std::size_t>(aw)] * arrangements(aw, k);
      }
      return total;
    }
    case TargetClass::kArbitraryPartition: {
      // Stirling numbers of the second kind S(aw, k) times port arrangements.
      std::vector<std::vector<double>> st(static_cast<std::size_t>(aw + 1),
                                          std::vector<double>(static_cast<std::size_t>(aw + 1), 0));
      st[0][0] = 1;
      for (int n = 1; n <= aw; ++n) {
        for (int k = 1; k <= n; ++k) {
          auto nn = static_cast<std::size_t>(n);
          auto kk = static_cast<std::size_t>(k);
          st[nn][kk] = k * st[nn - 1][kk] + st[nn - 1][kk - 1];
        }
      }
      double total = 0;
      for (int k = 1; k <= aw; ++k) {
        total +=
            st[static_cast<std::size_t>(aw)][static_cast<std::size_t>(k)] * arrangements(aw, k);
      }
      return total;
    }
    case TargetClass::kFeatherGroups:
      return arrangements(aw, aw / c.group);
  }
  return 0;
}

using Groups = std::vector<std::vector<int>>;

// Calls f(ports) for every ordered selection of k distinct ports out of n.
template <class F>
void for_each_arrangement(int n, int k, F&& f) {
  std::vector<int> ports;
  std::vector<char> used(static_cast<std::size_t>(n), 0);
  auto rec = [&](auto&& self) -> void {
    if (static_cast<int>(ports.size()) == k) {
      f(ports);
      return;
    }
    for (int p = 0; p < n; ++p) {
      if (used[static_cast<std::size_t>(p)]) continue;
      used[static_cast<std::size_t>(p)] = 1;
      ports.push_back(p);
      self(self);
      ports.pop_back();
      used[static_cast<std::size_t>(p)] = 0;
    }
  };
  rec(rec);
}

// Every group structure of the class (without the output ports).
std::vector<Groups> group_structures(const ClassSpec& c, int aw) {
  std::vector<Groups> out;
  auto consecutive_sizes = [&](const std::vector<int>& sizes) {
    Groups g;
    int start = 0;
    for (int s : sizes) {
      std::vector<int> grp;
      for (int j = 0; j < s; ++j) grp.push_back(start + j);
      g.push_back(std::move(grp));
      start += s;
    }
    return g;
  };
  switch (c.cls) {
    case TargetClass::kPermutation:
      out.push_back(consecutive_sizes(std::vector<int>(static_cast<std::size_t>(aw), 1)));
      break;
    case TargetClass::kFeatherGroups:
      out.push_back(
          consecutive_sizes(std::vector<int>(static_cast<std::size_t>(aw / c.group), c.group)));
      break;
    case TargetClass::kContiguousEqual:
      break;  // handled by enumerate_class (fixed ports)
    case TargetClass::kContiguousVarying: {
      const int m = varying_max_part(aw);
      std::vector<int> sizes;
      auto rec = [&](auto&& self, int left) -> void {
        if (left == 0) {
          out.push_back(consecutive_sizes(sizes));
          return;
        }
        for (int p = 1; p <= std::min(m, left); ++p) {
          sizes.push_back(p);
          self(self, left - p);
          sizes.pop_back();
        }
      };
      rec(rec, aw);
      break;
    }
    case TargetClass::kArbitraryPartition: {
      // Restricted growth strings: lane j joins an existing block or opens the next one.
      std::vector<int> block(static_cast<std::size_t>(aw), 0);
      auto rec = [&](auto&& self, int j, int blocks) -> void {
        if (j == aw) {
          Groups g(static_cast<std::size_t>(blocks));
          for (int i = 0; i < aw; ++i)
            g[static_cast<std::size_t>(block[static_cast<std::size_t>(i)])].push_back(i);
          out.push_back(std::move(g));
          return;
        }
        for (int b = 0; b <= blocks; ++b) {
          block[static_cast<std::size_t>(j)] = b;
          self(self, j + 1, std::max(blocks, b + 1));
        }
      };
      rec(rec, 0, 0);
      break;
    }
  }
  return out;
}

std::vector<Target> enumerate_class(const ClassSpec& c, int aw) {
  std::vector<Target> targets;
  if (c.cls == TargetClass::kContiguousEqual) {
    for (int g = 2; g <= aw; g *= 2) {
      Groups groups;
      std::vector<int> ports;
      for (int start = 0; start < aw; start += g) {
        std::vector<int> grp;
        for (int j = 0; j < g; ++j) grp.push_back(start + j);
        groups.push_back(std::move(grp));
        ports.push_back(start);
      }
      targets.push_back(Target::from_groups(aw, groups, ports));
    }
    return targets;
  }
  for (const auto& groups : group_structures(c, aw)) {
    for_each_arrangement(aw, static_cast<int>(groups.size()), [&](const std::vector<int>& ports) {
      targets.push_back(Target::from_groups(aw, groups, ports));
    });
  }
  return targets;
}

// ---------------------------------------------------------------------------------------------
// Results

struct Cell {
  int routed = 0;
  int unroutable = 0;
  int unknown = 0;
  int total() const { return routed + unroutable + unknown; }
};

struct TimeStats {
  std::vector<double> sat_seconds;
  int constructive = 0;
  double constructive_seconds = 0;
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string cell_text(const Cell& c) {
  std::string s = fmt::format("{}/{}", c.routed, c.total());
  if (c.unknown > 0) s += fmt::format(" ({} unknown)", c.unknown);
  return s;
}

std::string shell_quote(std::string_view arg) {
  const bool plain = !arg.empty() && std::all_of(arg.begin(), arg.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) != 0 ||
           std::string_view("-_./=,:+@%").find(ch) != std::string_view::npos;
  });
  if (plain) return std::string(arg);
  std::string q = "'";
  for (char ch : arg) {
    if (ch == '\'') {
      q += "'\\''";
    } else {
      q += ch;
    }
  }
  return q + "'";
}

struct Options {
  std::vector<int> aws = {4, 8, 16, 32};
  std::vector<std::string> candidates;  // keys; empty = all
  std::vector<std::string> classes;     // names; empty = all
  std::vector<int> groups = {2, 4, 8};
  int samples = 0;  // 0: 200 for AW <= 16, 50 above
  std::uint64_t seed = 1;
  double sat_seconds = 10;
  double exhaustive_limit = 40320;
  bool constructive = false;
  std::string out;
};

int samples_for(const Options& o, int aw) {
  if (o.samples > 0) return o.samples;
  return aw <= 16 ? 200 : 50;
}

int run(const Options& opt, const std::string& command_line, std::FILE* md_out) {
  const auto t_start = std::chrono::steady_clock::now();
  std::string md;
  auto emit = [&](const std::string& s) {
    md += s;
    std::fputs(s.c_str(), md_out);
    std::fflush(md_out);
  };

  std::string aw_list;
  for (int aw : opt.aws) aw_list += (aw_list.empty() ? "" : ",") + std::to_string(aw);
  emit("# BIRRD routability\n\n");
  emit(fmt::format("Command: `{}`\n\n", command_line));
  emit(fmt::format(
      "Seed {}, AW {}, SAT limit {} s per target, exhaustive when a class has <= {} targets, "
      "otherwise {} random targets (the same targets for every candidate). Router: exact SAT "
      "for every target{}.\n\n",
      opt.seed, aw_list, opt.sat_seconds, opt.exhaustive_limit,
      opt.samples > 0 ? std::to_string(opt.samples) : std::string("200 (AW<=16) / 50 (AW>=32)"),
      opt.constructive ? ", except the constructive path on Benes T=2L-1 where it applies"
                       : " (constructive path off)"));
  emit(
      "Cells: routed/total (+ targets whose SAT search hit the time limit, if any); the rest "
      "were proved unroutable. T = stages.\n\n");

  // Summary accumulators: [candidate][aw index] for permutation+feather-groups and all classes.
  auto selected = [](const std::vector<std::string>& names, std::string_view name) {
    return names.empty() || std::find(names.begin(), names.end(), name) != names.end();
  };
  std::vector<const Candidate*> cands;
  for (const auto& c : kCandidates) {
    if (selected(opt.candidates, c.key)) cands.push_back(&c);
  }
  std::vector<TargetClass> classes;
  for (TargetClass c : kClasses) {
    if (selected(opt.classes, feather::birrd::to_string(c))) classes.push_back(c);
  }
  const std::size_t kNc = cands.size();
  std::vector<std::vector<Cell>> sum_pf(kNc, std::vector<Cell>(opt.aws.size()));
  std::vector<std::vector<Cell>> sum_all(kNc, std::vector<Cell>(opt.aws.size()));

  for (std::size_t ai = 0; ai < opt.aws.size(); ++ai) {
    const int aw = opt.aws[ai];
    const auto specs = class_specs(aw, classes, opt.groups);
    // Draw or enumerate the targets once per (AW, class).
    std::vector<std::vector<Target>> targets;
    std::vector<std::string> headers;
    for (std::size_t ci = 0; ci < specs.size(); ++ci) {
      const auto& spec = specs[ci];
      const double size = class_size(spec, aw);
      if (size <= opt.exhaustive_limit) {
        targets.push_back(enumerate_class(spec, aw));
        if (static_cast<double>(targets.back().size()) != size) {
          throw std::logic_error(fmt::format("{} at AW={}: enumerated {} targets, expected {}",
                                             spec.label, aw, targets.back().size(), size));
        }
        headers.push_back(fmt::format("{} (all {})", spec.label, targets.back().size()));
      } else {
        std::seed_seq sseq{static_cast<std::uint32_t>(opt.seed & 0xffffffffU),
                           static_cast<std::uint32_t>(opt.seed >> 32),
                           static_cast<std::uint32_t>(aw), static_cast<std::uint32_t>(spec.cls),
                           static_cast<std::uint32_t>(spec.group)};
        std::mt19937_64 rng(sseq);
        std::vector<Target> v;
        const int n = samples_for(opt, aw);
        for (int k = 0; k < n; ++k)
          v.push_back(feather::birrd::random_target(spec.cls, aw, rng, std::max(spec.group, 1)));
        targets.push_back(std::move(v));
        headers.push_back(fmt::format("{} (random {})", spec.label, n));
      }
    }

    emit(fmt::format("## AW = {}\n\n", aw));
    std::string head = "| candidate | T |";
    std::string rule = "|---|---:|";
    for (const auto& h : headers) {
      head += fmt::format(" {} |", h);
      rule += "---:|";
    }
    head += " SAT calls | SAT total s | SAT median ms |";
    rule += "---:|---:|---:|";
    if (opt.constructive) {
      head += " constructive calls |";
      rule += "---:|";
    }
    emit(head + "\n" + rule + "\n");

    for (std::size_t k = 0; k < kNc; ++k) {
      const auto& cand = *cands[k];
      const Topology topo(aw, cand.wiring, stages_of(cand, aw));
      RouterOptions ro;
      ro.constructive = opt.constructive && cand.benes_default;
      ro.exact = true;
      ro.sat_seconds = opt.sat_seconds;
      TimeStats ts;
      std::string row = fmt::format("| {} | {} |", cand.label, topo.stages());
      const auto t_row = std::chrono::steady_clock::now();
      for (std::size_t ci = 0; ci < specs.size(); ++ci) {
        Cell cell;
        for (const auto& target : targets[ci]) {
          const RouteResult r = route(topo, target, ro);
          switch (r.status) {
            case RouteStatus::kRouted:
              ++cell.routed;
              break;
            case RouteStatus::kUnroutable:
              ++cell.unroutable;
              break;
            case RouteStatus::kUnknown:
              ++cell.unknown;
              break;
            case RouteStatus::kInvalid:
              throw std::logic_error(
                  fmt::format("invalid target '{}': {}", target.to_string(), r.reason));
          }
          if (r.method == "constructive") {
            ++ts.constructive;
            ts.constructive_seconds += r.seconds;
          } else {
            ts.sat_seconds.push_back(r.seconds);
          }
        }
        row += fmt::format(" {} |", cell_text(cell));
        auto add = [](Cell& acc, const Cell& c) {
          acc.routed += c.routed;
          acc.unroutable += c.unroutable;
          acc.unknown += c.unknown;
        };
        add(sum_all[k][ai], cell);
        if (specs[ci].cls == TargetClass::kPermutation ||
            specs[ci].cls == TargetClass::kFeatherGroups) {
          add(sum_pf[k][ai], cell);
        }
      }
      double sat_total = 0;
      for (double s : ts.sat_seconds) sat_total += s;
      row += fmt::format(" {} | {:.1f} | {:.2f} |", ts.sat_seconds.size(), sat_total,
                         1e3 * median(ts.sat_seconds));
      if (opt.constructive)
        row += fmt::format(" {} ({:.2f} s) |", ts.constructive, ts.constructive_seconds);
      emit(row + "\n");
      std::cerr << fmt::format(
          "[birrd_routability] AW={} {} (T={}): {:.1f} s\n", aw, cand.label, topo.stages(),
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t_row).count());
    }
    emit("\n");
  }

  auto summary = [&](std::string_view title, const std::vector<std::vector<Cell>>& cells) {
    emit(fmt::format("## Summary: {}\n\n", title));
    std::string head = "| candidate |";
    std::string rule = "|---|";
    for (int aw : opt.aws) {
      head += fmt::format(" AW={} |", aw);
      rule += "---:|";
    }
    emit(head + "\n" + rule + "\n");
    for (std::size_t k = 0; k < kNc; ++k) {
      std::string row = fmt::format("| {} |", cands[k]->label);
      for (std::size_t ai = 0; ai < opt.aws.size(); ++ai)
        row += fmt::format(" {} |", cell_text(cells[k][ai]));
      emit(row + "\n");
    }
    emit("\n");
  };
  const bool any_pf = std::any_of(classes.begin(), classes.end(), [](TargetClass c) {
    return c == TargetClass::kPermutation || c == TargetClass::kFeatherGroups;
  });
  if (any_pf) summary("permutation + feather-groups targets routed", sum_pf);
  summary("all targets routed", sum_all);
  emit(fmt::format(
      "Wall time: {:.0f} s\n",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count()));

  if (!opt.out.empty()) {
    std::ofstream f(opt.out);
    if (!f) {
      std::cerr << fmt::format("birrd_routability: cannot write '{}'\n", opt.out);
      return 1;
    }
    f << md;
    if (!f) {
      std::cerr << fmt::format("birrd_routability: error writing '{}'\n", opt.out);
      return 1;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string command_line;
  for (int i = 0; i < argc; ++i) {
    if (i > 0) command_line += ' ';
    command_line += shell_quote(argv[i]);
  }
  Options opt;
  CLI::App app{
      "BIRRD routability per target class and candidate (wiring x stages), decided "
      "exactly by SAT; prints markdown tables"};
  app.add_option("--aw", opt.aws,
                 "Lane counts (powers of two, 4.." + std::to_string(feather::birrd::kMaxLanes) +
                     "), e.g. 4,8,16,32,64")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--samples", opt.samples,
                 "Random targets per sampled (AW, class) (default: 200 for AW<=16, 50 above)")
      ->check(CLI::PositiveNumber);
  app.add_option("--seed", opt.seed, "Seed of the random targets")->capture_default_str();
  app.add_option("--sat-seconds", opt.sat_seconds, "SAT time limit per target (s)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--exhaustive-limit", opt.exhaustive_limit,
                 "Enumerate a class exhaustively when it has at most this many targets")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_flag(
      "--constructive", opt.constructive,
      "Use the constructive router on Benes T=2L-1 where it applies (default: SAT for all)");
  std::vector<std::string> candidate_keys;
  for (const auto& c : kCandidates) candidate_keys.emplace_back(c.key);
  std::vector<std::string> class_names;
  for (TargetClass c : kClasses) class_names.emplace_back(feather::birrd::to_string(c));
  app.add_option("--candidates", opt.candidates,
                 "Candidates to run (default: all): feather (published, T=2L), feather-2L-1, "
                 "feather-2L+1, benes (default, T=2L-1), benes-2L-2, benes-2L")
      ->delimiter(',')
      ->check(CLI::IsMember(candidate_keys));
  app.add_option("--classes", opt.classes, "Target classes to run (default: all)")
      ->delimiter(',')
      ->check(CLI::IsMember(class_names));
  app.add_option("--groups", opt.groups, "G values of the feather-groups class (G > AW skipped)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--out", opt.out, "Also write the markdown to this file");
  CLI11_PARSE(app, argc, argv);
  for (int aw : opt.aws) {
    if (aw < 4 || aw > feather::birrd::kMaxLanes || (aw & (aw - 1)) != 0) {
      std::cerr << fmt::format("birrd_routability: --aw {}: must be a power of two in 4..{}\n", aw,
                               feather::birrd::kMaxLanes);
      return 2;
    }
  }
  for (int g : opt.groups) {
    if (g < 2 || (g & (g - 1)) != 0) {
      std::cerr << fmt::format("birrd_routability: --groups {}: must be a power of two >= 2\n", g);
      return 2;
    }
  }
  // CaDiCaL prints "c ..." messages on stdout (e.g. when a formula is falsified while it is
  // built); keep them out of the markdown by writing the tables to a duplicate of stdout and
  // sending everything else written to stdout to stderr.
  std::fflush(stdout);
  const int md_fd = dup(STDOUT_FILENO);
  std::FILE* md_out = md_fd >= 0 ? fdopen(md_fd, "w") : nullptr;
  if (md_out == nullptr || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
    std::cerr << "birrd_routability: cannot redirect stdout\n";
    return 1;
  }
  try {
    return run(opt, command_line, md_out);
  } catch (const std::exception& e) {
    std::cerr << "birrd_routability: " << e.what() << "\n";
    return 1;
  }
}
