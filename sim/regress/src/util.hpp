// Small text and file helpers shared by the runner's source files (not a public header).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "feather/common/text.hpp"

namespace feather::regress {

// The feather command line of a job: exe and args, shell-quoted.
std::string command_line(const std::string& exe, const std::vector<std::string>& args);

// A whole file ("" if it cannot be read); write_text throws std::runtime_error naming the file.
std::string read_text(const std::filesystem::path& p);
void write_text(const std::filesystem::path& p, const std::string& text);
// A job log relative to the output directory ("" for no log).
std::string log_text(const std::string& dir, const std::string& rel);
// The first n lines of text, "[...]" appended when lines were cut.
std::string first_lines(const std::string& text, int n);

// XML/HTML text: escapes markup and drops the control characters XML 1.0 forbids.
inline std::string esc(std::string_view s) { return xml_escape(s); }
// Now, UTC, ISO 8601.
std::string timestamp();

}  // namespace feather::regress
