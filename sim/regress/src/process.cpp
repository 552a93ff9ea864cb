// Child processes of the runner: the jobs (their own process group, a clean environment) and the
// coverage tools.
#include "process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "feather/regress/regress.hpp"

extern char** environ;

namespace feather::regress {

namespace fs = std::filesystem;

namespace {

// The runner's environment without FEATHER_CODE_COVERAGE, plus `extra` ("NAME=value") if given.
std::vector<std::string> job_environment(const std::string& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string_view v(*e);
    if (v.size() > kCodeCoverageVar.size() &&
        v.substr(0, kCodeCoverageVar.size()) == kCodeCoverageVar &&
        v[kCodeCoverageVar.size()] == '=') {
      continue;
    }
    env.emplace_back(v);
  }
  if (!extra.empty()) env.push_back(extra);
  return env;
}

}  // namespace

pid_t spawn(const std::string& exe, const std::vector<std::string>& args, const fs::path& log,
            const std::string& extra_env) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawnattr_t at;
  posix_spawnattr_init(&at);
  // Its own process group (the timeout kills the group), default signal dispositions, nothing
  // blocked.
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int s : {SIGINT, SIGTERM, SIGUSR1, SIGPIPE, SIGHUP}) sigaddset(&defaults, s);
  posix_spawnattr_setsigmask(&at, &none);
  posix_spawnattr_setsigdefault(&at, &defaults);
  posix_spawnattr_setpgroup(&at, 0);
  posix_spawnattr_setflags(&at, static_cast<short>(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                                   POSIX_SPAWN_SETSIGDEF));
  std::vector<std::string> argv_s;
  argv_s.push_back("feather");
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s = job_environment(extra_env);
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, exe.c_str(), &fa, &at, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  if (rc != 0) {
    throw std::runtime_error(fmt::format("cannot start '{}': {}", exe, std::strerror(rc)));
  }
  return pid;
}

int run_tool(const std::vector<std::string>& argv_s, const fs::path& cwd, const fs::path& log) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  {
    std::ofstream l(log, std::ios::app);
    l << "$ (cd " << cwd.string() << " &&";
    for (const auto& a : argv_s) l << ' ' << shell_quote(a);
    l << ")\n";
  }
  // posix_spawn has no chdir before glibc 2.29's _np extension: relative paths are made
  // absolute against cwd instead.
  std::vector<std::string> args = argv_s;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, args[0].c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    std::ofstream l(log, std::ios::app);
    l << "cannot start " << args[0] << ": " << std::strerror(rc) << "\n";
    return -1;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace feather::regress
