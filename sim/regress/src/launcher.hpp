// Where a regression's jobs run (not a public header): run_jobs decides what runs and what a
// result means; a Launcher only starts tasks, reports them finished and stops them.
//   local: child processes of the runner, `jobs` at a time, timeouts enforced here;
//   slurm: SLURM job arrays (sbatch --array, one task per job), followed through result files
//          the tasks write into the output directory and squeue (docs/user-guide.md).
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace feather::regress {

struct RunOptions;

struct LaunchTask {
  std::size_t key = 0;  // the caller's handle
  std::string name;     // the job's id (a SLURM task script's name)
  std::string exe;      // the feather binary
  std::vector<std::string> args;
  std::filesystem::path log;  // stdout and stderr
  std::string env;            // "NAME=value" added to the environment, or ""
  double timeout = 600;       // seconds
};

struct Finished {
  std::size_t key = 0;
  int status = 0;              // wait status (WIFEXITED / WIFSIGNALED apply); -1: unknown
  bool timed_out = false;      // stopped by its timeout
  bool stopped = false;        // stopped because the regression was interrupted (stop())
  bool never_started = false;  // stopped before it started (a SLURM task still pending)
  double seconds = 0;
  std::string note;  // what the launcher knows that the log does not (a lost SLURM task)
};

class Launcher {
 public:
  virtual ~Launcher() = default;
  // How many more tasks start() takes now.
  virtual std::size_t capacity() const = 0;
  virtual void start(std::vector<LaunchTask> tasks) = 0;
  // The tasks that ended since the last call (waits a little first: the loop's pace).
  virtual std::vector<Finished> poll() = 0;
  // Stops every task that has not finished: force = false asks (SIGTERM, scancel), true kills.
  // Stopped tasks are then reported by poll() with `stopped` set.
  virtual void stop(bool force) = 0;
  virtual std::size_t in_flight() const = 0;
};

std::unique_ptr<Launcher> make_local_launcher(int jobs);
// Tasks as SLURM job arrays; scripts, task results and SLURM's own output go to out/slurm/.
// Throws std::runtime_error naming what is missing (sbatch, squeue or scancel, or a controller
// that does not answer).
std::unique_ptr<Launcher> make_slurm_launcher(const std::filesystem::path& out,
                                              const RunOptions& opt, const std::string& suite);

}  // namespace feather::regress
