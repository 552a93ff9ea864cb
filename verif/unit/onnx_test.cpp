// The ONNX importer (feather/onnx/import.hpp) on models built here with the ONNX protobuf API and
// on the models of Debian's ONNX node tests (libonnx-testdata).
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "feather/map/compile.hpp"
#include "feather/net/reference.hpp"
#include "feather/onnx/import.hpp"
#include "feather/top/arrays.hpp"
#include "feather/top/golden.hpp"

namespace feather {
namespace {

namespace fs = std::filesystem;
using onnx_import::load_onnx;

// A model under construction: float tensors, opset 13.
struct Builder {
  onnx::ModelProto m;
  onnx::GraphProto* g;
  explicit Builder(const std::string& name) : g(m.mutable_graph()) {
    m.set_ir_version(8);
    auto* op = m.add_opset_import();
    op->set_domain("");
    op->set_version(13);
    g->set_name(name);
  }
  void input(const std::string& name, const std::vector<std::string>& dims,
             int elem = onnx::TensorProto::FLOAT) {
    auto* v = g->add_input();
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(elem);
    for (const std::string& d : dims) {
      auto* dim = t->mutable_shape()->add_dim();
      if (std::isdigit(static_cast<unsigned char>(d[0]))) {
        dim->set_dim_value(std::stoll(d));
      } else {
        dim->set_dim_param(d);
      }
    }
  }
  void weight(const std::string& name, const std::vector<std::int64_t>& dims) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    std::int64_t n = 1;
    for (auto d : dims) {
      t->add_dims(d);
      n *= d;
    }
    for (std::int64_t i = 0; i < n; ++i) t->add_float_data(1.0f);
  }
  // An integer (INT8 / UINT8) or float initializer with the given values.
  void tensor(const std::string& name, const std::vector<std::int64_t>& dims, int type,
              const std::vector<double>& values) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(type);
    for (auto d : dims) t->add_dims(d);
    for (const double v : values) {
      if (type == onnx::TensorProto::FLOAT) {
        t->add_float_data(static_cast<float>(v));
      } else if (type == onnx::TensorProto::INT64) {
        t->add_int64_data(static_cast<std::int64_t>(v));
      } else {
        t->add_int32_data(static_cast<std::int32_t>(v));
      }
    }
  }
  onnx::NodeProto* node(const std::string& op, const std::string& name,
                        const std::vector<std::string>& in, const std::vector<std::string>& out) {
    auto* n = g->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const auto& i : in) n->add_input(i);
    for (const auto& o : out) n->add_output(o);
    return n;
  }
  static void ints(onnx::NodeProto* n, const std::string& name, std::vector<std::int64_t> v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (auto x : v) a->add_ints(x);
  }
  static void integer(onnx::NodeProto* n, const std::string& name, std::int64_t v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void text(onnx::NodeProto* n, const std::string& name, const std::string& v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(v);
  }
  std::string save(const std::string& output) {
    auto* o = g->add_output();
    o->set_name(output);
    o->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
    // FEATHER_ONNX_MODEL_DIR: where a later test (ctest cli.onnx_model_weights) finds them.
    const char* dir = std::getenv("FEATHER_ONNX_MODEL_DIR");
    const fs::path p = (dir ? fs::path(dir) : fs::temp_directory_path()) / (g->name() + ".onnx");
    std::ofstream f(p, std::ios::binary);
    m.SerializeToOstream(&f);
    return p.string();
  }
};

const map::Layer& layer(const map::Network& n, const std::string& name) {
  const map::Layer* l = n.find(name);
  if (!l) throw std::runtime_error("no layer " + name);
  return *l;
}

TEST(Onnx, ResidualBlockBecomesLayersWithTheirEdges) {
  Builder b("onnx_residual");
  b.input("x", {"batch", "3", "32", "32"});
  b.weight("w1", {16, 3, 3, 3});
  b.weight("w2", {16, 1, 3, 3});
  b.weight("w3", {16, 16, 1, 1});
  b.weight("wfc", {10, 16});
  auto* stem = b.node("Conv", "stem", {"x", "w1"}, {"c1"});
  Builder::ints(stem, "strides", {2, 2});
  Builder::ints(stem, "pads", {1, 1, 1, 1});
  b.node("Relu", "stem_relu", {"c1"}, {"r1"});
  auto* dw = b.node("Conv", "dw", {"r1", "w2"}, {"c2"});
  Builder::integer(dw, "group", 16);
  Builder::text(dw, "auto_pad", "SAME_UPPER");
  b.node("Conv", "pw", {"c2", "w3"}, {"c3"});
  b.node("Add", "res_add", {"c3", "r1"}, {"a"});
  b.node("GlobalAveragePool", "gap", {"a"}, {"p"});
  b.node("Shape", "shape", {"p"}, {"sh"});
  b.node("Flatten", "flat", {"p"}, {"f"});
  Builder::integer(b.node("Gemm", "fc", {"f", "wfc"}, {"y"}), "transB", 1);
  const onnx_import::OnnxNetwork on = load_onnx(b.save("y"));
  const map::Network& n = on.net;
  EXPECT_EQ(n.name, "onnx_residual");
  ASSERT_EQ(n.layers.size(), 8u) << "the Shape node is folded away";
  ASSERT_EQ(on.warnings.size(), 1u);
  EXPECT_NE(on.warnings[0].find("'batch'"), std::string::npos) << on.warnings[0];
  const map::Layer& s = layer(n, "stem");
  EXPECT_EQ(s.shape_string(), "conv 32x32x3 -> 16 k3x3 s2 p1");
  const map::Layer& d = layer(n, "dw");
  EXPECT_EQ(d.op, "dwconv");
  EXPECT_EQ(d.groups, 16);
  EXPECT_EQ(d.pad_h, 1) << "SAME_UPPER with a 3x3 kernel at stride 1 pads 1 on each side";
  EXPECT_EQ(layer(n, "res_add").inputs, (std::vector<std::string>{"pw", "stem_relu"}));
  EXPECT_EQ(layer(n, "res_add").kind, map::OpKind::kOther);
  EXPECT_EQ(layer(n, "res_add").c, 16);
  EXPECT_EQ(layer(n, "res_add").h, 16);
  const map::Layer& fc = layer(n, "fc");
  EXPECT_EQ(fc.kind, map::OpKind::kGemm);
  EXPECT_EQ(fc.m, 1);
  EXPECT_EQ(fc.k, 16);
  EXPECT_EQ(fc.n, 10);
  EXPECT_EQ(fc.inputs, std::vector<std::string>{"flat"});
  // 16x16 outputs: stem 16 x 27, dw 16 x 9, pw 16 x 16; fc 16 x 10.
  EXPECT_EQ(n.total_macs(), 256u * 16 * 27 + 256u * 16 * 9 + 256u * 16 * 16 + 160u);
}

TEST(Onnx, AttentionMatMulsAreProductsOfActivations) {
  Builder b("onnx_attention");
  b.input("q", {"12", "128", "64"});
  b.input("k", {"12", "64", "128"});
  b.weight("wo", {128, 64});
  b.node("MatMul", "qk", {"q", "k"}, {"s"});
  b.node("Softmax", "sm", {"s"}, {"p"});
  b.node("MatMul", "proj", {"p", "wo"}, {"y"});
  const map::Network n = load_onnx(b.save("y")).net;
  const map::Layer& qk = layer(n, "qk");
  EXPECT_EQ(qk.op, "matmul");
  EXPECT_TRUE(qk.weights_are_activations);
  EXPECT_EQ(qk.count, 12);
  EXPECT_EQ(qk.m, 128);
  EXPECT_EQ(qk.k, 64);
  EXPECT_EQ(qk.n, 128);
  const map::Layer& proj = layer(n, "proj");
  EXPECT_FALSE(proj.weights_are_activations);
  EXPECT_EQ(proj.m, 12 * 128) << "the batch of an activation x weights product is rows";
  EXPECT_EQ(proj.k, 128);
  EXPECT_EQ(proj.n, 64);
}

TEST(Onnx, UnsupportedOperatorsAreNamedOrKeptAtTheUsersChoice) {
  Builder b("onnx_unsupported");
  b.input("x", {"1", "8", "8", "8"});
  b.weight("w", {8, 8, 1, 1});
  b.node("Conv", "c", {"x", "w"}, {"y"});
  b.node("LRN", "norm", {"y"}, {"z"})->add_attribute()->set_name("size");
  b.g->mutable_node(1)->mutable_attribute(0)->set_type(onnx::AttributeProto::INT);
  b.g->mutable_node(1)->mutable_attribute(0)->set_i(3);
  const std::string f = b.save("z");
  try {
    load_onnx(f);
    FAIL() << "an unsupported operator was accepted";
  } catch (const std::invalid_argument& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("node 'norm' (LRN)"), std::string::npos) << m;
    EXPECT_NE(m.find("not supported"), std::string::npos) << m;
  }
  onnx_import::OnnxOptions keep;
  keep.keep_unsupported = true;
  const onnx_import::OnnxNetwork on = load_onnx(f, keep);
  ASSERT_EQ(on.net.layers.size(), 2u);
  EXPECT_EQ(on.net.layers[1].op, "identity");
  EXPECT_EQ(on.net.layers[1].macs(), 0u);
  ASSERT_EQ(on.warnings.size(), 1u);
  EXPECT_NE(on.warnings[0].find("LRN"), std::string::npos);
}

TEST(Onnx, BadModelsAreNamed) {
  const auto message = [](const std::string& file) {
    try {
      load_onnx(file);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message("/nonexistent/model.onnx").find("cannot open"), std::string::npos);
  const fs::path junk = fs::temp_directory_path() / "onnx_junk.onnx";
  std::ofstream(junk) << "not a model";
  EXPECT_NE(message(junk.string()).find("not an ONNX model"), std::string::npos);
  Builder b("onnx_asym");
  b.input("x", {"1", "8", "8", "8"});
  b.weight("w", {8, 8, 3, 3});
  Builder::ints(b.node("Conv", "asym", {"x", "w"}, {"y"}), "pads", {0, 0, 1, 1});
  EXPECT_NE(message(b.save("y")).find("node 'asym' (Conv): asymmetric padding"), std::string::npos)
      << message(b.save("y"));
}

// The model's integer weights, in the layer's order and bytes, for the integer operators and
// for QDQ models (a DequantizeLinear of an int8 initializer); float weights stay seeded.
TEST(Onnx, IntegerWeightsAreTheModels) {
  using TP = onnx::TensorProto;
  Builder b("onnx_int_weights");
  b.input("x", {"1", "4", "6", "6"}, TP::UINT8);
  // ConvInteger: int8 weights [2][4][3][3], all >= 0 with a negative zero point (bytes are
  // decided by the element type, not by the values).
  std::vector<double> w1(72), w2(6), w3(5 * 108);
  for (std::size_t i = 0; i < w1.size(); ++i) w1[i] = static_cast<double>((i * 7) % 50);
  for (std::size_t i = 0; i < w2.size(); ++i) w2[i] = static_cast<double>(i) * 11.0 - 30.0;
  for (std::size_t i = 0; i < w3.size(); ++i) w3[i] = static_cast<double>((i * 13) % 200) - 100;
  b.tensor("w1", {2, 4, 3, 3}, TP::INT8, w1);
  b.tensor("w1_zp", {}, TP::INT8, {-3});
  Builder::ints(b.node("ConvInteger", "ci", {"x", "w1", "", "w1_zp"}, {"y1"}), "pads",
                {1, 1, 1, 1});
  auto* cast = b.node("Cast", "cast", {"y1"}, {"y1f"});
  Builder::integer(cast, "to", TP::FLOAT);
  // QDQ conv: DequantizeLinear(int8 [3][2][1][1], scale, zero point 5) as Conv's weights.
  b.tensor("w2", {3, 2, 1, 1}, TP::INT8, w2);
  b.tensor("w2_s", {}, TP::FLOAT, {0.02});
  b.tensor("w2_zp", {}, TP::INT8, {5});
  b.node("DequantizeLinear", "w2_dq", {"w2", "w2_s", "w2_zp"}, {"w2f"});
  b.node("Conv", "qdq", {"y1f", "w2f"}, {"y2"});
  b.node("Flatten", "flat", {"y2"}, {"f"});
  // QDQ Gemm with transB: B is [N=5][K=108], a uint8 initializer with zero point 128.
  b.tensor("w3", {5, 108}, TP::UINT8, [&] {
    std::vector<double> u;
    for (const double v : w3) u.push_back(v + 128);
    return u;
  }());
  b.tensor("w3_s", {}, TP::FLOAT, {0.01});
  b.tensor("w3_zp", {}, TP::UINT8, {128});
  b.node("DequantizeLinear", "w3_dq", {"w3", "w3_s", "w3_zp"}, {"w3f"});
  Builder::integer(b.node("Gemm", "fc", {"f", "w3f"}, {"y3"}), "transB", 1);
  // A float conv on [1][5][1][1]: seeded weights.
  b.node("Reshape", "rs", {"y3", "shape"}, {"y3r"});
  b.tensor("shape", {4}, TP::INT64, {1, 5, 1, 1});
  b.tensor("w4", {3, 5, 1, 1}, TP::FLOAT, std::vector<double>(15, 0.5));
  b.node("Conv", "float_conv", {"y3r", "w4"}, {"y4"});
  const onnx_import::OnnxNetwork on = load_onnx(b.save("y4"));
  EXPECT_EQ(on.warnings, std::vector<std::string>{});
  ASSERT_EQ(on.weights.size(), 3u) << "the float conv's weights are not the model's integers";
  EXPECT_EQ(on.weights.count("float_conv"), 0u);
  // ConvInteger: [o][c][r][s] -> [o][r][s][c], + 128; the zero point -3 -> 125.
  const net::GivenWeights& g1 = on.weights.at("ci");
  EXPECT_EQ(g1.zp, 125);
  ASSERT_EQ(g1.weights.size(), 72u);
  for (int o = 0; o < 2; ++o)
    for (int c = 0; c < 4; ++c)
      for (int r = 0; r < 3; ++r)
        for (int s = 0; s < 3; ++s)
          ASSERT_EQ(g1.weights[static_cast<std::size_t>(((o * 3 + r) * 3 + s) * 4 + c)],
                    w1[static_cast<std::size_t>(((o * 4 + c) * 3 + r) * 3 + s)] + 128)
              << o << c << r << s;
  const net::GivenWeights& g2 = on.weights.at("qdq");
  EXPECT_EQ(g2.zp, 133);
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(g2.weights[i], w2[i] + 128);
  // Gemm transB: [n][k] -> [k][n]; uint8 as is.
  const net::GivenWeights& g3 = on.weights.at("fc");
  EXPECT_EQ(g3.zp, 128);
  for (int k = 0; k < 108; ++k)
    for (int n = 0; n < 5; ++n)
      ASSERT_EQ(g3.weights[static_cast<std::size_t>(k * 5 + n)],
                w3[static_cast<std::size_t>(n * 108 + k)] + 128);
  // The whole-network quantization takes them; the reference evaluates the network.
  const net::Quantization q = net::random_quantization(on.net, 7, on.weights);
  for (const auto& [name, g] : on.weights) {
    EXPECT_EQ(q.at(name).weights, g.weights) << name;
    EXPECT_EQ(q.at(name).w_zp, g.zp) << name;
  }
  const net::Results r = net::evaluate(on.net, q, net::random_input(on.net, q, 7));
  EXPECT_EQ(r.output().shape.c, 3);
  // Weights that do not fit, or name a layer without weights, are refused by name.
  net::WeightMap bad = on.weights;
  bad.at("qdq").weights.pop_back();
  EXPECT_THROW(net::random_quantization(on.net, 7, bad), net::NetError);
  bad = {{"flat", {}}};
  EXPECT_THROW(net::random_quantization(on.net, 7, bad), net::NetError);
}

// Per-channel weight zero points that differ have no form on FEATHER (one per layer): the layer
// gets seeded weights, and a warning says so.
TEST(Onnx, PerChannelZeroPointsThatDifferAreSeededWithAWarning) {
  using TP = onnx::TensorProto;
  Builder b("onnx_per_channel");
  b.input("x", {"1", "2", "4", "4"});
  b.tensor("w", {2, 2, 1, 1}, TP::INT8, {1, 2, 3, 4});
  b.tensor("w_s", {2}, TP::FLOAT, {0.1, 0.2});
  b.tensor("w_zp", {2}, TP::INT8, {0, 1});
  Builder::integer(b.node("DequantizeLinear", "w_dq", {"w", "w_s", "w_zp"}, {"wf"}), "axis", 0);
  b.node("Conv", "conv", {"x", "wf"}, {"y"});
  const onnx_import::OnnxNetwork on = load_onnx(b.save("y"));
  EXPECT_TRUE(on.weights.empty());
  ASSERT_EQ(on.warnings.size(), 1u);
  EXPECT_NE(on.warnings[0].find("layer 'conv': per-channel weight zero points"), std::string::npos)
      << on.warnings[0];
}

// Debian's ONNX node tests: the integer and quantized layers become layers of their shapes.
TEST(Onnx, IntegerAndQuantizedNodeTestsImport) {
  const fs::path data = "/usr/share/libonnx-testdata/data/node";
  if (!fs::exists(data)) GTEST_SKIP() << data << " missing (make deps: libonnx-testdata)";
  const map::Network ci =
      load_onnx((data / "test_convinteger_with_padding/model.onnx").string()).net;
  ASSERT_EQ(ci.layers.size(), 1u);
  EXPECT_EQ(ci.layers[0].shape_string(), "conv 3x3x1 -> 1 k2x2 s1 p1");
  const map::Network mi = load_onnx((data / "test_matmulinteger/model.onnx").string()).net;
  ASSERT_EQ(mi.layers.size(), 1u);
  EXPECT_EQ(mi.layers[0].kind, map::OpKind::kGemm);
  EXPECT_EQ(mi.layers[0].m, 4);
  EXPECT_EQ(mi.layers[0].k, 3);
  EXPECT_EQ(mi.layers[0].n, 2);
  const map::Network qc = load_onnx((data / "test_qlinearconv/model.onnx").string()).net;
  ASSERT_EQ(qc.layers.size(), 1u);
  EXPECT_EQ(qc.layers[0].shape_string(), "conv 7x7x1 -> 1 k1x1 s1 p0");
  const onnx_import::Tensor x =
      onnx_import::load_tensor((data / "test_matmulinteger/test_data_set_0/input_0.pb").string());
  EXPECT_EQ(x.dims, (std::vector<std::int64_t>{4, 3}));
  EXPECT_EQ(x.ints.size(), 12u);
  EXPECT_THROW(onnx_import::load_tensor((data / "test_matmulinteger/model.onnx").string()),
               std::invalid_argument);
}

// The integer and quantized node tests through the layer flow on the golden model: the
// compiled program's output bytes are ONNX's expected outputs (the RTL run of the same is the
// ctest cli.onnx_node_tests).
TEST(Onnx, NodeTestsRunBitExactOnTheGoldenModel) {
  const fs::path data = "/usr/share/libonnx-testdata/data/node";
  if (!fs::exists(data)) GTEST_SKIP() << data << " missing (make deps: libonnx-testdata)";
  const top::TopParams& p = top::find_named_array(4, 4)->params;
  for (const char* name : {"test_basic_convinteger", "test_convinteger_with_padding",
                           "test_convinteger_without_padding", "test_matmulinteger",
                           "test_qlinearconv", "test_qlinearmatmul_2D"}) {
    SCOPED_TRACE(name);
    const onnx_import::NodeTest t = onnx_import::load_node_test((data / name).string());
    const map::CompiledLayer c = map::compile_layer(p, t.layer, t.operands());
    EXPECT_EQ(onnx_import::node_test_mismatches(t, c.expected), "") << "the reference";
    top::Golden gold(p);
    top::Memory mem = c.program.memory;
    ASSERT_EQ(gold.run(c.program.instrs, mem).err, top::Err::kNone) << gold.err_detail();
    std::vector<std::uint8_t> out = map::read_output(p, c, mem);
    EXPECT_EQ(onnx_import::node_test_mismatches(t, out), "");
    out.back() ^= 1;  // the check itself sees a wrong byte
    EXPECT_NE(onnx_import::node_test_mismatches(t, out), "");
  }
}

TEST(Onnx, NodeTestsOutsideTheFlowAreRefusedByName) {
  const fs::path data = "/usr/share/libonnx-testdata/data/node";
  if (!fs::exists(data)) GTEST_SKIP() << data << " missing (make deps: libonnx-testdata)";
  try {
    onnx_import::load_node_test((data / "test_relu").string());
    FAIL() << "a Relu node test was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("test_relu"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace feather
