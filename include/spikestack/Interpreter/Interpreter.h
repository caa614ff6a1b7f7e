//===- Interpreter.h - reference interpreter for snn IR ---------*- C++ -*-===//
//
// Runs a function of snn (+ func/arith/tensor/linalg glue) ops on concrete
// tensors with the reference numerics of spikestack::ref. It is the golden
// model: float IR matches PyTorch/SpikingJelly, quantized IR defines the
// bits the executor must reproduce.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_INTERPRETER_INTERPRETER_H
#define SPIKESTACK_INTERPRETER_INTERPRETER_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "spikestack/Dialect/SNN/IR/SNNAttrs.h"
#include "spikestack/Reference/Kernels.h"
#include "spikestack/Support/Npy.h"

#include "absl/status/statusor.h"

#include <functional>
#include <string>
#include <vector>

namespace spikestack {

/// Runs `func` on `inputs` (one per argument, already converted to the
/// argument types). Errors are emitted as MLIR diagnostics on the op at
/// fault; returns failure then.
mlir::FailureOr<std::vector<ref::Tensor>>
interpretFunction(mlir::func::FuncOp func,
                  const std::vector<ref::Tensor> &inputs);

/// Called after each op the interpreter runs (also ops inside called
/// functions and regions, once per execution) with the op's results.
using InterpretObserver =
    std::function<void(mlir::Operation &op, const std::vector<ref::Tensor> &)>;

/// As above, calling `observe` after every op (a tap for per-layer dumps).
mlir::FailureOr<std::vector<ref::Tensor>>
interpretFunction(mlir::func::FuncOp func,
                  const std::vector<ref::Tensor> &inputs,
                  const InterpretObserver &observe);

/// Name of argument `i` (`snn.name` argument attribute, else "arg<i>").
std::string argumentName(mlir::func::FuncOp func, unsigned i);
/// Name of result `i` (`snn.name` result attribute, else "result<i>").
std::string resultName(mlir::func::FuncOp func, unsigned i);

/// Converts a .npy array to a tensor of `type`, checking shape, dtype and
/// the value range of the element type.
absl::StatusOr<ref::Tensor> tensorFromNpy(const NpyArray &array,
                                          mlir::RankedTensorType type);
/// Converts a tensor of `type` to .npy (spike -> uint8, count -> int32,
/// f32 -> float32, fixed -> int32 raw, iN -> int32/int64, i1 -> bool).
absl::StatusOr<NpyArray> tensorToNpy(const ref::Tensor &tensor,
                                     mlir::RankedTensorType type);

/// The interpreter's reading of the snn numerics attributes, shared with
/// the program exporter so that both run the kernels with the same
/// parameters.
ref::NeuronParams toNeuronParams(snn::NeuronAttr neuron);
ref::Rounding toRounding(snn::RoundingMode mode);
/// The element-wise f32 operation of an arith binary op (addf, subf, mulf,
/// divf, maximumf, minimumf), for the interpreter and the exporter.
std::optional<ref::BinaryFn> toBinaryFn(mlir::Operation *op);
/// Elements of a constant attribute as doubles (raw integers for integer
/// element types); errors are emitted on `op`.
mlir::FailureOr<std::vector<double>> constantValues(mlir::Operation *op,
                                                    mlir::ElementsAttr attr);

} // namespace spikestack

#endif
