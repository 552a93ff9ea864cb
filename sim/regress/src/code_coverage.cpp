// Verilator line/branch/toggle coverage of a regression: the jobs' .dat files merged with
// verilator_coverage, an lcov HTML report by genhtml, counts per kind and module.
#include <fmt/format.h>

#include <filesystem>
#include <sstream>
#include <string>

#include "feather/regress/regress.hpp"
#include "process.hpp"
#include "util.hpp"

namespace feather::regress {

namespace fs = std::filesystem;

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

}  // namespace feather::regress
