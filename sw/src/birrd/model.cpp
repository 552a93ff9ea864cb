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
  regs_.assign(static_cast<std::size_t>(t.stages()),
               std::vector<Lane<std::uint64_t>>(static_cast<std::size_t>(t.lanes())));
  cfg_.assign(static_cast<std::size_t>(t.stages()), Config(t));
  scratch_in_.resize(static_cast<std::size_t>(t.lanes()));
  scratch_out_.resize(static_cast<std::size_t>(t.lanes()));
  reset();
}

void CycleModel::reset() {
  for (auto& stage : regs_) {
    for (auto& l : stage) l = {};
  }
  for (auto& c : cfg_) {
    std::fill(c.modes.begin(), c.modes.end(), Mode::kPass);
    c.mask.reset();
  }
  cycle_ = 0;
}

bool CycleModel::valid_out(int lane) const {
  auto last = static_cast<std::size_t>(topo_.stages() - 1);
  return regs_[last][static_cast<std::size_t>(lane)].valid &&
         cfg_[last].mask.test(static_cast<std::size_t>(lane));
}

void CycleModel::step(const std::vector<std::uint64_t>& data, const LaneSet& valid,
                      const Config& cfg) {
  const int n = topo_.lanes();
  const int stages = topo_.stages();
  if (static_cast<int>(data.size()) != n || cfg.lanes != n || cfg.stages != stages) {
    throw std::invalid_argument("CycleModel::step: inputs do not match the topology");
  }
  auto add = [m = dmask_](std::uint64_t a, std::uint64_t b) { return (a + b) & m; };
  // Registers update from the last stage backwards so each stage reads last cycle's values.
  for (int s = stages - 1; s >= 0; --s) {
    const Config& c = s == 0 ? cfg : cfg_[static_cast<std::size_t>(s - 1)];
    if (s == 0) {
      for (int p = 0; p < n; ++p) {
        auto& l = scratch_in_[static_cast<std::size_t>(p)];
        l.value = data[static_cast<std::size_t>(p)] & dmask_;
        l.valid = valid.test(static_cast<std::size_t>(p));
      }
    } else {
      const auto& prev = regs_[static_cast<std::size_t>(s - 1)];
      for (int p = 0; p < n; ++p) {
        scratch_in_[static_cast<std::size_t>(topo_.link(s - 1, p))] =
            prev[static_cast<std::size_t>(p)];
      }
    }
    apply_stage(topo_, c, s, scratch_in_, scratch_out_, add);
    if (fault_ && fault_->stage == s && cycle_ >= fault_->from_cycle) {
      auto& l = scratch_out_[static_cast<std::size_t>(fault_->port)];
      l.value = (l.value ^ fault_->xor_mask) & dmask_;
    }
    regs_[static_cast<std::size_t>(s)] = scratch_out_;
    cfg_[static_cast<std::size_t>(s)] = c;
  }
  ++cycle_;
}

}  // namespace feather::birrd
