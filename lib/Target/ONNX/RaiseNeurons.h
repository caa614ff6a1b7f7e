//===- RaiseNeurons.h - find unrolled LIF/IF neurons in ONNX graphs -*- C++ -*-===//
//
// Traced exports unroll each spiking neuron over its T time steps into ~12
// elementwise ONNX ops per step (Gather(X, t) -> charge -> compare -> Cast
// -> reset -> Unsqueeze, then one Concat). The raiser works on the
// dataflow, not on an op sequence:
//
//  1. a candidate is a Concat(axis 0) of T Unsqueeze(s_t, 0) whose backward
//     cone (stopping at scalar constants and Gather(X, t, axis 0)) contains
//     only elementwise ops and is used by nothing else;
//  2. the threshold and comparison come from the spike's Cast(compare(.));
//     tau, the rest/reset potential, the reset mode and the charge form are
//     enumerated from numeric probes of the cone;
//  3. a candidate is accepted only if the reference neuron reproduces the
//     cone's spikes bit for bit on random inputs, so raising never changes
//     meaning.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_LIB_TARGET_ONNX_RAISENEURONS_H
#define SPIKESTACK_LIB_TARGET_ONNX_RAISENEURONS_H

#include "ONNXGraph.h"

#include <set>

namespace spikestack::onnx_import {

struct RaisedNeuron {
  const onnx::NodeProto *concat; ///< produces the spikes [T, ...]
  std::string input;             ///< X [T, ...]
  ref::NeuronParams params;
  std::set<const onnx::NodeProto *> absorbed; ///< cone + Unsqueezes
};

/// Finds and verifies the neurons of `graph`. Nodes in `absorbed` of a
/// result must not be emitted; the Concat becomes the neuron.
absl::StatusOr<std::vector<RaisedNeuron>> raiseNeurons(const Graph &graph);

} // namespace spikestack::onnx_import

#endif
