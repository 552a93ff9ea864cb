// libFuzzer target: the BIRRD target parser (feather::birrd::parse_target), as used by
// `feather route --target` and the router tests.
//
// Input: byte 0 selects the lane count (fuzz_util.hpp: target_lanes, legal and illegal counts),
// the rest is the target text. Properties:
//   - parse_target either throws std::invalid_argument with a message, or returns a target of
//     `lanes` ports whose lane sets are non-empty only inside 0..lanes-1;
//   - a parsed target prints (to_string) to text that parses back to the same target, and that
//     text is a fixed point of parse + print.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "feather/birrd/target.hpp"
#include "fuzz_util.hpp"

using feather::birrd::kMaxLanes;
using feather::birrd::parse_target;
using feather::birrd::Target;
using feather::fuzz::check;
using feather::fuzz::fail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int lanes = feather::fuzz::target_lanes(data[0]);
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  Target t;
  try {
    t = parse_target(lanes, text);
  } catch (const std::invalid_argument& e) {
    check(std::string_view(e.what()).size() > 0, "parse_target threw an empty message");
    return 0;
  }
  check(lanes >= 1 && lanes <= kMaxLanes,
        fmt::format("parse_target accepted lanes = {} (legal 1..{})", lanes, kMaxLanes));
  check(t.lanes == lanes && t.out.size() == static_cast<std::size_t>(lanes),
        fmt::format("parse_target({}) gave a target of {} lanes, {} ports", lanes, t.lanes,
                    t.out.size()));
  for (std::size_t p = 0; p < t.out.size(); ++p) {
    for (std::size_t j = static_cast<std::size_t>(lanes); j < feather::birrd::LaneSet().size();
         ++j) {
      if (t.out[p].test(j)) fail(fmt::format("port {} holds lane {} >= lanes = {}", p, j, lanes));
    }
  }
  const std::string printed = t.to_string();
  Target back;
  try {
    back = parse_target(lanes, printed);
  } catch (const std::invalid_argument& e) {
    fail(fmt::format("to_string() '{}' does not parse back: {}", printed, e.what()));
  }
  check(back.lanes == t.lanes && back.out == t.out,
        fmt::format("'{}' parses back to a different target '{}'", printed, back.to_string()));
  check(back.to_string() == printed,
        fmt::format("print is not a fixed point: '{}' -> '{}'", printed, back.to_string()));
  check(back.result_mask() == t.result_mask(), "result_mask differs after the round trip");
  return 0;
}
