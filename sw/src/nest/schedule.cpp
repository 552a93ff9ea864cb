#include "feather/nest/schedule.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace feather::nest {

GemmTile GemmTile::random(int m, int k, int n, int ow, std::mt19937_64& rng) {
  GemmTile t;
  t.m = m;
  t.k = k;
  t.n = n;
  const std::uint32_t mask = (1U << ow) - 1;
  for (int i = 0; i < m * k; ++i) t.a.push_back(static_cast<std::uint32_t>(rng()) & mask);
  for (int i = 0; i < k * n; ++i) t.b.push_back(static_cast<std::uint32_t>(rng()) & mask);
  t.act_zp = static_cast<std::uint32_t>(rng()) & mask;
  t.w_zp = static_cast<std::uint32_t>(rng()) & mask;
  return t;
}

NestSchedule schedule_gemm(const NestParams& praw, const GemmTile& t, const ScheduleOptions& o,
                           std::mt19937_64& rng) {
  const NestParams p = praw.validated();
  if (t.n < 1 || t.n > p.ah) {
    throw std::invalid_argument(fmt::format("GEMM tile: n = {} must be in 1..AH = {}", t.n, p.ah));
  }
  if (t.m < 1 || t.k < 1) throw std::invalid_argument("GEMM tile: m and k must be >= 1");
  int l = o.red_len;
  if (l == 0) {
    l = t.n;
    while ((t.k + l - 1) / l > p.aw) ++l;
  }
  if (l > p.depth) {
    throw std::invalid_argument(fmt::format(
        "GEMM tile: reduction length {} exceeds the local depth {} (k = {} over {} columns)", l,
        p.depth, t.k, p.aw));
  }
  if (t.n > l) {
    throw std::invalid_argument(fmt::format(
        "GEMM tile: n = {} rows would collide with reduction length {} (need n <= L)", t.n, l));
  }
  const int cols = (t.k + l - 1) / l;
  if (cols > p.aw) {
    throw std::invalid_argument(fmt::format(
        "GEMM tile: k = {} needs {} columns of length {}, AW = {}", t.k, cols, l, p.aw));
  }
  NestSchedule s;
  s.red_len = l;
  s.columns = cols;
  NestInputs idle(p);
  idle.act_zp = t.act_zp;
  idle.w_zp = t.w_zp;
  idle.red_len_m1 = static_cast<std::uint32_t>(l - 1);
  for (int c = 0; c < p.aw; ++c) {
    for (int r = 0; r < p.ah; ++r) {
      idle.pe_mask[static_cast<std::size_t>(c * p.ah + r)] = (c < cols && r < t.n) ? 1 : 0;
    }
  }
  // Padding: k beyond the tile streams the zero point against a weight equal to its zero point.
  auto a_at = [&](int mi, int kk) { return kk < t.k ? t.at_a(mi, kk) : t.act_zp; };
  auto b_at = [&](int kk, int ni) { return kk < t.k ? t.at_b(kk, ni) : t.w_zp; };
  // Load: row r, index i of column c holds B[c*L + i][r].
  for (int r = 0; r < t.n; ++r) {
    for (int i = 0; i < l; ++i) {
      NestInputs in = idle;
      for (int c = 0; c < cols; ++c) {
        const auto cz = static_cast<std::size_t>(c);
        in.ld_valid[cz] = 1;
        in.ld_row[cz] = static_cast<std::uint32_t>(r);
        in.ld_bank[cz] = static_cast<std::uint8_t>(o.bank);
        in.ld_idx[cz] = static_cast<std::uint32_t>(i);
        in.ld_data[cz] = b_at(c * l + i, r);
      }
      s.cycles.push_back(in);
    }
  }
  // One idle cycle so the last write lands before the first read.
  s.cycles.push_back(idle);
  // Stream: for each m, L beats per column.
  std::bernoulli_distribution gap(o.gap_probability);
  std::vector<std::vector<std::pair<int, int>>> beats(static_cast<std::size_t>(cols));
  for (int mi = 0; mi < t.m; ++mi) {
    for (int i = 0; i < l; ++i) {
      for (int c = 0; c < cols; ++c) beats[static_cast<std::size_t>(c)].push_back({mi, c * l + i});
    }
  }
  std::vector<std::size_t> pos(static_cast<std::size_t>(cols), 0);
  const std::size_t total = beats.empty() ? 0 : beats[0].size();
  bool done = false;
  while (!done) {
    NestInputs in = idle;
    done = true;
    const bool all_gap = o.gap_probability > 0 && o.lockstep_gaps && gap(rng);
    for (int c = 0; c < cols; ++c) {
      const auto cz = static_cast<std::size_t>(c);
      if (pos[cz] >= total) continue;
      done = false;
      const bool idle_now = o.gap_probability > 0 && (o.lockstep_gaps ? all_gap : gap(rng));
      if (idle_now) continue;
      auto [mi, kk] = beats[cz][pos[cz]++];
      in.act[cz] = a_at(mi, kk);
      in.act_valid[cz] = 1;
      in.act_bank[cz] = static_cast<std::uint8_t>(o.bank);
    }
    if (!done) s.cycles.push_back(in);
  }
  const int drain = o.drain > 0 ? o.drain : p.ah + 8;
  for (int i = 0; i < drain; ++i) s.cycles.push_back(idle);
  // Expected partial sums and the full result.
  const std::uint64_t amask = p.accw == 64 ? ~0ULL : ((1ULL << p.accw) - 1);
  s.expected.assign(static_cast<std::size_t>(p.aw), {});
  s.full.assign(static_cast<std::size_t>(t.m),
                std::vector<std::uint64_t>(static_cast<std::size_t>(t.n), 0));
  for (int mi = 0; mi < t.m; ++mi) {
    for (int r = 0; r < t.n; ++r) {
      for (int c = 0; c < cols; ++c) {
        std::vector<std::uint32_t> acts, ws;
        for (int i = 0; i < l; ++i) {
          acts.push_back(a_at(mi, c * l + i));
          ws.push_back(b_at(c * l + i, r));
        }
        auto part = dot(acts, ws, t.act_zp, t.w_zp, p.accw);
        s.expected[static_cast<std::size_t>(c)].push_back(part);
        auto& f = s.full[static_cast<std::size_t>(mi)][static_cast<std::size_t>(r)];
        f = (f + part) & amask;
      }
    }
  }
  return s;
}

}  // namespace feather::nest
