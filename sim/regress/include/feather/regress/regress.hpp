// The regression runner behind `feather regress`: suites of (test, configuration, seed) jobs read
// from a YAML file, run in parallel as child processes of the feather binary with a timeout each,
// failing jobs rerun with a waveform window around their first divergence, JUnit XML, an HTML
// report, a rerun file and merged functional coverage. Formats: docs/user-guide.md; debugging
// walk-through: docs/debugging.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "feather/sim/coverage.hpp"
#include "feather/sim/debug.hpp"

namespace feather::regress {

using sim::Coverage;
using sim::Divergence;

struct JobSpec {
  std::string test;               // the suite entry's name, e.g. "birrd-cosim"
  std::string config;             // the configuration, e.g. "aw=16 dw=32 wiring=benes"
  std::uint64_t seed = 0;         // substituted for {seed}
  std::vector<std::string> args;  // feather arguments, subcommand first
  double timeout = 600;           // seconds
  std::string id;                 // unique and file-name safe: <test>.<config>.s<seed>
  std::size_t index = 0;          // its place in the expanded suite (shards keep it)
};

struct Suite {
  std::string name;
  std::string description;
  std::vector<JobSpec> jobs;
  // Coverage goals in percent (the suite's `goals` map): "functional" (of the bins of every
  // functional group), "line", "branch", "toggle" (Verilator code coverage). docs/coverage.md.
  std::map<std::string, double> goals;
};

struct ExpandOptions {
  std::uint64_t base_seed = 1;  // job seeds are derived from it, the test and the configuration
  int seeds_per_job = 0;        // > 0 overrides the suite's `seeds`
  double timeout = 0;           // > 0 overrides every job's timeout (seconds)
};

// The suite names of a suites file, in file order. Throws std::runtime_error naming the file and
// the problem for a malformed file.
std::vector<std::string> suite_names(const std::string& path);
// One suite, expanded into jobs. Throws std::runtime_error (unknown suite: lists the known ones;
// a template placeholder the configuration does not define; a command without {seed}; ...).
Suite load_suite(const std::string& path, const std::string& name, const ExpandOptions& opt);

// A shard of a suite (`--shard I/N`, 1 <= I <= N): the jobs whose index k has k % N == I - 1,
// so that N runs anywhere (GNU parallel, LSF, several machines) cover the suite once, in
// shards of nearly equal size and mix; merge_results puts them back together.
struct Shard {
  int index = 1, count = 1;
};
// "I/N" -> Shard; std::invalid_argument naming what is wrong.
Shard parse_shard(std::string_view text);
Suite shard_suite(const Suite& s, Shard shard);

// The seed of the k-th job of (test, configuration) under a base seed (48 bits, never 0).
std::uint64_t derive_seed(std::uint64_t base, std::string_view test, std::string_view config,
                          int k);

// A job's outcome. kInterrupted: it was running when the regression was stopped (SIGINT or
// SIGTERM to the runner) and was killed; kNotRun: it had not started. Neither is a failure of the
// design: both are reported as skipped, and both go into the rerun file so that the run can be
// finished with --rerun.
enum class Status { kPass, kFail, kTimeout, kInterrupted, kNotRun };
std::string_view to_string(Status s);
// "SIGINT", "SIGTERM", ... for the signals that stop a run; "signal N" otherwise.
std::string signal_name(int sig);

// What a job's output says (cosim and `run` formats; see parse_log).
struct LogFacts {
  std::optional<std::uint64_t> cycles;
  std::optional<double> cycles_per_second;
  std::optional<Divergence> divergence;
  std::string failure;  // the first "FAIL: ..." / "... MISMATCH" / "feather: error: ..." line
};
LogFacts parse_log(std::string_view text);

struct JobResult {
  JobSpec spec;
  Status status = Status::kNotRun;
  int exit_code = -1;  // -1 when killed by a signal
  int term_signal = 0;
  double seconds = 0;
  LogFacts facts;
  std::string log;       // paths relative to the output directory
  std::string coverage;  // coverage JSON written by the job, empty if none
  // Verilator coverage files the job's models wrote (coverage/<id>.<model>.<n>.dat), relative.
  std::vector<std::string> code_coverage;
  // Debug rerun of a job that failed with a divergence: the windowed waveform and save file.
  std::string wave, gtkw, debug_log;
  std::vector<std::string> debug_args;
  std::string debug_note;  // "reproduced at cycle N", or why there is no waveform
};

struct RunOptions {
  int jobs = 2;                // parallel child processes
  std::string out_dir;         // logs/, waves/, coverage/ and the reports go here
  std::string exe;             // the feather binary (default: /proc/self/exe)
  std::uint64_t window = 100;  // debug reruns trace this many cycles before and after
  bool debug_rerun = true;
  bool progress = true;  // progress on stderr: a live line on a TTY, else a line every 10 s
  // Verilator code coverage: every job (not the debug reruns) runs with
  // FEATHER_CODE_COVERAGE=<out>/coverage/<id>, and run_jobs merges the .dat files its models
  // write (a FEATHER_COVERAGE=ON build) into code-coverage/ (merge_code_coverage).
  bool code_coverage = false;
  // Where the jobs run: "local" (child processes, `jobs` at a time) or "slurm" (job arrays of
  // at most `jobs` tasks at once; slurm_args are added to every sbatch, e.g. "-p big
  // --mem=4G"). docs/user-guide.md, "Regressions on a SLURM cluster".
  std::string launcher = "local";
  std::string slurm_args;
};

// Verilator line/branch/toggle coverage merged over a regression's jobs.
struct CodeCoverage {
  struct Count {
    std::uint64_t covered = 0, total = 0;
    double percent() const;  // 100 when total is 0
  };
  struct Kinds {
    Count line, branch, toggle;
  };
  bool requested = false;
  std::vector<std::string> inputs;  // .dat files merged (relative to the output directory)
  std::string dat, info, html;  // merged.dat, merged.info, html/index.html (relative; "" = none)
  std::string log;              // the tool output (relative)
  std::string note;             // why something is missing, "" when all is there
  Kinds totals;
  std::map<std::string, Kinds> modules;  // per RTL module
};

// Merges Verilator coverage files with verilator_coverage (--write merged.dat, --write-info
// merged.info) and runs genhtml (html/) in `dir`, then counts the points of merged.dat per kind
// and module. Paths are relative to base_dir (inputs too). Never throws for a tool failure:
// the note says what failed.
CodeCoverage merge_code_coverage(const std::vector<std::string>& inputs,
                                 const std::string& base_dir, const std::string& dir);
// Counts the points of a Verilator coverage (.dat) text per kind and module.
void count_code_coverage(const std::string& dat_text, CodeCoverage& into);

// One line of the coverage history (docs/coverage.md): a regression's date, suite, seed, job
// counts and coverage totals, appended per run so that nightly runs show a trend.
struct HistoryEntry {
  std::string date;  // UTC, ISO 8601
  std::string suite;
  std::uint64_t base_seed = 0;
  int jobs = 0, passed = 0, failed = 0, timed_out = 0;
  // Functional coverage per group: {covered bins, bins}; totals over the groups.
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> groups;
  std::uint64_t covered = 0, bins = 0;
  int groups_at_goal = 0;
  double goal = 100;  // the suite's functional goal (percent of every group's bins)
  // Verilator code coverage, when the run collected it.
  bool code = false;
  CodeCoverage::Kinds code_totals;
};

struct Report {
  std::string suite;
  Shard shard;                 // the part of the suite this run ran
  std::size_t suite_jobs = 0;  // the jobs of the whole (unsharded) suite
  std::string description;
  std::uint64_t base_seed = 0;
  std::string exe;
  std::string out_dir;  // absolute; the jobs' paths are relative to it
  double seconds = 0;
  // The signal (SIGINT or SIGTERM) that stopped the run, 0 when it ran to the end. Running jobs
  // were then stopped (kInterrupted), the others not started (kNotRun).
  int interrupted_by = 0;
  bool interrupted() const { return interrupted_by != 0; }
  std::vector<JobResult> jobs;
  Coverage coverage;  // merged over the jobs that wrote coverage
  CodeCoverage code_coverage;
  std::map<std::string, double> goals;  // the suite's
  // The coverage history including this run (record_history), oldest first; the report shows
  // it as the coverage trend. Empty: no history kept.
  std::vector<HistoryEntry> history;
  std::string history_path;  // absolute
  int count(Status s) const;
};

// Runs the jobs (in order, `jobs` at a time) and returns their results in job order. Writes
// logs/<id>.log per job, coverage/<id>.json for cosim jobs, waves/<id>.fst + .gtkw and
// logs/<id>.debug.log for debug reruns, code-coverage/ with RunOptions::code_coverage. Does not
// write the reports.
Report run_jobs(const Suite& suite, std::uint64_t base_seed, const RunOptions& opt);

// The history entry of a finished run (the date is now).
HistoryEntry history_entry(const Report& r);
// One JSON object on one line: {"date", "suite", "base_seed", "jobs", "passed", "failed",
// "timed_out", "functional": {"covered", "bins", "percent", "groups_at_goal", "groups", "goal"},
// "groups": {name: [covered, bins]}, "code": {"line"|"branch"|"toggle": [covered, total]}}
// ("code" only when collected).
std::string history_line(const HistoryEntry& e);
// The entries of a history file (JSON lines; blank lines skipped). A missing file is an empty
// history; a malformed line throws std::runtime_error naming the file and line.
std::vector<HistoryEntry> load_history(const std::string& path);
// Appends r's entry to the history file `path` (created with its directory) and loads the whole
// history into r.history. Throws std::runtime_error when the file cannot be read or written.
void record_history(Report& r, const std::string& path);

// junit.xml, report.html, rerun.txt (always written; no command lines when every job passed),
// coverage.json (merged) and, with code coverage, code-coverage.json in r.out_dir. Throws
// std::runtime_error if a file cannot be written.
void write_reports(const Report& r);
std::string junit_xml(const Report& r);
std::string html_report(const Report& r);
// code-coverage.json (written with RunOptions::code_coverage): files, merged paths, note, and
// {covered, total, percent} per kind (line, branch, toggle) in total and per module.
std::string code_coverage_json(const Report& r);
// results.json (write_reports writes it): the run as data, every job's spec, verdict, time,
// exit code, log facts and files, so that shards can be merged (merge_results).
std::string results_json(const Report& r);
// The report of <dir>/results.json (paths stay relative to dir; out_dir = dir). Throws
// std::runtime_error naming the file for a missing or malformed one.
Report load_results(const std::string& dir);
// One report from the output directories of the N shards of one run (`feather regress merge`):
// the same suite, base seed and shard count, every shard once, every job once, or a
// std::runtime_error naming the problem. Copies their logs, waves and coverage files into
// out_dir, merges the functional coverage (and the Verilator coverage when the shards have it),
// jobs in suite order; seconds = the longest shard's. Does not write the reports.
Report merge_results(const std::vector<std::string>& dirs, const std::string& out_dir);
// One "# job ..." comment line and one full command line per failing job; a shell script.
std::string rerun_file(const Report& r);
// The jobs of a rerun file (the comment lines restore test, configuration, seed and timeout;
// a command line without one becomes a job of its own). timeout > 0 overrides.
Suite load_rerun(const std::string& path, double timeout);

// Shell-quotes one argument when it needs it.
std::string shell_quote(const std::string& arg);
// Splits a command line at blanks, honouring '...' and "..." quoting (no escapes).
std::vector<std::string> split_command(std::string_view line);

}  // namespace feather::regress
