// The report of a mutation run (docs/mutation.md): reads <results>/run.meta and one
// <results>/results/<id> file per finished mutant ("<status> <seconds> [detail]", status one
// of killed, survived, equivalent, did-not-build; when <results>/sample.tsv exists, only the
// mutants it lists) and writes <out>/report.md, report.json and
// summary.md (the block `make mutate-table` splices into docs/mutation.md).
#pragma once

#include <filesystem>
#include <vector>

#include "mutator.hpp"

namespace mutate {

void write_reports(const std::vector<Mutant>& all, const std::filesystem::path& results,
                   const std::filesystem::path& out);

}  // namespace mutate
