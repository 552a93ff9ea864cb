// The command line's side of a build without the verilated models (FEATHER_RTL=OFF, rtl.hpp):
// the RTL subcommands exist, so that `feather --help` shows them, and fail with a message that
// names what is missing; `feather compare --verify` and `feather regress` of a suite with RTL
// jobs fail the same way (compare_cmd.cpp, regress_cmd.cpp).
#include <stdexcept>
#include <string>

#include "commands.hpp"
#include "rtl.hpp"

namespace feather::cli {

namespace {

Command unavailable(CLI::App& app, const std::string& name, const std::string& description) {
  auto* cmd = app.add_subcommand(name, description + " (needs the verilated models)");
  cmd->allow_extras();
  return {cmd,
          [name]() -> int { throw std::runtime_error(no_rtl_message("`feather " + name + "`")); }};
}

}  // namespace

bool have_rtl() { return false; }

int verify_plan(const PlanCheck&) {
  throw std::runtime_error(no_rtl_message("`feather compare --verify`"));
}

Command add_birrd_demo(CLI::App& app) {
  return unavailable(app, "birrd-demo",
                     "route a reduction+reordering at AW=16 and run it on the RTL");
}

Command add_birrd_cosim(CLI::App& app) {
  return unavailable(app, "birrd-cosim", "lockstep RTL vs model with random traffic");
}

Command add_nest_cosim(CLI::App& app) {
  return unavailable(app, "nest-cosim", "lockstep NEST RTL vs model with random traffic");
}

Command add_run(CLI::App& app) {
  return unavailable(app, "run", "run a layer on the FEATHER top, checked bit-exact");
}

Command add_list_models(CLI::App& app) {
  return unavailable(app, "list-models", "verilated configurations in this build");
}

}  // namespace feather::cli
