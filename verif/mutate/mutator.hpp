// Mutation sites of the RTL (docs/mutation.md): a small statement-level parser over the tokens
// of sv_lexer finds, deterministically, where one source change makes a plausible design bug,
// and names each mutant with an id that does not change when unrelated lines move.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace mutate {

struct Mutant {
  std::string id;          // <file stem>-<8 hex digits>, stable (see make_ids)
  std::string file;        // path relative to the repository root, e.g. rtl/egg.sv
  std::string module;      // the enclosing module or package
  int line = 0;            // 1-based line of the first changed character
  std::string op;          // operator class: binop, const, negate-if, ternary-swap, drop, stuck-0/1
  std::size_t offset = 0;  // the change: replace [offset, offset + length) by replacement
  std::size_t length = 0;
  std::string replacement;
  std::string before;  // the changed line(s) before and after, whitespace collapsed
  std::string after;
};

// The mutants of one source text, in source order, with ids.
std::vector<Mutant> find_mutants(std::string_view src, const std::string& file);

// The mutants of every rtl/*.sv under `root` (files in name order). Throws std::runtime_error
// naming the file on a read or parse error.
std::vector<Mutant> find_all(const std::filesystem::path& root);

// `src` with the mutant's change applied. Throws when the mutant does not fit `src`.
std::string apply(std::string_view src, const Mutant& m);

// `count` mutants drawn without replacement with a seeded mt19937_64 (the same seed gives the
// same sample on every platform), returned in their original order. 0 or >= size: all.
std::vector<Mutant> sample(const std::vector<Mutant>& all, std::size_t count, std::uint64_t seed);

// The file contents, or a std::runtime_error naming the file.
std::string read_file(const std::filesystem::path& p);

}  // namespace mutate
