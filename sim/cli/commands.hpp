// The subcommands of `feather`, one source file each (docs/user-guide.md). Each add_* function
// adds its subcommand and options to the app and returns the function that runs it once the
// command line is parsed; main() only registers them.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string_view>

namespace feather::cli {

struct Command {
  CLI::App* app = nullptr;   // the subcommand (selected when *app is true after parsing)
  std::function<int()> run;  // its exit code
};

Command add_birrd_demo(CLI::App& app);   // birrd_demo_cmd.cpp
Command add_route(CLI::App& app);        // route_cmd.cpp
Command add_birrd_cosim(CLI::App& app);  // birrd_cosim_cmd.cpp
Command add_nest_cosim(CLI::App& app);   // nest_cosim_cmd.cpp
Command add_regress(CLI::App& app);      // regress_cmd.cpp
Command add_run(CLI::App& app);          // run_cmd.cpp
Command add_map(CLI::App& app);          // map_cmd.cpp
Command add_compare(CLI::App& app);      // compare_cmd.cpp
Command add_list_models(CLI::App& app);  // list_models_cmd.cpp

// A command line that shows the subcommand at work, for the end of its --help ("" for none).
std::string_view command_example(std::string_view command);  // options.cpp

}  // namespace feather::cli
