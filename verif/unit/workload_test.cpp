// Workload descriptions (sw/include/feather/map/workload.hpp, docs/workloads.md): the built-in
// networks against the published MAC counts and their graphs, the own format's rules and
// defaults, Timeloop problem files, and one test per kind of bad input checking that the message
// names the file, the line and the field.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "feather/map/workload.hpp"

namespace feather::map {
namespace {

namespace fs = std::filesystem;

// sw/networks/timeloop in the source tree (FEATHER_SOURCE_DIR: set by verif/CMakeLists.txt;
// __FILE__ is relative to the build tree under ccache's base-directory rewriting).
fs::path timeloop_dir() { return fs::path(FEATHER_SOURCE_DIR) / "sw" / "networks" / "timeloop"; }

// The message of the WorkloadError parsing `text` throws ("(accepted)" if it parses).
std::string error_of(const std::string& text, const std::string& file = "bad.yaml") {
  try {
    parse_network(text, file);
  } catch (const WorkloadError& e) {
    return e.what();
  }
  return "(accepted)";
}

// The message starts with file:line and names the field.
void expect_error(const std::string& text, int line, const std::string& field,
                  const std::string& also = "") {
  const std::string msg = error_of(text);
  SCOPED_TRACE(text);
  EXPECT_EQ(msg.rfind("bad.yaml:" + std::to_string(line) + ": ", 0), 0u) << msg;
  if (!field.empty()) {
    EXPECT_NE(msg.find("field '" + field + "'"), std::string::npos) << msg;
  }
  if (!also.empty()) {
    EXPECT_NE(msg.find(also), std::string::npos) << msg;
  }
}

// The producers of a layer: its `inputs`, or the previous layer when they are empty.
std::vector<std::string> producers(const Network& net, const std::string& name) {
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    if (net.layers[i].name != name) continue;
    if (!net.layers[i].inputs.empty()) return net.layers[i].inputs;
    if (i == 0) return {};
    return {net.layers[i - 1].name};
  }
  ADD_FAILURE() << "no layer " << name;
  return {};
}

int count_kind(const Network& net, OpKind kind) {
  int n = 0;
  for (const Layer& l : net.layers) n += l.kind == kind ? 1 : 0;
  return n;
}

int count_op(const Network& net, const std::string& op) {
  int n = 0;
  for (const Layer& l : net.layers) n += l.op == op ? 1 : 0;
  return n;
}

// Every `inputs` entry names an earlier layer; every layer but the first is consumed by some
// later layer (or is the last), so the graph has one input and one output.
void expect_graph(const Network& net) {
  std::set<std::string> seen, consumed;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    for (const std::string& in : l.inputs) {
      EXPECT_TRUE(seen.count(in)) << l.name << " <- " << in;
      EXPECT_NE(net.find(in), nullptr) << in;
      consumed.insert(in);
    }
    if (l.inputs.empty() && i > 0) consumed.insert(net.layers[i - 1].name);
    seen.insert(l.name);
  }
  for (std::size_t i = 0; i + 1 < net.layers.size(); ++i) {
    EXPECT_TRUE(consumed.count(net.layers[i].name)) << net.layers[i].name << " is a dead end";
  }
}

// A conv/gemm layer fed by one conv layer reads that layer's output tensor (ho x wo x k), and
// a kOther layer that gives its shape matches its first producer's output.
void expect_shapes_chain(const Network& net) {
  for (std::size_t i = 1; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    const Layer& p = l.inputs.empty() ? net.layers[i - 1] : *net.find(l.inputs[0]);
    if (l.kind == OpKind::kConv && p.kind != OpKind::kGemm) {
      EXPECT_EQ(l.h, p.ho()) << l.name << " after " << p.name;
      EXPECT_EQ(l.w, p.wo()) << l.name << " after " << p.name;
      EXPECT_EQ(l.c, p.kind == OpKind::kConv ? p.co : p.c) << l.name << " after " << p.name;
    }
    if (l.kind == OpKind::kGemm && l.op == "fc" && p.kind != OpKind::kGemm) {
      EXPECT_EQ(l.k, p.kind == OpKind::kConv ? p.co : p.c) << l.name << " after " << p.name;
    }
    if (l.kind == OpKind::kOther && l.op != "avgpool" && l.op != "maxpool" &&
        p.kind == OpKind::kConv) {
      EXPECT_EQ(l.h, p.ho()) << l.name << " after " << p.name;
      EXPECT_EQ(l.c, p.co) << l.name << " after " << p.name;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Built-in networks

TEST(WorkloadBuiltin, Names) {
  EXPECT_EQ(builtin_networks(),
            (std::vector<std::string>{"bert_base", "mobilenet_v3_large", "resnet50"}));
  for (const std::string& name : builtin_networks()) {
    const Network net = builtin_network(name);
    EXPECT_EQ(net.name, name);
    EXPECT_EQ(net.file, "sw/networks/" + name + ".yaml");
    EXPECT_NO_THROW(net.validate());
    EXPECT_EQ(find_network(name).total_macs(), net.total_macs());
  }
  try {
    builtin_network("resnet18");
    ADD_FAILURE() << "resnet18 accepted";
  } catch (const WorkloadError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("resnet18"), std::string::npos) << msg;
    EXPECT_NE(msg.find("bert_base, mobilenet_v3_large, resnet50"), std::string::npos) << msg;
  }
}

TEST(WorkloadBuiltin, ResNet50) {
  const Network net = builtin_network("resnet50");
  std::cout << "resnet50: " << net.total_macs() << " MACs, " << net.layers.size() << " layers\n";
  EXPECT_NEAR(static_cast<double>(net.total_macs()), 4.09e9, 0.01 * 4.09e9);
  EXPECT_EQ(net.total_macs(), 4089184256u);  // exact for this description
  EXPECT_EQ(count_op(net, "conv"), 53);
  EXPECT_EQ(count_op(net, "fc"), 1);
  EXPECT_EQ(count_kind(net, OpKind::kConv), 53);
  EXPECT_EQ(count_kind(net, OpKind::kGemm), 1);
  EXPECT_EQ(count_op(net, "add"), 16);
  expect_graph(net);
  expect_shapes_chain(net);

  const Layer* conv1 = net.find("conv1");
  ASSERT_NE(conv1, nullptr);
  EXPECT_EQ(conv1->shape_string(), "conv 224x224x3 -> 64 k7x7 s2 p3");
  EXPECT_EQ(conv1->ho(), 112);
  EXPECT_EQ(conv1->macs(), 118013952u);
  const Layer* c2 = net.find("layer1.0.conv2");
  ASSERT_NE(c2, nullptr);
  EXPECT_EQ(c2->shape_string(), "conv 56x56x64 -> 64 k3x3 s1 p1");
  const GemmShape g = c2->as_gemm();
  EXPECT_EQ(g.groups, 1u);
  EXPECT_EQ(g.m, 56u * 56u);
  EXPECT_EQ(g.k, 9u * 64u);
  EXPECT_EQ(g.n, 64u);
  // v1.5: the stride is on the 3x3 conv of a stage's first block, and on its projection.
  const Layer* l2 = net.find("layer2.0.conv2");
  ASSERT_NE(l2, nullptr);
  EXPECT_EQ(l2->shape_string(), "conv 56x56x128 -> 128 k3x3 s2 p1");
  EXPECT_EQ(l2->ho(), 28);
  EXPECT_EQ(net.find("layer2.0.conv1")->stride_h, 1);
  const Layer* ds = net.find("layer4.0.downsample");
  ASSERT_NE(ds, nullptr);
  EXPECT_EQ(ds->shape_string(), "conv 14x14x1024 -> 2048 k1x1 s2 p0");
  EXPECT_EQ(ds->inputs, (std::vector<std::string>{"layer3.5.add"}));
  EXPECT_EQ(net.find("layer4.0.add")->inputs,
            (std::vector<std::string>{"layer4.0.conv3", "layer4.0.downsample"}));
  EXPECT_EQ(net.find("layer3.2.add")->inputs,
            (std::vector<std::string>{"layer3.2.conv3", "layer3.1.add"}));
  const Layer* fc = net.find("fc");
  ASSERT_NE(fc, nullptr);
  EXPECT_EQ(fc->shape_string(), "fc 1x2048x1000");
  EXPECT_EQ(fc->macs(), 2048000u);
  EXPECT_EQ(net.find("maxpool")->kind, OpKind::kOther);
  EXPECT_EQ(net.find("maxpool")->macs(), 0u);
}

TEST(WorkloadBuiltin, MobileNetV3Large) {
  const Network net = builtin_network("mobilenet_v3_large");
  std::cout << "mobilenet_v3_large: " << net.total_macs() << " MACs, " << net.layers.size()
            << " layers\n";
  EXPECT_NEAR(static_cast<double>(net.total_macs()), 219e6, 0.03 * 219e6);
  EXPECT_EQ(count_op(net, "dwconv"), 15);
  // stem, 14 expansions (not bneck1: exp = in), 15 projections, the last 1x1.
  EXPECT_EQ(count_op(net, "conv"), 1 + 14 + 15 + 1);
  EXPECT_EQ(count_op(net, "mul"), 8);  // the SE blocks
  EXPECT_EQ(count_op(net, "fc"), 2 * 8 + 2);
  EXPECT_EQ(count_op(net, "add"), 10);  // in = out, stride 1
  expect_graph(net);
  expect_shapes_chain(net);

  const Layer* dw = net.find("bneck4.dw");
  ASSERT_NE(dw, nullptr);
  EXPECT_EQ(dw->shape_string(), "dwconv 56x56x72 -> 72 k5x5 s2 p2 g72");
  EXPECT_EQ(dw->ho(), 28);
  const GemmShape g = dw->as_gemm();
  EXPECT_EQ(g.groups, 72u);
  EXPECT_EQ(g.m, 28u * 28u);
  EXPECT_EQ(g.k, 25u);
  EXPECT_EQ(g.n, 1u);
  EXPECT_EQ(dw->macs(), 28u * 28u * 25u * 72u);
  // Squeeze-excite: _make_divisible(72 / 4, 8) = 24, _make_divisible(672 / 4, 8) = 168.
  EXPECT_EQ(net.find("bneck4.se.fc1")->shape_string(), "fc 1x72x24");
  EXPECT_EQ(net.find("bneck12.se.fc1")->shape_string(), "fc 1x672x168");
  EXPECT_EQ(net.find("bneck4.se.mul")->inputs,
            (std::vector<std::string>{"bneck4.dw", "bneck4.se.fc2"}));
  EXPECT_EQ(producers(net, "bneck4.project"), (std::vector<std::string>{"bneck4.se.mul"}));
  EXPECT_TRUE(net.find("bneck4.project")->inputs.empty());  // the previous layer
  EXPECT_EQ(net.find("bneck15.add")->inputs,
            (std::vector<std::string>{"bneck15.project", "bneck14.add"}));
  EXPECT_EQ(net.find("bneck1.add")->inputs, (std::vector<std::string>{"bneck1.project", "stem"}));
  EXPECT_EQ(net.find("bneck1.expand"), nullptr);
  EXPECT_EQ(net.find("last_conv")->shape_string(), "conv 7x7x160 -> 960 k1x1 s1 p0");
  EXPECT_EQ(net.find("classifier.fc1")->shape_string(), "fc 1x960x1280");
  EXPECT_EQ(net.find("classifier.fc2")->shape_string(), "fc 1x1280x1000");
}

TEST(WorkloadBuiltin, BertBase) {
  const Network net = builtin_network("bert_base");
  // The closed form: per layer 4 projections S*D*D, FFN 2*S*D*F, per head S*(D/H)*S + S*S*(D/H).
  const std::uint64_t S = 128, D = 768, H = 12, F = 3072, L = 12;
  const std::uint64_t weights = L * (4 * S * D * D + 2 * S * D * F);
  const std::uint64_t attention = L * H * (S * (D / H) * S + S * S * (D / H));
  std::cout << "bert_base: " << net.total_macs() << " MACs (" << weights << " in weight GEMMs, "
            << attention << " in attention matmuls), " << net.layers.size() << " layers\n";
  EXPECT_EQ(weights, 10871635968u);
  EXPECT_EQ(net.total_macs(), weights + attention);
  EXPECT_EQ(net.total_macs(), 11173625856u);
  std::uint64_t act = 0;
  for (const Layer& l : net.layers) act += l.weights_are_activations ? l.total_macs() : 0;
  EXPECT_EQ(act, attention);
  EXPECT_EQ(count_op(net, "gemm"), 6 * 12);
  EXPECT_EQ(count_op(net, "matmul"), 2 * 12);
  expect_graph(net);

  const Layer* q = net.find("enc0.q");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->shape_string(), "gemm 128x768x768");
  EXPECT_EQ(producers(net, "enc0.q"), (std::vector<std::string>{"embeddings"}));
  EXPECT_EQ(net.find("enc0.k")->inputs, (std::vector<std::string>{"embeddings"}));
  const Layer* scores = net.find("enc5.scores");
  ASSERT_NE(scores, nullptr);
  EXPECT_EQ(scores->shape_string(), "matmul 128x64x128 act x12");
  EXPECT_EQ(scores->count, 12);
  EXPECT_TRUE(scores->weights_are_activations);
  EXPECT_EQ(scores->macs(), 128u * 64u * 128u);
  EXPECT_EQ(scores->total_macs(), 12u * 128u * 64u * 128u);
  EXPECT_EQ(scores->inputs, (std::vector<std::string>{"enc5.q", "enc5.k"}));
  EXPECT_EQ(net.find("enc5.context")->shape_string(), "matmul 128x128x64 act x12");
  EXPECT_EQ(net.find("enc5.context")->inputs, (std::vector<std::string>{"enc5.softmax", "enc5.v"}));
  EXPECT_EQ(net.find("enc11.ffn1")->shape_string(), "gemm 128x768x3072");
  EXPECT_EQ(net.find("enc11.ffn2")->shape_string(), "gemm 128x3072x768");
  EXPECT_EQ(producers(net, "enc11.q"), (std::vector<std::string>{"enc10.ln2"}));
  EXPECT_EQ(producers(net, "enc11.v"), (std::vector<std::string>{"enc10.ln2"}));
  EXPECT_EQ(net.find("enc3.add1")->inputs, (std::vector<std::string>{"enc3.attn_out", "enc2.ln2"}));
}

// ---------------------------------------------------------------------------------------------
// The own format: defaults and rules

TEST(WorkloadParse, DefaultsAndAliases) {
  const Network net = parse_network(R"(network: t
layers:
  - {name: a, op: conv, h: 9, c: 4, k: 8, r: 3, stride: 2, pad: 1, stride_w: 1}
  - {name: b, op: conv, h: 5, w: 9, c: 8, k: 4, r: 3, s: 1, dilation: 2, dil_w: 1, groups: 2}
  - {name: c, op: dwconv, h: 5, w: 9, c: 4, r: 3, pad_h: 2}
  - {name: d, op: fc, gk: 4, gn: 10}
  - {name: e, op: gemm, gm: 3, gk: 4, gn: 5, count: 7, inputs: a}
  - {name: f, op: matmul, gm: 3, gk: 4, gn: 5, weights_are_activations: true, inputs: [d, e]}
  - {name: g, op: add, inputs: [f, e]}
  - {name: h, op: avgpool, h: 1, w: 1, c: 4}
)",
                                    "t.yaml");
  ASSERT_EQ(net.layers.size(), 8u);
  const Layer& a = net.layers[0];
  EXPECT_EQ(a.kind, OpKind::kConv);
  EXPECT_EQ(a.w, 9);  // w defaults to h
  EXPECT_EQ(a.s, 3);  // s defaults to r
  EXPECT_EQ(a.stride_h, 2);
  EXPECT_EQ(a.stride_w, 1);  // stride_w overrides stride
  EXPECT_EQ(a.pad_h, 1);
  EXPECT_EQ(a.pad_w, 1);
  EXPECT_EQ(a.ho(), 5);
  EXPECT_EQ(a.wo(), 9);
  EXPECT_EQ(a.line, 3);
  EXPECT_EQ(a.file, "t.yaml");
  EXPECT_TRUE(a.inputs.empty());
  EXPECT_EQ(a.shape_string(), "conv 9x9x4 -> 8 k3x3 s2x1 p1");
  const Layer& b = net.layers[1];
  EXPECT_EQ(b.dil_h, 2);
  EXPECT_EQ(b.dil_w, 1);
  EXPECT_EQ(b.ho(), 1);
  EXPECT_EQ(b.wo(), 9);
  EXPECT_EQ(b.as_gemm().groups, 2u);
  EXPECT_EQ(b.as_gemm().k, 3u * 1u * 4u);
  EXPECT_EQ(b.as_gemm().n, 2u);
  EXPECT_EQ(b.shape_string(), "conv 5x9x8 -> 4 k3x1 s1 p0 d2x1 g2");
  const Layer& c = net.layers[2];
  EXPECT_EQ(c.groups, 4);
  EXPECT_EQ(c.co, 4);
  EXPECT_EQ(c.pad_h, 2);
  EXPECT_EQ(c.pad_w, 0);
  EXPECT_EQ(c.ho(), 7);
  EXPECT_EQ(c.wo(), 7);
  EXPECT_EQ(c.macs(), 7u * 7u * 9u * 4u);
  const Layer& d = net.layers[3];
  EXPECT_EQ(d.kind, OpKind::kGemm);
  EXPECT_EQ(d.m, 1);
  EXPECT_EQ(d.macs(), 40u);
  const Layer& e = net.layers[4];
  EXPECT_EQ(e.count, 7);
  EXPECT_EQ(e.macs(), 60u);
  EXPECT_EQ(e.total_macs(), 420u);
  EXPECT_EQ(e.inputs, (std::vector<std::string>{"a"}));
  EXPECT_FALSE(e.weights_are_activations);
  EXPECT_TRUE(net.layers[5].weights_are_activations);
  EXPECT_EQ(net.layers[6].kind, OpKind::kOther);
  EXPECT_EQ(net.layers[6].macs(), 0u);
  EXPECT_EQ(net.layers[6].shape_string(), "add");
  EXPECT_EQ(net.layers[7].shape_string(), "avgpool 1x1x4");
  EXPECT_EQ(net.total_macs(), a.macs() + b.macs() + c.macs() + 40u + 420u + 60u);
}

TEST(WorkloadParse, JsonAndNameFromFile) {
  const Network net = parse_network(
      R"({"layers": [{"name": "x", "op": "conv", "h": 4, "w": 4, "c": 2, "k": 2, "r": 1},
                     {"name": "y", "op": "gemm", "gm": 2, "gk": 2, "gn": 2,
                      "weights_are_activations": false, "inputs": ["x"]}]})",
      "dir/my_net.json");
  EXPECT_EQ(net.name, "my_net");
  EXPECT_EQ(net.file, "dir/my_net.json");
  ASSERT_EQ(net.layers.size(), 2u);
  EXPECT_EQ(net.layers[0].macs(), 4u * 4u * 2u * 2u);
  EXPECT_EQ(net.layers[1].inputs, (std::vector<std::string>{"x"}));
}

TEST(WorkloadParse, LoadAndFind) {
  const fs::path dir = fs::temp_directory_path() / "feather_workload_test";
  fs::create_directories(dir);
  const fs::path file = dir / "tiny.yaml";
  {
    std::ofstream out(file);
    out << "layers:\n  - {name: one, op: fc, gk: 3, gn: 5}\n";
  }
  const Network net = load_network(file.string());
  EXPECT_EQ(net.name, "tiny");
  EXPECT_EQ(net.total_macs(), 15u);
  EXPECT_EQ(find_network(file.string()).total_macs(), 15u);
  try {
    load_network((dir / "missing.yaml").string());
    ADD_FAILURE() << "missing file accepted";
  } catch (const WorkloadError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.yaml: cannot read"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(load_network(dir.string()), WorkloadError);
  EXPECT_THROW(find_network("no_such_net"), WorkloadError);       // a builtin name
  EXPECT_THROW(find_network("no_such_net.yaml"), WorkloadError);  // a path
  fs::remove_all(dir);
}

TEST(WorkloadParse, ValidateProgrammaticLayers) {
  Layer l;
  l.name = "x";
  l.op = "conv";
  l.h = l.w = 8;
  l.c = 6;
  l.co = 4;
  l.r = l.s = 3;
  l.file = "prog";
  l.line = 5;
  EXPECT_NO_THROW(l.validate());
  l.groups = 4;
  try {
    l.validate();
    ADD_FAILURE() << "groups 4 with c 6 accepted";
  } catch (const WorkloadError& e) {
    EXPECT_STREQ(e.what(), "prog:5: layer 'x': field 'groups': 4 does not divide c = 6");
  }
  l.groups = 1;
  l.stride_h = 0;
  EXPECT_EQ(l.ho(), 0);  // not undefined
  EXPECT_THROW(l.validate(), WorkloadError);
  l.stride_h = 1;
  l.op = "gemm";  // not a conv op
  EXPECT_THROW(l.validate(), WorkloadError);
  {
    // A layer built in code (no file) names its members; one from a file, the file's keys.
    Layer g = Layer::gemm("g", 4, 0, 2);
    try {
      g.validate();
      ADD_FAILURE() << "k = 0 accepted";
    } catch (const WorkloadError& e) {
      EXPECT_NE(std::string(e.what()).find("layer 'g': field 'k': must be a positive integer"),
                std::string::npos)
          << e.what();
    }
    Layer c = Layer::conv("c", 8, 8, 6, 0, 3);
    try {
      c.validate();
      ADD_FAILURE() << "co = 0 accepted";
    } catch (const WorkloadError& e) {
      EXPECT_NE(std::string(e.what()).find("field 'co'"), std::string::npos) << e.what();
    }
    EXPECT_EQ(Layer::conv("d", 8, 8, 6, 6, 3, 1, 1, 1, 6).op, "dwconv");
    EXPECT_EQ(Layer::conv("d", 8, 8, 6, 6, 3, 2, 1).as_gemm().m, 16u);
  }
  Network net;
  net.layers = {l, l};
  net.layers[0].op = net.layers[1].op = "conv";
  EXPECT_THROW(net.validate(), WorkloadError);  // duplicate name
  net.layers[1].name = "y";
  net.layers[1].inputs = {"z"};
  EXPECT_THROW(net.validate(), WorkloadError);  // unknown input
  net.layers[1].inputs = {"x"};
  EXPECT_NO_THROW(net.validate());
}

// ---------------------------------------------------------------------------------------------
// Errors: file, line and field in every message

TEST(WorkloadErrors, MissingField) {
  expect_error("layers:\n  - {name: a, op: conv, h: 8, c: 3, r: 3}\n", 2, "k", "missing");
  expect_error("layers:\n  - {name: a, op: gemm, gk: 8, gn: 3}\n", 2, "gm", "missing");
  expect_error("layers:\n  - {op: add}\n", 2, "name", "missing");
  expect_error("layers:\n  - name: a\n    h: 3\n", 2, "op", "missing");
  expect_error("network: x\n", 1, "layers", "missing");
}

TEST(WorkloadErrors, NegativeOrZeroSize) {
  // The brief's example message, exactly.
  const std::string text =
      "layers:\n  - {name: l1.0.conv2, op: conv, h: 56, w: 56, c: 64,\n     k: -3, r: 3}\n";
  EXPECT_EQ(error_of(text, "resnet50.yaml"),
            "resnet50.yaml:3: layer 'l1.0.conv2': field 'k': must be a positive integer, got -3");
  expect_error("layers:\n  - name: a\n    op: conv\n    h: 0\n    c: 3\n    k: 4\n    r: 1\n", 4,
               "h", "positive integer, got 0");
  expect_error("layers:\n  - {name: a, op: conv, h: 4, c: 3, k: 4, r: 1, pad: -1}\n", 2, "pad",
               "non-negative integer, got -1");
  expect_error("layers:\n  - {name: a, op: fc, gk: 4, gn: 2.5}\n", 2, "gn", "got 2.5");
  expect_error("layers:\n  - {name: a, op: fc, gk: [4], gn: 2}\n", 2, "gk", "got a sequence");
  expect_error("layers:\n  - {name: a, op: fc, gk: 3000000000, gn: 2}\n", 2, "gk", "fits int");
  expect_error("layers:\n  - {name: a, op: fc, gk: 3, gn: 2, count: 0}\n", 2, "count");
  // The output would be empty: the kernel does not fit the padded input.
  expect_error("layers:\n  - {name: a, op: conv, h: 4, c: 3, k: 4, r: 7, pad: 1}\n", 2, "r",
               "exceeds the padded input");
}

TEST(WorkloadErrors, UnknownOp) {
  const std::string msg = error_of("layers:\n  - {name: a, op: deconv, h: 4}\n");
  EXPECT_EQ(msg.rfind("bad.yaml:2: layer 'a': field 'op': unknown op 'deconv' (known ops: conv, "
                      "dwconv, fc, gemm, matmul, add",
                      0),
            0u)
      << msg;
  expect_error("layers:\n  - {name: a, op: [conv]}\n", 2, "op");
}

TEST(WorkloadErrors, UnknownKey) {
  expect_error("layers:\n  - {name: a, op: conv, h: 4, c: 3, k: 4, r: 1,\n     strde: 2}\n", 3,
               "strde", "unknown field");
  expect_error("layers:\n  - {name: a, op: conv, h: 4, c: 3, k: 4, r: 1, gm: 2}\n", 2, "gm",
               "not a field of this op");
  expect_error("layers:\n  - {name: a, op: dwconv, h: 4, c: 3, r: 1, groups: 3}\n", 2, "groups",
               "not a field of this op");
  expect_error("network: x\nlayer:\n  - {name: a, op: add}\n", 2, "layer",
               "unknown top-level field");
  expect_error("layers:\n  - {name: a, op: add, h: 3, h: 4}\n", 2, "h", "given twice");
}

TEST(WorkloadErrors, Overflow) {
  // 2^31-1 cubed overflows 64 bits in the MACs.
  expect_error(
      "layers:\n  - {name: a, op: gemm, gm: 2147483647, gk: 2147483647,\n"
      "     gn: 2147483647}\n",
      3, "gn", "overflow");
  expect_error(
      "layers:\n  - {name: a, op: gemm, gm: 2147483647, gk: 2147483647, gn: 2,\n"
      "     count: 2147483647}\n",
      3, "count", "overflow");
  // n*ho*wo: 2^31 x (3*2^31)^2 overflows; so does the output height alone (fits no int).
  expect_error(
      "layers:\n  - {name: a, op: conv, h: 2147483647, c: 1, k: 1, r: 1,\n"
      "     pad: 2147483647}\n",
      3, "pad", "does not fit int");
  expect_error(
      "layers:\n  - {name: a, op: conv, n: 2147483647, h: 2147483647, c: 1, k: 1,\n"
      "     r: 1}\n",
      2, "h", "overflows 64 bits");
  expect_error(
      "layers:\n  - {name: a, op: conv, h: 1, c: 2147483647, k: 1,\n"
      "     r: 2147483647, pad: 1073741823}\n",
      2, "c", "overflows 64 bits");
  // Each layer fits, the network's sum does not.
  std::string many = "layers:\n";
  for (int i = 0; i < 2; ++i) {
    many +=
        "  - {name: g" + std::to_string(i) + ", op: gemm, gm: 2147483647, gk: 2147483647, gn: 3}\n";
  }
  const std::string msg = error_of(many);
  EXPECT_NE(msg.find("bad.yaml:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("overflow"), std::string::npos) << msg;
}

TEST(WorkloadErrors, BadGroups) {
  expect_error("layers:\n  - {name: a, op: conv, h: 4, c: 6, k: 4,\n     r: 1, groups: 4}\n", 3,
               "groups", "does not divide c = 6");
  expect_error("layers:\n  - {name: a, op: conv, h: 4, c: 8, k: 6, r: 1, groups: 4}\n", 2, "groups",
               "does not divide k = 6");
  expect_error("layers:\n  - {name: a, op: conv, h: 4, c: 8, k: 6, r: 1, groups: 0}\n", 2, "groups",
               "positive");
  expect_error("layers:\n  - {name: a, op: dwconv, h: 4, c: 8, k: 12, r: 1}\n", 2, "c",
               "does not divide k = 12");
}

TEST(WorkloadErrors, BadYamlSyntax) {
  const std::string msg = error_of("layers:\n  - {name: a, op: add\n  - {name: b}\n");
  EXPECT_EQ(msg.rfind("bad.yaml:", 0), 0u) << msg;
  EXPECT_NE(msg.find("malformed YAML"), std::string::npos) << msg;
  expect_error("layers:\n  - [name, a]\n", 2, "", "must be a map");  // field "" not named
  const std::string empty = error_of("");
  EXPECT_EQ(empty.rfind("bad.yaml", 0), 0u) << empty;
  EXPECT_NE(empty.find("empty document"), std::string::npos) << empty;
  const std::string tabs = error_of("layers:\n\t- {name: a, op: add}\n");
  EXPECT_EQ(tabs.rfind("bad.yaml:2: malformed YAML", 0), 0u) << tabs;
  const std::string deep = error_of("layers: " + std::string(3000, '['));
  EXPECT_EQ(deep.rfind("bad.yaml:1: malformed YAML: nested too deeply", 0), 0u) << deep;
  expect_error("layers: 3\n", 1, "layers", "non-empty list");
  expect_error("layers: []\n", 1, "layers", "non-empty list");
}

TEST(WorkloadErrors, DuplicateName) {
  expect_error("layers:\n  - {name: a, op: add}\n  - {name: b, op: add}\n  - {name: a, op: add}\n",
               4, "name", "first defined at line 2");
}

TEST(WorkloadErrors, BadInputsReference) {
  expect_error("layers:\n  - {name: a, op: add}\n  - {name: b, op: add,\n     inputs: [a, c]}\n", 4,
               "inputs", "'c' is not an earlier layer");
  expect_error("layers:\n  - {name: a, op: add}\n  - {name: b, op: add, inputs: [b]}\n", 3,
               "inputs", "its own input");
  // A later layer is not an input either (the list is in topological order).
  expect_error("layers:\n  - {name: a, op: add, inputs: [b]}\n  - {name: b, op: add}\n", 2,
               "inputs");
  expect_error("layers:\n  - {name: a, op: add}\n  - {name: b, op: add, inputs: {a: 1}}\n", 3,
               "inputs", "got a map");
}

TEST(WorkloadErrors, EscapesControlCharacters) {
  const std::string msg = error_of("layers:\n  - {name: \"a\\tb\", op: add}\n");
  EXPECT_NE(msg.find("control characters"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\t'), std::string::npos) << msg;
}

// ---------------------------------------------------------------------------------------------
// Timeloop problem files

TEST(WorkloadTimeloop, ExampleFiles) {
  const Network conv = load_network((timeloop_dir() / "resnet50_layer1_conv2.yaml").string());
  ASSERT_EQ(conv.layers.size(), 1u);
  EXPECT_EQ(conv.name, "resnet50_layer1_conv2");
  const Layer& c = conv.layers[0];
  EXPECT_EQ(c.name, "resnet50_layer1_conv2");
  EXPECT_EQ(c.shape_string(), "conv 58x58x64 -> 64 k3x3 s1 p0");
  EXPECT_EQ(c.ho(), 56);
  EXPECT_EQ(c.macs(), builtin_network("resnet50").find("layer1.0.conv2")->macs());

  const Network dw = load_network((timeloop_dir() / "mobilenet_v3_bneck5_dw.yaml").string());
  ASSERT_EQ(dw.layers.size(), 1u);
  EXPECT_EQ(dw.layers[0].shape_string(), "dwconv 28x28x120 -> 120 k5x5 s1 p2 g120");
  EXPECT_EQ(dw.layers[0].macs(), builtin_network("mobilenet_v3_large").find("bneck5.dw")->macs());

  const Network mm = load_network((timeloop_dir() / "bert_base_ffn1.yaml").string());
  ASSERT_EQ(mm.layers.size(), 1u);
  EXPECT_EQ(mm.layers[0].shape_string(), "gemm 128x768x3072");
  EXPECT_EQ(mm.layers[0].name, "bert_base_ffn1");
}

TEST(WorkloadTimeloop, InlineTexts) {
  // No shape: the CNN-layer convention (P, R along W; Q, S along H), strides and dilations.
  Network net = parse_network(
      "problem:\n  instance: {C: 3, M: 8, R: 3, S: 5, N: 2, P: 10, Q: 7, Wstride: 2, Hstride: 1,\n"
      "             Hdilation: 2}\n",
      "path/to/layer7.yaml");
  ASSERT_EQ(net.layers.size(), 1u);
  Layer l = net.layers[0];
  EXPECT_EQ(l.name, "layer7");
  EXPECT_EQ(l.r, 5);  // S: along H
  EXPECT_EQ(l.s, 3);  // R: along W
  EXPECT_EQ(l.h, (7 - 1) * 1 + (5 - 1) * 2 + 1);
  EXPECT_EQ(l.w, (10 - 1) * 2 + (3 - 1) * 1 + 1);
  EXPECT_EQ(l.ho(), 7);
  EXPECT_EQ(l.wo(), 10);
  EXPECT_EQ(l.batch, 2);
  EXPECT_EQ(l.macs(), 2u * 7u * 10u * 3u * 5u * 3u * 8u);
  // A shape whose projection puts P along H swaps the axes.
  net = parse_network(R"(problem:
  shape:
    name: CNN-Layer-HW
    dimensions: [C, M, R, S, N, P, Q]
    data-spaces:
      - name: Inputs
        projection:
          - [[N]]
          - [[C]]
          - [[R, Hdilation], [P, Hstride]]
          - [[S, Wdilation], [Q, Wstride]]
  instance: {C: 3, M: 8, R: 3, S: 5, N: 1, P: 10, Q: 7, Hstride: 2}
)",
                      "hw.yaml");
  l = net.layers[0];
  EXPECT_EQ(l.r, 3);
  EXPECT_EQ(l.s, 5);
  EXPECT_EQ(l.ho(), 10);
  EXPECT_EQ(l.wo(), 7);
  EXPECT_EQ(l.h, 9 * 2 + 2 + 1);
  // Grouped (G: C and M per group), a shape given by name, padding.
  net = parse_network(
      "problem:\n  shape: cnn-layer\n  instance: {G: 4, C: 2, M: 3, R: 3, S: 3, P: 8, Q: 8, "
      "Hpad: 1, Wpad: 1}\n",
      "g.yaml");
  l = net.layers[0];
  EXPECT_EQ(l.groups, 4);
  EXPECT_EQ(l.c, 8);
  EXPECT_EQ(l.co, 12);
  EXPECT_EQ(l.h, 8);
  EXPECT_EQ(l.pad_h, 1);
  EXPECT_EQ(l.ho(), 8);
  EXPECT_EQ(l.macs(), 4u * 64u * 18u * 3u);
  // Depthwise by shape name (no dimensions list), and a GEMM with no shape.
  net = parse_network(
      "problem:\n  shape: {name: depthwise-conv}\n  instance: {C: 16, R: 3, S: 3, "
      "P: 4, Q: 4}\n",
      "dw.yaml");
  EXPECT_EQ(net.layers[0].op, "dwconv");
  EXPECT_EQ(net.layers[0].groups, 16);
  net = parse_network("problem:\n  instance: {M: 4, K: 5, N: 6}\narchitecture: {}\n", "mm.yaml");
  EXPECT_EQ(net.layers[0].shape_string(), "gemm 4x5x6");
  // JSON works too.
  net = parse_network(R"({"problem": {"instance": {"M": 2, "K": 3, "N": 4}}})", "mm.json");
  EXPECT_EQ(net.total_macs(), 24u);
}

TEST(WorkloadTimeloop, Errors) {
  // A missing dimension: the instance's line, the dimension named.
  expect_error(
      "problem:\n  shape: {name: CNN-Layer, dimensions: [C, M, R, S, N, P, Q]}\n"
      "  instance:\n    C: 3\n    M: 8\n    R: 3\n    S: 3\n    P: 4\n",
      4, "Q", "missing");
  expect_error("problem:\n  instance: {C: 3, R: 3, S: 3, P: 4, Q: 4}\n", 2, "M", "missing");
  expect_error("problem:\n  instance: {M: 4, K: 5}\n", 2, "N", "missing");
  expect_error("problem:\n  instance: {C: 3, M: 8, R: 3, S: 3, P: 4, Q: 4,\n    Hstride: 0}\n", 3,
               "Hstride", "positive integer");
  expect_error("problem:\n  instance: {C: 3, M: 8, R: 3, S: 3, P: 4, Q: 4, X: 1}\n", 2, "X",
               "not a dimension");
  expect_error("problem:\n  shape: {dimensions: [C, M, R, S, T, P, Q]}\n  instance: {C: 1}\n", 2,
               "dimensions", "'T' is not supported");
  expect_error("problem:\n  instance: {C: 3, M: 8, R: 3, S: 3, P: 2, Q: 2, Hpad: 2}\n", 2, "Hpad",
               "< 1");
  expect_error("problem:\n  shape: CNN-Layer\n", 2, "instance", "missing");
  expect_error("problem: {instance: {M: 1, K: 1, N: 1}}\nmappings: {}\n", 2, "mappings",
               "unknown top-level field");
  expect_error("problem:\n  instance: {M: 2147483647, K: 2147483647, N: 2147483647}\n", 2, "N",
               "overflow");
}

// The named layers (sw/layers/presets.yaml): every one parses, validates, has notes, and is a
// layer with MACs; an unknown name lists them.
TEST(LayerPresets, AllValidAndNamed) {
  const auto names = layer_presets();
  ASSERT_GE(names.size(), 5u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  for (const auto& n : names) {
    const Layer l = layer_preset(n);
    EXPECT_EQ(l.name, n);
    EXPECT_FALSE(l.notes.empty()) << n;
    EXPECT_GT(l.macs(), 0u) << n;
    EXPECT_TRUE(l.inputs.empty()) << n;
    EXPECT_NO_THROW(l.validate()) << n;
  }
  const Layer demo = layer_preset("resnet50-conv3x3");
  EXPECT_EQ(demo.shape_string(), "conv 28x28x64 -> 64 k3x3 s1 p1");
  EXPECT_EQ(layer_preset("mobilenet-dw3x3").groups, 72);
  try {
    layer_preset("nope");
    ADD_FAILURE() << "unknown preset accepted";
  } catch (const WorkloadError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown layer preset 'nope' (presets: bert-gemm"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace feather::map
