// Workloads: the layers and networks the mapper maps onto FEATHER, read from description files
// (the project's own YAML/JSON format, or a Timeloop problem file) or taken from the built-in
// networks (ResNet-50, MobileNet-V3-Large, BERT-base; sw/networks/*.yaml, embedded in the
// library at build time). The format, its defaults and the Timeloop mapping: docs/workloads.md.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace feather::map {

// Every rejected description: the message names the file, the line (1-based) and the field,
// e.g. "resnet50.yaml:14: layer 'l1.0.conv2': field 'k': must be a positive integer, got -3".
class WorkloadError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// kOther: add/pool/mul/concat/activations/norms: no MACs, kept for the graph.
enum class OpKind { kConv, kGemm, kOther };

struct Layer {
  std::string name;
  OpKind kind = OpKind::kConv;
  std::string op;  // as written: "conv", "dwconv", "fc", "gemm", "matmul", "add", "avgpool", ...
  // conv (batch n; input h x w x c; k output channels; kernel r x s). For kOther layers h, w, c
  // (optional) describe the output tensor.
  int n = 1, h = 1, w = 1, c = 1, k = 1, r = 1, s = 1;
  int stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0, dil_h = 1, dil_w = 1, groups = 1;
  // gemm / fc / matmul: O[gm][gn] = A[gm][gk] * B[gk][gn]
  int gm = 1, gk = 1, gn = 1;
  bool weights_are_activations = false;  // matmul of two activations (attention QK^T, PV)
  int count = 1;                         // identical instances (e.g. 12 heads)
  // Producer layer names; empty = the previous layer (or the network input for the first).
  std::vector<std::string> inputs;
  std::string file;  // where it was defined (for messages)
  int line = 0;

  // Conv output size (exact for any field values: 64-bit arithmetic, 0 if the stride is not
  // positive); h and w for gemm and kOther layers.
  int ho() const;
  int wo() const;

  // The layer as GEMMs: groups x (M x K x N) with M = n*ho*wo, K = r*s*c/groups, N = k/groups
  // for conv; groups = 1, (gm, gk, gn) for gemm; all 0 for kOther.
  struct Gemm {
    std::uint64_t groups, m, k, n;
  };
  Gemm as_gemm() const;
  std::uint64_t macs() const;        // one instance: groups*m*k*n; 0 for kOther
  std::uint64_t total_macs() const;  // macs() * count
  // e.g. "conv 56x56x64 -> 64 k3x3 s1 p1", "dwconv 112x112x16 -> 16 k3x3 s2 p1 g16",
  // "gemm 128x768x768", "matmul 128x64x128 act x12", "add 56x56x256".
  std::string shape_string() const;

  // The rules of docs/workloads.md that a layer must satisfy on its own (positive sizes that fit
  // int, groups divide c and k, output size >= 1, no overflow of n*ho*wo, r*s*c or the MACs,
  // op consistent with kind). Throws WorkloadError naming file:line, the layer and the field.
  void validate() const;
};

struct Network {
  std::string name, file;
  std::vector<Layer> layers;
  std::uint64_t total_macs() const;
  const Layer* find(const std::string& name) const;  // nullptr if absent
  // Every layer validates, names are unique and non-empty, every `inputs` entry names an
  // earlier layer, the total MACs fit 64 bits. Throws WorkloadError.
  void validate() const;
};

// The ops of each kind (the names `op:` accepts), for messages and tools.
const std::vector<std::string>& known_ops(OpKind kind);
const char* to_string(OpKind kind);

// Own format (YAML; JSON is accepted too since yaml-cpp reads JSON) or a Timeloop problem file
// (detected by a top-level `problem:` key). `file` is only used in messages (and, for a
// Timeloop file, its stem names the layer and the network).
Network parse_network(const std::string& text, const std::string& file);
Network load_network(const std::string& path);  // reads the file; error if unreadable
std::vector<std::string> builtin_networks();    // {"bert_base", "mobilenet_v3_large", "resnet50"}
Network builtin_network(const std::string& name);  // unknown name -> WorkloadError listing them
// A network given as a builtin name or a path (a name without '/' and without a '.' is a
// builtin).
Network find_network(const std::string& name_or_path);

}  // namespace feather::map
