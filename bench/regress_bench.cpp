// The regression runner's own cost per job (issue 21: a 1,000-job run is planned and collected
// without quadratic costs). For N jobs: expanding the suite from YAML (plan), writing every
// report and results.json and reading results.json back (collect), merging it as 4 shards, and
// running N trivial jobs (`birrd-cosim --cycles 1`) through the local launcher, where the
// runner's overhead is the wall time beyond the jobs' own time at -j parallel. Prints a Markdown
// table (make regress-bench-table splices it into docs/performance.md); microseconds per job
// that stay flat as N grows tenfold are the "no quadratic cost" claim.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "feather/regress/regress.hpp"
#include "stamp.hpp"

namespace fs = std::filesystem;
namespace rg = feather::regress;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// A suite of n jobs: one test, n seeds, a one-cycle BIRRD cosim each.
std::string write_suite(const fs::path& dir, int n) {
  const fs::path f = dir / fmt::format("suite{}.yaml", n);
  std::ofstream(f) << fmt::format(
      "suites:\n  many:\n    description: \"{} trivial jobs\"\n    timeout: 60\n    seeds: {}\n"
      "    jobs:\n      - test: tiny\n        command: birrd-cosim --aw 4 --cycles 1 --seed "
      "{{seed}}\n",
      n, n);
  return f.string();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"feather regress: the runner's own time per job"};
  std::vector<int> sizes = {100, 1000, 10000};
  std::vector<int> run_sizes = {100, 1000};
  int jobs = 2;
  std::string exe = FEATHER_EXE;
  std::string scratch = "out/regress-bench";
  app.add_option("--sizes", sizes, "job counts for plan and collect")->check(CLI::PositiveNumber);
  app.add_option("--run-sizes", run_sizes, "job counts actually run")->check(CLI::PositiveNumber);
  app.add_option("-j,--jobs", jobs, "parallel jobs of the runs")->check(CLI::PositiveNumber);
  app.add_option("--feather", exe, "the feather binary the jobs run");
  app.add_option("--scratch", scratch, "scratch directory (removed first)");
  CLI11_PARSE(app, argc, argv);

  fs::remove_all(scratch);
  fs::create_directories(scratch);
  fmt::print("{}\n\n", feather::bench::stamp("regress-bench-table"));
  fmt::print(
      "| jobs | plan (expand the suite), µs/job | collect (reports + results.json, read back), "
      "µs/job | merge of 4 shards, µs/job |\n|---:|---:|---:|---:|\n");
  for (int n : sizes) {
    const std::string file = write_suite(scratch, n);
    auto t0 = Clock::now();
    rg::ExpandOptions eo;
    const rg::Suite suite = rg::load_suite(file, "many", eo);
    const double plan = since(t0);
    // A finished run of n jobs without running them: every tenth fails with a log line.
    std::vector<std::string> dirs;
    double collect = 0;
    for (int s = 1; s <= 4; ++s) {
      rg::Report r;
      r.suite = suite.name;
      r.base_seed = 1;
      r.exe = exe;
      r.shard = {s, 4};
      r.suite_jobs = suite.jobs.size();
      r.out_dir = fs::absolute(fs::path(scratch) / fmt::format("collect{}-{}", n, s)).string();
      for (const rg::JobSpec& j : rg::shard_suite(suite, r.shard).jobs) {
        rg::JobResult jr;
        jr.spec = j;
        jr.status = j.index % 10 == 3 ? rg::Status::kFail : rg::Status::kPass;
        jr.exit_code = jr.status == rg::Status::kPass ? 0 : 1;
        jr.seconds = 0.01;
        jr.log = "logs/" + j.id + ".log";
        if (jr.status == rg::Status::kFail) jr.facts.failure = "FAIL: cycle 1: a made-up failure";
        r.jobs.push_back(std::move(jr));
      }
      t0 = Clock::now();
      rg::write_reports(r);
      (void)rg::load_results(r.out_dir);
      collect += since(t0);
      dirs.push_back(r.out_dir);
    }
    t0 = Clock::now();
    const rg::Report merged =
        rg::merge_results(dirs, (fs::path(scratch) / fmt::format("merged{}", n)).string());
    rg::write_reports(merged);
    const double merge = since(t0);
    fmt::print("| {} | {:.1f} | {:.1f} | {:.1f} |\n", n, 1e6 * plan / n, 1e6 * collect / n,
               1e6 * merge / n);
  }
  fmt::print(
      "\n| jobs run (-j {}) | wall, s | the jobs' own time / {}, s | runner overhead, ms/job |\n"
      "|---:|---:|---:|---:|\n",
      jobs, jobs);
  for (int n : run_sizes) {
    const std::string file = write_suite(scratch, n);
    rg::RunOptions ro;
    ro.jobs = jobs;
    ro.exe = exe;
    ro.progress = false;
    ro.out_dir = (fs::path(scratch) / fmt::format("run{}", n)).string();
    const auto t0 = Clock::now();
    rg::Report r = rg::run_jobs(rg::load_suite(file, "many", {}), 1, ro);
    rg::write_reports(r);
    const double wall = since(t0);
    double own = 0;
    for (const auto& j : r.jobs) {
      if (j.status != rg::Status::kPass) {
        fmt::print(stderr, "regress_bench: job {} did not pass: {}\n", j.spec.id, j.facts.failure);
        return 1;
      }
      own += j.seconds;
    }
    fmt::print("| {} | {:.2f} | {:.2f} | {:.2f} |\n", n, wall, own / jobs,
               1e3 * (wall - own / jobs) / n);
  }
  fs::remove_all(scratch);
  return 0;
}
