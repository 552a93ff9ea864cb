// Shared helpers of the libFuzzer targets (verif/fuzz): a byte reader that never runs out (an
// exhausted input reads as zeros) and the check that aborts with a message libFuzzer reports.
// The input formats are defined here so that make_seeds.cpp writes what the targets read.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "feather/birrd/topology.hpp"
#include "feather/top/isa.hpp"
#include "feather/top/params.hpp"

namespace feather::fuzz {

// A failed property: print it and abort (libFuzzer saves the input as a crash artifact).
[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "\nFUZZ CHECK FAILED: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

inline void check(bool ok, const std::string& what) {
  if (!ok) fail(what);
}

// FEATHER_FUZZ_VERBOSE=1: the targets say what each input does (to read a crash or a seed).
inline bool verbose() {
  static const bool v = std::getenv("FEATHER_FUZZ_VERBOSE") != nullptr;
  return v;
}

template <typename... Args>
void note(fmt::format_string<Args...> f, Args&&... args) {
  if (verbose()) fmt::print(stderr, "{}\n", fmt::format(f, std::forward<Args>(args)...));
}

class Bytes {
 public:
  Bytes(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::size_t left() const { return size_ - pos_; }
  std::uint8_t u8() { return pos_ < size_ ? data_[pos_++] : std::uint8_t{0}; }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= std::uint32_t{u8()} << (8 * i);
    return v;
  }
  // lo + (one byte mod the range size); hi - lo < 256.
  int range(int lo, int hi) { return lo + u8() % (hi - lo + 1); }
  // The next n bytes (fewer if the input ends).
  std::vector<std::uint8_t> take(std::size_t n) {
    n = std::min(n, left());
    std::vector<std::uint8_t> v(data_ + pos_, data_ + pos_ + n);
    pos_ += n;
    return v;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

// SplitMix64: operand data derived from a seed byte of the input.
inline std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// ---------------------------------------------------------------------------------------------
// fuzz_birrd_target: byte 0 selects the lane count, the rest is the target text.

inline int target_lanes(std::uint8_t b) {
  static constexpr int kOdd[16] = {0,    -1,   65,  128,     255,        256,        512, 1023,
                                   1024, 1025, 100, 1 << 30, -(1 << 30), 2147483647, 2,   3};
  return b < 0xF0 ? b % 65 : kOdd[b - 0xF0];
}

// ---------------------------------------------------------------------------------------------
// fuzz_isa_golden: 5 parameter bytes, a memory seed byte, then instructions of ceil(IW/8)
// bytes each (little-endian bits, bits beyond IW ignored).
//   byte 0: bits 1:0 AH = 2,4,8,8; bit 2 AW = 4/8; bit 3 wiring (0 feather, 1 benes);
//           bits 7:4 MAW = 1 + (v % 12)
//   bytes 1..3: SD, WD, OD = AH + b % (65 - AH)      (AH..64: XW <= 9, T < 512)
//   byte 4: QD = AW * (1 + b % 8)

inline constexpr std::size_t kIsaParamBytes = 5;

inline top::TopParams isa_params(Bytes& in) {
  top::TopParams p;
  const std::uint8_t b0 = in.u8();
  static constexpr int kAh[4] = {2, 4, 8, 8};
  p.ah = kAh[b0 & 3];
  p.aw = (b0 & 4) ? 8 : 4;
  p.wiring = (b0 & 8) ? birrd::Wiring::kBenes : birrd::Wiring::kFeather;
  p.maw = 1 + (b0 >> 4) % 12;
  auto depth = [&] { return p.ah + in.u8() % (65 - p.ah); };
  p.sd = depth();
  p.wd = depth();
  p.od = depth();
  p.qd = p.aw * (1 + in.u8() % 8);
  return p;
}

// The bytes isa_params() reads back as `p` (which must be in the fuzzed range).
inline std::vector<std::uint8_t> isa_param_bytes(const top::TopParams& p) {
  const int ahsel = p.ah == 2 ? 0 : p.ah == 4 ? 1 : 2;
  std::vector<std::uint8_t> b;
  b.push_back(static_cast<std::uint8_t>(ahsel | (p.aw == 8 ? 4 : 0) |
                                        (p.wiring == birrd::Wiring::kBenes ? 8 : 0) |
                                        ((p.maw - 1) << 4)));
  for (int d : {p.sd, p.wd, p.od}) b.push_back(static_cast<std::uint8_t>(d - p.ah));
  b.push_back(static_cast<std::uint8_t>(p.qd / p.aw - 1));
  return b;
}

inline std::size_t isa_instr_bytes(const top::TopParams& p) {
  return static_cast<std::size_t>((p.iw() + 7) / 8);
}

// An instruction word of nbits from little-endian bytes (missing bytes read as zeros).
inline top::Word word_from_bytes(const std::vector<std::uint8_t>& bytes, int nbits) {
  top::Word w(static_cast<std::size_t>((nbits + 31) / 32), 0);
  for (int i = 0; i < nbits; ++i) {
    const auto byte = static_cast<std::size_t>(i / 8);
    if (byte < bytes.size() && ((bytes[byte] >> (i % 8)) & 1U) != 0) {
      w[static_cast<std::size_t>(i / 32)] |= 1U << (i % 32);
    }
  }
  return w;
}

// The little-endian bytes of an instruction word, ceil(nbits / 8) of them.
inline std::vector<std::uint8_t> word_bytes(const top::Word& w, int nbits) {
  std::vector<std::uint8_t> b(static_cast<std::size_t>((nbits + 7) / 8), 0);
  for (int i = 0; i < nbits; ++i) {
    if (((w[static_cast<std::size_t>(i / 32)] >> (i % 32)) & 1U) != 0) {
      b[static_cast<std::size_t>(i / 8)] |= static_cast<std::uint8_t>(1U << (i % 8));
    }
  }
  return b;
}

// ---------------------------------------------------------------------------------------------
// fuzz_top_stream: a mode byte, a seed byte, then instruction words of isa_instr_bytes() bytes
// for the 4x4 top.

inline constexpr std::size_t kTopStreamMaxInstrs = 16;
inline constexpr std::uint64_t kTopStreamStepBudget = 512;

struct TopStreamMode {
  bool legal_prefix = false;  // bit 0: a random legal program first
  double backpressure = 0;    // bits 1-2: 0, 0.2, 0.4, 0.6
  int latency = 1;            // bits 3-4: 1..4
};

inline TopStreamMode top_stream_mode(std::uint8_t b) {
  TopStreamMode m;
  m.legal_prefix = (b & 1U) != 0;
  m.backpressure = 0.2 * ((b >> 1) & 3U);
  m.latency = 1 + ((b >> 3) & 3U);
  return m;
}

inline std::uint8_t top_stream_mode_byte(bool legal_prefix, int backpressure_step, int latency) {
  return static_cast<std::uint8_t>((legal_prefix ? 1 : 0) | ((backpressure_step & 3) << 1) |
                                   (((latency - 1) & 3) << 3));
}

}  // namespace feather::fuzz
