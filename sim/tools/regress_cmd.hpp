// `feather regress`: run a suite of (test, configuration, seed) jobs from a suites file, or the
// failing jobs of a rerun file (docs/user-guide.md, docs/debugging.md).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace feather::cli {

struct RegressArgs {
  std::string suite;
  std::string suites_file;  // default: verif/regress/suites.yaml of the source tree
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

void add_regress_options(CLI::App* cmd, RegressArgs& a);
// 0 when every job passed, 1 when a job failed or timed out.
int cmd_regress(const RegressArgs& a, const CLI::App* cmd);

}  // namespace feather::cli
