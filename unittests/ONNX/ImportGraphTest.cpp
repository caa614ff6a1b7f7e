//===- ImportGraphTest.cpp - ONNX loading, folding and neuron raising -----===//
#include "ONNXGraph.h"
#include "RaiseNeurons.h"

#include "spikestack/Support/FileUtil.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>

#include <sys/stat.h>
#include <unistd.h>

using namespace spikestack;
using namespace spikestack::onnx_import;
using ::testing::HasSubstr;

namespace {

const std::string kData = SPIKESTACK_TEST_DATA_DIR "/models/";

/// Number of LIF layers of a fixture: its .json lists one firing rate each.
int firingRateCount(const std::string &stem) {
  auto json = readFile(kData + stem + ".json");
  EXPECT_TRUE(json.ok());
  const size_t start = json->find("\"firing_rates\"");
  const size_t open = json->find('[', start), close = json->find(']', open);
  int commas = 0;
  for (size_t i = open; i < close; ++i)
    commas += (*json)[i] == ',';
  return commas + 1;
}

std::string tempDir() {
  char pattern[] = "/tmp/onnx-import-test.XXXXXX";
  const char *dir = mkdtemp(pattern);
  EXPECT_NE(dir, nullptr);
  return dir;
}

void save(const onnx::ModelProto &m, const std::string &path) {
  std::string bytes;
  ASSERT_TRUE(m.SerializeToString(&bytes));
  ASSERT_TRUE(writeOutputFile(path, bytes).ok());
}

/// A model skeleton: IR 8, opset `opset`, one float input `x` of `shape`.
onnx::ModelProto skeleton(std::vector<int64_t> shape, int64_t opset = 17) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto *o = m.add_opset_import();
  o->set_domain("");
  o->set_version(opset);
  m.mutable_graph()->set_name("test");
  auto *in = m.mutable_graph()->add_input();
  in->set_name("x");
  auto *tt = in->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : shape)
    tt->mutable_shape()->add_dim()->set_dim_value(d);
  return m;
}

onnx::NodeProto *addNode(onnx::ModelProto &m, const std::string &op,
                         std::vector<std::string> inputs,
                         std::vector<std::string> outputs) {
  auto *n = m.mutable_graph()->add_node();
  n->set_op_type(op);
  n->set_name(outputs.front());
  for (auto &i : inputs)
    n->add_input(i);
  for (auto &o : outputs)
    n->add_output(o);
  return n;
}

void addScalar(onnx::ModelProto &m, const std::string &name, float v) {
  auto *t = m.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_float_data(v);
}

void addInt64s(onnx::ModelProto &m, const std::string &name,
               std::vector<int64_t> v, bool scalar = false) {
  auto *t = m.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  if (!scalar)
    t->add_dims(int64_t(v.size()));
  for (int64_t x : v)
    t->add_int64_data(x);
}

/// A graph output of `rank` symbolic dimensions (shapes are inferred).
void addOutput(onnx::ModelProto &m, const std::string &name, int rank = 2) {
  auto *out = m.mutable_graph()->add_output();
  out->set_name(name);
  auto *tt = out->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  auto *shape = tt->mutable_shape();
  for (int i = 0; i < rank; ++i)
    shape->add_dim()->set_dim_param("d" + std::to_string(i));
}

struct LifSpec {
  float tau = 2.0f, threshold = 1.0f;
  bool soft = false, gt = false, decayInput = true;
};

/// Builds the traced form of SpikingJelly's MultiStepLIFNode (v_reset = 0)
/// on x [T, 4]: per step Gather -> charge -> Sub/compare/Cast -> reset ->
/// Unsqueeze, then Concat; `extraUse` also returns step 0's membrane.
onnx::ModelProto tracedLif(int64_t T, const LifSpec &spec,
                           bool extraUse = false) {
  onnx::ModelProto m = skeleton({T, 4});
  addScalar(m, "tau", spec.tau);
  addScalar(m, "th", spec.threshold);
  addScalar(m, "zero", 0.0f);
  addScalar(m, "one", 1.0f);
  addScalar(m, "keep", float(1.0 - 1.0 / double(spec.tau)));
  addInt64s(m, "axes0", {0});
  std::string v = "zero";
  std::vector<std::string> steps;
  for (int64_t t = 0; t < T; ++t) {
    const std::string s = std::to_string(t);
    addInt64s(m, "idx" + s, {t}, /*scalar=*/true);
    addNode(m, "Gather", {"x", "idx" + s}, {"x" + s});
    std::string h;
    if (spec.decayInput) { // H = V + (X - V) / tau
      addNode(m, "Sub", {"x" + s, v}, {"d" + s});
      addNode(m, "Div", {"d" + s, "tau"}, {"q" + s});
      addNode(m, "Add", {v, "q" + s}, {"h" + s});
    } else { // H = V * (1 - 1/tau) + X
      addNode(m, "Mul", {v, "keep"}, {"k" + s});
      addNode(m, "Add", {"k" + s, "x" + s}, {"h" + s});
    }
    h = "h" + s;
    addNode(m, "Sub", {h, "th"}, {"m" + s});
    addNode(m, spec.gt ? "Greater" : "GreaterOrEqual", {"m" + s, "zero"},
            {"c" + s});
    auto *cast = addNode(m, "Cast", {"c" + s}, {"s" + s});
    auto *to = cast->add_attribute();
    to->set_name("to");
    to->set_type(onnx::AttributeProto::INT);
    to->set_i(onnx::TensorProto::FLOAT);
    if (spec.soft) { // V = H - S * th
      addNode(m, "Mul", {"s" + s, "th"}, {"st" + s});
      addNode(m, "Sub", {h, "st" + s}, {"v" + s});
    } else { // V = (1 - S) * H + S * 0
      addNode(m, "Sub", {"one", "s" + s}, {"ns" + s});
      addNode(m, "Mul", {"ns" + s, h}, {"nh" + s});
      addNode(m, "Mul", {"s" + s, "zero"}, {"sz" + s});
      addNode(m, "Add", {"nh" + s, "sz" + s}, {"v" + s});
    }
    v = "v" + s;
    addNode(m, "Unsqueeze", {"s" + s, "axes0"}, {"u" + s});
    steps.push_back("u" + s);
  }
  auto *cat = addNode(m, "Concat", steps, {"spikes"});
  auto *axis = cat->add_attribute();
  axis->set_name("axis");
  axis->set_type(onnx::AttributeProto::INT);
  axis->set_i(0);
  addOutput(m, "spikes");
  if (extraUse)
    addOutput(m, "h0", /*rank=*/1);
  return m;
}

absl::StatusOr<Graph> loadModel(const onnx::ModelProto &m,
                                const InputShapes &shapes = {}) {
  const std::string path = tempDir() + "/model.onnx";
  save(m, path);
  return loadGraph(path, shapes);
}

//===----------------------------------------------------------------------===//
// The shipped models
//===----------------------------------------------------------------------===//

void expectFoldedAndStatic(const std::string &stem, int expectedNeurons,
                           int expectedHalfThreshold) {
  auto g = loadGraph(kData + stem + ".onnx", {});
  ASSERT_TRUE(g.ok()) << g.status().message();
  EXPECT_EQ(g->opset, 17);
  ASSERT_EQ(g->inputs, std::vector<std::string>{"image"});
  EXPECT_EQ(*g->values["image"].shape, (std::vector<int64_t>{1, 3, 32, 32}));
  EXPECT_EQ(*g->values["logits"].shape, (std::vector<int64_t>{1, 10}));
  for (const onnx::NodeProto *n : g->nodes) {
    // The exporter's shape plumbing is gone...
    EXPECT_THAT(std::string("Shape Constant ConstantOfShape Size Range"),
                ::testing::Not(HasSubstr(n->op_type())))
        << n->name();
    // ...and every remaining value has a static shape.
    for (const std::string &o : n->output())
      EXPECT_TRUE(g->values[o].shape.has_value()) << o;
  }
  auto neurons = raiseNeurons(*g);
  ASSERT_TRUE(neurons.ok()) << neurons.status().message();
  EXPECT_EQ(int(neurons->size()), expectedNeurons);
  int half = 0;
  for (const RaisedNeuron &n : *neurons) {
    // SpikingJelly's MultiStepLIFNode defaults, as the models' README says.
    EXPECT_EQ(n.params.tau, 2.0);
    EXPECT_EQ(n.params.vReset, 0.0);
    EXPECT_TRUE(n.params.hardReset);
    EXPECT_TRUE(n.params.compareGE);
    EXPECT_TRUE(n.params.decayInput);
    EXPECT_EQ(*g->values[n.input].shape->begin(), 4); // T = 4
    half += n.params.vThreshold == 0.5;
    EXPECT_TRUE(n.params.vThreshold == 1.0 || n.params.vThreshold == 0.5);
  }
  EXPECT_EQ(half, expectedHalfThreshold);
}

TEST(ShippedModels, SpikformerFoldsAndRaisesEveryLIF) {
  // 12 LIF layers (one firing rate each in the .json); the attention neuron
  // (attn_lif) has threshold 0.5 (Spikformer's SSA).
  expectFoldedAndStatic("spikformer-c1-128",
                        firingRateCount("spikformer-c1-128"), 1);
}

TEST(ShippedModels, SdtMoeFoldsAndRaisesEveryLIF) {
  // 13 LIF layers; talking_heads_lif (SDSA) has threshold 0.5.
  expectFoldedAndStatic("sdtmoe-1-128", firingRateCount("sdtmoe-1-128"), 1);
}

//===----------------------------------------------------------------------===//
// Neuron raising on hand-built traced neurons
//===----------------------------------------------------------------------===//

TEST(RaiseNeurons, RecoversHardResetGE) {
  auto g = loadModel(tracedLif(4, {}));
  ASSERT_TRUE(g.ok()) << g.status().message();
  auto r = raiseNeurons(*g);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  const ref::NeuronParams &p = (*r)[0].params;
  EXPECT_EQ(p.tau, 2.0);
  EXPECT_EQ(p.vThreshold, 1.0);
  EXPECT_TRUE(p.hardReset);
  EXPECT_TRUE(p.compareGE);
  EXPECT_EQ((*r)[0].input, "x");
  // Every node except the Concat is absorbed (4 steps x 13 nodes).
  EXPECT_EQ((*r)[0].absorbed.size(), g->nodes.size() - 1);
}

TEST(RaiseNeurons, RecoversSoftResetGTAndTau3) {
  LifSpec spec;
  spec.tau = 3.0f;
  spec.threshold = 0.75f;
  spec.soft = true;
  spec.gt = true;
  auto g = loadModel(tracedLif(3, spec));
  ASSERT_TRUE(g.ok()) << g.status().message();
  auto r = raiseNeurons(*g);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  const ref::NeuronParams &p = (*r)[0].params;
  EXPECT_EQ(float(p.tau), 3.0f);
  EXPECT_EQ(p.vThreshold, 0.75);
  EXPECT_FALSE(p.hardReset);
  EXPECT_FALSE(p.compareGE);
  EXPECT_TRUE(p.decayInput);
}

TEST(RaiseNeurons, RecoversChargeWithoutDecayInput) {
  LifSpec spec;
  spec.tau = 4.0f;
  spec.decayInput = false;
  auto g = loadModel(tracedLif(4, spec));
  ASSERT_TRUE(g.ok()) << g.status().message();
  auto r = raiseNeurons(*g);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  const ref::NeuronParams &p = (*r)[0].params;
  EXPECT_TRUE(p.leaky);
  EXPECT_FALSE(p.decayInput);
  EXPECT_EQ(float(p.tau), 4.0f);
}

TEST(RaiseNeurons, LeavesANeuronWhoseMembraneIsUsedElsewhere) {
  // The membrane of step 0 is also a graph output: the neuron cannot be
  // replaced by one op, so it is not raised.
  auto g = loadModel(tracedLif(3, {}, /*extraUse=*/true));
  ASSERT_TRUE(g.ok()) << g.status().message();
  auto r = raiseNeurons(*g);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

//===----------------------------------------------------------------------===//
// Folding
//===----------------------------------------------------------------------===//

TEST(Folding, ShapeGatherConcatReshapeChainBecomesConstant) {
  // y = Reshape(x, Concat(Gather(Shape(x), 0), [-1])): the exporter's way
  // of writing flatten(1). x [2, 3, 4] -> y [2, 12].
  onnx::ModelProto m = skeleton({2, 3, 4});
  addInt64s(m, "zero", {0}, /*scalar=*/true);
  addInt64s(m, "minus1", {-1});
  addInt64s(m, "axes0", {0});
  addNode(m, "Shape", {"x"}, {"shape"});
  addNode(m, "Gather", {"shape", "zero"}, {"batch"});
  addNode(m, "Unsqueeze", {"batch", "axes0"}, {"batch1"});
  auto *cat = addNode(m, "Concat", {"batch1", "minus1"}, {"target"});
  auto *axis = cat->add_attribute();
  axis->set_name("axis");
  axis->set_type(onnx::AttributeProto::INT);
  axis->set_i(0);
  addNode(m, "Reshape", {"x", "target"}, {"y"});
  addOutput(m, "y");
  auto g = loadModel(m);
  ASSERT_TRUE(g.ok()) << g.status().message();
  ASSERT_EQ(g->nodes.size(), 1u); // only the Reshape is left
  EXPECT_EQ(g->nodes[0]->op_type(), "Reshape");
  const auto &target = g->values["target"].constant;
  ASSERT_TRUE(target && target->values);
  EXPECT_EQ(target->values->data, (std::vector<double>{2, -1}));
  EXPECT_EQ(*g->values["y"].shape, (std::vector<int64_t>{2, 12}));
}

//===----------------------------------------------------------------------===//
// Bad models
//===----------------------------------------------------------------------===//

onnx::ModelProto reluModel() {
  onnx::ModelProto m = skeleton({1, 4});
  addNode(m, "Relu", {"x"}, {"y"});
  addOutput(m, "y");
  return m;
}

TEST(BadModels, MissingFile) {
  auto g = loadGraph("/nonexistent/model.onnx", {});
  ASSERT_FALSE(g.ok());
  EXPECT_THAT(std::string(g.status().message()), HasSubstr("/nonexistent/model.onnx"));
}

TEST(BadModels, TruncatedProtobuf) {
  auto bytes = readFile(kData + "spikformer-c1-128.onnx");
  ASSERT_TRUE(bytes.ok());
  const std::string path = tempDir() + "/truncated.onnx";
  ASSERT_TRUE(writeOutputFile(path, bytes->substr(0, 5000)).ok());
  auto g = loadGraph(path, {});
  ASSERT_FALSE(g.ok());
  EXPECT_THAT(std::string(g.status().message()),
              HasSubstr("truncated or corrupt"));
}

TEST(BadModels, CorruptedBytes) {
  auto bytes = readFile(kData + "spikformer-c1-128.onnx");
  ASSERT_TRUE(bytes.ok());
  std::string corrupt = *bytes;
  for (size_t i = 100; i < corrupt.size(); i += 997)
    corrupt[i] = char(0xff);
  const std::string path = tempDir() + "/corrupt.onnx";
  ASSERT_TRUE(writeOutputFile(path, corrupt).ok());
  auto g = loadGraph(path, {});
  EXPECT_FALSE(g.ok()); // any clear error, never a crash
}

TEST(BadModels, NotAnOnnxFile) {
  const std::string path = tempDir() + "/text.onnx";
  ASSERT_TRUE(writeOutputFile(path, "this is not a model\n").ok());
  auto g = loadGraph(path, {});
  ASSERT_FALSE(g.ok());
  EXPECT_THAT(std::string(g.status().message()),
              ::testing::AnyOf(HasSubstr("truncated or corrupt"),
                               HasSubstr("is not an ONNX model")));
}

TEST(BadModels, EmptyGraph) {
  onnx::ModelProto m = skeleton({1});
  auto g = loadModel(m);
  ASSERT_FALSE(g.ok());
  EXPECT_THAT(std::string(g.status().message()), HasSubstr("empty graph (0 nodes"));
}

TEST(BadModels, OpsetOutOfRange) {
  onnx::ModelProto m = reluModel();
  m.mutable_opset_import(0)->set_version(18);
  auto g = loadModel(m);
  ASSERT_FALSE(g.ok());
  EXPECT_THAT(std::string(g.status().message()),
              HasSubstr("opset 18; SpikeStack supports opsets 13-17"));
}

TEST(BadModels, IRVersionTooNew) {
  onnx::ModelProto m = reluModel();
  m.set_ir_version(9);
  auto g = loadModel(m);
  ASSERT_FALSE(g.ok());
  EXPECT_THAT(std::string(g.status().message()), HasSubstr("IR version 9"));
}

TEST(BadModels, LoopFromScriptedExportNamesTheFix) {
  onnx::ModelProto m = reluModel();
  addNode(m, "Loop", {"", ""}, {"z"})->set_name("scripted_lif");
  auto g = loadModel(m);
  ASSERT_FALSE(g.ok());
  const std::string msg(g.status().message());
  EXPECT_THAT(msg, HasSubstr("node 'scripted_lif' (Loop, domain 'ai.onnx', opset 17)"));
  EXPECT_THAT(msg, HasSubstr("Export with tracing"));
  EXPECT_THAT(msg, HasSubstr("python -m spikestack.export"));
}

TEST(BadModels, UnknownDomain) {
  onnx::ModelProto m = reluModel();
  m.mutable_graph()->mutable_node(0)->set_domain("com.microsoft");
  auto g = loadModel(m);
  ASSERT_FALSE(g.ok());
  EXPECT_THAT(std::string(g.status().message()),
              HasSubstr("unknown domain 'com.microsoft'"));
}

TEST(BadModels, DynamicInputNamesTheFlag) {
  onnx::ModelProto m = reluModel();
  auto *dim = m.mutable_graph()->mutable_input(0)->mutable_type()
                  ->mutable_tensor_type()->mutable_shape()->mutable_dim(0);
  dim->set_dim_param("batch");
  auto g = loadModel(m);
  ASSERT_FALSE(g.ok());
  EXPECT_THAT(std::string(g.status().message()),
              HasSubstr("input 'x' has a dynamic dimension ('batch'); give its "
                        "size with --input-shape x=Nx4"));
  // With the shape given, it loads.
  auto ok = loadModel(m, {{"x", {3, 4}}});
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(*ok->values["y"].shape, (std::vector<int64_t>{3, 4}));
  // A shape that contradicts the static dimensions is refused.
  auto bad = loadModel(m, {{"x", {3, 5}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("does not match"));
}

TEST(BadModels, RawDataSizeMismatch) {
  onnx::ModelProto m = reluModel();
  auto *t = m.mutable_graph()->add_initializer();
  t->set_name("w");
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_dims(4);
  t->set_raw_data(std::string(12, '\0'));
  auto g = loadModel(m);
  ASSERT_FALSE(g.ok());
  EXPECT_THAT(std::string(g.status().message()),
              HasSubstr("holds 12 bytes of raw data"));
}

TEST(BadModels, UnsupportedElementType) {
  onnx::ModelProto m = reluModel();
  auto *t = m.mutable_graph()->add_initializer();
  t->set_name("w");
  t->set_data_type(onnx::TensorProto::FLOAT16);
  t->add_dims(1);
  t->set_raw_data(std::string(2, '\0'));
  auto g = loadModel(m);
  ASSERT_FALSE(g.ok());
  EXPECT_THAT(std::string(g.status().message()),
              HasSubstr("unsupported element type FLOAT16"));
}

onnx::ModelProto externalModel(const std::string &location) {
  onnx::ModelProto m = skeleton({1, 4});
  auto *t = m.mutable_graph()->add_initializer();
  t->set_name("w");
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_dims(1);
  t->add_dims(4);
  t->set_data_location(onnx::TensorProto::EXTERNAL);
  auto *kv = t->add_external_data();
  kv->set_key("location");
  kv->set_value(location);
  addNode(m, "Add", {"x", "w"}, {"y"});
  addOutput(m, "y");
  return m;
}

TEST(ExternalData, LoadsTensorsFromAFileNextToTheModel) {
  const std::string dir = tempDir();
  const float w[4] = {1.5f, -2.0f, 0.25f, 8.0f};
  ASSERT_TRUE(writeOutputFile(dir + "/weights.bin",
                                  std::string(reinterpret_cast<const char *>(w),
                                              sizeof(w)))
                  .ok());
  save(externalModel("weights.bin"), dir + "/model.onnx");
  auto g = loadGraph(dir + "/model.onnx", {});
  ASSERT_TRUE(g.ok()) << g.status().message();
  const auto &c = g->values["w"].constant;
  ASSERT_TRUE(c && c->values);
  EXPECT_EQ(c->values->data, (std::vector<double>{1.5, -2.0, 0.25, 8.0}));
}

TEST(ExternalData, MissingFileIsNamed) {
  const std::string dir = tempDir();
  save(externalModel("weights.bin"), dir + "/model.onnx");
  auto g = loadGraph(dir + "/model.onnx", {});
  ASSERT_FALSE(g.ok());
  EXPECT_THAT(std::string(g.status().message()),
              HasSubstr("missing external data file 'weights.bin' for "
                        "initializer 'w'"));
}

TEST(ExternalData, PathsOutsideTheModelDirectoryAreRefused) {
  const std::string dir = tempDir();
  save(externalModel("../secret.bin"), dir + "/model.onnx");
  auto g = loadGraph(dir + "/model.onnx", {});
  ASSERT_FALSE(g.ok());
  EXPECT_THAT(std::string(g.status().message()),
              HasSubstr("must be a relative path inside the model's directory"));
}

TEST(ExternalData, ShortFileIsReported) {
  const std::string dir = tempDir();
  ASSERT_TRUE(writeOutputFile(dir + "/weights.bin", std::string(8, 'x')).ok());
  save(externalModel("weights.bin"), dir + "/model.onnx");
  auto g = loadGraph(dir + "/model.onnx", {});
  ASSERT_FALSE(g.ok());
  EXPECT_THAT(std::string(g.status().message()), HasSubstr("has 8 bytes"));
}

TEST(ExternalData, SymlinkLeadingOutsideTheModelDirectoryIsRefused) {
  const std::string outside = tempDir();
  const std::string dir = tempDir();
  const float w[4] = {1, 2, 3, 4};
  ASSERT_TRUE(writeOutputFile(outside + "/secret.bin",
                              std::string(reinterpret_cast<const char *>(w),
                                          sizeof(w)))
                  .ok());
  // The location's text is harmless; the link behind it is not.
  ASSERT_EQ(::symlink((outside + "/secret.bin").c_str(),
                      (dir + "/weights.bin").c_str()),
            0);
  save(externalModel("weights.bin"), dir + "/model.onnx");
  auto g = loadGraph(dir + "/model.onnx", {});
  ASSERT_FALSE(g.ok());
  EXPECT_THAT(std::string(g.status().message()),
              HasSubstr("outside the model's directory"));
}

TEST(ExternalData, SymlinkedFolderLeadingOutsideIsRefused) {
  const std::string outside = tempDir();
  const std::string dir = tempDir();
  ASSERT_TRUE(writeOutputFile(outside + "/weights.bin", std::string(16, 'x'))
                  .ok());
  ASSERT_EQ(::symlink(outside.c_str(), (dir + "/data").c_str()), 0);
  save(externalModel("data/weights.bin"), dir + "/model.onnx");
  auto g = loadGraph(dir + "/model.onnx", {});
  ASSERT_FALSE(g.ok());
  EXPECT_THAT(std::string(g.status().message()),
              HasSubstr("outside the model's directory"));
}

TEST(ExternalData, SymlinkInsideTheModelDirectoryIsFollowed) {
  const std::string dir = tempDir();
  const float w[4] = {1.5f, -2.0f, 0.25f, 8.0f};
  ASSERT_TRUE(writeOutputFile(dir + "/real.bin",
                              std::string(reinterpret_cast<const char *>(w),
                                          sizeof(w)))
                  .ok());
  ASSERT_EQ(::symlink("real.bin", (dir + "/weights.bin").c_str()), 0);
  save(externalModel("weights.bin"), dir + "/model.onnx");
  auto g = loadGraph(dir + "/model.onnx", {});
  ASSERT_TRUE(g.ok()) << g.status().message();
  EXPECT_EQ(g->values["w"].constant->values->data,
            (std::vector<double>{1.5, -2.0, 0.25, 8.0}));
}

TEST(ExternalData, FifoIsRefusedWithoutBlocking) {
  const std::string dir = tempDir();
  ASSERT_EQ(::mkfifo((dir + "/weights.bin").c_str(), 0600), 0);
  save(externalModel("weights.bin"), dir + "/model.onnx");
  auto g = loadGraph(dir + "/model.onnx", {});
  ASSERT_FALSE(g.ok());
  EXPECT_THAT(std::string(g.status().message()),
              HasSubstr("it is a FIFO, not a regular file"));
}

} // namespace
