#include "onnx_run_cmd.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "feather/sim/layer_run.hpp"
#include "options.hpp"
#ifdef FEATHER_HAVE_ONNX
#include "feather/onnx/import.hpp"
#endif

namespace feather::cli {

int run_onnx_node_tests(const std::vector<std::string>& dirs, const std::string& array,
                        const sim::RunOptions& opt) {
#ifdef FEATHER_HAVE_ONNX
  const auto [ah, aw] = parse_array(array);
  int failed = 0;
  for (const std::string& dir : dirs) {
    const onnx_import::NodeTest t = onnx_import::load_node_test(dir);
    std::vector<std::uint8_t> out;
    const sim::LayerReport r = sim::run_layer_with(t.layer, t.operands(), ah, aw, opt, {}, &out);
    const std::string onnx = onnx_import::node_test_mismatches(t, out);
    const bool ok = r.golden_ok && r.output_ok && onnx.empty();
    failed += ok ? 0 : 1;
    fmt::print("{:<40} {:<14} {:>7} cycles  RTL {} golden, {} reference, {} ONNX's outputs\n",
               t.name, t.op, r.run.cycles,
               r.golden_ok ? "=" : "!=", r.output_ok ? "=" : "!=", onnx.empty() ? "=" : "!=");
    if (!r.mismatch.empty()) fmt::print("{}", r.mismatch);
    if (!onnx.empty()) fmt::print("{}", onnx);
  }
  fmt::print("{}: {} of {} ONNX node tests bit-exact on the {} RTL\n",
             failed ? "ONNX NODE TESTS FAILED" : "ONNX NODE TESTS PASSED", dirs.size() - failed,
             dirs.size(), array);
  return failed ? 1 : 0;
#else
  (void)dirs, (void)array, (void)opt;
  throw std::invalid_argument(
      "--onnx-test: this feather was built without ONNX (FEATHER_ONNX=OFF; make deps installs "
      "libonnx-dev)");
#endif
}

}  // namespace feather::cli
