//===- Passes.h - snn lowering passes ---------------------------*- C++ -*-===//
#ifndef SPIKESTACK_DIALECT_SNN_TRANSFORMS_PASSES_H
#define SPIKESTACK_DIALECT_SNN_TRANSFORMS_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "spikestack/Dialect/SNN/IR/SNNDialect.h"
#include "spikestack/Dialect/SNNHW/IR/SNNHW.h"

#include <memory>

namespace spikestack::snn {

#define GEN_PASS_DECL
#include "spikestack/Dialect/SNN/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "spikestack/Dialect/SNN/Transforms/Passes.h.inc"

/// Registers --snn-to-hw="target=... weight-bits=... plan-report=FILE".
void registerSNNPipelines();

} // namespace spikestack::snn

#endif
