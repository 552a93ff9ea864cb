// Child processes of the runner (not a public header).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace feather::regress {

// The environment variable through which a job's verilated models write their coverage.
inline constexpr std::string_view kCodeCoverageVar = "FEATHER_CODE_COVERAGE";

// Starts `exe args...` (argv[0] "feather") in its own process group, default signal
// dispositions, stdin from /dev/null, stdout and stderr to `log`; the runner's environment
// without FEATHER_CODE_COVERAGE, plus `extra_env` ("NAME=value") if given. Throws
// std::runtime_error when it cannot start.
pid_t spawn(const std::string& exe, const std::vector<std::string>& args,
            const std::filesystem::path& log, const std::string& extra_env = "");

// Runs a tool, output appended to `log`; its exit code, or -1 if it could not start / died.
int run_tool(const std::vector<std::string>& argv_s, const std::filesystem::path& cwd,
             const std::filesystem::path& log);

}  // namespace feather::regress
