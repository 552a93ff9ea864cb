// `feather regress`: run a suite of (test, configuration, seed) jobs from a suites file, or the
// failing jobs of a rerun file (docs/user-guide.md, docs/debugging.md).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "commands.hpp"
#include "feather/regress/regress.hpp"
#include "options.hpp"
#include "rtl.hpp"

namespace feather::cli {

namespace {

namespace rg = feather::regress;

// The suites file when --suites is not given: an installed feather's
// <prefix>/share/feather/suites.yaml (cmake/install.cmake), else the source tree's.
std::string default_suites_file() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path().parent_path() / "share/feather/suites.yaml";
    if (fs::is_regular_file(installed, ec)) return installed.string();
  }
#ifdef FEATHER_SUITES_FILE
  return FEATHER_SUITES_FILE;
#else
  throw std::invalid_argument("no suites file: give --suites FILE");
#endif
}

struct RegressArgs {
  std::vector<std::string> names;  // SUITE, or merge DIR...
  std::string suite;               // names[0] when running a suite
  std::string shard;               // --shard I/N
  std::string suites_file;         // default: default_suites_file()
  std::string launcher = "local";
  std::string slurm_args;
  int jobs = 2;
  std::uint64_t seed = 1;
  int reseed = 0;
  std::string out;  // default out/regress/<suite>
  std::string rerun;
  double timeout = 0;
  std::uint64_t window = 100;
  bool no_debug_rerun = false;
  bool list = false;
  bool quiet = false;
  bool coverage = false;  // Verilator code coverage (a FEATHER_COVERAGE=ON build)
  std::string history;    // coverage history file (default <out>/coverage-history.jsonl)
  bool no_history = false;
};

void add_regress_options(CLI::App* cmd, RegressArgs& a) {
  cmd->add_option("suite", a.names,
                  "the suite to run (see --list); or `merge DIR...`: one report from the output "
                  "directories of a run's shards (--shard), into --out");
  cmd->add_option("--shard", a.shard,
                  "run only shard I of N of the suite (I/N: the jobs k with k % N = I - 1), to "
                  "run the shards anywhere and merge them (feather regress merge)");
  cmd->add_option("--suites", a.suites_file,
                  "suites file (default: share/feather/suites.yaml of an installed feather, else "
                  "verif/regress/suites.yaml of the source tree)");
  cmd->add_option("-j,--jobs", a.jobs, "jobs run in parallel")->check(whole_number(1));
  cmd->add_option("--seed", a.seed, "base seed: every job's seed is derived from it")
      ->check(whole_number(0));
  default_means(cmd->add_option("--reseed", a.reseed,
                                "N fresh seeds per (test, configuration): a random base seed "
                                "unless --seed"),
                "off")
      ->check(whole_number(1));
  cmd->add_option("--out", a.out, "output directory (default out/regress/<suite>)");
  cmd->add_option("--rerun", a.rerun, "replay exactly the failing jobs of a rerun file");
  default_means(cmd->add_option("--timeout", a.timeout, "seconds per job, overriding the suite's"),
                "the suite's")
      ->check(positive_finite());
  cmd->add_option("--window", a.window,
                  "debug reruns trace this many cycles before and after the first divergence")
      ->check(whole_number(0));
  cmd->add_flag("--no-debug-rerun", a.no_debug_rerun, "do not rerun failing jobs with a waveform");
  cmd->add_flag("--list", a.list, "list the suites, or the jobs of SUITE, without running");
  cmd->add_flag("-q,--quiet", a.quiet, "no progress output");
  cmd->add_option("--launcher", a.launcher,
                  "where the jobs run: local (child processes, -j at a time) or slurm (SLURM job "
                  "arrays, -j tasks at a time; the output directory must be on a file system the "
                  "nodes share)")
      ->check(CLI::IsMember({"local", "slurm"}));
  cmd->add_option("--slurm-args", a.slurm_args,
                  "with --launcher slurm: more sbatch options for every array, e.g. '-p big "
                  "--mem=4G'")
      ->needs("--launcher");
  cmd->add_flag("--coverage", a.coverage,
                "collect Verilator line/branch/toggle coverage per job and merge it into an HTML "
                "report (needs a FEATHER_COVERAGE=ON build: make coverage)");
  cmd->add_option("--history", a.history,
                  "coverage history: every run with coverage appends its totals (JSON lines) "
                  "and the report shows the trend (default <out>/coverage-history.jsonl)");
  cmd->add_flag("--no-history", a.no_history, "do not record the run in the coverage history");
}

// Writes the reports of a finished (or merged) run and prints its summary; 0 when every job
// passed, 1 when a job failed or timed out, 128 + N when stopped by signal N.
int finish_run(const rg::Report& rep) {
  rg::write_reports(rep);
  const int pass = rep.count(rg::Status::kPass);
  const int fail = rep.count(rg::Status::kFail);
  const int tmo = rep.count(rg::Status::kTimeout);
  const int stopped = rep.count(rg::Status::kInterrupted);
  const int not_run = rep.count(rg::Status::kNotRun);
  for (const auto& j : rep.jobs) {
    if (j.status == rg::Status::kPass || j.status == rg::Status::kNotRun) continue;
    fmt::print("{:<7} {}\n        log  {}/{}\n", rg::to_string(j.status), j.spec.id, rep.out_dir,
               j.log);
    if (!j.facts.failure.empty()) fmt::print("        {}\n", j.facts.failure);
    if (!j.wave.empty()) {
      fmt::print("        wave gtkwave {0}/{1} {0}/{2}\n", rep.out_dir, j.wave, j.gtkw);
    }
    if (!j.debug_note.empty()) fmt::print("        note {}\n", j.debug_note);
  }
  fmt::print(
      "regress {}: {} passed, {} failed, {} timed out{} of {} jobs in {:.1f} s\n"
      "report  : {}/report.html\njunit   : {}/junit.xml\nrerun   : {}/rerun.txt{}\n",
      rep.suite, pass, fail, tmo,
      rep.interrupted() ? fmt::format(", {} interrupted, {} not run (stopped by {})", stopped,
                                      not_run, rg::signal_name(rep.interrupted_by))
                        : std::string(),
      rep.jobs.size(), rep.seconds, rep.out_dir, rep.out_dir, rep.out_dir,
      fail + tmo + stopped + not_run
          ? fmt::format(" (feather regress --rerun {}/rerun.txt)", rep.out_dir)
          : "");
  if (!rep.history.empty()) {
    fmt::print("history : {} ({} runs)\n", rep.history_path, rep.history.size());
  }
  if (rep.code_coverage.requested) {
    const auto& cc = rep.code_coverage;
    fmt::print("coverage: line {:.1f}%, branch {:.1f}%, toggle {:.1f}% ({} files merged){}\n",
               cc.totals.line.percent(), cc.totals.branch.percent(), cc.totals.toggle.percent(),
               cc.inputs.size(), cc.note.empty() ? "" : ": " + cc.note);
    if (!cc.html.empty()) fmt::print("html    : {}/{}\n", rep.out_dir, cc.html);
  }
  // The shell's convention: 128 + the signal (130 for Ctrl-C, 143 for SIGTERM).
  if (rep.interrupted()) return 128 + rep.interrupted_by;
  return fail + tmo == 0 ? 0 : 1;
}

// The coverage history of a run into `out` (checked before the run: a malformed file stops it).
std::string history_file(const RegressArgs& a, const std::string& out) {
  if (a.no_history && !a.history.empty()) {
    throw CLI::ValidationError("--no-history", "give --history FILE or --no-history, not both");
  }
  const std::string history = a.history.empty()
                                  ? (std::filesystem::path(out) / "coverage-history.jsonl").string()
                                  : a.history;
  if (!a.no_history) (void)rg::load_history(history);
  return history;
}

// Runs with coverage (functional counters from the jobs, or Verilator code coverage) go into
// the history; an interrupted run does not.
void record(const RegressArgs& a, rg::Report& rep, const std::string& history) {
  const bool has_coverage = !rep.coverage.groups().empty() || rep.code_coverage.requested;
  if (!a.no_history && has_coverage && !rep.interrupted()) rg::record_history(rep, history);
}

// feather regress merge DIR...: one report from the output directories of a run's shards.
int merge_shards(const RegressArgs& a) {
  const std::vector<std::string> dirs(a.names.begin() + 1, a.names.end());
  if (dirs.empty()) {
    throw CLI::ValidationError("merge", "name the output directories of the shards to merge");
  }
  if (!a.shard.empty() || !a.rerun.empty() || a.list) {
    throw CLI::ValidationError("merge",
                               "takes only the shards' directories, --out and history options");
  }
  const std::string out = !a.out.empty() ? a.out : "out/regress/merged";
  const std::string history = history_file(a, out);
  rg::Report rep = rg::merge_results(dirs, out);
  fmt::print("regress merge: {} shards of {} ({} jobs, base seed {}), output {}\n", dirs.size(),
             rep.suite, rep.jobs.size(), rep.base_seed, rep.out_dir);
  record(a, rep, history);
  return finish_run(rep);
}

// 0 when every job passed, 1 when a job failed or timed out.
int regress(RegressArgs a, const CLI::App* cmd) {
  if (!a.names.empty() && a.names[0] == "merge") return merge_shards(a);
  if (a.names.size() > 1) {
    throw CLI::ValidationError("SUITE", fmt::format("one suite at a time, got {} (or merge DIR...)",
                                                    fmt::join(a.names, " ")));
  }
  a.suite = a.names.empty() ? "" : a.names[0];
  const std::string suites = a.suites_file.empty() ? default_suites_file() : a.suites_file;
  if (!a.rerun.empty() && !a.suite.empty()) {
    throw CLI::ValidationError("--rerun", "give a SUITE or --rerun FILE, not both");
  }
  if (a.list && a.suite.empty() && a.rerun.empty()) {
    for (const auto& n : rg::suite_names(suites)) {
      const auto s = rg::load_suite(suites, n, {});
      fmt::print("{:<12} {:>4} jobs  {}\n", n, s.jobs.size(), s.description);
    }
    return 0;
  }
  std::uint64_t base = a.seed;
  rg::Suite suite;
  if (!a.rerun.empty()) {
    suite = rg::load_rerun(a.rerun, a.timeout);
    base = 0;
  } else {
    if (a.suite.empty()) throw CLI::ValidationError("SUITE", "name a suite (see --list)");
    rg::ExpandOptions eo;
    if (a.reseed > 0 && cmd->count("--seed") == 0) {
      std::random_device rd;
      base = ((std::uint64_t{rd()} << 32) | rd()) & 0xffffffffffffULL;
    }
    eo.base_seed = base;
    eo.seeds_per_job = a.reseed;
    eo.timeout = a.timeout;
    suite = rg::load_suite(suites, a.suite, eo);
  }
  std::optional<rg::Shard> shard;
  const std::size_t suite_jobs = suite.jobs.size();
  if (!a.shard.empty()) {
    if (!a.rerun.empty()) throw CLI::ValidationError("--shard", "shards a SUITE, not a rerun file");
    try {
      shard = rg::parse_shard(a.shard);
    } catch (const std::invalid_argument& e) {
      throw CLI::ValidationError("--shard", e.what());
    }
    suite = rg::shard_suite(suite, *shard);
  }
  const std::string out =
      !a.out.empty() ? a.out
      : shard ? fmt::format("out/regress/{}.shard{}of{}", suite.name, shard->index, shard->count)
              : "out/regress/" + suite.name;
  if (a.list) {
    for (const auto& j : suite.jobs) {
      std::string line = "feather";
      for (const auto& w : j.args) line += " " + rg::shell_quote(w);
      fmt::print("{}  (timeout {} s)\n  {}\n", j.id, j.timeout, line);
    }
    return 0;
  }
  // An empty shard (more shards than jobs) still writes its (empty) reports, for the merge.
  if (suite.jobs.empty() && !shard) throw std::runtime_error("no jobs to run");
  if (!have_rtl()) {  // the jobs would all fail: say why before running any
    std::set<std::string> rtl;
    for (const auto& j : suite.jobs) {
      if (!j.args.empty() &&
          std::find(kRtlCommands.begin(), kRtlCommands.end(), j.args[0]) != kRtlCommands.end()) {
        rtl.insert(j.args[0]);
      }
    }
    if (!rtl.empty()) {
      throw std::runtime_error(no_rtl_message(
          fmt::format("regress suite '{}' (jobs of {})", suite.name, fmt::join(rtl, ", "))));
    }
  }
  fmt::print("regress {}{}: {} jobs, {} at a time, base seed {}{}, output {}\n", suite.name,
             shard ? fmt::format(" shard {}/{}", shard->index, shard->count) : "",
             suite.jobs.size(), a.jobs, base,
             a.reseed > 0 ? fmt::format(" ({} seeds per job: --seed {} --reseed {} replays)",
                                        a.reseed, base, a.reseed)
                          : "",
             std::filesystem::absolute(out).string());
  std::fflush(stdout);
  rg::RunOptions ro;
  ro.jobs = a.jobs;
  ro.out_dir = out;
  ro.window = a.window;
  ro.debug_rerun = !a.no_debug_rerun;
  ro.progress = !a.quiet;
  ro.code_coverage = a.coverage;
  ro.launcher = a.launcher;
  ro.slurm_args = a.slurm_args;
  const std::string history = history_file(a, out);
  auto rep = rg::run_jobs(suite, base, ro);
  if (shard) {
    rep.shard = *shard;
    rep.suite_jobs = suite_jobs;
  }
  record(a, rep, history);
  return finish_run(rep);
}

}  // namespace

Command add_regress(CLI::App& app) {
  auto a = std::make_shared<RegressArgs>();
  auto* cmd = app.add_subcommand("regress", "run a regression suite (parallel jobs, reports)");
  add_regress_options(cmd, *a);
  return {cmd, [a, cmd] { return regress(*a, cmd); }};
}

}  // namespace feather::cli
