// The BIRRD router: target -> switch commands of every stage, or a reason why not.
//
// Two paths:
// - constructive: on the Benes wiring (default stage count), any target whose groups are aligned
//   power-of-two blocks of input lanes (permutations, the FEATHER consecutive-group reductions,
//   mixed block sizes) is routed by a recursive looping algorithm in O(AW log AW);
// - exact: any target on any wiring is encoded as SAT (CaDiCaL) and decided: routed, or proven
//   unroutable (within a time limit; past it the result is "unknown", never a guess).
// Every configuration returned has been re-simulated (symbolically and on the cycle model with
// random data) before it is returned.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "feather/birrd/target.hpp"
#include "feather/birrd/topology.hpp"

namespace feather::birrd {

enum class RouteStatus {
  kRouted,      // config is valid and verified
  kUnroutable,  // proven: no configuration exists
  kUnknown,     // the exact search hit its time limit
  kInvalid,     // the target itself is malformed (reason says why)
};
std::string_view to_string(RouteStatus s);

struct RouteResult {
  RouteStatus status = RouteStatus::kInvalid;
  Config config;
  std::string method;  // "constructive", "sat" or "precheck"
  std::string reason;  // for anything but kRouted
  double seconds = 0;
  bool ok() const { return status == RouteStatus::kRouted; }
};

struct RouterOptions {
  bool constructive = true;       // try the constructive path first where it applies
  bool exact = true;              // fall back to SAT
  double sat_seconds = 60;        // SAT time limit
  std::uint64_t verify_seed = 1;  // random data for the re-simulation
};

RouteResult route(const Topology& t, const Target& target, const RouterOptions& opt = {});

// Checks a target is well formed for the topology; returns the problem or nullopt.
std::optional<std::string> validate_target(const Topology& t, const Target& target);

// Whether the constructive path applies; `why` gets the reason when it does not.
bool constructive_applies(const Topology& t, const Target& target, std::string* why = nullptr);

// The constructive path alone (no verification). Requires constructive_applies().
Config route_constructive(const Topology& t, const Target& target);

// The exact path alone (no verification).
RouteResult route_sat(const Topology& t, const Target& target, double seconds);

// Re-simulates: symbolic evaluation (exact sets, no input counted twice) and the cycle model
// with random data. Returns a description of the first problem, or nullopt if the config
// realises the target.
std::optional<std::string> check_route(const Topology& t, const Target& target, const Config& c,
                                       std::uint64_t seed = 1);

}  // namespace feather::birrd
