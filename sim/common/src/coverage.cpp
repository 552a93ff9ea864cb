#include "feather/sim/coverage.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace feather::sim {

std::uint64_t CoverageGroup::covered() const {
  return static_cast<std::uint64_t>(
      std::count_if(hits.begin(), hits.end(), [](std::uint64_t h) { return h > 0; }));
}

CoverageGroup& Coverage::group(const std::string& name, const std::string& description,
                               const std::vector<std::string>& bins) {
  auto it = groups_.find(name);
  if (it != groups_.end()) {
    if (it->second.bins != bins) {
      throw std::invalid_argument(
          fmt::format("coverage group '{}' redefined with other bins", name));
    }
    return it->second;
  }
  CoverageGroup g{description, bins, std::vector<std::uint64_t>(bins.size(), 0)};
  return groups_.emplace(name, std::move(g)).first->second;
}

void Coverage::merge(const Coverage& other) {
  for (const auto& [name, g] : other.groups_) {
    auto it = groups_.find(name);
    if (it == groups_.end()) {
      groups_.emplace(name, g);
      continue;
    }
    CoverageGroup& mine = it->second;
    for (std::size_t k = 0; k < g.bins.size(); ++k) {
      auto pos = std::find(mine.bins.begin(), mine.bins.end(), g.bins[k]);
      if (pos == mine.bins.end()) {
        mine.bins.push_back(g.bins[k]);
        mine.hits.push_back(g.hits[k]);
      } else {
        mine.hits[static_cast<std::size_t>(pos - mine.bins.begin())] += g.hits[k];
      }
    }
  }
}

std::string Coverage::to_json() const {
  // nlohmann's ordered_json keeps the bins in report order.
  nlohmann::ordered_json doc;
  doc["groups"] = nlohmann::ordered_json::object();
  for (const auto& [name, g] : groups_) {
    nlohmann::ordered_json bins = nlohmann::ordered_json::object();
    for (std::size_t k = 0; k < g.bins.size(); ++k) bins[g.bins[k]] = g.hits[k];
    doc["groups"][name] = {{"description", g.description}, {"bins", bins}};
  }
  return doc.dump(1) + "\n";
}

Coverage Coverage::from_json(const std::string& text) {
  Coverage c;
  try {
    const auto doc = nlohmann::ordered_json::parse(text);
    for (const auto& [name, g] : doc.at("groups").items()) {
      CoverageGroup grp;
      grp.description = g.at("description").get<std::string>();
      for (const auto& [bin, hits] : g.at("bins").items()) {
        grp.bins.push_back(bin);
        grp.hits.push_back(hits.get<std::uint64_t>());
      }
      c.groups_.emplace(name, std::move(grp));
    }
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(fmt::format("malformed coverage document: {}", e.what()));
  }
  return c;
}

void Coverage::save(const std::string& path) const {
  std::ofstream out(path);
  out << to_json();
  if (!out) throw std::runtime_error(fmt::format("cannot write coverage file '{}'", path));
}

Coverage Coverage::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("cannot read coverage file '{}'", path));
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return from_json(ss.str());
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(fmt::format("{}: {}", path, e.what()));
  }
}

}  // namespace feather::sim
