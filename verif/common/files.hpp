// File helpers for tests that inspect generated waveforms and save files.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace feather::test {

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The VCD text of an FST waveform (through fst2vcd); empty if the conversion failed.
inline std::string fst_as_vcd(const std::string& fst_path) {
  const std::string vcd = fst_path + ".vcd";
  if (std::system(("fst2vcd " + fst_path + " > " + vcd + " 2>/dev/null").c_str()) != 0) return {};
  return read_text(vcd);
}

}  // namespace feather::test
