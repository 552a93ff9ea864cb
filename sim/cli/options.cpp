#include "options.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>

#include "feather/top/arrays.hpp"
#ifdef FEATHER_HAVE_ONNX
#include "feather/onnx/import.hpp"
#endif
#include "rtl.hpp"

#include <unistd.h>

namespace feather::cli {

std::pair<int, int> parse_array(const std::string& text) {
  const auto x = text.find('x');
  try {
    if (x == std::string::npos) throw std::invalid_argument("no x");
    std::size_t used = 0;
    const int ah = std::stoi(text.substr(0, x), &used);
    if (used != x) throw std::invalid_argument("rows");
    const int aw = std::stoi(text.substr(x + 1), &used);
    if (used != text.size() - x - 1) throw std::invalid_argument("columns");
    return {ah, aw};
  } catch (const std::exception&) {
    throw CLI::ValidationError("--array", "expected AHxAW such as 16x16, got '" + text + "'");
  }
}

map::Dataflow parse_dataflow(const std::string& text) {
  std::string t;
  for (char c : text) {
    if (c != '-') t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (t == "wos") return map::Dataflow::kWoS;
  if (t == "ios") return map::Dataflow::kIoS;
  throw CLI::ValidationError("--dataflow", "expected wos or ios, got '" + text + "'");
}

std::optional<bool> parse_conv(const std::string& text) {
  if (text.empty() || text == "auto") return std::nullopt;
  if (text == "direct") return true;
  if (text == "im2col") return false;
  throw CLI::ValidationError("--conv", "expected auto, direct or im2col, got '" + text + "'");
}

birrd::Wiring parse_wiring(const std::string& text) {
  auto w = birrd::parse_wiring(text);
  if (!w) {
    throw CLI::ValidationError("--wiring", "expected 'benes' or 'feather', got '" + text + "'");
  }
  return *w;
}

top::TopParams array_params(int ah, int aw, int sd, int wd, int od, int qd) {
  top::TopParams p;
  if (const top::NamedArray* named = top::find_named_array(ah, aw)) {
    p = named->params;
  } else {
    if (const top::NamedArray* big = top::find_named_array(16, 16)) p = big->params;
    p.qd = std::max(p.qd, aw);
  }
  p.ah = ah;
  p.aw = aw;
  if (sd > 0) p.sd = sd;
  if (wd > 0) p.wd = wd;
  if (od > 0) p.od = od;
  if (qd > 0) p.qd = qd;
  return p.validated();
}

void check_writable(const std::string& path, const std::string& option) {
  namespace fs = std::filesystem;
  if (path.empty()) return;
  const fs::path p(path);
  std::error_code ec;
  if (fs::is_directory(p, ec)) {
    throw CLI::ValidationError(option, fmt::format("'{}' is a directory", path));
  }
  // The nearest existing directory above the file: the writer creates the rest. Nothing is
  // created here (a {network} path is checked with a placeholder name).
  fs::path dir = fs::absolute(p, ec).parent_path();
  while (!fs::exists(dir, ec) && dir.has_parent_path() && dir != dir.parent_path()) {
    dir = dir.parent_path();
  }
  if (!fs::is_directory(dir, ec)) {
    throw CLI::ValidationError(
        option, fmt::format("cannot write '{}': '{}' is not a directory", path, dir.string()));
  }
  // A probe file, removed at once: the directory takes new files (permissions, read-only
  // file systems, /proc), and nothing of it is left behind.
  const fs::path probe = dir / fmt::format(".feather-write-probe-{}", ::getpid());
  bool ok = false;
  {
    std::ofstream f(probe);
    ok = static_cast<bool>(f);
  }
  fs::remove(probe, ec);
  if (!ok) {
    throw CLI::ValidationError(
        option,
        fmt::format("cannot write '{}': the directory '{}' takes no new file", path, dir.string()));
  }
}

void write_output(const std::string& path, const std::string& text) {
  const auto dir = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  std::ofstream out(path);
  if (!out) throw std::invalid_argument("cannot write " + path);
  out << text;
  if (!out) throw std::invalid_argument("cannot write " + path);
}

std::string no_rtl_message(std::string_view what) {
  return fmt::format(
      "{} needs the verilated models, and this feather was built without them (FEATHER_RTL=OFF): "
      "configure with -DFEATHER_RTL=ON (needs Verilator)",
      what);
}

namespace {

// The whole text as a number (std::stod syntax, so "nan" and "inf" too), nullopt otherwise.
std::optional<double> parse_number(const std::string& v) {
  std::size_t used = 0;
  try {
    const double x = std::stod(v, &used);
    if (used == v.size()) return x;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

}  // namespace

CLI::Validator whole_number(std::uint64_t min) {
  return CLI::Validator(
      [min](std::string& v) -> std::string {
        const bool digits = !v.empty() && std::all_of(v.begin(), v.end(), [](unsigned char ch) {
          return std::isdigit(ch) != 0;
        });
        if (!digits) return fmt::format("expected a whole number >= {}, got '{}'", min, v);
        try {
          if (std::stoull(v) < min) {
            return fmt::format("expected a whole number >= {}, got {}", min, v);
          }
        } catch (const std::out_of_range&) {
          return fmt::format("{} does not fit in 64 bits", v);
        }
        return {};
      },
      fmt::format("INT>={}", min));
}

CLI::Validator probability(double max) {
  return CLI::Validator(
      [max](std::string& v) -> std::string {
        const std::optional<double> p = parse_number(v);
        if (!p || !std::isfinite(*p) || *p < 0 || *p > max) {
          return fmt::format("expected a probability in [0, {}], got '{}'", max, v);
        }
        return {};
      },
      fmt::format("in [0, {}]", max));
}

CLI::Validator fraction() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        const std::optional<double> x = parse_number(v);
        if (!x || !(*x > 0 && *x <= 1)) {
          return fmt::format("expected a number in (0, 1], got '{}'", v);
        }
        return {};
      },
      "in (0, 1]");
}

CLI::Validator positive_finite() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        const std::optional<double> x = parse_number(v);
        if (!x || !std::isfinite(*x) || *x <= 0 || *x > 1e9) {
          return fmt::format("expected a finite number > 0 (at most 1e9), got '{}'", v);
        }
        return {};
      },
      "> 0");
}

}  // namespace feather::cli

namespace feather::cli {

std::string HelpFormatter::make_option_opts(const CLI::Option* opt) const {
  // CLI11's own, without the "=default" it glues to the type (make_option_desc shows it).
  std::string out;
  if (!opt->get_option_text().empty()) return " " + opt->get_option_text();
  if (opt->get_type_size() != 0) {
    if (!opt->get_type_name().empty()) out += " " + get_label(opt->get_type_name());
    if (opt->get_expected_max() == CLI::detail::expected_max_vector_size) {
      out += " ...";
    } else if (opt->get_expected_min() > 1) {
      out += fmt::format(" x {}", opt->get_expected());
    }
    if (opt->get_required()) out += " " + get_label("REQUIRED");
  }
  if (!opt->get_needs().empty()) {
    out += " " + get_label("Needs") + ":";
    for (const CLI::Option* o : opt->get_needs()) out += " " + o->get_name();
  }
  if (!opt->get_excludes().empty()) {
    out += " " + get_label("Excludes") + ":";
    for (const CLI::Option* o : opt->get_excludes()) out += " " + o->get_name();
  }
  return out;
}

std::string HelpFormatter::make_option_desc(const CLI::Option* opt) const {
  const std::string& d = opt->get_default_str();
  if (opt->get_type_size() == 0 || d.empty() || d == "[]") return opt->get_description();
  return fmt::format("{} (default: {})", opt->get_description(), d);
}

void add_onnx_options(CLI::App& cmd, std::string& network, std::string& unsupported) {
  CLI::Option* net = cmd.get_option("--network");
  cmd.add_option("--onnx", network,
                 "an ONNX model (.onnx) as the network: Conv/Gemm/MatMul and their integer and "
                 "QLinear forms are layers, the operators between them layers without MACs")
      ->excludes(net);
  cmd.add_option("--onnx-unsupported", unsupported,
                 "ONNX operators the importer does not know: error, or keep them as zero-cost "
                 "layers with a warning")
      ->check(CLI::IsMember({"error", "keep"}));
}

map::Network resolve_network(const std::string& name, const std::string& unsupported,
                             net::WeightMap* weights) {
#ifdef FEATHER_HAVE_ONNX
  onnx_import::OnnxOptions o;
  o.keep_unsupported = unsupported == "keep";
  std::vector<std::string> warnings;
  map::Network net = onnx_import::find_network(name, o, &warnings, weights);
  for (const std::string& w : warnings) fmt::print(stderr, "feather: warning: {}\n", w);
  return net;
#else
  (void)unsupported;
  (void)weights;
  const bool onnx = name.size() > 5 && name.compare(name.size() - 5, 5, ".onnx") == 0;
  if (!onnx) return map::find_network(name);
  throw std::invalid_argument(fmt::format(
      "{}: this feather was built without ONNX (FEATHER_ONNX=OFF; make deps installs libonnx-dev)",
      name));
#endif
}

void add_depth_options(CLI::App& cmd, int& sd, int& wd, int& od, int& qd) {
  const std::string named = "the named configuration's, sw/configs/arrays.json";
  const std::pair<const char*, const char*> what[] = {
      {"--sd", "streaming buffer lines per bank per half"},
      {"--wd", "stationary buffer lines per bank"},
      {"--od", "output buffer lines per bank"},
      {"--qd", "requantization table entries"}};
  int* vars[] = {&sd, &wd, &od, &qd};
  for (int i = 0; i < 4; ++i) {
    default_means(cmd.add_option(what[i].first, *vars[i], what[i].second), named)
        ->check(whole_number(0));
  }
}

CLI::Option* default_means(CLI::Option* opt, const std::string& meaning) {
  return opt->default_str(meaning);
}

std::string_view command_example(std::string_view command) {
  struct Example {
    std::string_view command, line;
  };
  static constexpr Example kExamples[] = {
      {"birrd-demo", "feather birrd-demo --trace birrd.fst"},
      {"route", "feather route --aw 16 --target '13<-0+1+2+3 2<-4+5+6+7'"},
      {"birrd-cosim", "feather birrd-cosim --aw 32 --dw 32 --wiring benes --cycles 5000 --seed 7"},
      {"nest-cosim", "feather nest-cosim --ah 8 --aw 8 --cycles 5000 --seed 7"},
      {"regress", "feather regress smoke -j 2 --seed 1   # reports in out/regress/smoke"},
      {"run", "feather run --preset resnet50-conv3x3 --array 16x16 --latency 9 --backpressure 0.3"},
      {"map", "feather map --network resnet50 --array 16x16 --hand-off auto --json plan.json"},
      {"compare", "feather compare --network resnet50 --array 16x16 --svg resnet50.svg"},
      {"list-models", "feather list-models"},
  };
  for (const Example& e : kExamples) {
    if (e.command == command) return e.line;
  }
  return {};
}

}  // namespace feather::cli
