// Helpers for reading and writing the ports and public signals of verilated models, whatever
// their widths (CData/SData/IData/QData scalars or VlWide arrays).
#pragma once

#include <verilated.h>
#include <verilated_fst_c.h>
#include <verilated_syms.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace feather::sim::detail {

// Write `width` bits of `value` at bit `lsb` of a Verilator port (scalar or VlWide).
template <class Port>
inline void put_bits(Port& port, int lsb, int width, std::uint64_t value) {
  if constexpr (std::is_integral_v<Port>) {
    using U = std::make_unsigned_t<Port>;
    U mask = width >= static_cast<int>(sizeof(U) * 8) ? static_cast<U>(~U{0})
                                                      : static_cast<U>((U{1} << width) - 1);
    port = static_cast<Port>((static_cast<U>(port) & ~static_cast<U>(mask << lsb)) |
                             static_cast<U>((static_cast<U>(value) & mask) << lsb));
  } else {
    // Word-sized chunks: at most three 32-bit words for a field of up to 64 bits.
    int done = 0;
    while (done < width) {
      const int bit = lsb + done;
      const int off = bit % 32;
      const int take = std::min(32 - off, width - done);
      const EData m = take == 32 ? ~EData{0} : (((EData{1} << take) - 1) << off);
      auto& word = port[static_cast<std::size_t>(bit / 32)];
      word = (word & ~m) | (static_cast<EData>(value >> done) << off & m);
      done += take;
    }
  }
}

template <class Port>
inline std::uint64_t get_bits(const Port& port, int lsb, int width) {
  if constexpr (std::is_integral_v<Port>) {
    using U = std::make_unsigned_t<Port>;
    std::uint64_t v = static_cast<std::uint64_t>(static_cast<U>(port)) >> lsb;
    return width >= 64 ? v : (v & ((std::uint64_t{1} << width) - 1));
  } else {
    std::uint64_t v = 0;
    int done = 0;
    while (done < width) {
      const int bit = lsb + done;
      const int off = bit % 32;
      const int take = std::min(32 - off, width - done);
      std::uint64_t chunk = port[static_cast<std::size_t>(bit / 32)] >> off;
      if (take < 32) chunk &= (std::uint64_t{1} << take) - 1;
      v |= chunk << done;
      done += take;
    }
    return v;
  }
}

// Copy whole 32-bit words into a port.
template <class Port>
inline void put_words(Port& port, const std::vector<std::uint32_t>& words, int width) {
  if constexpr (std::is_integral_v<Port>) {
    std::uint64_t v = 0;
    for (std::size_t k = 0; k < words.size() && k < 2; ++k)
      v |= std::uint64_t{words[k]} << (32 * k);
    put_bits(port, 0, width, v);
  } else {
    const auto n = static_cast<std::size_t>((width + 31) / 32);
    for (std::size_t k = 0; k < n; ++k) port[k] = k < words.size() ? words[k] : 0;
  }
}

// Reads a public register array (`data_q [AW]`) or vector (`valid_q`) by scope and name.
struct PublicVar {
  const void* data = nullptr;
  int elem_bytes = 0;
};

inline PublicVar find_var(VerilatedContext& ctx, const std::string& scope, const char* name) {
  const VerilatedScope* sc = ctx.scopeFind(scope.c_str());
  if (!sc) throw std::runtime_error(fmt::format("verilated scope '{}' not found", scope));
  VerilatedVar* v = sc->varFind(name);
  if (!v) throw std::runtime_error(fmt::format("signal '{}.{}' not found", scope, name));
  PublicVar r;
  r.data = v->datap();
  switch (v->vltype()) {
    case VLVT_UINT8:
      r.elem_bytes = 1;
      break;
    case VLVT_UINT16:
      r.elem_bytes = 2;
      break;
    case VLVT_UINT32:
      r.elem_bytes = 4;
      break;
    case VLVT_UINT64:
      r.elem_bytes = 8;
      break;
    default:
      r.elem_bytes = -1;
      break;  // VlWide
  }
  return r;
}

inline std::uint64_t read_elem(const PublicVar& v, int index, int width) {
  switch (v.elem_bytes) {
    case 1:
      return static_cast<const std::uint8_t*>(v.data)[index];
    case 2:
      return static_cast<const std::uint16_t*>(v.data)[index];
    case 4:
      return static_cast<const std::uint32_t*>(v.data)[index];
    case 8:
      return static_cast<const std::uint64_t*>(v.data)[index];
    default: {
      const auto* words = static_cast<const std::uint32_t*>(v.data);
      const int per = (width + 31) / 32;
      std::uint64_t r = words[index * per];
      if (per > 1) r |= std::uint64_t{words[index * per + 1]} << 32;
      return r;
    }
  }
}

inline bool read_bit(const PublicVar& v, int bit) {
  switch (v.elem_bytes) {
    case 1:
      return (static_cast<const std::uint8_t*>(v.data)[0] >> bit) & 1;
    case 2:
      return (static_cast<const std::uint16_t*>(v.data)[0] >> bit) & 1;
    case 4:
      return (static_cast<const std::uint32_t*>(v.data)[0] >> bit) & 1;
    case 8:
      return (static_cast<const std::uint64_t*>(v.data)[0] >> bit) & 1;
    default:
      return (static_cast<const std::uint32_t*>(v.data)[bit / 32] >> (bit % 32)) & 1;
  }
}

// Owns one verilated model with its own context: clocking, reset, FST tracing. Top-level ports
// clk_i and rst_ni are required.
template <class V>
class ModelHost {
 public:
  ModelHost() : ctx_(std::make_unique<VerilatedContext>()) {
    ctx_->traceEverOn(true);
    ctx_->fatalOnError(false);  // assertion failures are reported, the harness decides
    top_ = std::make_unique<V>(ctx_.get(), "TOP");
    top_->clk_i = 0;
    top_->rst_ni = 1;
    top_->eval();
  }
  ~ModelHost() {
    close_trace();
    top_->final();
    // Verilator 5.006 unregisters scopes through the calling thread's *current* context, not the
    // model's own: point it back at ours, or destroying one of several models deadlocks.
    Verilated::threadContextp(ctx_.get());
    top_.reset();
  }
  ModelHost(const ModelHost&) = delete;
  ModelHost& operator=(const ModelHost&) = delete;

  V& top() { return *top_; }
  const V& top() const { return *top_; }
  VerilatedContext& ctx() { return *ctx_; }

  void set_reset(bool asserted) {
    top_->rst_ni = asserted ? 0 : 1;
    top_->eval();
  }
  // One cycle: rising edge (registers update), then the falling edge; two time units.
  void clock() {
    top_->clk_i = 1;
    top_->eval();
    if (trace_ && trace_active_) trace_->dump(ctx_->time());
    ctx_->timeInc(1);
    top_->clk_i = 0;
    top_->eval();
    if (trace_ && trace_active_) trace_->dump(ctx_->time());
    ctx_->timeInc(1);
  }
  // One cycle for harnesses that set the next inputs between cycles: the clock goes low and is
  // evaluated together with those inputs (Verilator detects the rising edge only after it has
  // evaluated the clock low), then the rising edge. Two evaluations per cycle, like clock(),
  // but the falling-edge evaluation also settles the new inputs, so no separate eval() is
  // needed. With a waveform open this is clock().
  void clock_rise() {
    if (trace_) {
      top_->eval();
      clock();
      return;
    }
    top_->clk_i = 0;
    top_->eval();
    ctx_->timeInc(1);
    top_->clk_i = 1;
    top_->eval();
    ctx_->timeInc(1);
  }
  void open_trace(const std::string& path) {
    close_trace();
    trace_active_ = true;
    trace_ = std::make_unique<VerilatedFstC>();
    top_->trace(trace_.get(), 99);
    trace_->open(path.c_str());
    if (!trace_->isOpen()) {
      trace_.reset();
      throw std::runtime_error(fmt::format("cannot open waveform file '{}'", path));
    }
  }
  void close_trace() {
    if (trace_) {
      trace_->close();
      trace_.reset();
    }
  }
  // Pause (false) or resume (true) dumping into the open waveform; the model keeps running.
  // A resumed dump records every value that changed during the pause at the resume time.
  void set_trace_active(bool on) { trace_active_ = on; }
  PublicVar var(const std::string& scope, const char* name) { return find_var(*ctx_, scope, name); }
  // Whether an assertion ($error) fired since the model was built (fatalOnError is off).
  bool got_error() const { return ctx_->gotError(); }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<V> top_;
  std::unique_ptr<VerilatedFstC> trace_;
  bool trace_active_ = true;
};

}  // namespace feather::sim::detail
