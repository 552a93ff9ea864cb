// A progress bar on standard error, drawn only when standard error is a terminal (so logs and
// pipes stay clean), redrawn at most ten times a second: "[#####.....] 12/53 map: layer3.0".
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "feather/common/progress.hpp"

namespace feather::cli {

class ProgressBar {
 public:
  ProgressBar();  // enabled when stderr is a terminal
  ~ProgressBar() { clear(); }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  bool enabled() const { return tty_; }
  // Draws the bar (throttled; the last step of a phase is always drawn).
  void update(std::string_view phase, std::size_t done, std::size_t total,
              std::string_view what = {});
  // Removes the bar from the line, before other output or at the end.
  void clear();
  // A ProgressFn that draws on this bar (nothing when not a terminal).
  ProgressFn callback();

 private:
  bool tty_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point t0_, last_{};
};

}  // namespace feather::cli
