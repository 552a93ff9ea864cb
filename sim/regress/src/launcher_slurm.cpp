// The SLURM launcher (launcher.hpp). Every start() is one job array (sbatch --array=0-(n-1)%J,
// one task per regression job, at most J at once): out/slurm/b<k>/<i>.sh runs task i under
// timeout(1) with the job's own time limit and writes out/slurm/b<k>/<i>.result ("<exit code>
// <start> <end>", renamed into place when complete); the array's --time is the longest job's
// limit plus a margin, a backstop only. poll() reads the result files; squeue, every few
// seconds, finds tasks that left the queue without one (cancelled, a node lost, SLURM's own
// limit). The output directory must be visible to the nodes (a shared file system).
#include <fmt/format.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "feather/regress/regress.hpp"
#include "launcher.hpp"
#include "process.hpp"
#include "util.hpp"

namespace feather::regress {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Runs a SLURM client command; its exit code and output (the output also goes to
// out/slurm/commands.log).
std::pair<int, std::string> slurm_command(const std::vector<std::string>& argv,
                                          const fs::path& dir) {
  const fs::path tmp = dir / ".command.out";
  fs::remove(tmp);
  const int rc = run_tool(argv, dir, tmp);
  std::string text = read_text(tmp);
  std::ofstream(dir / "commands.log", std::ios::app) << text;
  fs::remove(tmp);
  // run_tool's first line is the command itself.
  const auto nl = text.find('\n');
  return {rc, nl == std::string::npos ? std::string() : text.substr(nl + 1)};
}

// The array task ids squeue lists for a job: "3", "4-9%2", "[4-9%2]", "4,6,8-9".
std::set<std::size_t> parse_task_ids(const std::string& text) {
  std::set<std::size_t> ids;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::string s;
    for (char ch : line) {
      if (ch != '[' && ch != ']' && ch != ' ' && ch != '\r') s += ch;
    }
    if (const auto pct = s.find('%'); pct != std::string::npos) s.resize(pct);
    std::istringstream parts(s);
    std::string part;
    while (std::getline(parts, part, ',')) {
      if (part.empty() || part == "N/A") continue;
      const auto dash = part.find('-');
      try {
        const std::size_t lo = std::stoul(part.substr(0, dash));
        const std::size_t hi = dash == std::string::npos ? lo : std::stoul(part.substr(dash + 1));
        for (std::size_t k = lo; k <= hi; ++k) ids.insert(k);
      } catch (const std::exception&) {
        throw std::runtime_error(fmt::format("squeue: cannot read the array task ids '{}'", line));
      }
    }
  }
  return ids;
}

class SlurmLauncher final : public Launcher {
 public:
  SlurmLauncher(fs::path out, const RunOptions& opt, std::string suite)
      : out_(std::move(out)),
        dir_(out_ / "slurm"),
        parallel_(std::max(1, opt.jobs)),
        extra_(split_command(opt.slurm_args)),
        suite_(std::move(suite)) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // The controller must answer before anything is submitted.
    const auto [rc, text] = slurm_command({"squeue", "--noheader", "--me"}, dir_);
    if (rc != 0) {
      throw std::runtime_error(fmt::format(
          "--launcher slurm: squeue failed (exit code {}): {}is SLURM installed and its "
          "controller up (SLURM_CONF)? The commands are in {}",
          rc, text.empty() ? "" : text.substr(0, 300) + "; ", (dir_ / "commands.log").string()));
    }
  }

  ~SlurmLauncher() override {
    // Nothing of this run may stay queued behind it (an exception, a bug): cancel what is left.
    if (!tasks_.empty()) cancel(false);
  }

  std::size_t capacity() const override { return static_cast<std::size_t>(-1); }

  void start(std::vector<LaunchTask> tasks) override {
    if (tasks.empty()) return;
    const std::size_t b = batches_.size();
    const fs::path bdir = dir_ / fmt::format("b{}", b);
    fs::create_directories(bdir);
    double longest = 0;
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      const LaunchTask& t = tasks[i];
      longest = std::max(longest, t.timeout);
      std::string env = "unset " + std::string(kCodeCoverageVar) + "\n";
      if (!t.env.empty()) env += "export " + shell_quote(t.env) + "\n";
      const fs::path result = bdir / fmt::format("{}.result", i);
      write_text(bdir / fmt::format("{}.sh", i),
                 fmt::format("#!/bin/bash\n# feather regress, suite {}: job {}\ncd {}\n{}"
                             "s=$EPOCHREALTIME\n"
                             "timeout --kill-after=2 {} {} > {} 2>&1 < /dev/null\n"
                             "rc=$?\ne=$EPOCHREALTIME\n"
                             "echo \"$rc $s $e\" > {}.tmp && mv {}.tmp {}\n",
                             suite_, t.name, shell_quote(out_.string()), env, t.timeout,
                             command_line(t.exe, t.args), shell_quote(t.log.string()),
                             shell_quote(result.string()), shell_quote(result.string()),
                             shell_quote(result.string())));
      tasks_.push_back(Task{t.key, b, i, result, t.timeout, false});
    }
    write_text(bdir / "array.sh",
               fmt::format("#!/bin/bash\nexec bash {}/\"$SLURM_ARRAY_TASK_ID\".sh\n",
                           shell_quote(bdir.string())));
    // SLURM's limit is in whole minutes: the longest job's own limit, its 2 s kill margin and a
    // minute for the scheduler.
    const long minutes = static_cast<long>(std::ceil((longest + 2) / 60.0)) + 1;
    std::vector<std::string> argv = {"sbatch",
                                     "--parsable",
                                     fmt::format("--array=0-{}%{}", tasks.size() - 1, parallel_),
                                     "--job-name=feather-" + suite_,
                                     fmt::format("--time={}", minutes),
                                     "--cpus-per-task=1",
                                     "--output=" + (bdir / "slurm-%a.out").string(),
                                     "--chdir=" + out_.string()};
    argv.insert(argv.end(), extra_.begin(), extra_.end());
    argv.push_back((bdir / "array.sh").string());
    const auto [rc, text] = slurm_command(argv, dir_);
    std::string id = text.substr(0, text.find_first_of(";\n"));
    if (rc != 0 || id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
      throw std::runtime_error(fmt::format("sbatch failed (exit code {}): {}", rc,
                                           text.empty() ? "no output" : text.substr(0, 300)));
    }
    batches_.push_back(Batch{id, tasks.size()});
  }

  std::vector<Finished> poll() override {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::vector<Finished> done;
    for (Task& t : tasks_) {
      if (t.done || !fs::exists(t.result)) continue;
      std::istringstream in(read_text(t.result));
      int rc = -1;
      double s = 0, e = 0;
      if (!(in >> rc >> s >> e)) continue;  // not complete yet (never: it is renamed in place)
      Finished f;
      f.key = t.key;
      f.seconds = std::max(0.0, e - s);
      // timeout(1): 124 after SIGTERM, 137 after the SIGKILL of --kill-after; 128 + N: the job
      // died of signal N.
      f.timed_out = (rc == 124 || rc == 137) && f.seconds >= t.timeout;
      f.status = rc > 128 && rc < 160 ? rc - 128 : (rc & 0xff) << 8;
      f.stopped = stopped_;
      t.done = true;
      done.push_back(f);
    }
    const auto now = Clock::now();
    if (stopped_ || now - last_squeue_ > std::chrono::seconds(3)) {
      last_squeue_ = now;
      lost(done);
    }
    std::erase_if(tasks_, [](const Task& t) { return t.done; });
    return done;
  }

  void stop(bool force) override {
    if (stopped_ && !force) return;
    if (!stopped_) {
      // Which tasks are running now: the others never started.
      for (Batch& b : batches_) b.running = queued(b, "RUNNING");
    }
    stopped_ = true;
    cancel(force);
  }

  std::size_t in_flight() const override { return tasks_.size(); }

 private:
  struct Task {
    std::size_t key;
    std::size_t batch, index;
    fs::path result;
    double timeout;
    bool done;
    int missing = 0;  // squeue runs in a row that did not list it
  };
  struct Batch {
    std::string id;
    std::size_t size;
    std::set<std::size_t> running{};
  };

  // The task ids of a batch that squeue lists (in a state, or any).
  std::set<std::size_t> queued(const Batch& b, const std::string& state = "") {
    std::vector<std::string> argv = {"squeue", "--noheader", "--array", "--jobs=" + b.id,
                                     "--format=%K"};
    if (!state.empty()) argv.push_back("--states=" + state);
    const auto [rc, text] = slurm_command(argv, dir_);
    // An old job id squeue no longer knows: "Invalid job id specified", exit code 1.
    if (rc != 0 && text.find("Invalid job id") == std::string::npos) {
      throw std::runtime_error(
          fmt::format("squeue failed (exit code {}): {}", rc, text.substr(0, 300)));
    }
    return rc == 0 ? parse_task_ids(text) : std::set<std::size_t>{};
  }

  // Tasks without a result that squeue no longer lists (twice in a row: a result file may
  // appear between the two reads), or every unfinished task once the run was stopped.
  void lost(std::vector<Finished>& done) {
    std::map<std::size_t, std::set<std::size_t>> listed;
    for (std::size_t b = 0; b < batches_.size(); ++b) {
      const bool open = std::any_of(tasks_.begin(), tasks_.end(),
                                    [&](const Task& t) { return !t.done && t.batch == b; });
      if (open) listed[b] = queued(batches_[b]);
    }
    for (Task& t : tasks_) {
      if (t.done) continue;
      if (!stopped_ && listed[t.batch].count(t.index)) {
        t.missing = 0;
        continue;
      }
      if (!stopped_ && (++t.missing < 2 || fs::exists(t.result))) continue;
      Finished f;
      f.key = t.key;
      f.status = -1;
      f.stopped = stopped_;
      f.never_started = stopped_ && !batches_[t.batch].running.count(t.index);
      f.note = stopped_ ? "cancelled (scancel) when the regression was stopped"
                        : fmt::format(
                              "SLURM task {}_{} left the queue without a result "
                              "(cancelled, its node lost, or SLURM's time limit): see {}",
                              batches_[t.batch].id, t.index,
                              (dir_ / fmt::format("b{}/slurm-{}.out", t.batch, t.index)).string());
      t.done = true;
      done.push_back(f);
    }
  }

  void cancel(bool force) {
    for (const Batch& b : batches_) {
      std::vector<std::string> argv = {"scancel"};
      if (force) argv.push_back("--signal=KILL");
      argv.push_back(b.id);
      slurm_command(argv, dir_);
    }
  }

  fs::path out_, dir_;
  int parallel_;
  std::vector<std::string> extra_;
  std::string suite_;
  std::vector<Task> tasks_;
  std::vector<Batch> batches_;
  bool stopped_ = false;
  Clock::time_point last_squeue_ = Clock::now();
};

}  // namespace

std::unique_ptr<Launcher> make_slurm_launcher(const fs::path& out, const RunOptions& opt,
                                              const std::string& suite) {
  return std::make_unique<SlurmLauncher>(out, opt, suite);
}

}  // namespace feather::regress
