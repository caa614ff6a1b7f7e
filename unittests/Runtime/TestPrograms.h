//===- TestPrograms.h - small hand-built programs for the tests -*- C++ -*-===//
//
// x (V x K spikes) -> linear (weight N x K, int8, all ones) -> fused LIF ->
// add (the spikes to themselves) -> y, one core. The tiling and the
// element counts are worked out by hand from the shapes in the comments
// (what --snn-tile and --snn-lower-to-hw would give on 32 x 32 arrays).
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_UNITTESTS_RUNTIME_TESTPROGRAMS_H
#define SPIKESTACK_UNITTESTS_RUNTIME_TESTPROGRAMS_H

#include "spikestack/Runtime/Program.h"

namespace spikestack::rt::testing {

inline ElemType spikeType() { return {ElemKind::Spike, 1, 0, 1}; }

inline Node makeNode(NodeKind kind, std::string name,
                     std::vector<int32_t> operands, int32_t result,
                     std::vector<int64_t> ints) {
  Node n;
  n.kind = kind;
  n.name = std::move(name);
  n.operands = std::move(operands);
  n.results = {result};
  n.ints = std::move(ints);
  return n;
}

/// `vectors` rows of `reduction` spikes through a linear of `outputs`
/// outputs on 32 x 32 arrays, `bundle` vectors per pass. k_tiles =
/// ceil(reduction / 32); one column task (outputs <= 32) of `outputs`
/// columns; LIF and add over vectors x outputs elements. Streams on core 0:
/// spike_acc, lif, vector add, halt (no load or store).
inline Program linearProgram(int64_t vectors = 2, int64_t reduction = 4,
                             int64_t outputs = 3, int64_t bundle = 2) {
  Program p;
  p.target = "3d-mol";
  p.inputOffsets = {0};
  Graph g;
  g.values = {{{vectors, reduction}, spikeType()},
              {{outputs, reduction}, {ElemKind::Int, 8, 0, 0}},
              {{vectors, outputs}, {ElemKind::F32, 32, 0, 0}},
              {{vectors, outputs}, spikeType()},
              {{vectors, outputs}, {ElemKind::Count, 32, 0, 2}}};
  g.inputs = {0};
  g.inputNames = {"x"};
  g.outputs = {4};
  g.outputNames = {"y"};
  g.nodes = {makeNode(NodeKind::Constant, "arith.constant", {}, 1, {0}),
             makeNode(NodeKind::Linear, "snn.linear", {0, 1}, 2, {0, 0, 0}),
             makeNode(NodeKind::Neuron, "snn.lif", {2}, 3, {}),
             makeNode(NodeKind::Add, "snn.add", {3, 3}, 4,
                      {int64_t(ref::AddKind::Exact), 0, 0})};
  p.graphs = {g};
  Constant w;
  w.storage = Storage::I8;
  w.shape = {outputs, reduction};
  w.bytes.assign(size_t(outputs * reduction), 1);
  p.constants = {w};

  Layer linear;
  linear.node = 1;
  linear.op = "snn.linear";
  linear.tilings = {{TileKind::Synaptic, 32, 32, reduction, outputs, 1,
                     vectors, bundle, 8}};
  linear.owners = {1};
  linear.epilogues = {2};
  Layer add;
  add.node = 3;
  add.op = "snn.add";
  add.tilings = {{TileKind::Vector, 1, 1, 1, 1, 1, 1, 1, 0}};
  add.owners = {3};
  add.epilogues = {-1};
  p.layers = {linear, add};

  Instr acc;
  acc.op = Opcode::SpikeAcc;
  acc.layer = 0, acc.tiling = 0, acc.task = 0;
  acc.kTiles = (reduction + 31) / 32, acc.columns = outputs,
  acc.vectors = vectors, acc.bundle = bundle;
  Instr lif;
  lif.op = Opcode::Lif;
  lif.layer = 0, lif.task = 0, lif.elements = vectors * outputs;
  Instr vec;
  vec.op = Opcode::Vector;
  vec.sub = uint8_t(VectorFn::Add);
  vec.layer = 1, vec.task = 0, vec.elements = vectors * outputs;
  p.streams = {{acc, lif, vec, Instr{}}};
  return p;
}

/// linearProgram on `rows` x `cols` arrays (outputs <= cols: one column
/// block) with `dataflow` and `rowTiles` row tiles: task i (row tile i) on
/// core i % cores runs [load weights bank 0 offset i x its weight bytes],
/// spike_acc over its taskVectors(i), lif of taskVectors(i) x outputs
/// elements; the add (one task, vectors x outputs elements) ends core 0's
/// stream. `weightsFromBank`: the `load weights` is there (the weights
/// come from bank 0 through its port), else the held operand is the
/// scratchpad's. Every stream ends with halt.
inline Program tiledLinearProgram(int64_t vectors, int64_t reduction,
                                  int64_t outputs, int64_t bundle,
                                  int64_t rows, int64_t cols,
                                  Dataflow dataflow, int64_t rowTiles,
                                  int64_t cores, bool weightsFromBank) {
  Program p = linearProgram(vectors, reduction, outputs, bundle);
  Tiling &t = p.layers[0].tilings[0];
  t.rows = rows;
  t.cols = cols;
  t.dataflow = dataflow;
  t.rowTiles = rowTiles;
  const Instr vec = p.streams[0][2];
  p.streams.assign(size_t(cores), {});
  const int64_t weightBytes = reduction * outputs; // int8
  for (int64_t task = 0; task < t.numTasks(); ++task) {
    auto &s = p.streams[size_t(task % cores)];
    if (weightsFromBank) {
      Instr load;
      load.op = Opcode::Load;
      load.sub = uint8_t(LoadKind::Weights);
      load.layer = 0, load.task = task, load.bank = 0,
      load.offset = task * weightBytes, load.bytes = weightBytes;
      s.push_back(load);
    }
    Instr acc;
    acc.op = Opcode::SpikeAcc;
    acc.layer = 0, acc.tiling = 0, acc.task = task;
    acc.kTiles = t.kTiles(), acc.columns = t.taskColumns(task),
    acc.vectors = t.taskVectors(task), acc.bundle = bundle;
    s.push_back(acc);
    Instr lif;
    lif.op = Opcode::Lif;
    lif.layer = 0, lif.task = task,
    lif.elements = t.taskVectors(task) * outputs;
    s.push_back(lif);
  }
  p.streams[0].push_back(vec);
  for (auto &s : p.streams)
    s.push_back(Instr{});
  return p;
}

} // namespace spikestack::rt::testing

#endif
