#include "progress_bar.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace feather::cli {

ProgressBar::ProgressBar()
    : tty_(isatty(fileno(stderr)) != 0), t0_(std::chrono::steady_clock::now()) {}

void ProgressBar::update(std::string_view phase, std::size_t done, std::size_t total,
                         std::string_view what) {
  if (!tty_) return;
  const auto now = std::chrono::steady_clock::now();
  if (done < total && drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  constexpr int kWidth = 30;
  const std::size_t t = std::max<std::size_t>(total, 1);
  const int fill = static_cast<int>(kWidth * std::min(done, t) / t);
  std::string name(what.substr(0, 32));
  fmt::print(stderr, "\r\033[K[{}{}] {}/{} {}{}{} {:.0f} s", std::string(fill, '#'),
             std::string(kWidth - fill, '.'), done, total, phase, name.empty() ? "" : ": ", name,
             std::chrono::duration<double>(now - t0_).count());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::clear() {
  if (!tty_ || !drawn_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  drawn_ = false;
}

ProgressFn ProgressBar::callback() {
  if (!tty_) return {};
  return [this](std::string_view phase, std::size_t done, std::size_t total,
                std::string_view what) { update(phase, done, total, what); };
}

}  // namespace feather::cli
