// gtkwave save files (.gtkw) generated next to a waveform, so it opens readable.
#pragma once

#include <string>
#include <vector>

#include "feather/sim/debug.hpp"

namespace feather::sim {

struct GtkwSignal {
  std::string name;        // full hierarchical name as in the FST, e.g. TOP.birrd.valid_o[15:0]
  bool hex = true;         // hex (data) or binary (valids, commands)
  bool highlight = false;  // selected (highlighted) when the file opens
};

struct GtkwGroup {
  std::string name;
  std::vector<GtkwSignal> signals;
  bool open = true;
};

struct GtkwFile {
  std::string dumpfile;  // path of the FST
  std::vector<GtkwGroup> groups;
  long marker = -1;                     // primary marker time, -1 for none
  long zoom_start = -1, zoom_end = -1;  // visible window, -1 for the default zoom
};

// A save file for the waveform `fst_path`: the marker and the zoom window as given (-1: none)
// and, with a divergence, its group (gtkw_divergence_group) first.
GtkwFile gtkw_file(const std::string& fst_path, long marker, const Divergence* divergence,
                   long zoom_start, long zoom_end);

// Writes the save file; throws std::runtime_error if it cannot be written.
void write_gtkw(const std::string& path, const GtkwFile& f);

// "a/b/wave.fst" -> "a/b/wave.gtkw"
std::string gtkw_path_for(const std::string& fst_path);

// The waveform name of a signal: "name" for 1 bit, "name[W-1:0]" otherwise.
std::string gtkw_vector(const std::string& name, int width);

// A first group for a divergence: the divergent signal and its neighbours, all highlighted
// (valids, commands and masks in binary, data in hex).
GtkwGroup gtkw_divergence_group(const Divergence& d);

// A "ports" group holding the clock and reset of `top`, for the caller to extend.
GtkwGroup gtkw_ports_group(const std::string& top);

}  // namespace feather::sim
