// Functional coverage counters maintained by the cosim harness loops, written per job as JSON
// (`--coverage FILE`) and merged across the jobs of a regression (`feather regress`). A group is
// a named list of bins with hit counts; a bin never hit is a hole. Goals: docs/debugging.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "feather/top/isa.hpp"
#include "feather/top/params.hpp"

namespace feather::sim {

struct CoverageGroup {
  std::string description;
  std::vector<std::string> bins;    // in report order
  std::vector<std::uint64_t> hits;  // one per bin
  std::uint64_t covered() const;    // bins hit at least once
};

class Coverage {
 public:
  // Creates the group, or returns the existing one (std::invalid_argument if its bins differ).
  CoverageGroup& group(const std::string& name, const std::string& description,
                       const std::vector<std::string>& bins);
  const std::map<std::string, CoverageGroup>& groups() const { return groups_; }

  // Sums another coverage into this one (groups and bins are united by name).
  void merge(const Coverage& other);

  // {"groups": {name: {"description": d, "bins": {bin: hits, ...} in order}}}
  std::string to_json() const;
  // Throws std::runtime_error for a malformed document.
  static Coverage from_json(const std::string& text);
  // Writes / reads a file; throws std::runtime_error naming the file.
  void save(const std::string& path) const;
  static Coverage load(const std::string& path);

 private:
  std::map<std::string, CoverageGroup> groups_;
};

// FEATHER top counters (docs/coverage.md), sampled by run_program (sim/src/top_run.cpp):
// cover_top_array once per run (the array configuration, against the compiled tops), and
// cover_top_instr for every instruction the top accepts: opcode, Set*Layout order per buffer,
// ExecuteStreaming acc/quant, Load/Store target, Config swap, ExecuteMapping grlog/gclog/vn
// (per array: their ranges depend on AH and AW). Out-of-range field values (illegal
// instructions of the error tests) count in no bin.
void cover_top_array(Coverage& c, const top::TopParams& p);
void cover_top_instr(Coverage& c, const top::TopParams& p, const top::Instr& in);
// The error code a run of the top ends with (RunResult::err), one bin per code of docs/isa.md
// (NONE .. QRANGE), sampled by run_program at the end of every run that finished (no watchdog
// timeout, no reset in the middle).
void cover_top_error(Coverage& c, top::Err e);

}  // namespace feather::sim
