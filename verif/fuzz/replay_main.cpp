// A main for a libFuzzer target built without libFuzzer (GCC, the main build): replays inputs
// through LLVMFuzzerTestOneInput, so that a target whose model only exists in the main build
// (fuzz_top_stream: the verilated top) is checked by `make test` too.
//   REPLAY [PATH...] [--random N] [--seed S] [--max-len L]
// Each PATH is a file or a directory (its files, in name order). --random N then runs N inputs
// of up to L bytes (default 256) drawn from seed S (default: FEATHER_SEED, else fresh; printed,
// with the command that replays it). A failing input aborts (the target's check) after its
// bytes were written to ./replay-failure-<seed>-<n> for the fuzzer or a rerun.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

void run_file(const fs::path& f) {
  std::ifstream in(f, std::ios::binary);
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                        std::istreambuf_iterator<char>());
  std::fprintf(stderr, "replay: %s (%zu bytes)\n", f.string().c_str(), bytes.size());
  LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
}

std::uint64_t parse_count(const char* opt, const char* text) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (text[0] == '-' || end == text || *end != 0) {
    std::fprintf(stderr, "replay: %s: expected a whole number, got '%s'\n", opt, text);
    std::exit(2);
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> files;
  std::uint64_t random = 0, max_len = 256;
  std::uint64_t seed = 0;
  bool seeded = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if ((a == "--random" || a == "--seed" || a == "--max-len") && i + 1 < argc) {
      const std::uint64_t v = parse_count(argv[i], argv[i + 1]);
      ++i;
      if (a == "--random") random = v;
      if (a == "--max-len") max_len = std::max<std::uint64_t>(v, 1);
      if (a == "--seed") seed = v, seeded = true;
    } else if (fs::is_directory(a)) {
      std::vector<fs::path> in_dir;
      for (const auto& e : fs::directory_iterator(a)) {
        if (e.is_regular_file()) in_dir.push_back(e.path());
      }
      std::sort(in_dir.begin(), in_dir.end());
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else if (fs::is_regular_file(a)) {
      files.emplace_back(a);
    } else {
      std::fprintf(stderr, "replay: '%s' is neither an input file nor a directory\n", a.c_str());
      return 2;
    }
  }
  for (const auto& f : files) run_file(f);
  if (random > 0) {
    if (!seeded) {
      const char* env = std::getenv("FEATHER_SEED");
      seed = env ? parse_count("FEATHER_SEED", env) : std::random_device{}();
    }
    std::printf(
        "replay: %llu random inputs from seed %llu (replay: %s --random %llu --seed %llu)\n",
        static_cast<unsigned long long>(random), static_cast<unsigned long long>(seed), argv[0],
        static_cast<unsigned long long>(random), static_cast<unsigned long long>(seed));
    std::fflush(stdout);
    std::mt19937_64 rng(seed);
    for (std::uint64_t n = 0; n < random; ++n) {
      std::vector<std::uint8_t> bytes(rng() % (max_len + 1));
      for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
      const std::string keep = "replay-failure-" + std::to_string(seed) + "-" + std::to_string(n);
      {
        std::ofstream out(keep, std::ios::binary);
        out.write(reinterpret_cast<const char*>(bytes.data()),
                  static_cast<std::streamsize>(bytes.size()));
      }
      LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
      fs::remove(keep);  // passed: nothing to keep
    }
  }
  std::printf("replay: %zu files and %llu random inputs passed\n", files.size(),
              static_cast<unsigned long long>(random));
  return 0;
}
