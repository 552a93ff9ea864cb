// The reports of a regression: JUnit XML, the rerun file, and write_reports (which also writes
// the HTML report, html_report.cpp, and the merged coverage).
#include <fmt/format.h>

#include <filesystem>

#include "feather/regress/regress.hpp"
#include "util.hpp"

namespace feather::regress {

namespace fs = std::filesystem;

std::string junit_xml(const Report& r) {
  const int fails = r.count(Status::kFail);
  const int errors = r.count(Status::kTimeout);
  const int skipped = r.count(Status::kInterrupted) + r.count(Status::kNotRun);
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += fmt::format(
      "<testsuites name=\"feather regress\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
      "skipped=\"{}\" time=\"{:.3f}\">\n",
      r.jobs.size(), fails, errors, skipped, r.seconds);
  x += fmt::format(
      "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" "
      "time=\"{:.3f}\" timestamp=\"{}\">\n",
      esc(r.suite), r.jobs.size(), fails, errors, skipped, r.seconds, timestamp());
  x += "    <properties>\n";
  x += fmt::format("      <property name=\"base_seed\" value=\"{}\"/>\n", r.base_seed);
  x += fmt::format("      <property name=\"feather\" value=\"{}\"/>\n", esc(r.exe));
  if (r.interrupted()) {
    x += fmt::format("      <property name=\"interrupted_by\" value=\"{}\"/>\n",
                     signal_name(r.interrupted_by));
  }
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
    } else if (j.status == Status::kInterrupted) {
      x += fmt::format(
          "      <skipped message=\"interrupted after {:.1f} s: the regression was stopped by "
          "{}\"/>\n",
          j.seconds, signal_name(r.interrupted_by));
    } else if (j.status == Status::kNotRun) {
      x += fmt::format(
          "      <skipped message=\"not run: the regression was stopped by {} first\"/>\n",
          signal_name(r.interrupted_by));
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
      "# feather regress rerun file: suite {}, base seed {}.\n"
      "# One command line per job that failed, timed out, or did not finish (interrupted, not "
      "run).\n"
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

void write_reports(const Report& r) {
  const fs::path dir(r.out_dir);
  fs::create_directories(dir);
  write_text(dir / "junit.xml", junit_xml(r));
  write_text(dir / "report.html", html_report(r));
  write_text(dir / "rerun.txt", rerun_file(r));
  r.coverage.save((dir / "coverage.json").string());
  if (r.code_coverage.requested) write_text(dir / "code-coverage.json", code_coverage_json(r));
  write_text(dir / "results.json", results_json(r));
}

}  // namespace feather::regress
