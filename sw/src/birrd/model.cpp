#include "feather/birrd/model.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace feather::birrd {

Sym sym_add(const Sym& a, const Sym& b) {
  Sym r;
  r.junk = a.junk || b.junk || (a.set & b.set).any();
  r.set = a.set | b.set;
  return r;
}

std::vector<Sym> evaluate_symbolic(const Topology& t, const Config& c, const LaneSet& junk_inputs) {
  std::vector<Lane<Sym>> in(static_cast<std::size_t>(t.lanes()));
  for (int j = 0; j < t.lanes(); ++j) {
    auto& l = in[static_cast<std::size_t>(j)];
    l.value.set.set(static_cast<std::size_t>(j));
    l.value.junk = junk_inputs.test(static_cast<std::size_t>(j));
    l.valid = true;
  }
  auto out = evaluate(t, c, std::move(in), sym_add);
  std::vector<Sym> r;
  r.reserve(out.size());
  for (auto& l : out) r.push_back(l.value);
  return r;
}

CycleModel::CycleModel(const Topology& t, int data_width) : topo_(t), dw_(data_width) {
  if (data_width < 1 || data_width > 64) {
    throw std::invalid_argument(
        fmt::format("BIRRD model data width must be in 1..64, got {}", data_width));
  }
  dmask_ = data_width == 64 ? ~0ULL : ((1ULL << data_width) - 1);
  const auto cells = static_cast<std::size_t>(t.stages() * t.lanes());
  val_.assign(cells, 0);
  vld_.assign(cells, 0);
  src_.assign(cells, 0);
  for (int s = 1; s < t.stages(); ++s) {
    for (int q = 0; q < t.lanes(); ++q) {
      src_[index(s, q)] = static_cast<std::uint32_t>(t.link_inverse(s - 1, q));
    }
  }
  const auto stages = static_cast<std::size_t>(t.stages());
  cmd_words_ = (stages * static_cast<std::size_t>(t.lanes()) + 31) / 32;  // 2 bits per switch
  mask_words_ = (static_cast<std::size_t>(t.lanes()) + 31) / 32;
  cmd_ring_.assign(stages * cmd_words_, 0);
  mask_ring_.assign(stages * mask_words_, 0);
  valid_scratch_.assign(mask_words_, 0);
  cmd_scratch_.assign(cmd_words_, 0);
  mask_scratch_.assign(mask_words_, 0);
  reset();
}

void CycleModel::reset() {
  std::fill(val_.begin(), val_.end(), 0);
  std::fill(vld_.begin(), vld_.end(), 0);
  std::fill(cmd_ring_.begin(), cmd_ring_.end(), 0);  // PASS everywhere, no result lanes
  std::fill(mask_ring_.begin(), mask_ring_.end(), 0);
  cycle_ = 0;
  head_ = 0;
}

void CycleModel::step(const std::vector<std::uint64_t>& data, const LaneSet& valid,
                      const Config& cfg) {
  const int n = topo_.lanes();
  if (static_cast<int>(data.size()) != n || cfg.lanes != n || cfg.stages != topo_.stages()) {
    throw std::invalid_argument("CycleModel::step: inputs do not match the topology");
  }
  std::fill(valid_scratch_.begin(), valid_scratch_.end(), 0);
  std::fill(mask_scratch_.begin(), mask_scratch_.end(), 0);
  std::fill(cmd_scratch_.begin(), cmd_scratch_.end(), 0);
  for (std::size_t q = 0; q < static_cast<std::size_t>(n); ++q) {
    valid_scratch_[q / 32] |= std::uint32_t{valid[q]} << (q % 32);
    mask_scratch_[q / 32] |= std::uint32_t{cfg.mask[q]} << (q % 32);
  }
  for (std::size_t k = 0; k < cfg.modes.size(); ++k) {
    cmd_scratch_[k / 16] |= static_cast<std::uint32_t>(cfg.modes[k]) << (2 * (k % 16));
  }
  advance(data.data(), valid_scratch_.data(), cmd_scratch_.data(), mask_scratch_.data());
}

void CycleModel::step_packed(std::span<const std::uint64_t> data,
                             std::span<const std::uint32_t> valid_words,
                             std::span<const std::uint32_t> cmd_words,
                             std::span<const std::uint32_t> mask_words) {
  if (data.size() != static_cast<std::size_t>(topo_.lanes()) || valid_words.size() < mask_words_ ||
      cmd_words.size() < cmd_words_ || mask_words.size() < mask_words_) {
    throw std::invalid_argument(fmt::format(
        "CycleModel::step_packed: {} data lanes, {} valid / {} command / {} mask words for a "
        "topology of {} lanes that needs {} / {} / {}",
        data.size(), valid_words.size(), cmd_words.size(), mask_words.size(), topo_.lanes(),
        mask_words_, cmd_words_, mask_words_));
  }
  advance(data.data(), valid_words.data(), cmd_words.data(), mask_words.data());
}

// The EGG switch without branches (commands change every cycle, so branches mispredict), for
// command code c = (m1, m0):
//   lo = (m0 ? (m1 ? hi : lo + hi) : lo),  hi = (m1 ? (m0 ? lo : lo + hi) : hi)
// and the valids likewise. PipelineEqualsCombinationalNetwork (verif/unit/model_test.cpp)
// checks this against apply_switch(), the specification's form.
void CycleModel::advance(const std::uint64_t* data, const std::uint32_t* valid,
                         const std::uint32_t* cmd, const std::uint32_t* mask) {
  const int n = topo_.lanes();
  const int stages = topo_.stages();
  const std::size_t half = static_cast<std::size_t>(n / 2);
  // Registers update from the last stage backwards, so stage s reads stage s-1's value of the
  // previous cycle and may overwrite its own register in place. The commands of stage s are
  // those of the wave in register s-1, which moves into register s.
  for (int s = stages - 1; s >= 0; --s) {
    const std::uint32_t* words = s == 0 ? cmd : held_words(cmd_ring_, cmd_words_, s - 1);
    // Stage s's registers and stage s-1's never overlap (__restrict lets the compiler keep
    // the loop's loads ahead of its stores).
    std::uint64_t* __restrict out_val = val_.data() + index(s, 0);
    std::uint8_t* __restrict out_vld = vld_.data() + index(s, 0);
    const std::uint64_t* __restrict prev_val = s > 0 ? val_.data() + index(s - 1, 0) : nullptr;
    const std::uint8_t* __restrict prev_vld = s > 0 ? vld_.data() + index(s - 1, 0) : nullptr;
    const std::uint32_t* __restrict src = src_.data() + index(s, 0);
    const std::size_t base = static_cast<std::size_t>(s) * half;
    for (std::size_t i = 0; i < half; ++i) {
      std::uint64_t a, b;
      std::uint8_t va, vb;
      if (s == 0) {
        a = data[2 * i] & dmask_;
        b = data[2 * i + 1] & dmask_;
        va = static_cast<std::uint8_t>((valid[(2 * i) / 32] >> ((2 * i) % 32)) & 1);
        vb = static_cast<std::uint8_t>((valid[(2 * i + 1) / 32] >> ((2 * i + 1) % 32)) & 1);
      } else {
        a = prev_val[src[2 * i]];
        b = prev_val[src[2 * i + 1]];
        va = prev_vld[src[2 * i]];
        vb = prev_vld[src[2 * i + 1]];
      }
      const std::size_t k = base + i;
      const std::uint64_t code = (words[k / 16] >> (2 * (k % 16))) & 3;
      const std::uint64_t m0 = code & 1;
      const std::uint64_t m1 = code >> 1;
      const std::uint64_t both = m0 & m1;
      out_val[2 * i] = ((a & (0 - (1 - both))) + (b & (0 - m0))) & dmask_;
      out_val[2 * i + 1] = ((b & (0 - (1 - both))) + (a & (0 - m1))) & dmask_;
      const auto m0b = static_cast<std::uint8_t>(m0), m1b = static_cast<std::uint8_t>(m1);
      const auto bothb = static_cast<std::uint8_t>(both);
      out_vld[2 * i] = static_cast<std::uint8_t>((va | bothb) & (vb | (1 - m0b)));
      out_vld[2 * i + 1] = static_cast<std::uint8_t>((vb | bothb) & (va | (1 - m1b)));
    }
    if (fault_ && fault_->stage == s && cycle_ >= fault_->from_cycle) {
      auto& v = out_val[fault_->port];
      v = (v ^ fault_->xor_mask) & dmask_;
    }
  }
  // The new wave's configuration replaces the one that just left the last register; the
  // unused bits of the last words are cleared so that they never reach valid_out.
  std::uint32_t* c = cmd_ring_.data() + head_ * cmd_words_;
  std::uint32_t* m = mask_ring_.data() + head_ * mask_words_;
  std::copy(cmd, cmd + cmd_words_, c);
  std::copy(mask, mask + mask_words_, m);
  const std::size_t cmd_bits = static_cast<std::size_t>(stages) * static_cast<std::size_t>(n);
  if (cmd_bits % 32 != 0) c[cmd_words_ - 1] &= (1U << (cmd_bits % 32)) - 1;
  if (n % 32 != 0) m[mask_words_ - 1] &= (1U << (n % 32)) - 1;
  if (++head_ == static_cast<std::size_t>(stages)) head_ = 0;
  ++cycle_;
}

}  // namespace feather::birrd
