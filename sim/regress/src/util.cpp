// Small text and file helpers shared by the runner's files (util.hpp).
#include "util.hpp"

#include "feather/regress/regress.hpp"

#include <fmt/format.h>

#include <csignal>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace feather::regress {

namespace fs = std::filesystem;

std::string command_line(const std::string& exe, const std::vector<std::string>& args) {
  std::string s = shell_quote(exe);
  for (const auto& a : args) {
    s += ' ';
    s += shell_quote(a);
  }
  return s;
}

std::string signal_name(int sig) {
  switch (sig) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    case SIGKILL:
      return "SIGKILL";
    default:
      return fmt::format("signal {}", sig);
  }
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const fs::path& p, const std::string& text) {
  // Written next to its place and renamed over it: a run stopped while it writes its reports
  // leaves the old file or the new one, never half of one.
  fs::path tmp = p;
  tmp += ".partial";
  {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    out.close();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw std::runtime_error(fmt::format("cannot write '{}'", p.string()));
    }
  }
  std::error_code ec;
  fs::rename(tmp, p, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot write '{}': {}", p.string(), ec.message()));
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

}  // namespace feather::regress
