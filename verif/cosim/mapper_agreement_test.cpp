// The mapper's predictions against the RTL (issue 5, "The model must agree with the RTL"): for
// every layer of the set (ResNet-50, MobileNet-V3-Large and BERT-base layers, scaled down where
// the RTL run would be too slow, plus random shapes), the layer is mapped (shape only), built
// with random data, run on the golden model and on the verilated FEATHER top, and
//   - the output tensor equals the reference math bit for bit, the RTL's buffers and off-chip
//     memory equal the golden model's;
//   - the RTL's cycle count equals the cycle model's prediction within 2% (the model aims to be
//     exact: the table prints both);
//   - the off-chip words counted at the RTL's memory port equal the prediction exactly.
// The per-layer table is printed at the end and written to mapper_agreement.md in the working
// directory (docs/mapper.md quotes it).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <vector>

#include "../common/seed.hpp"
#include "feather/map/compile.hpp"
#include "feather/map/mapper.hpp"
#include "feather/sim/top_cosim.hpp"
#include "feather/sim/top_dut.hpp"
#include "feather/top/golden.hpp"
#include "feather/top/reference.hpp"

namespace feather {
namespace {

struct Case {
  std::string name;
  int array = 16;
  bool conv = true;     // for a random case: draw a conv, else a GEMM
  map::Layer layer;     // per-tensor requantization (layer.per_tensor_quant) lets IO-S be chosen
  bool random = false;  // the shape is drawn from the test's seed
  std::optional<bool> direct;  // force direct convolution (true) or im2col (MapOptions::direct)
};

Case conv(std::string name, int array, int h, int c, int co, int r, int stride, int pad,
          int groups = 1, int dilation = 1) {
  Case k;
  k.layer = map::Layer::conv(name, h, h, c, co, r, stride, pad, dilation, groups);
  k.name = std::move(name);
  k.array = array;
  return k;
}

Case direct(Case c) {
  c.name += " direct";
  c.direct = true;
  return c;
}

Case gemm(std::string name, int array, int m, int k, int n, bool per_tensor) {
  Case c;
  c.layer = map::Layer::gemm(name, m, k, n);
  c.layer.per_tensor_quant = per_tensor;
  c.name = std::move(name);
  c.array = array;
  c.conv = false;
  return c;
}

Case random_case(std::string name, int array, bool is_conv) {
  Case c;
  c.name = std::move(name);
  c.array = array;
  c.conv = is_conv;
  c.random = true;
  return c;
}

// The layer set. Spatial sizes are scaled down (and a few channel counts halved) so that each
// RTL run stays within seconds; the scaled size is in the name.
std::vector<Case> cases() {
  return {
      // ResNet-50 (224x224 input; layer names as in torchvision).
      conv("resnet50.conv1 7x7/2 3->64 (224->32)", 16, 32, 3, 64, 7, 2, 3),
      conv("resnet50.layer1.0.conv1 1x1 64->64 (56->14)", 16, 14, 64, 64, 1, 1, 0),
      conv("resnet50.layer1.0.conv2 3x3 64->64 (56->14)", 16, 14, 64, 64, 3, 1, 1),
      conv("resnet50.layer1.0.conv3 1x1 64->256 (56->14)", 16, 14, 64, 256, 1, 1, 0),
      conv("resnet50.layer1.1.conv1 1x1 256->64 (56->14)", 8, 14, 256, 64, 1, 1, 0),
      conv("resnet50.layer2.0.conv2 3x3/2 128->128 (56->14)", 16, 14, 128, 128, 3, 2, 1),
      conv("resnet50.layer2.0.downsample 1x1/2 256->512 (56->14)", 16, 14, 256, 512, 1, 2, 0),
      conv("resnet50.layer2.1.conv1 1x1 512->128 (28->7)", 8, 7, 512, 128, 1, 1, 0),
      conv("resnet50.layer3.1.conv2 3x3 256->256 (14->7)", 16, 7, 256, 256, 3, 1, 1),
      conv("resnet50.layer3.1.conv3 1x1 256->1024 (14->7)", 16, 7, 256, 1024, 1, 1, 0),
      conv("resnet50.layer4.1.conv2 3x3 512->512 (7->4)", 16, 4, 512, 512, 3, 1, 1),
      conv("resnet50.layer4.2.conv1 1x1 2048->512 (7->4)", 16, 4, 2048, 512, 1, 1, 0),
      gemm("resnet50.fc 2048->1000 (1000->256)", 16, 1, 2048, 256, false),
      conv("resnet50.layer1.0.conv2 3x3 64->64 (56->8) on 4x4", 4, 8, 64, 64, 3, 1, 1),
      // MobileNet-V3-Large.
      conv("mobilenetv3.stem 3x3/2 3->16 (224->32)", 8, 32, 3, 16, 3, 2, 1),
      conv("mobilenetv3.bneck1.dw 3x3 16 (112->28)", 8, 28, 16, 16, 3, 1, 1, 16),
      conv("mobilenetv3.bneck2.expand 1x1 16->64 (112->28)", 8, 28, 16, 64, 1, 1, 0),
      conv("mobilenetv3.bneck2.dw 3x3/2 64 (112->28)", 8, 28, 64, 64, 3, 2, 1, 64),
      conv("mobilenetv3.bneck2.project 1x1 64->24 (56->14)", 8, 14, 64, 24, 1, 1, 0),
      conv("mobilenetv3.bneck4.dw 5x5/2 72 (56->14)", 16, 14, 72, 72, 5, 2, 2, 72),
      gemm("mobilenetv3.bneck4.se.fc1 72->24", 8, 1, 72, 24, false),
      gemm("mobilenetv3.bneck4.se.fc2 24->72", 8, 1, 24, 72, false),
      conv("mobilenetv3.bneck7.expand 1x1 40->240 (28->7)", 16, 7, 40, 240, 1, 1, 0),
      conv("mobilenetv3.bneck13.dw 5x5 960 (7->4, 960->240)", 16, 4, 240, 240, 5, 1, 2, 240),
      conv("mobilenetv3.last 1x1 160->960 (7->4)", 16, 4, 160, 960, 1, 1, 0),
      gemm("mobilenetv3.classifier.fc1 960->1280 (halved)", 16, 1, 480, 640, false),
      conv("mobilenetv3.dw 3x3 dilated 2 (atrous variant) 32ch", 4, 10, 32, 32, 3, 1, 2, 32, 2),
      // Direct convolution (the streaming window) forced where the mapper would pick im2col
      // at these scaled sizes, so that its plans meet the RTL at every array size.
      direct(conv("resnet50.layer1.0.conv2 3x3 64->64 (56->14)", 16, 14, 64, 64, 3, 1, 1)),
      direct(conv("resnet50.layer2.0.conv2 3x3/2 128->128 (56->10)", 8, 10, 128, 128, 3, 2, 1)),
      direct(conv("resnet50.layer3.1.conv2 3x3 256->256 (14->7)", 16, 7, 256, 256, 3, 1, 1)),
      direct(conv("dilated 3x3 d2 grouped 32->32 g2", 4, 10, 32, 32, 3, 1, 2, 2, 2)),
      // An image larger than the streaming buffer: bands of output rows with their input rows.
      direct(
          conv("resnet50.layer1.0.conv2 3x3 64->64 (56->24, 16 ch) bands", 4, 24, 16, 16, 3, 1, 1)),
      // BERT-base encoder (sequence 128), per-tensor requantization.
      gemm("bert.attn.qkv 128x768x768 (->64x256x256)", 16, 64, 256, 256, true),
      gemm("bert.attn.scores 128x64x128 (one head)", 16, 128, 64, 128, true),
      gemm("bert.attn.context 128x128x64 (one head)", 16, 128, 128, 64, true),
      gemm("bert.ffn1 128x768x3072 (->32x256x1024)", 16, 32, 256, 1024, true),
      gemm("bert.ffn2 128x3072x768 (->32x1024x256)", 16, 32, 1024, 256, true),
      gemm("bert.attn.out 128x768x768 (->16x768x128) per-channel", 8, 16, 768, 128, false),
      gemm("bert.attn.scores (one head) on 4x4", 4, 32, 64, 32, true),
      // Random shapes (from the seed).
      random_case("random conv A", 4, true),
      random_case("random conv B", 8, true),
      random_case("random conv C", 16, true),
      random_case("random gemm A", 4, false),
      random_case("random gemm B", 8, false),
      random_case("random gemm C", 16, false),
  };
}

void draw(Case& c, std::mt19937_64& rng) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  if (c.conv) {
    const int h = pick(3, 12), w = pick(3, 12);
    const int groups = pick(0, 3) == 0 ? pick(1, 4) : 1;
    const int ch = groups * pick(1, 40), co = groups * pick(1, 40);
    const int r = pick(0, 1) ? 3 : 1;
    const int stride = pick(1, 2);
    const int pad = r == 3 ? pick(0, 1) : 0;
    c.name += fmt::format(" {}x{}x{}->{} k{} s{} p{} g{}", h, w, ch, co, r, stride, pad, groups);
    c.layer = map::Layer::conv(c.name, h, w, ch, co, r, stride, pad, 1, groups);
  } else {
    const int m = pick(1, 80), k = pick(1, 300), n = pick(1, 120);
    const bool per_tensor = pick(0, 1) == 1;
    c.name += fmt::format(" {}x{}x{}{}", m, k, n, per_tensor ? " per-tensor" : "");
    c.layer = map::Layer::gemm(c.name, m, k, n);
    c.layer.per_tensor_quant = per_tensor;
  }
}

struct Row {
  std::string name, array, mapping;
  std::uint64_t macs = 0, rtl = 0, model = 0, bytes_rtl = 0, bytes_model = 0;
  double util = 0;
  bool exact_output = false;
};

std::mutex g_rows_mu;
std::vector<Row> g_rows;

class MapperAgreement : public ::testing::TestWithParam<Case> {
 public:
  static void TearDownTestSuite() {
    std::lock_guard<std::mutex> lock(g_rows_mu);
    if (g_rows.empty()) return;
    std::string t =
        "| layer | array | mapping | MACs | RTL cycles | model cycles | diff | PE util | "
        "off-chip bytes (RTL = model) | output |\n|---|---|---|---:|---:|---:|---:|---:|---:|---|"
        "\n";
    for (const Row& r : g_rows) {
      const double d = r.rtl ? 100.0 * (static_cast<double>(r.model) - static_cast<double>(r.rtl)) /
                                   static_cast<double>(r.rtl)
                             : 0.0;
      t += fmt::format("| {} | {} | {} | {} | {} | {} | {:+.2f}% | {:.1f}% | {}{} | {} |\n", r.name,
                       r.array, r.mapping, r.macs, r.rtl, r.model, d, 100.0 * r.util, r.bytes_rtl,
                       r.bytes_rtl == r.bytes_model ? "" : " (model differs)",
                       r.exact_output ? "bit-exact" : "MISMATCH");
    }
    std::cout << "\n[ table    ] mapper vs RTL\n" << t;
    const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    char day[16];
    std::strftime(day, sizeof day, "%Y-%m-%d", std::gmtime(&now));
    std::ofstream("mapper_agreement.md")
        << "Generated by `make mapper-tables` (verif/cosim/mapper_agreement_test.cpp) on " << day
        << ": off-chip latency 2 cycles, no back-pressure; " << g_rows.size() << " layers.\n\n"
        << t;
  }
};

TEST_P(MapperAgreement, CyclesAndTrafficMatchTheRtl) {
  Case c = GetParam();
  std::mt19937_64 rng(test::test_seed());
  if (c.random) draw(c, rng);
  const auto& info = sim::find_top_dut(c.array, c.array);
  const top::TopParams& p = info.params;

  map::MapOptions mo;
  mo.timing.latency = 2;
  mo.direct = c.direct;
  const map::CompiledLayer cl =
      map::compile_layer(p, c.layer, map::random_operands(c.layer, rng), mo);
  const map::LayerMap& lm = cl.map;
  const map::MappedProgram& mp = cl.program;
  if (c.direct) {
    EXPECT_EQ(lm.direct, *c.direct) << lm.describe();
  }
  // The program built with data is the one the mapper timed.
  const top::Timing again = top::predict(p, mp.instrs, mo.timing);
  EXPECT_EQ(again.cycles, lm.timing.cycles) << "the data program differs from the shape-only one";

  top::Golden golden(p);
  top::Memory gold_mem = mp.memory;
  const auto ge = golden.run(mp.instrs, gold_mem);
  ASSERT_EQ(ge.err, top::Err::kNone) << "golden model: " << ge.detail;

  auto dut = info.make();
  top::Memory mem = mp.memory;
  sim::RunOptions ro;
  ro.latency = mo.timing.latency;
  const auto res = sim::run_program(*dut, mp.instrs, mem, ro);
  ASSERT_FALSE(res.timeout) << res.timeout_state;
  ASSERT_EQ(res.err, top::Err::kNone) << top::to_string(res.err);
  EXPECT_FALSE(res.assertion_failed);
  const auto diff = sim::compare_state(*dut, golden);
  EXPECT_EQ(diff, "") << "RTL buffers differ from the golden model:\n" << diff;
  EXPECT_TRUE(mem == gold_mem) << "off-chip memory differs from the golden model's";
  const std::string out = map::output_mismatches(cl, map::read_output(p, cl, mem));
  EXPECT_EQ(out, "") << "the output differs from the reference";

  const double rel =
      std::abs(static_cast<double>(lm.timing.cycles) - static_cast<double>(res.cycles)) /
      static_cast<double>(res.cycles);
  // Where the model first departs from the RTL: instruction i is consumed in the cycle the
  // harness hands instruction i+1 to the top.
  for (std::size_t i = 0; i + 1 < res.accepted.size() && i < again.consume.size(); ++i) {
    if (again.consume[i] != res.accepted[i + 1]) {
      std::cout << fmt::format(
          "[ timing   ] {}: instruction {} ({}) consumed in cycle {} on the RTL, {} in the "
          "model\n",
          c.name, i, top::disassemble(mp.instrs[i]), res.accepted[i + 1], again.consume[i]);
      break;
    }
  }
  EXPECT_LE(rel, 0.02) << fmt::format("{}: RTL {} cycles, model {}", c.name, res.cycles,
                                      lm.timing.cycles);
  EXPECT_EQ(res.mem_reads, lm.timing.words_read) << "off-chip words read";
  EXPECT_EQ(res.mem_writes, lm.timing.words_written) << "off-chip words written";
  EXPECT_EQ(res.beat_cycles, lm.timing.beat_cycles) << "streamed beats";

  Row row;
  row.name = c.name;
  row.array = fmt::format("{}x{}", c.array, c.array);
  row.mapping = lm.describe();
  row.macs = lm.shape.macs();
  row.rtl = res.cycles;
  row.model = lm.timing.cycles;
  row.bytes_rtl = (res.mem_reads + res.mem_writes) * static_cast<std::uint64_t>(p.aw);
  row.bytes_model = lm.offchip_bytes(p.aw);
  row.util = static_cast<double>(row.macs) /
             (static_cast<double>(p.ah * p.aw) * static_cast<double>(res.cycles));
  row.exact_output = out.empty();
  std::cout << fmt::format("[ layer    ] {} on {}: {} | RTL {} cycles, model {} | {} bytes\n",
                           c.name, row.array, row.mapping, row.rtl, row.model, row.bytes_rtl);
  std::lock_guard<std::mutex> lock(g_rows_mu);
  g_rows.push_back(row);
}

// Arithmetic at the extremes on the RTL (docs/isa.md, "Arithmetic"): operands and zero points
// at 0 and 255 with a K long enough that the 32-bit sums wrap (255 * 255 * K > 2^31 for
// K > 33025; the mapper tiles the layer to fit the buffers), and
// requantization scales that saturate at both ends. The RTL's buffers and memory equal the
// golden model's, the output equals the reference, and the sums did wrap.
TEST(MapperExtremes, Int32WrapAndSaturationMatchTheModel) {
  const auto& info = sim::find_top_dut(16, 16);
  const top::TopParams& p = info.params;
  struct Variant {
    std::uint8_t a, b, zp_a, zp_w;
    const char* what;
  };
  for (const Variant& v : {Variant{255, 255, 0, 0, "(255-0)*(255-0) summed: wraps negative"},
                           Variant{0, 255, 255, 0, "(0-255)*(255-0) summed: wraps positive"}}) {
    SCOPED_TRACE(v.what);
    const map::Layer layer = map::Layer::gemm("extremes", 2, 33040, 16);
    map::Operands o;
    o.zp_a = v.zp_a;
    o.zp_w = v.zp_w;
    o.input.assign(2u * 33040u, v.a);
    o.weight.assign(33040u * 16u, v.b);
    // Channels alternate between a large positive and a large negative scale (saturating at 255
    // and at 0), and small ones that keep the value in range; the zero points span 0..255.
    for (int n = 0; n < layer.n; ++n) {
      const std::int32_t scales[4] = {2'000'000'000, -2'000'000'000, 1, -1};
      o.quant.scale.push_back(scales[n % 4]);
      o.quant.ozp.push_back(static_cast<std::uint8_t>(n * 17));
    }
    const auto acc = top::gemm_acc(map::gemm_of(layer, o));
    const std::int64_t exact =
        std::int64_t{layer.k} * (std::int64_t{v.a} - v.zp_a) * (std::int64_t{v.b} - v.zp_w);
    ASSERT_NE(static_cast<std::int64_t>(acc[0]), exact) << "the test does not make the sum wrap";

    const map::CompiledLayer cl = map::compile_layer(p, layer, o);
    const map::MappedProgram& mp = cl.program;
    std::cout << "[ extremes ] " << v.what << ": " << cl.map.describe() << "\n";
    top::Golden golden(p);
    top::Memory gold_mem = mp.memory;
    ASSERT_EQ(golden.run(mp.instrs, gold_mem).err, top::Err::kNone);
    auto dut = info.make();
    top::Memory mem = mp.memory;
    const auto res = sim::run_program(*dut, mp.instrs, mem);
    ASSERT_FALSE(res.timeout) << res.timeout_state;
    EXPECT_EQ(sim::compare_state(*dut, golden), "");
    EXPECT_TRUE(mem == gold_mem);
    EXPECT_EQ(map::output_mismatches(cl, map::read_output(p, cl, mem)), "");
    EXPECT_EQ(res.cycles, cl.map.timing.cycles);
  }
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string s = fmt::format("L{:02}_", info.index);
  for (char ch : info.param.name.substr(0, info.param.name.find(' '))) {
    s += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  }
  return s;
}

INSTANTIATE_TEST_SUITE_P(Layers, MapperAgreement, ::testing::ValuesIn(cases()), case_name);

}  // namespace
}  // namespace feather
