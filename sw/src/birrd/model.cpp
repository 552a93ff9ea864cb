#include "feather/birrd/model.hpp"

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
  ring_.assign(static_cast<std::size_t>(t.stages()), Config(t));
  reset();
}

void CycleModel::reset() {
  std::fill(val_.begin(), val_.end(), 0);
  std::fill(vld_.begin(), vld_.end(), 0);
  for (auto& c : ring_) {
    std::fill(c.modes.begin(), c.modes.end(), Mode::kPass);
    c.mask.reset();
  }
  cycle_ = 0;
  head_ = 0;
}

// The EGG switch without branches (commands change every cycle, so branches mispredict):
//   lo = (m0 ? (m1 ? hi : lo + hi) : lo),  hi = (m1 ? (m0 ? lo : lo + hi) : hi)
// and the valids likewise. PipelineEqualsCombinationalNetwork (verif/unit/model_test.cpp)
// checks this against apply_switch(), the specification's form.
void CycleModel::step(const std::vector<std::uint64_t>& data, const LaneSet& valid,
                      const Config& cfg) {
  const int n = topo_.lanes();
  const int stages = topo_.stages();
  if (static_cast<int>(data.size()) != n || cfg.lanes != n || cfg.stages != stages) {
    throw std::invalid_argument("CycleModel::step: inputs do not match the topology");
  }
  // Registers update from the last stage backwards, so stage s reads stage s-1's value of the
  // previous cycle and may overwrite its own register in place. held(s-1) is the configuration
  // of the wave in register s-1, which moves into register s.
  std::uint64_t in_val[2];
  std::uint8_t in_vld[2];
  for (int s = stages - 1; s >= 0; --s) {
    const Config& c = s == 0 ? cfg : held(s - 1);
    const Mode* modes = c.modes.data() + static_cast<std::size_t>(s * (n / 2));
    std::uint64_t* out_val = val_.data() + index(s, 0);
    std::uint8_t* out_vld = vld_.data() + index(s, 0);
    const std::uint64_t* prev_val = s > 0 ? val_.data() + index(s - 1, 0) : nullptr;
    const std::uint8_t* prev_vld = s > 0 ? vld_.data() + index(s - 1, 0) : nullptr;
    const std::uint32_t* src = src_.data() + index(s, 0);
    for (int i = 0; i < n / 2; ++i) {
      for (int k = 0; k < 2; ++k) {
        const auto q = static_cast<std::size_t>(2 * i + k);
        if (s == 0) {
          in_val[k] = data[q] & dmask_;
          in_vld[k] = valid[q] ? 1 : 0;
        } else {
          in_val[k] = prev_val[src[q]];
          in_vld[k] = prev_vld[src[q]];
        }
      }
      const auto code = static_cast<std::uint64_t>(modes[i]);
      const std::uint64_t m0 = code & 1;
      const std::uint64_t m1 = code >> 1;
      const std::uint64_t both = m0 & m1;
      const std::uint64_t a = in_val[0];
      const std::uint64_t b = in_val[1];
      out_val[2 * i] = ((a & (0 - (1 - both))) + (b & (0 - m0))) & dmask_;
      out_val[2 * i + 1] = ((b & (0 - (1 - both))) + (a & (0 - m1))) & dmask_;
      const std::uint8_t va = in_vld[0];
      const std::uint8_t vb = in_vld[1];
      out_vld[2 * i] = static_cast<std::uint8_t>((va | both) & (vb | (1 - m0)));
      out_vld[2 * i + 1] = static_cast<std::uint8_t>((vb | both) & (va | (1 - m1)));
    }
    if (fault_ && fault_->stage == s && cycle_ >= fault_->from_cycle) {
      auto& v = out_val[fault_->port];
      v = (v ^ fault_->xor_mask) & dmask_;
    }
  }
  // The new wave's configuration replaces the one that just left the last register.
  ring_[head_] = cfg;
  if (++head_ == ring_.size()) head_ = 0;
  ++cycle_;
}

}  // namespace feather::birrd
