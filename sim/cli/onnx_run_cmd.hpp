// `feather run --onnx-test DIR`: ONNX node tests of integer and quantized layers on the RTL
// (onnx_run_cmd.cpp).
#pragma once

#include <string>
#include <vector>

#include "feather/sim/top_cosim.hpp"

namespace feather::cli {

// Runs each node test (onnx_import::load_node_test) on the verilated AHxAW top against the
// golden model, the reference and ONNX's expected outputs; prints one line per test. 0 when
// every test is bit-exact, 1 otherwise; std::invalid_argument for a test it cannot run.
int run_onnx_node_tests(const std::vector<std::string>& dirs, const std::string& array,
                        const sim::RunOptions& opt);

}  // namespace feather::cli
