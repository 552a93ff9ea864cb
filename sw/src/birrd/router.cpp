#include "feather/birrd/router.hpp"

#include <fmt/format.h>

#include <chrono>
#include <random>
#include <stdexcept>

#include "feather/birrd/model.hpp"

namespace feather::birrd {

std::string_view to_string(RouteStatus s) {
  switch (s) {
    case RouteStatus::kRouted:
      return "routed";
    case RouteStatus::kUnroutable:
      return "unroutable";
    case RouteStatus::kUnknown:
      return "unknown";
    case RouteStatus::kInvalid:
      return "invalid";
  }
  return "?";
}

namespace {

std::string set_to_string(const LaneSet& s, int lanes) {
  std::string r = "{";
  bool first = true;
  for (int j = 0; j < lanes; ++j) {
    if (!s.test(static_cast<std::size_t>(j))) continue;
    if (!first) r += ',';
    r += fmt::format("{}", j);
    first = false;
  }
  return r + "}";
}

}  // namespace

std::optional<std::string> validate_target(const Topology& t, const Target& target) {
  if (target.lanes != t.lanes() || static_cast<int>(target.out.size()) != t.lanes()) {
    return fmt::format("target has {} lanes but the network {} has {}", target.lanes, t.name(),
                       t.lanes());
  }
  for (int p = 0; p < t.lanes(); ++p) {
    const auto& s = target.out[static_cast<std::size_t>(p)];
    for (std::size_t j = static_cast<std::size_t>(t.lanes()); j < s.size(); ++j) {
      if (s.test(j)) {
        return fmt::format("output port {} names input lane {}, out of range 0..{}", p, j,
                           t.lanes() - 1);
      }
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_route(const Topology& t, const Target& target, const Config& c,
                                       std::uint64_t seed) {
  if (c.lanes != t.lanes() || c.stages != t.stages()) {
    return fmt::format("config is {} lanes x {} stages, network {} is not", c.lanes, c.stages,
                       t.name());
  }
  LaneSet used;
  for (const auto& s : target.out) used |= s;
  LaneSet junk_inputs;
  for (int j = 0; j < t.lanes(); ++j) {
    if (!used.test(static_cast<std::size_t>(j))) junk_inputs.set(static_cast<std::size_t>(j));
  }
  // 1. Symbolic: exact sets.
  auto sym = evaluate_symbolic(t, c, junk_inputs);
  for (int p = 0; p < t.lanes(); ++p) {
    const auto& want = target.out[static_cast<std::size_t>(p)];
    const bool result = c.mask.test(static_cast<std::size_t>(p));
    if (want.none()) {
      if (result) return fmt::format("output port {} is marked as a result but has no target", p);
      continue;
    }
    if (!result) return fmt::format("output port {} has a target but is masked off", p);
    const auto& got = sym[static_cast<std::size_t>(p)];
    if (got.junk) {
      return fmt::format(
          "output port {} carries an invalid sum (an input counted twice or a "
          "foreign input) over {}",
          p, set_to_string(got.set, t.lanes()));
    }
    if (got.set != want) {
      return fmt::format("output port {} carries {} instead of {}", p,
                         set_to_string(got.set, t.lanes()), set_to_string(want, t.lanes()));
    }
  }
  // 2. The cycle model with random 32-bit data, all lanes valid.
  CycleModel m(t, 32);
  std::mt19937_64 rng(seed);
  std::vector<std::uint64_t> data(static_cast<std::size_t>(t.lanes()));
  for (auto& d : data) d = rng() & 0xffffffffULL;
  LaneSet all;
  for (int j = 0; j < t.lanes(); ++j) all.set(static_cast<std::size_t>(j));
  m.step(data, all, c);
  Config idle(t);
  for (int k = 1; k < t.stages(); ++k) m.step(data, LaneSet{}, idle);
  for (int p = 0; p < t.lanes(); ++p) {
    const auto& want = target.out[static_cast<std::size_t>(p)];
    if (want.none()) {
      if (m.valid_out(p)) return fmt::format("model: output port {} valid but not a result", p);
      continue;
    }
    std::uint64_t sum = 0;
    for (int j = 0; j < t.lanes(); ++j) {
      if (want.test(static_cast<std::size_t>(j)))
        sum = (sum + data[static_cast<std::size_t>(j)]) & 0xffffffffULL;
    }
    if (!m.valid_out(p)) return fmt::format("model: result port {} not valid", p);
    if (m.data_out(p) != sum) {
      return fmt::format("model: output port {} = {:#x}, expected {:#x}", p, m.data_out(p), sum);
    }
  }
  return std::nullopt;
}

RouteResult route(const Topology& t, const Target& target, const RouterOptions& opt) {
  auto t0 = std::chrono::steady_clock::now();
  auto finish = [&](RouteResult r) {
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r.ok()) {
      if (auto problem = check_route(t, target, r.config, opt.verify_seed)) {
        // A router bug, never a user error: report it loudly instead of returning a bad route.
        throw std::logic_error(fmt::format("router ({}) produced a wrong route for '{}' on {}: {}",
                                           r.method, target.to_string(), t.name(), *problem));
      }
    }
    return r;
  };
  if (auto problem = validate_target(t, target)) {
    RouteResult r;
    r.status = RouteStatus::kInvalid;
    r.method = "precheck";
    r.reason = *problem;
    return finish(r);
  }
  std::string why_not;
  if (opt.constructive && constructive_applies(t, target, &why_not)) {
    RouteResult r;
    r.status = RouteStatus::kRouted;
    r.method = "constructive";
    r.config = route_constructive(t, target);
    return finish(r);
  }
  if (!opt.exact) {
    RouteResult r;
    r.status = RouteStatus::kUnknown;
    r.method = "constructive";
    r.reason = opt.constructive ? "constructive router does not apply: " + why_not
                                : "no routing method enabled";
    return finish(r);
  }
  return finish(route_sat(t, target, opt.sat_seconds));
}

}  // namespace feather::birrd
