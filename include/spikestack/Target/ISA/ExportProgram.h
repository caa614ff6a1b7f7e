//===- ExportProgram.h - snnhw + layer table -> rt::Program -----*- C++ -*-===//
//
// Builds the executor's Program from a module lowered by --snn-to-hw: the
// snnhw.program's streams become instructions, the snn function becomes
// the layer table (reference-kernel nodes with their numerics), its
// constants the constant pool, and the target's fingerprint is stamped in.
// Registers the `--emit-isa` (binary container) and `--emit-asm`
// (disassembly) translations of snn-translate.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_TARGET_ISA_EXPORTPROGRAM_H
#define SPIKESTACK_TARGET_ISA_EXPORTPROGRAM_H

#include "spikestack/Runtime/Program.h"

#include "mlir/IR/BuiltinOps.h"

namespace spikestack {

/// Errors are emitted as diagnostics on the op at fault.
mlir::FailureOr<rt::Program> exportProgram(mlir::ModuleOp module);

void registerProgramTranslations();

} // namespace spikestack

#endif
