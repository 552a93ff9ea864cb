// The coverage history (docs/coverage.md): one JSON line per regression run with coverage.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "feather/regress/regress.hpp"
#include "util.hpp"

namespace feather::regress {

namespace fs = std::filesystem;

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

}  // namespace feather::regress
