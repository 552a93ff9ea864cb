// Control corners the golden model meets while it executes a program: how often each happened.
// They are the boundary, rounding, hazard and error-order cases that random tests rarely reach
// (docs/coverage.md, "Control corners"); the harness turns them into functional coverage
// (sim::cover_top_corners) so that a regression report shows which were never exercised.
#pragma once

#include <array>
#include <cstdint>

namespace feather::top {

struct Corners {
  enum Point : int {
    // A layout whose last line is the last line of its buffer (WD, SD, OD).
    kLayoutEndW,
    kLayoutEndI,
    kLayoutEndO,
    // A Load ending at the last line of its target, a Store starting or ending there.
    kLoadEndWbuf,
    kLoadEndSbuf,
    kLoadEndScale,
    kLoadEndOzp,
    kLoadEndLut,
    kStoreEndWbuf,
    kStoreEndSbuf,
    // An output written to output-buffer line OD - 1; a requantized output to streaming-buffer
    // line SD - 1; requantization channel QD - 1 (the last table entry) used.
    kOutputLastLine,
    kQuantLastLine,
    kQuantLastChannel,
    // Requantization: a rounding tie ((v * scale) mod 2^24 = 2^23) with a positive / negative
    // product; a result clamped at Config's qlo / qhi.
    kTiePositive,
    kTieNegative,
    kClampLo,
    kClampHi,
    // Mapping contexts: an ExecuteMapping that changes vn right after an ExecuteStreaming (the
    // stream may still run on the other context), and an ExecuteStreaming right after an
    // ExecuteMapping that changed vn.
    kMapVnChangeAfterStream,
    kStreamAfterVnChange,
    // The first error raised by the instruction right after a stream (its outputs may still be
    // in flight), a requantizing stream, a Store or a Load (still moving words).
    kErrorAfterStream,
    kErrorAfterQuantStream,
    kErrorAfterStore,
    kErrorAfterLoad,
    kCount
  };
  std::array<std::uint64_t, kCount> hits{};
  // Layouts used (the WVN layout by an ExecuteMapping, the IVN and OVN layouts by an
  // ExecuteStreaming that completed), per buffer (W, I, O) and order (0..5): [0] with F1 == F2,
  // [1] with F1 != F2.
  std::array<std::array<std::array<std::uint64_t, 2>, 6>, 3> layouts{};

  void add(Point p) { ++hits[static_cast<std::size_t>(p)]; }
};

}  // namespace feather::top
