// `feather route`: route a target on a BIRRD topology and print the switch settings
// (docs/birrd.md).
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>

#include "commands.hpp"
#include "feather/birrd/router.hpp"
#include "options.hpp"

namespace feather::cli {

namespace {

struct RouteArgs {
  int aw = 16;
  std::string wiring = "benes";
  std::string target;
  double sat_seconds = 60;
};

int route(int aw, const std::string& wiring, const std::string& target_text, double sat_seconds) {
  birrd::Topology t(aw, parse_wiring(wiring));
  auto target = birrd::parse_target(aw, target_text);
  if (std::all_of(target.out.begin(), target.out.end(),
                  [](const birrd::LaneSet& s) { return s.none(); })) {
    throw std::invalid_argument(fmt::format(
        "--target '{}' names no output port: give at least one 'port<-lanes' entry, e.g. "
        "'5<-0+1+2+3 2<-4'",
        target_text));
  }
  birrd::RouterOptions ro;
  ro.sat_seconds = sat_seconds;
  auto r = birrd::route(t, target, ro);
  fmt::print("network : {}\ntarget  : {}\nstatus  : {} ({}, {:.3f} ms)\n", t.name(),
             target.to_string(), birrd::to_string(r.status), r.method, r.seconds * 1e3);
  if (!r.ok()) {
    fmt::print("reason  : {}\n", r.reason);
    return 2;
  }
  fmt::print("legend  : = pass, < add onto low port, > add onto high port, x swap\n{}",
             r.config.to_string());
  return 0;
}

}  // namespace

Command add_route(CLI::App& app) {
  auto a = std::make_shared<RouteArgs>();
  auto* rt = app.add_subcommand("route", "route a target, print the switch settings");
  rt->add_option("--aw", a->aw, "lanes (power of two, >= 4)")->check(whole_number(1));
  rt->add_option("--wiring", a->wiring, "benes (default) or feather (published)");
  rt->add_option("--target", a->target, "e.g. '5<-0+1+2+3 2<-4' (port<-lanes summed)")->required();
  rt->add_option("--sat-seconds", a->sat_seconds, "time limit of the exact search")
      ->check(positive_finite());
  return {rt, [a] { return route(a->aw, a->wiring, a->target, a->sat_seconds); }};
}

}  // namespace feather::cli
