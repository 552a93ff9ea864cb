// Option values shared by several subcommands: the array, the dataflow, the BIRRD wiring.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "feather/birrd/topology.hpp"
#include "feather/map/mapper.hpp"
#include "feather/map/workload.hpp"
#include "feather/net/reference.hpp"
#include "feather/top/params.hpp"

namespace feather::cli {

// "AHxAW" such as "16x16"; throws CLI::ValidationError naming --array otherwise.
std::pair<int, int> parse_array(const std::string& text);

// "wos" / "ios" (also "WO-S", "IO-S"); throws CLI::ValidationError otherwise.
map::Dataflow parse_dataflow(const std::string& text);

// The convolution algorithm of --conv: "auto" (unset: the mapper picks the faster), "direct"
// (true) or "im2col" (false); throws CLI::ValidationError naming --conv otherwise.
std::optional<bool> parse_conv(const std::string& text);

// "benes" / "feather"; throws CLI::ValidationError naming --wiring otherwise.
birrd::Wiring parse_wiring(const std::string& text);

// The FEATHER parameters for an AHxAW array: the named configuration's (sw/configs/arrays.json)
// when there is one, else the 16x16 configuration's buffer depths; sd/wd/od/qd > 0 override.
top::TopParams array_params(int ah, int aw, int sd, int wd, int od, int qd);

// A whole number of at least `min`, written without a sign or anything after it. CLI11 reads
// "-1" into an unsigned option as 2^64 - 1 (a run that would never end), so count options
// (cycles, latencies) take this check: the error names the option and the value.
CLI::Validator whole_number(std::uint64_t min);

// A probability p with 0 <= p <= max; NaN, infinities and text are refused with the range.
CLI::Validator probability(double max);

// A number x with 0 < x <= 1 (a bandwidth in words per cycle); NaN and text are refused.
CLI::Validator fraction();

// A finite number > 0 (seconds, say): NaN, infinities, zero, signs and text are refused.
CLI::Validator positive_finite();

// Checks, before a long computation, that an output file can be written: `path` is not a
// directory and the nearest existing directory above it takes a new file (write_output creates
// the directories between). Creates nothing. CLI::ValidationError naming `option`, the path and
// the reason otherwise; "" passes.
void check_writable(const std::string& path, const std::string& option);
// Writes `text` to `path`, creating its directory; std::invalid_argument naming it on failure.
void write_output(const std::string& path, const std::string& text);

// --help with defaults: every option's default at the end of its description, "(default: X)"
// (main() installs it before the subcommands are added, so they inherit it). An option whose
// value 0 or "" stands for something else says what with default_means.
class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_option_opts(const CLI::Option* opt) const override;
  std::string make_option_desc(const CLI::Option* opt) const override;
};
// --onnx FILE (the same as --network FILE.onnx) and --onnx-unsupported error|keep.
void add_onnx_options(CLI::App& cmd, std::string& network, std::string& unsupported);
// A network by name (built-in, random:SEED, a network / Timeloop file, or an .onnx model read
// with `unsupported` = "error" or "keep" for operators the importer does not know; its warnings
// go to stderr). map::find_network for everything but .onnx.
map::Network resolve_network(const std::string& name, const std::string& unsupported = "error",
                             net::WeightMap* weights = nullptr);

// --sd --wd --od --qd: buffer depths, 0 (the default) = the named configuration's.
void add_depth_options(CLI::App& cmd, int& sd, int& wd, int& od, int& qd);
// Shows `meaning` as the option's default in --help (e.g. "the named configuration's").
CLI::Option* default_means(CLI::Option* opt, const std::string& meaning);

}  // namespace feather::cli
