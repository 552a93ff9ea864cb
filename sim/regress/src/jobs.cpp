// Running a suite's jobs: in parallel, each with a timeout, failing ones rerun with a waveform
// window around their first divergence; what a job's log says (parse_log).
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <stdexcept>
#include <thread>

#include "feather/regress/regress.hpp"
#include "launcher.hpp"
#include "process.hpp"
#include "util.hpp"

namespace feather::regress {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// args without the options that the runner sets itself (and their values).
std::vector<std::string> strip_options(const std::vector<std::string>& args,
                                       std::initializer_list<std::string_view> names) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    bool drop = false;
    for (auto n : names) {
      if (args[i] == n) {
        drop = true;
        ++i;  // its value
        break;
      }
      if (args[i].size() > n.size() && args[i].compare(0, n.size(), n) == 0 &&
          args[i][n.size()] == '=') {
        drop = true;
        break;
      }
    }
    if (!drop) out.push_back(args[i]);
  }
  return out;
}

bool is_cosim(const JobSpec& j) {
  return !j.args.empty() && (j.args[0] == "birrd-cosim" || j.args[0] == "nest-cosim");
}

// Jobs that print a FEATHER-DIVERGENCE line and take --trace, --trace-start and --trace-stop:
// the cosims and `feather run` (the FEATHER top).
bool has_debug_rerun(const JobSpec& j) {
  return is_cosim(j) || (!j.args.empty() && j.args[0] == "run");
}

// Jobs whose subcommand takes --coverage FILE (functional counters).
bool writes_coverage(const JobSpec& j) {
  return is_cosim(j) || (!j.args.empty() && j.args[0] == "run");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Logs

LogFacts parse_log(std::string_view text) {
  LogFacts f;
  static const std::regex cosim_re(R"(: (\d+) cycles, .*, ([0-9.]+(?:e[+-]?\d+)?) cycles/s)");
  static const std::regex run_cycles_re(R"(^cycles  : (\d+))");
  static const std::regex run_speed_re(R"(^speed   : ([0-9.]+) kcycles/s)");
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string line(text.substr(pos, end - pos));
    pos = end + 1;
    std::smatch m;
    if (!f.divergence) f.divergence = sim::parse_divergence_line(line);
    if (std::regex_search(line, m, cosim_re)) {
      f.cycles = std::stoull(m[1].str());
      f.cycles_per_second = std::stod(m[2].str());
    } else if (std::regex_search(line, m, run_cycles_re)) {
      f.cycles = std::stoull(m[1].str());
    } else if (std::regex_search(line, m, run_speed_re)) {
      f.cycles_per_second = 1e3 * std::stod(m[1].str());
    }
    if (f.failure.empty() &&
        (line.rfind("FAIL: ", 0) == 0 || line.rfind("feather: error: ", 0) == 0 ||
         line.find("MISMATCH") != std::string::npos || line.rfind("terminate called", 0) == 0)) {
      f.failure = line;
    }
  }
  return f;
}

namespace {

// ---------------------------------------------------------------------------------------------
// Processes

// The first SIGINT/SIGTERM stops the run gracefully (running jobs get SIGTERM, then SIGKILL
// after 2 s); a second one kills them at once.
volatile std::sig_atomic_t g_stop_signal = 0;
volatile std::sig_atomic_t g_stop_count = 0;
extern "C" void on_interrupt(int sig) {
  if (g_stop_signal == 0) g_stop_signal = sig;
  g_stop_count = g_stop_count + 1;
}

struct Task {
  std::size_t job;  // index into the report's jobs
  bool debug;       // the windowed-trace rerun of a failed job
  std::vector<std::string> args;
  std::string log;  // relative to out_dir
};

std::string hms(double seconds) {
  const auto s = static_cast<long>(std::lround(std::max(0.0, seconds)));
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{:02}:{:02}", s / 60, s % 60);
}

class Progress {
 public:
  Progress(bool enabled, std::string suite)
      : enabled_(enabled), tty_(isatty(2) != 0), suite_(std::move(suite)) {}
  void update(int done, int total, int failed, int timeouts, int running, double elapsed,
              bool final = false) {
    if (!enabled_) return;
    const auto now = Clock::now();
    if (!final && !tty_ && now - last_ < std::chrono::seconds(10)) return;
    if (!final && tty_ && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    std::string eta = "--:--";
    if (done > 0 && done < total) {
      eta = hms(elapsed / done * (total - done));
    } else if (done == total) {
      eta = "00:00";
    }
    const std::string line = fmt::format(
        "[regress {}] {}/{} done, {} failed, {} timeout, {} running, elapsed {}, ETA {}", suite_,
        done, total, failed, timeouts, running, hms(elapsed), eta);
    if (tty_) {
      fmt::print(stderr, "\r\033[K{}{}", line, final ? "\n" : "");
    } else {
      fmt::print(stderr, "{}\n", line);
    }
    std::fflush(stderr);
  }
  // A line of its own above the live line.
  void note(const std::string& text) {
    if (!enabled_) return;
    fmt::print(stderr, "{}{}\n", tty_ ? "\r\033[K" : "", text);
    std::fflush(stderr);
  }

 private:
  bool enabled_, tty_;
  std::string suite_;
  Clock::time_point last_{};
};

std::string self_exe() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot resolve /proc/self/exe: " + ec.message());
  return p.string();
}

}  // namespace

Report run_jobs(const Suite& suite, std::uint64_t base_seed, const RunOptions& opt) {
  Report rep;
  rep.suite = suite.name;
  rep.suite_jobs = suite.jobs.size();
  rep.description = suite.description;
  rep.base_seed = base_seed;
  rep.exe = opt.exe.empty() ? self_exe() : opt.exe;
  const fs::path out = fs::absolute(opt.out_dir);
  rep.out_dir = out.string();
  for (const char* sub : {"logs", "waves", "coverage"}) fs::create_directories(out / sub);
  rep.goals = suite.goals;
  // Stale Verilator coverage files of an earlier run in the same directory.
  for (const auto& e : fs::directory_iterator(out / "coverage")) {
    if (e.path().extension() == ".dat") fs::remove(e.path());
  }
  fs::remove_all(out / "code-coverage");

  std::deque<Task> pending;
  for (std::size_t i = 0; i < suite.jobs.size(); ++i) {
    JobResult r;
    r.spec = suite.jobs[i];
    r.log = "logs/" + r.spec.id + ".log";
    Task t{i, false, r.spec.args, r.log};
    if (writes_coverage(r.spec)) {
      t.args = strip_options(t.args, {"--coverage"});
      r.coverage = "coverage/" + r.spec.id + ".json";
      t.args.push_back("--coverage");
      t.args.push_back((out / r.coverage).string());
      fs::remove(out / r.coverage);
    }
    rep.jobs.push_back(std::move(r));
    pending.push_back(std::move(t));
  }

  struct sigaction sa {
  }, old_int{}, old_term{};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  g_stop_signal = 0;
  g_stop_count = 0;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);

  Progress progress(opt.progress, suite.name);
  std::unique_ptr<Launcher> launcher = opt.launcher == "slurm"
                                           ? make_slurm_launcher(out, opt, suite.name)
                                           : make_local_launcher(opt.jobs);
  std::map<std::size_t, Task> in_flight;  // by launch key
  std::size_t next_key = 0;
  const auto t0 = Clock::now();
  int total = static_cast<int>(pending.size());
  int done = 0, failed = 0, timeouts = 0;

  auto finish = [&](const Task& task, const Finished& r) {
    const double secs = r.seconds;
    JobResult& jr = rep.jobs[task.job];
    if (r.never_started) {  // a SLURM task still pending when the run was stopped
      --total;
      if (task.debug) {
        jr.debug_note = "debug rerun not run: the regression was stopped";
      } else {
        jr.coverage.clear();
      }
      return;
    }
    const std::string text = read_text(out / task.log);
    const LogFacts facts = parse_log(text);
    const bool exited = r.status >= 0 && WIFEXITED(r.status);
    const int code = exited ? WEXITSTATUS(r.status) : -1;
    const int sig = r.status >= 0 && WIFSIGNALED(r.status) ? WTERMSIG(r.status) : 0;
    ++done;
    // A job the interruption stopped: neither a pass nor a failure. Its log stays (named in the
    // reports); what it half wrote (coverage counters, Verilator .dat files) goes.
    const bool stopped = r.stopped && !(exited && code == 0);
    if (stopped) {
      std::ofstream(out / task.log, std::ios::app)
          << fmt::format("\n[feather regress] stopped by {} after {:.1f} s: INTERRUPTED\n",
                         signal_name(rep.interrupted_by), secs);
    } else if (!r.note.empty()) {
      std::ofstream(out / task.log, std::ios::app) << "\n[feather regress] " << r.note << "\n";
    }
    if (task.debug) {
      // The rerun must diverge again at the same cycle (the runs are deterministic).
      const auto& first = *jr.facts.divergence;
      if (stopped) {
        jr.debug_note = fmt::format("debug rerun interrupted after {:.0f} s", secs);
      } else if (r.timed_out) {
        jr.debug_note = fmt::format("debug rerun timed out after {:.0f} s", secs);
      } else if (facts.divergence && facts.divergence->cycle == first.cycle) {
        jr.debug_note = fmt::format("reproduced at cycle {} ({})", first.cycle, first.unit);
      } else if (facts.divergence) {
        jr.debug_note = fmt::format("NOT reproduced: the rerun diverged at cycle {} instead of {}",
                                    facts.divergence->cycle, first.cycle);
      } else {
        jr.debug_note =
            fmt::format("NOT reproduced: the rerun did not diverge (exit code {})", code);
      }
      if (!fs::exists(out / jr.wave)) {
        jr.debug_note += "; no waveform written";
        jr.wave.clear();
        jr.gtkw.clear();
      }
      progress.note(fmt::format("  debug {}: {}{}", jr.spec.id, jr.debug_note,
                                jr.wave.empty() ? "" : "; gtkwave " + (out / jr.gtkw).string()));
      return;
    }
    jr.seconds = secs;
    jr.exit_code = code;
    jr.term_signal = sig;
    jr.facts = facts;
    if (jr.facts.failure.empty() && !r.note.empty()) jr.facts.failure = r.note;
    if (stopped) {
      jr.status = Status::kInterrupted;
      if (!jr.coverage.empty()) fs::remove(out / jr.coverage);
      jr.coverage.clear();
      progress.note(fmt::format("INTERRUPTED {} ({:.1f} s)", jr.spec.id, secs));
      return;
    }
    if (r.timed_out) {
      jr.status = Status::kTimeout;
      ++timeouts;
    } else if (exited && code == 0) {
      jr.status = Status::kPass;
    } else {
      jr.status = Status::kFail;
      ++failed;
    }
    if (!jr.coverage.empty() && !fs::exists(out / jr.coverage)) jr.coverage.clear();
    if (jr.status == Status::kPass) return;
    progress.note(
        fmt::format("{} {} ({:.1f} s){}", to_string(jr.status), jr.spec.id, secs,
                    jr.status == Status::kTimeout
                        ? fmt::format(": killed after the {:.0f} s timeout", jr.spec.timeout)
                    : !jr.facts.failure.empty() ? ": " + jr.facts.failure
                    : sig                       ? fmt::format(": killed by signal {}", sig)
                                                : fmt::format(": exit code {}", code)));
    if (jr.status != Status::kFail) return;
    if (!opt.debug_rerun) {
      jr.debug_note = "debug reruns disabled (--no-debug-rerun)";
    } else if (!facts.divergence) {
      jr.debug_note = "no FEATHER-DIVERGENCE line in the log: no windowed waveform";
    } else if (!has_debug_rerun(jr.spec)) {
      jr.debug_note = "not a cosim or run job: no windowed waveform";
    } else {
      const std::uint64_t c = facts.divergence->cycle;
      const std::uint64_t lo = c > opt.window ? c - opt.window : 0;
      jr.wave = "waves/" + jr.spec.id + ".fst";
      jr.gtkw = "waves/" + jr.spec.id + ".gtkw";
      jr.debug_log = "logs/" + jr.spec.id + ".debug.log";
      jr.debug_args = strip_options(jr.spec.args, {"--trace", "--trace-start", "--trace-stop",
                                                   "--trace-cycles", "--coverage"});
      for (const std::string& a : std::vector<std::string>{
               "--trace", (out / jr.wave).string(), "--trace-start", std::to_string(lo),
               "--trace-stop", std::to_string(c + opt.window)})
        jr.debug_args.push_back(a);
      fs::remove(out / jr.wave);
      fs::remove(out / jr.gtkw);
      // Debug reruns go first: their waveforms are what a failing regression is read with.
      pending.push_front(Task{task.job, true, jr.debug_args, jr.debug_log});
      ++total;
    }
  };

  while (!pending.empty() || launcher->in_flight() > 0) {
    if (g_stop_signal && !rep.interrupted()) {
      rep.interrupted_by = g_stop_signal;
      for (const Task& t : pending) {
        if (t.debug) rep.jobs[t.job].debug_note = "debug rerun not run: the regression was stopped";
      }
      pending.clear();
      progress.note(fmt::format("{}: stopping {} running job{}, starting no more (again: kill now)",
                                g_stop_signal == SIGINT ? "SIGINT" : "SIGTERM",
                                launcher->in_flight(), launcher->in_flight() == 1 ? "" : "s"));
      launcher->stop(false);
    }
    if (g_stop_count > 1) launcher->stop(true);
    if (!rep.interrupted() && !pending.empty()) {
      std::vector<LaunchTask> batch;
      for (std::size_t cap = launcher->capacity(); cap > 0 && !pending.empty(); --cap) {
        Task t = std::move(pending.front());
        pending.pop_front();
        const JobSpec& spec = rep.jobs[t.job].spec;
        LaunchTask lt;
        lt.key = next_key++;
        lt.name = t.debug ? spec.id + ".debug" : spec.id;
        lt.exe = rep.exe;
        lt.args = t.args;
        lt.log = out / t.log;
        lt.timeout = spec.timeout;
        if (opt.code_coverage && !t.debug) {
          lt.env = fmt::format("{}={}", kCodeCoverageVar, (out / "coverage" / spec.id).string());
        }
        in_flight.emplace(lt.key, std::move(t));
        batch.push_back(std::move(lt));
      }
      launcher->start(std::move(batch));
    }
    for (const Finished& f : launcher->poll()) {
      const auto it = in_flight.find(f.key);
      const Task task = std::move(it->second);
      in_flight.erase(it);
      finish(task, f);
    }
    progress.update(done, total, failed, timeouts, static_cast<int>(launcher->in_flight()),
                    std::chrono::duration<double>(Clock::now() - t0).count());
  }
  rep.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  progress.update(done, total, failed, timeouts, 0, rep.seconds, true);
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);

  for (auto& j : rep.jobs) {
    if (j.status == Status::kNotRun) j.coverage.clear();
    if (j.coverage.empty()) continue;
    rep.coverage.merge(Coverage::load((out / j.coverage).string()));
  }
  if (opt.code_coverage) {
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(out / "coverage")) {
      if (e.path().extension() == ".dat") files.push_back(e.path().filename().string());
    }
    std::sort(files.begin(), files.end());
    std::vector<std::string> all;
    for (auto& j : rep.jobs) {
      const std::string head = j.spec.id + ".V";  // <id>.<model>.<n>.dat, models start with V
      for (const auto& f : files) {
        if (f.rfind(head, 0) != 0) continue;
        if (j.status == Status::kInterrupted) {
          fs::remove(out / "coverage" / f);  // written while it was being stopped: partial
        } else {
          j.code_coverage.push_back("coverage/" + f);
          all.push_back("coverage/" + f);
        }
      }
    }
    rep.code_coverage = merge_code_coverage(all, out.string(), "code-coverage");
    if (all.empty()) {
      rep.code_coverage.note =
          "no job wrote Verilator coverage: the feather binary was not built with "
          "FEATHER_COVERAGE=ON (make coverage), or its models are not those of the jobs";
    }
  }
  return rep;
}

}  // namespace feather::regress
