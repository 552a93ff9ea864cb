// The local launcher (launcher.hpp): child processes, each in its own process group, at most
// `jobs` at a time; a task over its timeout gets SIGTERM, then SIGKILL 2 s later.
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "launcher.hpp"
#include "process.hpp"

namespace feather::regress {

namespace {

using Clock = std::chrono::steady_clock;

class LocalLauncher final : public Launcher {
 public:
  explicit LocalLauncher(int jobs) : jobs_(static_cast<std::size_t>(std::max(1, jobs))) {}

  std::size_t capacity() const override {
    return running_.size() < jobs_ ? jobs_ - running_.size() : 0;
  }

  void start(std::vector<LaunchTask> tasks) override {
    for (LaunchTask& t : tasks) {
      const pid_t pid = spawn(t.exe, t.args, t.log, t.env);
      running_.push_back(Child{t.key, pid, Clock::now(), t.timeout});
    }
  }

  std::vector<Finished> poll() override {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::vector<Finished> done;
    const auto now = Clock::now();
    for (std::size_t k = 0; k < running_.size();) {
      Child& c = running_[k];
      int status = 0;
      if (waitpid(c.pid, &status, WNOHANG) == c.pid) {
        kill(-c.pid, SIGKILL);  // anything the job left behind in its group
        Finished f;
        f.key = c.key;
        f.status = status;
        f.timed_out = c.timed_out;
        f.stopped = c.stopped;
        f.seconds = std::chrono::duration<double>(now - c.start).count();
        done.push_back(f);
        running_.erase(running_.begin() + static_cast<std::ptrdiff_t>(k));
        continue;
      }
      const double secs = std::chrono::duration<double>(now - c.start).count();
      if (!c.timed_out && !c.stopped && secs > c.timeout) {
        c.timed_out = true;
        c.term_at = now;
        kill(-c.pid, SIGTERM);
      } else if ((c.timed_out || c.stopped) && now - c.term_at > std::chrono::seconds(2)) {
        kill(-c.pid, SIGKILL);
      }
      ++k;
    }
    return done;
  }

  void stop(bool force) override {
    const auto now = Clock::now();
    for (Child& c : running_) {
      if (!c.stopped) {
        c.stopped = true;
        c.term_at = now;
      }
      kill(-c.pid, force ? SIGKILL : SIGTERM);
    }
  }

  std::size_t in_flight() const override { return running_.size(); }

 private:
  struct Child {
    std::size_t key;
    pid_t pid;
    Clock::time_point start;
    double timeout;
    bool timed_out = false;
    bool stopped = false;
    Clock::time_point term_at{};
  };
  std::size_t jobs_;
  std::vector<Child> running_;
};

}  // namespace

std::unique_ptr<Launcher> make_local_launcher(int jobs) {
  return std::make_unique<LocalLauncher>(jobs);
}

}  // namespace feather::regress
