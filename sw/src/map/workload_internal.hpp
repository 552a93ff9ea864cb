// Internal to the workload reader (sw/src/map/workload*.cpp; not a public header): the message
// helpers and the layer rules (workload_rules.cpp), the checked YAML access and the project's own
// format (workload_yaml.cpp) and the Timeloop problem files (workload_timeloop.cpp), which
// workload.cpp's parse_network dispatches to.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "feather/map/workload.hpp"

namespace feather::map::workload_detail {

constexpr std::int64_t kIntMax = std::numeric_limits<int>::max();

// ---------------------------------------------------------------------------------------------
// Messages (workload_rules.cpp)

// "file:line" ("<input>" for an unnamed text, no line if line <= 0).
std::string at(const std::string& file, int line);
// Throws WorkloadError "file:line: what" (just "what" without a file and a line: a layer built
// in code).
[[noreturn]] void fail(const std::string& file, int line, const std::string& what);
// A text quoted in a message: control characters escaped, long texts cut.
std::string show(std::string_view s);
bool has_control_chars(std::string_view s);
std::string join(const std::vector<std::string>& v);
std::string layer_label(const std::string& name);

// ---------------------------------------------------------------------------------------------
// Arithmetic

// Output extent along one axis in exact 64-bit arithmetic (any int fields); 0 if the kernel does
// not fit the padded input or the stride is not positive.
inline std::int64_t out_extent(int in, int pad, int dil, int kernel, int stride) {
  if (stride <= 0) return 0;
  const std::int64_t padded = std::int64_t{in} + 2 * std::int64_t{pad};
  const std::int64_t extent = std::int64_t{dil} * (std::int64_t{kernel} - 1) + 1;
  return padded < extent ? 0 : (padded - extent) / stride + 1;
}

inline std::uint64_t u64(std::int64_t v) { return v > 0 ? static_cast<std::uint64_t>(v) : 0; }

// ---------------------------------------------------------------------------------------------
// The layer rules (workload_rules.cpp; shared by Layer::validate and the parsers, which know
// each field's line).

// The field a rule is about: the name as written in the file and its line.
struct FieldAt {
  std::string name;
  int line = 0;
};
using FieldRef = std::function<FieldAt(const char* canonical)>;

// Throws WorkloadError naming the field (as ref gives it) of the first rule the layer breaks.
void check_layer(const Layer& l, const FieldRef& ref);

// ---------------------------------------------------------------------------------------------
// YAML access (workload_yaml.cpp): never operator[] (no zombie nodes), every type checked
// before use.

int line_of(const YAML::Node& n, int fallback);
// What a node is, for a message: "a map", "a sequence", "nothing", "'text'".
std::string kind_of(const YAML::Node& n);

struct Entry {
  std::string key;
  YAML::Node value;
  int key_line = 0;
  int line = 0;  // of the value (the key's if the value has no position)
};

// The fields of a map in file order; keys are scalars, each at most once.
std::vector<Entry> entries(const YAML::Node& map, const std::string& file, int map_line,
                           const std::string& context);
const Entry* lookup(const std::vector<Entry>& es, std::string_view key);
// A decimal integer (optional sign) in [min, INT_MAX].
int parse_int(const Entry& e, int min, const std::string& file, const std::string& context);
std::string parse_string(const Entry& e, const std::string& file, const std::string& context);
std::string file_stem(const std::string& file);
bool contains(const std::vector<std::string>& v, std::string_view s);

// Names of the layers so far and their lines.
using NameLines = std::unordered_map<std::string, int>;

// ---------------------------------------------------------------------------------------------
// The two formats: the project's own (workload_yaml.cpp) and a Timeloop problem file
// (workload_timeloop.cpp); root is a map.

Network parse_own(const YAML::Node& root, const std::string& file);
Network parse_timeloop(const YAML::Node& root, const std::string& file);

}  // namespace feather::map::workload_detail
