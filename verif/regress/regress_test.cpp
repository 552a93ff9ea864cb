// Tests of the regression runner and the harness's debugging support: `feather regress` on the
// self-test suites of verif/regress/selftest.yaml (deliberately failing jobs, a hanging job),
// the produced JUnit XML and HTML parsed with libxml2, the windowed waveform read back with
// fst2vcd, the .gtkw, rerun files, SIGUSR1 tracing, and the library's parsers.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "../common/seed.hpp"
#include "feather/regress/regress.hpp"
#include "feather/sim/birrd_dut.hpp"
#include "feather/sim/coverage.hpp"
#include "feather/sim/debug.hpp"
#include "feather/sim/nest_dut.hpp"

extern char** environ;

namespace feather::test {
namespace {

namespace fs = std::filesystem;
namespace rg = feather::regress;

const std::string kFeather = FEATHER_EXE;
const std::string kSelftest = FEATHER_SOURCE_DIR "/verif/regress/selftest.yaml";
const std::string kSuites = FEATHER_SOURCE_DIR "/verif/regress/suites.yaml";

struct Output {
  int status = -1;  // exit code
  std::string text;
};

// Runs a shell command line, stdout and stderr together.
Output run(const std::string& cmd) {
  Output o;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return o;
  char buf[4096];
  std::size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) o.text.append(buf, n);
  const int st = pclose(p);
  o.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return o;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path scratch(const std::string& name) {
  const fs::path d = fs::path(FEATHER_TEST_SCRATCH) / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// A parsed XML or HTML document with XPath queries returning node texts or attributes.
class Doc {
 public:
  static Doc xml(const fs::path& p) {
    return Doc(xmlReadFile(p.c_str(), nullptr, XML_PARSE_NONET));
  }
  static Doc html(const fs::path& p) {
    return Doc(htmlReadFile(p.c_str(), "utf-8",
                            HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET));
  }
  bool ok() const { return doc_ != nullptr; }
  // The string values of the nodes (elements: their text; attributes: their value).
  std::vector<std::string> query(const std::string& xpath) const {
    std::vector<std::string> out;
    if (!doc_) return out;
    std::unique_ptr<xmlXPathContext, decltype(&xmlXPathFreeContext)> ctx(
        xmlXPathNewContext(doc_.get()), xmlXPathFreeContext);
    std::unique_ptr<xmlXPathObject, decltype(&xmlXPathFreeObject)> res(
        xmlXPathEvalExpression(reinterpret_cast<const xmlChar*>(xpath.c_str()), ctx.get()),
        xmlXPathFreeObject);
    if (!res || !res->nodesetval) return out;
    for (int i = 0; i < res->nodesetval->nodeNr; ++i) {
      xmlChar* s = xmlNodeGetContent(res->nodesetval->nodeTab[i]);
      out.emplace_back(s ? reinterpret_cast<const char*>(s) : "");
      xmlFree(s);
    }
    return out;
  }
  std::string one(const std::string& xpath) const {
    auto v = query(xpath);
    return v.size() == 1 ? v[0] : "<" + std::to_string(v.size()) + " matches of " + xpath + ">";
  }

 private:
  explicit Doc(xmlDocPtr d) : doc_(d, xmlFreeDoc) {}
  std::shared_ptr<xmlDoc> doc_;
};

// The first and last time stamps of an FST (through gtkwave's fst2vcd).
std::pair<long, long> fst_time_range(const fs::path& fst) {
  const auto o = run("fst2vcd " + fst.string());
  long first = -1, last = -1;
  std::istringstream in(o.text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > 1 && line[0] == '#') {
      const long t = std::stol(line.substr(1));
      if (first < 0) first = t;
      last = t;
    }
  }
  return {first, last};
}

std::string regress(const std::string& args) {
  return kFeather + " regress " + args + " -q --suites " + kSelftest;
}

// ---------------------------------------------------------------------------------------------

TEST(RegressRunner, FailingJobProducesWindowedWaveGtkwRerunLineJunitAndHtml) {
  const auto seed = test_seed();
  const auto dir = scratch("fail");
  const int window = 40;
  const auto o = run(
      regress(fmt::format("fault -j2 --seed {} --window {} --out {}", seed, window, dir.string())));
  ASSERT_EQ(o.status, 1) << o.text;

  // JUnit: one testcase per job; the two faulty ones fail at their fault cycle.
  const auto junit = Doc::xml(dir / "junit.xml");
  ASSERT_TRUE(junit.ok()) << slurp(dir / "junit.xml");
  EXPECT_EQ(junit.query("//testcase").size(), 3U);
  EXPECT_EQ(junit.one("/testsuites/testsuite/@failures"), "2");
  EXPECT_EQ(junit.one("/testsuites/testsuite/@errors"), "0");
  EXPECT_EQ(junit.one("//property[@name='base_seed']/@value"), std::to_string(seed));
  EXPECT_TRUE(junit.query("//testcase[@classname='fault.birrd-pass']/failure").empty());
  const auto bmsg = junit.one("//testcase[@classname='fault.birrd-fault']/failure/@message");
  EXPECT_NE(bmsg.find("cycle 500: stage 2 switch 2 port hi (lane 5)"), std::string::npos) << bmsg;
  const auto nmsg = junit.one("//testcase[@classname='fault.nest-fault']/failure/@message");
  EXPECT_NE(nmsg.find("cycle 300: row 1 column 2 signal acc_q"), std::string::npos) << nmsg;
  // The failure's body holds the first lines of the log, the divergence line among them.
  const auto body = junit.one("//testcase[@classname='fault.birrd-fault']/failure");
  EXPECT_NE(body.find("FEATHER-DIVERGENCE cycle=500 unit=stage2.switch2.hi"), std::string::npos)
      << body;
  const std::string bseed = junit.one(
      "//testcase[@classname='fault.birrd-fault']/properties/property[@name='seed']/@value");
  ASSERT_FALSE(bseed.empty());

  // HTML: a row per job with status, seed, cycles, speed, log and waveform links.
  const auto html = Doc::html(dir / "report.html");
  ASSERT_TRUE(html.ok());
  EXPECT_EQ(html.query("//table[@id='jobs']/tbody/tr").size(), 3U);
  const std::string row = "//table[@id='jobs']/tbody/tr[td[3]='birrd-fault']";
  EXPECT_EQ(html.one(row + "/td[@class='status']"), "FAIL");
  EXPECT_EQ(html.one(row + "/td[5]"), bseed);
  EXPECT_EQ(html.one(row + "/td[6]"), "501");  // cycles: the run stopped at the divergence
  EXPECT_NE(html.one(row + "/td[7]").find("cycles/s"), std::string::npos);
  const auto links = html.query(row + "/td[10]/a/@href");
  ASSERT_EQ(links.size(), 2U) << html.one(row + "/td[10]");
  EXPECT_EQ(fs::path(links[0]).extension(), ".fst");
  EXPECT_EQ(fs::path(links[1]).extension(), ".gtkw");
  EXPECT_NE(html.one(row + "/td[10]").find("reproduced at cycle 500"), std::string::npos);
  const auto log = html.one(row + "/td[9]/a/@href");
  EXPECT_NE(slurp(dir / log).find("FAIL: cycle 500"), std::string::npos);
  EXPECT_EQ(html.one("//table[@id='jobs']/tbody/tr[td[3]='birrd-pass']/td[@class='status']"),
            "PASS");
  // The per-configuration summary and the merged coverage are there.
  EXPECT_EQ(html.query("//table[@id='configs']/tbody/tr").size(), 3U);
  EXPECT_FALSE(html.query("//table[@id='coverage']/tbody/tr").empty());

  // The waveform holds only the window around the divergence (2 time units per cycle, one
  // reset cycle before cycle 0), and the save file opens on the divergent signal.
  const auto wave = dir / links[0];
  ASSERT_TRUE(fs::exists(wave));
  const auto [first, last] = fst_time_range(wave);
  EXPECT_EQ(first, 2 * (1 + 500 - window));
  EXPECT_EQ(last, 2 * (1 + 500 + window) + 1);
  const auto gtkw = slurp(dir / links[1]);
  EXPECT_NE(gtkw.find("[dumpfile] \"" + wave.string() + "\""), std::string::npos) << gtkw;
  EXPECT_TRUE(std::regex_search(gtkw, std::regex(R"(\n\*[-0-9.]+ 1002 )"))) << gtkw;
  const auto group = gtkw.find("-divergence at cycle 500: stage2.switch2.hi");
  ASSERT_NE(group, std::string::npos) << gtkw;
  EXPECT_NE(gtkw.find("@23\nTOP.birrd.g_stage[2].data_q[5][31:0]\n", group), std::string::npos);
  EXPECT_NE(gtkw.find("TOP.birrd.g_stage[2].data_q[4][31:0]", group), std::string::npos)
      << "the switch partner is a neighbour";
  EXPECT_LT(group, gtkw.find("-ports")) << "the divergence group comes first";

  // The rerun file: one full command line per failing job, nothing else runnable.
  std::ifstream rerun(dir / "rerun.txt");
  std::vector<std::string> cmds;
  for (std::string l; std::getline(rerun, l);)
    if (!l.empty() && l[0] != '#') cmds.push_back(l);
  ASSERT_EQ(cmds.size(), 2U);
  EXPECT_EQ(cmds[0].rfind(kFeather + " birrd-cosim ", 0), 0U) << cmds[0];
  EXPECT_NE(cmds[0].find("--fault-cycle 500"), std::string::npos);
  EXPECT_NE(cmds[0].find("--seed " + bseed), std::string::npos);
  EXPECT_EQ(cmds[1].rfind(kFeather + " nest-cosim ", 0), 0U) << cmds[1];
  // Run as it stands, the line fails exactly as the job did.
  const auto again = run(cmds[0]);
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.text.find("FEATHER-DIVERGENCE cycle=500 "), std::string::npos) << again.text;
}

// The names of every traced signal of an FST ("TOP.a.b[7:0]" for vectors), as a .gtkw names them.
std::set<std::string> fst_signals(const fs::path& fst) {
  const auto o = run("fst2vcd " + fst.string());
  std::set<std::string> names;
  std::vector<std::string> scope;
  std::istringstream in(o.text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ws(line);
    std::vector<std::string> t;
    for (std::string w; ws >> w;) t.push_back(w);
    if (t.empty()) continue;
    if (t[0] == "$scope" && t.size() > 2) {
      scope.push_back(t[2]);
    } else if (t[0] == "$upscope" && !scope.empty()) {
      scope.pop_back();
    } else if (t[0] == "$var" && t.size() > 5) {
      std::string n;
      for (const auto& s : scope) n += s + ".";
      n += t[4];
      if (t[5].front() == '[') n += t[5];
      names.insert(n);
    } else if (t[0] == "$enddefinitions") {
      break;
    }
  }
  return names;
}

// The FEATHER top's counterpart of the test above: `feather run` with the RTL corrupted from
// cycle 1000 on reports the cycle of the first wrong buffer write as a FEATHER-DIVERGENCE line,
// and the runner reruns it with a trace window around that cycle and the top's .gtkw.
TEST(RegressRunner, FailingTopJobProducesWindowedWaveGtkwRerunLineJunitAndHtml) {
  const auto seed = test_seed();
  const auto dir = scratch("topfail");
  const int window = 40;
  const auto o = run(regress(
      fmt::format("topfault -j2 --seed {} --window {} --out {}", seed, window, dir.string())));
  ASSERT_EQ(o.status, 1) << o.text;

  const auto junit = Doc::xml(dir / "junit.xml");
  ASSERT_TRUE(junit.ok()) << slurp(dir / "junit.xml");
  EXPECT_EQ(junit.query("//testcase").size(), 2U);
  EXPECT_EQ(junit.one("/testsuites/testsuite/@failures"), "1");
  EXPECT_TRUE(junit.query("//testcase[@classname='topfault.top-pass']/failure").empty());
  const auto msg = junit.one("//testcase[@classname='topfault.top-fault']/failure/@message");
  EXPECT_TRUE(std::regex_search(msg, std::regex(R"(^FAIL: cycle \d+: )"))) << msg;
  EXPECT_NE(msg.find("first seen at cycle"), std::string::npos) << msg;
  const auto body = junit.one("//testcase[@classname='topfault.top-fault']/failure");
  EXPECT_NE(body.find("FEATHER-DIVERGENCE cycle="), std::string::npos) << body;
  const std::string fseed = junit.one(
      "//testcase[@classname='topfault.top-fault']/properties/property[@name='seed']/@value");
  ASSERT_FALSE(fseed.empty());

  // The divergence: a wrong write into a buffer line after the fault, at a rising edge of the
  // top's waveform (two reset cycles first).
  const auto html = Doc::html(dir / "report.html");
  ASSERT_TRUE(html.ok());
  EXPECT_EQ(html.query("//table[@id='jobs']/tbody/tr").size(), 2U);
  const std::string row = "//table[@id='jobs']/tbody/tr[td[3]='top-fault']";
  EXPECT_EQ(html.one(row + "/td[@class='status']"), "FAIL");
  EXPECT_EQ(html.one(row + "/td[5]"), fseed);
  const auto log = slurp(dir / html.one(row + "/td[9]/a/@href"));
  std::optional<sim::Divergence> d;
  std::istringstream lines(log);
  for (std::string l; !d && std::getline(lines, l);) d = sim::parse_divergence_line(l);
  ASSERT_TRUE(d) << log;
  EXPECT_GE(d->cycle, 1000U);
  EXPECT_EQ(d->wave_time, 2 * (2 + static_cast<long>(d->cycle)));
  EXPECT_TRUE(
      std::regex_match(d->unit, std::regex(R"((sbuf\.half[01]|obuf|wbuf)\.bank\d+\.line\d+)")))
      << d->unit;
  const std::uint64_t cycles = std::stoull(html.one(row + "/td[6]"));
  ASSERT_GT(cycles, d->cycle);
  const auto links = html.query(row + "/td[10]/a/@href");
  ASSERT_EQ(links.size(), 2U) << html.one(row + "/td[10]");
  EXPECT_EQ(fs::path(links[0]).extension(), ".fst");
  EXPECT_EQ(fs::path(links[1]).extension(), ".gtkw");
  EXPECT_NE(html.one(row + "/td[10]").find(fmt::format("reproduced at cycle {}", d->cycle)),
            std::string::npos)
      << html.one(row + "/td[10]");

  // The waveform holds the window around the divergence only (clipped at the run's last cycle).
  const auto wave = dir / links[0];
  ASSERT_TRUE(fs::exists(wave));
  const auto [first, last] = fst_time_range(wave);
  const std::uint64_t lo = d->cycle > window ? d->cycle - window : 0;
  const std::uint64_t hi = std::min<std::uint64_t>(d->cycle + window, cycles - 1);
  EXPECT_EQ(first, 2 * (2 + static_cast<long>(lo)));
  EXPECT_EQ(last, 2 * (2 + static_cast<long>(hi)) + 1);
  // The save file: the divergence group first with the bank's write port, the marker on the
  // divergent cycle, and every signal it names exists in the waveform.
  const auto gtkw = slurp(dir / links[1]);
  EXPECT_NE(gtkw.find("[dumpfile] \"" + wave.string() + "\""), std::string::npos) << gtkw;
  EXPECT_TRUE(std::regex_search(gtkw, std::regex(fmt::format(R"(\n\*[-0-9.]+ {} )", d->wave_time))))
      << gtkw;
  const auto group = gtkw.find(fmt::format("-divergence at cycle {}: {}", d->cycle, d->unit));
  ASSERT_NE(group, std::string::npos) << gtkw;
  EXPECT_NE(gtkw.find("@23\n" + d->signal + "\n", group), std::string::npos) << gtkw;
  EXPECT_NE(d->signal.find(".wdata_i["), std::string::npos) << d->signal;
  EXPECT_LT(group, gtkw.find("-ports"));
  EXPECT_NE(gtkw.find("-engines"), std::string::npos);
  const auto names = fst_signals(wave);
  ASSERT_FALSE(names.empty());
  std::istringstream gl(gtkw);
  int checked = 0;
  for (std::string l; std::getline(gl, l);) {
    if (l.rfind("TOP.", 0) != 0) continue;
    EXPECT_TRUE(names.count(l)) << "not in the waveform: " << l;
    ++checked;
  }
  EXPECT_GT(checked, 20);

  // The rerun file holds the failing job's command line; run as it stands, it fails the same.
  std::ifstream rerun(dir / "rerun.txt");
  std::vector<std::string> cmds;
  for (std::string l; std::getline(rerun, l);)
    if (!l.empty() && l[0] != '#') cmds.push_back(l);
  ASSERT_EQ(cmds.size(), 1U);
  EXPECT_EQ(cmds[0].rfind(kFeather + " run ", 0), 0U) << cmds[0];
  EXPECT_NE(cmds[0].find("--fault-cycle 1000"), std::string::npos);
  EXPECT_NE(cmds[0].find("--seed " + fseed), std::string::npos);
  const auto again = run(cmds[0]);
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.text.find(fmt::format("FEATHER-DIVERGENCE cycle={} ", d->cycle)),
            std::string::npos)
      << again.text;
}

TEST(RunDebug, TopRunOptionsAreChecked) {
  const std::string base = kFeather + " run --layer gemm --m 8 --k 16 --n 8 --array 4x4 --seed 1";
  auto o = run(base + " --trace-start 10");
  EXPECT_EQ(o.status, 2) << o.text;
  EXPECT_NE(o.text.find("need --trace"), std::string::npos) << o.text;
  const auto dir = scratch("rundebug");
  const std::string t = " --trace " + (dir / "a.fst").string();
  o = run(base + t + " --trace-start 10 --trace-cycles 100");
  EXPECT_EQ(o.status, 2) << o.text;
  EXPECT_NE(o.text.find("either --trace-cycles or"), std::string::npos) << o.text;
  o = run(base + t + " --trace-start 10 --trace-stop 5");
  EXPECT_EQ(o.status, 2) << o.text;
  EXPECT_NE(o.text.find("before --trace-start"), std::string::npos) << o.text;
  o = run(base + " --fault-line-xor 2");
  EXPECT_EQ(o.status, 2) << o.text;
  EXPECT_NE(o.text.find("needs --fault-cycle"), std::string::npos) << o.text;
  o = run(base + " --fault-cycle 0 --fault-line-xor 4096");
  EXPECT_EQ(o.status, 2) << o.text;
  EXPECT_NE(o.text.find("wider than the 10-bit line field"), std::string::npos) << o.text;
  // Faults confined to one layer of a whole network.
  const std::string net = kFeather + " run --network " + std::string(FEATHER_SOURCE_DIR) +
                          "/sw/networks/examples/residual_small.yaml --array 4x4 --seed 1";
  o = run(base + " --fault-layer x --fault-cycle 3");
  EXPECT_EQ(o.status, 2) << o.text;
  EXPECT_NE(o.text.find("apply to a whole network"), std::string::npos) << o.text;
  o = run(net + " --fault-layout-xor 16");
  EXPECT_EQ(o.status, 2) << o.text;
  EXPECT_NE(o.text.find("needs --fault-layer"), std::string::npos) << o.text;
  o = run(net + " --fault-layer b.conv1");
  EXPECT_EQ(o.status, 2) << o.text;
  EXPECT_NE(o.text.find("needs --fault-cycle or --fault-layout-xor"), std::string::npos) << o.text;
  o = run(net + " --hand-off always --fault-layer b.conv2 --fault-cycle 40");
  EXPECT_EQ(o.status, 1) << o.text;
  EXPECT_NE(o.text.find("layer 'b.conv2': output element ["), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("RTL divergence: cycle "), std::string::npos) << o.text;
  // A passing run with a window: tracing switches at its edges, no divergence.
  o = run(base + t + " --trace-start 20 --trace-stop 60");
  EXPECT_EQ(o.status, 0) << o.text;
  EXPECT_NE(o.text.find("trace   : on at cycle 20 (window)"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("trace   : off at cycle 61 (window)"), std::string::npos) << o.text;
  EXPECT_EQ(o.text.find("FEATHER-DIVERGENCE"), std::string::npos) << o.text;
  const auto [first, last] = fst_time_range(dir / "a.fst");
  EXPECT_EQ(first, 2 * (2 + 20));
  EXPECT_EQ(last, 2 * (2 + 60) + 1);
  EXPECT_TRUE(fs::exists(dir / "a.gtkw"));
}

TEST(RegressRunner, HangingJobIsKilledAtItsTimeoutAndReportedAsTimeout) {
  const auto seed = test_seed();
  const auto dir = scratch("hang");
  const auto t0 = std::chrono::steady_clock::now();
  const auto o = run(regress(fmt::format("hang -j2 --seed {} --out {}", seed, dir.string())));
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(o.status, 1) << o.text;
  EXPECT_LT(wall, 30.0) << "the hanging job was not killed";

  const auto junit = Doc::xml(dir / "junit.xml");
  ASSERT_TRUE(junit.ok());
  EXPECT_EQ(junit.one("/testsuites/testsuite/@failures"), "0");
  EXPECT_EQ(junit.one("/testsuites/testsuite/@errors"), "1");
  EXPECT_EQ(junit.one("//testcase[@classname='hang.birrd-hang']/error/@type"), "TIMEOUT");
  EXPECT_TRUE(junit.query("//testcase[@classname='hang.birrd-hang']/failure").empty());
  const double t = std::stod(junit.one("//testcase[@classname='hang.birrd-hang']/@time"));
  EXPECT_GE(t, 2.0) << "killed before its 2 s timeout";
  EXPECT_LT(t, 6.0) << "killed long after its 2 s timeout";
  // The log shows the job reached its hang (so it was killed there, not for another reason).
  EXPECT_NE(
      junit.one("//testcase[@classname='hang.birrd-hang']/error").find("hanging at cycle 100"),
      std::string::npos);
  EXPECT_TRUE(
      junit.query("//testcase[@classname='hang.birrd-pass']/*[self::failure or self::error]")
          .empty());

  const auto html = Doc::html(dir / "report.html");
  EXPECT_EQ(html.one("//table[@id='jobs']/tbody/tr[td[3]='birrd-hang']/td[@class='status']"),
            "TIMEOUT");
  EXPECT_EQ(html.one("//table[@id='summary']/tr[th='timed out']/td"), "1");
  const auto rerun = slurp(dir / "rerun.txt");
  EXPECT_NE(rerun.find("status=TIMEOUT"), std::string::npos);
  EXPECT_NE(rerun.find("--hang-after-cycles 100"), std::string::npos);
  EXPECT_EQ(rerun.find("birrd-pass"), std::string::npos);
}

// Spawns `feather regress ARGS` with stdout and stderr to `log`; returns its pid.
pid_t spawn_regress(const std::vector<std::string>& args, const fs::path& log) {
  std::vector<std::string> argv_s{kFeather, "regress"};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, kFeather.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

// The command lines of the live processes (other than this one) that contain `text`.
std::vector<std::string> processes_naming(const std::string& text) {
  std::vector<std::string> found;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string pid = e.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (pid == std::to_string(getpid())) continue;
    std::string cmd = slurp(e.path() / "cmdline");
    std::replace(cmd.begin(), cmd.end(), '\0', ' ');
    if (cmd.find(text) != std::string::npos) found.push_back(pid + ": " + cmd);
  }
  return found;
}

// SIGINT (Ctrl-C) and SIGTERM while two jobs hang: the job that finished keeps its result, the
// running ones are stopped and reported INTERRUPTED (not failed), the one not started NOT-RUN,
// the reports are written, the partial coverage removed, no job process is left, and the exit
// code is 128 + the signal.
class RegressInterrupt : public ::testing::TestWithParam<int> {};

TEST_P(RegressInterrupt, StopsJobsReportsWhatFinishedAndExitsWith128PlusTheSignal) {
  const int sig = GetParam();
  const auto seed = test_seed();
  const std::string name = rg::signal_name(sig);
  const auto dir = scratch("interrupt-" + name);
  const pid_t pid = spawn_regress({"interrupt", "-j2", "--suites", kSelftest, "--seed",
                                   std::to_string(seed), "--out", dir.string()},
                                  dir.parent_path() / ("interrupt-" + name + ".out"));
  ASSERT_GT(pid, 0);
  // Wait until both hanging jobs have reached their hang (the passing job has then finished).
  auto hanging = [&] {
    int n = 0;
    if (!fs::exists(dir / "logs")) return 0;
    for (const auto& e : fs::directory_iterator(dir / "logs")) {
      n += slurp(e.path()).find("hanging at cycle 100") != std::string::npos;
    }
    return n;
  };
  const auto t0 = std::chrono::steady_clock::now();
  while (hanging() < 2 && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(40)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(hanging(), 2) << "the hanging jobs did not start";
  const auto t1 = std::chrono::steady_clock::now();
  ASSERT_EQ(kill(pid, sig), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  const double stop = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  const std::string out = slurp(dir.parent_path() / ("interrupt-" + name + ".out"));
  ASSERT_TRUE(WIFEXITED(status)) << out;
  EXPECT_EQ(WEXITSTATUS(status), 128 + sig) << out;
  EXPECT_LT(stop, 10.0) << "the runner took too long to stop";
  EXPECT_NE(out.find("1 passed, 0 failed, 0 timed out, 2 interrupted, 1 not run (stopped by " +
                     name + ")"),
            std::string::npos)
      << out;

  const auto junit = Doc::xml(dir / "junit.xml");
  ASSERT_TRUE(junit.ok()) << "no JUnit report after the interruption";
  EXPECT_EQ(junit.one("/testsuites/testsuite/@failures"), "0");
  EXPECT_EQ(junit.one("/testsuites/testsuite/@errors"), "0");
  EXPECT_EQ(junit.one("/testsuites/testsuite/@skipped"), "3");
  EXPECT_TRUE(junit
                  .query("//testcase[@classname='interrupt.birrd-pass']/*[self::failure or "
                         "self::error or self::skipped]")
                  .empty());
  for (const std::string t : {"birrd-hang", "nest-hang"}) {
    const auto msg = junit.one("//testcase[@classname='interrupt." + t + "']/skipped/@message");
    EXPECT_NE(msg.find("interrupted after"), std::string::npos) << t << ": " << msg;
    EXPECT_NE(msg.find(name), std::string::npos) << t << ": " << msg;
  }
  EXPECT_NE(
      junit.one("//testcase[@classname='interrupt.birrd-later']/skipped/@message").find("not run"),
      std::string::npos);

  const auto html = Doc::html(dir / "report.html");
  ASSERT_TRUE(html.ok());
  auto status_of = [&](const std::string& test) {
    return html.one("//table[@id='jobs']/tbody/tr[td[3]='" + test + "']/td[@class='status']");
  };
  EXPECT_EQ(status_of("birrd-pass"), "PASS");
  EXPECT_EQ(status_of("birrd-hang"), "INTERRUPTED");
  EXPECT_EQ(status_of("nest-hang"), "INTERRUPTED");
  EXPECT_EQ(status_of("birrd-later"), "NOT-RUN");
  EXPECT_NE(html.one("//table[@id='summary']/tr[th='stopped by']/td").find(name),
            std::string::npos);

  // The rerun file finishes the run: the interrupted and unstarted jobs, not the passing one.
  const auto rerun = slurp(dir / "rerun.txt");
  EXPECT_NE(rerun.find("test=birrd-hang"), std::string::npos);
  EXPECT_NE(rerun.find("test=nest-hang"), std::string::npos);
  EXPECT_NE(rerun.find("test=birrd-later seed="), std::string::npos);
  EXPECT_NE(rerun.find("status=NOT-RUN"), std::string::npos);
  EXPECT_EQ(rerun.find("test=birrd-pass"), std::string::npos);

  // Coverage: the finished job's counters merged, nothing half-written left.
  EXPECT_TRUE(fs::exists(dir / "coverage.json"));
  int coverage_files = 0;
  for (const auto& e : fs::directory_iterator(dir / "coverage")) {
    ++coverage_files;
    EXPECT_NE(e.path().filename().string().find("birrd-pass"), std::string::npos) << e.path();
  }
  EXPECT_EQ(coverage_files, 1);
  // The interrupted jobs' logs are kept and say what happened; no job process is left.
  for (const auto& e : fs::directory_iterator(dir / "logs")) {
    if (e.path().filename().string().find("hang") == std::string::npos) continue;
    EXPECT_NE(slurp(e.path()).find("[feather regress] stopped by " + name), std::string::npos)
        << e.path();
  }
  EXPECT_EQ(processes_naming(dir.string()), std::vector<std::string>{})
      << "processes of the interrupted run are still alive";
}

INSTANTIATE_TEST_SUITE_P(Signals, RegressInterrupt, ::testing::Values(SIGINT, SIGTERM),
                         [](const auto& p) { return rg::signal_name(p.param); });

TEST(RegressRunner, RerunReplaysExactlyTheFailingJobs) {
  const auto seed = test_seed();
  const auto first = scratch("rerun-first");
  const auto second = scratch("rerun-second");
  ASSERT_EQ(
      run(regress(fmt::format("fault --seed {} --out {} --no-debug-rerun", seed, first.string())))
          .status,
      1);
  const auto o = run(kFeather + " regress -q --rerun " + (first / "rerun.txt").string() +
                     " --out " + second.string() + " --no-debug-rerun");
  ASSERT_EQ(o.status, 1) << o.text;
  const auto a = Doc::xml(first / "junit.xml");
  const auto b = Doc::xml(second / "junit.xml");
  std::set<std::string> failed_first;
  for (const auto& s : a.query("//testcase[failure]/properties/property[@name='seed']/@value"))
    failed_first.insert(s);
  std::set<std::string> replayed;
  for (const auto& s : b.query("//testcase/properties/property[@name='seed']/@value"))
    replayed.insert(s);
  EXPECT_EQ(failed_first.size(), 2U);
  EXPECT_EQ(replayed, failed_first);
  EXPECT_EQ(b.query("//testcase").size(), 2U);
  EXPECT_EQ(b.query("//testcase[failure]").size(), 2U);
  // The comment lines keep the test names.
  std::set<std::string> names;
  for (const auto& c : b.query("//testcase/@classname")) names.insert(c);
  EXPECT_EQ(names, (std::set<std::string>{"rerun.birrd-fault", "rerun.nest-fault"}));
}

TEST(RegressRunner, ReseedDrawsFreshSeedsAndSeedReplaysThem) {
  const auto o1 = run(regress("fault --list --reseed 3"));
  const auto o2 = run(regress("fault --list --reseed 3"));
  ASSERT_EQ(o1.status, 0) << o1.text;
  auto seeds = [](const std::string& text) {
    std::vector<std::string> v;
    const std::regex re(R"(--seed (\d+))");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
         ++it)
      v.push_back((*it)[1].str());
    return v;
  };
  EXPECT_EQ(seeds(o1.text).size(), 9U) << o1.text;  // 3 jobs x 3 seeds
  EXPECT_NE(seeds(o1.text), seeds(o2.text)) << "fresh seeds each time";
  const auto a = run(regress("fault --list --reseed 3 --seed 77"));
  const auto b = run(regress("fault --list --reseed 3 --seed 77"));
  EXPECT_EQ(seeds(a.text), seeds(b.text));
  const auto s = seeds(a.text);
  EXPECT_EQ(std::set<std::string>(s.begin(), s.end()).size(), s.size()) << "distinct seeds";
}

// SIGUSR1 switches tracing on and off in a running simulation; only those cycles are dumped.
TEST(CosimTrace, Sigusr1TogglesTracingInARunningSimulation) {
  const auto dir = scratch("sigusr1");
  const auto fst = dir / "s.fst";
  const auto log = dir / "s.log";
  posix_spawn_file_actions_t fa;
  pid_t pid = -1;
  int status = 0;
  std::vector<std::string> store;
  std::vector<char*> argv;
  // Tracing starts off (the window opens at cycle 10^9, never reached): the first signal turns
  // it on, the second off; the dump's time range must match the reported toggle cycles.
  const std::vector<std::string> args2 = {kFeather,        "birrd-cosim", "--aw",    "4",
                                          "--cycles",      "4000000",     "--trace", fst.string(),
                                          "--trace-start", "1000000000"};
  store = args2;
  argv.clear();
  for (auto& a : store) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_EQ(posix_spawn(&pid, kFeather.c_str(), &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  kill(pid, SIGUSR1);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const bool alive = waitpid(pid, &status, WNOHANG) == 0;
  kill(pid, SIGUSR1);
  waitpid(pid, &status, 0);
  ASSERT_TRUE(alive) << "the simulation ended before the second signal: " << slurp(log);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << slurp(log);
  const auto out = slurp(log);
  std::smatch on, off;
  ASSERT_TRUE(std::regex_search(out, on, std::regex(R"(trace   : on at cycle (\d+) \(SIGUSR1\))")))
      << out;
  ASSERT_TRUE(
      std::regex_search(out, off, std::regex(R"(trace   : off at cycle (\d+) \(SIGUSR1\))")))
      << out;
  const long c_on = std::stol(on[1].str()), c_off = std::stol(off[1].str());
  EXPECT_LT(c_on, c_off);
  const auto [first, last] = fst_time_range(fst);
  EXPECT_EQ(first, 2 * (1 + c_on));
  EXPECT_EQ(last, 2 * (1 + c_off - 1) + 1);
}

// ---------------------------------------------------------------------------------------------
// Library pieces.

TEST(RegressLibrary, DivergenceLineRoundTrips) {
  sim::Divergence d;
  d.cycle = 123;
  d.unit = "stage3.switch5.hi";
  d.signal = "TOP.birrd.g_stage[3].data_q[11][31:0]";
  d.wave_time = 248;
  const auto line = sim::divergence_line(d);
  const auto back = sim::parse_divergence_line(line);
  ASSERT_TRUE(back) << line;
  EXPECT_EQ(back->cycle, 123U);
  EXPECT_EQ(back->unit, d.unit);
  EXPECT_EQ(back->signal, d.signal);
  EXPECT_EQ(back->wave_time, 248);
  EXPECT_FALSE(sim::parse_divergence_line("FEATHER-DIVERGENCE cycle=12 unit=x"));
  EXPECT_FALSE(sim::parse_divergence_line("FEATHER-DIVERGENCE cycle=-1 unit=x signal=y time=0"));
  EXPECT_FALSE(
      sim::parse_divergence_line("note: FEATHER-DIVERGENCE cycle=1 unit=x signal=y time=0"));
  EXPECT_FALSE(sim::parse_divergence_line("FEATHER-DIVERGENCE cycle=1x unit=x signal=y time=0"));
}

TEST(RegressLibrary, TraceGateFollowsTheWindow) {
  sim::TraceGate g(10, 20);
  EXPECT_FALSE(g.initial());
  std::vector<std::uint64_t> on;
  for (std::uint64_t c = 0; c < 40; ++c) {
    g.update(c);
    if (g.on()) on.push_back(c);
  }
  ASSERT_EQ(on.size(), 11U);
  EXPECT_EQ(on.front(), 10U);
  EXPECT_EQ(on.back(), 20U);
  ASSERT_EQ(g.events().size(), 2U);
  sim::TraceGate all(0, sim::kNoCycle);
  EXPECT_TRUE(all.initial());
  for (std::uint64_t c = 0; c < 5; ++c) EXPECT_FALSE(all.update(c));
  EXPECT_TRUE(all.on());
}

TEST(RegressLibrary, LogParsing) {
  const auto cosim = rg::parse_log(
      "birrd AW=8 DW=32 wiring=benes seed=3: 501 cycles, 892 results checked, 724946 cycles/s\n"
      "FAIL: cycle 500: stage 2 switch 2 port hi (lane 5): data expected 0x1 actual 0x0\n"
      "FEATHER-DIVERGENCE cycle=500 unit=stage2.switch2.hi signal=S time=1002\n");
  ASSERT_TRUE(cosim.cycles && cosim.cycles_per_second && cosim.divergence);
  EXPECT_EQ(*cosim.cycles, 501U);
  EXPECT_DOUBLE_EQ(*cosim.cycles_per_second, 724946.0);
  EXPECT_EQ(cosim.divergence->cycle, 500U);
  EXPECT_EQ(cosim.failure.rfind("FAIL: cycle 500", 0), 0U);
  const auto layer = rg::parse_log(
      "cycles  : 2922 (RTL, first instruction to idle)\n"
      "speed   : 55.3 kcycles/s RTL simulation (0.05 s), compile 0.01 s, golden model 0.00 s\n"
      "RUN PASSED\n");
  ASSERT_TRUE(layer.cycles && layer.cycles_per_second);
  EXPECT_EQ(*layer.cycles, 2922U);
  EXPECT_DOUBLE_EQ(*layer.cycles_per_second, 55300.0);
  EXPECT_FALSE(layer.divergence);
  EXPECT_TRUE(layer.failure.empty());
}

TEST(RegressLibrary, CommandLinesQuoteAndSplit) {
  const std::vector<std::string> args = {"run", "--target", "13<-0+1 2<-4", "it's", "", "a\"b"};
  std::string line;
  for (const auto& a : args) {
    if (!line.empty()) line += ' ';
    line += rg::shell_quote(a);
  }
  EXPECT_EQ(rg::split_command(line), args) << line;
  EXPECT_EQ(rg::shell_quote("--aw"), "--aw");
  EXPECT_THROW(rg::split_command("a 'b"), std::runtime_error);
}

TEST(RegressLibrary, SuiteErrorsNameTheProblem) {
  const auto dir = scratch("suites");
  auto load = [&](const std::string& yaml) {
    std::ofstream(dir / "s.yaml") << yaml;
    return rg::load_suite((dir / "s.yaml").string(), "x", {});
  };
  auto message = [&](const std::string& yaml) {
    try {
      load(yaml);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("suites:\n  x:\n    jobs:\n      - {test: a, command: birrd-cosim}\n")
                .find("must take {seed}"),
            std::string::npos);
  EXPECT_NE(message("suites:\n  x:\n    jobs:\n      - {test: a, command: 'nest-cosim --ah {ah} "
                    "--seed {seed}'}\n")
                .find("placeholder {ah} is not defined"),
            std::string::npos);
  EXPECT_NE(message("suites:\n  y: {jobs: []}\n").find("no suite 'x' (suites: y)"),
            std::string::npos);
  const auto s = load(
      "suites:\n  x:\n    seeds: 2\n    timeout: 7\n    jobs:\n      - test: t\n"
      "        command: nest-cosim --ah {ah} --seed {seed}\n        configs: [{ah: 4}, {ah: 8}]\n");
  ASSERT_EQ(s.jobs.size(), 4U);
  EXPECT_EQ(s.jobs[0].config, "ah=4");
  EXPECT_EQ(s.jobs[0].args, (std::vector<std::string>{"nest-cosim", "--ah", "4", "--seed",
                                                      std::to_string(s.jobs[0].seed)}));
  EXPECT_DOUBLE_EQ(s.jobs[3].timeout, 7.0);
  EXPECT_NE(s.jobs[0].seed, s.jobs[1].seed);
  EXPECT_EQ(s.jobs[0].seed, rg::derive_seed(1, "t", "ah=4", 0));
}

// The project's suites load, and every configuration they name is compiled in this build.
// Functional coverage of the FEATHER top: `run` jobs write their counters (opcodes, layout
// orders per buffer, ES flags, Load/Store targets, mapping values, array), the runner merges
// them (sums), and the report lists the groups with their holes against the suite's goal.
TEST(RegressCoverage, TopCountersAreProducedMergedAndReportedWithHoles) {
  const auto seed = test_seed();
  const auto dir = scratch("topcov");
  const auto o = run(regress(fmt::format("topcov -j2 --seed {} --out {}", seed, dir.string())));
  ASSERT_EQ(o.status, 0) << o.text;
  std::uint64_t per_job_opcodes = 0;
  int jobs = 0;
  for (const auto& e : fs::directory_iterator(dir / "coverage")) {
    if (e.path().extension() != ".json") continue;
    const auto c = sim::Coverage::load(e.path().string());
    ASSERT_TRUE(c.groups().count("top.opcode")) << e.path();
    for (auto h : c.groups().at("top.opcode").hits) per_job_opcodes += h;
    ++jobs;
  }
  EXPECT_EQ(jobs, 2);
  const auto merged = sim::Coverage::load((dir / "coverage.json").string());
  const auto& g = merged.groups();
  for (const char* name : {"top.opcode", "top.layout.W.order", "top.layout.I.order",
                           "top.layout.O.order", "top.es.acc_quant", "top.load.target",
                           "top.store.target", "top.config.swap", "top.array", "top.map.grlog[4x4]",
                           "top.map.gclog[4x4]", "top.map.grlog_gclog[4x4]", "top.map.vn[4x4]"}) {
    EXPECT_TRUE(g.count(name)) << name;
  }
  const auto& op = g.at("top.opcode");
  EXPECT_EQ(op.bins.size(), 8U);
  std::uint64_t sum = 0;
  for (auto h : op.hits) sum += h;
  EXPECT_EQ(sum, per_job_opcodes);  // merged = the jobs' counts summed
  // Every program sets the three layouts, streams, loads and maps.
  for (const char* bin : {"SetWVNLayout", "SetIVNLayout", "SetOVNLayout", "ExecuteStreaming",
                          "Load", "ExecuteMapping", "Store"}) {
    const auto k =
        static_cast<std::size_t>(std::find(op.bins.begin(), op.bins.end(), bin) - op.bins.begin());
    ASSERT_LT(k, op.bins.size()) << bin;
    EXPECT_GT(op.hits[k], 0U) << bin;
  }
  const auto& arr = g.at("top.array");
  EXPECT_EQ(arr.hits[static_cast<std::size_t>(std::find(arr.bins.begin(), arr.bins.end(), "4x4") -
                                              arr.bins.begin())],
            2U);
  EXPECT_EQ(g.at("top.map.vn[4x4]").bins, (std::vector<std::string>{"1", "2", "3", "4"}));

  const auto html = Doc::html(dir / "report.html");
  ASSERT_TRUE(html.ok());
  EXPECT_EQ(html.one("//table[@id='coverage']/tbody/tr[td[1]='top.opcode']/td[5]"), "60");
  // Two small layers cannot use all six layout orders of a buffer: holes are listed.
  const auto holes = html.one("//table[@id='coverage']/tbody/tr[td[1]='top.layout.I.order']/td[6]");
  EXPECT_FALSE(holes.empty());
  EXPECT_NE(html.one("//p[@id='functional-progress']").find("groups at the goal"),
            std::string::npos);
}

// Two runs into one output directory: each appends a line to coverage-history.jsonl, and the
// second report shows both in the trend tables (date, suite, seed, totals; per group).
TEST(RegressCoverage, HistoryRecordsEveryRunAndTheReportShowsTheTrend) {
  const auto seed = test_seed();
  const auto dir = scratch("history");
  const std::uint64_t seeds[2] = {seed, seed + 1};
  for (const auto s : seeds) {
    const auto o = run(regress(fmt::format("topcov -j2 --seed {} --out {}", s, dir.string())));
    ASSERT_EQ(o.status, 0) << o.text;
    EXPECT_NE(o.text.find("history : "), std::string::npos) << o.text;
  }
  const auto path = dir / "coverage-history.jsonl";
  const auto hist = rg::load_history(path.string());
  ASSERT_EQ(hist.size(), 2U) << slurp(path);
  const auto merged = sim::Coverage::load((dir / "coverage.json").string());
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(hist[i].suite, "topcov");
    EXPECT_EQ(hist[i].base_seed, seeds[i]);
    EXPECT_EQ(hist[i].jobs, 2);
    EXPECT_EQ(hist[i].passed, 2);
    EXPECT_FALSE(hist[i].code);
    EXPECT_EQ(hist[i].goal, 60.0);
    EXPECT_TRUE(std::regex_match(hist[i].date, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
    EXPECT_EQ(hist[i].groups.size(), merged.groups().size());
    std::uint64_t covered = 0, bins = 0;
    for (const auto& [name, cb] : hist[i].groups) {
      covered += cb.first;
      bins += cb.second;
    }
    EXPECT_EQ(covered, hist[i].covered);
    EXPECT_EQ(bins, hist[i].bins);
  }
  // The last run's entry is the merged coverage of that run.
  for (const auto& [name, g] : merged.groups()) {
    ASSERT_TRUE(hist[1].groups.count(name)) << name;
    EXPECT_EQ(hist[1].groups.at(name).first, g.covered()) << name;
    EXPECT_EQ(hist[1].groups.at(name).second, g.bins.size()) << name;
  }
  const auto html = Doc::html(dir / "report.html");
  ASSERT_TRUE(html.ok());
  EXPECT_EQ(html.query("//table[@id='coverage-trend']/tbody/tr").size(), 2U);
  for (std::size_t i = 0; i < 2; ++i) {
    const std::string row = fmt::format("//table[@id='coverage-trend']/tbody/tr[{}]", i + 1);
    EXPECT_EQ(html.one(row + "/td[1]"), hist[i].date);
    EXPECT_EQ(html.one(row + "/td[2]"), "topcov");
    EXPECT_EQ(html.one(row + "/td[3]"), std::to_string(seeds[i]));
    EXPECT_EQ(html.one(row + "/td[6]"), fmt::format("{}/{}", hist[i].covered, hist[i].bins));
  }
  EXPECT_EQ(html.one("//table[@id='coverage-trend-groups']/tbody/tr[td[1]='top.opcode']/td[3]"),
            "8/8");
  EXPECT_EQ(html.query("//table[@id='coverage-trend-groups']/thead/tr/th").size(), 3U);

  // --no-history leaves the file alone; --history FILE writes elsewhere; a broken file is named.
  auto o =
      run(regress(fmt::format("topcov -j2 --seed {} --out {} --no-history", seed, dir.string())));
  ASSERT_EQ(o.status, 0) << o.text;
  EXPECT_EQ(rg::load_history(path.string()).size(), 2U);
  const auto other = dir / "nightly" / "trend.jsonl";
  o = run(regress(fmt::format("topcov -j2 --seed {} --out {} --history {}", seed, dir.string(),
                              other.string())));
  ASSERT_EQ(o.status, 0) << o.text;
  EXPECT_EQ(rg::load_history(other.string()).size(), 1U);
  {
    std::ofstream bad(path, std::ios::app);
    bad << "{\"date\": 3}\n";
  }
  o = run(regress(fmt::format("topcov -j2 --seed {} --out {}", seed, dir.string())));
  EXPECT_EQ(o.status, 2) << o.text;
  EXPECT_NE(o.text.find("coverage-history.jsonl:3: not a coverage history entry"),
            std::string::npos)
      << o.text;
}

// The directed `run --layer layouts` program and the BIRRD traffic close the stimulus gaps of
// docs/coverage.md: every layout order per buffer, Load to the inactive streaming half, Store
// from the stationary buffer, every mapping field value; BIRRD AW=64 groups of 33-64 lanes.
TEST(RegressCoverage, DirectedStimulusClosesTheKnownHoles) {
  const auto seed = test_seed();
  const auto dir = scratch("holes");
  const auto top = dir / "layouts.json";
  auto o =
      run(fmt::format("{} run --layer layouts --array 4x4 --latency 4 --backpressure 0.3 "
                      "--seed {} --coverage {}",
                      kFeather, seed, top.string()));
  ASSERT_EQ(o.status, 0) << o.text;
  EXPECT_NE(o.text.find("RUN PASSED"), std::string::npos) << o.text;
  const auto c = sim::Coverage::load(top.string());
  for (const char* name :
       {"top.layout.W.order", "top.layout.I.order", "top.layout.O.order", "top.load.target",
        "top.store.target", "top.config.swap", "top.map.grlog[4x4]", "top.map.gclog[4x4]",
        "top.map.grlog_gclog[4x4]", "top.map.vn[4x4]", "top.opcode", "top.corner.depth",
        "top.corner.requant", "top.corner.hazard", "top.corner.layout.W", "top.corner.layout.I",
        "top.corner.layout.O"}) {
    ASSERT_TRUE(c.groups().count(name)) << name;
    const auto& g = c.groups().at(name);
    EXPECT_EQ(g.covered(), g.bins.size()) << name << " has holes";
  }
  const auto birrd = dir / "b64.json";
  o = run(fmt::format("{} birrd-cosim --aw 64 --cycles 20000 --seed {} --coverage {}", kFeather,
                      seed, birrd.string()));
  ASSERT_EQ(o.status, 0) << o.text;
  const auto b = sim::Coverage::load(birrd.string());
  const auto& sizes = b.groups().at("birrd AW=64 DW=32 benes: reduction group size");
  EXPECT_EQ(sizes.covered(), sizes.bins.size());
  EXPECT_EQ(sizes.bins.back(), "33-64");
  EXPECT_GT(sizes.hits.back(), 0U);
}

// `run --layer random-stream` (directed error programs and random legal/illegal instruction
// streams, each checked against the golden model) ends runs of the top with every error code of
// docs/isa.md (functional group top.error); the same stimulus with the RTL corrupted (fault
// injection from the first cycle of every stream) fails as a regression job: a failing JUnit
// entry naming the stream, the FEATHER-DIVERGENCE line, the windowed waveform, the rerun line.
TEST(RegressCoverage, RandomStreamsHitEveryErrorCodeAndAnInjectedFaultFails) {
  const auto seed = test_seed();
  const auto dir = scratch("streams");
  const auto o =
      run(regress(fmt::format("streamfault -j2 --seed {} --out {}", seed, dir.string())));
  ASSERT_EQ(o.status, 1) << o.text;

  // The passing job: every error code, every opcode.
  const auto merged = sim::Coverage::load((dir / "coverage.json").string());
  ASSERT_TRUE(merged.groups().count("top.error"));
  const auto& err = merged.groups().at("top.error");
  EXPECT_EQ(err.bins, (std::vector<std::string>{"NONE", "FIELD", "LAYOUT_RANGE", "STATE",
                                                "SCONFLICT", "WCONFLICT", "OCONFLICT", "OMISSING",
                                                "MEM_RANGE", "QRANGE"}));
  for (std::size_t k = 0; k < err.bins.size(); ++k) {
    EXPECT_GT(err.hits[k], 0U) << "no run ended with " << err.bins[k];
  }
  const auto& op = merged.groups().at("top.opcode");
  EXPECT_EQ(op.covered(), op.bins.size());
  // The order of errors after instructions still at work (streams, requantizing streams,
  // Stores, Loads): every case reached.
  ASSERT_TRUE(merged.groups().count("top.corner.error_order"));
  const auto& order = merged.groups().at("top.corner.error_order");
  EXPECT_EQ(order.covered(), order.bins.size());

  const auto junit = Doc::xml(dir / "junit.xml");
  ASSERT_TRUE(junit.ok()) << slurp(dir / "junit.xml");
  EXPECT_EQ(junit.query("//testcase").size(), 2U);
  EXPECT_EQ(junit.one("/testsuites/testsuite/@failures"), "1");
  EXPECT_TRUE(junit.query("//testcase[@classname='streamfault.streams-pass']/failure").empty());
  const auto msg = junit.one("//testcase[@classname='streamfault.streams-fault']/failure/@message");
  EXPECT_TRUE(std::regex_search(msg, std::regex(R"(^FAIL: stream \d+ \()"))) << msg;
  const auto body = junit.one("//testcase[@classname='streamfault.streams-fault']/failure");
  EXPECT_NE(body.find("FEATHER-DIVERGENCE cycle="), std::string::npos) << body;
  EXPECT_NE(body.find("RUN FAILED"), std::string::npos) << body;

  const auto html = Doc::html(dir / "report.html");
  ASSERT_TRUE(html.ok());
  const std::string row = "//table[@id='jobs']/tbody/tr[td[3]='streams-fault']";
  EXPECT_EQ(html.one(row + "/td[@class='status']"), "FAIL");
  const auto links = html.query(row + "/td[10]/a/@href");
  ASSERT_EQ(links.size(), 2U) << html.one(row + "/td[10]");
  EXPECT_TRUE(fs::exists(dir / links[0]));
  EXPECT_EQ(fs::path(links[1]).extension(), ".gtkw");
  EXPECT_NE(html.one(row + "/td[10]").find("reproduced at cycle"), std::string::npos)
      << html.one(row + "/td[10]");

  std::ifstream rerun(dir / "rerun.txt");
  std::vector<std::string> cmds;
  for (std::string l; std::getline(rerun, l);)
    if (!l.empty() && l[0] != '#') cmds.push_back(l);
  ASSERT_EQ(cmds.size(), 1U);
  EXPECT_NE(cmds[0].find("--layer random-stream"), std::string::npos) << cmds[0];
  EXPECT_NE(cmds[0].find("--fault-cycle 0"), std::string::npos) << cmds[0];
  const auto again = run(cmds[0]);
  EXPECT_EQ(again.status, 1) << again.text;
  EXPECT_NE(again.text.find("FEATHER-DIVERGENCE cycle="), std::string::npos) << again.text;
}

// The code-coverage flow on the coverage probe (a BIRRD AW 8 with line+toggle coverage standing
// in for a FEATHER_COVERAGE=ON feather): one .dat per job, merged with verilator_coverage into
// merged.dat and merged.info, genhtml's HTML, totals and per-module numbers in the report and
// code-coverage.json, goals compared.
TEST(RegressCoverage, CodeCoverageIsMergedIntoHtmlWithTotalsAndModules) {
  const auto seed = test_seed();
  const auto dir = scratch("codecov");
  rg::ExpandOptions eo;
  eo.base_seed = seed;
  const auto suite = rg::load_suite(kSelftest, "codecov", eo);
  ASSERT_EQ(suite.jobs.size(), 4U);
  EXPECT_EQ(suite.goals.at("toggle"), 99.9);
  rg::RunOptions ro;
  ro.out_dir = dir.string();
  ro.exe = FEATHER_COV_PROBE;
  ro.progress = false;
  ro.code_coverage = true;
  const auto rep = rg::run_jobs(suite, seed, ro);
  rg::write_reports(rep);
  ASSERT_EQ(rep.count(rg::Status::kPass), 4);
  for (const auto& j : rep.jobs) {
    ASSERT_EQ(j.code_coverage.size(), 1U) << j.spec.id;
    EXPECT_TRUE(fs::exists(dir / j.code_coverage[0]));
  }
  const auto& cc = rep.code_coverage;
  EXPECT_TRUE(cc.note.empty()) << cc.note << "\n" << slurp(dir / "code-coverage/merge.log");
  EXPECT_EQ(cc.inputs.size(), 4U);
  EXPECT_TRUE(fs::exists(dir / "code-coverage/merged.dat"));
  EXPECT_TRUE(fs::exists(dir / "code-coverage/merged.info"));
  ASSERT_TRUE(fs::exists(dir / "code-coverage/html/index.html"));
  EXPECT_NE(slurp(dir / "code-coverage/html/index.html").find("feather regress coverage"),
            std::string::npos);
  EXPECT_NE(slurp(dir / "code-coverage/merged.info").find("birrd.sv"), std::string::npos);
  EXPECT_GT(cc.totals.line.total, 0U);
  EXPECT_GT(cc.totals.toggle.total, 0U);
  EXPECT_GT(cc.totals.toggle.covered, 0U);
  EXPECT_LE(cc.totals.toggle.covered, cc.totals.toggle.total);
  ASSERT_TRUE(cc.modules.count("birrd"));
  ASSERT_TRUE(cc.modules.count("egg"));
  EXPECT_GT(cc.modules.at("egg").toggle.total, 0U);

  // Merging sums: the merged file covers at least what the longest job covers alone.
  rg::CodeCoverage one;
  rg::count_code_coverage(slurp(dir / rep.jobs.back().code_coverage[0]), one);
  EXPECT_EQ(one.totals.toggle.total, cc.totals.toggle.total);
  EXPECT_LE(one.totals.toggle.covered, cc.totals.toggle.covered);

  const auto html = Doc::html(dir / "report.html");
  ASSERT_TRUE(html.ok());
  EXPECT_EQ(html.one("//a[@id='code-coverage-html']/@href"), "code-coverage/html/index.html");
  EXPECT_NE(html.one("//tr[@id='cc-toggle']/td[2]")
                .find(fmt::format("({}/{})", cc.totals.toggle.covered, cc.totals.toggle.total)),
            std::string::npos);
  EXPECT_EQ(html.one("//tr[@id='cc-toggle']/td[3]"), "100%");
  EXPECT_EQ(html.query("//table[@id='code-coverage-modules']/tbody/tr").size(), cc.modules.size());
  const auto json = slurp(dir / "code-coverage.json");
  EXPECT_NE(json.find("\"html\": \"code-coverage/html/index.html\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"egg\""), std::string::npos);
  // The history entry of a code-coverage run carries the line/branch/toggle totals, and the
  // trend table shows them.
  auto with_history = rep;
  rg::record_history(with_history, (dir / "history.jsonl").string());
  const auto hist = rg::load_history((dir / "history.jsonl").string());
  ASSERT_EQ(hist.size(), 1U);
  ASSERT_TRUE(hist[0].code);
  EXPECT_EQ(hist[0].code_totals.toggle.covered, cc.totals.toggle.covered);
  EXPECT_EQ(hist[0].code_totals.line.total, cc.totals.line.total);
  rg::write_reports(with_history);
  const auto html2 = Doc::html(dir / "report.html");
  EXPECT_EQ(html2.one("//table[@id='coverage-trend']/tbody/tr[1]/td[11]"),
            fmt::format("{:.1f}%", cc.totals.toggle.percent()));
}

// --coverage on a binary without coverage models: the jobs run, the report says why there is no
// code coverage.
TEST(RegressCoverage, CodeCoverageWithoutCoverageModelsIsExplained) {
  const auto seed = test_seed();
  const auto dir = scratch("nocodecov");
  const auto o =
      run(regress(fmt::format("hang --coverage --seed {} --out {}", seed, dir.string())));
  const auto html = slurp(dir / "report.html");
  EXPECT_NE(html.find("FEATHER_COVERAGE=ON"), std::string::npos);
  EXPECT_NE(o.text.find("coverage: line"), std::string::npos) << o.text;
}

TEST(RegressLibrary, CodeCoverageCountsPointsPerKindAndModule) {
  const std::string dat =
      "# SystemC::Coverage-3\n"
      "C '\001t\002line\001page\002v_line/egg\001f\002egg.sv\001l\0023\001h\002TOP.x' 5\n"
      "C '\001t\002line\001page\002v_line/egg\001f\002egg.sv\001l\0024\001h\002TOP.x' 0\n"
      "C '\001t\002toggle\001page\002v_toggle/birrd\001f\002b.sv\001l\0029' 1\n"
      "C '\001t\002branch\001page\002v_branch/birrd\001f\002b.sv\001l\0029' 0\n";
  rg::CodeCoverage cc;
  rg::count_code_coverage(dat, cc);
  EXPECT_EQ(cc.totals.line.covered, 1U);
  EXPECT_EQ(cc.totals.line.total, 2U);
  EXPECT_EQ(cc.totals.toggle.covered, 1U);
  EXPECT_EQ(cc.totals.branch.total, 1U);
  EXPECT_EQ(cc.modules.at("egg").line.total, 2U);
  EXPECT_EQ(cc.modules.at("birrd").toggle.total, 1U);
  EXPECT_DOUBLE_EQ(cc.totals.line.percent(), 50.0);
}

TEST(RegressSuites, ProjectSuitesUseCompiledConfigurations) {
  const auto names = rg::suite_names(kSuites);
  ASSERT_NE(std::find(names.begin(), names.end(), "smoke"), names.end());
  ASSERT_NE(std::find(names.begin(), names.end(), "nightly"), names.end());
  for (const auto& n : names) {
    const auto s = rg::load_suite(kSuites, n, {});
    EXPECT_FALSE(s.jobs.empty()) << n;
    for (const auto& j : s.jobs) {
      auto opt = [&](const std::string& name, const std::string& def) {
        for (std::size_t k = 0; k + 1 < j.args.size(); ++k)
          if (j.args[k] == name) return j.args[k + 1];
        return def;
      };
      if (j.args[0] == "birrd-cosim") {
        const auto w = birrd::parse_wiring(opt("--wiring", "benes"));
        ASSERT_TRUE(w) << j.id;
        EXPECT_NO_THROW(
            sim::make_birrd_dut(std::stoi(opt("--aw", "16")), std::stoi(opt("--dw", "32")), *w))
            << n << ": " << j.id;
      } else if (j.args[0] == "nest-cosim") {
        EXPECT_NO_THROW(
            sim::make_nest_dut(std::stoi(opt("--ah", "4")), std::stoi(opt("--aw", "16"))))
            << n << ": " << j.id;
      } else {
        EXPECT_EQ(j.args[0], "run") << n << ": " << j.id;
      }
    }
  }
}

}  // namespace
}  // namespace feather::test
