// The off-chip memory of the golden model and the harness (top::Memory, golden.hpp): sparse
// words of AW bytes, unwritten words reading as 0.
#include <fmt/format.h>

#include <stdexcept>

#include "feather/top/golden.hpp"

namespace feather::top {

std::vector<std::uint8_t> Memory::read(std::uint64_t addr) const {
  auto it = mem_.find(addr);
  if (it == mem_.end()) return std::vector<std::uint8_t>(static_cast<std::size_t>(aw_), 0);
  return it->second;
}

void Memory::write(std::uint64_t addr, const std::vector<std::uint8_t>& word) {
  if (word.size() != static_cast<std::size_t>(aw_)) {
    throw std::invalid_argument(
        fmt::format("Memory::write: word of {} bytes, the memory has {}", word.size(), aw_));
  }
  mem_[addr] = word;
}

std::uint8_t Memory::byte(std::uint64_t addr, int i) const {
  if (i < 0 || i >= aw_) {
    throw std::out_of_range(fmt::format("Memory::byte: byte {} out of range 0..{}", i, aw_ - 1));
  }
  auto it = mem_.find(addr);
  return it == mem_.end() ? std::uint8_t{0} : it->second[static_cast<std::size_t>(i)];
}

void Memory::set_byte(std::uint64_t addr, int i, std::uint8_t v) {
  if (i < 0 || i >= aw_) {
    throw std::out_of_range(
        fmt::format("Memory::set_byte: byte {} out of range 0..{}", i, aw_ - 1));
  }
  auto it = mem_.find(addr);
  if (it == mem_.end()) {
    it = mem_.emplace(addr, std::vector<std::uint8_t>(static_cast<std::size_t>(aw_), 0)).first;
  }
  it->second[static_cast<std::size_t>(i)] = v;
}

void Memory::merge(const Memory& o) {
  if (o.aw_ != aw_) {
    throw std::invalid_argument(
        fmt::format("Memory::merge: words of {} bytes into a memory of {}", o.aw_, aw_));
  }
  for (const auto& [addr, word] : o.mem_) mem_[addr] = word;
}

bool Memory::operator==(const Memory& o) const {
  if (aw_ != o.aw_) return false;
  // Unwritten words read as 0: compare what every word reads.
  for (const auto& [addr, word] : mem_) {
    if (o.read(addr) != word) return false;
  }
  for (const auto& [addr, word] : o.mem_) {
    if (read(addr) != word) return false;
  }
  return true;
}

}  // namespace feather::top
