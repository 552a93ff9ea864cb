// A run as data (results.json) and the merge of a sharded run's parts (regress.hpp:
// parse_shard, shard_suite, results_json, load_results, merge_results).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "feather/regress/regress.hpp"
#include "util.hpp"

namespace feather::regress {

namespace fs = std::filesystem;
using nlohmann::json;

Shard parse_shard(std::string_view text) {
  const auto slash = text.find('/');
  const auto number = [&](std::string_view s) {
    if (s.empty() || s.size() > 6 || s.find_first_not_of("0123456789") != std::string_view::npos) {
      throw std::invalid_argument(fmt::format("expected I/N (1 <= I <= N), got '{}'", text));
    }
    return std::stoi(std::string(s));
  };
  if (slash == std::string_view::npos) number("");
  const Shard s{number(text.substr(0, slash)), number(text.substr(slash + 1))};
  if (s.count < 1 || s.index < 1 || s.index > s.count) {
    throw std::invalid_argument(fmt::format("expected I/N (1 <= I <= N), got '{}'", text));
  }
  return s;
}

Suite shard_suite(const Suite& s, Shard shard) {
  Suite out = s;
  out.jobs.clear();
  for (const JobSpec& j : s.jobs) {
    if (j.index % static_cast<std::size_t>(shard.count) ==
        static_cast<std::size_t>(shard.index - 1)) {
      out.jobs.push_back(j);
    }
  }
  return out;
}

namespace {

Status status_of(const std::string& s, const std::string& file) {
  for (Status st :
       {Status::kPass, Status::kFail, Status::kTimeout, Status::kInterrupted, Status::kNotRun}) {
    if (to_string(st) == s) return st;
  }
  throw std::runtime_error(fmt::format("{}: unknown job status '{}'", file, s));
}

}  // namespace

std::string results_json(const Report& r) {
  json j;
  j["suite"] = r.suite;
  j["description"] = r.description;
  j["base_seed"] = r.base_seed;
  j["exe"] = r.exe;
  j["seconds"] = r.seconds;
  j["shard"] = {{"index", r.shard.index}, {"count", r.shard.count}};
  j["suite_jobs"] = r.suite_jobs;
  j["interrupted_by"] = r.interrupted_by;
  j["goals"] = r.goals;
  j["code_coverage"] = r.code_coverage.requested;
  j["jobs"] = json::array();
  for (const JobResult& x : r.jobs) {
    json d = nullptr;
    if (x.facts.divergence) {
      const Divergence& v = *x.facts.divergence;
      d = {{"cycle", v.cycle},
           {"unit", v.unit},
           {"signal", v.signal},
           {"neighbours", v.neighbours},
           {"wave_time", v.wave_time}};
    }
    j["jobs"].push_back({
        {"test", x.spec.test},
        {"config", x.spec.config},
        {"seed", x.spec.seed},
        {"args", x.spec.args},
        {"timeout", x.spec.timeout},
        {"id", x.spec.id},
        {"index", x.spec.index},
        {"status", std::string(to_string(x.status))},
        {"exit_code", x.exit_code},
        {"term_signal", x.term_signal},
        {"seconds", x.seconds},
        {"cycles", x.facts.cycles ? json(*x.facts.cycles) : json(nullptr)},
        {"cycles_per_second",
         x.facts.cycles_per_second ? json(*x.facts.cycles_per_second) : json(nullptr)},
        {"divergence", d},
        {"failure", x.facts.failure},
        {"log", x.log},
        {"coverage", x.coverage},
        {"code_coverage", x.code_coverage},
        {"wave", x.wave},
        {"gtkw", x.gtkw},
        {"debug_log", x.debug_log},
        {"debug_args", x.debug_args},
        {"debug_note", x.debug_note},
    });
  }
  return j.dump(1) + "\n";
}

Report load_results(const std::string& dir) {
  const fs::path file = fs::path(dir) / "results.json";
  const std::string text = read_text(file);
  if (text.empty()) {
    throw std::runtime_error(
        fmt::format("{}: missing or empty (not the output directory of a feather regress run?)",
                    file.string()));
  }
  Report r;
  try {
    const json j = json::parse(text);
    r.suite = j.at("suite").get<std::string>();
    r.description = j.at("description").get<std::string>();
    r.base_seed = j.at("base_seed").get<std::uint64_t>();
    r.exe = j.at("exe").get<std::string>();
    r.seconds = j.at("seconds").get<double>();
    r.shard = {j.at("shard").at("index").get<int>(), j.at("shard").at("count").get<int>()};
    r.suite_jobs = j.at("suite_jobs").get<std::size_t>();
    r.interrupted_by = j.at("interrupted_by").get<int>();
    r.goals = j.at("goals").get<std::map<std::string, double>>();
    r.code_coverage.requested = j.at("code_coverage").get<bool>();
    for (const json& x : j.at("jobs")) {
      JobResult jr;
      jr.spec.test = x.at("test").get<std::string>();
      jr.spec.config = x.at("config").get<std::string>();
      jr.spec.seed = x.at("seed").get<std::uint64_t>();
      jr.spec.args = x.at("args").get<std::vector<std::string>>();
      jr.spec.timeout = x.at("timeout").get<double>();
      jr.spec.id = x.at("id").get<std::string>();
      jr.spec.index = x.at("index").get<std::size_t>();
      jr.status = status_of(x.at("status").get<std::string>(), file.string());
      jr.exit_code = x.at("exit_code").get<int>();
      jr.term_signal = x.at("term_signal").get<int>();
      jr.seconds = x.at("seconds").get<double>();
      if (!x.at("cycles").is_null()) jr.facts.cycles = x["cycles"].get<std::uint64_t>();
      if (!x.at("cycles_per_second").is_null()) {
        jr.facts.cycles_per_second = x["cycles_per_second"].get<double>();
      }
      if (const json& d = x.at("divergence"); !d.is_null()) {
        Divergence v;
        v.cycle = d.at("cycle").get<std::uint64_t>();
        v.unit = d.at("unit").get<std::string>();
        v.signal = d.at("signal").get<std::string>();
        v.neighbours = d.at("neighbours").get<std::vector<std::string>>();
        v.wave_time = d.at("wave_time").get<long>();
        jr.facts.divergence = v;
      }
      jr.facts.failure = x.at("failure").get<std::string>();
      jr.log = x.at("log").get<std::string>();
      jr.coverage = x.at("coverage").get<std::string>();
      jr.code_coverage = x.at("code_coverage").get<std::vector<std::string>>();
      jr.wave = x.at("wave").get<std::string>();
      jr.gtkw = x.at("gtkw").get<std::string>();
      jr.debug_log = x.at("debug_log").get<std::string>();
      jr.debug_args = x.at("debug_args").get<std::vector<std::string>>();
      jr.debug_note = x.at("debug_note").get<std::string>();
      r.jobs.push_back(std::move(jr));
    }
  } catch (const json::exception& e) {
    throw std::runtime_error(fmt::format("{}: {}", file.string(), e.what()));
  }
  r.out_dir = fs::absolute(dir).string();
  return r;
}

Report merge_results(const std::vector<std::string>& dirs, const std::string& out_dir) {
  if (dirs.empty()) throw std::runtime_error("merge: name the output directories of the shards");
  std::vector<Report> parts;
  for (const std::string& d : dirs) parts.push_back(load_results(d));
  const Report& first = parts.front();
  std::set<int> seen;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const Report& p = parts[k];
    const auto differs = [&](const std::string& what, const std::string& a, const std::string& b) {
      if (a != b) {
        throw std::runtime_error(
            fmt::format("merge: {} is a run of {} {}, {} of {} {}: not parts "
                        "of one run",
                        dirs[k], what, b, dirs[0], what, a));
      }
    };
    differs("suite", first.suite, p.suite);
    differs("base seed", std::to_string(first.base_seed), std::to_string(p.base_seed));
    differs("shard count", std::to_string(first.shard.count), std::to_string(p.shard.count));
    differs("suite size", std::to_string(first.suite_jobs), std::to_string(p.suite_jobs));
    if (!seen.insert(p.shard.index).second) {
      throw std::runtime_error(fmt::format("merge: shard {}/{} is given twice ({})", p.shard.index,
                                           p.shard.count, dirs[k]));
    }
  }
  std::vector<std::string> missing;
  for (int i = 1; i <= first.shard.count; ++i) {
    if (!seen.count(i)) missing.push_back(fmt::format("{}/{}", i, first.shard.count));
  }
  if (!missing.empty()) {
    throw std::runtime_error(fmt::format("merge: shard{} {} of suite {} missing",
                                         missing.size() > 1 ? "s" : "", fmt::join(missing, ", "),
                                         first.suite));
  }
  const fs::path out = fs::absolute(out_dir);
  Report m;
  m.suite = first.suite;
  m.description = first.description;
  m.base_seed = first.base_seed;
  m.exe = first.exe;
  m.suite_jobs = first.suite_jobs;
  m.goals = first.goals;
  m.out_dir = out.string();
  m.code_coverage.requested = first.code_coverage.requested;
  std::vector<std::string> dats;
  std::set<std::size_t> indexes;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    Report& p = parts[k];
    const fs::path from = fs::path(p.out_dir);
    m.seconds = std::max(m.seconds, p.seconds);
    if (p.interrupted() && !m.interrupted()) m.interrupted_by = p.interrupted_by;
    const bool same = fs::exists(out) && fs::equivalent(from, out);
    for (JobResult& j : p.jobs) {
      if (!indexes.insert(j.spec.index).second || j.spec.index >= m.suite_jobs) {
        throw std::runtime_error(
            fmt::format("merge: job {} ({}) is in two shards or outside the "
                        "suite",
                        j.spec.id, dirs[k]));
      }
      std::vector<std::string> files = {j.log, j.coverage, j.wave, j.gtkw, j.debug_log};
      files.insert(files.end(), j.code_coverage.begin(), j.code_coverage.end());
      for (const std::string& f : files) {
        if (f.empty() || same || !fs::exists(from / f)) continue;
        fs::create_directories((out / f).parent_path());
        fs::copy_file(from / f, out / f, fs::copy_options::overwrite_existing);
      }
      dats.insert(dats.end(), j.code_coverage.begin(), j.code_coverage.end());
      if (!j.coverage.empty() && fs::exists(out / j.coverage)) {
        m.coverage.merge(Coverage::load((out / j.coverage).string()));
      }
      m.jobs.push_back(std::move(j));
    }
  }
  if (m.jobs.size() != m.suite_jobs) {
    throw std::runtime_error(fmt::format("merge: the shards hold {} of the suite's {} jobs",
                                         m.jobs.size(), m.suite_jobs));
  }
  std::sort(m.jobs.begin(), m.jobs.end(),
            [](const JobResult& a, const JobResult& b) { return a.spec.index < b.spec.index; });
  if (m.code_coverage.requested) {
    m.code_coverage = merge_code_coverage(dats, out.string(), "code-coverage");
  }
  return m;
}

}  // namespace feather::regress
