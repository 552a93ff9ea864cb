// Cycle-by-cycle stimulus for NEST: a GEMM tile C[m][n] = sum_k (A[m][k]-za)(B[k][n]-zb) with B
// stationary and A streamed. K is split over columns (column c reduces k in [c*L, c*L+L), L the
// temporal reduction length), n over rows (row r computes n = r), m over time. Columns are
// reduced spatially afterwards (BIRRD); the schedule records each column's partial sums in the
// order the column emits them.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "feather/nest/model.hpp"

namespace feather::nest {

struct GemmTile {
  int m = 0, k = 0, n = 0;
  std::vector<std::uint32_t> a;  // m x k, row-major
  std::vector<std::uint32_t> b;  // k x n, row-major
  std::uint32_t act_zp = 0, w_zp = 0;

  std::uint32_t at_a(int i, int j) const { return a[static_cast<std::size_t>(i * k + j)]; }
  std::uint32_t at_b(int i, int j) const { return b[static_cast<std::size_t>(i * n + j)]; }
  static GemmTile random(int m, int k, int n, int ow, std::mt19937_64& rng);
};

struct NestSchedule {
  int red_len = 0;  // L
  int columns = 0;  // columns used: ceil(k / L)
  std::vector<NestInputs> cycles;
  // expected[c]: the partial sums column c emits, in order (m-major, then row).
  std::vector<std::vector<std::uint64_t>> expected;
  // full[m][n]: the tile's result (sum over the columns), ACCW-bit.
  std::vector<std::vector<std::uint64_t>> full;
};

struct ScheduleOptions {
  int red_len = 0;             // 0: the smallest L >= n with ceil(k/L) <= aw (and L <= depth)
  int bank = 0;                // stationary bank to load and compute with
  double gap_probability = 0;  // chance of an idle cycle before each streamed beat
  bool lockstep_gaps = true;   // gaps hit every column together (keeps BIRRD waves aligned)
  int drain = 0;               // idle cycles appended (0: enough to drain the pipeline)
};

// Throws std::invalid_argument if the tile does not fit (n > AH, L > depth, columns > AW,
// n > L so rows would collide).
NestSchedule schedule_gemm(const NestParams& p, const GemmTile& t, const ScheduleOptions& o,
                           std::mt19937_64& rng);

}  // namespace feather::nest
