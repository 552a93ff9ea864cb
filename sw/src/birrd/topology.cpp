#include "feather/birrd/topology.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace feather::birrd {

std::string_view to_string(Wiring w) {
  switch (w) {
    case Wiring::kFeather:
      return "feather";
    case Wiring::kBenes:
      return "benes";
  }
  return "?";
}

std::optional<Wiring> parse_wiring(std::string_view text) {
  if (text == "feather" || text == "published" || text == "0") return Wiring::kFeather;
  if (text == "benes" || text == "1") return Wiring::kBenes;
  return std::nullopt;
}

std::string_view to_string(Mode m) {
  switch (m) {
    case Mode::kPass:
      return "pass";
    case Mode::kAddLo:
      return "add-lo";
    case Mode::kAddHi:
      return "add-hi";
    case Mode::kSwap:
      return "swap";
  }
  return "?";
}

namespace {

int reverse_low_bits(int p, int g) {
  int low = p & ((1 << g) - 1);
  int rev = 0;
  for (int b = 0; b < g; ++b) {
    if (low & (1 << b)) rev |= 1 << (g - 1 - b);
  }
  return (p & ~((1 << g) - 1)) | rev;
}

// x with bit 0 and bit b exchanged.
int swap_bit0(int x, int b) {
  if (b == 0) return x;
  int b0 = x & 1;
  int bb = (x >> b) & 1;
  if (b0 == bb) return x;
  return x ^ 1 ^ (1 << b);
}

}  // namespace

int Topology::default_stages(int lanes, Wiring wiring) {
  int l = 0;
  while ((1 << l) < lanes) ++l;
  if (wiring == Wiring::kFeather) return lanes == 4 ? 3 : 2 * l;
  return 2 * l - 1;
}

Topology::Topology(int lanes, Wiring wiring, int stages) : lanes_(lanes), wiring_(wiring) {
  if (lanes < 4) {
    throw std::invalid_argument(fmt::format("BIRRD lanes (AW) must be >= 4, got {}", lanes));
  }
  if ((lanes & (lanes - 1)) != 0) {
    throw std::invalid_argument(
        fmt::format("BIRRD lanes (AW) must be a power of two, got {}", lanes));
  }
  if (lanes > kMaxLanes) {
    throw std::invalid_argument(
        fmt::format("BIRRD lanes (AW) must be <= {}, got {}", kMaxLanes, lanes));
  }
  if (wiring != Wiring::kFeather && wiring != Wiring::kBenes) {
    throw std::invalid_argument(fmt::format("unknown BIRRD wiring {}", static_cast<int>(wiring)));
  }
  if (stages < 0) {
    throw std::invalid_argument(fmt::format("BIRRD stages must be >= 1, got {}", stages));
  }
  log2_ = 0;
  while ((1 << log2_) < lanes) ++log2_;
  stages_ = stages == 0 ? default_stages(lanes, wiring) : stages;

  link_.assign(static_cast<std::size_t>(std::max(stages_ - 1, 0)),
               std::vector<int>(static_cast<std::size_t>(lanes)));
  inverse_ = link_;
  for (int s = 0; s + 1 < stages_; ++s) {
    for (int p = 0; p < lanes; ++p) {
      int q = 0;
      if (wiring == Wiring::kFeather) {
        int g = std::min({s + 2, log2_, stages_ - s});
        q = reverse_low_bits(p, g);
      } else {
        q = swap_bit0(swap_bit0(p, benes_bit(s)), benes_bit(s + 1));
      }
      link_[static_cast<std::size_t>(s)][static_cast<std::size_t>(p)] = q;
      inverse_[static_cast<std::size_t>(s)][static_cast<std::size_t>(q)] = p;
    }
  }
}

int Topology::benes_bit(int k) const {
  int period = 2 * log2_ - 2;
  int m = k % period;
  return m < log2_ ? m : period - m;
}

std::string Topology::name() const {
  return fmt::format("{}-{}x{}", to_string(wiring_), lanes_, stages_);
}

std::vector<std::uint32_t> Config::pack_cmd() const {
  std::vector<std::uint32_t> words((modes.size() * 2 + 31) / 32, 0);
  for (std::size_t k = 0; k < modes.size(); ++k) {
    auto bits = static_cast<std::uint32_t>(modes[k]);
    std::size_t bit = k * 2;
    words[bit / 32] |= bits << (bit % 32);
  }
  return words;
}

std::vector<std::uint32_t> Config::pack_mask() const {
  std::vector<std::uint32_t> words(static_cast<std::size_t>((lanes + 31) / 32), 0);
  for (int p = 0; p < lanes; ++p) {
    if (mask.test(static_cast<std::size_t>(p))) {
      words[static_cast<std::size_t>(p / 32)] |= 1U << (p % 32);
    }
  }
  return words;
}

std::string Config::to_string() const {
  std::string out;
  for (int s = 0; s < stages; ++s) {
    out += fmt::format("stage {:2}:", s);
    for (int i = 0; i < lanes / 2; ++i) {
      static constexpr const char* kShort[] = {"=", "<", ">", "x"};
      out += ' ';
      out += kShort[static_cast<int>(at(s, i))];
    }
    out += '\n';
  }
  out += "mask    :";
  for (int p = 0; p < lanes; ++p) out += mask.test(static_cast<std::size_t>(p)) ? " 1" : " 0";
  out += '\n';
  return out;
}

}  // namespace feather::birrd
