//===- SNNDialect.h - snn dialect -------------------------------*- C++ -*-===//
#ifndef SPIKESTACK_DIALECT_SNN_IR_SNNDIALECT_H
#define SPIKESTACK_DIALECT_SNN_IR_SNNDIALECT_H

#include "mlir/IR/Dialect.h"

#include "spikestack/Dialect/SNN/IR/SNNDialect.h.inc"

#endif
