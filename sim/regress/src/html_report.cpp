// The HTML report of a regression: summary, per-test table, failures with their waveforms,
// functional coverage holes, the coverage trend and Verilator code coverage.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "feather/regress/regress.hpp"
#include "util.hpp"

namespace feather::regress {

namespace fs = std::filesystem;

namespace {

std::string speed(const LogFacts& f) {
  if (!f.cycles_per_second) return "";
  const double v = *f.cycles_per_second;
  if (v >= 1e6) return fmt::format("{:.2f} Mcycles/s", v / 1e6);
  return fmt::format("{:.1f} kcycles/s", v / 1e3);
}

}  // namespace

std::string html_report(const Report& r) {
  const fs::path dir(r.out_dir);
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += fmt::format("<title>feather regress {}</title>\n", esc(r.suite));
  h += R"(<style>
body { font-family: sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em 0; }
th, td { border: 1px solid #bbb; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
th { background: #eee; white-space: nowrap; }
td { overflow-wrap: anywhere; }  /* long job names and log paths wrap: the table fits the window */
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.PASS { background: #dff0d8; } .FAIL { background: #f2dede; } .TIMEOUT { background: #fcf0c8; }
.INTERRUPTED, .NOT-RUN { background: #e8e8e8; }
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
  const int stopped = r.count(Status::kInterrupted), not_run = r.count(Status::kNotRun);
  if (r.interrupted()) {
    h += fmt::format(
        "<tr><th>stopped by</th><td>{}: {} running job{} interrupted, {} not run</td></tr>\n",
        signal_name(r.interrupted_by), stopped, stopped == 1 ? "" : "s", not_run);
  }
  h += "</table>\n";
  if (fail + tmo + stopped + not_run > 0) {
    h += "<p>Replay the failures and finish the jobs that did not: <code>feather regress --rerun " +
         esc((dir / "rerun.txt").string()) + "</code></p>\n";
  }

  // Per configuration: test + configuration.
  struct Agg {
    int jobs = 0, pass = 0, fail = 0, timeout = 0, unfinished = 0;
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
    a.unfinished += j.status == Status::kInterrupted || j.status == Status::kNotRun;
    a.seconds += j.seconds;
    if (j.facts.cycles && j.facts.cycles_per_second && *j.facts.cycles_per_second > 0) {
      a.cycles += *j.facts.cycles;
      a.sim_seconds += static_cast<double>(*j.facts.cycles) / *j.facts.cycles_per_second;
    }
  }
  h += "<h2>Per configuration</h2>\n<table id=\"configs\">\n<thead><tr><th>configuration</th>"
       "<th>jobs</th><th>pass</th><th>fail</th><th>timeout</th><th>not finished</th>"
       "<th>cycles</th><th>mean speed</th><th>time</th></tr></thead>\n<tbody>\n";
  for (const auto& [key, a] : aggs) {
    const char* cls = a.fail         ? "FAIL"
                      : a.timeout    ? "TIMEOUT"
                      : a.unfinished ? "INTERRUPTED"
                                     : "PASS";
    h += fmt::format(
        "<tr class=\"{}\"><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:.1f} s</td>"
        "</tr>\n",
        cls, esc(key), a.jobs, a.pass, a.fail, a.timeout, a.unfinished, a.cycles,
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
  // Interrupted jobs follow with the log they wrote; jobs that never started have none.
  bool any = false;
  for (const auto& j : r.jobs) {
    if (j.status == Status::kPass || j.status == Status::kNotRun) continue;
    if (!any) h += "<h2>Jobs that did not pass</h2>\n";
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

}  // namespace feather::regress
