// Seeds for random tests: every random test prints its seed and replays from it.
//   FEATHER_SEED=<seed> ctest -R <test>   (or the test binary with --gtest_filter=<test>)
// Without FEATHER_SEED a test's seed is derived from its name, so CI runs are reproducible;
// nightly runs set FEATHER_SEED to fresh values.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <string>

namespace feather::test {

inline std::uint64_t test_seed() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "";
  std::uint64_t seed = 0;
  if (const char* env = std::getenv("FEATHER_SEED")) {
    seed = std::strtoull(env, nullptr, 0);
  } else {
    seed = (20261122ULL ^ std::hash<std::string>{}(name)) & 0xffffffffffffULL;
  }
  std::cout << "[ seed     ] " << name << ": FEATHER_SEED=" << seed << " replays this test\n";
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  return seed;
}

}  // namespace feather::test
