// feather_perf_tables: turns feather_bench's JSON output (Google Benchmark, ideally medians of
// interleaved repetitions) into the generated tables of docs/performance.md, beside the figures
// of the published FEATHER RTL (shared/reference/performance-targets.md). `make perf-tables`.
//   feather_perf_tables --json bench.json --out DIR [--verilator "..."] [--compiler "..."]
// writes DIR/sim-birrd.md, DIR/sim-nest.md, DIR/sim-top.md and DIR/route.md. A missing figure
// reads "-"; a benchmark that failed reads "failed" with its message below the table.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using nlohmann::json;

// The published FEATHER RTL (maeri-project/FEATHER), random inputs every cycle, tracing off,
// Verilator 5.006 -O3 on a 2-core machine: shared/reference/performance-targets.md.
const std::map<int, double> kPublishedBirrd = {{8, 2.32e6}, {16, 789e3}, {32, 351e3}, {64, 150e3}};
const std::map<int, double> kPublishedTop = {{4, 1.47e6}, {8, 433e3}, {16, 116e3}};
constexpr double kSpeedTarget = 2.0;      // x the published cycles/s
constexpr double kLockstepTarget = 0.30;  // extra time per cycle with the model in lockstep

struct Result {
  double items_per_second = 0;
  double time = 0;  // real time per iteration, in unit
  std::string unit;
  double unroutable = -1;  // fraction, route_sat only
  int repetitions = 1;
  std::string error;
};

// A number field, or fallback where it is missing or not a number (NaN counters come in as null).
double number(const json& b, const char* key, double fallback) {
  auto it = b.find(key);
  return it != b.end() && it->is_number() ? it->get<double>() : fallback;
}

// Google Benchmark writes the NaN of an undefined statistic (the coefficient of variation of a
// zero counter) as a bare NaN, which is not JSON: read it as null.
std::string nan_to_null(std::string text) {
  static const std::regex kNan(R"((:\s*)-?(NaN|nan|inf|Infinity)\b)");
  return std::regex_replace(text, kNan, "$1null");
}

class Results {
 public:
  explicit Results(const json& j) {
    if (!j.is_object() || !j.contains("benchmarks") || !j["benchmarks"].is_array()) {
      throw std::runtime_error("not Google Benchmark JSON output: no \"benchmarks\" array");
    }
    context_ = j.value("context", json::object());
    // Medians where the run had repetitions, the (first) single run otherwise.
    for (const auto& b : j["benchmarks"]) {
      const std::string run = b.value("run_name", b.value("name", ""));
      const std::string type = b.value("run_type", "iteration");
      const bool median = type == "aggregate" && b.value("aggregate_name", "") == "median";
      if (run.empty() || (type == "aggregate" && !median)) continue;
      if (!median && by_name_.count(run) != 0) continue;
      Result& r = by_name_[run];
      r.items_per_second = number(b, "items_per_second", 0.0);
      r.time = number(b, "real_time", 0.0);
      r.unit = b.value("time_unit", "ns");
      r.unroutable = number(b, "unroutable", -1.0);
      r.repetitions = static_cast<int>(number(b, "repetitions", 1.0));
      r.error = b.value("error_occurred", false) ? b.value("error_message", "failed") : "";
    }
  }
  const Result* find(const std::string& name) const {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : &it->second;
  }
  bool any_with_prefix(const std::string& prefix) const {
    auto it = by_name_.lower_bound(prefix);
    return it != by_name_.end() && it->first.rfind(prefix, 0) == 0;
  }
  int repetitions() const {
    int n = 1;
    for (const auto& [name, r] : by_name_) n = std::max(n, r.repetitions);
    return n;
  }
  const json& context() const { return context_; }

 private:
  std::map<std::string, Result> by_name_;
  json context_;
};

std::string rate(double v) {
  if (v >= 1e6) return fmt::format("{:.2f} M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.0f} k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

std::string duration(const Result& r) {
  const double t = r.time;
  if (t >= 100) return fmt::format("{:.0f} {}", t, r.unit);
  if (t >= 10) return fmt::format("{:.1f} {}", t, r.unit);
  return fmt::format("{:.2f} {}", t, r.unit);
}

// Failed benchmarks collected while a table is built, listed below it.
struct Table {
  std::string text;
  std::set<std::string> failures;

  // The cell of a benchmark: "-" when it did not run, "failed" when it did not finish.
  std::optional<Result> get(const Results& res, const std::string& name) {
    const Result* r = res.find(name);
    if (r == nullptr) return std::nullopt;
    if (!r->error.empty()) {
      failures.insert(fmt::format("`{}`: {}", name, r->error));
      return std::nullopt;
    }
    return *r;
  }
  std::string cell(const Results& res, const std::string& name) {
    const Result* r = res.find(name);
    auto v = get(res, name);
    if (!v) return r == nullptr ? "-" : "failed";
    return rate(v->items_per_second);
  }
  std::string finish() {
    for (const auto& f : failures) text += fmt::format("- failed: {}\n", f);
    return text;
  }
};

std::string header(const Results& res, const std::string& verilator, const std::string& cxx) {
  const json& c = res.context();
  std::string date = c.value("date", "?");  // ISO 8601: keep the date and the minute
  if (date.size() >= 16 && date[10] == 'T') date = date.substr(0, 10) + " " + date.substr(11, 5);
  std::string s = fmt::format(
      "Generated by `make sim-tables` on {} on `{}` ({} CPUs at {} MHz), {}, {}; medians of {} "
      "interleaved repetitions.\n\n",
      date, c.value("host_name", "?"), c.value("num_cpus", 0), c.value("mhz_per_cpu", 0),
      verilator.empty() ? "Verilator ?" : verilator, cxx.empty() ? "compiler ?" : cxx,
      res.repetitions());
  return s;
}

// "x (ratio)" against a published figure, and whether the 2x target is met.
std::string versus(const std::optional<Result>& r, std::optional<double> published,
                   std::vector<std::string>* met, std::vector<std::string>* missed,
                   const std::string& label) {
  if (!r || !published) return "-";
  const double ratio = r->items_per_second / *published;
  (ratio >= kSpeedTarget ? met : missed)->push_back(fmt::format("{} ({:.2f}x)", label, ratio));
  return fmt::format("{:.2f}x", ratio);
}

std::string lockstep_cost(const std::optional<Result>& rtl, const std::optional<Result>& ls,
                          std::vector<std::string>* met, std::vector<std::string>* missed,
                          const std::string& label) {
  if (!rtl || !ls || ls->items_per_second <= 0) return "-";
  const double cost = rtl->items_per_second / ls->items_per_second - 1.0;
  (cost <= kLockstepTarget ? met : missed)
      ->push_back(fmt::format("{} (+{:.0f} %)", label, 100 * cost));
  return fmt::format("+{:.0f} %", 100 * cost);
}

std::string verdict(const std::string& what, const std::vector<std::string>& met,
                    const std::vector<std::string>& missed) {
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  std::string s = fmt::format("- {}: ", what);
  if (!met.empty()) s += "met at " + join(met);
  if (!met.empty() && !missed.empty()) s += "; ";
  if (!missed.empty()) s += "**not met** at " + join(missed);
  if (met.empty() && missed.empty()) s += "no figures";
  return s + ".\n";
}

std::optional<double> published(const std::map<int, double>& m, int k) {
  auto it = m.find(k);
  return it == m.end() ? std::nullopt : std::optional<double>(it->second);
}

std::string birrd_table(const Results& res, const std::string& head) {
  Table t;
  t.text = head +
           "| AW | published RTL (i_en held at 1) | this RTL, Benes | vs published | this RTL, "
           "published wiring | Benes + model in lockstep | lockstep cost |\n"
           "|---|---|---|---|---|---|---|\n";
  std::vector<std::string> met, missed, ls_met, ls_missed;
  for (int aw = 8; aw <= 256; aw *= 2) {
    const auto n = [&](const std::string& v) { return fmt::format("BM_SimBirrd/{}/{}", v, aw); };
    if (!res.find(n("benes_rtl")) && !res.find(n("feather_rtl"))) continue;
    const auto rtl = t.get(res, n("benes_rtl"));
    const auto ls = t.get(res, n("benes_lockstep"));
    const auto pub = published(kPublishedBirrd, aw);
    const std::string label = fmt::format("AW = {}", aw);
    t.text += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", aw, pub ? rate(*pub) : "-",
                          t.cell(res, n("benes_rtl")), versus(rtl, pub, &met, &missed, label),
                          t.cell(res, n("feather_rtl")), t.cell(res, n("benes_lockstep")),
                          lockstep_cost(rtl, ls, &ls_met, &ls_missed, label));
  }
  t.text += "\n" + verdict("Speed, at least 2x the published RTL", met, missed) +
            verdict("Lockstep model, at most +30 % per cycle", ls_met, ls_missed);
  return t.finish();
}

std::string nest_table(const Results& res, const std::string& head) {
  Table t;
  t.text = head +
           "| AH x AW | RTL (cycles/s) | RTL + model in lockstep | lockstep cost |\n"
           "|---|---|---|---|\n";
  std::vector<std::string> met, missed;
  for (int ah : {4, 8, 16, 32}) {
    for (int aw : {4, 8, 16, 32}) {
      const auto n = [&](const std::string& v) {
        return fmt::format("BM_SimNest/{}x{}/{}", ah, aw, v);
      };
      if (!res.find(n("rtl"))) continue;
      const auto rtl = t.get(res, n("rtl"));
      const auto ls = t.get(res, n("lockstep"));
      t.text += fmt::format("| {}x{} | {} | {} | {} |\n", ah, aw, t.cell(res, n("rtl")),
                            t.cell(res, n("lockstep")),
                            lockstep_cost(rtl, ls, &met, &missed, fmt::format("{}x{}", ah, aw)));
    }
  }
  t.text += "\n" + verdict("Lockstep model, at most +30 % per cycle", met, missed);
  return t.finish();
}

std::string top_table(const Results& res, const std::string& head) {
  Table t;
  t.text = head +
           "| array | this project (cycles/s) | published whole accelerator | vs published |\n"
           "|---|---|---|---|\n";
  std::vector<std::string> met, missed;
  for (int a : {4, 8, 16, 32}) {
    const auto n = fmt::format("BM_SimTop/{}x{}", a, a);
    if (!res.find(n)) continue;
    const auto pub = published(kPublishedTop, a);
    t.text +=
        fmt::format("| {}x{} | {} | {} | {} |\n", a, a, t.cell(res, n), pub ? rate(*pub) : "-",
                    versus(t.get(res, n), pub, &met, &missed, fmt::format("{}x{}", a, a)));
  }
  t.text += "\n" + verdict("Speed, at least 2x the published RTL", met, missed);
  return t.finish();
}

std::string route_table(const Results& res, const std::string& head) {
  Table t;
  t.text = head + "| router, class | AW = 16 | AW = 64 | AW = 256 |\n|---|---|---|---|\n";
  const std::vector<std::pair<std::string, std::string>> classes = {
      {"permutation", "permutation"},
      {"feather_g2", "FEATHER groups G = 2"},
      {"feather_g4", "FEATHER groups G = 4"},
      {"feather_g8", "FEATHER groups G = 8"},
      {"contiguous_equal", "contiguous equal groups"}};
  const std::vector<std::pair<std::string, std::string>> routers = {
      {"BM_RouteConstructive", "constructive"},
      {"BM_RouteVerified", "route() (constructive + re-simulation)"}};
  for (const auto& [bm, label] : routers) {
    for (const auto& [cls, cls_label] : classes) {
      std::string row = fmt::format("| {}, {} |", label, cls_label);
      bool any = false;
      for (int aw : {16, 64, 256}) {
        const auto name = fmt::format("{}/{}/{}", bm, cls, aw);
        const auto r = t.get(res, name);
        any = any || res.find(name) != nullptr;
        row += fmt::format(" {} |", r ? duration(*r) : (res.find(name) ? "failed" : "-"));
      }
      if (any) t.text += row + "\n";
    }
  }
  t.text +=
      "\nExact (SAT, CaDiCaL) path, forced, per target (and the fraction proven unroutable):\n\n"
      "| wiring, class | AW = 8 | AW = 16 | AW = 32 |\n|---|---|---|---|\n";
  const std::vector<std::pair<std::string, std::string>> sat = {
      {"benes_permutation", "Benes, permutation"},
      {"feather_permutation", "published, permutation"},
      {"feather_g4", "published, FEATHER groups G = 4"},
      {"benes_partition", "Benes, arbitrary partitions"}};
  for (const auto& [cls, label] : sat) {
    std::string row = fmt::format("| {} |", label);
    bool any = false;
    for (int aw : {8, 16, 32}) {
      const auto name = fmt::format("BM_RouteSat/{}/{}", cls, aw);
      const auto r = t.get(res, name);
      any = any || res.find(name) != nullptr;
      std::string c = r ? duration(*r) : (res.find(name) ? "failed" : "-");
      if (r && r->unroutable > 0) c += fmt::format(" ({:.0f} % unroutable)", 100 * r->unroutable);
      row += fmt::format(" {} |", c);
    }
    if (any) t.text += row + "\n";
  }
  return t.finish();
}

void write(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  if (!f) throw std::runtime_error("cannot write " + path);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"feather_perf_tables: docs/performance.md's tables from feather_bench JSON"};
  std::string json_path, out, verilator, cxx;
  app.add_option("--json", json_path, "feather_bench --benchmark_out=... output")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--out", out, "directory for sim-birrd.md, sim-nest.md, sim-top.md, route.md")
      ->required()
      ->check(CLI::ExistingDirectory);
  app.add_option("--verilator", verilator, "the Verilator version line, for the header");
  app.add_option("--compiler", cxx, "the C++ compiler's version line, for the header");
  CLI11_PARSE(app, argc, argv);
  try {
    std::ifstream f(json_path);
    std::stringstream text;
    text << f.rdbuf();
    json j;
    try {
      j = json::parse(nan_to_null(text.str()));
    } catch (const json::exception& e) {
      throw std::runtime_error(fmt::format("{} is not valid JSON: {}", json_path, e.what()));
    }
    const Results res(j);
    for (const char* prefix : {"BM_SimBirrd/", "BM_SimNest/", "BM_SimTop/", "BM_Route"}) {
      if (!res.any_with_prefix(prefix)) {
        throw std::runtime_error(
            fmt::format("{} has no {}* results (run feather_bench with a "
                        "filter that includes them)",
                        json_path, prefix));
      }
    }
    const std::string head = header(res, verilator, cxx);
    write(out + "/sim-birrd.md", birrd_table(res, head));
    write(out + "/sim-nest.md", nest_table(res, head));
    write(out + "/sim-top.md", top_table(res, head));
    write(out + "/route.md", route_table(res, head));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "feather_perf_tables: %s\n", e.what());
    return 1;
  }
  return 0;
}
