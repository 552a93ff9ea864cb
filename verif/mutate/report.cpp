#include "report.hpp"

#include <fmt/format.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>

namespace mutate {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kStatuses = {"killed", "survived", "equivalent", "did-not-build"};

struct Result {
  const Mutant* m;
  std::string status;
  double seconds;
  std::string detail;
};

struct Tally {
  std::map<std::string, int> n;
  double seconds = 0;
  int total() const {
    int t = 0;
    for (const auto& [k, v] : n) t += v;
    return t;
  }
  std::string score() const {
    const int k = n.count("killed") ? n.at("killed") : 0;
    const int s = n.count("survived") ? n.at("survived") : 0;
    return k + s == 0 ? "-" : fmt::format("{:.1f} %", 100.0 * k / (k + s));
  }
  int get(const std::string& s) const { return n.count(s) ? n.at(s) : 0; }
};

std::map<std::string, std::string> read_meta(const fs::path& p) {
  std::ifstream in(p);
  if (!in) throw std::runtime_error("cannot read " + p.string() + " (not a mutation run?)");
  std::map<std::string, std::string> meta;
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) meta[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return meta;
}

std::string md_escape(const std::string& s) {
  std::string r;
  for (char c : s) {
    if (c == '|' || c == '`') r += '\\';
    r += c;
  }
  return r;
}

std::string table(const std::map<std::string, Tally>& rows, const std::string& head) {
  std::ostringstream o;
  o << "| " << head << " | mutants | killed | survived | equivalent | did not build | score |\n"
    << "|---|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& [name, t] : rows) {
    o << fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", name, t.total(), t.get("killed"),
                     t.get("survived"), t.get("equivalent"), t.get("did-not-build"), t.score());
  }
  return o.str();
}

}  // namespace

void write_reports(const std::vector<Mutant>& all, const fs::path& results, const fs::path& out) {
  auto meta = read_meta(results / "run.meta");
  std::map<std::string, const Mutant*> index;
  for (const auto& m : all) index[m.id] = &m;
  // Only the verdicts of the current sample count (a smaller sample may follow a larger one).
  std::set<std::string> sampled;
  if (std::ifstream tsv(results / "sample.tsv"); tsv) {
    std::string line;
    while (std::getline(tsv, line)) sampled.insert(line.substr(0, line.find('\t')));
  }
  std::vector<Result> rs;
  if (fs::is_directory(results / "results")) {
    for (const auto& e : fs::directory_iterator(results / "results")) {
      const std::string id = e.path().filename().string();
      if (e.path().extension() == ".tmp") continue;  // a verdict being written
      if (!sampled.empty() && !sampled.contains(id)) continue;
      const auto it = index.find(id);
      if (it == index.end()) {
        throw std::runtime_error(e.path().string() + ": no mutant " + id +
                                 " in this rtl/ (the sources changed since the run: rerun)");
      }
      std::ifstream in(e.path());
      Result r{it->second, "", 0, ""};
      in >> r.status >> r.seconds;
      std::getline(in >> std::ws, r.detail);
      if (std::find(kStatuses.begin(), kStatuses.end(), r.status) == kStatuses.end()) {
        throw std::runtime_error(e.path().string() + ": unknown status '" + r.status + "'");
      }
      rs.push_back(std::move(r));
    }
  }
  std::sort(rs.begin(), rs.end(), [](const Result& a, const Result& b) {
    return std::tie(a.m->file, a.m->offset, a.m->id) < std::tie(b.m->file, b.m->offset, b.m->id);
  });
  Tally total;
  std::map<std::string, Tally> by_module, by_op;
  for (const auto& r : rs) {
    for (Tally* t : {&total, &by_module[r.m->module], &by_op[r.m->op]}) {
      t->n[r.status]++;
      t->seconds += r.seconds;
    }
  }
  const std::string sample = meta["sample"], planned = meta["count"];
  std::ostringstream sum;
  sum << fmt::format(
      "Run of {} ({} UTC): {} of {} sampled mutants finished (seed {}, drawn from the {} "
      "mutants of rtl/), suite `{}`, {} s per mutant at most.\n\n",
      meta["date"], meta["time"], rs.size(), planned, meta["seed"], meta["total"], meta["suite"],
      meta["timeout"]);
  sum << fmt::format(
      "**Score: {}** (killed / (killed + survived)): {} killed, {} survived, {} equivalent "
      "(proved), {} did not build. Mean time per mutant: {:.0f} s.\n\n",
      total.score(), total.get("killed"), total.get("survived"), total.get("equivalent"),
      total.get("did-not-build"),
      rs.empty() ? 0.0 : total.seconds / static_cast<double>(rs.size()));
  sum << table(by_module, "module") << "\n";
  std::ostringstream surv;
  surv << "| survivor | file:line | class | before | after |\n|---|---|---|---|---|\n";
  for (const auto& r : rs) {
    if (r.status != "survived") continue;
    surv << fmt::format("| {} | {}:{} | {} | `{}` | `{}` |\n", r.m->id, r.m->file, r.m->line,
                        r.m->op, md_escape(r.m->before), md_escape(r.m->after));
  }
  sum << "Survivors:\n\n" << surv.str();

  fs::create_directories(out);
  std::ofstream smd(out / "summary.md");
  smd << sum.str();
  std::ofstream md(out / "report.md");
  md << "# Mutation report\n\n"
     << sum.str() << "\n## By operator class\n\n"
     << table(by_op, "class") << "\n## Every mutant\n\n"
     << "| id | file:line | module | class | status | s | change |\n"
     << "|---|---|---|---|---|---:|---|\n";
  for (const auto& r : rs) {
    md << fmt::format("| {} | {}:{} | {} | {} | {} | {:.0f} | `{}` -> `{}` |\n", r.m->id, r.m->file,
                      r.m->line, r.m->module, r.m->op, r.status, r.seconds, md_escape(r.m->before),
                      md_escape(r.m->after));
  }
  nlohmann::json j;
  j["meta"] = meta;
  j["finished"] = rs.size();
  for (const auto& s : kStatuses) j["totals"][s] = total.get(s);
  j["score"] = total.score();
  for (const auto& [name, t] : by_module) {
    for (const auto& s : kStatuses) j["modules"][name][s] = t.get(s);
  }
  j["mutants"] = nlohmann::json::array();
  for (const auto& r : rs) {
    j["mutants"].push_back({{"id", r.m->id},
                            {"file", r.m->file},
                            {"line", r.m->line},
                            {"module", r.m->module},
                            {"class", r.m->op},
                            {"before", r.m->before},
                            {"after", r.m->after},
                            {"status", r.status},
                            {"seconds", r.seconds},
                            {"detail", r.detail}});
  }
  std::ofstream js(out / "report.json");
  js << j.dump(2) << '\n';
  if (!md || !js || !smd) throw std::runtime_error("cannot write the reports in " + out.string());
}

}  // namespace mutate
