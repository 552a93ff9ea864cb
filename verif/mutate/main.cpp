// feather_mutate: the mutants of rtl/ (docs/mutation.md).
//   feather_mutate list   [--root R] [--count N --seed S] [--tsv]   every (or a sample of) mutant
//   feather_mutate apply  [--root R] --id ID --into DIR             DIR/<file> = the mutated file
//   feather_mutate report [--root R] --results DIR --out DIR        report.md/.json, summary.md
// The runner (verif/mutate/run.sh, `make mutate`) uses all three.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <stdexcept>

#include "mutator.hpp"
#include "report.hpp"

namespace fs = std::filesystem;

namespace {

std::string tab_safe(std::string s) {
  for (char& c : s) {
    if (c == '\t') c = ' ';
  }
  return s;
}

const mutate::Mutant& by_id(const std::vector<mutate::Mutant>& all, const std::string& id) {
  for (const auto& m : all) {
    if (m.id == id) return m;
  }
  throw std::runtime_error("no mutant with id '" + id + "' in rtl/ (feather_mutate list)");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mutants of the FEATHER RTL (docs/mutation.md)"};
  app.require_subcommand(1);
  std::string root = ".";
  app.add_option("--root", root, "repository root (holds rtl/)");

  auto* list = app.add_subcommand("list", "print every mutant: id, file:line, class, change");
  std::size_t count = 0;
  std::uint64_t seed = 1;
  bool tsv = false;
  list->add_option("--count", count, "a sample of this many mutants (0: all)");
  list->add_option("--seed", seed, "the sample's seed");
  list->add_flag("--tsv", tsv, "tab-separated: id file line module op before after");

  auto* app_apply = app.add_subcommand("apply", "write one mutant's file into a copy of the tree");
  std::string id, into;
  app_apply->add_option("--id", id, "the mutant")->required();
  app_apply->add_option("--into", into, "the copy's root: <into>/<file> is overwritten")
      ->required();

  auto* rep = app.add_subcommand("report", "report.md, report.json and summary.md of a run");
  std::string results, out;
  rep->add_option("--results", results, "the run's directory (results/, run.meta)")->required();
  rep->add_option("--out", out, "where the reports go")->required();

  CLI11_PARSE(app, argc, argv);
  try {
    const auto all = mutate::find_all(root);
    if (*list) {
      for (const auto& m : mutate::sample(all, count, seed)) {
        if (tsv) {
          std::cout << m.id << '\t' << m.file << '\t' << m.line << '\t' << m.module << '\t' << m.op
                    << '\t' << tab_safe(m.before) << '\t' << tab_safe(m.after) << '\n';
        } else {
          std::cout << fmt::format("{}  {}:{}  {}  {}  ->  {}\n", m.id, m.file, m.line, m.op,
                                   m.before, m.after);
        }
      }
      if (!tsv) {
        std::cerr << fmt::format("{} of {} mutants\n",
                                 count == 0 || count > all.size() ? all.size() : count, all.size());
      }
    } else if (*app_apply) {
      const auto& m = by_id(all, id);
      const fs::path dst = fs::path(into) / m.file;
      if (!fs::exists(dst)) throw std::runtime_error(dst.string() + " does not exist");
      const std::string mutated = mutate::apply(mutate::read_file(fs::path(root) / m.file), m);
      std::ofstream o(dst, std::ios::binary | std::ios::trunc);
      if (!(o << mutated)) throw std::runtime_error("cannot write " + dst.string());
      std::cout << m.file << '\t' << m.line << '\t' << m.module << '\n';
    } else {
      mutate::write_reports(all, results, out);
    }
  } catch (const std::exception& e) {
    std::cerr << "feather_mutate: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
