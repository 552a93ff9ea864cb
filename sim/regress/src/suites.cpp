// Suites (verif/regress/suites.yaml), the jobs they expand into, seeds, rerun files and the
// command-line quoting they share.
#include <yaml-cpp/yaml.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

#include "feather/regress/regress.hpp"

namespace feather::regress {

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
        js.index = suite.jobs.size();
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
    case Status::kInterrupted:
      return "INTERRUPTED";
    case Status::kNotRun:
      return "NOT-RUN";
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
    j.index = suite.jobs.size();
    suite.jobs.push_back(std::move(j));
  }
  return suite;
}

}  // namespace feather::regress
