// feather: the project's command line. The subcommands live one per file (commands.hpp):
//   feather birrd-demo      route a reduction + reordering at AW=16 and run it on the RTL
//   feather route           route a target on a BIRRD topology and print the switch settings
//   feather birrd-cosim     lockstep RTL-vs-model run with random traffic
//   feather nest-cosim      lockstep NEST RTL-vs-model run with random traffic
//   feather run             run a layer (preset or shape) on the FEATHER top, checked bit-exact
//   feather regress         run a regression suite of jobs in parallel, with reports
//   feather map             map a layer or a whole network, print the plan and its cost
//   feather compare         FEATHER against fixed-dataflow / fixed-layout designs on a network
//   feather list-models     the verilated configurations in this build
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "feather/version.hpp"
#include "options.hpp"

int main(int argc, char** argv) {
  using namespace feather::cli;
  CLI::App app{"feather: FEATHER accelerator RTL, models and tools"};
  app.set_version_flag("--version", fmt::format("feather {}", feather::kVersion));
  app.require_subcommand(1);
  // Every option's --help shows its default value (the subcommands inherit this).
  app.option_defaults()->always_capture_default();
  app.formatter(std::make_shared<HelpFormatter>());
  std::vector<Command> commands;
  for (auto add : {add_birrd_demo, add_route, add_birrd_cosim, add_nest_cosim, add_regress, add_run,
                   add_map, add_compare, add_list_models}) {
    commands.push_back(add(app));
  }
  // An example at the end of every command's --help (and so in the man page).
  for (CLI::App* sub : app.get_subcommands({})) {
    const std::string_view ex = command_example(sub->get_name());
    if (!ex.empty()) sub->footer(fmt::format("Example:\n  {}", ex));
  }
  // A first argument that is neither an option nor a command: name it (CLI11 would only say
  // that a subcommand is required).
  if (argc > 1 && argv[1][0] != '-') {
    std::string names;
    bool known = false;
    for (const CLI::App* sub : app.get_subcommands({})) {
      names += (names.empty() ? "" : ", ") + sub->get_name();
      known = known || sub->check_name(argv[1]);
    }
    if (!known) {
      fmt::print(stderr, "feather: unknown command '{}' (commands: {}; see --help)\n", argv[1],
                 names);
      return 2;
    }
  }
  // Usage errors exit with 2, like every other error (CLI11's own codes start at 100); --help
  // exits with 0.
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    for (const Command& c : commands) {
      if (*c.app) return c.run();
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "feather: error: {}\n", e.what());
    return 2;
  }
  return 0;
}
