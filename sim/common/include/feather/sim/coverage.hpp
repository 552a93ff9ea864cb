// Functional coverage counters maintained by the cosim harness loops, written per job as JSON
// (`--coverage FILE`) and merged across the jobs of a regression (`feather regress`). A group is
// a named list of bins with hit counts; a bin never hit is a hole. Goals: docs/debugging.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

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

}  // namespace feather::sim
