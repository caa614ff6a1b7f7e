//===- SNNHW.h - the hardware-level dialect ---------------------*- C++ -*-===//
#ifndef SPIKESTACK_DIALECT_SNNHW_IR_SNNHW_H
#define SPIKESTACK_DIALECT_SNNHW_IR_SNNHW_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"

#include "spikestack/Dialect/SNNHW/IR/SNNHWDialect.h.inc"
#include "spikestack/Dialect/SNNHW/IR/SNNHWEnums.h.inc"

#define GET_OP_CLASSES
#include "spikestack/Dialect/SNNHW/IR/SNNHWOps.h.inc"

#endif
