#include "feather/sim/regress.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace feather::sim::regress {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------------
// Suites

namespace {

std::runtime_error suite_error(const std::string& path, const YAML::Node& n, const std::string& m) {
  const auto mark = n.Mark();
  if (mark.line >= 0) return std::runtime_error(fmt::format("{}:{}: {}", path, mark.line + 1, m));
  return std::runtime_error(fmt::format("{}: {}", path, m));
}

YAML::Node load_file(const std::string& path) {
  try {
    YAML::Node root = YAML::LoadFile(path);
    if (!root.IsMap() || !root["suites"] || !root["suites"].IsMap()) {
      throw std::runtime_error(fmt::format("{}: expected a map with a 'suites' map", path));
    }
    return root;
  } catch (const YAML::BadFile&) {
    throw std::runtime_error(fmt::format("cannot read suites file '{}'", path));
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(fmt::format("{}: {}", path, e.what()));
  }
}

// A file-name-safe form of a configuration: "aw=16 dw=32" -> "aw16-dw32".
std::string safe(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') {
      out += c;
    } else if (c == ' ' || c == ',' || c == '/') {
      if (!out.empty() && out.back() != '-') out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "default" : out;
}

std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

// Substitutes {name} placeholders; throws for an unknown one.
std::string substitute(const std::string& tmpl, const std::map<std::string, std::string>& vars,
                       const std::string& where) {
  std::string out;
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '{') {
      out += tmpl[i];
      continue;
    }
    const auto close = tmpl.find('}', i);
    if (close == std::string::npos) throw std::runtime_error(where + ": unclosed '{' in command");
    const std::string key = tmpl.substr(i + 1, close - i - 1);
    auto it = vars.find(key);
    if (it == vars.end()) {
      throw std::runtime_error(
          fmt::format("{}: placeholder {{{}}} is not defined by the configuration", where, key));
    }
    out += it->second;
    i = close;
  }
  return out;
}

double number_or(const YAML::Node& n, const char* key, double fallback, const std::string& path) {
  if (!n[key]) return fallback;
  try {
    const double v = n[key].as<double>();
    if (!(v > 0)) throw suite_error(path, n[key], fmt::format("'{}' must be positive", key));
    return v;
  } catch (const YAML::Exception&) {
    throw suite_error(path, n[key], fmt::format("'{}' must be a number", key));
  }
}

}  // namespace

std::uint64_t derive_seed(std::uint64_t base, std::string_view test, std::string_view config,
                          int k) {
  std::uint64_t h = splitmix(base ^ splitmix(fnv1a(test) ^ (fnv1a(config) << 1)));
  h = splitmix(h + static_cast<std::uint64_t>(k)) & 0xffffffffffffULL;
  return h == 0 ? 1 : h;
}

std::vector<std::string> suite_names(const std::string& path) {
  std::vector<std::string> names;
  for (const auto& kv : load_file(path)["suites"]) names.push_back(kv.first.as<std::string>());
  return names;
}

Suite load_suite(const std::string& path, const std::string& name, const ExpandOptions& opt) {
  const YAML::Node root = load_file(path);
  const YAML::Node s = root["suites"][name];
  if (!s) {
    std::string known;
    for (const auto& n : suite_names(path)) known += (known.empty() ? "" : ", ") + n;
    throw std::runtime_error(fmt::format("{}: no suite '{}' (suites: {})", path, name, known));
  }
  if (!s.IsMap() || !s["jobs"] || !s["jobs"].IsSequence()) {
    throw suite_error(path, s, fmt::format("suite '{}' needs a 'jobs' list", name));
  }
  Suite suite;
  suite.name = name;
  suite.description = s["description"] ? s["description"].as<std::string>() : "";
  if (const YAML::Node g = s["goals"]) {
    if (!g.IsMap()) throw suite_error(path, g, "'goals' must be a map of kind: percent");
    for (const auto& kv : g) {
      const auto kind = kv.first.as<std::string>();
      if (kind != "functional" && kind != "line" && kind != "branch" && kind != "toggle") {
        throw suite_error(path, kv.first,
                          fmt::format("unknown coverage goal '{}' (functional, line, branch, "
                                      "toggle)",
                                      kind));
      }
      double v = 0;
      try {
        v = kv.second.as<double>();
      } catch (const YAML::Exception&) {
        throw suite_error(path, kv.second, fmt::format("goal '{}' must be a number", kind));
      }
      if (v < 0 || v > 100) {
        throw suite_error(path, kv.second, fmt::format("goal '{}' must be 0..100", kind));
      }
      suite.goals[kind] = v;
    }
  }
  const double suite_timeout = number_or(s, "timeout", 600, path);
  const int suite_seeds = static_cast<int>(number_or(s, "seeds", 1, path));
  std::map<std::string, int> ids;
  for (const auto& j : s["jobs"]) {
    if (!j.IsMap() || !j["test"] || !j["command"]) {
      throw suite_error(path, j, "a job needs 'test' and 'command'");
    }
    const std::string test = j["test"].as<std::string>();
    const std::string command = j["command"].as<std::string>();
    if (command.find("{seed}") == std::string::npos) {
      throw suite_error(path, j["command"],
                        fmt::format("job '{}': the command must take {{seed}}", test));
    }
    const double timeout =
        opt.timeout > 0 ? opt.timeout : number_or(j, "timeout", suite_timeout, path);
    const int seeds = opt.seeds_per_job > 0
                          ? opt.seeds_per_job
                          : static_cast<int>(number_or(j, "seeds", suite_seeds, path));
    std::vector<YAML::Node> configs;
    if (j["configs"]) {
      if (!j["configs"].IsSequence() || j["configs"].size() == 0) {
        throw suite_error(path, j["configs"],
                          fmt::format("job '{}': 'configs' must be a non-empty list", test));
      }
      for (const auto& c : j["configs"]) {
        if (!c.IsMap()) throw suite_error(path, c, "a configuration is a map of name: value");
        configs.push_back(c);
      }
    } else {
      configs.emplace_back(YAML::NodeType::Map);
    }
    for (const auto& c : configs) {
      std::map<std::string, std::string> vars;
      std::string label;
      for (const auto& kv : c) {
        const auto key = kv.first.as<std::string>();
        const auto value = kv.second.as<std::string>();
        if (key == "seed") throw suite_error(path, c, "'seed' is reserved for {seed}");
        vars[key] = value;
        label += (label.empty() ? "" : " ") + key + "=" + value;
      }
      for (int k = 0; k < seeds; ++k) {
        JobSpec js;
        js.test = test;
        js.config = label;
        js.seed = derive_seed(opt.base_seed, test, label, k);
        vars["seed"] = std::to_string(js.seed);
        js.args = split_command(substitute(command, vars, fmt::format("{}: job '{}'", path, test)));
        if (js.args.empty()) throw suite_error(path, j, "empty command");
        js.timeout = timeout;
        js.id = fmt::format("{}.{}.s{}", safe(test), safe(label), js.seed);
        if (int n = ids[js.id]++; n > 0) js.id += fmt::format(".{}", n);
        suite.jobs.push_back(std::move(js));
      }
    }
  }
  return suite;
}

std::string_view to_string(Status s) {
  switch (s) {
    case Status::kPass:
      return "PASS";
    case Status::kFail:
      return "FAIL";
    case Status::kTimeout:
      return "TIMEOUT";
  }
  return "?";
}

int Report::count(Status s) const {
  return static_cast<int>(
      std::count_if(jobs.begin(), jobs.end(), [&](const JobResult& j) { return j.status == s; }));
}

// ---------------------------------------------------------------------------------------------
// Command lines

std::string shell_quote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789-_=+./:,@%") == std::string::npos) {
    return arg;
  }
  std::string out = "'";
  for (char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::vector<std::string> split_command(std::string_view line) {
  std::vector<std::string> out;
  std::string cur;
  bool have = false;
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else {
        cur += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      have = true;
    } else if (c == '\\' && i + 1 < line.size() && line[i + 1] == '\'') {
      cur += '\'';  // the '\'' of shell_quote
      ++i;
      have = true;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (have) out.push_back(cur);
      cur.clear();
      have = false;
    } else {
      cur += c;
      have = true;
    }
  }
  if (quote) throw std::runtime_error(fmt::format("unterminated quote in '{}'", line));
  if (have) out.push_back(cur);
  return out;
}

namespace {

std::string command_line(const std::string& exe, const std::vector<std::string>& args) {
  std::string s = shell_quote(exe);
  for (const auto& a : args) {
    s += ' ';
    s += shell_quote(a);
  }
  return s;
}

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
    if (!f.divergence) f.divergence = parse_divergence_line(line);
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

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error(fmt::format("cannot write '{}'", p.string()));
}

std::string first_lines(const std::string& text, int n) {
  std::size_t pos = 0;
  for (int k = 0; k < n && pos != std::string::npos; ++k) {
    pos = text.find('\n', pos);
    if (pos != std::string::npos) ++pos;
  }
  if (pos == std::string::npos || pos >= text.size()) return text;
  return text.substr(0, pos) + "[...]\n";
}

// ---------------------------------------------------------------------------------------------
// Processes

volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_interrupt(int) { g_interrupted = 1; }

struct Task {
  std::size_t job;  // index into the report's jobs
  bool debug;       // the windowed-trace rerun of a failed job
  std::vector<std::string> args;
  std::string log;  // relative to out_dir
};

struct Running {
  Task task;
  pid_t pid;
  Clock::time_point start;
  double timeout;
  bool timed_out = false;
  Clock::time_point term_at{};
};

constexpr std::string_view kCodeCoverageVar = "FEATHER_CODE_COVERAGE";

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

pid_t spawn(const std::string& exe, const std::vector<std::string>& args, const fs::path& log,
            const std::string& extra_env = "") {
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
  g_interrupted = 0;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);

  Progress progress(opt.progress, suite.name);
  std::vector<Running> running;
  const auto t0 = Clock::now();
  int total = static_cast<int>(pending.size());
  int done = 0, failed = 0, timeouts = 0;
  const int parallel = std::max(1, opt.jobs);

  auto finish = [&](Running& r, int status) {
    const double secs = std::chrono::duration<double>(Clock::now() - r.start).count();
    JobResult& jr = rep.jobs[r.task.job];
    const std::string text = read_text(out / r.task.log);
    const LogFacts facts = parse_log(text);
    const bool exited = WIFEXITED(status);
    const int code = exited ? WEXITSTATUS(status) : -1;
    const int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    ++done;
    if (r.task.debug) {
      // The rerun must diverge again at the same cycle (the runs are deterministic).
      const auto& first = *jr.facts.divergence;
      if (r.timed_out) {
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
                    : !facts.failure.empty() ? ": " + facts.failure
                    : sig                    ? fmt::format(": killed by signal {}", sig)
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
      pending.push_front(Task{r.task.job, true, jr.debug_args, jr.debug_log});
      ++total;
    }
  };

  while ((!pending.empty() || !running.empty())) {
    if (g_interrupted && !rep.interrupted) {
      rep.interrupted = true;
      pending.clear();
      for (auto& r : running) kill(-r.pid, SIGKILL);
    }
    while (!rep.interrupted && static_cast<int>(running.size()) < parallel && !pending.empty()) {
      Task t = std::move(pending.front());
      pending.pop_front();
      const double timeout = rep.jobs[t.job].spec.timeout;
      const std::string env =
          opt.code_coverage && !t.debug
              ? fmt::format("{}={}", kCodeCoverageVar,
                            (out / "coverage" / rep.jobs[t.job].spec.id).string())
              : std::string();
      const pid_t pid = spawn(rep.exe, t.args, out / t.log, env);
      running.push_back(Running{std::move(t), pid, Clock::now(), timeout});
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const auto now = Clock::now();
    for (std::size_t k = 0; k < running.size();) {
      Running& r = running[k];
      int status = 0;
      const pid_t w = waitpid(r.pid, &status, WNOHANG);
      if (w == r.pid) {
        kill(-r.pid, SIGKILL);  // anything the job left behind in its group
        finish(r, status);
        running.erase(running.begin() + static_cast<std::ptrdiff_t>(k));
        continue;
      }
      const double secs = std::chrono::duration<double>(now - r.start).count();
      if (!r.timed_out && secs > r.timeout) {
        r.timed_out = true;
        r.term_at = now;
        kill(-r.pid, SIGTERM);
      } else if (r.timed_out && now - r.term_at > std::chrono::seconds(2)) {
        kill(-r.pid, SIGKILL);
      }
      ++k;
    }
    progress.update(done, total, failed, timeouts, static_cast<int>(running.size()),
                    std::chrono::duration<double>(now - t0).count());
  }
  rep.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  progress.update(done, total, failed, timeouts, 0, rep.seconds, true);
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);

  for (const auto& j : rep.jobs) {
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
        if (f.rfind(head, 0) == 0) {
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

// ---------------------------------------------------------------------------------------------
// Code coverage

double CodeCoverage::Count::percent() const {
  return total == 0 ? 100.0 : 100.0 * static_cast<double>(covered) / static_cast<double>(total);
}

void count_code_coverage(const std::string& dat_text, CodeCoverage& into) {
  std::istringstream in(dat_text);
  std::string line;
  while (std::getline(in, line)) {
    // C '<key>' <count>; the key is a list of \001 name \002 value.
    if (line.size() < 4 || line[0] != 'C') continue;
    const auto open = line.find('\'');
    const auto close = line.rfind('\'');
    if (open == std::string::npos || close == open) continue;
    const std::string key = line.substr(open + 1, close - open - 1);
    std::uint64_t count = 0;
    try {
      count = std::stoull(line.substr(close + 1));
    } catch (const std::exception&) {
      continue;
    }
    std::string page;
    std::size_t pos = 0;
    while (pos < key.size()) {
      auto next = key.find('\001', pos + 1);
      if (next == std::string::npos) next = key.size();
      const std::string field = key.substr(pos, next - pos);
      const auto sep = field.find('\002');
      if (sep != std::string::npos) {
        std::string name = field.substr(0, sep);
        if (!name.empty() && name[0] == '\001') name.erase(0, 1);
        if (name == "page") page = field.substr(sep + 1);
      }
      pos = next;
    }
    // page: v_line/<module>, v_branch/<module>, v_toggle/<module> (v_user: none here).
    const auto slash = page.find('/');
    const std::string kind = page.substr(0, slash);
    std::string module = slash == std::string::npos ? "?" : page.substr(slash + 1);
    // A parameterized module's name is mangled (egg__D20): its specializations count together.
    if (const auto mangle = module.find("__"); mangle != std::string::npos && mangle > 0) {
      module.erase(mangle);
    }
    CodeCoverage::Count* total = nullptr;
    CodeCoverage::Count* mod = nullptr;
    auto& m = into.modules[module];
    if (kind == "v_line") {
      total = &into.totals.line;
      mod = &m.line;
    } else if (kind == "v_branch") {
      total = &into.totals.branch;
      mod = &m.branch;
    } else if (kind == "v_toggle") {
      total = &into.totals.toggle;
      mod = &m.toggle;
    } else {
      continue;
    }
    ++total->total;
    ++mod->total;
    if (count > 0) {
      ++total->covered;
      ++mod->covered;
    }
  }
}

namespace {

// Runs a tool, output appended to `log`; its exit code, or -1 if it could not start / died.
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

}  // namespace

CodeCoverage merge_code_coverage(const std::vector<std::string>& inputs,
                                 const std::string& base_dir, const std::string& dir) {
  CodeCoverage cc;
  cc.requested = true;
  cc.inputs = inputs;
  if (inputs.empty()) {
    cc.note = "no coverage files";
    return cc;
  }
  const fs::path base = fs::absolute(base_dir);
  const fs::path d = base / dir;
  fs::create_directories(d);
  const fs::path log = d / "merge.log";
  fs::remove(log);
  cc.log = (fs::path(dir) / "merge.log").string();
  std::vector<std::string> write = {"verilator_coverage", "--write", (d / "merged.dat").string()};
  std::vector<std::string> info = {"verilator_coverage", "--write-info",
                                   (d / "merged.info").string()};
  for (const auto& f : inputs) {
    write.push_back((base / f).string());
    info.push_back((base / f).string());
  }
  if (run_tool(write, base, log) != 0 || !fs::exists(d / "merged.dat")) {
    cc.note = "verilator_coverage --write failed (see " + cc.log + ")";
    return cc;
  }
  cc.dat = (fs::path(dir) / "merged.dat").string();
  count_code_coverage(read_text(d / "merged.dat"), cc);
  if (run_tool(info, base, log) != 0 || !fs::exists(d / "merged.info")) {
    cc.note = "verilator_coverage --write-info failed (see " + cc.log + ")";
    return cc;
  }
  cc.info = (fs::path(dir) / "merged.info").string();
  const int g =
      run_tool({"genhtml", "--quiet", "--legend", "--title", "feather regress coverage",
                "--output-directory", (d / "html").string(), (d / "merged.info").string()},
               base, log);
  if (g != 0 || !fs::exists(d / "html" / "index.html")) {
    cc.note = g == -1 ? "genhtml not found or failed: install lcov (make deps)"
                      : "genhtml failed (see " + cc.log + ")";
    return cc;
  }
  cc.html = (fs::path(dir) / "html" / "index.html").string();
  return cc;
}

// ---------------------------------------------------------------------------------------------
// Reports

namespace {

// XML/HTML text: escapes markup and drops the control characters XML 1.0 forbids.
std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        if (c < 0x20 && ch != '\n' && ch != '\t' && ch != '\r') break;
        out += ch;
    }
  }
  return out;
}

std::string speed(const LogFacts& f) {
  if (!f.cycles_per_second) return "";
  const double v = *f.cycles_per_second;
  if (v >= 1e6) return fmt::format("{:.2f} Mcycles/s", v / 1e6);
  return fmt::format("{:.1f} kcycles/s", v / 1e3);
}

std::string timestamp() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string log_text(const std::string& dir, const std::string& rel) {
  return rel.empty() ? std::string() : read_text(fs::path(dir) / rel);
}

}  // namespace

std::string junit_xml(const Report& r) {
  const int fails = r.count(Status::kFail);
  const int errors = r.count(Status::kTimeout);
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += fmt::format(
      "<testsuites name=\"feather regress\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
      "time=\"{:.3f}\">\n",
      r.jobs.size(), fails, errors, r.seconds);
  x += fmt::format(
      "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" "
      "time=\"{:.3f}\" timestamp=\"{}\">\n",
      esc(r.suite), r.jobs.size(), fails, errors, r.seconds, timestamp());
  x += "    <properties>\n";
  x += fmt::format("      <property name=\"base_seed\" value=\"{}\"/>\n", r.base_seed);
  x += fmt::format("      <property name=\"feather\" value=\"{}\"/>\n", esc(r.exe));
  x += "    </properties>\n";
  for (const auto& j : r.jobs) {
    x += fmt::format("    <testcase classname=\"{}.{}\" name=\"{}\" time=\"{:.3f}\">\n",
                     esc(r.suite), esc(j.spec.test),
                     esc(fmt::format("{}{}seed={}", j.spec.config, j.spec.config.empty() ? "" : " ",
                                     j.spec.seed)),
                     j.seconds);
    x += fmt::format("      <properties><property name=\"seed\" value=\"{}\"/></properties>\n",
                     j.spec.seed);
    const std::string head = first_lines(log_text(r.out_dir, j.log), 40);
    if (j.status == Status::kFail) {
      const std::string msg = !j.facts.failure.empty() ? j.facts.failure
                              : j.term_signal ? fmt::format("killed by signal {}", j.term_signal)
                                              : fmt::format("exit code {}", j.exit_code);
      x += fmt::format("      <failure type=\"FAIL\" message=\"{}\">{}</failure>\n", esc(msg),
                       esc(head));
    } else if (j.status == Status::kTimeout) {
      x += fmt::format(
          "      <error type=\"TIMEOUT\" message=\"killed after the {:.0f} s "
          "timeout\">{}</error>\n",
          j.spec.timeout, esc(head));
    }
    std::string out =
        fmt::format("log: {}\ncommand: {}\n", j.log, command_line(r.exe, j.spec.args));
    if (!j.wave.empty()) {
      out += fmt::format("waveform: {}\nopen with: gtkwave {} {}\n", j.wave,
                         (fs::path(r.out_dir) / j.wave).string(),
                         (fs::path(r.out_dir) / j.gtkw).string());
    }
    if (!j.debug_note.empty()) out += "debug: " + j.debug_note + "\n";
    x += fmt::format("      <system-out>{}</system-out>\n", esc(out));
    x += "    </testcase>\n";
  }
  x += "  </testsuite>\n</testsuites>\n";
  return x;
}

std::string rerun_file(const Report& r) {
  std::string s = fmt::format(
      "# feather regress rerun file: suite {}, base seed {}: one command line per failing job.\n"
      "# Replay exactly these jobs: feather regress --rerun <this file> (or run it with sh).\n",
      r.suite, r.base_seed);
  for (const auto& j : r.jobs) {
    if (j.status == Status::kPass) continue;
    s += fmt::format("# job test={} seed={} timeout={} status={} config={}\n", j.spec.test,
                     j.spec.seed, j.spec.timeout, to_string(j.status), j.spec.config);
    s += command_line(r.exe, j.spec.args) + "\n";
  }
  return s;
}

Suite load_rerun(const std::string& path, double timeout) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("cannot read rerun file '{}'", path));
  Suite suite;
  suite.name = "rerun";
  suite.description = "the failing jobs of " + path;
  std::optional<JobSpec> meta;
  std::map<std::string, int> ids;
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (line.rfind("# job ", 0) == 0) {
      JobSpec m;
      const auto cfg = line.find(" config=");
      m.config = cfg == std::string::npos ? "" : line.substr(cfg + 8);
      for (const auto& tok :
           split_command(line.substr(6, cfg == std::string::npos ? std::string::npos : cfg - 6))) {
        const auto eq = tok.find('=');
        if (eq == std::string::npos) continue;
        const auto key = tok.substr(0, eq);
        const auto value = tok.substr(eq + 1);
        try {
          if (key == "test") m.test = value;
          if (key == "seed") m.seed = std::stoull(value);
          if (key == "timeout") m.timeout = std::stod(value);
        } catch (const std::exception&) {
          throw std::runtime_error(fmt::format("{}:{}: bad {} '{}'", path, lineno, key, value));
        }
      }
      meta = m;
      continue;
    }
    if (line.front() == '#') continue;
    auto words = split_command(line);
    if (words.size() < 2) {
      throw std::runtime_error(
          fmt::format("{}:{}: expected 'feather SUBCOMMAND ...'", path, lineno));
    }
    JobSpec j = meta ? *meta : JobSpec{};
    meta.reset();
    j.args.assign(words.begin() + 1, words.end());  // the binary itself: the runner's own
    if (j.test.empty()) j.test = j.args[0];
    if (j.seed == 0) {
      for (std::size_t k = 0; k + 1 < j.args.size(); ++k)
        if (j.args[k] == "--seed") j.seed = std::strtoull(j.args[k + 1].c_str(), nullptr, 0);
    }
    if (timeout > 0) j.timeout = timeout;
    j.id = fmt::format("{}.{}.s{}", safe(j.test), safe(j.config), j.seed);
    if (int n = ids[j.id]++; n > 0) j.id += fmt::format(".{}", n);
    suite.jobs.push_back(std::move(j));
  }
  return suite;
}

std::string html_report(const Report& r) {
  const fs::path dir(r.out_dir);
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += fmt::format("<title>feather regress {}</title>\n", esc(r.suite));
  h += R"(<style>
body { font-family: sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em 0; }
th, td { border: 1px solid #bbb; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
th { background: #eee; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.PASS { background: #dff0d8; } .FAIL { background: #f2dede; } .TIMEOUT { background: #fcf0c8; }
pre { background: #f7f7f7; border: 1px solid #ddd; padding: 0.5em; overflow-x: auto;
      max-height: 30em; font-size: 85%; }
code { font-size: 90%; }
</style>
</head>
<body>
)";
  h += fmt::format("<h1>feather regress: {}</h1>\n", esc(r.suite));
  if (!r.description.empty()) h += fmt::format("<p>{}</p>\n", esc(r.description));
  const int pass = r.count(Status::kPass), fail = r.count(Status::kFail),
            tmo = r.count(Status::kTimeout);
  h += "<table id=\"summary\">\n";
  h += fmt::format("<tr><th>jobs</th><td class=\"num\">{}</td></tr>\n", r.jobs.size());
  h += fmt::format("<tr><th>passed</th><td class=\"num\">{}</td></tr>\n", pass);
  h += fmt::format("<tr><th>failed</th><td class=\"num\">{}</td></tr>\n", fail);
  h += fmt::format("<tr><th>timed out</th><td class=\"num\">{}</td></tr>\n", tmo);
  h += fmt::format("<tr><th>base seed</th><td class=\"num\">{}</td></tr>\n", r.base_seed);
  h += fmt::format("<tr><th>wall time</th><td class=\"num\">{:.1f} s</td></tr>\n", r.seconds);
  h += fmt::format("<tr><th>generated</th><td>{}</td></tr>\n", timestamp());
  if (r.interrupted) h += "<tr><th>interrupted</th><td>yes: some jobs did not run</td></tr>\n";
  h += "</table>\n";
  if (fail + tmo > 0) {
    h += "<p>Replay the failures: <code>feather regress --rerun " +
         esc((dir / "rerun.txt").string()) + "</code></p>\n";
  }

  // Per configuration: test + configuration.
  struct Agg {
    int jobs = 0, pass = 0, fail = 0, timeout = 0;
    std::uint64_t cycles = 0;
    double sim_seconds = 0;  // cycles / speed, summed, for the mean speed
    double seconds = 0;
  };
  std::vector<std::pair<std::string, Agg>> aggs;
  for (const auto& j : r.jobs) {
    const std::string key = j.spec.test + (j.spec.config.empty() ? "" : " " + j.spec.config);
    auto it = std::find_if(aggs.begin(), aggs.end(), [&](const auto& a) { return a.first == key; });
    if (it == aggs.end()) {
      aggs.emplace_back(key, Agg{});
      it = aggs.end() - 1;
    }
    Agg& a = it->second;
    ++a.jobs;
    a.pass += j.status == Status::kPass;
    a.fail += j.status == Status::kFail;
    a.timeout += j.status == Status::kTimeout;
    a.seconds += j.seconds;
    if (j.facts.cycles && j.facts.cycles_per_second && *j.facts.cycles_per_second > 0) {
      a.cycles += *j.facts.cycles;
      a.sim_seconds += static_cast<double>(*j.facts.cycles) / *j.facts.cycles_per_second;
    }
  }
  h += "<h2>Per configuration</h2>\n<table id=\"configs\">\n<thead><tr><th>configuration</th>"
       "<th>jobs</th><th>pass</th><th>fail</th><th>timeout</th><th>cycles</th>"
       "<th>mean speed</th><th>time</th></tr></thead>\n<tbody>\n";
  for (const auto& [key, a] : aggs) {
    const char* cls = a.fail ? "FAIL" : a.timeout ? "TIMEOUT" : "PASS";
    h += fmt::format(
        "<tr class=\"{}\"><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{:.1f} s</td></tr>\n",
        cls, esc(key), a.jobs, a.pass, a.fail, a.timeout, a.cycles,
        a.sim_seconds > 0
            ? speed(LogFacts{{}, static_cast<double>(a.cycles) / a.sim_seconds, {}, {}})
            : "",
        a.seconds);
  }
  h += "</tbody>\n</table>\n";

  h += "<h2>Jobs</h2>\n<table id=\"jobs\">\n<thead><tr><th>job</th><th>status</th><th>test</th>"
       "<th>configuration</th><th>seed</th><th>cycles</th><th>speed</th><th>time</th>"
       "<th>log</th><th>waveform</th></tr></thead>\n<tbody>\n";
  for (const auto& j : r.jobs) {
    std::string wave;
    if (!j.wave.empty()) {
      wave = fmt::format("<a href=\"{0}\">{0}</a><br><a href=\"{1}\">{1}</a>", esc(j.wave),
                         esc(j.gtkw));
    }
    if (!j.debug_note.empty()) wave += (wave.empty() ? "" : "<br>") + esc(j.debug_note);
    h += fmt::format(
        "<tr class=\"job {0}\" id=\"job-{1}\"><td>{1}</td><td class=\"status\">{0}</td>"
        "<td>{2}</td><td>{3}</td><td class=\"num\">{4}</td><td class=\"num\">{5}</td>"
        "<td class=\"num\">{6}</td><td class=\"num\">{7:.2f} s</td>"
        "<td><a href=\"{8}\">{8}</a></td><td>{9}</td></tr>\n",
        to_string(j.status), esc(j.spec.id), esc(j.spec.test), esc(j.spec.config), j.spec.seed,
        j.facts.cycles ? std::to_string(*j.facts.cycles) : "", speed(j.facts), j.seconds,
        esc(j.log), wave);
  }
  h += "</tbody>\n</table>\n";

  // Failures in detail: the log embedded, the commands to reproduce and to look at the wave.
  bool any = false;
  for (const auto& j : r.jobs) {
    if (j.status == Status::kPass) continue;
    if (!any) h += "<h2>Failures</h2>\n";
    any = true;
    h += fmt::format("<h3 id=\"fail-{0}\">{1} {0}</h3>\n", esc(j.spec.id), to_string(j.status));
    if (!j.facts.failure.empty()) h += fmt::format("<p><b>{}</b></p>\n", esc(j.facts.failure));
    h += fmt::format("<p>reproduce: <code>{}</code></p>\n", esc(command_line(r.exe, j.spec.args)));
    if (!j.wave.empty()) {
      h += fmt::format("<p>waveform ({}): <code>gtkwave {} {}</code></p>\n", esc(j.debug_note),
                       esc((dir / j.wave).string()), esc((dir / j.gtkw).string()));
    } else if (!j.debug_note.empty()) {
      h += fmt::format("<p>waveform: {}</p>\n", esc(j.debug_note));
    }
    h += fmt::format(
        "<details open><summary>log ({})</summary>\n<pre class=\"log\">{}</pre>\n"
        "</details>\n",
        esc(j.log), esc(first_lines(log_text(r.out_dir, j.log), 200)));
  }

  // Functional coverage.
  h += "<h2>Functional coverage</h2>\n";
  if (r.coverage.groups().empty()) {
    h += "<p>No job wrote coverage counters.</p>\n";
  } else {
    const auto fg = r.goals.find("functional");
    const double goal = fg == r.goals.end() ? 100.0 : fg->second;
    int at_goal = 0;
    for (const auto& [name, g] : r.coverage.groups()) {
      const double pct = g.bins.empty() ? 100.0
                                        : 100.0 * static_cast<double>(g.covered()) /
                                              static_cast<double>(g.bins.size());
      at_goal += pct >= goal;
    }
    h += fmt::format(
        "<p>Goal{}: {:.0f}% of the bins of every group (docs/coverage.md). Bins never hit are "
        "holes.</p>\n<p id=\"functional-progress\">Progress: {} of {} groups at the goal.</p>\n",
        fg == r.goals.end() ? " (default)" : " of this suite", goal, at_goal,
        r.coverage.groups().size());
    h += "<table id=\"coverage\">\n<thead><tr><th>group</th><th>covered</th><th>bins</th>"
         "<th>%</th><th>goal</th><th>holes</th></tr></thead>\n<tbody>\n";
    for (const auto& [name, g] : r.coverage.groups()) {
      const auto covered = g.covered();
      const double pct = g.bins.empty() ? 100.0
                                        : 100.0 * static_cast<double>(covered) /
                                              static_cast<double>(g.bins.size());
      std::string holes;
      int shown = 0;
      for (std::size_t k = 0; k < g.bins.size(); ++k) {
        if (g.hits[k] > 0) continue;
        if (shown++ < 64) holes += (holes.empty() ? "" : ", ") + esc(g.bins[k]);
      }
      if (shown > 64) holes += fmt::format(", ... ({} more)", shown - 64);
      h += fmt::format(
          "<tr class=\"{}\"><td title=\"{}\">{}</td><td class=\"num\">{}</td>"
          "<td class=\"num\">{}</td><td class=\"num\">{:.1f}</td><td class=\"num\">{:.0f}"
          "</td><td class=\"holes\">{}</td></tr>\n",
          pct >= goal ? "PASS" : "TIMEOUT", esc(g.description), esc(name), covered, g.bins.size(),
          pct, goal, holes);
    }
    h += "</tbody>\n</table>\n";
  }

  // Coverage trend: the history, newest last (the last kTrendRows runs).
  if (!r.history.empty()) {
    constexpr std::size_t kTrendRows = 60, kTrendGroupRuns = 8;
    const auto& hist = r.history;
    const std::size_t from = hist.size() > kTrendRows ? hist.size() - kTrendRows : 0;
    h += "<h2>Coverage trend</h2>\n";
    h += fmt::format(
        "<p>{} runs recorded in <code>{}</code>{} (one line per run, docs/coverage.md).</p>\n",
        hist.size(), esc(r.history_path),
        from > 0 ? fmt::format(", the last {} shown", kTrendRows) : std::string());
    h += "<table id=\"coverage-trend\">\n<thead><tr><th>date</th><th>suite</th><th>base seed</th>"
         "<th>jobs</th><th>failed</th><th>functional bins</th><th>%</th><th>groups at goal</th>"
         "<th>line</th><th>branch</th><th>toggle</th></tr></thead>\n<tbody>\n";
    const auto code_cell = [](const HistoryEntry& e, const CodeCoverage::Count& c) {
      return e.code && c.total ? fmt::format("<td class=\"num\">{:.1f}%</td>", c.percent())
                               : std::string("<td class=\"num\"></td>");
    };
    for (std::size_t i = from; i < hist.size(); ++i) {
      const auto& e = hist[i];
      const double pct = e.bins == 0
                             ? 100.0
                             : 100.0 * static_cast<double>(e.covered) / static_cast<double>(e.bins);
      h += fmt::format(
          "<tr class=\"{}\"><td>{}</td><td>{}</td><td class=\"num\">{}</td>"
          "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}/{}</td>"
          "<td class=\"num\">{:.1f}</td><td class=\"num\">{}/{}</td>{}{}{}</tr>\n",
          e.failed + e.timed_out ? "FAIL" : "PASS", esc(e.date), esc(e.suite), e.base_seed, e.jobs,
          e.failed + e.timed_out, e.covered, e.bins, pct, e.groups_at_goal, e.groups.size(),
          code_cell(e, e.code_totals.line), code_cell(e, e.code_totals.branch),
          code_cell(e, e.code_totals.toggle));
    }
    h += "</tbody>\n</table>\n";
    // Per group over the last runs: covered/bins, so a group that lost bins stands out.
    const std::size_t gfrom = hist.size() > kTrendGroupRuns ? hist.size() - kTrendGroupRuns : 0;
    std::set<std::string> names;
    for (std::size_t i = gfrom; i < hist.size(); ++i)
      for (const auto& [n, cb] : hist[i].groups) names.insert(n);
    h += "<table id=\"coverage-trend-groups\">\n<thead><tr><th>group</th>";
    for (std::size_t i = gfrom; i < hist.size(); ++i) {
      h += fmt::format("<th>{}<br>{}</th>", esc(hist[i].date), esc(hist[i].suite));
    }
    h += "</tr></thead>\n<tbody>\n";
    for (const auto& n : names) {
      h += fmt::format("<tr><td>{}</td>", esc(n));
      for (std::size_t i = gfrom; i < hist.size(); ++i) {
        const auto it = hist[i].groups.find(n);
        h += it == hist[i].groups.end()
                 ? std::string("<td class=\"num\"></td>")
                 : fmt::format("<td class=\"num\">{}/{}</td>", it->second.first, it->second.second);
      }
      h += "</tr>\n";
    }
    h += "</tbody>\n</table>\n";
  }

  // Verilator code coverage.
  const CodeCoverage& cc = r.code_coverage;
  if (cc.requested) {
    h += "<h2>Code coverage</h2>\n";
    if (!cc.note.empty()) h += fmt::format("<p class=\"note\">{}</p>\n", esc(cc.note));
    if (!cc.html.empty()) {
      h += fmt::format(
          "<p>Annotated sources: <a id=\"code-coverage-html\" href=\"{0}\">{0}</a>"
          " (genhtml)</p>\n",
          esc(cc.html));
    }
    if (!cc.dat.empty()) {
      h += fmt::format(
          "<p>Merged from {0} coverage files: <a href=\"{1}\">{1}</a>{2}</p>\n", cc.inputs.size(),
          esc(cc.dat),
          cc.info.empty() ? "" : fmt::format(", <a href=\"{0}\">{0}</a>", esc(cc.info)));
      const auto cell = [&](const CodeCoverage::Count& c) {
        return c.total == 0 ? std::string("<td class=\"num\"></td>")
                            : fmt::format("<td class=\"num\">{:.1f}% ({}/{})</td>", c.percent(),
                                          c.covered, c.total);
      };
      const auto goal_cell = [&](const char* kind, const CodeCoverage::Count& c) {
        const auto it = r.goals.find(kind);
        if (it == r.goals.end()) return std::string("<td></td>");
        return fmt::format("<td class=\"{}\">{:.0f}%</td>",
                           c.percent() >= it->second ? "PASS" : "TIMEOUT", it->second);
      };
      h += "<table id=\"code-coverage\">\n<thead><tr><th>kind</th><th>covered</th>"
           "<th>goal</th></tr></thead>\n<tbody>\n";
      h += "<tr id=\"cc-line\"><td>line</td>" + cell(cc.totals.line) +
           goal_cell("line", cc.totals.line) + "</tr>\n";
      h += "<tr id=\"cc-branch\"><td>branch</td>" + cell(cc.totals.branch) +
           goal_cell("branch", cc.totals.branch) + "</tr>\n";
      h += "<tr id=\"cc-toggle\"><td>toggle</td>" + cell(cc.totals.toggle) +
           goal_cell("toggle", cc.totals.toggle) + "</tr>\n";
      h += "</tbody>\n</table>\n";
      h += "<h3>Per module</h3>\n<table id=\"code-coverage-modules\">\n<thead><tr>"
           "<th>module</th><th>line</th><th>branch</th><th>toggle</th></tr></thead>\n<tbody>\n";
      for (const auto& [m, k] : cc.modules) {
        h += fmt::format("<tr><td>{}</td>{}{}{}</tr>\n", esc(m), cell(k.line), cell(k.branch),
                         cell(k.toggle));
      }
      h += "</tbody>\n</table>\n";
    }
  }
  h += "</body>\n</html>\n";
  return h;
}

HistoryEntry history_entry(const Report& r) {
  HistoryEntry e;
  e.date = timestamp();
  e.suite = r.suite;
  e.base_seed = r.base_seed;
  e.jobs = static_cast<int>(r.jobs.size());
  e.passed = r.count(Status::kPass);
  e.failed = r.count(Status::kFail);
  e.timed_out = r.count(Status::kTimeout);
  const auto fg = r.goals.find("functional");
  e.goal = fg == r.goals.end() ? 100.0 : fg->second;
  for (const auto& [name, g] : r.coverage.groups()) {
    const std::uint64_t c = g.covered(), b = g.bins.size();
    e.groups[name] = {c, b};
    e.covered += c;
    e.bins += b;
    const double pct = b == 0 ? 100.0 : 100.0 * static_cast<double>(c) / static_cast<double>(b);
    e.groups_at_goal += pct >= e.goal;
  }
  const CodeCoverage& cc = r.code_coverage;
  e.code = cc.requested && !cc.dat.empty();
  if (e.code) e.code_totals = cc.totals;
  return e;
}

std::string history_line(const HistoryEntry& e) {
  nlohmann::ordered_json j;
  j["date"] = e.date;
  j["suite"] = e.suite;
  j["base_seed"] = e.base_seed;
  j["jobs"] = e.jobs;
  j["passed"] = e.passed;
  j["failed"] = e.failed;
  j["timed_out"] = e.timed_out;
  const double pct =
      e.bins == 0 ? 100.0 : 100.0 * static_cast<double>(e.covered) / static_cast<double>(e.bins);
  j["functional"] = {{"covered", e.covered},
                     {"bins", e.bins},
                     {"percent", std::round(pct * 100.0) / 100.0},
                     {"groups_at_goal", e.groups_at_goal},
                     {"groups", e.groups.size()},
                     {"goal", e.goal}};
  nlohmann::ordered_json groups = nlohmann::ordered_json::object();
  for (const auto& [name, cb] : e.groups) groups[name] = {cb.first, cb.second};
  j["groups"] = groups;
  if (e.code) {
    const auto& t = e.code_totals;
    j["code"] = {{"line", {t.line.covered, t.line.total}},
                 {"branch", {t.branch.covered, t.branch.total}},
                 {"toggle", {t.toggle.covered, t.toggle.total}}};
  }
  return j.dump();
}

std::vector<HistoryEntry> load_history(const std::string& path) {
  std::vector<HistoryEntry> out;
  std::ifstream in(path);
  if (!in) {
    if (!fs::exists(path)) return out;
    throw std::runtime_error(fmt::format("cannot read coverage history '{}'", path));
  }
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      const auto j = nlohmann::json::parse(line);
      HistoryEntry e;
      e.date = j.at("date").get<std::string>();
      e.suite = j.at("suite").get<std::string>();
      e.base_seed = j.at("base_seed").get<std::uint64_t>();
      e.jobs = j.at("jobs").get<int>();
      e.passed = j.at("passed").get<int>();
      e.failed = j.at("failed").get<int>();
      e.timed_out = j.at("timed_out").get<int>();
      const auto& f = j.at("functional");
      e.covered = f.at("covered").get<std::uint64_t>();
      e.bins = f.at("bins").get<std::uint64_t>();
      e.groups_at_goal = f.at("groups_at_goal").get<int>();
      e.goal = f.at("goal").get<double>();
      for (const auto& [name, cb] : j.at("groups").items()) {
        e.groups[name] = {cb.at(0).get<std::uint64_t>(), cb.at(1).get<std::uint64_t>()};
      }
      if (j.contains("code")) {
        e.code = true;
        const auto& c = j.at("code");
        const auto count = [&](const char* k) {
          return CodeCoverage::Count{c.at(k).at(0).get<std::uint64_t>(),
                                     c.at(k).at(1).get<std::uint64_t>()};
        };
        e.code_totals = {count("line"), count("branch"), count("toggle")};
      }
      out.push_back(std::move(e));
    } catch (const nlohmann::json::exception& ex) {
      throw std::runtime_error(
          fmt::format("{}:{}: not a coverage history entry: {}", path, lineno, ex.what()));
    }
  }
  return out;
}

void record_history(Report& r, const std::string& path) {
  const fs::path p = fs::absolute(path);
  auto history = load_history(p.string());  // a malformed file is reported before it grows
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  const HistoryEntry e = history_entry(r);
  {
    std::ofstream out(p, std::ios::app);
    out << history_line(e) << '\n';
    if (!out) throw std::runtime_error(fmt::format("cannot write coverage history '{}'", path));
  }
  history.push_back(e);
  r.history = std::move(history);
  r.history_path = p.string();
}

void write_reports(const Report& r) {
  const fs::path dir(r.out_dir);
  fs::create_directories(dir);
  write_text(dir / "junit.xml", junit_xml(r));
  write_text(dir / "report.html", html_report(r));
  write_text(dir / "rerun.txt", rerun_file(r));
  r.coverage.save((dir / "coverage.json").string());
  if (r.code_coverage.requested) write_text(dir / "code-coverage.json", code_coverage_json(r));
}

std::string code_coverage_json(const Report& r) {
  const CodeCoverage& cc = r.code_coverage;
  const auto count = [](const CodeCoverage::Count& c) {
    return fmt::format("{{\"covered\": {}, \"total\": {}, \"percent\": {:.2f}}}", c.covered,
                       c.total, c.percent());
  };
  const auto kinds = [&](const CodeCoverage::Kinds& k) {
    return fmt::format("{{\"line\": {}, \"branch\": {}, \"toggle\": {}}}", count(k.line),
                       count(k.branch), count(k.toggle));
  };
  std::string s = "{\n";
  s += fmt::format(" \"files\": {},\n \"dat\": \"{}\",\n \"info\": \"{}\",\n \"html\": \"{}\",\n",
                   cc.inputs.size(), cc.dat, cc.info, cc.html);
  std::string note;
  for (char c : cc.note)
    note += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  s +=
      fmt::format(" \"note\": \"{}\",\n \"totals\": {},\n \"modules\": {{", note, kinds(cc.totals));
  bool first = true;
  for (const auto& [m, k] : cc.modules) {
    s += fmt::format("{}\n  \"{}\": {}", first ? "" : ",", m, kinds(k));
    first = false;
  }
  s += "\n }\n}\n";
  return s;
}

}  // namespace feather::sim::regress
